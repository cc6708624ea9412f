//! `flexcord sandbox`: the whole product on one machine with no accounts.

/// Runs the sandbox until Ctrl-C.
///
/// # Errors
///
/// Not built yet: says so.
#[allow(clippy::unused_async)] // Will await the sandbox once it exists.
pub async fn run(listen: std::net::SocketAddr, kb: std::path::PathBuf) -> anyhow::Result<()> {
    anyhow::bail!(
        "the sandbox is not built yet (asked to listen on {listen} with {})",
        kb.display()
    )
}
