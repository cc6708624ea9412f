//! `flexcord check`: validate the configuration for `run` and reach every configured service,
//! printing one line per check and what to do about a failure.

#![expect(
    clippy::print_stdout,
    reason = "this module's job is printing for a person"
)]

use std::sync::Arc;

use flexcord_core::ports::SessionStore;
use flexcord_discord::build_http;

use crate::adapters;
use crate::config::Settings;

/// Runs every check; returns whether all passed.
pub async fn run(settings: &Settings) -> bool {
    let mut ok = true;
    let mut report = |name: &str, result: Result<String, String>| match result {
        Ok(detail) => println!("ok    {name}: {detail}"),
        Err(problem) => {
            ok = false;
            println!("FAIL  {name}: {problem}");
        }
    };

    let store = adapters::store(settings).await;
    report(
        "database",
        match &store {
            Ok(store) => match store.ping().await {
                Ok(()) => Ok(flexcord_store::redact_url(&settings.database_url.0)),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(format!("{e:#}")),
        },
    );

    if settings.seachat.is_some() {
        report("virtual agent", Ok("SeaChat (remote)".to_owned()));
    } else {
        report(
            "knowledge base",
            match adapters::faq_bot(settings).await {
                Ok(bot) => Ok(format!(
                    "{} articles",
                    bot.article_count().await.unwrap_or(0)
                )),
                Err(e) => Err(format!("{e:#}")),
            },
        );
    }

    report(
        "twilio",
        match adapters::twilio_client(settings) {
            Ok(client) => client
                .conversations_configuration()
                .await
                .map(|_| "credentials accepted".to_owned())
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("{e:#}")),
        },
    );

    flexcord_discord::install_crypto_provider();
    report(
        "discord",
        match adapters::discord_config(settings).and_then(|c| Ok(build_http(&c)?)) {
            Ok(http) => {
                let http = Arc::new(http);
                match http.current_user().await {
                    Ok(response) => match response.model().await {
                        Ok(user) => Ok(format!("logged in as {}", user.name)),
                        Err(e) => Err(e.to_string()),
                    },
                    Err(e) => Err(e.to_string()),
                }
            }
            Err(e) => Err(format!("{e:#}")),
        },
    );
    if let Ok(store) = store {
        store.close().await;
    }
    ok
}
