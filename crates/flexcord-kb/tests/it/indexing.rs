//! Indexing: errors for unusable folders, and re-indexing only what changed.

use std::time::Duration;

use crate::support::{bot_for, write};
use flexcord_kb::{FaqBot, KbConfig, KbDb, KbError};

fn article(title: &str, body: &str) -> String {
    format!(
        "---\nurl: https://help.example/{}\n---\n# {title}\n\n{body}\n",
        title.to_lowercase()
    )
}

#[tokio::test]
async fn a_missing_folder_is_a_typed_error() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    let bot = bot_for(&missing).await;
    match bot.index_dir().await {
        Err(KbError::MissingDir(path)) => assert_eq!(path, missing),
        other => panic!("expected MissingDir, got {other:?}"),
    }
    // A file where a folder should be is just as missing.
    write(tmp.path(), "file.md", "# x");
    let bot = bot_for(&tmp.path().join("file.md")).await;
    assert!(matches!(bot.index_dir().await, Err(KbError::MissingDir(_))));
}

#[tokio::test]
async fn a_folder_without_markdown_is_a_typed_error() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "notes.txt", "not markdown");
    write(tmp.path(), ".hidden.md", "# hidden files are ignored");
    let bot = bot_for(tmp.path()).await;
    match bot.index_dir().await {
        Err(err @ KbError::Empty(_)) => assert!(err.to_string().contains("no .md files"), "{err}"),
        other => panic!("expected Empty, got {other:?}"),
    }
}

#[tokio::test]
async fn an_emptied_folder_leaves_the_index_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "a.md", article("Alpha", "walrus"));
    let bot = bot_for(tmp.path()).await;
    bot.index_dir().await.unwrap();
    std::fs::remove_file(tmp.path().join("a.md")).unwrap();
    assert!(matches!(bot.index_dir().await, Err(KbError::Empty(_))));
    assert_eq!(bot.search("walrus").await.unwrap().len(), 1);
}

#[tokio::test]
async fn reindex_detects_added_changed_and_removed_files_and_leaves_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "keep.md", article("Keep", "penguin facts"));
    write(dir, "change.md", article("Change", "old walrus text"));
    write(dir, "remove.md", article("Remove", "narwhal lore"));
    let bot = bot_for(dir).await;

    let first = bot.index_dir().await.unwrap();
    assert_eq!(first.added, ["change.md", "keep.md", "remove.md"]);
    assert!(first.updated.is_empty() && first.removed.is_empty() && first.unchanged.is_empty());

    let again = bot.index_dir().await.unwrap();
    assert!(!again.changed(), "{again}");
    assert_eq!(again.unchanged.len(), 3);

    write(dir, "change.md", article("Change", "new octopus text"));
    std::fs::remove_file(dir.join("remove.md")).unwrap();
    write(dir, "sub/new.md", article("New", "axolotl guide"));
    let report = bot.index_dir().await.unwrap();
    assert_eq!(report.added, ["sub/new.md"]);
    assert_eq!(report.updated, ["change.md"]);
    assert_eq!(report.removed, ["remove.md"]);
    assert_eq!(report.unchanged, ["keep.md"]);
    assert_eq!(report.indexed(), 3);
    assert_eq!(
        report.to_string(),
        "1 added, 1 updated, 1 removed, 1 unchanged, 0 skipped"
    );

    assert!(
        bot.search("walrus").await.unwrap().is_empty(),
        "old content still indexed"
    );
    assert_eq!(bot.search("octopus").await.unwrap()[0].title, "Change");
    assert!(
        bot.search("narwhal").await.unwrap().is_empty(),
        "removed file still indexed"
    );
    assert_eq!(bot.search("axolotl").await.unwrap()[0].title, "New");
    assert_eq!(bot.search("penguin").await.unwrap()[0].title, "Keep");
    assert_eq!(bot.article_count().await.unwrap(), 3);
}

#[tokio::test]
async fn a_file_database_survives_reopening_and_only_changes_are_redone() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = tmp.path().join("kb");
    write(&kb, "a.md", article("Alpha", "walrus"));
    write(&kb, "b.md", article("Beta", "penguin"));
    let config = KbConfig {
        dir: kb.clone(),
        db: KbDb::File(tmp.path().join("kb.sqlite")),
        ..KbConfig::default()
    };

    let bot = FaqBot::open(config.clone()).await.unwrap();
    assert_eq!(bot.index_dir().await.unwrap().added.len(), 2);
    drop(bot);

    write(&kb, "b.md", article("Beta", "puffin"));
    let bot = FaqBot::open(config).await.unwrap();
    assert_eq!(
        bot.search("walrus").await.unwrap().len(),
        1,
        "index lost on reopen"
    );
    let report = bot.index_dir().await.unwrap();
    assert_eq!(report.unchanged, ["a.md"]);
    assert_eq!(report.updated, ["b.md"]);
}

#[tokio::test]
async fn two_memory_bots_do_not_share_an_index() {
    let tmp1 = tempfile::tempdir().unwrap();
    let tmp2 = tempfile::tempdir().unwrap();
    write(tmp1.path(), "a.md", article("Alpha", "walrus"));
    write(tmp2.path(), "b.md", article("Beta", "penguin"));
    let (bot1, bot2) = (bot_for(tmp1.path()).await, bot_for(tmp2.path()).await);
    bot1.index_dir().await.unwrap();
    bot2.index_dir().await.unwrap();
    assert!(bot1.search("penguin").await.unwrap().is_empty());
    assert!(bot2.search("walrus").await.unwrap().is_empty());
}

#[tokio::test]
async fn the_watcher_picks_up_changes() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "a.md", article("Alpha", "walrus"));
    let bot = bot_for(tmp.path()).await;
    bot.index_dir().await.unwrap();
    let watcher = bot.watch(Duration::from_millis(20));
    write(tmp.path(), "b.md", article("Beta", "capybara"));
    // Generous upper bound for a loaded machine; normally this takes a few ticks.
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if !bot.search("capybara").await.unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    watcher.abort();
    assert!(found.is_ok(), "the watcher never indexed the new file");
}
