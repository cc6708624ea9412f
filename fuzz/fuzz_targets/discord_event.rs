//! Discord gateway payloads as the shard receives them: deserialised by twilight exactly as the
//! gateway does (`twilight_gateway::parse`), then translated. Also bare `Message` and
//! `Interaction` objects, which reach the translation more often than whole payloads.
//! Properties: no panic; the bot's own messages, other bots' and guild messages are never
//! relayed (no echo); a relayed DM keeps its channel and author.
#![no_main]

use std::collections::HashMap;

use flexcord_core::event::DiscordEvent;
use flexcord_core::ids::{ChannelId, UserId};
use flexcord_discord::translate::{
    Context, Inbound, translate, translate_interaction, translate_message,
};
use libfuzzer_sys::fuzz_target;
use twilight_gateway::{Event, EventTypeFlags};
use twilight_model::application::interaction::Interaction;
use twilight_model::channel::Message;

const BOT: u64 = 1_000;

fn check_message(message: &Message, ctx: &Context<'_>) {
    let decision = translate_message(message, ctx.bot_user);
    let from_bot = message.author.bot || message.author.id.get() == BOT;
    if from_bot || message.guild_id.is_some() {
        assert_eq!(decision, Inbound::Ignore, "bot or guild message relayed");
    }
    if let Inbound::Emit(DiscordEvent::DirectMessage { user, channel, .. }) = &decision {
        assert_eq!(*channel, ChannelId(message.channel_id.get()));
        assert_eq!(user.id, UserId(message.author.id.get()));
    }
}

fn check_interaction(interaction: &Interaction, ctx: &Context<'_>) {
    match translate_interaction(interaction, ctx) {
        // Malformed input is acknowledged and handed to the router (which words the refusal),
        // always about this interaction.
        Inbound::AckThenEmit(_, DiscordEvent::Malformed { interaction: handle, .. }) => {
            assert_eq!(handle.id, interaction.id.get());
        }
        Inbound::OpenForm(handle, _, _) | Inbound::AckOnly(handle) => {
            assert_eq!(handle.id, interaction.id.get());
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let roles = HashMap::from([(7_u64, "Support Staff".to_owned())]);
    let ctx = Context {
        bot_user: Some(UserId(BOT)),
        role_names: &roles,
    };
    if let Ok(Some(payload)) = twilight_gateway::parse(text.to_owned(), EventTypeFlags::all()) {
        let event = Event::from(payload);
        let _ = translate(&event, &ctx);
        match &event {
            Event::MessageCreate(created) => check_message(&created.message, &ctx),
            Event::InteractionCreate(created) => check_interaction(&(**created).0, &ctx),
            _ => {}
        }
    }
    if let Ok(message) = serde_json::from_str::<Message>(text) {
        check_message(&message, &ctx);
    }
    if let Ok(interaction) = serde_json::from_str::<Interaction>(text) {
        check_interaction(&interaction, &ctx);
    }
});
