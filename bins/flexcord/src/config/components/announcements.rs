//! `[announcements]`: `POST /announce` and the feeds posted to `#announcements`.

use std::time::Duration;

use crate::config::parse;
use crate::config::table::{Component, FileKey, Kind, Sample, Setting, Unset, apply};

const SECTION: &str = "announcements";

pub(super) const COMPONENT: Component = Component {
    name: "announcements",
    settings: &[
        Setting {
            env: Some("FLEXCORD_ANNOUNCE_TOKEN"),
            file: Some(FileKey::new(SECTION, "token")),
            unset: Unset::Means("unset: the endpoint answers 404"),
            doc: "bearer token for `POST /announce`",
            sample: Sample::Commented("\"…\""),
            note: "unset = POST /announce off",
            apply: apply!(parse::secret => |s, v| s.announce.token = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("FLEXCORD_ANNOUNCE_FEEDS"),
            file: Some(FileKey::new(SECTION, "feeds")),
            kind: Kind::List,
            doc: "comma-separated RSS/Atom feed URLs posted to `#announcements`",
            sample: Sample::Active("[\"https://blog.example.com/feed.xml\"]"),
            note: "comma-separated there",
            apply: apply!(parse::list, parse::http_urls => |s, v| s.announce.feeds = v),
            ..Setting::BASE
        },
        Setting {
            env: Some("FLEXCORD_ANNOUNCE_POLL_SECS"),
            file: Some(FileKey::new(SECTION, "poll_secs")),
            kind: Kind::Number,
            unset: Unset::Default("300"),
            doc: "feed polling interval, at least 1",
            sample: Sample::Default,
            note: "at least 1",
            apply: apply!(parse::number, parse::positive
                => |s, v| s.announce.poll_every = Duration::from_secs(v)),
        },
        Setting {
            env: Some("FLEXCORD_ANNOUNCE_BACKLOG"),
            file: Some(FileKey::new(SECTION, "backlog")),
            kind: Kind::Number,
            unset: Unset::Default("3"),
            doc: "on a feed's first poll, post only its newest N items",
            sample: Sample::Default,
            apply: apply!(parse::number
                => |s, v| s.announce.backlog = usize::try_from(v).unwrap_or(usize::MAX)),
            ..Setting::BASE
        },
    ],
};
