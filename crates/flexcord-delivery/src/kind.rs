//! What kind of message an entry is, for metrics and logs.

use flexcord_core::outbox::{HandOffStep, OutboxMessage};

/// The kind of an outbox entry. Exhaustive on purpose: a new [`OutboxMessage`] variant does not
/// compile until it is given a kind and a side here, instead of being counted as "other".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// A user's message into their Flex conversation.
    ToFlex,
    /// A message into a user's DM (agent relay, notice, greeting, bot answer).
    ToDiscord,
    /// A notice for the agent side.
    NoticeToFlex,
    /// An announcement.
    Announcement,
    /// A report card in `#bug-report` / `#feature-request`.
    ReportCard,
    /// A step of a hand-off to a live agent (case, conversation, transcript, Flex task).
    HandOff,
    /// The case a hand-off went on without, opened once the case system answers.
    HandOffCase,
}

/// Which remote system an entry goes to (whose failures it counts as).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Discord.
    Discord,
    /// Twilio.
    Twilio,
    /// The case system (`CASES_URL`, or the embedded one).
    CaseSystem,
}

impl MessageKind {
    /// The kind of `message`.
    #[must_use]
    pub const fn of(message: &OutboxMessage) -> Self {
        match message {
            OutboxMessage::ToConversation { .. } => Self::ToFlex,
            OutboxMessage::ToDiscord { .. } | OutboxMessage::ToUser { .. } => Self::ToDiscord,
            OutboxMessage::NoticeToConversation { .. } => Self::NoticeToFlex,
            OutboxMessage::Announce { .. } => Self::Announcement,
            OutboxMessage::Report { .. } => Self::ReportCard,
            OutboxMessage::HandOff {
                step: HandOffStep::Case { .. },
            } => Self::HandOffCase,
            OutboxMessage::HandOff { .. } => Self::HandOff,
        }
    }

    /// The metric label (`direction`).
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::ToFlex => "to_flex",
            Self::ToDiscord => "to_discord",
            Self::NoticeToFlex => "notice_to_flex",
            Self::Announcement => "announcement",
            Self::ReportCard => "report_card",
            Self::HandOff => "handoff",
            Self::HandOffCase => "handoff_case",
        }
    }

    /// The system the entry goes to.
    #[must_use]
    pub const fn side(self) -> Side {
        match self {
            Self::ToDiscord | Self::Announcement | Self::ReportCard => Side::Discord,
            // A hand-off step is mostly Twilio calls (the case system's failures do not fail it).
            Self::ToFlex | Self::NoticeToFlex | Self::HandOff => Side::Twilio,
            Self::HandOffCase => Side::CaseSystem,
        }
    }
}
