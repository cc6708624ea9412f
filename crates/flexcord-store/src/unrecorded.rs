//! DM channels with messages the bridge holds but could not record: where the start-up catch-up
//! must look even when the user has no session yet.
//!
//! **Why.** Discord never sends a gateway event again, and a bot cannot list its DM channels.
//! While the database refuses writes (disk full, read-only), the binary holds DMs in memory
//! and retries; if the process dies meanwhile, those messages survive only in Discord's channel
//! history, and the catch-up reads only the channels it knows: those of recent sessions. A
//! first-time user's channel is known nowhere — the database write that would have made it
//! known is exactly what failed.
//!
//! **Where the fact lives.** Not in the database: it is what fails. Beside it, in a small file
//! of fixed size (`<database file>-unrecorded`, [`SLOTS`] slots of 16 bytes), written with zeros
//! in full when the store is opened, so that noting a channel later overwrites bytes already on
//! disk and needs no new space on a full disk. A slot holds a channel id and the moment after
//! which its history must be read again (both little-endian `u64`; zeros: free). The write goes
//! to the page cache, which survives the process being killed; it is not synced, so a power
//! loss during a storage fault can lose it.
//!
//! **Limits.** PostgreSQL and in-memory SQLite keep the marks in memory only (there is no local
//! database file to put them beside), so they help a later READY of the same process but not a
//! restart. On a copy-on-write file system (btrfs, ZFS) an overwrite may itself need space.
//! When every slot is taken, the oldest mark is replaced.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use flexcord_core::ids::ChannelId;

/// Channels remembered at once.
pub(crate) const SLOTS: usize = 1_024;
/// Bytes per slot: channel id, then the moment in milliseconds since the Unix epoch.
const SLOT: usize = 16;

/// The marks: in memory, mirrored into the file when there is one.
#[derive(Debug, Default)]
pub(crate) struct Unrecorded {
    inner: Mutex<Marks>,
}

#[derive(Debug, Default)]
struct Marks {
    file: Option<File>,
    /// Slot index → (channel, after_ms); `None` = free.
    slots: Vec<Option<(u64, u64)>>,
    by_channel: HashMap<u64, usize>,
}

/// The side file of a SQLite database file.
pub(crate) fn path_beside(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-unrecorded");
    PathBuf::from(name)
}

impl Unrecorded {
    /// Marks kept in memory only.
    pub(crate) fn in_memory() -> Self {
        Self {
            inner: Mutex::new(Marks {
                file: None,
                slots: vec![None; SLOTS],
                by_channel: HashMap::new(),
            }),
        }
    }

    /// Opens (creating and filling with zeros if short) the file at `path` and loads its marks.
    pub(crate) fn open(path: &Path) -> std::io::Result<Self> {
        use std::os::unix::fs::FileExt as _;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let mut bytes = vec![0u8; SLOTS * SLOT];
        let len = usize::try_from(file.metadata()?.len()).unwrap_or(usize::MAX);
        if len < bytes.len() {
            // Real zeros, not `set_len`: a sparse file would need space when written later.
            file.write_all_at(&bytes[len..], u64::try_from(len).unwrap_or(0))?;
            file.sync_all()?;
        }
        file.read_exact_at(&mut bytes, 0)?;
        let mut marks = Marks {
            file: Some(file),
            slots: vec![None; SLOTS],
            by_channel: HashMap::new(),
        };
        for (i, chunk) in bytes.chunks_exact(SLOT).enumerate() {
            let (channel, after) = decode(chunk);
            if channel != 0 && !marks.by_channel.contains_key(&channel) {
                marks.slots[i] = Some((channel, after));
                marks.by_channel.insert(channel, i);
            }
        }
        Ok(Self {
            inner: Mutex::new(marks),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Marks> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Notes that `channel` has messages after `after_ms` that are not recorded; an earlier
    /// mark of the same channel is kept.
    pub(crate) fn note(&self, channel: ChannelId, after_ms: u64) -> std::io::Result<()> {
        let channel = channel.get();
        if channel == 0 {
            return Ok(());
        }
        let mut marks = self.lock();
        let slot = match marks.by_channel.get(&channel) {
            Some(&i) => match marks.slots.get(i).copied().flatten() {
                Some((_, earlier)) if earlier <= after_ms => return Ok(()),
                _ => i,
            },
            None => {
                let free = marks.slots.iter().position(Option::is_none);
                let i = free.unwrap_or_else(|| oldest(&marks.slots));
                if let Some((evicted, _)) = marks.slots.get(i).copied().flatten() {
                    marks.by_channel.remove(&evicted);
                }
                i
            }
        };
        marks.slots[slot] = Some((channel, after_ms));
        marks.by_channel.insert(channel, slot);
        marks.write(slot, channel, after_ms)
    }

    /// Forgets `channel`'s mark: its messages are recorded.
    pub(crate) fn clear(&self, channel: ChannelId) -> std::io::Result<()> {
        let mut marks = self.lock();
        let Some(slot) = marks.by_channel.remove(&channel.get()) else {
            return Ok(());
        };
        marks.slots[slot] = None;
        marks.write(slot, 0, 0)
    }

    /// Every mark: channel and the moment after which to read it.
    pub(crate) fn all(&self) -> Vec<(ChannelId, u64)> {
        self.lock()
            .slots
            .iter()
            .flatten()
            .map(|&(channel, after)| (ChannelId(channel), after))
            .collect()
    }
}

impl Marks {
    fn write(&self, slot: usize, channel: u64, after_ms: u64) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt as _;
        let Some(file) = &self.file else {
            return Ok(());
        };
        let mut bytes = [0u8; SLOT];
        bytes[..8].copy_from_slice(&channel.to_le_bytes());
        bytes[8..].copy_from_slice(&after_ms.to_le_bytes());
        file.write_all_at(&bytes, u64::try_from(slot * SLOT).unwrap_or(0))
    }
}

fn decode(chunk: &[u8]) -> (u64, u64) {
    let word = |range: std::ops::Range<usize>| {
        chunk
            .get(range)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map_or(0, u64::from_le_bytes)
    };
    (word(0..8), word(8..16))
}

/// The slot with the oldest mark (all are taken).
fn oldest(slots: &[Option<(u64, u64)>]) -> usize {
    slots
        .iter()
        .enumerate()
        .min_by_key(|(_, s)| s.map_or(0, |(_, after)| after))
        .map_or(0, |(i, _)| i)
}

impl crate::store::Store {
    /// Notes that `channel` has a DM written after `after_ms` (milliseconds since the Unix
    /// epoch) that this process holds but could not record: the start-up catch-up reads the
    /// channel from there ([`Store::recent_dm_channels`](crate::Store::recent_dm_channels)) even
    /// if no session knows it. Kept beside a SQLite file, so a restart still knows (see the
    /// module docs for where and the limits). Best effort: a failure is logged.
    pub fn note_unrecorded_dm(&self, channel: ChannelId, after_ms: u64) {
        if let Err(error) = self.unrecorded.note(channel, after_ms) {
            tracing::warn!(%error, "cannot note a DM channel with unrecorded messages");
        }
    }

    /// Forgets `channel`'s mark once every message of it that this process held is recorded.
    pub fn clear_unrecorded_dm(&self, channel: ChannelId) {
        if let Err(error) = self.unrecorded.clear(channel) {
            tracing::warn!(%error, "cannot clear a DM channel's unrecorded mark");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_survive_reopening_and_keep_the_earliest_moment() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_beside(&dir.path().join("flexcord.db"));
        let marks = Unrecorded::open(&path).unwrap();
        marks.note(ChannelId(7), 1_000).unwrap();
        marks.note(ChannelId(7), 2_000).unwrap();
        marks.note(ChannelId(9), 3_000).unwrap();
        marks.clear(ChannelId(9)).unwrap();
        marks.note(ChannelId(11), 4_000).unwrap();
        drop(marks);

        let again = Unrecorded::open(&path).unwrap();
        let mut all = again.all();
        all.sort_unstable();
        assert_eq!(all, vec![(ChannelId(7), 1_000), (ChannelId(11), 4_000)]);
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            u64::try_from(SLOTS * SLOT).unwrap(),
            "the file never grows"
        );
    }

    #[test]
    fn a_full_table_replaces_its_oldest_mark() {
        let marks = Unrecorded::in_memory();
        for i in 1..=u64::try_from(SLOTS).unwrap() {
            marks.note(ChannelId(i), 10 + i).unwrap();
        }
        marks.note(ChannelId(99_999), 5).unwrap();
        let all = marks.all();
        assert_eq!(all.len(), SLOTS);
        assert!(all.contains(&(ChannelId(99_999), 5)));
        assert!(
            !all.iter().any(|(c, _)| *c == ChannelId(1)),
            "the oldest went"
        );
    }
}
