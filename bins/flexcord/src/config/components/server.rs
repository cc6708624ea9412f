//! The server itself: routing mode, how Twilio reaches it, where it listens and keeps its data.

use crate::config::parse;
use crate::config::table::{Component, FileKey, Sample, Setting, Unset, apply};
use crate::config::{DatabaseUrl, Needs};

pub(super) const COMPONENT: Component = Component {
    name: "server",
    settings: &[
        Setting {
            env: Some("FLEXCORD_ROUTING"),
            file: Some(FileKey::new("router", "routing")),
            unset: Unset::Default("bridge"),
            doc: "`bridge` or `studio` (see [bridge-mode.md](bridge-mode.md), \
                  [studio-mode.md](studio-mode.md))",
            sample: Sample::Default,
            note: "\"bridge\" or \"studio\"",
            apply: apply!(parse::routing_mode => |s, v| s.router.routing = v),
            ..Setting::BASE
        },
        Setting {
            env: Some("FLEXCORD_PUBLIC_URL"),
            file: Some(FileKey::new("server", "public_url")),
            unset: Unset::Required(&[Needs::Run], "how Twilio reaches this server"),
            doc: "how Twilio reaches this server, `https://…`; webhook URLs and signature checks \
                  use it",
            sample: Sample::Active("\"https://flexcord.example.com\""),
            note: "how Twilio reaches this server",
            apply: apply!(parse::base_url, parse::http_url => |s, v| s.public_url = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("FLEXCORD_LISTEN"),
            file: Some(FileKey::new("server", "listen")),
            unset: Unset::Default("0.0.0.0:8080"),
            doc: "HTTP listen address",
            sample: Sample::Default,
            apply: apply!(parse::socket_addr => |s, v| s.listen = v),
            ..Setting::BASE
        },
        Setting {
            env: Some("FLEXCORD_ADMIN_LISTEN"),
            file: Some(FileKey::new("server", "admin_listen")),
            unset: Unset::Means("one listener serves everything"),
            doc: "a second listen address (e.g. `127.0.0.1:9090`) for `/metrics`, `/readyz`, \
                  `/healthz` and `/announce`; the public listener then serves only the webhook \
                  paths",
            sample: Sample::Commented("\"127.0.0.1:9090\""),
            note: "operator-only endpoints",
            apply: apply!(parse::socket_addr => |s, v| s.admin_listen = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("FLEXCORD_DATABASE_URL"),
            file: Some(FileKey::new("database", "url")),
            unset: Unset::Default("sqlite://flexcord.db"),
            doc: "`sqlite:…` (embedded, one instance) or `postgres://…` / `postgresql://…` \
                  (several instances)",
            sample: Sample::Default,
            note: "sqlite:… or postgres://…",
            apply: apply!(parse::text, parse::database_url
                => |s, v| s.database_url = DatabaseUrl(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("FLEXCORD_KB_DIR"),
            file: Some(FileKey::new("kb", "dir")),
            unset: Unset::Default("./kb"),
            doc: "folder of Markdown articles for the embedded FAQ bot",
            sample: Sample::Default,
            note: "Markdown articles for the FAQ bot",
            apply: apply!(parse::path => |s, v| s.kb_dir = v),
            ..Setting::BASE
        },
        // Read by the command line (`--config`) and the log set-up, before the rest.
        Setting {
            env: Some("FLEXCORD_CONFIG"),
            doc: "the TOML file (same as `--config`)",
            ..Setting::BASE
        },
        Setting {
            env: Some("RUST_LOG"),
            unset: Unset::Means("`info`, with sqlx, twilight and hyper at `warn`"),
            doc: "log filter (`info`, `debug`, `flexcord=debug,info`, …)",
            ..Setting::BASE
        },
    ],
};
