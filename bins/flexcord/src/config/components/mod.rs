//! The setting tables, one per component; each is one table in `docs/configuration.md`.
//!
//! To add a setting: add a row to its component (or a new component file listed in
//! [`COMPONENTS`]) and the field it fills in [`super::Settings`]; then regenerate the docs with
//! `FLEXCORD_BLESS=1 cargo test -p flexcord config::docs` and describe it in the prose around
//! the table if it needs more than one line.

mod announcements;
mod discord;
mod limits;
mod locale;
mod server;
mod services;
mod twilio;

use super::table::Component;

/// Every component, in merge and documentation order. A row is merged after the rows before
/// it, so a row may refine what an earlier one stored (an API key after its service's URL).
pub(crate) const COMPONENTS: &[Component] = &[
    discord::COMPONENT,
    twilio::COMPONENT,
    server::COMPONENT,
    announcements::COMPONENT,
    services::COMPONENT,
    locale::COMPONENT,
    limits::COMPONENT,
];
