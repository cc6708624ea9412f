//! The store contract: one suite of behaviours every `SessionStore` / `CaseManagement` backend
//! must show, run against SQLite always and against PostgreSQL when
//! `FLEXCORD_TEST_POSTGRES_URL` is set (`source .ci/postgres.sh` starts a local server).

// The contract functions are plain async fns called from the generated #[tokio::test]s, so
// clippy's test allowances do not reach them.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`; a skipped PostgreSQL run says so on stderr"
)]

mod cases;
mod harness;
mod lifecycle;
mod limits;
mod outbox;
mod sessions;

/// Generates one `#[tokio::test]` per backend for each listed contract function
/// (`async fn(&harness::TestDb)`).
macro_rules! contract {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::harness::TestDb::sqlite();
                    crate::$module::$name(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::harness::TestDb::postgres().await else { return };
                    crate::$module::$name(&db).await;
                    db.drop_schema().await;
                }
            )*
        }
    };
}

contract!(
    sessions::saves_and_finds_sessions_by_user_channel_and_conversation,
    sessions::version_mismatch_is_a_conflict_and_writes_nothing,
    sessions::duplicate_event_writes_nothing,
    sessions::concurrent_commits_of_one_event_commit_exactly_once,
    sessions::concurrent_first_saves_of_one_session_admit_one,
    sessions::recent_dm_channels_lists_the_latest_sessions_first,
    sessions::the_users_locale_is_kept_and_follows_their_latest_interaction,
    outbox::claims_in_order_and_reports_attempts,
    outbox::two_workers_never_claim_the_same_entry,
    outbox::later_entries_of_a_key_wait_for_the_first,
    outbox::complete_many_settles_a_batch_and_skips_unknown_ids,
    outbox::expired_lease_is_claimed_again_with_attempts_counted,
    outbox::retry_later_delays_and_counts,
    outbox::dead_letter_keeps_reason_and_unblocks_the_key,
    outbox::a_retried_dead_letter_is_delivered_again_as_maybe_sent,
    outbox::settling_an_unknown_entry_is_not_found,
    outbox::prune_removes_only_old_finished_rows,
    outbox::entry_nonces_are_stable_per_entry_and_differ_between_databases,
    lifecycle::reopening_keeps_sessions_outbox_and_cases,
    lifecycle::concurrent_opens_migrate_once,
    lifecycle::ping_answers,
    lifecycle::checkpoints_keep_everything_and_never_block_writers,
    lifecycle::retention_task_prunes_periodically,
    cases::numbers_start_at_1001_and_increase,
    cases::create_is_idempotent_per_key,
    cases::notes_rating_and_status_are_kept,
    cases::invalid_case_is_rejected,
    limits::limit_usage_is_saved_with_the_session_under_its_version,
    limits::blocks_are_listed_lifted_and_noticed_once_a_day,
    limits::concurrent_notice_claims_admit_one,
    limits::a_block_written_elsewhere_is_seen_within_moments,
);
