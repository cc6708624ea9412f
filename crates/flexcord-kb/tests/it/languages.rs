//! Articles by language: a `lang` front-matter field makes an article one language's; articles
//! without one are for every language.

use std::path::Path;

use flexcord_core::ports::{Question, VirtualAgent};

use crate::support::{articles, bot_for, question};

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn asked_in(text: &str, locale: Option<&str>) -> Question {
    Question {
        locale: locale.map(str::to_owned),
        ..question(text)
    }
}

async fn titles(bot: &flexcord_kb::FaqBot, text: &str, locale: Option<&str>) -> Vec<String> {
    let answer = bot.answer(&asked_in(text, locale)).await.unwrap();
    articles(&answer).iter().map(|a| a.title.clone()).collect()
}

#[tokio::test]
async fn a_hindi_speaker_gets_the_hindi_article_and_an_english_speaker_the_english_one() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "reset-en.md",
        "---\nlang: en\ntags: [password]\n---\n# Reset your password\nOpen Settings, then Account.\n",
    );
    write(
        tmp.path(),
        "reset-hi.md",
        "---\nlang: hi\ntags: [password, पासवर्ड]\n---\n# अपना पासवर्ड रीसेट करें\nसेटिंग्स खोलें, फिर खाता।\n",
    );
    write(
        tmp.path(),
        "status.md",
        "# Server status\nWhen the password servers are down, status shows it.\n",
    );
    let bot = bot_for(tmp.path()).await;
    bot.index_dir().await.unwrap();

    let hindi = titles(&bot, "password", Some("hi")).await;
    assert!(
        hindi.contains(&"अपना पासवर्ड रीसेट करें".to_owned()),
        "{hindi:?}"
    );
    assert!(
        !hindi.contains(&"Reset your password".to_owned()),
        "{hindi:?}"
    );
    // Articles without `lang` are for everyone.
    assert!(hindi.contains(&"Server status".to_owned()), "{hindi:?}");

    let english = titles(&bot, "password", Some("en-US")).await;
    assert!(
        english.contains(&"Reset your password".to_owned()),
        "{english:?}"
    );
    assert!(
        !english.contains(&"अपना पासवर्ड रीसेट करें".to_owned()),
        "{english:?}"
    );

    // Hindi words find the Hindi article (vowel signs do not split a word).
    let by_hindi_word = titles(&bot, "पासवर्ड", Some("hi")).await;
    assert_eq!(
        by_hindi_word.first().map(String::as_str),
        Some("अपना पासवर्ड रीसेट करें")
    );

    // Unknown language: every article may answer.
    let anyone = titles(&bot, "password", None).await;
    assert_eq!(anyone.len(), 3, "{anyone:?}");
}

#[tokio::test]
async fn with_nothing_in_the_users_language_the_other_articles_still_answer() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "refund-en.md",
        "---\nlang: en\n---\n# Refunds\nHow to get a refund for gems.\n",
    );
    let bot = bot_for(tmp.path()).await;
    bot.index_dir().await.unwrap();
    assert_eq!(titles(&bot, "refund", Some("pt-BR")).await, ["Refunds"]);
}
