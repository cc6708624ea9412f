//! flexcord's slash commands and report forms: their definitions, and registering them.
//!
//! Commands are registered **globally** with one bulk overwrite (idempotent: the same set twice
//! changes nothing). Global, because guild commands are not offered in DMs and `/bug`,
//! `/new_feature` and `/helpme` must work in the bot's DM too; `contexts` restricts each command
//! to where it makes sense (`/case` is guild-only).
//!
//! Every name and description carries Discord's localizations from the locale sets
//! (`command_*` templates): a Hindi client shows `/मदद` with a Hindi description. The names
//! Discord sends back in interactions are always the default ones below.

use flexcord_core::case::CaseKind;
use flexcord_core::config::Templates;
use flexcord_core::locale::Locales;
use twilight_http::Client;
use twilight_model::application::command::{Command, CommandType};
use twilight_model::application::interaction::InteractionContextType;
use twilight_model::channel::message::component::{Component, Label, TextInput, TextInputStyle};
use twilight_model::http::interaction::InteractionResponseData;
use twilight_model::id::Id;
use twilight_model::oauth::ApplicationIntegrationType;
use twilight_util::builder::command::{CommandBuilder, StringBuilder, UserBuilder};

use crate::custom_id;
use crate::error::DiscordError;
use crate::send::send;

/// `/helpme`: open a DM with the virtual agent.
pub const HELPME: &str = "helpme";
/// `/bug`: report a bug through a form.
pub const BUG: &str = "bug";
/// `/new_feature`: request a feature through a form.
pub const NEW_FEATURE: &str = "new_feature";
/// `/case <id>`: look a case up (staff).
pub const CASE: &str = "case";
/// The option of `/case`.
pub const CASE_ID_OPTION: &str = "id";
/// `/block user reason`: keep a user out of support (staff).
pub const BLOCK: &str = "block";
/// `/unblock user`: lift a block (staff).
pub const UNBLOCK: &str = "unblock";
/// The user option of `/block` and `/unblock`.
pub const USER_OPTION: &str = "user";
/// The reason option of `/block`.
pub const REASON_OPTION: &str = "reason";

/// Form field: title.
pub const FIELD_TITLE: &str = "title";
/// Form field: description.
pub const FIELD_DESCRIPTION: &str = "description";
/// Form field (bugs): steps to reproduce.
pub const FIELD_STEPS: &str = "steps";
/// Form field (bugs): platform / version.
pub const FIELD_PLATFORM: &str = "platform";

/// The locales Discord accepts in `name_localizations` / `description_localizations`; any other
/// key makes it refuse the whole registration.
pub const DISCORD_LOCALES: &[&str] = &[
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th",
    "zh-CN", "ja", "zh-TW", "ko",
];

/// One localized text per Discord locale that has a set of its own (or of its language).
/// `valid` filters out what Discord would refuse (a name with spaces, say), so one bad
/// translation leaves that name unlocalized instead of failing the registration.
fn localized(
    locales: &Locales,
    text: fn(&Templates) -> &str,
    valid: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    DISCORD_LOCALES
        .iter()
        .filter_map(|&discord| {
            let value = text(locales.find_own(discord)?).trim();
            valid(value).then(|| (discord.to_owned(), value.to_owned()))
        })
        .collect()
}

/// Discord's rule for command and option names: 1–32 lower-case letters, digits, `-` or `_`
/// (Devanagari and Thai signs count as letters).
fn valid_name(name: &str) -> bool {
    let count = name.chars().count();
    (1..=32).contains(&count)
        && name.chars().all(|c| {
            (c.is_alphanumeric() && !c.is_uppercase())
                || c == '-'
                || c == '_'
                || ('\u{0900}'..='\u{097F}').contains(&c)
                || ('\u{0E00}'..='\u{0E7F}').contains(&c)
        })
}

/// Discord's rule for descriptions: 1–100 characters.
fn valid_description(text: &str) -> bool {
    (1..=100).contains(&text.chars().count())
}

/// A chat-input command whose name and description are localized by `name` and `description`.
fn command(
    locales: &Locales,
    default: &Templates,
    name: &str,
    localized_name: fn(&Templates) -> &str,
    description: fn(&Templates) -> &str,
) -> CommandBuilder {
    CommandBuilder::new(
        name,
        cut_description(description(default)),
        CommandType::ChatInput,
    )
    .name_localizations(localized(locales, localized_name, |n| {
        n != name && valid_name(n)
    }))
    .description_localizations(localized(locales, description, valid_description))
}

/// The user option of `/block` and `/unblock`, described by `description`.
fn user_option(
    locales: &Locales,
    default: &Templates,
    description: fn(&Templates) -> &str,
) -> UserBuilder {
    UserBuilder::new(USER_OPTION, cut_description(description(default)))
        .name_localizations(localized(
            locales,
            |t| &t.command_user_name,
            |n| n != USER_OPTION && valid_name(n),
        ))
        .description_localizations(localized(locales, description, valid_description))
        .required(true)
}

/// Descriptions at Discord's limit: a too long default would fail the registration.
fn cut_description(text: &str) -> String {
    let text = text.trim();
    if valid_description(text) {
        text.to_owned()
    } else {
        text.chars().take(100).collect()
    }
}

/// The six commands, as registered, localized into every locale of `locales` Discord knows.
#[must_use]
pub fn definitions(locales: &Locales) -> Vec<Command> {
    let fallback = Templates::default();
    let default = locales.find(None).unwrap_or(&fallback);
    let everywhere = [InteractionContextType::Guild, InteractionContextType::BotDm];
    let guild_install = [ApplicationIntegrationType::GuildInstall];
    let case_id: fn(&Templates) -> &str = |t| &t.command_case_id;
    vec![
        command(
            locales,
            default,
            HELPME,
            |t| &t.command_helpme_name,
            |t| &t.command_helpme,
        )
        .contexts(everywhere)
        .integration_types(guild_install)
        .build(),
        command(
            locales,
            default,
            BUG,
            |t| &t.command_bug_name,
            |t| &t.command_bug,
        )
        .contexts(everywhere)
        .integration_types(guild_install)
        .build(),
        command(
            locales,
            default,
            NEW_FEATURE,
            |t| &t.command_new_feature_name,
            |t| &t.command_new_feature,
        )
        .contexts(everywhere)
        .integration_types(guild_install)
        .build(),
        command(
            locales,
            default,
            CASE,
            |t| &t.command_case_name,
            |t| &t.command_case,
        )
        .contexts([InteractionContextType::Guild])
        .integration_types(guild_install)
        .option(
            StringBuilder::new(CASE_ID_OPTION, cut_description(case_id(default)))
                .name_localizations(localized(
                    locales,
                    |t| &t.command_case_id_name,
                    |n| n != CASE_ID_OPTION && valid_name(n),
                ))
                .description_localizations(localized(locales, case_id, valid_description))
                .required(true),
        )
        .build(),
        // Guild-only like `/case`; who may use them is the router's decision (StaffPolicy).
        command(
            locales,
            default,
            BLOCK,
            |t| &t.command_block_name,
            |t| &t.command_block,
        )
        .contexts([InteractionContextType::Guild])
        .integration_types(guild_install)
        .option(user_option(locales, default, |t| &t.command_block_user))
        .option(
            StringBuilder::new(REASON_OPTION, cut_description(&default.command_reason))
                .name_localizations(localized(
                    locales,
                    |t| &t.command_reason_name,
                    |n| n != REASON_OPTION && valid_name(n),
                ))
                .description_localizations(localized(
                    locales,
                    |t| &t.command_reason,
                    valid_description,
                ))
                .max_length(500)
                .required(true),
        )
        .build(),
        command(
            locales,
            default,
            UNBLOCK,
            |t| &t.command_unblock_name,
            |t| &t.command_unblock,
        )
        .contexts([InteractionContextType::Guild])
        .integration_types(guild_install)
        .option(user_option(locales, default, |t| &t.command_unblock_user))
        .build(),
    ]
}

/// Registers the six commands globally in one bulk overwrite (`PUT
/// /applications/{id}/commands`), localized from `locales`. Safe to call at every start-up and
/// from `flexcord setup discord`.
///
/// # Errors
///
/// [`DiscordError::Api`] when Discord refuses (bad token, wrong application id), or still
/// answers 429 after [`crate::send::MAX_SENDS`] sends.
pub async fn register_commands(
    http: &Client,
    application_id: u64,
    locales: &Locales,
) -> Result<(), DiscordError> {
    let application_id =
        Id::new_checked(application_id).ok_or(DiscordError::InvalidId("application_id"))?;
    let commands = definitions(locales);
    // Through `send` like every request: a 429 without a bucket must not be resent for ever.
    send(
        http.interaction(application_id)
            .set_global_commands(&commands),
    )
    .await?;
    tracing::info!(count = commands.len(), "slash commands registered");
    Ok(())
}

/// The modal for `/bug` or `/new_feature` (`None` for support, which has no form), labelled
/// with `t` (the user's language).
#[must_use]
pub fn report_form(kind: CaseKind, t: &Templates) -> Option<InteractionResponseData> {
    let custom_id = custom_id::form_id(kind)?;
    let title = match kind {
        CaseKind::Bug => &t.form_bug_title,
        CaseKind::Feature | CaseKind::Support => &t.form_feature_title,
    };
    let mut fields = vec![
        input(FIELD_TITLE, &t.form_title, TextInputStyle::Short, true, 100),
        input(
            FIELD_DESCRIPTION,
            &t.form_description,
            TextInputStyle::Paragraph,
            true,
            2000,
        ),
    ];
    if kind == CaseKind::Bug {
        fields.push(input(
            FIELD_STEPS,
            &t.form_steps,
            TextInputStyle::Paragraph,
            false,
            1000,
        ));
        fields.push(input(
            FIELD_PLATFORM,
            &t.form_platform,
            TextInputStyle::Short,
            false,
            100,
        ));
    }
    Some(InteractionResponseData {
        custom_id: Some(custom_id.to_owned()),
        // Discord's limits: a modal title of 45 characters, a label of 45.
        title: Some(title.chars().take(45).collect()),
        components: Some(fields),
        ..InteractionResponseData::default()
    })
}

/// A text input wrapped in a Label component (Discord's current modal layout).
#[expect(
    deprecated,
    reason = "the struct literal has to name `TextInput::label`, which twilight deprecates in \
              favour of the Label wrapper used here; `None` is the non-deprecated behaviour"
)]
fn input(id: &str, label: &str, style: TextInputStyle, required: bool, max: u16) -> Component {
    Component::Label(Label {
        id: None,
        label: label.chars().take(45).collect(),
        description: None,
        component: Box::new(Component::TextInput(TextInput {
            custom_id: id.to_owned(),
            id: None,
            label: None,
            max_length: Some(max),
            min_length: None,
            placeholder: None,
            required: Some(required),
            style,
            value: None,
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_commands_and_staff_ones_are_guild_only() {
        let defs = definitions(&Locales::default());
        let names: Vec<&str> = defs.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, [HELPME, BUG, NEW_FEATURE, CASE, BLOCK, UNBLOCK]);
        for staff in &defs[3..] {
            assert_eq!(
                staff.contexts.as_deref(),
                Some(&[InteractionContextType::Guild][..])
            );
        }
        assert_eq!(defs[4].options.len(), 2);
        assert_eq!(defs[5].options.len(), 1);
        let case = &defs[3];
        assert_eq!(
            case.contexts.as_deref(),
            Some(&[InteractionContextType::Guild][..])
        );
        assert_eq!(case.options.len(), 1);
        assert!(
            defs[1]
                .contexts
                .as_ref()
                .is_some_and(|c| c.contains(&InteractionContextType::BotDm))
        );
    }

    #[test]
    fn bug_form_has_four_fields_feature_two() {
        let count = |kind| {
            report_form(kind, &Templates::default())
                .and_then(|d| d.components)
                .map_or(0, |c| c.len())
        };
        assert_eq!(count(CaseKind::Bug), 4);
        assert_eq!(count(CaseKind::Feature), 2);
        assert!(report_form(CaseKind::Support, &Templates::default()).is_none());
    }

    fn hindi() -> Locales {
        let hi = Templates {
            command_helpme_name: "मदद".into(),
            command_helpme: "निजी संदेश में सहायता से बात करें".into(),
            command_bug_name: "Bad Name".into(),
            command_case_id_name: "संख्या".into(),
            command_block_name: "रोकें".into(),
            command_block: "किसी उपयोगकर्ता को सहायता से बाहर रखें".into(),
            command_user_name: "उपयोगकर्ता".into(),
            command_reason: "क्यों".into(),
            form_bug_title: "बग की रिपोर्ट करें".into(),
            ..Templates::default()
        };
        Locales::new(
            "en",
            [
                ("en".to_owned(), Templates::default()),
                ("hi".to_owned(), hi),
            ]
            .into(),
        )
    }

    #[test]
    fn commands_carry_discord_localizations_for_each_locale_set() {
        let defs = definitions(&hindi());
        let helpme = &defs[0];
        assert_eq!(helpme.name, HELPME);
        assert_eq!(helpme.description, "Talk to support in a private message");
        let names = helpme.name_localizations.as_ref().expect("localized names");
        assert_eq!(names.get("hi").map(String::as_str), Some("मदद"));
        // English is the default: the same name is not repeated as a localization.
        assert!(!names.contains_key("en-US"));
        let descriptions = helpme
            .description_localizations
            .as_ref()
            .expect("descriptions");
        assert_eq!(
            descriptions.get("hi").map(String::as_str),
            Some("निजी संदेश में सहायता से बात करें")
        );
        assert_eq!(
            descriptions.get("en-GB").map(String::as_str),
            Some("Talk to support in a private message")
        );
        // Only locales Discord knows: `en` itself is not one.
        assert!(
            descriptions
                .keys()
                .all(|k| DISCORD_LOCALES.contains(&k.as_str()))
        );
        // A name Discord would refuse is left out rather than failing the registration.
        let bug_names = defs[1].name_localizations.clone().unwrap_or_default();
        assert!(!bug_names.contains_key("hi"));
        let option = &defs[3].options[0];
        assert_eq!(
            option
                .name_localizations
                .as_ref()
                .and_then(|n| n.get("hi"))
                .map(String::as_str),
            Some("संख्या")
        );
        // The staff commands too: a Hindi-speaking moderator reads /रोकें.
        let block = &defs[4];
        let hi = |map: &Option<std::collections::HashMap<String, String>>| {
            map.as_ref().and_then(|m| m.get("hi")).cloned()
        };
        assert_eq!(block.name, BLOCK, "the name the router matches stays");
        assert_eq!(hi(&block.name_localizations).as_deref(), Some("रोकें"));
        assert_eq!(
            hi(&block.description_localizations).as_deref(),
            Some("किसी उपयोगकर्ता को सहायता से बाहर रखें")
        );
        assert_eq!(block.options[0].name, USER_OPTION);
        assert_eq!(
            hi(&block.options[0].name_localizations).as_deref(),
            Some("उपयोगकर्ता")
        );
        assert_eq!(
            hi(&block.options[1].description_localizations).as_deref(),
            Some("क्यों")
        );
        assert_eq!(defs[5].options[0].name, USER_OPTION);
    }

    #[test]
    fn the_form_is_labelled_in_the_users_language() {
        let hi = hindi();
        let t = hi.find(Some("hi")).expect("hindi");
        let form = report_form(CaseKind::Bug, t).expect("a form");
        assert_eq!(form.title.as_deref(), Some("बग की रिपोर्ट करें"));
    }
}
