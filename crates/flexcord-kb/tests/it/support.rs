//! Shared helpers: opening bots on the sample knowledge base or on a temporary folder.

use std::path::{Path, PathBuf};

use flexcord_core::event::UserProfile;
use flexcord_core::ids::UserId;
use flexcord_core::ports::{Answer, AnswerItem, Article, Question};
use flexcord_kb::{FaqBot, KbConfig};

/// The sample knowledge base shipped in the repository.
pub(crate) fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kb")
}

pub(crate) async fn bot_for(dir: &Path) -> FaqBot {
    FaqBot::open(KbConfig {
        dir: dir.to_path_buf(),
        ..KbConfig::default()
    })
    .await
    .unwrap()
}

/// A bot over the sample knowledge base, indexed.
pub(crate) async fn sample_bot() -> FaqBot {
    let bot = bot_for(&sample_dir()).await;
    let report = bot.index_dir().await.unwrap();
    assert!(
        report.skipped.is_empty(),
        "sample kb files skipped: {report}"
    );
    assert!(report.added.len() >= 12, "{report}");
    bot
}

pub(crate) fn question(text: &str) -> Question {
    Question {
        session_id: "test-session".into(),
        user: UserProfile {
            id: UserId(42),
            name: "Ann".into(),
            locale: None,
        },
        text: text.into(),
        reply_in: None,
        locale: None,
    }
}

pub(crate) fn articles(answer: &Answer) -> Vec<&Article> {
    answer
        .items
        .iter()
        .filter_map(|item| match item {
            AnswerItem::Article(a) => Some(a),
            AnswerItem::Text(_) => None,
        })
        .collect()
}

pub(crate) fn write(dir: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, content).unwrap();
}
