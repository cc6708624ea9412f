//! Custom ids: what flexcord's buttons and modals carry, so a click or a submit tells the router
//! everything it needs without any lookup. They come back from Discord as user-controlled input
//! (a modified client can send anything), so decoding is strict and never panics.
//!
//! | custom id | meaning |
//! |---|---|
//! | `fc:agent` | "Talk to a live agent" |
//! | `fc:end` | "End chat" |
//! | `fc:rate:<case>:<n>` | rate case `<case>` with `n` (1–5) |
//! | `fc:form:bug`, `fc:form:feature` | the `/bug` and `/new_feature` modals |

use flexcord_core::case::{CaseKind, Rating};
use flexcord_core::event::ButtonAction;
use flexcord_core::ids::CaseId;

/// "Talk to a live agent".
pub const AGENT: &str = "fc:agent";
/// "End chat".
pub const END: &str = "fc:end";
/// The `/bug` modal.
pub const FORM_BUG: &str = "fc:form:bug";
/// The `/new_feature` modal.
pub const FORM_FEATURE: &str = "fc:form:feature";

/// The custom id of a button.
#[must_use]
pub fn encode_button(action: ButtonAction) -> String {
    match action {
        ButtonAction::TalkToAgent => AGENT.to_owned(),
        ButtonAction::EndChat => END.to_owned(),
        ButtonAction::Rate { case, rating } => format!("fc:rate:{}:{}", case.0, rating.get()),
    }
}

/// The action behind a button's custom id, or `None` for anything flexcord did not make.
#[must_use]
pub fn decode_button(custom_id: &str) -> Option<ButtonAction> {
    match custom_id {
        AGENT => return Some(ButtonAction::TalkToAgent),
        END => return Some(ButtonAction::EndChat),
        _ => {}
    }
    let rest = custom_id.strip_prefix("fc:rate:")?;
    let (case, rating) = rest.split_once(':')?;
    // Digits only: `str::parse` would also take a leading '+'.
    if !is_digits(case) || !is_digits(rating) {
        return None;
    }
    let case = case.parse::<u64>().ok().filter(|c| *c != 0)?;
    let rating = Rating::new(rating.parse::<u8>().ok()?).ok()?;
    Some(ButtonAction::Rate {
        case: CaseId(case),
        rating,
    })
}

/// The custom id of the report modal for `kind` (`None` for support, which has no form).
#[must_use]
pub const fn form_id(kind: CaseKind) -> Option<&'static str> {
    match kind {
        CaseKind::Bug => Some(FORM_BUG),
        CaseKind::Feature => Some(FORM_FEATURE),
        CaseKind::Support => None,
    }
}

/// The report kind behind a modal's custom id.
#[must_use]
pub fn decode_form(custom_id: &str) -> Option<CaseKind> {
    match custom_id {
        FORM_BUG => Some(CaseKind::Bug),
        FORM_FEATURE => Some(CaseKind::Feature),
        _ => None,
    }
}

/// A number as flexcord writes it: digits only, no leading zero (so every accepted id is one
/// flexcord made, found by fuzzing: `fc:rate:07:5` was taken for `fc:rate:7:5`).
fn is_digits(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 20
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(case: u64, n: u8) -> Option<ButtonAction> {
        Some(ButtonAction::Rate {
            case: CaseId(case),
            rating: Rating::new(n).ok()?,
        })
    }

    #[test]
    fn every_button_round_trips() {
        let mut actions = vec![ButtonAction::TalkToAgent, ButtonAction::EndChat];
        actions.extend((1..=5).filter_map(|n| rate(1042, n)));
        for action in actions {
            assert_eq!(decode_button(&encode_button(action)), Some(action));
        }
        assert_eq!(encode_button(ButtonAction::TalkToAgent), "fc:agent");
        assert_eq!(
            rate(7, 3).map(encode_button).as_deref(),
            Some("fc:rate:7:3")
        );
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for bad in [
            "",
            "fc:",
            "fc:agent:x",
            "fc:rate",
            "fc:rate:",
            "fc:rate:1",
            "fc:rate:1:",
            "fc:rate:1:0",
            "fc:rate:1:6",
            "fc:rate:0:3",
            "fc:rate:+1:3",
            "fc:rate:1:+3",
            "fc:rate:07871:5",
            "fc:rate:1:05",
            "fc:rate:00:3",
            "fc:rate:-1:3",
            "fc:rate:1:3:9",
            "fc:rate:99999999999999999999999:3",
            "fc:rate:日本:3",
            "other-bot:button",
        ] {
            assert_eq!(decode_button(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn forms_round_trip() {
        for kind in [CaseKind::Bug, CaseKind::Feature] {
            assert_eq!(form_id(kind).and_then(decode_form), Some(kind));
        }
        assert_eq!(form_id(CaseKind::Support), None);
        assert_eq!(decode_form("fc:form:support"), None);
    }
}
