//! What every handler shares: the emulated Discord's world, the fake gateway, the Twilio fake,
//! the bridge the sandbox drives, and the change signal the page listens to.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use discord_fake::FakeGateway;
use flexcord_core::ports::CaseManagement;
use tokio::sync::{broadcast, watch};
use twilio_fake::TwilioFake;

use crate::world::World;

/// The bridge the sandbox drives, known once it runs.
#[derive(Debug, Clone)]
pub struct Bridge {
    /// Its base URL (`FLEXCORD_PUBLIC_URL`), for `POST /announce` and `/readyz`.
    pub url: String,
    /// Its case system, for the cases view.
    pub cases: Arc<dyn CaseManagement>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    world: Mutex<World>,
    pub(crate) gateway: FakeGateway,
    pub(crate) twilio: TwilioFake,
    /// One `()` per change anywhere; the page re-reads the state on each.
    pub(crate) changed: broadcast::Sender<()>,
    pub(crate) bridge: OnceLock<Bridge>,
    /// The bearer token the bridge's `/announce` is configured with.
    pub(crate) announce_token: String,
    pub(crate) http: flexcord_http::HttpClient,
    /// Flipped once on shutdown: every open event stream ends, so graceful shutdown does not wait
    /// for pages that would otherwise keep their stream open forever.
    pub(crate) closing: watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn new(
        world: World,
        gateway: FakeGateway,
        twilio: TwilioFake,
        announce_token: String,
        http: flexcord_http::HttpClient,
    ) -> Self {
        Self {
            world: Mutex::new(world),
            gateway,
            twilio,
            changed: broadcast::channel(256).0,
            bridge: OnceLock::new(),
            announce_token,
            http,
            closing: watch::channel(false).0,
        }
    }

    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        // A panicked handler must not take the whole sandbox down with it.
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Ends every open event stream (shutdown).
    pub(crate) fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// Tells the page something changed.
    pub(crate) fn touch(&self) {
        // No page open: nobody to tell.
        let _ = self.changed.send(());
    }
}
