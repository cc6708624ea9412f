//! Behavioural contract suites for `flexcord-core` ports: one set of checks that every
//! implementation of a port runs, so a fake, the embedded store and a remote client all promise
//! users the same things.
//!
//! A check is a plain `pub async fn` that panics (through `assert!`) when the implementation
//! breaks a promise. Call them one by one, through [`case_management::run_all`], or let
//! [`crate::case_management_contract!`] generate one test per check.

pub mod case_management;
