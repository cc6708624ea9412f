//! RSS/Atom feeds → `#announcements`. Each feed is polled every `FLEXCORD_ANNOUNCE_POLL_SECS`;
//! every item is posted once (the router dedupes on `feed:<url>:<item id>`), oldest first. On a
//! feed's very first poll only its newest `FLEXCORD_ANNOUNCE_BACKLOG` items are posted and the rest
//! are marked seen, so adding a feed with years of history does not flood the channel.

use std::sync::Arc;
use std::time::Duration;

use flexcord_core::Router;
use flexcord_core::content::Announcement;
use flexcord_core::ports::{Commit, CommitOutcome, SessionStore};
use flexcord_http::{HttpClient, Request};
use tokio::sync::{Notify, watch};
use url::Url;

use crate::metrics::Metrics;

/// Longest announcement body taken from a feed item (Discord embeds allow 4,096).
const MAX_SUMMARY: usize = 600;

/// Polls feeds until shutdown.
#[derive(Debug)]
pub struct FeedPoller {
    /// Feed URLs.
    pub feeds: Vec<String>,
    /// Poll interval.
    pub every: Duration,
    /// Items posted from a feed's first poll.
    pub backlog: usize,
    /// Fetches feeds.
    pub http: HttpClient,
    /// Records announcements.
    pub router: Arc<Router>,
    /// Marks items seen.
    pub store: Arc<dyn SessionStore>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Rung when announcements were enqueued.
    pub wake: Arc<Notify>,
}

/// One feed item, reduced to what is posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    /// Stable id within the feed.
    pub id: String,
    /// What is posted.
    pub announcement: Announcement,
}

impl FeedPoller {
    /// Polls every feed now and then every `every`, until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            for feed in &self.feeds {
                if let Err(error) = self.poll(feed).await {
                    // A feed's error may quote what the feed sent: escaped and cut.
                    tracing::warn!(
                        feed,
                        error = %flexcord_core::log_safe::escape_for_log(&error),
                        "feed poll failed"
                    );
                    self.metrics.event("feed", "error");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(self.every) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }

    async fn poll(&self, feed: &str) -> Result<(), String> {
        let url = Url::parse(feed).map_err(|e| format!("bad feed URL: {e}"))?;
        let response = self
            .http
            .send(Request::get(url).idempotent(true))
            .await
            .map_err(|e| e.to_string())?;
        let items = parse_feed(response.body())?;
        let first_poll = matches!(
            self.store
                .commit(&Commit {
                    dedupe_key: Some(format!("feedinit:{feed}")),
                    ..Commit::default()
                })
                .await
                .map_err(|e| e.to_string())?,
            CommitOutcome::Committed { .. }
        );
        let (skip, post) = split_backlog(items, first_poll, self.backlog);
        for item in skip {
            // Marked as announced without posting: the same key the router would use.
            let key = Some(format!("ann:{}", item_key(feed, &item.id)));
            self.store
                .commit(&Commit {
                    dedupe_key: key,
                    ..Commit::default()
                })
                .await
                .map_err(|e| e.to_string())?;
        }
        for item in post {
            let result = self
                .router
                .announce(&item_key(feed, &item.id), item.announcement)
                .await;
            crate::report::handled(&self.metrics, "feed", &result);
            if result.as_ref().is_ok_and(|h| h.enqueued > 0) {
                self.wake.notify_one();
            }
        }
        Ok(())
    }
}

fn item_key(feed: &str, id: &str) -> String {
    format!("feed:{feed}:{id}")
}

/// Splits items (newest first) into those to mark seen and those to post (oldest first).
fn split_backlog(
    items: Vec<FeedItem>,
    first_poll: bool,
    backlog: usize,
) -> (Vec<FeedItem>, Vec<FeedItem>) {
    let mut items = items;
    let skip = if first_poll && items.len() > backlog {
        items.split_off(backlog)
    } else {
        Vec::new()
    };
    items.reverse();
    (skip, items)
}

/// Parses RSS or Atom into items, newest first.
///
/// # Errors
///
/// A message when the document is not a feed.
pub fn parse_feed(bytes: &[u8]) -> Result<Vec<FeedItem>, String> {
    let feed = feed_rs::parser::parse(bytes).map_err(|e| format!("not an RSS/Atom feed: {e}"))?;
    let mut entries = feed.entries;
    // Feeds list newest first by convention, but not all do: sort by date when there is one.
    entries.sort_by(|a, b| {
        let a = a.published.or(a.updated);
        let b = b.published.or(b.updated);
        b.cmp(&a)
    });
    Ok(entries
        .into_iter()
        .map(|entry| {
            let title = entry.title.map(|t| t.content).unwrap_or_default();
            let summary = entry
                .summary
                .map(|s| s.content)
                .or_else(|| entry.content.and_then(|c| c.body))
                .unwrap_or_default();
            let url = entry.links.first().map(|l| l.href.clone());
            FeedItem {
                id: entry.id,
                announcement: Announcement {
                    title: if title.trim().is_empty() {
                        "Announcement".to_owned()
                    } else {
                        title
                    },
                    body: truncate(&strip_tags(&summary), MAX_SUMMARY),
                    url,
                },
            }
        })
        .collect())
}

/// Removes HTML tags and decodes the few entities feeds commonly carry. Good enough for a
/// summary line; the item's link has the real thing.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max).collect();
    if let Some(space) = cut.rfind(' ') {
        cut.truncate(space);
    }
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>Starfall news</title>
<item><guid>a1</guid><title>Season 3 begins</title><link>https://n.example/s3</link>
<pubDate>Tue, 10 Nov 2026 10:00:00 GMT</pubDate><description>&lt;p&gt;New maps &amp;amp; ranks&lt;/p&gt;</description></item>
<item><guid>a0</guid><title>Patch 2.9</title><link>https://n.example/p29</link>
<pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate><description>Fixes</description></item>
<item><guid>a2</guid><title>Maintenance tonight</title><link>https://n.example/m</link>
<pubDate>Sat, 21 Nov 2026 10:00:00 GMT</pubDate><description>Two hours</description></item>
</channel></rss>"#;

    const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Dev blog</title><id>urn:x</id><updated>2026-11-20T00:00:00Z</updated>
<entry><id>urn:e1</id><title>Hello</title><updated>2026-11-20T00:00:00Z</updated><link href="https://d.example/1"/><summary>First post</summary></entry>
</feed>"#;

    #[test]
    fn rss_items_come_newest_first_with_plain_text_bodies() {
        let items = parse_feed(RSS.as_bytes()).expect("parses");
        let ids: Vec<_> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["a2", "a1", "a0"]);
        assert_eq!(items[1].announcement.body, "New maps & ranks");
        assert_eq!(
            items[1].announcement.url.as_deref(),
            Some("https://n.example/s3")
        );
    }

    #[test]
    fn atom_feeds_parse_too() {
        let items = parse_feed(ATOM.as_bytes()).expect("parses");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].announcement.title, "Hello");
        assert_eq!(items[0].announcement.body, "First post");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_feed(b"\x00\xffnot xml").is_err());
        assert!(parse_feed(b"<html><body>hi</body></html>").is_err());
    }

    #[test]
    fn first_poll_posts_only_the_newest_backlog_oldest_first() {
        let items = parse_feed(RSS.as_bytes()).expect("parses");
        let (skip, post) = split_backlog(items.clone(), true, 2);
        assert_eq!(
            skip.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
            ["a0"]
        );
        assert_eq!(
            post.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
            ["a1", "a2"]
        );
        let (skip, post) = split_backlog(items, false, 2);
        assert!(skip.is_empty());
        assert_eq!(post.len(), 3);
    }

    #[test]
    fn long_summaries_are_cut_on_a_word() {
        let text = "word ".repeat(400);
        let cut = truncate(&text, 50);
        assert!(cut.chars().count() <= 51);
        assert!(cut.ends_with('…'));
    }
}
