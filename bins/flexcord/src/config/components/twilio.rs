//! `[twilio]`: the account and the Flex resources conversations are routed to.

use flexcord_core::config::RoutingMode;

use crate::config::Needs;
use crate::config::parse;
use crate::config::table::{Component, FileKey, Sample, Setting, Unset, apply};

const SECTION: &str = "twilio";

pub(super) const COMPONENT: Component = Component {
    name: "twilio",
    settings: &[
        Setting {
            env: Some("TWILIO_ACCOUNT_SID"),
            file: Some(FileKey::new(SECTION, "account_sid")),
            unset: Unset::Required(&[Needs::Run, Needs::Twilio], ""),
            doc: "account, `AC…`",
            sample: Sample::Active("\"AC00000000000000000000000000000000\""),
            apply: apply!(parse::text, |v: &String| parse::sid(v, "AC")
                => |s, v| s.twilio.account_sid = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("TWILIO_AUTH_TOKEN"),
            file: Some(FileKey::new(SECTION, "auth_token")),
            unset: Unset::Required(&[Needs::Run, Needs::Twilio], ""),
            doc: "the key of every webhook signature, and the REST password unless an API key is set",
            sample: Sample::Commented("\"…\""),
            note: "prefer the environment",
            apply: apply!(parse::secret => |s, v| s.twilio.auth_token = Some(v)),
            ..Setting::BASE
        },
        // After the auth token: REST calls use the key when both halves are set.
        Setting {
            env: Some("TWILIO_API_KEY"),
            file: Some(FileKey::new(SECTION, "api_key")),
            unset: Unset::Means("REST calls authenticate with the auth token"),
            doc: "an API key, `SK…`, that authenticates REST calls instead of the auth token \
                  (Twilio's recommendation; needs `TWILIO_API_SECRET`)",
            sample: Sample::Commented("\"SK00000000000000000000000000000000\""),
            note: "optional",
            apply: apply!(parse::text, |v: &String| parse::sid(v, "SK")
                => |s, v| s.twilio.api_key = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("TWILIO_API_SECRET"),
            file: Some(FileKey::new(SECTION, "api_secret")),
            doc: "the API key's secret",
            sample: Sample::Commented("\"…\""),
            note: "prefer the environment",
            apply: apply!(parse::secret => |s, v| s.twilio.api_secret = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("TWILIO_API_BASE_URL"),
            file: Some(FileKey::new(SECTION, "api_base_url")),
            unset: Unset::Means("Twilio's hosts"),
            doc: "one base URL replacing every Twilio host, paths unchanged (a proxy or a fake)",
            sample: Sample::Commented("\"http://127.0.0.1:4010\""),
            note: "replaces every Twilio host",
            apply: apply!(parse::base_url, parse::http_url
                => |s, v| s.twilio.api_base_url = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("FLEXCORD_TWILIO_MAX_CONCURRENCY"),
            file: Some(FileKey::new(SECTION, "max_concurrency")),
            unset: Unset::Default("100"),
            doc: "Twilio requests in flight for the account: `N` lets the limit adapt up to N \
                  (grows while Twilio answers, halves on a 429 or a timeout); `fixed:N` holds it at N",
            sample: Sample::Default,
            note: "ceiling, or `fixed:N`",
            apply: apply!(parse::twilio_concurrency => |s, v| s.twilio.concurrency = v),
            ..Setting::BASE
        },
        Setting {
            env: Some("TWILIO_CHAT_SERVICE_SID"),
            file: Some(FileKey::new(SECTION, "chat_service_sid")),
            unset: Unset::Means(
                "asked from Twilio once (`GET /v1/Configuration`, the account's default service)",
            ),
            doc: "the Flex Conversations service, `IS…`, used for media",
            sample: Sample::Active("\"IS00000000000000000000000000000000\""),
            note: "optional",
            apply: apply!(parse::text, |v: &String| parse::sid(v, "IS")
                => |s, v| s.twilio.chat_service_sid = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("TWILIO_WORKSPACE_SID"),
            file: Some(FileKey::new(SECTION, "workspace_sid")),
            unset: Unset::RequiredIn(RoutingMode::Bridge),
            doc: "TaskRouter workspace, `WS…`",
            sample: Sample::Active("\"WS00000000000000000000000000000000\""),
            note: "bridge mode",
            apply: apply!(parse::text, |v: &String| parse::sid(v, "WS")
                => |s, v| s.twilio.workspace_sid = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("TWILIO_WORKFLOW_SID"),
            file: Some(FileKey::new(SECTION, "workflow_sid")),
            unset: Unset::RequiredIn(RoutingMode::Bridge),
            doc: "TaskRouter workflow, `WW…` (`setup twilio` needs it in studio mode too)",
            sample: Sample::Active("\"WW00000000000000000000000000000000\""),
            note: "bridge mode; studio set-up",
            apply: apply!(parse::text, |v: &String| parse::sid(v, "WW")
                => |s, v| s.twilio.workflow_sid = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("TWILIO_STUDIO_FLOW_SID"),
            file: Some(FileKey::new(SECTION, "studio_flow_sid")),
            unset: Unset::RequiredIn(RoutingMode::Studio),
            doc: "the Studio flow, `FW…` (printed by `setup twilio`)",
            sample: Sample::Commented("\"FW00000000000000000000000000000000\""),
            note: "studio mode",
            apply: apply!(parse::text, |v: &String| parse::sid(v, "FW")
                => |s, v| s.twilio.studio_flow_sid = Some(v)),
            ..Setting::BASE
        },
        // Read by `flexcord setup twilio` itself, from the environment only.
        Setting {
            env: Some("TWILIO_TASK_CHANNEL_SID"),
            unset: Unset::Means("needed only by `setup twilio` in studio mode"),
            doc: "the TaskRouter `chat` task channel, `TC…`, written into the Studio flow",
            ..Setting::BASE
        },
    ],
};
