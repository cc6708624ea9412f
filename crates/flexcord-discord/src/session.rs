//! The gateway session as something to keep and resume elsewhere: after a restart, or by
//! another instance taking the gateway over. Discord replays to a resumed session every
//! dispatch after its sequence (DMs *and* interactions), which a fresh session never gets.

/// What resuming a gateway session takes. `Debug` hides the session id: with the bot token it
/// resumes the session.
#[derive(Clone, PartialEq, Eq)]
pub struct ResumeSession {
    /// Discord's session id (from READY).
    pub session_id: String,
    /// The sequence of the last dispatch received.
    pub sequence: u64,
    /// READY's `resume_gateway_url`: resumes must connect there.
    pub resume_url: Option<String>,
}

impl std::fmt::Debug for ResumeSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResumeSession")
            .field("session_id", &"***")
            .field("sequence", &self.sequence)
            .field("resume_url", &self.resume_url)
            .finish()
    }
}
