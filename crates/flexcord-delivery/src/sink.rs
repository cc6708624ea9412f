//! Where what a delivery learned goes: the router's front door.

use async_trait::async_trait;
use flexcord_core::Router;
use flexcord_core::event::DeliveryEvent;
use flexcord_core::router::{Handled, RouterError};

/// Takes a [`DeliveryEvent`] and records it (with its consequences) before returning, so the
/// worker settles the entry that taught it only once it is safe.
#[async_trait]
pub trait EventSink: Send + Sync + std::fmt::Debug {
    /// Records `event`.
    ///
    /// # Errors
    ///
    /// When it could not be recorded; the worker then keeps the entry for another try.
    async fn report(&self, event: DeliveryEvent) -> Result<Handled, RouterError>;
}

#[async_trait]
impl EventSink for Router {
    async fn report(&self, event: DeliveryEvent) -> Result<Handled, RouterError> {
        self.handle_delivery(event).await
    }
}
