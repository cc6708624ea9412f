//! `flexcord run`: wires the adapters to the router, starts the HTTP server, the Discord
//! gateway, the event dispatcher, the outbox worker, feed polling and retention, and shuts them
//! down in order on SIGTERM/SIGINT.
//!
//! Shutdown order matters for "nothing lost": stop taking new work (HTTP, gateway), let the
//! dispatcher finish the events it already has, then let the outbox worker finish deliveries in
//! flight. Anything still undelivered stays in the outbox and goes out after the restart.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use flexcord_core::Router;
use flexcord_core::ports::{Clock, OutboxStore, SessionStore};
use flexcord_core::router::Ports;
use flexcord_delivery::{Deliverer, OutboxWorker};
use flexcord_discord::{
    CatchUp, DiscordChat, build_http, install_crypto_provider, register_commands,
};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinSet;
use twilio_flex::webhook::SignatureValidator;

use crate::adapters;
use crate::config::Settings;
use crate::dispatch::Dispatcher;
use crate::feeds::FeedPoller;
use crate::gateway_owner;
use crate::http::{self, AppState};
use crate::interaction_replies::{HttpAwareChat, PendingReplies};
use crate::metrics::Metrics;
use crate::typing::ShowsTyping;

/// How long processed-event ids and finished outbox rows are kept (longer than any Twilio retry).
const RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// At start-up, the DMs of sessions active this recently are read for messages written while
/// the bridge was down. Well inside [`RETENTION`], so that messages handled before the stop are
/// still recognised as such.
const CATCH_UP_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// At most this many DM channels are read at start-up (one REST request each, within
/// Discord's 50 requests/s): the most recently active ones.
const CATCH_UP_MAX_CHANNELS: u32 = 500;

/// Wall-clock time for the router.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

/// Runs the bridge until SIGTERM/SIGINT.
///
/// # Errors
///
/// Start-up failures (database, knowledge base, listen address, clients), with context.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    run_until(settings, wait_for_signal()).await
}

/// Runs the bridge until `shutdown` completes, then drains in-flight work and returns. This is
/// how embedders and `flexcord sandbox` run it.
///
/// # Errors
///
/// Start-up failures (database, knowledge base, listen address, clients), with context.
pub async fn run_until(
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    install_crypto_provider();
    let metrics = Arc::new(Metrics::new());
    let store = Arc::new(adapters::store(&settings).await?);
    let session_store: Arc<dyn SessionStore> = store.clone();
    let outbox_store: Arc<dyn OutboxStore> = store.clone();
    // Outbox leases held by a process that is gone (this one's previous run, killed mid-delivery;
    // on PostgreSQL any crashed instance) would hold their conversations up until they expire.
    // Released before anything here can take new ones.
    let worker_id = store
        .register_instance()
        .await
        .context("cannot register with the database")?;
    match store.release_leases().await {
        Ok(0) => {}
        Ok(released) => {
            tracing::info!(
                released,
                "released outbox leases left by a process that is gone"
            );
        }
        Err(error) => tracing::warn!(%error, "could not release old outbox leases"),
    }
    let cases = adapters::cases(&settings, &store)?;
    let mut background = Vec::new();
    let virtual_agent = adapters::virtual_agent(&settings, &mut background).await?;
    let twilio = adapters::twilio_client(&settings)?;
    background.push(crate::twilio_limit::spawn(
        twilio.concurrency().clone(),
        Arc::clone(&metrics),
    ));
    let contact_center = Arc::new(adapters::contact_center(&settings, twilio)?);

    let discord_config = adapters::discord_config(&settings)?;
    let discord_http =
        Arc::new(build_http(&discord_config).context("cannot build the Discord client")?);
    let locales = settings.router.locales.clone();
    let chat = DiscordChat::new(Arc::clone(&discord_http), &discord_config)
        .context("invalid Discord configuration")?
        .with_locales(locales.clone());
    if let Err(error) =
        register_commands(&discord_http, discord_config.application_id, &locales).await
    {
        // Not fatal: the commands registered by `flexcord setup discord` stay in place.
        tracing::warn!(%error, "could not register slash commands");
    }

    // The router decides and records; the outbox worker delivers over the same adapters.
    let deliverer = Deliverer::new(
        Arc::new(chat.clone()),
        contact_center.clone(),
        Arc::clone(&cases),
    );
    // Replies to interactions that came over HTTP become their responses (interaction_replies).
    let pending_replies = Arc::new(PendingReplies::default());
    let router = Arc::new(Router::new(
        Ports {
            chat: Arc::new(HttpAwareChat::new(
                Arc::new(chat.clone()),
                Arc::clone(&pending_replies),
            )),
            contact_center,
            // "typing…" in the DM while a remote virtual agent thinks.
            virtual_agent: Arc::new(ShowsTyping::new(virtual_agent, Arc::new(chat.clone()))),
            cases,
            store: Arc::clone(&session_store),
            clock: Arc::new(SystemClock),
        },
        router_config(&settings),
    ));
    let wake = Arc::new(Notify::new());
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    // The outbox worker stops last, once nothing can enqueue any more.
    let (outbox_stop_tx, outbox_stop_rx) = watch::channel(false);

    // Discord → dispatcher.
    let mut workers = JoinSet::new();
    let dispatcher =
        Dispatcher::start(&router, &metrics, &store, &wake, &shutdown_rx, &mut workers);
    background.push(crate::store_health::spawn(&store, Arc::clone(&metrics)));
    // The gateway: held by this instance when no other does (always on SQLite), resuming the
    // session its last holder recorded; see `gateway_owner`.
    let instance = gateway_owner::instance_id();
    let (gateway_connected_tx, gateway_connected) = watch::channel(false);
    let (gateway_status_tx, gateway_status) =
        watch::channel(gateway_owner::GatewayStatus::starting(&instance));
    let discord_interactions = settings.discord.public_key.clone().map(|key| {
        Arc::new(http::discord_interactions::DiscordInteractions {
            key,
            chat: chat.clone(),
            staff_role: settings.discord.staff_role.clone(),
            application_id: discord_config.application_id,
            pending: Arc::clone(&pending_replies),
        })
    });
    let (events_tx, mut events_rx) = mpsc::channel(1024);
    let gateway_task = tokio::spawn(
        gateway_owner::Ownership {
            instance,
            mode: settings.discord.gateway,
            store: (*store).clone(),
            config: discord_config.clone(),
            chat,
            metrics: Arc::clone(&metrics),
            status: gateway_status_tx,
            connected: gateway_connected_tx,
        }
        .run(events_tx, shutdown_rx.clone()),
    );
    let forwarder = tokio::spawn(async move {
        while let Some(event) = events_rx.recv().await {
            if !dispatcher.dispatch(event).await {
                break;
            }
        }
        // Dropping the dispatcher closes its queues; its workers finish what they hold.
    });

    // Outbox delivery. On SQLite, what this process commits is leased to its worker at once
    // and handed over in memory (no claim per relay). What a delivery learns (a closed DM, a
    // gone conversation) goes back through the router as an event.
    let outbox = tokio::spawn(
        OutboxWorker {
            deliverer,
            outbox: outbox_store,
            events: router.clone(),
            wake: Arc::clone(&wake),
            metrics: metrics.clone(),
            leased: store.lease_new_entries(&worker_id, flexcord_delivery::LEASE),
            worker_id,
        }
        .run(outbox_stop_rx),
    );

    // Feeds and retention.
    if !settings.announce.feeds.is_empty() {
        let poller = FeedPoller {
            feeds: settings.announce.feeds.clone(),
            every: settings.announce.poll_every,
            backlog: settings.announce.backlog,
            http: flexcord_http::HttpClient::builder()
                .user_agent(concat!("flexcord/", env!("CARGO_PKG_VERSION")))
                .build()
                .context("cannot build the feed client")?,
            router: Arc::clone(&router),
            store: Arc::clone(&session_store),
            metrics: Arc::clone(&metrics),
            wake: Arc::clone(&wake),
        };
        background.push(tokio::spawn(poller.run(shutdown_rx.clone())));
    }
    // SQLite checkpoints in the background, off the relays' write path.
    background.extend(store.spawn_checkpoints());
    // PostgreSQL: another instance's crash frees its conversations within seconds.
    background.extend(store.spawn_lease_recovery());
    background.push(flexcord_store::spawn_retention(
        Arc::clone(&session_store),
        Duration::from_secs(3600),
        RETENTION,
    ));

    // HTTP.
    let auth_token = settings
        .twilio
        .auth_token
        .as_ref()
        .context("TWILIO_AUTH_TOKEN is required")?;
    let state = AppState {
        router: Arc::clone(&router),
        store: Arc::clone(&session_store),
        metrics: Arc::clone(&metrics),
        outbox_wake: Arc::clone(&wake),
        signatures: Arc::new(SignatureValidator::new(auth_token.expose())),
        public_url: settings.public_url.clone().unwrap_or_default().into(),
        announce_token: settings.announce.token.clone(),
        gateway_connected,
        refusals: Arc::default(),
        agent_order: Arc::default(),
        gateway_owner: gateway_status,
        discord_interactions,
    };
    // Before any socket is opened: the connection cap is derived from what is allowed.
    let limits = http::server::Limits::for_open_files(http::server::raise_descriptor_limit());
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let local = listener.local_addr().context("no local address")?;
    tracing::info!(
        listen = %local,
        routing = ?settings.router.routing,
        max_connections = limits.max_connections,
        "flexcord is running"
    );
    // With an admin listener, the public one serves only what Twilio calls: metrics,
    // readiness and `/announce` are not reachable through the public address at all.
    let (public_routes, admin) = match settings.admin_listen {
        Some(address) => {
            let admin = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen on {address} (FLEXCORD_ADMIN_LISTEN)"))?;
            tracing::info!(admin_listen = %address, "operator endpoints on the admin listener");
            (
                http::public_routes(state.clone()),
                Some(tokio::spawn(http::server::serve(
                    admin,
                    http::admin_routes(state),
                    http::server::Limits::admin(),
                    Arc::clone(&metrics),
                    shutdown_rx.clone(),
                ))),
            )
        }
        None => (http::routes(state), None),
    };
    let server = tokio::spawn(http::server::serve(
        listener,
        public_routes,
        limits,
        Arc::clone(&metrics),
        shutdown_rx.clone(),
    ));

    shutdown.await;
    tracing::info!("shutting down: draining in-flight work");
    let _ = shutdown_tx.send(true);
    let _ = server.await;
    if let Some(admin) = admin {
        let _ = admin.await;
    }
    let handover = gateway_task.await.ok().flatten();
    let _ = forwarder.await;
    while workers.join_next().await.is_some() {}
    // Every event the gateway delivered is recorded now: the next holder may resume.
    if let Some(handover) = handover {
        handover.finish().await;
    }
    let _ = outbox_stop_tx.send(true);
    let _ = outbox.await;
    for task in background {
        task.abort();
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The router's settings, with who counts as staff taken from the Discord settings: the served
/// server and the staff role.
fn router_config(settings: &Settings) -> flexcord_core::config::RouterConfig {
    let mut config = settings.router.clone();
    config.staff = flexcord_core::config::StaffPolicy {
        guild: settings.discord.guild_id,
        role: settings.discord.staff_role.clone(),
    };
    config
}

/// The DM channels to read for messages written while this process was not running: those of
/// the sessions active in the last [`CATCH_UP_WINDOW`], each from when its session last changed.
/// Handling a DM changes its session, so a message written after that was not handled; reading
/// from exactly there (no safety margin) also matters because a handled message read again is
/// only mostly harmless: the commit drops it as a duplicate, but deciding it again could repeat
/// a hand-off's transcript post and Flex task (see the router's docs).
pub(crate) async fn missed_dms(store: &flexcord_store::Store) -> Vec<CatchUp> {
    let window = u64::try_from(CATCH_UP_WINDOW.as_millis()).unwrap_or(u64::MAX);
    let since = SystemClock.now_ms().saturating_sub(window);
    match store.recent_dm_channels(since, CATCH_UP_MAX_CHANNELS).await {
        Ok(recent) => recent
            .into_iter()
            .map(|dm| CatchUp {
                channel: dm.channel,
                after_ms: dm.updated_at_ms,
            })
            .collect(),
        Err(error) => {
            tracing::warn!(%error, "cannot list recent sessions; DMs written while down are not read");
            Vec::new()
        }
    }
}

async fn wait_for_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
