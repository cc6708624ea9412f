//! Compile-time checks: every port is object safe and the router is shareable across tasks.

use flexcord_core::Router;
use flexcord_core::ports::{
    CaseManagement, ChatSurface, Clock, ContactCenter, SessionStore, VirtualAgent,
};

fn _chat(_: &dyn ChatSurface) {}
fn _contact_center(_: &dyn ContactCenter) {}
fn _virtual_agent(_: &dyn VirtualAgent) {}
fn _cases(_: &dyn CaseManagement) {}
fn _store(_: &dyn SessionStore) {}
fn _clock(_: &dyn Clock) {}

fn _send_sync<T: Send + Sync>() {}

#[test]
fn router_is_send_and_sync() {
    _send_sync::<Router>();
}

#[tokio::test]
async fn router_futures_are_send() {
    fn is_send<T: Send>(_: &T) {}
    let h = flexcord_testkit::Harness::new();
    let u = flexcord_testkit::user(1);
    let fut = h
        .router
        .handle_discord(flexcord_core::event::DiscordEvent::DirectMessage {
            user: u.clone(),
            channel: h.dm_of(&u),
            message: flexcord_core::ids::MessageId(1),
            content: flexcord_core::content::MessageContent::text("hi"),
        });
    is_send(&fut);
    drop(fut);
}
