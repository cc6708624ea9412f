//! The knowledge base (embedded FAQ bot): the articles that index and the files that do not,
//! each with its problem. Indexed in memory, so the check leaves no `.kb` file behind.

use flexcord_kb::{FaqBot, KbConfig, KbDb};

use super::{Context, Line, Lines};

pub(super) fn run<'a>(cx: &'a Context<'a>) -> Lines<'a> {
    Box::pin(async move {
        if cx.settings.seachat.is_some() {
            // SeaChat answers instead; its own check follows.
            return Vec::new();
        }
        let dir = &cx.settings.kb_dir;
        let shown = dir.display().to_string();
        let fix = "set FLEXCORD_KB_DIR to a folder of Markdown articles (the package installs a sample in /usr/share/flexcord/kb)";
        if !dir.is_dir() {
            return vec![Line::fail(
                "knowledge base",
                format!("{shown} is not a folder"),
                fix,
            )];
        }
        let bot = match FaqBot::open(KbConfig {
            dir: dir.clone(),
            db: KbDb::Memory,
            ..KbConfig::default()
        })
        .await
        {
            Ok(bot) => bot,
            Err(error) => {
                return vec![Line::fail(
                    "knowledge base",
                    format!("cannot open an index: {error}"),
                    "report this as a bug",
                )];
            }
        };
        let report = match bot.index_dir().await {
            Ok(report) => report,
            Err(error) => {
                return vec![Line::fail(
                    "knowledge base",
                    format!("cannot index {shown}: {error}"),
                    fix,
                )];
            }
        };
        let count = bot.article_count().await.unwrap_or(0);
        let mut lines = Vec::new();
        if count == 0 {
            lines.push(Line::fail(
                "knowledge base",
                format!("{shown} has no article the FAQ bot can use"),
                fix,
            ));
        } else {
            lines.push(Line::ok(
                "knowledge base",
                format!("{count} articles in {shown}"),
            ));
        }
        for skipped in &report.skipped {
            lines.push(Line::warn(
                "knowledge base",
                format!("{shown}/{}: {}, not indexed", skipped.path, skipped.reason),
                "fix the file (UTF-8 Markdown with a title and some text) or move it out of the folder",
            ));
        }
        lines
    })
}
