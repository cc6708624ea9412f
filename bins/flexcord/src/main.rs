//! The `flexcord` binary. Wiring comes with the binary issue; for now it says how to configure it.

#[allow(clippy::print_stdout)]
fn main() {
    println!(
        "flexcord {}: the bridge is being assembled. See README.md for configuration.",
        env!("CARGO_PKG_VERSION")
    );
}
