//! The sample knowledge base (the repository's `kb/` folder), compiled in so an installed
//! `flexcord sandbox` works from any folder: with no `--kb`/`FLEXCORD_KB_DIR` the sandbox writes
//! these files to its temporary folder and points the bridge there.

use std::path::{Path, PathBuf};

/// Name and text of every article in `kb/` (a test keeps this list and the folder in step).
pub const SAMPLE_KB: &[(&str, &str)] = &[
    (
        "account-recovery.md",
        include_str!("../../../kb/account-recovery.md"),
    ),
    ("ban-appeal.md", include_str!("../../../kb/ban-appeal.md")),
    (
        "clan-management.md",
        include_str!("../../../kb/clan-management.md"),
    ),
    (
        "connection-lag.md",
        include_str!("../../../kb/connection-lag.md"),
    ),
    (
        "crash-on-startup.md",
        include_str!("../../../kb/crash-on-startup.md"),
    ),
    (
        "cross-platform-progress.md",
        include_str!("../../../kb/cross-platform-progress.md"),
    ),
    (
        "delete-data-privacy.md",
        include_str!("../../../kb/delete-data-privacy.md"),
    ),
    (
        "device-requirements.md",
        include_str!("../../../kb/device-requirements.md"),
    ),
    (
        "game-modes-ranked.md",
        include_str!("../../../kb/game-modes-ranked.md"),
    ),
    (
        "gift-and-promo-codes.md",
        include_str!("../../../kb/gift-and-promo-codes.md"),
    ),
    (
        "link-discord.md",
        include_str!("../../../kb/link-discord.md"),
    ),
    (
        "missing-purchases-refunds.md",
        include_str!("../../../kb/missing-purchases-refunds.md"),
    ),
    (
        "parental-controls.md",
        include_str!("../../../kb/parental-controls.md"),
    ),
    (
        "password-reset.md",
        include_str!("../../../kb/password-reset.md"),
    ),
    (
        "report-a-player.md",
        include_str!("../../../kb/report-a-player.md"),
    ),
];

/// Writes [`SAMPLE_KB`] into `parent/kb` and returns that folder.
///
/// # Errors
///
/// When the folder or a file cannot be written.
pub(crate) fn write_into(parent: &Path) -> std::io::Result<PathBuf> {
    let dir = parent.join("kb");
    std::fs::create_dir_all(&dir)?;
    for (name, text) in SAMPLE_KB {
        std::fs::write(dir.join(name), text)?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_compiled_in_list_is_every_article_of_the_kb_folder() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kb");
        let mut on_disk: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut compiled: Vec<String> = SAMPLE_KB.iter().map(|(n, _)| (*n).to_owned()).collect();
        compiled.sort();
        assert_eq!(
            compiled, on_disk,
            "add or remove the article in sample_kb.rs"
        );
    }

    #[test]
    fn the_articles_are_written_to_a_kb_folder() {
        let parent = tempfile::tempdir().unwrap();
        let dir = write_into(parent.path()).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), SAMPLE_KB.len());
    }
}
