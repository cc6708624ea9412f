//! Hostile questions never produce an error, let alone a panic.

use crate::support::{question, sample_bot};
use flexcord_core::ports::VirtualAgent;

#[tokio::test]
async fn fts5_syntax_in_questions_is_harmless() {
    let bot = sample_bot().await;
    let ten_kb: String = "refund crash \"NEAR( * ^ - OR ".repeat(400);
    let mut hostile: Vec<String> = [
        "\"",
        "\"\"",
        "*",
        "**",
        "NEAR(",
        "NEAR(a b, 3)",
        "a OR",
        "OR",
        "AND",
        "NOT",
        "-",
        "-crash",
        "^",
        "^refund",
        "title:refund",
        "{title body}: crash",
        "(",
        ")",
        "a + b",
        "'",
        "\\",
        "\u{0}",
        "café",
        "ÉCRAN NOIR",
        "ＡＧＥＮＴ",
        "密码 忘记",
        "пароль",
        "🧑‍🚀🚀",
        "e\u{301}",
        "\u{200b}",
        "%",
        "_",
        "'; DROP TABLE articles; --",
        "refund\"*",
    ]
    .map(String::from)
    .to_vec();
    hostile.push(ten_kb);
    hostile.push("x".repeat(10_000));
    hostile.push("\u{10FFFF}".repeat(100));
    for text in &hostile {
        let answer = bot.answer(&question(text)).await;
        assert!(
            answer.is_ok(),
            "{:?} failed: {answer:?}",
            text.chars().take(40).collect::<String>()
        );
    }
}

#[tokio::test]
async fn every_printable_ascii_and_some_unicode_character_is_safe_alone_and_in_words() {
    let bot = sample_bot().await;
    let chars = (0x20u8..0x7f)
        .map(char::from)
        .chain("«»“”’…—–·•¿¡ßøæœ€¥ツ한²³½Ⅻǅ〇٣\u{301}\u{200d}\u{fe0f}\u{2028}\u{feff}".chars());
    for c in chars {
        for text in [
            c.to_string(),
            format!("{c}{c}{c}{c}"),
            format!("refund{c}crash"),
            format!("{c}password {c}"),
        ] {
            bot.search(&text)
                .await
                .unwrap_or_else(|e| panic!("{text:?}: {e}"));
        }
    }
}
