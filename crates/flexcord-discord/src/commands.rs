//! flexcord's slash commands and report forms: their definitions, and registering them.
//!
//! Commands are registered **globally** with one bulk overwrite (idempotent: the same set twice
//! changes nothing). Global, because guild commands are not offered in DMs and `/bug`,
//! `/new_feature` and `/helpme` must work in the bot's DM too; `contexts` restricts each command
//! to where it makes sense (`/case` is guild-only).

use flexcord_core::case::CaseKind;
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

/// The six commands, as registered.
#[must_use]
pub fn definitions() -> Vec<Command> {
    let everywhere = [InteractionContextType::Guild, InteractionContextType::BotDm];
    let guild_install = [ApplicationIntegrationType::GuildInstall];
    vec![
        CommandBuilder::new(
            HELPME,
            "Talk to support in a private message",
            CommandType::ChatInput,
        )
        .contexts(everywhere)
        .integration_types(guild_install)
        .build(),
        CommandBuilder::new(BUG, "Report a bug", CommandType::ChatInput)
            .contexts(everywhere)
            .integration_types(guild_install)
            .build(),
        CommandBuilder::new(NEW_FEATURE, "Request a new feature", CommandType::ChatInput)
            .contexts(everywhere)
            .integration_types(guild_install)
            .build(),
        CommandBuilder::new(CASE, "Look a case up (staff only)", CommandType::ChatInput)
            .contexts([InteractionContextType::Guild])
            .integration_types(guild_install)
            .option(
                StringBuilder::new(CASE_ID_OPTION, "Case number, like 1042 or #1042")
                    .required(true),
            )
            .build(),
        // Guild-only like `/case`; who may use them is the router's decision (StaffPolicy).
        CommandBuilder::new(
            BLOCK,
            "Keep a user out of support (staff only)",
            CommandType::ChatInput,
        )
        .contexts([InteractionContextType::Guild])
        .integration_types(guild_install)
        .option(UserBuilder::new(USER_OPTION, "Who to block").required(true))
        .option(
            StringBuilder::new(REASON_OPTION, "Why (staff see it; the user does not)")
                .max_length(500)
                .required(true),
        )
        .build(),
        CommandBuilder::new(
            UNBLOCK,
            "Let a blocked user use support again (staff only)",
            CommandType::ChatInput,
        )
        .contexts([InteractionContextType::Guild])
        .integration_types(guild_install)
        .option(UserBuilder::new(USER_OPTION, "Who to unblock").required(true))
        .build(),
    ]
}

/// Registers the six commands globally in one bulk overwrite (`PUT
/// /applications/{id}/commands`). Safe to call at every start-up and from `flexcord setup discord`.
///
/// # Errors
///
/// [`DiscordError::Api`] when Discord refuses (bad token, wrong application id), or still
/// answers 429 after [`crate::send::MAX_SENDS`] sends.
pub async fn register_commands(http: &Client, application_id: u64) -> Result<(), DiscordError> {
    let application_id =
        Id::new_checked(application_id).ok_or(DiscordError::InvalidId("application_id"))?;
    let commands = definitions();
    // Through `send` like every request: a 429 without a bucket must not be resent for ever.
    send(
        http.interaction(application_id)
            .set_global_commands(&commands),
    )
    .await?;
    tracing::info!(count = commands.len(), "slash commands registered");
    Ok(())
}

/// The modal for `/bug` or `/new_feature` (`None` for support, which has no form).
#[must_use]
pub fn report_form(kind: CaseKind) -> Option<InteractionResponseData> {
    let custom_id = custom_id::form_id(kind)?;
    let title = match kind {
        CaseKind::Bug => "Report a bug",
        CaseKind::Feature | CaseKind::Support => "Request a feature",
    };
    let mut fields = vec![
        input(FIELD_TITLE, "Title", TextInputStyle::Short, true, 100),
        input(
            FIELD_DESCRIPTION,
            "Description",
            TextInputStyle::Paragraph,
            true,
            2000,
        ),
    ];
    if kind == CaseKind::Bug {
        fields.push(input(
            FIELD_STEPS,
            "Steps to reproduce",
            TextInputStyle::Paragraph,
            false,
            1000,
        ));
        fields.push(input(
            FIELD_PLATFORM,
            "Platform / version",
            TextInputStyle::Short,
            false,
            100,
        ));
    }
    Some(InteractionResponseData {
        custom_id: Some(custom_id.to_owned()),
        title: Some(title.to_owned()),
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
        label: label.to_owned(),
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
        let defs = definitions();
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
            report_form(kind)
                .and_then(|d| d.components)
                .map_or(0, |c| c.len())
        };
        assert_eq!(count(CaseKind::Bug), 4);
        assert_eq!(count(CaseKind::Feature), 2);
        assert!(report_form(CaseKind::Support).is_none());
    }
}
