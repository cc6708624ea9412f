//! State changes shared by the REST handlers and the agent-side API. Each change that Twilio
//! reports by webhook queues its event while the store lock is still held (see `delivery`).

use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::clock::now_iso8601;
use crate::delivery::{ConversationEvent, Receipt};
use crate::error::ApiError;
use crate::events::FakeEvent;
use crate::form::FormParams;
use crate::model::{
    Conversation, ConversationState, EventSource, Flow, Interaction, InteractionOrigin,
    InteractionParticipant, Media, MediaRef, Message, Participant, ScopedWebhook,
    StateChangeReason, User, WebhookTarget,
};
use crate::shared::{Shared, Store};

/// Who performs a change, and whether Twilio would report it by webhook.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub(crate) source: EventSource,
    pub(crate) client_identity: Option<String>,
    /// REST calls fire webhooks only with `X-Twilio-Webhook-Enabled: true`; SDK and
    /// Flex-internal changes always do.
    pub(crate) fire: bool,
}

impl Actor {
    /// A REST client; `webhook_enabled` is the `X-Twilio-Webhook-Enabled` header.
    pub(crate) fn rest(webhook_enabled: bool) -> Self {
        Self {
            source: EventSource::Api,
            client_identity: None,
            fire: webhook_enabled,
        }
    }

    /// Twilio itself (Flex back end, timers): API-sourced, always reported.
    pub(crate) fn platform() -> Self {
        Self::rest(true)
    }

    /// A Conversations SDK client logged in as `identity` (the agent's Flex UI).
    pub(crate) fn sdk(identity: &str) -> Self {
        Self {
            source: EventSource::Sdk,
            client_identity: Some(identity.to_owned()),
            fire: true,
        }
    }
}

/// A message about to be added.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewMessage {
    pub(crate) author: Option<String>,
    pub(crate) body: Option<String>,
    pub(crate) attributes: Option<String>,
    pub(crate) media_sids: Vec<String>,
    /// `DateCreated` as posted (ISO 8601): a message written earlier than it is posted (a
    /// bridge catching up after an outage) keeps its own time.
    pub(crate) date_created: Option<String>,
}

fn conversation_path(key: &str) -> String {
    format!("/v1/Conversations/{key}")
}

fn resolve(store: &Store, key: &str) -> Result<String, ApiError> {
    store
        .conversation_key(key)
        .ok_or_else(|| ApiError::not_found(&conversation_path(key)))
}

fn conversation_mut<'a>(store: &'a mut Store, sid: &str) -> Result<&'a mut Conversation, ApiError> {
    store
        .conversations
        .get_mut(sid)
        .ok_or_else(|| ApiError::not_found(&conversation_path(sid)))
}

fn validate_json(name: &str, raw: &str) -> Result<(), ApiError> {
    serde_json::from_str::<Value>(raw)
        .map(|_| ())
        .map_err(|e| ApiError::bad_request(format!("Invalid JSON in {name}: {e}")))
}

impl Shared {
    fn publish_all(&self, events: Vec<FakeEvent>) {
        for event in events {
            self.publish(event);
        }
    }

    fn event(
        &self,
        store: &mut Store,
        event_type: &'static str,
        conversation_sid: &str,
        actor: &Actor,
        params: Vec<(String, String)>,
        message: Option<Message>,
    ) -> Option<Receipt> {
        if !actor.fire {
            return None;
        }
        let idempotency_token = store.sids.next("");
        let event = ConversationEvent {
            event_type,
            conversation_sid: conversation_sid.to_owned(),
            source: actor.source,
            client_identity: actor.client_identity.clone(),
            params,
            message,
            idempotency_token,
        };
        Some(self.enqueue(store, event))
    }

    pub(crate) fn create_conversation(&self, form: &FormParams) -> Result<Conversation, ApiError> {
        let state = match form.get("State") {
            Some(raw) => ConversationState::parse(raw)
                .ok_or_else(|| ApiError::bad_request(format!("Invalid State {raw}")))?,
            None => ConversationState::Active,
        };
        if let Some(raw) = form.get("Attributes") {
            validate_json("Attributes", raw)?;
        }
        let now = now_iso8601();
        let mut store = self.lock();
        if let Some(name) = form.get("UniqueName")
            && store
                .conversations
                .values()
                .any(|c| c.unique_name.as_deref() == Some(name))
        {
            return Err(ApiError::conflict(format!(
                "Conversation with unique name {name} already exists"
            )));
        }
        let sid = store.sids.next("CH");
        let conversation = Conversation {
            sid: sid.clone(),
            friendly_name: form.get("FriendlyName").map(str::to_owned),
            unique_name: form.get("UniqueName").map(str::to_owned),
            attributes: form.get("Attributes").unwrap_or("{}").to_owned(),
            state,
            timer_inactive: form.get("Timers.Inactive").map(str::to_owned),
            timer_closed: form.get("Timers.Closed").map(str::to_owned),
            date_created: now.clone(),
            date_updated: now,
            participants: Vec::new(),
            messages: Vec::new(),
            webhooks: Vec::new(),
        };
        store
            .conversations
            .insert(sid.clone(), conversation.clone());
        drop(store);
        self.publish(FakeEvent::ConversationCreated {
            conversation_sid: sid,
        });
        Ok(conversation)
    }

    pub(crate) fn update_conversation(
        &self,
        key: &str,
        form: &FormParams,
        actor: &Actor,
    ) -> Result<(Conversation, Option<Receipt>), ApiError> {
        let new_state = match form.get("State") {
            Some(raw) => Some(
                ConversationState::parse(raw)
                    .ok_or_else(|| ApiError::bad_request(format!("Invalid State {raw}")))?,
            ),
            None => None,
        };
        if let Some(raw) = form.get("Attributes") {
            validate_json("Attributes", raw)?;
        }
        let mut store = self.lock();
        let sid = resolve(&store, key)?;
        let conversation = conversation_mut(&mut store, &sid)?;
        if conversation.state == ConversationState::Closed
            && new_state.is_some_and(|s| s != ConversationState::Closed)
        {
            return Err(ApiError::conversation_closed(&sid));
        }
        if let Some(v) = form.get("FriendlyName") {
            conversation.friendly_name = Some(v.to_owned());
        }
        if let Some(v) = form.get("UniqueName") {
            conversation.unique_name = Some(v.to_owned());
        }
        if let Some(v) = form.get("Attributes") {
            v.clone_into(&mut conversation.attributes);
        }
        if let Some(v) = form.get("Timers.Inactive") {
            conversation.timer_inactive = Some(v.to_owned());
        }
        if let Some(v) = form.get("Timers.Closed") {
            conversation.timer_closed = Some(v.to_owned());
        }
        conversation.date_updated = now_iso8601();
        let mut events = Vec::new();
        let receipt = match new_state {
            Some(to) => self.change_state(
                &mut store,
                &sid,
                to,
                StateChangeReason::Api,
                actor,
                &mut events,
            ),
            None => None,
        };
        let snapshot = store.conversations.get(&sid).cloned();
        drop(store);
        self.publish_all(events);
        snapshot
            .map(|c| (c, receipt))
            .ok_or_else(|| ApiError::not_found(&conversation_path(&sid)))
    }

    /// Moves a conversation to `to`, reporting `onConversationStateUpdated` if it changed.
    fn change_state(
        &self,
        store: &mut Store,
        sid: &str,
        to: ConversationState,
        reason: StateChangeReason,
        actor: &Actor,
        events: &mut Vec<FakeEvent>,
    ) -> Option<Receipt> {
        let conversation = store.conversations.get_mut(sid)?;
        let from = conversation.state;
        if from == to {
            return None;
        }
        let now = now_iso8601();
        conversation.state = to;
        conversation.date_updated.clone_from(&now);
        events.push(FakeEvent::ConversationStateChanged {
            conversation_sid: sid.to_owned(),
            from,
            to,
        });
        let params = vec![
            ("StateFrom".to_owned(), from.as_str().to_owned()),
            ("StateTo".to_owned(), to.as_str().to_owned()),
            ("Reason".to_owned(), reason.as_str().to_owned()),
            ("StateUpdated".to_owned(), now),
            (
                "MessagingServiceSid".to_owned(),
                self.config.messaging_service_sid.clone(),
            ),
        ];
        self.event(
            store,
            "onConversationStateUpdated",
            sid,
            actor,
            params,
            None,
        )
    }

    /// Closes a conversation as Flex or a timer would (always reported, `Source=API`).
    pub(crate) fn close_conversation(
        &self,
        key: &str,
        reason: StateChangeReason,
    ) -> Result<Option<Receipt>, ApiError> {
        let mut store = self.lock();
        let sid = resolve(&store, key)?;
        let mut events = Vec::new();
        let receipt = self.change_state(
            &mut store,
            &sid,
            ConversationState::Closed,
            reason,
            &Actor::platform(),
            &mut events,
        );
        drop(store);
        self.publish_all(events);
        Ok(receipt)
    }

    pub(crate) fn delete_conversation(&self, key: &str) -> Result<(), ApiError> {
        let mut store = self.lock();
        let sid = resolve(&store, key)?;
        store.conversations.remove(&sid);
        store.last_events.remove(&sid);
        drop(store);
        self.changed.notify_waiters();
        Ok(())
    }

    pub(crate) fn add_participant(
        &self,
        key: &str,
        identity: Option<&str>,
        attributes: Option<&str>,
        actor: &Actor,
    ) -> Result<(Participant, Option<Receipt>), ApiError> {
        if let Some(raw) = attributes {
            validate_json("Attributes", raw)?;
        }
        let mut store = self.lock();
        let sid = resolve(&store, key)?;
        let participant_sid = store.sids.next("MB");
        let now = now_iso8601();
        let conversation = conversation_mut(&mut store, &sid)?;
        if conversation.state == ConversationState::Closed {
            return Err(ApiError::conversation_closed(&sid));
        }
        if let Some(identity) = identity
            && conversation.participant(identity).is_some()
        {
            return Err(ApiError::conflict(format!(
                "Participant with identity {identity} already exists"
            ))
            .with_code(50433));
        }
        let participant = Participant {
            sid: participant_sid,
            identity: identity.map(str::to_owned),
            attributes: attributes.unwrap_or("{}").to_owned(),
            date_created: now,
        };
        conversation.participants.push(participant.clone());
        if let Some(identity) = identity
            && !store.users.contains_key(identity)
        {
            let user = User {
                sid: store.sids.next("US"),
                identity: identity.to_owned(),
                friendly_name: None,
                attributes: "{}".to_owned(),
            };
            store.users.insert(identity.to_owned(), user);
        }
        let params = participant_params(&participant);
        let receipt = self.event(&mut store, "onParticipantAdded", &sid, actor, params, None);
        drop(store);
        self.publish(FakeEvent::ParticipantAdded {
            conversation_sid: sid,
            participant_sid: participant.sid.clone(),
            identity: participant.identity.clone(),
        });
        Ok((participant, receipt))
    }

    /// Removes the participant whose SID or identity is `who`.
    pub(crate) fn remove_participant(
        &self,
        key: &str,
        who: &str,
        actor: &Actor,
    ) -> Result<(Participant, Option<Receipt>), ApiError> {
        let mut store = self.lock();
        let sid = resolve(&store, key)?;
        let conversation = conversation_mut(&mut store, &sid)?;
        let position = conversation
            .participants
            .iter()
            .position(|p| p.sid == who || p.identity.as_deref() == Some(who))
            .ok_or_else(|| {
                ApiError::not_found(&format!("/v1/Conversations/{sid}/Participants/{who}"))
            })?;
        let participant = conversation.participants.remove(position);
        let params = participant_params(&participant);
        let receipt = self.event(
            &mut store,
            "onParticipantRemoved",
            &sid,
            actor,
            params,
            None,
        );
        drop(store);
        self.publish(FakeEvent::ParticipantRemoved {
            conversation_sid: sid,
            participant_sid: participant.sid.clone(),
            identity: participant.identity.clone(),
        });
        Ok((participant, receipt))
    }

    pub(crate) fn add_message(
        &self,
        key: &str,
        new: NewMessage,
        actor: &Actor,
    ) -> Result<(Message, Option<Receipt>), ApiError> {
        if let Some(raw) = &new.attributes {
            validate_json("Attributes", raw)?;
        }
        if new.body.is_none() && new.media_sids.is_empty() {
            return Err(ApiError::missing_parameter("Body"));
        }
        if let Some(raw) = &new.date_created
            && !crate::clock::is_iso8601_utc(raw)
        {
            return Err(ApiError::bad_request(format!(
                "DateCreated {raw:?} is not an ISO 8601 date-time"
            )));
        }
        let mut store = self.lock();
        let sid = resolve(&store, key)?;
        let media = new
            .media_sids
            .iter()
            .map(|media_sid| {
                store
                    .media
                    .get(media_sid)
                    .map(|m| MediaRef {
                        sid: m.sid.clone(),
                        filename: m.filename.clone(),
                        content_type: m.content_type.clone(),
                        size: m.bytes.len() as u64,
                    })
                    .ok_or_else(|| ApiError::bad_request(format!("Media {media_sid} not found")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let message_sid = store.sids.next("IM");
        let conversation = conversation_mut(&mut store, &sid)?;
        if conversation.state == ConversationState::Closed {
            return Err(ApiError::conversation_closed(&sid));
        }
        let author = new.author.unwrap_or_else(|| "system".to_owned());
        let participant_sid = conversation.participant(&author).map(|p| p.sid.clone());
        let message = Message {
            sid: message_sid,
            index: conversation.messages.len() as u64,
            author,
            body: new.body,
            attributes: new.attributes.unwrap_or_else(|| "{}".to_owned()),
            media,
            participant_sid,
            date_created: new.date_created.unwrap_or_else(now_iso8601),
            source: actor.source,
        };
        conversation.messages.push(message.clone());
        conversation.date_updated.clone_from(&message.date_created);
        let params = self.message_params(&message);
        let receipt = self.event(
            &mut store,
            "onMessageAdded",
            &sid,
            actor,
            params,
            Some(message.clone()),
        );
        drop(store);
        self.publish(FakeEvent::MessageAdded {
            conversation_sid: sid,
            message: message.clone(),
        });
        Ok((message, receipt))
    }

    fn message_params(&self, message: &Message) -> Vec<(String, String)> {
        let mut params = vec![
            ("MessageSid".to_owned(), message.sid.clone()),
            ("Index".to_owned(), message.index.to_string()),
            ("Author".to_owned(), message.author.clone()),
            ("Attributes".to_owned(), message.attributes.clone()),
            ("DateCreated".to_owned(), message.date_created.clone()),
            (
                "MessagingServiceSid".to_owned(),
                self.config.messaging_service_sid.clone(),
            ),
        ];
        if let Some(body) = &message.body {
            params.push(("Body".to_owned(), body.clone()));
        }
        if let Some(participant_sid) = &message.participant_sid {
            params.push(("ParticipantSid".to_owned(), participant_sid.clone()));
        }
        if !message.media.is_empty() {
            let media: Vec<Value> = message
                .media
                .iter()
                .map(|m| {
                    json!({
                        "Sid": m.sid,
                        "Filename": m.filename,
                        "ContentType": m.content_type,
                        "Size": m.size,
                    })
                })
                .collect();
            params.push(("Media".to_owned(), Value::Array(media).to_string()));
        }
        params
    }

    pub(crate) fn add_webhook(
        &self,
        key: &str,
        form: &FormParams,
    ) -> Result<ScopedWebhook, ApiError> {
        let target = match form.require("Target")? {
            "webhook" => WebhookTarget::Webhook,
            "studio" => WebhookTarget::Studio,
            "trigger" => WebhookTarget::Trigger,
            other => return Err(ApiError::bad_request(format!("Invalid Target {other}"))),
        };
        let url = form.get("Configuration.Url").map(str::to_owned);
        let flow_sid = form.get("Configuration.FlowSid").map(str::to_owned);
        match target {
            WebhookTarget::Webhook | WebhookTarget::Trigger if url.is_none() => {
                return Err(ApiError::missing_parameter("Configuration.Url"));
            }
            WebhookTarget::Studio if flow_sid.is_none() => {
                return Err(ApiError::missing_parameter("Configuration.FlowSid"));
            }
            _ => {}
        }
        let method = form
            .get("Configuration.Method")
            .unwrap_or("POST")
            .to_ascii_uppercase();
        if method != "POST" && method != "GET" {
            return Err(ApiError::bad_request(format!(
                "Invalid Configuration.Method {method}"
            )));
        }
        let mut store = self.lock();
        let sid = resolve(&store, key)?;
        let webhook = ScopedWebhook {
            sid: store.sids.next("WH"),
            target,
            url,
            method,
            filters: form.get_all("Configuration.Filters"),
            triggers: form.get_all("Configuration.Triggers"),
            flow_sid,
            date_created: now_iso8601(),
        };
        conversation_mut(&mut store, &sid)?
            .webhooks
            .push(webhook.clone());
        drop(store);
        self.changed.notify_waiters();
        Ok(webhook)
    }

    pub(crate) fn delete_webhook(&self, key: &str, webhook_sid: &str) -> Result<(), ApiError> {
        let mut store = self.lock();
        let sid = resolve(&store, key)?;
        let conversation = conversation_mut(&mut store, &sid)?;
        let before = conversation.webhooks.len();
        conversation.webhooks.retain(|w| w.sid != webhook_sid);
        if conversation.webhooks.len() == before {
            return Err(ApiError::not_found(&format!(
                "/v1/Conversations/{sid}/Webhooks/{webhook_sid}"
            )));
        }
        drop(store);
        self.changed.notify_waiters();
        Ok(())
    }

    pub(crate) fn update_user(
        &self,
        sid_or_identity: &str,
        form: &FormParams,
    ) -> Result<User, ApiError> {
        if let Some(raw) = form.get("Attributes") {
            validate_json("Attributes", raw)?;
        }
        let mut store = self.lock();
        let user = store
            .users
            .values_mut()
            .find(|u| u.sid == sid_or_identity || u.identity == sid_or_identity)
            .ok_or_else(|| ApiError::not_found(&format!("/v1/Users/{sid_or_identity}")))?;
        if let Some(v) = form.get("FriendlyName") {
            user.friendly_name = Some(v.to_owned());
        }
        if let Some(v) = form.get("Attributes") {
            v.clone_into(&mut user.attributes);
        }
        let user = user.clone();
        drop(store);
        self.changed.notify_waiters();
        Ok(user)
    }

    pub(crate) fn create_interaction(
        &self,
        channel: Value,
        routing: Value,
        origin: InteractionOrigin,
    ) -> Result<Interaction, ApiError> {
        let conversation_sid = channel
            .pointer("/properties/media_channel_sid")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut store = self.lock();
        let participants = match &conversation_sid {
            Some(sid) => store
                .conversations
                .get(sid)
                .ok_or_else(|| ApiError::not_found(&conversation_path(sid)))?
                .participants
                .clone(),
            None => Vec::new(),
        };
        let customers = participants
            .into_iter()
            .map(|p| InteractionParticipant {
                sid: store.sids.next("UT"),
                kind: "customer".to_owned(),
                identity: p.identity,
                status: None,
            })
            .collect();
        let error_code = (!store.failing_setups.is_empty()).then(|| store.failing_setups.remove(0));
        let interaction = Interaction {
            sid: store.sids.next("KD"),
            channel_sid: store.sids.next("UO"),
            channel,
            routing,
            channel_status: if error_code.is_some() {
                "failed"
            } else {
                "active"
            }
            .to_owned(),
            error_code,
            conversation_sid: conversation_sid.clone(),
            participants: customers,
            origin,
        };
        store
            .interactions
            .insert(interaction.sid.clone(), interaction.clone());
        drop(store);
        self.publish(FakeEvent::InteractionCreated {
            interaction_sid: interaction.sid.clone(),
            conversation_sid,
        });
        Ok(interaction)
    }

    /// What Studio's Send to Flex widget does for a conversation: create an inbound chat
    /// interaction whose task attributes are the widget's (`attributes`, already rendered),
    /// with `channelType`, `customerAddress`, `from`, `name` and `customerName` added when the
    /// widget left them out, as Studio does for Conversations — from the message's author,
    /// which is the customer's identity (`discord:<id>`), not a name.
    pub(crate) fn send_to_flex(
        &self,
        conversation_sid: &str,
        author: &str,
        mut attributes: Map<String, Value>,
    ) -> Result<Interaction, ApiError> {
        if !self.lock().conversations.contains_key(conversation_sid) {
            return Err(ApiError::not_found(&conversation_path(conversation_sid)));
        }
        for (key, value) in [
            ("channelType", "chat"),
            ("from", author),
            ("name", author),
            ("customerName", author),
            ("customerAddress", author),
            ("conversationSid", conversation_sid),
        ] {
            attributes
                .entry(key)
                .or_insert_with(|| Value::String(value.to_owned()));
        }
        let studio = &self.config.studio;
        let channel = json!({
            "type": "chat",
            "initiated_by": "customer",
            "properties": { "media_channel_sid": conversation_sid },
        });
        let routing = json!({
            "properties": {
                "workspace_sid": studio.workspace_sid,
                "workflow_sid": studio.workflow_sid,
                "task_channel_unique_name": studio.task_channel,
                "attributes": Value::Object(attributes),
            }
        });
        self.create_interaction(channel, routing, InteractionOrigin::Studio)
    }

    /// Records `identity` as an agent participant of the open interaction for the conversation.
    pub(crate) fn join_interaction(&self, conversation_sid: &str, identity: &str) {
        let mut store = self.lock();
        let ut = store.sids.next("UT");
        let interaction_sid = store
            .interactions
            .values_mut()
            .find(|i| {
                i.conversation_sid.as_deref() == Some(conversation_sid)
                    && i.channel_status != "closed"
                    && i.channel_status != "failed"
            })
            .map(|interaction| {
                interaction.participants.push(InteractionParticipant {
                    sid: ut,
                    kind: "agent".to_owned(),
                    identity: Some(identity.to_owned()),
                    status: None,
                });
                interaction.sid.clone()
            });
        drop(store);
        if let Some(interaction_sid) = interaction_sid {
            self.publish(FakeEvent::InteractionUpdated { interaction_sid });
        }
    }

    /// `POST /v1/Interactions/{KD}/Channels/{UO}`. Closing the channel closes the conversation
    /// too (Flex ends the chat), which is reported to the conversation's webhooks.
    pub(crate) fn update_interaction_channel(
        &self,
        interaction_sid: &str,
        channel_sid: &str,
        form: &FormParams,
    ) -> Result<Interaction, ApiError> {
        let status = form.require("Status")?.to_owned();
        if !matches!(status.as_str(), "closed" | "inactive" | "active") {
            return Err(ApiError::bad_request(format!("Invalid Status {status}")));
        }
        if let Some(raw) = form.get("Routing") {
            validate_json("Routing", raw)?;
        }
        let mut store = self.lock();
        let interaction = store
            .interactions
            .get_mut(interaction_sid)
            .filter(|i| i.channel_sid == channel_sid)
            .ok_or_else(|| {
                ApiError::not_found(&format!(
                    "/v1/Interactions/{interaction_sid}/Channels/{channel_sid}"
                ))
            })?;
        interaction.channel_status.clone_from(&status);
        let snapshot = interaction.clone();
        let mut events = vec![FakeEvent::InteractionUpdated {
            interaction_sid: interaction_sid.to_owned(),
        }];
        if status == "closed"
            && let Some(conversation_sid) = &snapshot.conversation_sid
        {
            // Fire-and-forget like Twilio: the REST answer does not wait for webhooks.
            let _ = self.change_state(
                &mut store,
                conversation_sid,
                ConversationState::Closed,
                StateChangeReason::Api,
                &Actor::platform(),
                &mut events,
            );
        }
        drop(store);
        self.publish_all(events);
        Ok(snapshot)
    }

    /// `POST /v1/Interactions/{KD}/Channels/{UO}/Participants/{UT}`: records the status.
    pub(crate) fn update_interaction_participant(
        &self,
        interaction_sid: &str,
        channel_sid: &str,
        participant_sid: &str,
        form: &FormParams,
    ) -> Result<(Interaction, InteractionParticipant), ApiError> {
        let status = form.require("Status")?.to_owned();
        let not_found = || {
            ApiError::not_found(&format!(
                "/v1/Interactions/{interaction_sid}/Channels/{channel_sid}/Participants/{participant_sid}"
            ))
        };
        let mut store = self.lock();
        let interaction = store
            .interactions
            .get_mut(interaction_sid)
            .filter(|i| i.channel_sid == channel_sid)
            .ok_or_else(not_found)?;
        let participant = interaction
            .participants
            .iter_mut()
            .find(|p| p.sid == participant_sid)
            .ok_or_else(not_found)?;
        participant.status = Some(status);
        let participant = participant.clone();
        let snapshot = interaction.clone();
        drop(store);
        self.publish(FakeEvent::InteractionUpdated {
            interaction_sid: interaction_sid.to_owned(),
        });
        Ok((snapshot, participant))
    }

    pub(crate) fn upload_media(
        &self,
        service_sid: &str,
        content_type: &str,
        filename: Option<String>,
        bytes: Bytes,
    ) -> Media {
        let mut store = self.lock();
        let media = Media {
            sid: store.sids.next("ME"),
            service_sid: service_sid.to_owned(),
            content_type: content_type.to_owned(),
            filename,
            bytes,
            date_created: now_iso8601(),
        };
        store.media.insert(media.sid.clone(), media.clone());
        drop(store);
        self.publish(FakeEvent::MediaUploaded {
            media_sid: media.sid.clone(),
        });
        media
    }

    /// `POST /v2/Flows` (no `existing`) or `POST /v2/Flows/{FW}`.
    pub(crate) fn save_flow(
        &self,
        existing: Option<&str>,
        form: &FormParams,
    ) -> Result<Flow, ApiError> {
        let status = form.require("Status")?.to_owned();
        if status != "draft" && status != "published" {
            return Err(ApiError::bad_request(format!("Invalid Status {status}")));
        }
        let definition = form
            .get("Definition")
            .map(|raw| {
                serde_json::from_str::<Value>(raw)
                    .map_err(|e| ApiError::bad_request(format!("Invalid JSON in Definition: {e}")))
            })
            .transpose()?;
        let now = now_iso8601();
        let mut store = self.lock();
        let flow = match existing {
            None => {
                let friendly_name = form.require("FriendlyName")?.to_owned();
                let definition =
                    definition.ok_or_else(|| ApiError::missing_parameter("Definition"))?;
                Flow {
                    sid: store.sids.next("FW"),
                    friendly_name,
                    status,
                    definition,
                    commit_message: form.get("CommitMessage").map(str::to_owned),
                    revision: 1,
                    date_created: now.clone(),
                    date_updated: now,
                }
            }
            Some(sid) => {
                let mut flow = store
                    .flows
                    .get(sid)
                    .cloned()
                    .ok_or_else(|| ApiError::not_found(&format!("/v2/Flows/{sid}")))?;
                flow.status = status;
                if let Some(name) = form.get("FriendlyName") {
                    name.clone_into(&mut flow.friendly_name);
                }
                if let Some(definition) = definition {
                    flow.definition = definition;
                }
                flow.commit_message = form.get("CommitMessage").map(str::to_owned);
                flow.revision += 1;
                flow.date_updated = now;
                flow
            }
        };
        store.flows.insert(flow.sid.clone(), flow.clone());
        drop(store);
        self.publish(FakeEvent::FlowSaved {
            flow_sid: flow.sid.clone(),
        });
        Ok(flow)
    }
}

fn participant_params(participant: &Participant) -> Vec<(String, String)> {
    let mut params = vec![
        ("ParticipantSid".to_owned(), participant.sid.clone()),
        ("Attributes".to_owned(), participant.attributes.clone()),
        ("DateCreated".to_owned(), participant.date_created.clone()),
    ];
    if let Some(identity) = &participant.identity {
        params.push(("Identity".to_owned(), identity.clone()));
    }
    params
}
