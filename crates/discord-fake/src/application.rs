//! `GET` / `PATCH /applications/@me` on a wiremock server: the application as twilight-model
//! 0.18 reads it, with its public key (`verify_key`) and an Interactions Endpoint URL that a
//! PATCH sets and a later GET reports. Unlike Discord, the fake does not PING the new URL
//! before accepting it (a wiremock responder cannot make requests); tests check the endpoint
//! with [`crate::interactions::InteractionSender`].

use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::fixtures::APPLICATION_ID;

/// The application's state as the fake keeps it.
#[derive(Debug, Clone, Default)]
pub struct FakeApplication {
    endpoint: Arc<Mutex<Option<String>>>,
    verify_key: Arc<str>,
}

impl FakeApplication {
    /// The Interactions Endpoint URL last set (`None`: over the gateway).
    #[must_use]
    pub fn interactions_endpoint_url(&self) -> Option<String> {
        self.endpoint
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn body(&self) -> Value {
        json!({
            "id": APPLICATION_ID.to_string(), "name": "flexcord test", "description": "",
            "icon": null, "bot_public": false, "bot_require_code_grant": false,
            "flags": 0, "team": null, "verify_key": &*self.verify_key,
            "interactions_endpoint_url": self.interactions_endpoint_url(),
        })
    }
}

impl Respond for FakeApplication {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.method.as_str() == "PATCH"
            && let Ok(patch) = serde_json::from_slice::<Value>(&request.body)
            && let Some(url) = patch.get("interactions_endpoint_url")
        {
            *self.endpoint.lock().unwrap_or_else(PoisonError::into_inner) =
                url.as_str().filter(|u| !u.is_empty()).map(str::to_owned);
        }
        ResponseTemplate::new(200).set_body_json(self.body())
    }
}

/// Answers `GET` and `PATCH /applications/@me` for an application whose public key is
/// `verify_key` (hex); returns a handle on its state.
pub async fn mount_application(server: &MockServer, verify_key: &str) -> FakeApplication {
    let application = FakeApplication {
        endpoint: Arc::default(),
        verify_key: verify_key.into(),
    };
    for verb in ["GET", "PATCH"] {
        Mock::given(method(verb))
            .and(path("/api/v10/applications/@me"))
            .respond_with(application.clone())
            .mount(server)
            .await;
    }
    application
}
