//! Greetings and thanks: messages that are not questions.
//!
//! "hi" or "thanks!" searched as a question finds nothing and earns "I couldn't find an
//! article", which reads as if the bot misheard. A message made *only* of greeting or thanks
//! words (and a few fillers: "hi there", "thanks a lot", "ok thank you so much") gets a short
//! friendly reply instead. A message with any other word ("hi, I forgot my password") is a
//! question and is searched as one.

use flexcord_core::ports::SmallTalk;

use crate::query::words;

/// Sorted for binary search. Romanised and Devanagari Hindi too: the project ships Hindi.
const GREETINGS: &[&str] = &[
    "afternoon",
    "evening",
    "good",
    "greetings",
    "hello",
    "helo",
    "hey",
    "heya",
    "hi",
    "hii",
    "hiii",
    "hiya",
    "howdy",
    "morning",
    "namaskar",
    "namaste",
    "sup",
    "yo",
    "नमस्कार",
    "नमस्ते",
];

const THANKS: &[&str] = &[
    "appreciate",
    "appreciated",
    "cheers",
    "dhanyavaad",
    "dhanyavad",
    "shukriya",
    "thank",
    "thanks",
    "thankyou",
    "thanx",
    "thx",
    "ty",
    "tysm",
    "धन्यवाद",
    "शुक्रिया",
];

/// Words that may stand beside a greeting or thanks without making it a question.
const FILLERS: &[&str] = &[
    "a", "again", "all", "bot", "everyone", "folks", "great", "guys", "it", "ji", "lot", "much",
    "ok", "okay", "so", "team", "there", "very", "you",
];

fn is_in(list: &[&str], word: &str) -> bool {
    list.binary_search(&word).is_ok()
}

/// The kind of small talk `text` is, or `None` when it is (or might be) a question.
pub(crate) fn classify(text: &str) -> Option<SmallTalk> {
    let mut greeting = false;
    let mut thanks = false;
    let mut count = 0usize;
    for word in words(text) {
        count += 1;
        // A real question is long; small talk is a handful of words.
        if count > 8 {
            return None;
        }
        if is_in(THANKS, &word) {
            thanks = true;
        } else if is_in(GREETINGS, &word) {
            greeting = true;
        } else if !is_in(FILLERS, &word) {
            return None;
        }
    }
    // Thanks wins over a greeting: "hi, thanks again" closes rather than opens.
    if thanks {
        Some(SmallTalk::Thanks)
    } else if greeting {
        Some(SmallTalk::Greeting)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_for_binary_search() {
        for list in [GREETINGS, THANKS, FILLERS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    #[test]
    fn greetings_and_thanks_are_recognised() {
        for text in [
            "hi",
            "Hello!",
            "hey there 👋",
            "good morning",
            "yo",
            "Namaste ji",
            "नमस्ते",
        ] {
            assert_eq!(classify(text), Some(SmallTalk::Greeting), "{text:?}");
        }
        for text in [
            "thanks",
            "Thank you so much!",
            "ty",
            "ok thanks a lot",
            "cheers",
            "धन्यवाद",
            "hi, thanks again",
        ] {
            assert_eq!(classify(text), Some(SmallTalk::Thanks), "{text:?}");
        }
    }

    #[test]
    fn anything_with_a_question_in_it_is_not_small_talk() {
        for text in [
            "hi, I forgot my password",
            "thanks but the game still crashes",
            "hello? my gems are gone",
            "good game",
            "",
            "???",
            "ok",
        ] {
            assert_eq!(classify(text), None, "{text:?}");
        }
    }
}
