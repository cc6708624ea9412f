//! JSON bodies in the shapes of Twilio's OpenAPI specs (`conversations.v1.*`, `flex.v1.*`,
//! `studio.v2.flow`), with URLs pointing at the fake.

use serde_json::{Value, json};

use crate::form::FormParams;
use crate::model::{
    Conversation, Flow, Interaction, InteractionParticipant, Media, Message, Participant,
    ScopedWebhook, User,
};
use crate::shared::Shared;

/// Default and maximum page sizes of Twilio list endpoints.
const DEFAULT_PAGE_SIZE: usize = 50;

/// Parses a JSON string attribute for embedding; Twilio returns attributes as strings, so this
/// is only used where the spec has objects (Flex routing).
fn as_json(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or(Value::String(raw.to_owned()))
}

impl Shared {
    pub(crate) fn conversation_json(&self, c: &Conversation) -> Value {
        let url = self.url(&format!("/v1/Conversations/{}", c.sid));
        json!({
            "account_sid": self.config.account_sid,
            "chat_service_sid": self.config.chat_service_sid,
            "messaging_service_sid": self.config.messaging_service_sid,
            "sid": c.sid,
            "friendly_name": c.friendly_name,
            "unique_name": c.unique_name,
            "attributes": c.attributes,
            "state": c.state.as_str(),
            "date_created": c.date_created,
            "date_updated": c.date_updated,
            "timers": { "date_inactive": Value::Null, "date_closed": Value::Null,
                        "inactive": c.timer_inactive, "closed": c.timer_closed },
            "url": url,
            "links": {
                "participants": format!("{url}/Participants"),
                "messages": format!("{url}/Messages"),
                "webhooks": format!("{url}/Webhooks"),
            },
            "bindings": Value::Null,
        })
    }

    pub(crate) fn participant_json(&self, conversation_sid: &str, p: &Participant) -> Value {
        json!({
            "account_sid": self.config.account_sid,
            "conversation_sid": conversation_sid,
            "sid": p.sid,
            "identity": p.identity,
            "attributes": p.attributes,
            "messaging_binding": Value::Null,
            "role_sid": Value::Null,
            "date_created": p.date_created,
            "date_updated": p.date_created,
            "url": self.url(&format!("/v1/Conversations/{conversation_sid}/Participants/{}", p.sid)),
            "last_read_message_index": Value::Null,
            "last_read_timestamp": Value::Null,
        })
    }

    pub(crate) fn message_json(&self, conversation_sid: &str, m: &Message) -> Value {
        let url = self.url(&format!(
            "/v1/Conversations/{conversation_sid}/Messages/{}",
            m.sid
        ));
        let media: Option<Vec<Value>> = (!m.media.is_empty()).then(|| {
            m.media
                .iter()
                .map(|r| {
                    json!({
                        "sid": r.sid,
                        "content_type": r.content_type,
                        "filename": r.filename,
                        "size": r.size,
                        "category": "media",
                    })
                })
                .collect()
        });
        json!({
            "account_sid": self.config.account_sid,
            "conversation_sid": conversation_sid,
            "sid": m.sid,
            "index": m.index,
            "author": m.author,
            "body": m.body,
            "media": media,
            "attributes": m.attributes,
            "participant_sid": m.participant_sid,
            "date_created": m.date_created,
            "date_updated": m.date_created,
            "url": url,
            "delivery": Value::Null,
            "links": {
                "delivery_receipts": format!("{url}/Receipts"),
                "channel_metadata": format!("{url}/ChannelMetadata"),
            },
            "content_sid": Value::Null,
        })
    }

    pub(crate) fn webhook_json(&self, conversation_sid: &str, w: &ScopedWebhook) -> Value {
        json!({
            "sid": w.sid,
            "account_sid": self.config.account_sid,
            "conversation_sid": conversation_sid,
            "target": w.target.as_str(),
            "url": self.url(&format!("/v1/Conversations/{conversation_sid}/Webhooks/{}", w.sid)),
            "configuration": {
                "url": w.url,
                "method": w.method,
                "filters": w.filters,
                "triggers": w.triggers,
                "flow_sid": w.flow_sid,
            },
            "date_created": w.date_created,
            "date_updated": w.date_created,
        })
    }

    pub(crate) fn participant_conversation_json(&self, c: &Conversation, p: &Participant) -> Value {
        json!({
            "account_sid": self.config.account_sid,
            "chat_service_sid": self.config.chat_service_sid,
            "participant_sid": p.sid,
            "participant_user_sid": Value::Null,
            "participant_identity": p.identity,
            "participant_messaging_binding": Value::Null,
            "conversation_sid": c.sid,
            "conversation_unique_name": c.unique_name,
            "conversation_friendly_name": c.friendly_name,
            "conversation_attributes": c.attributes,
            "conversation_date_created": c.date_created,
            "conversation_date_updated": c.date_updated,
            "conversation_created_by": "system",
            "conversation_state": c.state.as_str(),
            "conversation_timers": { "inactive": c.timer_inactive, "closed": c.timer_closed },
            "links": {
                "participant": self.url(&format!("/v1/Conversations/{}/Participants/{}", c.sid, p.sid)),
                "conversation": self.url(&format!("/v1/Conversations/{}", c.sid)),
            },
        })
    }

    pub(crate) fn user_json(&self, u: &User) -> Value {
        json!({
            "sid": u.sid,
            "account_sid": self.config.account_sid,
            "chat_service_sid": self.config.chat_service_sid,
            "role_sid": Value::Null,
            "identity": u.identity,
            "friendly_name": u.friendly_name,
            "attributes": u.attributes,
            "is_online": Value::Null,
            "is_notifiable": Value::Null,
            "url": self.url(&format!("/v1/Users/{}", u.sid)),
        })
    }

    pub(crate) fn interaction_json(&self, i: &Interaction) -> Value {
        let url = self.url(&format!("/v1/Interactions/{}", i.sid));
        let mut channel = i.channel.clone();
        if let Value::Object(map) = &mut channel {
            map.insert("sid".to_owned(), Value::String(i.channel_sid.clone()));
        }
        json!({
            "sid": i.sid,
            "channel": channel,
            "routing": i.routing,
            "url": url,
            "links": { "channels": format!("{url}/Channels") },
            "interaction_context_sid": Value::Null,
            "webhook_ttid": Value::Null,
        })
    }

    pub(crate) fn interaction_channel_json(&self, i: &Interaction) -> Value {
        let url = self.url(&format!(
            "/v1/Interactions/{}/Channels/{}",
            i.sid, i.channel_sid
        ));
        json!({
            "sid": i.channel_sid,
            "interaction_sid": i.sid,
            "type": i.channel.get("type").cloned().unwrap_or(Value::Null),
            "status": i.channel_status,
            "error_code": i.error_code,
            "error_message": i.error_code.map(|_| "Interaction channel set-up failed"),
            "url": url,
            "links": {
                "participants": format!("{url}/Participants"),
                "invites": format!("{url}/Invites"),
                "transfers": format!("{url}/Transfers"),
            },
        })
    }

    pub(crate) fn interaction_participant_json(
        &self,
        i: &Interaction,
        p: &InteractionParticipant,
    ) -> Value {
        json!({
            "sid": p.sid,
            "type": p.kind,
            "interaction_sid": i.sid,
            "channel_sid": i.channel_sid,
            "url": self.url(&format!(
                "/v1/Interactions/{}/Channels/{}/Participants/{}", i.sid, i.channel_sid, p.sid
            )),
            "routing_properties": Value::Null,
        })
    }

    pub(crate) fn flow_json(&self, f: &Flow) -> Value {
        let url = self.url(&format!("/v2/Flows/{}", f.sid));
        json!({
            "sid": f.sid,
            "account_sid": self.config.account_sid,
            "author_sid": Value::Null,
            "friendly_name": f.friendly_name,
            "definition": f.definition,
            "status": f.status,
            "revision": f.revision,
            "commit_message": f.commit_message,
            "valid": true,
            "errors": [],
            "warnings": [],
            "date_created": f.date_created,
            "date_updated": f.date_updated,
            "webhook_url": format!(
                "{}/v1/Accounts/{}/Flows/{}", self.base_url, self.config.account_sid, f.sid
            ),
            "url": url,
            "links": {
                "test_users": format!("{url}/TestUsers"),
                "revisions": format!("{url}/Revisions"),
                "executions": format!("{url}/Executions"),
            },
        })
    }

    pub(crate) fn media_json(&self, m: &Media) -> Value {
        let url = self.url(&format!("/v1/Services/{}/Media/{}", m.service_sid, m.sid));
        json!({
            "sid": m.sid,
            "account_sid": self.config.account_sid,
            "service_sid": m.service_sid,
            "date_created": m.date_created,
            "date_upload_updated": m.date_created,
            "date_updated": m.date_created,
            "size": m.bytes.len(),
            "content_type": m.content_type,
            "filename": m.filename,
            "author": "system",
            "category": "media",
            "message_sid": Value::Null,
            "channel_sid": Value::Null,
            "url": url,
            "links": {
                "content": format!("{url}/Content"),
                "content_direct_temporary": self.url(&format!("/media/{}/content", m.sid)),
            },
        })
    }

    /// Slices `items` into the page the query asks for and builds Twilio's `meta` object.
    /// Paging is by `Page` (0-based) and `PageSize`; `PageToken` is accepted and ignored.
    pub(crate) fn page<T: Clone>(
        &self,
        items: &[T],
        query: &FormParams,
        path: &str,
        key: &str,
        max_page_size: usize,
    ) -> (Vec<T>, Value) {
        let page_size = query
            .get("PageSize")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, max_page_size);
        let page = query
            .get("Page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let start = page.saturating_mul(page_size).min(items.len());
        let end = start.saturating_add(page_size).min(items.len());
        let page_url = |n: usize| {
            let mut params: Vec<(&str, String)> = query
                .0
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "Page" | "PageSize" | "PageToken"))
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            params.push(("PageSize", page_size.to_string()));
            params.push(("Page", n.to_string()));
            if n > 0 {
                params.push(("PageToken", format!("PT{n}")));
            }
            let encoded = serde_urlencoded::to_string(&params).unwrap_or_default();
            self.url(&format!("{path}?{encoded}"))
        };
        let meta = json!({
            "page": page,
            "page_size": page_size,
            "first_page_url": page_url(0),
            "previous_page_url": (page > 0).then(|| page_url(page - 1)),
            "url": page_url(page),
            "next_page_url": (end < items.len()).then(|| page_url(page + 1)),
            "key": key,
        });
        (items[start..end].to_vec(), meta)
    }
}

/// Routing as stored from a form value: parsed JSON when it parses, the raw string otherwise.
pub(crate) fn parse_json_param(raw: &str) -> Value {
    as_json(raw)
}
