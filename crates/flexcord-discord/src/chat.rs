//! [`DiscordChat`]: core's [`ChatSurface`] port over twilight's HTTP client, plus the interaction
//! acknowledgements the gateway loop sends before the router sees an event.
//!
//! Every message body is written by us and handed to twilight as `payload_json`, so each one
//! carries `allowed_mentions: {"parse": []}` (nothing the bridge sends can ping anyone) and, when
//! asked, `nonce` with `enforce_nonce` (which twilight's builder has no setter for).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use flexcord_core::case::CaseKind;
use flexcord_core::config::Templates;
use flexcord_core::content::{Announcement, GuildChannel, OutgoingMessage, ReportCard};
use flexcord_core::event::InteractionHandle;
use flexcord_core::ids::{ChannelId, MessageId, UserId};
use flexcord_core::locale::Locales;
use flexcord_core::ports::{ChatError, ChatSurface, Reply};
use serde::Serialize;
use twilight_http::Client;
use twilight_model::channel::message::component::Component;
use twilight_model::channel::message::embed::Embed;
use twilight_model::channel::message::{AllowedMentions, MessageFlags};
use twilight_model::http::attachment::Attachment as Upload;
use twilight_model::http::interaction::{
    InteractionResponse, InteractionResponseData, InteractionResponseType,
};
use twilight_model::id::Id;
use twilight_model::id::marker::{
    ApplicationMarker, ChannelMarker, GuildMarker, InteractionMarker,
};

use crate::commands::report_form;
use crate::config::DiscordConfig;
use crate::download::{DEFAULT_MAX_FILE_BYTES, Downloader};
use crate::error::DiscordError;
use crate::guild::{GuildCache, fetch_channels};
use crate::render::{announcement_embed, button_rows, case_embed, report_embed, shown_text};
use crate::send::send;
use crate::split::{MESSAGE_LIMIT, split_message};
use crate::translate::Ack;

/// Discord accepts at most 10 files per message.
const FILES_PER_MESSAGE: usize = 10;
/// Discord refuses a request larger than 25 MiB (413, code 40005), whatever the size of each file.
/// The files of one message stay 1 MiB under it, leaving room for the JSON part and the multipart
/// framing.
const FILE_BYTES_PER_MESSAGE: usize = 24 * 1024 * 1024;
/// How many button-click interactions to remember (answered with follow-ups, not edits).
const REMEMBERED_UPDATES: usize = 4096;

/// Discord as the router sees it. Cheap to clone (shared state behind an `Arc`).
#[derive(Debug, Clone)]
pub struct DiscordChat {
    inner: Arc<Inner>,
    /// The texts the adapter shows itself (button labels, form labels) by locale.
    locales: Arc<Locales>,
}

#[derive(Debug)]
struct Inner {
    http: Arc<Client>,
    application_id: Id<ApplicationMarker>,
    guild_id: Id<GuildMarker>,
    guild: GuildCache,
    downloader: Downloader,
    /// Interactions acknowledged with a deferred *update* (button clicks): they have no
    /// "thinking…" message of their own, so a reply is an ephemeral follow-up instead of an edit.
    deferred_updates: Mutex<VecDeque<u64>>,
}

/// The JSON body of a message, follow-up or response edit.
#[derive(Debug, Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    content: &'a str,
    allowed_mentions: AllowedMentions,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    components: &'a [Component],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    embeds: &'a [Embed],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    attachments: &'a [Upload],
    #[serde(skip_serializing_if = "Option::is_none")]
    flags: Option<MessageFlags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enforce_nonce: Option<bool>,
}

impl<'a> Body<'a> {
    fn text(content: &'a str) -> Self {
        Self {
            content,
            allowed_mentions: AllowedMentions::default(),
            components: &[],
            embeds: &[],
            attachments: &[],
            flags: None,
            nonce: None,
            enforce_nonce: None,
        }
    }

    fn to_json(&self) -> Result<Vec<u8>, ChatError> {
        serde_json::to_vec(self).map_err(|e| ChatError::Rejected(format!("message body: {e}")))
    }
}

/// One message of a send: which text chunk, which files, whether the buttons go under it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Planned {
    chunk: Option<usize>,
    files: std::ops::Range<usize>,
    buttons: bool,
}

/// Lays a send out as messages: every text chunk in order; files riding on the last chunk,
/// overflow in further messages (a message takes at most 10 files and at most
/// [`FILE_BYTES_PER_MESSAGE`] bytes of them; a file larger than that goes alone, for Discord to
/// judge); the buttons under the very last message. `file_sizes` are the files' sizes in bytes,
/// in order.
fn plan(chunks: usize, file_sizes: &[usize], buttons: bool) -> Vec<Planned> {
    let mut out: Vec<Planned> = (0..chunks)
        .map(|i| Planned {
            chunk: Some(i),
            files: 0..0,
            buttons: false,
        })
        .collect();
    let mut next = 0;
    while next < file_sizes.len() {
        // Always at least one file per message, so an oversized one cannot stall the plan.
        let mut end = next + 1;
        let mut bytes = file_sizes[next];
        while end < file_sizes.len()
            && end - next < FILES_PER_MESSAGE
            && bytes.saturating_add(file_sizes[end]) <= FILE_BYTES_PER_MESSAGE
        {
            bytes += file_sizes[end];
            end += 1;
        }
        match out.last_mut() {
            Some(last) if next == 0 => last.files = 0..end,
            _ => out.push(Planned {
                chunk: None,
                files: next..end,
                buttons: false,
            }),
        }
        next = end;
    }
    if buttons {
        match out.last_mut() {
            Some(last) => last.buttons = true,
            None => out.push(Planned {
                chunk: None,
                files: 0..0,
                buttons: true,
            }),
        }
    }
    out
}

/// The nonce of the `index`-th message of a send: the caller's nonce for the first, a mixed value
/// for the others, so chunks never collide with each other or with the next send's nonce (callers
/// often use consecutive numbers).
fn nonce_for(nonce: u64, index: usize) -> u64 {
    if index == 0 {
        return nonce;
    }
    // splitmix64 finaliser over (nonce, index).
    let mut z = nonce ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn channel_id(channel: ChannelId) -> Result<Id<ChannelMarker>, ChatError> {
    Id::new_checked(channel.0).ok_or_else(|| ChatError::NotFound("channel 0".to_owned()))
}

/// The interaction response that acknowledges without answering yet: a deferred ephemeral
/// message ("thinking…") or a deferred update (a button click).
#[must_use]
pub fn ack_response(ack: Ack) -> InteractionResponse {
    match ack {
        Ack::DeferEphemeral => InteractionResponse {
            kind: InteractionResponseType::DeferredChannelMessageWithSource,
            data: Some(InteractionResponseData {
                flags: Some(MessageFlags::EPHEMERAL),
                ..InteractionResponseData::default()
            }),
        },
        Ack::DeferUpdate => InteractionResponse {
            kind: InteractionResponseType::DeferredUpdateMessage,
            data: None,
        },
    }
}

/// A router's reply as the interaction's *initial* response: an ephemeral message (type 4), the
/// same text or case card the deferred path would put in its follow-up (the first 2,000
/// characters of a text, like the edit of a deferred response), with no mentions.
#[must_use]
pub fn reply_response(reply: &Reply) -> InteractionResponse {
    let (content, embeds) = match reply {
        Reply::Text(text) => (
            split_message(text, MESSAGE_LIMIT)
                .into_iter()
                .next()
                .unwrap_or_else(|| "…".to_owned()),
            Vec::new(),
        ),
        Reply::Case(case) => (String::new(), vec![case_embed(case)]),
    };
    InteractionResponse {
        kind: InteractionResponseType::ChannelMessageWithSource,
        data: Some(InteractionResponseData {
            allowed_mentions: Some(AllowedMentions::default()),
            content: (!content.is_empty()).then_some(content),
            embeds: (!embeds.is_empty()).then_some(embeds),
            flags: Some(MessageFlags::EPHEMERAL),
            ..InteractionResponseData::default()
        }),
    }
}

impl DiscordChat {
    /// A chat surface over `http` (built with [`crate::build_http`]) for the configured guild.
    ///
    /// # Errors
    ///
    /// [`DiscordError::InvalidId`] when the application or guild id is zero.
    pub fn new(http: Arc<Client>, config: &DiscordConfig) -> Result<Self, DiscordError> {
        Self::with_limits(
            http,
            config,
            DEFAULT_MAX_FILE_BYTES,
            Duration::from_secs(30),
        )
    }

    /// Like [`DiscordChat::new`] with a file size cap and a download time-out for relayed files.
    ///
    /// # Errors
    ///
    /// As for [`DiscordChat::new`].
    pub fn with_limits(
        http: Arc<Client>,
        config: &DiscordConfig,
        max_file_bytes: u64,
        download_timeout: Duration,
    ) -> Result<Self, DiscordError> {
        let application_id = Id::new_checked(config.application_id)
            .ok_or(DiscordError::InvalidId("application_id"))?;
        let guild_id =
            Id::new_checked(config.guild_id).ok_or(DiscordError::InvalidId("guild_id"))?;
        Ok(Self {
            locales: Arc::new(Locales::default()),
            inner: Arc::new(Inner {
                http,
                application_id,
                guild_id,
                guild: GuildCache::default(),
                downloader: Downloader::new(max_file_bytes, download_timeout)?,
                deferred_updates: Mutex::new(VecDeque::new()),
            }),
        })
    }

    /// Labels buttons and forms in the reader's language from `locales` (without it, in
    /// English).
    #[must_use]
    pub fn with_locales(mut self, locales: Locales) -> Self {
        self.locales = Arc::new(locales);
        self
    }

    /// The texts it labels buttons and forms from.
    #[must_use]
    pub fn locales(&self) -> &Locales {
        &self.locales
    }

    /// The texts for a reader with `locale`.
    fn texts(&self, locale: Option<&str>) -> std::borrow::Cow<'_, Templates> {
        self.locales.find(locale).map_or_else(
            || std::borrow::Cow::Owned(Templates::default()),
            std::borrow::Cow::Borrowed,
        )
    }

    /// The twilight client (for [`crate::register_commands`] and [`crate::setup_guild`]).
    #[must_use]
    pub fn http(&self) -> &Arc<Client> {
        &self.inner.http
    }

    pub(crate) fn guild_cache(&self) -> &GuildCache {
        &self.inner.guild
    }

    pub(crate) fn guild_id(&self) -> Id<GuildMarker> {
        self.inner.guild_id
    }

    /// Sends the interaction response that buys the router time: deferred (ephemeral) message or
    /// deferred update.
    pub(crate) async fn acknowledge(
        &self,
        handle: &InteractionHandle,
        ack: Ack,
    ) -> Result<(), ChatError> {
        if ack == Ack::DeferUpdate {
            self.note_deferred_update(handle.id);
        }
        self.respond(handle, &ack_response(ack)).await
    }

    /// Remembers that interaction `id` was acknowledged with a deferred *update* by someone
    /// else (the HTTP interactions endpoint answers in its response body), so a later
    /// [`ChatSurface::reply`] sends an ephemeral follow-up instead of editing a response that
    /// does not exist.
    pub fn note_deferred_update(&self, id: u64) {
        let mut remembered = self
            .inner
            .deferred_updates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if remembered.len() >= REMEMBERED_UPDATES {
            remembered.pop_front();
        }
        remembered.push_back(id);
    }

    /// Answers `/bug` or `/new_feature` with the report form.
    pub(crate) async fn open_form(
        &self,
        handle: &InteractionHandle,
        kind: CaseKind,
        locale: Option<&str>,
    ) -> Result<(), ChatError> {
        let data = report_form(kind, &self.texts(locale))
            .ok_or_else(|| ChatError::Rejected("no form for support".to_owned()))?;
        let response = InteractionResponse {
            kind: InteractionResponseType::Modal,
            data: Some(data),
        };
        self.respond(handle, &response).await
    }

    async fn respond(
        &self,
        handle: &InteractionHandle,
        response: &InteractionResponse,
    ) -> Result<(), ChatError> {
        let id: Id<InteractionMarker> = Id::new_checked(handle.id)
            .ok_or_else(|| ChatError::NotFound("interaction 0".to_owned()))?;
        send(
            self.inner
                .http
                .interaction(self.inner.application_id)
                .create_response(id, &handle.token, response),
        )
        .await
        .map(drop)
    }

    fn was_deferred_update(&self, id: u64) -> bool {
        self.inner
            .deferred_updates
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&id)
    }

    /// Creates one message; returns its id when Discord's answer could be read.
    async fn create(
        &self,
        channel: Id<ChannelMarker>,
        body: &Body<'_>,
        files: &[Upload],
    ) -> Result<Option<MessageId>, ChatError> {
        let json = body.to_json()?;
        let mut request = self.inner.http.create_message(channel).payload_json(&json);
        if !files.is_empty() {
            request = request.attachments(files);
        }
        let response = send(request).await?;
        match response.model().await {
            Ok(message) => Ok(Some(MessageId(message.id.get()))),
            Err(e) => {
                // Sent, but the answer is unreadable: retrying would post twice, so report success.
                tracing::warn!(error = %e, "message sent but Discord's answer could not be read");
                Ok(None)
            }
        }
    }

    /// Finds a guild channel by name: cache first, then `GET /guilds/{id}/channels`.
    async fn guild_channel(&self, channel: GuildChannel) -> Result<Id<ChannelMarker>, ChatError> {
        let name = channel.name();
        let cached = self.inner.guild.channel(name);
        let id = match cached {
            Some(id) => id,
            None => {
                let channels = fetch_channels(&self.inner.http, self.inner.guild_id)
                    .await
                    .map_err(|e| match e {
                        DiscordError::Api(chat) => chat,
                        other => ChatError::Transient(other.to_string()),
                    })?;
                self.inner.guild.set_channels(&channels);
                self.inner.guild.channel(name).ok_or_else(|| {
                    ChatError::NotFound(format!(
                        "#{name} does not exist (run `flexcord setup discord`)"
                    ))
                })?
            }
        };
        Id::new_checked(id).ok_or_else(|| ChatError::NotFound(format!("#{name}")))
    }

    async fn post_embed(
        &self,
        channel: GuildChannel,
        embed: Embed,
        nonce: Option<u64>,
    ) -> Result<MessageId, ChatError> {
        let id = self.guild_channel(channel).await?;
        let embeds = [embed];
        let body = Body {
            embeds: &embeds,
            nonce: nonce.map(|n| n.to_string()),
            enforce_nonce: nonce.map(|_| true),
            ..Body::text("")
        };
        match self.create(id, &body, &[]).await {
            Ok(Some(message)) => Ok(message),
            Ok(None) => Err(ChatError::Transient(
                "Discord's answer could not be read".to_owned(),
            )),
            Err(e) => {
                if matches!(e, ChatError::NotFound(_)) {
                    // Deleted since we cached it: look it up again next time.
                    self.inner.guild.remove_channel(id.get());
                }
                Err(e)
            }
        }
    }
}

#[async_trait]
impl ChatSurface for DiscordChat {
    async fn open_dm(&self, user: UserId) -> Result<ChannelId, ChatError> {
        let user =
            Id::new_checked(user.0).ok_or_else(|| ChatError::NotFound("user 0".to_owned()))?;
        let response = send(self.inner.http.create_private_channel(user)).await?;
        let channel = response
            .model()
            .await
            .map_err(|e| ChatError::Transient(e.to_string()))?;
        Ok(ChannelId(channel.id.get()))
    }

    async fn send(
        &self,
        channel: ChannelId,
        message: &OutgoingMessage,
        nonce: Option<u64>,
    ) -> Result<Vec<MessageId>, ChatError> {
        let channel = channel_id(channel)?;
        // Download first: a failing file must not leave half a message behind.
        let mut uploads = Vec::with_capacity(message.files.len());
        let mut sizes = Vec::with_capacity(message.files.len());
        for (index, file) in message.files.iter().enumerate() {
            let bytes = self.inner.downloader.fetch(&file.url).await?;
            sizes.push(bytes.len());
            uploads.push(Upload::from_bytes(
                file.filename.clone(),
                bytes,
                index as u64,
            ));
        }
        let texts = self.texts(message.locale.as_deref());
        // The speaker's label is part of the text, so the 2,000-character split covers it.
        let chunks = split_message(&shown_text(message, &texts), MESSAGE_LIMIT);
        let rows = button_rows(&message.buttons, &texts);
        let mut sent = Vec::new();
        for (index, planned) in plan(chunks.len(), &sizes, !rows.is_empty())
            .into_iter()
            .enumerate()
        {
            let files = &uploads[planned.files.clone()];
            let content = planned
                .chunk
                .and_then(|i| chunks.get(i))
                .map_or("", String::as_str);
            let body = Body {
                components: if planned.buttons { &rows } else { &[] },
                attachments: files,
                nonce: nonce.map(|n| nonce_for(n, index).to_string()),
                enforce_nonce: nonce.map(|_| true),
                ..Body::text(content)
            };
            if let Some(id) = self.create(channel, &body, files).await? {
                sent.push(id);
            }
        }
        Ok(sent)
    }

    async fn reply(&self, interaction: &InteractionHandle, reply: &Reply) -> Result<(), ChatError> {
        let embeds: Vec<Embed>;
        let chunks: Vec<String>;
        let body = match reply {
            Reply::Text(text) => {
                chunks = split_message(text, MESSAGE_LIMIT);
                Body::text(chunks.first().map_or("…", String::as_str))
            }
            Reply::Case(case) => {
                embeds = vec![case_embed(case)];
                Body {
                    embeds: &embeds,
                    ..Body::text("")
                }
            }
        };
        let client = self.inner.http.interaction(self.inner.application_id);
        if self.was_deferred_update(interaction.id) {
            let body = Body {
                flags: Some(MessageFlags::EPHEMERAL),
                ..body
            };
            let json = body.to_json()?;
            send(
                client
                    .create_followup(&interaction.token)
                    .payload_json(&json),
            )
            .await?;
        } else {
            // The deferred "thinking…" response is already ephemeral; the edit stays so.
            let json = body.to_json()?;
            send(
                client
                    .update_response(&interaction.token)
                    .payload_json(&json),
            )
            .await?;
        }
        Ok(())
    }

    async fn post_report(
        &self,
        channel: GuildChannel,
        card: &ReportCard,
        nonce: Option<u64>,
    ) -> Result<MessageId, ChatError> {
        self.post_embed(channel, report_embed(card), nonce).await
    }

    async fn announce(&self, announcement: &Announcement) -> Result<MessageId, ChatError> {
        self.post_embed(
            GuildChannel::Announcements,
            announcement_embed(announcement),
            None,
        )
        .await
    }

    async fn typing(&self, channel: ChannelId) -> Result<(), ChatError> {
        send(self.inner.http.create_typing_trigger(channel_id(channel)?))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_puts_files_and_buttons_on_the_last_chunk() {
        let p = plan(3, &[1, 1], true);
        assert_eq!(p.len(), 3);
        assert_eq!(
            p[2],
            Planned {
                chunk: Some(2),
                files: 0..2,
                buttons: true
            }
        );
        assert!(p[..2].iter().all(|m| !m.buttons && m.files.is_empty()));
    }

    #[test]
    fn plan_overflows_files_in_tens_and_handles_no_text() {
        let p = plan(1, &[1; 23], false);
        assert_eq!(
            p.iter().map(|m| m.files.clone()).collect::<Vec<_>>(),
            vec![0..10, 10..20, 20..23]
        );
        assert_eq!(
            plan(0, &[], true),
            vec![Planned {
                chunk: None,
                files: 0..0,
                buttons: true
            }]
        );
        assert!(plan(0, &[], false).is_empty());
    }

    #[test]
    fn plan_keeps_every_request_under_discords_25_mib() {
        const MIB: usize = 1024 * 1024;
        // Ten files of 10 MiB (the most an agent message can carry): three per request at most.
        let p = plan(1, &[10 * MIB; 10], false);
        for message in &p {
            let bytes: usize = message.files.clone().map(|_| 10 * MIB).sum();
            assert!(
                bytes <= FILE_BYTES_PER_MESSAGE,
                "{message:?} carries {bytes} bytes"
            );
        }
        assert_eq!(
            p.iter().map(|m| m.files.clone()).collect::<Vec<_>>(),
            vec![0..2, 2..4, 4..6, 6..8, 8..10]
        );
        // Small files still go ten at a time, and a file over the budget goes alone.
        let p = plan(0, &[MIB, MIB, 30 * MIB, MIB], false);
        assert_eq!(
            p.iter().map(|m| m.files.clone()).collect::<Vec<_>>(),
            vec![0..2, 2..3, 3..4]
        );
    }

    #[test]
    fn nonces_differ_per_chunk_and_from_neighbours() {
        assert_eq!(nonce_for(5, 0), 5);
        let a: Vec<u64> = (0..4).map(|i| nonce_for(5, i)).collect();
        let b: Vec<u64> = (0..4).map(|i| nonce_for(6, i)).collect();
        let mut all: Vec<u64> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 8);
    }

    #[test]
    fn bodies_never_allow_mentions() {
        let json = Body::text("@everyone hi").to_json().unwrap_or_default();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap_or_default();
        assert_eq!(v["allowed_mentions"], serde_json::json!({ "parse": [] }));
    }
}
