//! `impl VirtualAgent for Client`: turns a [`Question`] into a turn, the bot's items into an
//! [`Answer`], and HTTP failures into the [`VirtualAgentError`] the router acts on.

use async_trait::async_trait;
use flexcord_core::ports::{
    Answer, AnswerItem, Article, Question, VirtualAgent, VirtualAgentError,
};
use flexcord_http::http::StatusCode;
use flexcord_http::{Error, ErrorKind, describe_status};

use crate::client::Client;
use crate::wire::{Item, TurnRequest, TurnResponse, User};

#[async_trait]
impl VirtualAgent for Client {
    async fn answer(&self, question: &Question) -> Result<Answer, VirtualAgentError> {
        let request = TurnRequest {
            session_id: question.session_id.clone(),
            user: User {
                id: question.user.id.to_string(),
                name: question.user.name.clone(),
            },
            text: question.text.clone(),
            locale: question.locale.clone(),
        };
        self.turn(&request)
            .await
            .map(to_answer)
            .map_err(|e| to_port_error(&e))
    }
}

/// The bot's items in order: blank texts, empty suggestion lists and unknown item types dropped.
/// Suggestions become a bulleted text, since the chat surface has no suggestion buttons.
#[must_use]
pub fn to_answer(response: TurnResponse) -> Answer {
    let items = response
        .items
        .into_iter()
        .filter_map(|item| match item {
            Item::Text { text } => (!text.trim().is_empty()).then_some(AnswerItem::Text(text)),
            Item::Article {
                title,
                url,
                excerpt,
            } => Some(AnswerItem::Article(Article {
                title,
                url,
                excerpt,
            })),
            Item::Suggestions { options } => {
                let lines: Vec<String> = options
                    .iter()
                    .map(|o| o.trim())
                    .filter(|o| !o.is_empty())
                    .map(|o| format!("• {o}"))
                    .collect();
                (!lines.is_empty()).then(|| AnswerItem::Text(lines.join("\n")))
            }
            Item::Unknown => None,
        })
        .collect();
    Answer {
        items,
        hand_off: response.handoff,
        small_talk: None,
    }
}

/// Timeout → `Timeout`; unreachable, `408`, `429`, `5xx` → `Unavailable`; everything else
/// (other `4xx`, a body that is not the contract's JSON, an oversized body) → `Failed`.
#[must_use]
pub fn to_port_error(error: &Error) -> VirtualAgentError {
    match error.kind() {
        ErrorKind::Timeout => VirtualAgentError::Timeout,
        ErrorKind::Connect | ErrorKind::Transport => {
            VirtualAgentError::Unavailable(error.detailed())
        }
        ErrorKind::Status { status, body, .. } => {
            let text = describe_status(*status, body);
            let busy = *status == StatusCode::TOO_MANY_REQUESTS
                || *status == StatusCode::REQUEST_TIMEOUT
                || status.is_server_error();
            if busy {
                VirtualAgentError::Unavailable(text)
            } else {
                VirtualAgentError::Failed(text)
            }
        }
        _ => VirtualAgentError::Failed(error.detailed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_become_a_bulleted_text_and_empty_items_are_dropped() {
        let response = TurnResponse {
            items: vec![
                Item::Text { text: "  ".into() },
                Item::Suggestions {
                    options: vec!["Refunds".into(), " ".into(), "Talk to a person".into()],
                },
                Item::Suggestions { options: vec![] },
                Item::Unknown,
            ],
            handoff: true,
        };
        let answer = to_answer(response);
        assert_eq!(
            answer.items,
            vec![AnswerItem::Text("• Refunds\n• Talk to a person".into())]
        );
        assert!(answer.hand_off);
    }
}
