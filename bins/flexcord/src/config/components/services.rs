//! `[seachat]`, `[cases]`: the optional external services that replace the embedded ones.

use crate::config::parse;
use crate::config::table::{Component, FileKey, Sample, Setting, Unset, apply};
use crate::config::{RemoteService, Secret};

pub(super) const COMPONENT: Component = Component {
    name: "services",
    settings: &[
        Setting {
            env: Some("SEACHAT_URL"),
            file: Some(FileKey::new("seachat", "url")),
            unset: Unset::Means("unset: the embedded FAQ bot over `FLEXCORD_KB_DIR`"),
            doc: "an external virtual agent ([contract](contracts/virtual-agent.md))",
            sample: Sample::Commented("\"https://seachat.example.com\""),
            apply: apply!(parse::text, parse::http_url => |s, v| s.seachat = Some(service(v))),
            ..Setting::BASE
        },
        // After its URL: a key without a service is ignored.
        Setting {
            env: Some("SEACHAT_API_KEY"),
            file: Some(FileKey::new("seachat", "api_key")),
            doc: "its API key",
            sample: Sample::Commented("\"…\""),
            apply: apply!(parse::secret => |s, v| set_key(s.seachat.as_mut(), v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("CASES_URL"),
            file: Some(FileKey::new("cases", "url")),
            unset: Unset::Means("unset: cases live in flexcord's database"),
            doc: "an external case system ([contract](contracts/cases.md))",
            sample: Sample::Commented("\"https://cases.example.com\""),
            apply: apply!(parse::text, parse::http_url => |s, v| s.cases = Some(service(v))),
            ..Setting::BASE
        },
        Setting {
            env: Some("CASES_API_KEY"),
            file: Some(FileKey::new("cases", "api_key")),
            doc: "its API key",
            sample: Sample::Commented("\"…\""),
            apply: apply!(parse::secret => |s, v| set_key(s.cases.as_mut(), v)),
            ..Setting::BASE
        },
    ],
};

fn service(url: String) -> RemoteService {
    RemoteService { url, api_key: None }
}

fn set_key(service: Option<&mut RemoteService>, key: Secret) {
    if let Some(service) = service {
        service.api_key = Some(key);
    }
}
