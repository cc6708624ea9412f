//! `flexcord kb index`: (re-)index the knowledge base now and say what changed.

#![expect(
    clippy::print_stdout,
    reason = "this module's job is printing for a person"
)]

use crate::adapters;
use crate::config::Settings;

/// Indexes `FLEXCORD_KB_DIR` into the FAQ bot's index.
///
/// # Errors
///
/// A missing or empty folder, or an index that cannot be opened.
pub async fn index(settings: &Settings) -> anyhow::Result<()> {
    let bot = adapters::faq_bot(settings).await?;
    let count = bot.article_count().await.unwrap_or(0);
    println!(
        "{count} articles indexed from {}",
        settings.kb_dir.display()
    );
    Ok(())
}
