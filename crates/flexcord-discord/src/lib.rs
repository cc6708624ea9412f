//! flexcord's Discord adapter, on twilight 0.18.
//!
//! It runs one gateway shard (intents `GUILDS | DIRECT_MESSAGES`, nothing privileged), turns
//! gateway events into [`flexcord_core::event::DiscordEvent`]s, answers every interaction within
//! Discord's 3 seconds (deferring, or opening the report form itself), and implements core's
//! [`flexcord_core::ports::ChatSurface`] port as [`DiscordChat`]. It also registers the slash
//! commands and sets the guild up for `flexcord setup discord`.
//!
//! It is **not** the router: it decides nothing about conversations, cases or agents, and it
//! never reads configuration from the environment (the binary fills [`DiscordConfig`]).
//!
//! # Wiring
//! ```no_run
//! # async fn wire(
//! #     config: flexcord_discord::DiscordConfig,
//! #     locales: flexcord_core::locale::Locales,
//! # ) -> Result<(), flexcord_discord::DiscordError> {
//! use std::sync::Arc;
//! let http = Arc::new(flexcord_discord::build_http(&config)?);
//! // Names and descriptions in every language of `locales` Discord knows.
//! flexcord_discord::register_commands(&http, config.application_id, &locales).await?;
//! // Arc<dyn ChatSurface>; buttons and forms labelled in each reader's language.
//! let chat = flexcord_discord::DiscordChat::new(Arc::clone(&http), &config)?.with_locales(locales);
//! let gateway = flexcord_discord::Gateway::new(&config, chat.clone());
//! let connected = gateway.connection(); // for /readyz
//! let (tx, _rx) = tokio::sync::mpsc::channel(256); // the router consumes _rx
//! gateway.run(tx, async { /* ctrl-c */ }).await?;
//! # let _ = connected; Ok(()) }
//! ```
//!
//! # Layout
//! - [`config`], [`client`]: configuration; building the HTTP client and shard.
//! - [`translate`]: gateway event → decision (pure, tested from fixtures).
//! - [`gateway`]: the shard loop carrying the decisions out; [`catch_up`]: reading the DMs
//!   written while the bridge was down; [`session`]: the session another runner resumes.
//! - [`http_interactions`], [`signature`]: interactions POSTed to the Interactions Endpoint URL
//!   (verify, parse, decide the HTTP response; the binary serves the endpoint).
//! - [`chat`]: the `ChatSurface` implementation.
//! - [`commands`], [`guild`]: slash commands, guild set-up.
//! - [`custom_id`], [`render`], [`split`]: buttons' ids, embeds, message splitting.
//! - [`error`]: errors and their mapping to `ChatError`.

#![warn(missing_docs)]

pub mod catch_up;
pub mod chat;
pub mod client;
pub mod commands;
pub mod config;
pub mod custom_id;
mod download;
pub mod error;
pub mod gateway;
pub mod guild;
pub mod http_interactions;
pub mod preflight;
pub mod render;
pub mod send;
pub mod session;
pub mod signature;
pub mod split;
pub mod translate;

pub use catch_up::CatchUp;
pub use chat::DiscordChat;
pub use client::{INTENTS, build_http, build_shard, build_shard_resuming, install_crypto_provider};
pub use commands::register_commands;
pub use config::DiscordConfig;
pub use download::DEFAULT_MAX_FILE_BYTES;
pub use error::DiscordError;
pub use gateway::{ConnectionState, Gateway};
pub use guild::{SetupReport, setup_guild};
pub use session::ResumeSession;
pub use signature::InteractionKey;
