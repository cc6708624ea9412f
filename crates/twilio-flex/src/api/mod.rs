//! Endpoints, grouped by Twilio product: each file holds the request types (pure values that
//! render their form), the response models, and the [`crate::Client`] methods that send them.

pub mod conversation_service;
pub mod conversations;
pub mod interactions;
pub mod media;
pub mod studio;
pub mod taskrouter;
