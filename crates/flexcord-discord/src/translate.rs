//! Gateway events → what the adapter does with them: a pure function from a twilight [`Event`]
//! to an [`Inbound`] decision (emit a core event, after which acknowledgement; open a form;
//! ignore). Malformed input is reported to the router as [`DiscordEvent::Malformed`]: what the
//! user is told is the router's decision, never the adapter's. No I/O here, so every rule is unit-tested from JSON fixtures; the gateway loop only
//! carries the decisions out.

use std::collections::HashMap;

use flexcord_core::case::CaseKind;
use flexcord_core::content::{Attachment, MessageContent};
use flexcord_core::event::{
    Command, DiscordEvent, InteractionHandle, Malformed, Member, Place, ReportForm, UserProfile,
};
use flexcord_core::ids::{CaseId, ChannelId, MessageId, UserId};
use flexcord_core::locale::checked_tag;
use flexcord_core::log_safe::escape_truncated;
use twilight_gateway::Event;
use twilight_model::application::interaction::application_command::{
    CommandData, CommandOptionValue,
};
use twilight_model::application::interaction::modal::{
    ModalInteractionComponent, ModalInteractionData,
};
use twilight_model::application::interaction::{Interaction, InteractionData};
use twilight_model::channel::Message;
use twilight_model::channel::message::MessageType;
use twilight_model::guild::Permissions;
use twilight_model::user::User;

use crate::commands;
use crate::custom_id;

/// How the adapter acknowledges an interaction before the router sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    /// Type 5 with the ephemeral flag: "flexcord is thinking…", seen only by the user.
    DeferEphemeral,
    /// Type 6: acknowledge a button click without changing its message.
    DeferUpdate,
}

/// What to do with one gateway event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// Not for flexcord (guild chatter, bots, ourselves, unknown buttons without a token…).
    Ignore,
    /// Hand to the router as is (a DM: nothing to acknowledge).
    Emit(DiscordEvent),
    /// Acknowledge first (within Discord's 3 s), then hand to the router.
    AckThenEmit(Ack, DiscordEvent),
    /// Answer with the `/bug` or `/new_feature` modal (type 9), labelled in the user's locale
    /// (the last field); the router never sees it.
    OpenForm(InteractionHandle, CaseKind, Option<String>),
    /// Acknowledge without effect (type 6): a click on a button flexcord does not know.
    AckOnly(InteractionHandle),
}

/// What translation needs to know beyond the event.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The bot's own user id: its messages are never relayed.
    pub bot_user: Option<UserId>,
    /// Role id → role name for the served guild: a caller's roles are reported by name.
    pub role_names: &'a HashMap<u64, String>,
}

/// Decides what to do with `event`.
#[must_use]
pub fn translate(event: &Event, ctx: &Context<'_>) -> Inbound {
    match event {
        Event::MessageCreate(message) => translate_message(message, ctx.bot_user),
        Event::InteractionCreate(interaction) => translate_interaction(interaction, ctx),
        _ => Inbound::Ignore,
    }
}

fn profile(user: &User) -> UserProfile {
    UserProfile {
        id: UserId(user.id.get()),
        name: user
            .global_name
            .clone()
            .unwrap_or_else(|| user.name.clone()),
        locale: None,
    }
}

/// Decides what to do with a MESSAGE_CREATE: only users' DMs are relayed.
#[must_use]
pub fn translate_message(message: &Message, bot_user: Option<UserId>) -> Inbound {
    // DMs only: the bot has no MESSAGE_CONTENT intent, and guild chatter is not support traffic.
    if message.guild_id.is_some() {
        return Inbound::Ignore;
    }
    if message.author.bot || Some(UserId(message.author.id.get())) == bot_user {
        return Inbound::Ignore;
    }
    // Calls, pins, and other system messages carry nothing to relay.
    if !matches!(message.kind, MessageType::Regular | MessageType::Reply) {
        return Inbound::Ignore;
    }
    let content = MessageContent {
        text: message.content.clone(),
        attachments: message
            .attachments
            .iter()
            .map(|a| Attachment {
                url: a.url.clone(),
                filename: a.filename.clone(),
                content_type: a.content_type.clone(),
                size: Some(a.size),
            })
            .collect(),
        // Discord's own time of writing: a DM read back at catch-up is relayed long after it
        // was written, and the agent's transcript must show when the player wrote it.
        sent_at_ms: u64::try_from(message.timestamp.as_micros() / 1000).ok(),
    };
    if content.is_empty() {
        return Inbound::Ignore;
    }
    Inbound::Emit(DiscordEvent::DirectMessage {
        user: profile(&message.author),
        channel: ChannelId(message.channel_id.get()),
        message: MessageId(message.id.get()),
        content,
    })
}

/// Decides what to do with an INTERACTION_CREATE.
#[must_use]
pub fn translate_interaction(interaction: &Interaction, ctx: &Context<'_>) -> Inbound {
    let handle = InteractionHandle {
        id: interaction.id.get(),
        token: interaction.token.clone(),
    };
    let (Some(author), Some(channel)) = (interaction.author(), interaction.channel.as_ref()) else {
        tracing::debug!(
            interaction = handle.id,
            "interaction without user or channel ignored"
        );
        return Inbound::Ignore;
    };
    // Discord sends the user's client language with every interaction; a value that is not a
    // plain tag is dropped (the user then reads the default locale).
    let user = UserProfile {
        locale: interaction.locale.as_deref().and_then(checked_tag),
        ..profile(author)
    };
    let place = Place {
        channel: ChannelId(channel.id.get()),
        direct_message: interaction.guild_id.is_none(),
    };
    match &interaction.data {
        Some(InteractionData::ApplicationCommand(data)) => {
            command(&handle, &user, &place, data, interaction, ctx)
        }
        Some(InteractionData::ModalSubmit(data)) => modal(handle, user, place, data),
        Some(InteractionData::MessageComponent(data)) => {
            match custom_id::decode_button(&data.custom_id) {
                Some(action) => Inbound::AckThenEmit(
                    Ack::DeferUpdate,
                    DiscordEvent::Button {
                        interaction: handle,
                        user,
                        place,
                        action,
                    },
                ),
                None => {
                    tracing::warn!(
                        custom_id = %truncate(&data.custom_id, 100),
                        "unknown button custom id ignored"
                    );
                    Inbound::AckOnly(handle)
                }
            }
        }
        _ => Inbound::Ignore,
    }
}

fn command(
    handle: &InteractionHandle,
    user: &UserProfile,
    place: &Place,
    data: &CommandData,
    interaction: &Interaction,
    ctx: &Context<'_>,
) -> Inbound {
    let defer = |command| {
        Inbound::AckThenEmit(
            Ack::DeferEphemeral,
            DiscordEvent::Command {
                interaction: handle.clone(),
                user: user.clone(),
                place: place.clone(),
                command,
            },
        )
    };
    match data.name.as_str() {
        commands::HELPME => defer(Command::HelpMe),
        commands::BUG => Inbound::OpenForm(handle.clone(), CaseKind::Bug, user.locale.clone()),
        commands::NEW_FEATURE => {
            Inbound::OpenForm(handle.clone(), CaseKind::Feature, user.locale.clone())
        }
        commands::CASE => {
            let raw = data
                .options
                .iter()
                .find(|o| o.name == commands::CASE_ID_OPTION)
                .map(|o| match &o.value {
                    CommandOptionValue::String(s) => s.clone(),
                    CommandOptionValue::Integer(i) => i.to_string(),
                    _ => String::new(),
                });
            match raw.as_deref().map(str::parse::<CaseId>) {
                Some(Ok(id)) => defer(Command::Case {
                    id,
                    member: member(interaction, ctx.role_names),
                }),
                _ => malformed(
                    handle.clone(),
                    user.clone(),
                    place.clone(),
                    Malformed::CaseNumber,
                ),
            }
        }
        commands::BLOCK | commands::UNBLOCK => {
            let option = |name: &str| data.options.iter().find(|o| o.name == name);
            let target = option(commands::USER_OPTION).and_then(|o| match &o.value {
                CommandOptionValue::User(id) => Some(UserId(id.get())),
                // An id typed as text (a registration from before the option was a user).
                CommandOptionValue::String(s) => s.trim().parse().ok(),
                _ => None,
            });
            let reason = option(commands::REASON_OPTION)
                .and_then(|o| match &o.value {
                    CommandOptionValue::String(s) => Some(s.trim().to_owned()),
                    _ => None,
                })
                .unwrap_or_default();
            let member = member(interaction, ctx.role_names);
            match target {
                Some(target) if data.name == commands::BLOCK => defer(Command::Block {
                    target,
                    reason,
                    member,
                }),
                Some(target) => defer(Command::Unblock { target, member }),
                None => malformed(
                    handle.clone(),
                    user.clone(),
                    place.clone(),
                    Malformed::UnknownCommand,
                ),
            }
        }
        other => {
            tracing::warn!(command = %truncate(other, 32), "unknown command refused");
            malformed(
                handle.clone(),
                user.clone(),
                place.clone(),
                Malformed::UnknownCommand,
            )
        }
    }
}

/// Input flexcord cannot act on: deferred (ephemeral, like every answer to it) and handed to the
/// router, which decides what the user is told.
const fn malformed(
    interaction: InteractionHandle,
    user: UserProfile,
    place: Place,
    problem: Malformed,
) -> Inbound {
    Inbound::AckThenEmit(
        Ack::DeferEphemeral,
        DiscordEvent::Malformed {
            interaction,
            user,
            place,
            problem,
        },
    )
}

/// The caller as a server member: the server, whether they manage it, their roles by name.
/// Only reported: who counts as staff, and in which server, is the router's decision.
fn member(interaction: &Interaction, role_names: &HashMap<u64, String>) -> Option<Member> {
    let guild = interaction.guild_id?;
    let member = interaction.member.as_ref()?;
    Some(Member {
        guild: guild.get(),
        manages_server: member
            .permissions
            .is_some_and(|p| p.intersects(Permissions::MANAGE_GUILD | Permissions::ADMINISTRATOR)),
        roles: member
            .roles
            .iter()
            .filter_map(|role| role_names.get(&role.get()).cloned())
            .collect(),
    })
}

fn modal(
    handle: InteractionHandle,
    user: UserProfile,
    place: Place,
    data: &ModalInteractionData,
) -> Inbound {
    let Some(kind) = custom_id::decode_form(&data.custom_id) else {
        tracing::warn!(custom_id = %truncate(&data.custom_id, 100), "unknown modal refused");
        return malformed(handle, user, place, Malformed::UnknownForm);
    };
    let mut values: HashMap<&str, &str> = HashMap::new();
    collect_text_inputs(&data.components, &mut values);
    let field = |name: &str| {
        values
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let (Some(title), Some(description)) = (
        field(commands::FIELD_TITLE),
        field(commands::FIELD_DESCRIPTION),
    ) else {
        return malformed(handle, user, place, Malformed::MissingFields);
    };
    let (steps, platform) = match kind {
        CaseKind::Bug => (
            field(commands::FIELD_STEPS),
            field(commands::FIELD_PLATFORM),
        ),
        CaseKind::Feature | CaseKind::Support => (None, None),
    };
    let form = ReportForm {
        kind,
        title,
        description,
        steps,
        platform,
    };
    Inbound::AckThenEmit(
        Ack::DeferEphemeral,
        DiscordEvent::ReportSubmitted {
            interaction: handle,
            user,
            place,
            form,
        },
    )
}

/// Text inputs may come wrapped in labels (current) or action rows (legacy); collect them all.
fn collect_text_inputs<'a>(
    components: &'a [ModalInteractionComponent],
    out: &mut HashMap<&'a str, &'a str>,
) {
    for component in components {
        match component {
            ModalInteractionComponent::TextInput(input) => {
                out.insert(input.custom_id.as_str(), input.value.as_str());
            }
            ModalInteractionComponent::Label(label) => {
                collect_text_inputs(std::slice::from_ref(&*label.component), out);
            }
            ModalInteractionComponent::ActionRow(row) => collect_text_inputs(&row.components, out),
            _ => {}
        }
    }
}

/// At most `max` characters of user-controlled text, escaped, for logs.
fn truncate(s: &str, max: usize) -> String {
    escape_truncated(s, max)
}

#[cfg(test)]
mod tests;
