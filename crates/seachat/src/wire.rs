//! The JSON bodies of `docs/contracts/virtual-agent.md`, one type per shape. Kept separate from
//! the domain types so the wire format changes only when the contract does.

use serde::{Deserialize, Serialize};

/// The body of every non-2xx answer, `{"error":{"code","message"}}`: the same in both of
/// flexcord's contracts, so defined once in `flexcord-http`.
pub use flexcord_http::{ApiError, ErrorBody};

/// `POST /v1/turns` request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnRequest {
    /// Stable per user and chat.
    pub session_id: String,
    /// Who speaks.
    pub user: User,
    /// What they wrote.
    pub text: String,
    /// A BCP-47 tag, omitted when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// The user in a [`TurnRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The Discord snowflake, as a string (it exceeds JavaScript's exact integers).
    pub id: String,
    /// Display name.
    pub name: String,
}

/// `POST /v1/turns` response body (200).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnResponse {
    /// What to show, in order.
    #[serde(default)]
    pub items: Vec<Item>,
    /// The bot wants a human to take over.
    #[serde(default)]
    pub handoff: bool,
}

/// One item of a [`TurnResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Item {
    /// `{"type":"text","text":…}`.
    Text {
        /// The text.
        text: String,
    },
    /// `{"type":"article","title":…,"url"?:…,"excerpt"?:…}`.
    Article {
        /// Title.
        title: String,
        /// Link.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        /// Short excerpt.
        #[serde(default)]
        excerpt: String,
    },
    /// `{"type":"suggestions","options":[…]}`.
    Suggestions {
        /// Follow-up questions the user might ask.
        #[serde(default)]
        options: Vec<String>,
    },
    /// Any other `type`: a newer bot's item this build does not know. Ignored.
    #[serde(other)]
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_omits_an_unknown_locale() {
        let request = TurnRequest {
            session_id: "s".into(),
            user: User {
                id: "42".into(),
                name: "Nelly".into(),
            },
            text: "hi".into(),
            locale: None,
        };
        let json = serde_json::to_value(&request).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({"session_id": "s", "user": {"id": "42", "name": "Nelly"}, "text": "hi"})
        );
    }

    #[test]
    fn response_skips_unknown_item_types_and_defaults_missing_fields() {
        let body = r#"{"items":[{"type":"carousel","cards":[1,2]},{"type":"article","title":"T"}],"extra":1}"#;
        let response: TurnResponse = serde_json::from_str(body).expect("valid response");
        assert_eq!(
            response.items,
            vec![
                Item::Unknown,
                Item::Article {
                    title: "T".into(),
                    url: None,
                    excerpt: String::new()
                }
            ]
        );
        assert!(!response.handoff);
    }
}
