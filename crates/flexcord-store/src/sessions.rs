//! Sessions as rows: reading them by user, DM channel or conversation, and the atomic
//! [`Commit`] (dedupe key, versioned session save, outbox inserts in one transaction).

use flexcord_core::ids::{
    CaseId, ChannelId, ConversationSid, InteractionChannelSid, InteractionSid, UserId,
};
use flexcord_core::limits::Usage;
use flexcord_core::ports::{Commit, CommitOutcome, StoreError};
use flexcord_core::session::{InteractionRef, Session, SessionState, TranscriptLine};

use sqlx::PgPool;

use crate::codec::{now_ms, snowflake_from_sql, snowflake_to_sql};
use crate::error::store_error;
use crate::store::{Pool, SqlParam, Store, on_pool};

const SESSION_COLUMNS: &str = "user_id, user_name, dm_channel, state, conversation_sid, \
    interaction_sid, interaction_channel_sid, case_id, agent_name, transcript, version, locale, \
    limit_usage";

/// A `sessions` row, before its values are checked.
#[derive(Debug, sqlx::FromRow)]
struct SessionRow {
    user_id: i64,
    user_name: String,
    dm_channel: i64,
    state: String,
    conversation_sid: Option<String>,
    interaction_sid: Option<String>,
    interaction_channel_sid: Option<String>,
    case_id: Option<i64>,
    agent_name: Option<String>,
    transcript: String,
    version: i64,
    locale: Option<String>,
    limit_usage: String,
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

fn parse_state(value: &str) -> Result<SessionState, StoreError> {
    [
        SessionState::Bot,
        SessionState::AwaitingAgent,
        SessionState::WithAgent,
        SessionState::Ended,
    ]
    .into_iter()
    .find(|s| s.as_str() == value)
    .ok_or_else(|| corrupt("session state", format_args!("{value:?}")))
}

impl SessionRow {
    fn into_session(self) -> Result<Session, StoreError> {
        let interaction = match (self.interaction_sid, self.interaction_channel_sid) {
            (Some(interaction), Some(channel)) => Some(InteractionRef {
                interaction: InteractionSid::parse(&interaction)
                    .map_err(|e| corrupt("interaction", e))?,
                channel: InteractionChannelSid::parse(&channel)
                    .map_err(|e| corrupt("interaction channel", e))?,
            }),
            (None, None) => None,
            _ => {
                return Err(corrupt(
                    "interaction",
                    "sid without channel or channel without sid",
                ));
            }
        };
        let transcript: Vec<TranscriptLine> =
            serde_json::from_str(&self.transcript).map_err(|e| corrupt("transcript", e))?;
        Ok(Session {
            user: UserId(snowflake_from_sql(self.user_id)),
            user_name: self.user_name,
            dm_channel: ChannelId(snowflake_from_sql(self.dm_channel)),
            state: parse_state(&self.state)?,
            conversation: self
                .conversation_sid
                .map(|sid| ConversationSid::parse(&sid))
                .transpose()
                .map_err(|e| corrupt("conversation", e))?,
            interaction,
            case_id: self
                .case_id
                .map(|id| u64::try_from(id).map(CaseId))
                .transpose()
                .map_err(|e| corrupt("case id", e))?,
            agent_name: self.agent_name,
            transcript,
            locale: self.locale,
            usage: decode_usage(&self.limit_usage)?,
            version: u64::try_from(self.version).map_err(|e| corrupt("version", e))?,
        })
    }
}

/// A session's limit usage; '' (the column's default) is nothing used.
fn decode_usage(text: &str) -> Result<Usage, StoreError> {
    if text.is_empty() {
        return Ok(Usage::default());
    }
    serde_json::from_str(text).map_err(|e| corrupt("limit usage", e))
}

/// The stored form of a usage: '' when nothing is used, so most rows carry nothing.
fn encode_usage(usage: &Usage) -> Result<String, StoreError> {
    if usage.windows.is_empty() {
        return Ok(String::new());
    }
    serde_json::to_string(usage).map_err(|e| corrupt("limit usage not encodable", e))
}

/// Writes a session that is not in the table yet; nothing when another writer got there first.
const INSERT_SESSION: &str = "INSERT INTO sessions (user_id, user_name, dm_channel, state, \
     conversation_sid, interaction_sid, interaction_channel_sid, case_id, agent_name, \
     transcript, version, updated_at, limit_usage, locale) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $13) \
     ON CONFLICT (user_id) DO NOTHING";

/// Overwrites a session if it is still at version $13; nothing when it moved on.
const UPDATE_SESSION: &str = "UPDATE sessions SET user_name = $2, dm_channel = $3, state = $4, \
     conversation_sid = $5, interaction_sid = $6, interaction_channel_sid = $7, case_id = $8, \
     agent_name = $9, transcript = $10, version = version + 1, updated_at = $11, \
     limit_usage = $12, locale = $14 WHERE user_id = $1 AND version = $13";

impl Store {
    /// The first session matching `column = $1` (most recently updated first, should a channel
    /// or conversation ever appear twice).
    pub(crate) async fn session_where(
        &self,
        column: &'static str,
        value: impl SqlParam,
    ) -> Result<Option<Session>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE {column} = $1 \
             ORDER BY updated_at DESC LIMIT 1"
        );
        let row: Option<SessionRow> = on_pool!(&self.pool, |p| {
            sqlx::query_as(&sql)
                .bind(value.clone())
                .fetch_optional(p)
                .await
        })
        .map_err(store_error)?;
        row.map(SessionRow::into_session).transpose()
    }

    /// Keeps a session just read in the cache (when there is one) and returns it.
    fn remember(&self, found: Option<Session>) -> Option<Session> {
        if let (Some(cache), Some(s)) = (&self.sessions, &found) {
            cache.put(s.clone());
        }
        found
    }

    pub(crate) async fn session_by_user(
        &self,
        user: UserId,
    ) -> Result<Option<Session>, StoreError> {
        if let Some(hit) = self.sessions.as_ref().and_then(|c| c.by_user(user)) {
            return Ok(Some(hit));
        }
        let found = self
            .session_where("user_id", snowflake_to_sql(user.get()))
            .await?;
        Ok(self.remember(found))
    }

    pub(crate) async fn session_by_dm(
        &self,
        channel: ChannelId,
    ) -> Result<Option<Session>, StoreError> {
        if let Some(hit) = self.sessions.as_ref().and_then(|c| c.by_channel(channel)) {
            return Ok(Some(hit));
        }
        let found = self
            .session_where("dm_channel", snowflake_to_sql(channel.get()))
            .await?;
        Ok(self.remember(found))
    }

    pub(crate) async fn session_by_conv(
        &self,
        conversation: &ConversationSid,
    ) -> Result<Option<Session>, StoreError> {
        if let Some(hit) = self
            .sessions
            .as_ref()
            .and_then(|c| c.by_conversation(conversation.as_str()))
        {
            return Ok(Some(hit));
        }
        let found = self
            .session_where("conversation_sid", conversation.as_str().to_owned())
            .await?;
        Ok(self.remember(found))
    }

    /// Writes `commit` atomically: on SQLite as one script (see `sqlite_commit`), on
    /// PostgreSQL as a transaction of single statements.
    pub(crate) async fn write_commit(&self, commit: &Commit) -> Result<CommitOutcome, StoreError> {
        // Encode everything before touching the database: nothing can fail half-way for a
        // reason unrelated to the database.
        let encoded = EncodedCommit::new(commit)?;
        let result = match &self.pool {
            Pool::Sqlite(p) => self.commit_sqlite(p, commit, encoded).await,
            Pool::Postgres(p) => commit_postgres(p, commit.dedupe_key.as_deref(), &encoded).await,
        };
        // Whether input can be recorded: what `/readyz` reports (see `health`).
        self.note_write(&result);
        result
    }
}

/// A commit as column values.
#[derive(Debug)]
pub(crate) struct EncodedCommit {
    pub(crate) session: Option<EncodedSession>,
    /// `(ordering key, payload)` per outbox entry, in order.
    pub(crate) outbox: Vec<(String, String)>,
    /// Milliseconds since the epoch: `created_at`, `updated_at`, `due_at`.
    pub(crate) now: i64,
}

impl EncodedCommit {
    fn new(commit: &Commit) -> Result<Self, StoreError> {
        Ok(Self {
            session: commit
                .session
                .as_ref()
                .map(EncodedSession::new)
                .transpose()?,
            outbox: commit
                .outbox
                .iter()
                .map(|m| {
                    serde_json::to_string(m)
                        .map(|payload| (m.ordering_key(), payload))
                        .map_err(|e| corrupt("outbox message not encodable", e))
                })
                .collect::<Result<_, _>>()?,
            now: now_ms(),
        })
    }
}

async fn commit_postgres(
    p: &PgPool,
    dedupe_key: Option<&str>,
    commit: &EncodedCommit,
) -> Result<CommitOutcome, StoreError> {
    let now = commit.now;
    let mut tx = p.begin().await.map_err(store_error)?;
    if let Some(key) = dedupe_key {
        let inserted = sqlx::query(
            "INSERT INTO processed_events (key, created_at) VALUES ($1, $2) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected();
        if inserted == 0 {
            // Dropping `tx` rolls back; nothing was written anyway.
            return Ok(CommitOutcome::Duplicate);
        }
    }

    let mut session_version = None;
    if let Some(s) = &commit.session {
        // A new session is inserted (losing to a concurrent insert), a known one updated only
        // at the version it was read at. Both take the same values as $1..$12.
        let (sql, expected_version) = if s.expected_version == 0 {
            (INSERT_SESSION, None)
        } else {
            (UPDATE_SESSION, Some(s.expected_version))
        };
        let mut query = sqlx::query(sql)
            .bind(s.user_id)
            .bind(&s.user_name)
            .bind(s.dm_channel)
            .bind(s.state)
            .bind(&s.conversation_sid)
            .bind(&s.interaction_sid)
            .bind(&s.interaction_channel_sid)
            .bind(s.case_id)
            .bind(&s.agent_name)
            .bind(&s.transcript)
            .bind(now);
        query = query.bind(&s.limit_usage);
        if let Some(version) = expected_version {
            query = query.bind(version);
        }
        // The locale comes last: $13 of the insert, $14 of the update.
        query = query.bind(&s.locale);
        let written = query
            .execute(&mut *tx)
            .await
            .map_err(store_error)?
            .rows_affected();
        if written == 0 {
            // Rolls back the dedupe key too: the event will be decided again.
            return Err(StoreError::Conflict);
        }
        session_version = Some(s.new_version);
    }

    let mut outbox_ids = Vec::with_capacity(commit.outbox.len());
    for (ordering_key, payload) in &commit.outbox {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (ordering_key, payload, state, created_at, due_at, attempts) \
             VALUES ($1, $2, 'pending', $3, $3, 0) RETURNING id",
        )
        .bind(ordering_key)
        .bind(payload)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        outbox_ids.push(id);
    }
    tx.commit().await.map_err(store_error)?;
    Ok(CommitOutcome::Committed {
        session_version,
        outbox_ids,
    })
}

/// A session as column values.
#[derive(Debug)]
pub(crate) struct EncodedSession {
    pub(crate) user_id: i64,
    pub(crate) user_name: String,
    pub(crate) dm_channel: i64,
    pub(crate) state: &'static str,
    pub(crate) conversation_sid: Option<String>,
    pub(crate) interaction_sid: Option<String>,
    pub(crate) interaction_channel_sid: Option<String>,
    pub(crate) case_id: Option<i64>,
    pub(crate) agent_name: Option<String>,
    pub(crate) transcript: String,
    pub(crate) locale: Option<String>,
    /// The limit usage, as stored ('' = nothing used).
    pub(crate) limit_usage: String,
    /// The version it was read at; 0 = not stored yet (insert).
    pub(crate) expected_version: i64,
    pub(crate) new_version: u64,
}

impl EncodedSession {
    fn new(s: &Session) -> Result<Self, StoreError> {
        let expected_version =
            i64::try_from(s.version).map_err(|e| corrupt("session version", e))?;
        Ok(Self {
            user_id: snowflake_to_sql(s.user.get()),
            user_name: s.user_name.clone(),
            dm_channel: snowflake_to_sql(s.dm_channel.get()),
            state: s.state.as_str(),
            conversation_sid: s.conversation.as_ref().map(|c| c.as_str().to_owned()),
            interaction_sid: s
                .interaction
                .as_ref()
                .map(|i| i.interaction.as_str().to_owned()),
            interaction_channel_sid: s
                .interaction
                .as_ref()
                .map(|i| i.channel.as_str().to_owned()),
            case_id: s
                .case_id
                .map(|c| i64::try_from(c.0))
                .transpose()
                .map_err(|e| corrupt("case id", e))?,
            agent_name: s.agent_name.clone(),
            transcript: serde_json::to_string(&s.transcript)
                .map_err(|e| corrupt("transcript not encodable", e))?,
            locale: s.locale.clone(),
            limit_usage: encode_usage(&s.usage)?,
            expected_version,
            new_version: s.version.saturating_add(1),
        })
    }
}
