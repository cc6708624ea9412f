//! Ports: the only way the router talks to the outside world. Each is an object-safe
//! `#[async_trait]` trait held as `Arc<dyn Port>`, with one error type that adapters map into.
//!
//! | port | implemented by |
//! |---|---|
//! | [`ChatSurface`] | `flexcord-discord` (twilight) |
//! | [`ContactCenter`] | `twilio-flex` |
//! | [`VirtualAgent`] | `seachat` (remote), `flexcord-kb` (embedded FAQ bot) |
//! | [`CaseManagement`] | `cases` (remote), `flexcord-store` (embedded) |
//! | [`SessionStore`] (sessions, commit) | `flexcord-store` (SQLite, PostgreSQL) |
//! | [`OutboxStore`] (claim, settle) | `flexcord-store` (SQLite, PostgreSQL) |
//! | [`Clock`] | the binary (system time), tests (a fake) |

mod case_management;
mod chat_surface;
mod clock;
mod contact_center;
mod outbox_store;
mod session_store;
mod virtual_agent;

pub use case_management::{CaseError, CaseManagement};
pub use chat_surface::{ChatError, ChatSurface, Reply};
pub use clock::Clock;
pub use contact_center::{
    ContactCenter, ContactCenterError, FileRefusal, Posted, RefusedFile, TaskRequest,
};
pub use outbox_store::OutboxStore;
pub use session_store::{Commit, CommitOutcome, SessionStore, StoreError};
pub use virtual_agent::{
    Answer, AnswerItem, Article, Question, SmallTalk, VirtualAgent, VirtualAgentError,
};
