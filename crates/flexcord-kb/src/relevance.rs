//! Which of the ranked hits are worth suggesting.
//!
//! bm25 always ranks *something* second and third: an article sharing one common word ("game",
//! "my account") with the question. Listing those next to the right answer makes the bot look
//! as if it did not understand ("how do I delete my data" also offering the crash and lag
//! articles), so a hit is kept only when it scores a good share of the best hit's score. The
//! cut-off is relative because bm25 scores have no fixed scale: they grow with the number of
//! matched words and shrink as a word becomes common in the folder.

use crate::store::Hit;

/// A hit is suggested when it scores at least this share of the best hit. Tuned on the sample
/// knowledge base (see `tests/it/relevance.rs`): true second answers ("lost my phone" →
/// account recovery *and* cross-platform progress) score 0.6–0.95 of the best, one-shared-word
/// noise 0.1–0.45.
pub(crate) const RELATIVE_CUTOFF: f64 = 0.5;

/// `hits` (best first) without the ones far below the best. Hits with no positive score
/// (a word so common bm25 gives it nothing) are never suggested.
pub(crate) fn keep_relevant(mut hits: Vec<Hit>) -> Vec<Hit> {
    let best = hits.iter().map(|h| h.score).fold(0.0_f64, f64::max);
    if best <= 0.0 {
        hits.clear();
        return hits;
    }
    hits.retain(|h| h.score > 0.0 && h.score >= best * RELATIVE_CUTOFF);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(title: &str, score: f64) -> Hit {
        Hit {
            title: title.to_owned(),
            url: None,
            body: String::new(),
            score,
        }
    }

    fn titles(hits: &[Hit]) -> Vec<&str> {
        hits.iter().map(|h| h.title.as_str()).collect()
    }

    #[test]
    fn hits_far_below_the_best_are_dropped() {
        let kept = keep_relevant(vec![hit("delete", 5.3), hit("crash", 2.5), hit("lag", 1.7)]);
        assert_eq!(titles(&kept), ["delete"]);
    }

    #[test]
    fn close_seconds_are_kept_in_order() {
        let kept = keep_relevant(vec![
            hit("recover", 4.6),
            hit("cross", 3.7),
            hit("devices", 2.2),
        ]);
        assert_eq!(titles(&kept), ["recover", "cross"]);
    }

    #[test]
    fn zero_scores_are_never_suggested() {
        assert!(keep_relevant(vec![hit("a", 0.0), hit("b", 0.0)]).is_empty());
        assert_eq!(
            titles(&keep_relevant(vec![hit("lag", 4.1), hit("a", 0.0)])),
            ["lag"]
        );
    }

    #[test]
    fn nothing_stays_nothing() {
        assert!(keep_relevant(Vec::new()).is_empty());
    }
}
