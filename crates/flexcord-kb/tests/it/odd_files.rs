//! Odd Markdown never panics: each file is indexed or skipped with a reason.

use crate::support::{bot_for, write};
use flexcord_kb::{KbConfig, SkipReason};

#[tokio::test]
async fn odd_markdown_is_indexed_or_skipped_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "no-heading.md", "Just a paragraph about walruses.\n");
    write(
        dir,
        "only-front-matter.md",
        "---\ntitle: Front matter only\nurl: https://h.example/fm\n---\n",
    );
    write(
        dir,
        "unterminated.md",
        "---\ntitle: never closed\n\n# Real heading\nbody text otter\n",
    );
    write(
        dir,
        "huge-line.md",
        format!("# Huge\n{}\n", "lemming ".repeat(60_000)),
    );
    write(
        dir,
        "html.md",
        "<h1>Not a heading</h1>\n<script>alert('x')</script>\n\n# Html page\n\nmoose <b>bold</b>\n",
    );
    write(
        dir,
        "emoji.md",
        "# 🚀 Launch day 🎉\n\nRockets 🚀🚀 and ünïcödé text with zwj 👩‍🚀.\n",
    );
    write(dir, "empty.md", "");
    write(dir, "blank.md", "   \n\n\t\n");
    write(
        dir,
        "front-matter-junk.md",
        "---\n: : :\n- - -\ntags: [unclosed\nurl:\n---\n# Junk FM\n",
    );
    write(
        dir,
        "binary.md",
        [0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0xff, 0xfe],
    );
    write(dir, "latin1.md", b"# Caf\xe9\n\nna\xefve\n");
    write(dir, "nul.md", "# Looks like text\0but has a NUL\n");
    write(
        dir,
        "deep/nested/Upper-Case.MD",
        "nested article about the yak\n",
    );
    write(dir, "NOT-md.txt", "ignored");

    let bot = bot_for(dir).await;
    let report = bot.index_dir().await.unwrap();

    let skipped: Vec<(&str, &SkipReason)> = report
        .skipped
        .iter()
        .map(|s| (s.path.as_str(), &s.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            ("binary.md", &SkipReason::Binary),
            ("blank.md", &SkipReason::NoContent),
            ("empty.md", &SkipReason::NoContent),
            ("latin1.md", &SkipReason::NotUtf8),
            ("nul.md", &SkipReason::Binary),
        ]
    );
    assert_eq!(
        report.added,
        [
            "deep/nested/Upper-Case.MD",
            "emoji.md",
            "front-matter-junk.md",
            "html.md",
            "huge-line.md",
            "no-heading.md",
            "only-front-matter.md",
            "unterminated.md",
        ]
    );
    assert!(
        report
            .to_string()
            .contains("skipped latin1.md: not UTF-8 text"),
        "{report}"
    );

    let title = |q: &'static str| {
        let bot = bot.clone();
        async move {
            bot.search(q)
                .await
                .unwrap()
                .first()
                .map(|a| a.title.clone())
        }
    };
    assert_eq!(title("walruses").await.as_deref(), Some("No heading"));
    assert_eq!(
        title("front matter").await.as_deref(),
        Some("Front matter only")
    );
    assert_eq!(title("otter").await.as_deref(), Some("Real heading"));
    assert_eq!(title("lemming").await.as_deref(), Some("Huge"));
    assert_eq!(title("moose").await.as_deref(), Some("Html page"));
    assert_eq!(title("rockets").await.as_deref(), Some("🚀 Launch day 🎉"));
    assert_eq!(
        title("unicode").await.as_deref(),
        Some("🚀 Launch day 🎉"),
        "diacritics fold"
    );
    assert_eq!(title("yak").await.as_deref(), Some("Upper Case"));
    assert_eq!(title("junk").await.as_deref(), Some("Junk FM"));
    assert!(
        bot.search("script alert").await.unwrap().is_empty(),
        "raw HTML was indexed"
    );

    let excerpt = bot.search("lemming").await.unwrap().remove(0).excerpt;
    assert!(
        excerpt.chars().count() <= 202,
        "{} chars",
        excerpt.chars().count()
    );
}

#[tokio::test]
async fn files_over_the_size_limit_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "big.md",
        format!("# Big\n{}", "x".repeat(2_000)),
    );
    write(tmp.path(), "small.md", "# Small\nok");
    let bot = flexcord_kb::FaqBot::open(KbConfig {
        dir: tmp.path().to_path_buf(),
        max_file_bytes: 1_000,
        ..KbConfig::default()
    })
    .await
    .unwrap();
    let report = bot.index_dir().await.unwrap();
    assert_eq!(report.added, ["small.md"]);
    assert!(matches!(
        report.skipped[0].reason,
        SkipReason::TooLarge { limit: 1_000, .. }
    ));
}

#[tokio::test]
async fn a_file_that_becomes_unindexable_is_removed_from_the_index() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "a.md", "# Alpha\nwalrus");
    write(tmp.path(), "b.md", "# Beta\npenguin");
    let bot = bot_for(tmp.path()).await;
    bot.index_dir().await.unwrap();
    write(tmp.path(), "a.md", b"# Alpha\nwalrus \xff\xfe");
    let report = bot.index_dir().await.unwrap();
    assert_eq!(report.removed, ["a.md"]);
    assert_eq!(report.skipped[0].path, "a.md");
    assert!(bot.search("walrus").await.unwrap().is_empty());
}
