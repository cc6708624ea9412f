//! Rendering core values as Discord message parts: button rows for [`Buttons`], and embeds for
//! report cards, announcements and case cards. Pure; every text is cut to Discord's embed limits
//! — each part's own, and the 6,000 characters all parts of an embed may add up to — so a long
//! report can never make Discord reject the whole card.

use flexcord_core::case::Rating;
use flexcord_core::case::{Case, CaseKind};
use flexcord_core::config::Templates;
use flexcord_core::config::render;
use flexcord_core::content::{Announcement, Buttons, OutgoingMessage, ReportCard, Voice};
use flexcord_core::event::ButtonAction;
use twilight_model::channel::message::component::{ActionRow, Button, ButtonStyle, Component};
use twilight_model::channel::message::embed::{Embed, EmbedField};

use crate::custom_id;

const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 4096;
const FIELD_NAME_MAX: usize = 256;
const FIELD_VALUE_MAX: usize = 1024;
const FIELDS_MAX: usize = 25;
/// Discord refuses an embed whose title, description, field names and values, footer and author
/// add up to more than this many characters (even when each part is within its own limit).
const EMBED_TOTAL_MAX: usize = 6000;
const BLURPLE: u32 = 0x0058_65F2;
const RED: u32 = 0x00ED_4245;
const GREEN: u32 = 0x0057_F287;

/// One action row per button group (Discord allows 5 rows; extra groups are dropped), labelled
/// with `t` (the reader's language).
#[must_use]
pub fn button_rows(buttons: &[Buttons], t: &Templates) -> Vec<Component> {
    buttons
        .iter()
        .take(5)
        .map(|group| {
            let components = match *group {
                Buttons::TalkToAgent => {
                    vec![button(
                        ButtonAction::TalkToAgent,
                        &t.button_talk_to_agent,
                        ButtonStyle::Primary,
                    )]
                }
                Buttons::EndChat => vec![button(
                    ButtonAction::EndChat,
                    &t.button_end_chat,
                    ButtonStyle::Danger,
                )],
                Buttons::Rating(case) => (1..=5)
                    .filter_map(|n| Rating::new(n).ok())
                    .map(|rating| {
                        let label = format!("{} ★", rating.get());
                        button(
                            ButtonAction::Rate { case, rating },
                            &label,
                            ButtonStyle::Secondary,
                        )
                    })
                    .collect(),
            };
            Component::ActionRow(ActionRow {
                components,
                id: None,
            })
        })
        .collect()
}

/// The text a message is shown with: who speaks, then what they said. A live agent's message
/// carries their name (`agent_message`), the virtual agent's its own mark (`bot_message`), so a
/// player can always tell a person from the bot; flexcord's own notices are shown as they are.
/// The result may be longer than one Discord message: it is split like any text.
#[must_use]
pub fn shown_text(message: &OutgoingMessage, t: &Templates) -> String {
    let (template, agent) = match (message.voice, message.author.as_deref()) {
        (Voice::VirtualAgent, _) => (&t.bot_message, String::new()),
        (Voice::Agent, Some(name)) => (&t.agent_message, escape_markdown(name)),
        // flexcord's own words, or an agent message from before names travelled with it.
        (Voice::System | Voice::Agent, _) => return message.text.clone(),
    };
    let shown = render(template, &[("agent", &agent), ("text", &message.text)]);
    // A message of files only leaves the name line alone.
    shown.trim_end().to_owned()
}

/// `text` with Discord's Markdown characters escaped and line breaks flattened: an agent's name
/// is shown as written (the underscore in `ann_lee` does not start italics) and on one line
/// (a name cannot fake a message of its own).
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if matches!(
            c,
            '\\' | '*'
                | '_'
                | '~'
                | '`'
                | '|'
                | '>'
                | '#'
                | '['
                | ']'
                | '('
                | ')'
                | '<'
                | '@'
                | ':'
        ) {
            out.push('\\');
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

fn button(action: ButtonAction, label: &str, style: ButtonStyle) -> Component {
    Component::Button(Button {
        custom_id: Some(custom_id::encode_button(action)),
        disabled: false,
        emoji: None,
        id: None,
        // Discord refuses a label over 80 characters (and the whole message with it).
        label: Some(label.chars().take(80).collect()),
        sku_id: None,
        style,
        url: None,
    })
}

/// The official report card for `#bug-report` / `#feature-request`.
#[must_use]
pub fn report_embed(card: &ReportCard) -> Embed {
    let kind = match card.kind {
        CaseKind::Bug => "Bug",
        CaseKind::Feature => "Feature request",
        CaseKind::Support => "Support case",
    };
    let mut fields: Vec<EmbedField> = card
        .fields
        .iter()
        .map(|(name, value)| field(name, value, false))
        .collect();
    // `<@id>` renders as a mention; allowed_mentions is empty, so it never pings.
    fields.push(field(
        "Reporter",
        &format!("{} (<@{}>)", card.reporter_name, card.reporter),
        true,
    ));
    fields.push(field("Case", &card.case_id.to_string(), true));
    embed(
        &format!("{kind} {}: {}", card.case_id, card.title),
        &card.description,
        if card.kind == CaseKind::Bug {
            RED
        } else {
            GREEN
        },
        fields,
    )
}

/// An announcement for `#announcements`.
#[must_use]
pub fn announcement_embed(announcement: &Announcement) -> Embed {
    let mut e = embed(&announcement.title, &announcement.body, BLURPLE, Vec::new());
    // Only http(s) links: Discord rejects the whole embed for anything else.
    e.url = announcement
        .url
        .as_ref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .cloned();
    e
}

/// A case card, for `/case`.
#[must_use]
pub fn case_embed(case: &Case) -> Embed {
    let mut fields = vec![
        field("Kind", case.kind.as_str(), true),
        field("Status", case.status.as_str(), true),
        field(
            "Priority",
            &format!("{:?}", case.priority).to_lowercase(),
            true,
        ),
        field(
            "Reporter",
            &format!("{} (<@{}>)", case.reporter.name, case.reporter.user_id),
            true,
        ),
        field(
            "Rating",
            &case
                .rating
                .map_or_else(|| "—".to_owned(), |r| format!("{}/5", r.get())),
            true,
        ),
        field("Notes", &case.notes.len().to_string(), true),
    ];
    if case.created_at_ms > 0 {
        // Discord renders `<t:secs:f>` in the reader's own time zone.
        fields.push(field(
            "Created",
            &format!("<t:{}:f>", case.created_at_ms / 1000),
            true,
        ));
    }
    fields.extend(
        case.fields
            .iter()
            .map(|(name, value)| field(name, value, false)),
    );
    embed(
        &format!("Case {}: {}", case.id, case.title),
        &case.description,
        BLURPLE,
        fields,
    )
}

fn embed(title: &str, description: &str, color: u32, mut fields: Vec<EmbedField>) -> Embed {
    fields.truncate(FIELDS_MAX);
    let mut embed = Embed {
        author: None,
        color: Some(color),
        description: Some(cut(description, DESCRIPTION_MAX)).filter(|d| !d.is_empty()),
        fields,
        flags: None,
        footer: None,
        image: None,
        kind: "rich".to_owned(),
        provider: None,
        thumbnail: None,
        timestamp: None,
        title: Some(cut(title, TITLE_MAX)),
        url: None,
        video: None,
    };
    fit_total(&mut embed);
    embed
}

/// The characters Discord counts towards [`EMBED_TOTAL_MAX`].
fn total_chars(embed: &Embed) -> usize {
    let len = |s: &str| s.chars().count();
    embed.title.as_deref().map_or(0, len)
        + embed.description.as_deref().map_or(0, len)
        + embed
            .fields
            .iter()
            .map(|f| len(&f.name) + len(&f.value))
            .sum::<usize>()
        + embed.footer.as_ref().map_or(0, |f| len(&f.text))
        + embed.author.as_ref().map_or(0, |a| len(&a.name))
}

/// Shortens the longest texts (the description and field values: what the reporter wrote) until
/// the embed is within [`EMBED_TOTAL_MAX`]; the title and the short fields (reporter, case) stay.
fn fit_total(embed: &mut Embed) {
    // Each round cuts the longest remaining text, so a long description gives way before a
    // short field does. Bounded: every round shortens a text of more than 1 character.
    for _ in 0..=FIELDS_MAX {
        let total = total_chars(embed);
        if total <= EMBED_TOTAL_MAX {
            return;
        }
        let excess = total - EMBED_TOTAL_MAX;
        let description = embed
            .description
            .as_deref()
            .map_or(0, |d| d.chars().count());
        let longest_field = embed
            .fields
            .iter_mut()
            .max_by_key(|f| f.value.chars().count());
        let field_len = longest_field
            .as_ref()
            .map_or(0, |f| f.value.chars().count());
        if description >= field_len && description > 1 {
            let keep = description.saturating_sub(excess).max(1);
            embed.description = embed.description.as_deref().map(|d| cut(d, keep));
        } else if let Some(field) = longest_field.filter(|_| field_len > 1) {
            field.value = cut(&field.value, field_len.saturating_sub(excess).max(1));
        } else {
            return;
        }
    }
}

fn field(name: &str, value: &str, inline: bool) -> EmbedField {
    let value = cut(value, FIELD_VALUE_MAX);
    EmbedField {
        inline,
        name: cut(name, FIELD_NAME_MAX),
        // Discord rejects empty field values.
        value: if value.trim().is_empty() {
            "—".to_owned()
        } else {
            value
        },
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use flexcord_core::ids::{CaseId, UserId};

    use super::*;

    #[test]
    fn rating_row_has_five_buttons_with_case_ids() {
        let rows = button_rows(&[Buttons::Rating(CaseId(7))], &Templates::default());
        let [Component::ActionRow(row)] = rows.as_slice() else {
            panic!("one row expected")
        };
        let ids: Vec<_> = row
            .components
            .iter()
            .filter_map(|c| match c {
                Component::Button(b) => b.custom_id.clone(),
                _ => None,
            })
            .collect();
        assert_eq!(
            ids,
            [
                "fc:rate:7:1",
                "fc:rate:7:2",
                "fc:rate:7:3",
                "fc:rate:7:4",
                "fc:rate:7:5"
            ]
        );
    }

    #[test]
    fn agents_are_named_and_the_bot_is_marked() {
        let t = Templates::default();
        let agent =
            OutgoingMessage::new(Voice::Agent, "Try this: https://x.example/fix").by("ann_lee");
        assert_eq!(
            shown_text(&agent, &t),
            "**ann\\_lee**\nTry this: https://x.example/fix"
        );
        let files_only = OutgoingMessage::new(Voice::Agent, "").by("Ann\n**boss**");
        assert_eq!(shown_text(&files_only, &t), "**Ann \\*\\*boss\\*\\***");
        let bot = OutgoingMessage::new(Voice::VirtualAgent, "**Reset**\nhttps://kb/x");
        let shown = shown_text(&bot, &t);
        assert!(shown.starts_with("🤖 *Virtual agent*\n"), "{shown}");
        assert!(shown.ends_with("**Reset**\nhttps://kb/x"));
        assert_ne!(shown_text(&bot, &t), shown_text(&agent, &t));
        let notice = OutgoingMessage::new(Voice::System, "Case #1 created.");
        assert_eq!(shown_text(&notice, &t), "Case #1 created.");
    }

    #[test]
    fn buttons_are_labelled_in_the_readers_language() {
        let t = Templates {
            button_talk_to_agent: "लाइव एजेंट से बात करें".into(),
            ..Templates::default()
        };
        let rows = button_rows(&[Buttons::TalkToAgent], &t);
        let [Component::ActionRow(row)] = rows.as_slice() else {
            panic!("one row expected")
        };
        let [Component::Button(b)] = row.components.as_slice() else {
            panic!("one button expected")
        };
        assert_eq!(b.label.as_deref(), Some("लाइव एजेंट से बात करें"));
        assert_eq!(b.custom_id.as_deref(), Some("fc:agent"));
    }

    #[test]
    fn report_card_is_cut_to_embed_limits() {
        let card = ReportCard {
            case_id: CaseId(1042),
            kind: CaseKind::Bug,
            title: "t".repeat(1000),
            description: "d".repeat(10_000),
            fields: vec![("Steps".into(), String::new())],
            reporter_name: "alice".into(),
            reporter: UserId(42),
        };
        let e = report_embed(&card);
        assert!(
            e.title
                .as_ref()
                .is_some_and(|t| t.chars().count() <= TITLE_MAX)
        );
        assert!(
            e.title
                .as_ref()
                .is_some_and(|t| t.starts_with("Bug #1042: "))
        );
        assert!(
            e.description
                .as_ref()
                .is_some_and(|d| d.chars().count() <= DESCRIPTION_MAX)
        );
        assert_eq!(e.fields[0].value, "—");
        assert!(e.fields.iter().any(|f| f.value.contains("<@42>")));
    }

    #[test]
    fn a_card_whose_parts_add_up_past_6000_characters_is_shortened_to_fit() {
        // Every part within its own limit, but together far over Discord's embed total.
        let card = ReportCard {
            case_id: CaseId(1042),
            kind: CaseKind::Bug,
            title: "Crash".into(),
            description: "d".repeat(4000),
            fields: (0..5)
                .map(|i| (format!("Field {i}"), "v".repeat(1000)))
                .collect(),
            reporter_name: "alice".into(),
            reporter: UserId(42),
        };
        let e = report_embed(&card);
        assert!(total_chars(&e) <= EMBED_TOTAL_MAX, "{}", total_chars(&e));
        // The reporter and the case number are still on the card, whole.
        assert!(e.fields.iter().any(|f| f.value == "alice (<@42>)"));
        assert!(e.fields.iter().any(|f| f.value == "#1042"));
        assert!(e.title.as_deref().is_some_and(|t| t.ends_with("Crash")));
    }

    #[test]
    fn a_card_within_the_total_is_left_alone() {
        let card = ReportCard {
            case_id: CaseId(7),
            kind: CaseKind::Feature,
            title: "Dark mode".into(),
            description: "d".repeat(3000),
            fields: vec![("Why".into(), "v".repeat(1000))],
            reporter_name: "bo".into(),
            reporter: UserId(9),
        };
        let e = report_embed(&card);
        assert_eq!(e.description.as_deref().map(str::len), Some(3000));
        assert_eq!(e.fields[0].value.len(), 1000);
    }

    #[test]
    fn announcement_drops_non_http_urls() {
        let a = Announcement {
            title: "t".into(),
            body: "b".into(),
            url: Some("javascript:x".into()),
        };
        assert_eq!(announcement_embed(&a).url, None);
        let a = Announcement {
            url: Some("https://example.com/x".into()),
            ..a
        };
        assert_eq!(
            announcement_embed(&a).url.as_deref(),
            Some("https://example.com/x")
        );
    }
}
