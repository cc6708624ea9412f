//! Building twilight's HTTP client and shard from [`DiscordConfig`], with the overrides that point
//! them at a proxy or a local fake, and the one rustls crypto provider (ring).

use secrecy::ExposeSecret as _;
use twilight_gateway::{ConfigBuilder, Intents, Session, Shard, ShardId};
use twilight_http::Client;
use twilight_model::channel::message::AllowedMentions;

use crate::config::DiscordConfig;
use crate::error::DiscordError;
use crate::session::ResumeSession;

/// Everything flexcord needs, nothing privileged: guild channels/roles, and DMs (whose content
/// bots receive without the MESSAGE_CONTENT intent). Interactions need no intent.
pub const INTENTS: Intents = Intents::GUILDS.union(Intents::DIRECT_MESSAGES);

/// Installs ring as the process-wide rustls provider. Idempotent; call it before building a
/// client or a shard (twilight panics without a provider when TLS features are on).
pub fn install_crypto_provider() {
    // Err means a provider is already installed (by us or the embedding program): fine either way.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Builds the REST client: the REST proxy override when configured, no mentions by default, and
/// twilight's rate limiter on (it queues requests per bucket, so bursts wait instead of failing).
/// Must run inside a tokio runtime.
///
/// # Errors
///
/// [`DiscordError::Config`] when `api_proxy` carries a scheme or a path.
pub fn build_http(config: &DiscordConfig) -> Result<Client, DiscordError> {
    install_crypto_provider();
    let mut builder = Client::builder()
        .token(config.token.expose_secret().to_owned())
        // Belt and braces: every request also sets its own empty allowed_mentions.
        .default_allowed_mentions(AllowedMentions::default())
        .timeout(std::time::Duration::from_secs(10));
    if let Some(limit) = config.global_rate_limit {
        // twilight's limiter assumes Discord's default 50/s; a bot granted more says so here.
        builder = builder.ratelimiter(Some(twilight_http_ratelimiting::RateLimiter::new(
            limit.get(),
        )));
    }
    if let Some(proxy) = &config.api_proxy {
        if proxy.contains("://") || proxy.contains('/') || proxy.is_empty() {
            return Err(DiscordError::Config(format!(
                "api_proxy must be host:port without a scheme or path, got {proxy:?}"
            )));
        }
        builder = builder.proxy(proxy.clone(), true);
    }
    Ok(builder.build())
}

/// Builds the single shard (DMs only ever arrive on shard 0). Must run inside a tokio runtime.
#[must_use]
pub fn build_shard(config: &DiscordConfig) -> Shard {
    build_shard_resuming(config, None)
}

/// Builds the single shard, which RESUMEs `session` (recorded by this process's predecessor,
/// or another instance that held the gateway) instead of identifying, so Discord replays what
/// was dispatched since its sequence. If Discord refuses, twilight identifies anew. Must run
/// inside a tokio runtime.
#[must_use]
pub fn build_shard_resuming(config: &DiscordConfig, session: Option<&ResumeSession>) -> Shard {
    install_crypto_provider();
    let mut builder = ConfigBuilder::new(config.token.expose_secret().to_owned(), INTENTS);
    if let Some(url) = &config.gateway_url {
        builder = builder.proxy_url(url.trim_end_matches('/').to_owned());
    }
    if let Some(session) = session {
        builder = builder.session(Session::new(session.sequence, session.session_id.clone()));
        if let Some(url) = &session.resume_url {
            builder = builder.resume_url(url.trim_end_matches('/').to_owned());
        }
    }
    Shard::with_config(ShardId::ONE, builder.build())
}
