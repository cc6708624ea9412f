//! Builds each adapter from the settings: the one place that knows which concrete type stands
//! behind each port.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use flexcord_core::config::RoutingMode;
use flexcord_core::ports::{CaseManagement, VirtualAgent};
use flexcord_discord::DiscordConfig;
use flexcord_kb::{FaqBot, KbConfig, KbDb};
use flexcord_store::{Store, StoreConfig};
use secrecy::SecretString;
use twilio_flex::{Credentials, FlexConfig, FlexContactCenter};

use crate::config::{RemoteService, Settings, TwilioConcurrency};

/// Opens the store (running migrations).
pub async fn store(settings: &Settings) -> anyhow::Result<Store> {
    let url = &settings.database_url.0;
    Store::open(&StoreConfig::new(url.clone()))
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                flexcord_store::redact_url(url)
            )
        })
}

/// Opens an existing database to read it: nothing is created, migrated or written (the
/// commands that only look: `cases list|show`, `outbox dead`, `users list|show`, `check`).
pub async fn store_read_only(settings: &Settings) -> anyhow::Result<Store> {
    let url = &settings.database_url.0;
    Store::open_read_only(&StoreConfig::new(url.clone()))
        .await
        .map_err(|error| read_only_error(&error, url))
}

/// The open error with what the operator does about it.
fn read_only_error(error: &flexcord_store::OpenError, url: &str) -> anyhow::Error {
    use flexcord_store::OpenError;
    let fix = match error {
        OpenError::Missing(_) | OpenError::NotMigrated(_) => {
            "; check FLEXCORD_DATABASE_URL (`flexcord run` creates and migrates the database)"
        }
        _ => "",
    };
    anyhow::anyhow!(
        "cannot open the database {} to read it: {error}{fix}",
        flexcord_store::redact_url(url)
    )
}

/// The case system: remote when `CASES_URL` is set, else the embedded one in the store.
pub fn cases(settings: &Settings, store: &Store) -> anyhow::Result<Arc<dyn CaseManagement>> {
    Ok(match &settings.cases {
        Some(remote) => {
            let config = cases::Config::new(&remote.url, key(remote))
                .context("CASES_URL is not a usable URL")?;
            Arc::new(cases::Client::new(&config).context("cannot build the case-system client")?)
        }
        None => Arc::new(store.cases()),
    })
}

/// Where the embedded FAQ bot keeps its index: next to a SQLite store's file (so a restart and
/// `flexcord kb index` only re-read changed articles), in memory with PostgreSQL.
pub fn kb_db(settings: &Settings) -> KbDb {
    let url = &settings.database_url.0;
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"));
    match path {
        Some(p) if !p.is_empty() && !p.starts_with(":memory:") => {
            let p = p.split('?').next().unwrap_or(p);
            KbDb::File(PathBuf::from(format!("{p}.kb")))
        }
        _ => KbDb::Memory,
    }
}

/// The embedded FAQ bot, indexed.
pub async fn faq_bot(settings: &Settings) -> anyhow::Result<FaqBot> {
    let bot = FaqBot::open(KbConfig {
        dir: settings.kb_dir.clone(),
        db: kb_db(settings),
        ..KbConfig::default()
    })
    .await
    .context("cannot open the knowledge-base index")?;
    let report = bot.index_dir().await.with_context(|| {
        format!(
            "cannot index the knowledge base in {}",
            settings.kb_dir.display()
        )
    })?;
    tracing::info!(%report, dir = %settings.kb_dir.display(), "knowledge base indexed");
    Ok(bot)
}

/// The virtual agent: SeaChat when `SEACHAT_URL` is set, else the embedded FAQ bot (which is
/// then re-indexed every minute, so edited articles show up without a restart).
pub async fn virtual_agent(
    settings: &Settings,
    tasks: &mut Vec<tokio::task::JoinHandle<()>>,
) -> anyhow::Result<Arc<dyn VirtualAgent>> {
    Ok(match &settings.seachat {
        Some(remote) => {
            let config = seachat::Config::new(&remote.url, key(remote))
                .context("SEACHAT_URL is not a usable URL")?;
            Arc::new(seachat::Client::new(&config).context("cannot build the SeaChat client")?)
        }
        None => {
            let bot = faq_bot(settings).await?;
            tasks.push(bot.watch(Duration::from_secs(60)));
            Arc::new(bot)
        }
    })
}

fn key(remote: &RemoteService) -> SecretString {
    SecretString::from(
        remote
            .api_key
            .as_ref()
            .map(|k| k.expose().to_owned())
            .unwrap_or_default(),
    )
}

/// The Twilio REST client.
pub fn twilio_client(settings: &Settings) -> anyhow::Result<twilio_flex::Client> {
    twilio_client_builder(settings)?
        .build()
        .context("cannot build the Twilio client")
}

/// The REST credentials: the API key (`SK…`) and its secret when both are set, else the
/// account's auth token (which signs webhooks either way).
///
/// # Errors
///
/// Half an API key, or neither an API key nor an auth token.
pub fn twilio_credentials(settings: &Settings) -> anyhow::Result<Credentials> {
    let t = &settings.twilio;
    let sid = t
        .account_sid
        .as_ref()
        .context("TWILIO_ACCOUNT_SID is required")?;
    match (&t.api_key, &t.api_secret, &t.auth_token) {
        (Some(key), Some(secret), _) => Ok(Credentials::api_key(
            sid.clone(),
            key.clone(),
            secret.expose(),
        )),
        (Some(_), None, _) => anyhow::bail!("TWILIO_API_KEY is set without TWILIO_API_SECRET"),
        (None, Some(_), _) => anyhow::bail!("TWILIO_API_SECRET is set without TWILIO_API_KEY"),
        (None, None, Some(token)) => Ok(Credentials::auth_token(sid.clone(), token.expose())),
        (None, None, None) => anyhow::bail!("TWILIO_AUTH_TOKEN is required"),
    }
}

/// [`twilio_client`]'s builder, for callers that change a default (`check` retries nothing).
pub fn twilio_client_builder(settings: &Settings) -> anyhow::Result<twilio_flex::ClientBuilder> {
    let mut builder = twilio_flex::Client::builder(twilio_credentials(settings)?);
    if let Some(base) = &settings.twilio.api_base_url {
        builder = builder.base_url(base);
    }
    // One limit for the process: every clone of this client shares it, and Twilio counts
    // concurrency per account.
    let limit = match settings.twilio.concurrency {
        TwilioConcurrency::Adaptive { ceiling } => {
            twilio_flex::ConcurrencyLimit::adaptive(twilio_flex::Aimd::new(1, ceiling))
        }
        TwilioConcurrency::Fixed(n) => twilio_flex::ConcurrencyLimit::fixed(n),
    };
    Ok(builder.concurrency(limit))
}

/// The Flex contact-center adapter.
pub fn contact_center(
    settings: &Settings,
    client: twilio_flex::Client,
) -> anyhow::Result<FlexContactCenter> {
    let public_url = settings
        .public_url
        .clone()
        .context("FLEXCORD_PUBLIC_URL is required")?;
    let mut config = FlexConfig::new(public_url);
    config
        .chat_service_sid
        .clone_from(&settings.twilio.chat_service_sid);
    config
        .workspace_sid
        .clone_from(&settings.twilio.workspace_sid);
    config
        .workflow_sid
        .clone_from(&settings.twilio.workflow_sid);
    config.studio_flow_sid = match settings.router.routing {
        RoutingMode::Studio => settings.twilio.studio_flow_sid.clone(),
        RoutingMode::Bridge => None,
    };
    Ok(FlexContactCenter::new(client, config))
}

/// The Discord adapter's configuration.
pub fn discord_config(settings: &Settings) -> anyhow::Result<DiscordConfig> {
    let d = &settings.discord;
    Ok(DiscordConfig {
        token: SecretString::from(
            d.token
                .as_ref()
                .context("DISCORD_TOKEN is required")?
                .expose()
                .to_owned(),
        ),
        application_id: d
            .application_id
            .context("DISCORD_APPLICATION_ID is required")?,
        guild_id: d.guild_id.context("DISCORD_GUILD_ID is required")?,
        gateway_url: d.gateway_url.clone(),
        api_proxy: d.api_proxy.clone(),
        staff_role: d.staff_role.clone(),
        global_rate_limit: d.global_rate_limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FileConfig, Needs};

    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    const KEY: &str = "SK0123456789abcdef0123456789abcdef";

    #[test]
    fn an_api_key_authenticates_rest_calls_and_the_auth_token_stays_the_signature_key() {
        let env = [
            ("TWILIO_ACCOUNT_SID", SID),
            ("TWILIO_AUTH_TOKEN", "the-auth-token"),
            ("TWILIO_API_KEY", KEY),
            ("TWILIO_API_SECRET", "the-key-secret"),
        ];
        let settings = Settings::load(FileConfig::default(), &env, Needs::Twilio).unwrap();
        let credentials = format!("{:?}", twilio_credentials(&settings).unwrap());
        assert!(
            credentials.contains(&format!("username: \"{KEY}\"")),
            "{credentials}"
        );
        assert!(!credentials.contains("the-key-secret"), "{credentials}");
        // Redacted like every secret.
        let debug = format!("{settings:?}");
        assert!(!debug.contains("the-key-secret") && !debug.contains("the-auth-token"));
        assert_eq!(
            settings.twilio.auth_token.as_ref().map(|t| t.expose()),
            Some("the-auth-token")
        );

        let without_key = [("TWILIO_ACCOUNT_SID", SID), ("TWILIO_AUTH_TOKEN", "t")];
        let settings = Settings::load(FileConfig::default(), &without_key, Needs::Twilio).unwrap();
        let credentials = format!("{:?}", twilio_credentials(&settings).unwrap());
        assert!(
            credentials.contains(&format!("username: \"{SID}\"")),
            "{credentials}"
        );
    }

    #[test]
    fn half_an_api_key_is_a_configuration_problem() {
        let env = [
            ("TWILIO_ACCOUNT_SID", SID),
            ("TWILIO_AUTH_TOKEN", "t"),
            ("TWILIO_API_KEY", KEY),
        ];
        let error = Settings::load(FileConfig::default(), &env, Needs::Twilio).unwrap_err();
        assert_eq!(
            error.problems,
            vec!["TWILIO_API_SECRET is required with TWILIO_API_KEY".to_owned()]
        );
    }
}
