//! The DM channels of recently active sessions, and those with DMs held but not recorded (see
//! `unrecorded`): where a bridge that was down looks for the messages it missed (Discord does
//! not replay gateway events to a new session).

use flexcord_core::ids::ChannelId;
use flexcord_core::ports::StoreError;

use crate::codec::{ms_from_sql, snowflake_from_sql};
use crate::error::store_error;
use crate::store::{Store, on_pool};

/// A DM channel to read again, and from when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentDm {
    /// The bot's DM channel with the user.
    pub channel: ChannelId,
    /// When the session last changed (an event of the user's or the agent's), or, for a
    /// channel with DMs held but not recorded, the moment just before the first of them,
    /// whichever is earlier; in milliseconds since the Unix epoch.
    pub updated_at_ms: u64,
}

impl Store {
    /// The DM channels of the sessions that changed at or after `since_ms` (milliseconds since
    /// the Unix epoch), the most recently changed first, at most `limit`; and, beyond `limit`,
    /// every channel noted with [`Store::note_unrecorded_dm`] at or after `since_ms`, even one
    /// no session knows (a first-time user whose first DM could not be recorded).
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    pub async fn recent_dm_channels(
        &self,
        since_ms: u64,
        limit: u32,
    ) -> Result<Vec<RecentDm>, StoreError> {
        let since = i64::try_from(since_ms).unwrap_or(i64::MAX);
        let rows: Vec<(i64, i64)> = on_pool!(&self.pool, |p| {
            sqlx::query_as(
                "SELECT dm_channel, updated_at FROM sessions WHERE updated_at >= $1 \
                 ORDER BY updated_at DESC LIMIT $2",
            )
            .bind(since)
            .bind(i64::from(limit))
            .fetch_all(p)
            .await
        })
        .map_err(store_error)?;
        let mut recent: Vec<RecentDm> = rows
            .into_iter()
            .map(|(channel, updated_at)| RecentDm {
                channel: ChannelId(snowflake_from_sql(channel)),
                updated_at_ms: ms_from_sql(updated_at),
            })
            .collect();
        for (channel, after_ms) in self.unrecorded.all() {
            if after_ms < since_ms {
                continue;
            }
            match recent.iter_mut().find(|dm| dm.channel == channel) {
                // Held DMs can be older than the session's last change (written before an
                // earlier DM was finally recorded): read from the earlier moment.
                Some(dm) => dm.updated_at_ms = dm.updated_at_ms.min(after_ms),
                None => recent.push(RecentDm {
                    channel,
                    updated_at_ms: after_ms,
                }),
            }
        }
        recent.sort_unstable_by_key(|dm| std::cmp::Reverse(dm.updated_at_ms));
        Ok(recent)
    }
}
