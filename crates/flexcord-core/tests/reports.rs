//! S6 and S8: bug reports and feature requests become cases and report cards; `/case` looks up.

use flexcord_core::case::{CaseKind, Priority};
use flexcord_core::content::GuildChannel;
use flexcord_core::event::{Member, ReportForm};
use flexcord_core::ids::CaseId;
use flexcord_core::ports::{CaseError, ChatError, Reply};
use flexcord_core::router::{Incident, Outcome};
use flexcord_testkit::{ChatOp, FIRST_CASE, GUILD, Harness, user};

fn bug() -> ReportForm {
    ReportForm {
        kind: CaseKind::Bug,
        title: "Crash on launch".into(),
        description: "The game closes at once.".into(),
        steps: Some("1. start the game".into()),
        platform: Some("Windows 11 / 1.4.2".into()),
    }
}

#[tokio::test]
async fn a_bug_report_becomes_a_case_and_a_card_and_the_reporter_is_told() {
    let h = Harness::new();
    let u = user(1);
    let i = h.interaction();
    let handled = h.report(&u, &i, bug()).await.unwrap();
    assert_eq!(handled.outcome, Outcome::Done);

    let case = h.cases.case(CaseId(FIRST_CASE)).unwrap();
    assert_eq!(case.kind, CaseKind::Bug);
    assert_eq!(case.priority, Priority::Low);
    assert_eq!(
        case.fields,
        [
            (
                "Steps to reproduce".to_owned(),
                "1. start the game".to_owned()
            ),
            (
                "Platform / version".to_owned(),
                "Windows 11 / 1.4.2".to_owned()
            ),
        ]
    );
    h.drain().await.unwrap();
    let reports = h.chat.reports();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].0, GuildChannel::BugReport);
    assert_eq!(reports[0].1.case_id, case.id);
    assert_eq!(reports[0].1.reporter, u.id);
    assert_eq!(
        h.chat.reply_texts(i.id),
        ["Thanks! Your bug report is case #1001."]
    );
}

#[tokio::test]
async fn a_feature_request_goes_to_its_channel_without_empty_fields() {
    let h = Harness::new();
    let u = user(1);
    let i = h.interaction();
    let form = ReportForm {
        kind: CaseKind::Feature,
        title: "Dark mode".into(),
        description: "Please".into(),
        steps: None,
        platform: Some("  ".into()),
    };
    h.report(&u, &i, form).await.unwrap();
    h.drain().await.unwrap();
    let (channel, card) = h.chat.reports().pop().unwrap();
    assert_eq!(channel, GuildChannel::FeatureRequest);
    assert!(card.fields.is_empty());
    assert_eq!(
        h.chat.reply_texts(i.id),
        ["Thanks! Your feature request is case #1001."]
    );
}

#[tokio::test]
async fn the_same_submission_twice_files_one_case_and_one_card() {
    let h = Harness::new();
    let u = user(1);
    let i = h.interaction();
    h.report(&u, &i, bug()).await.unwrap();
    let again = h.report(&u, &i, bug()).await.unwrap();
    assert_eq!(again.outcome, Outcome::Duplicate);
    assert_eq!(h.cases.all().len(), 1);
    h.drain().await.unwrap();
    assert_eq!(h.chat.reports().len(), 1);
}

#[tokio::test]
async fn a_failing_case_system_tells_the_reporter_to_retry() {
    let h = Harness::new();
    let u = user(1);
    h.cases
        .fail_with(Some(CaseError::Unavailable("503".into())));
    let i = h.interaction();
    let handled = h.report(&u, &i, bug()).await.unwrap();
    assert_eq!(
        handled.incidents,
        [Incident::CaseSystem(CaseError::Unavailable("503".into()))]
    );
    assert_eq!(
        h.chat.reply_texts(i.id),
        [h.router.config().templates.report_failed.clone()]
    );
    assert!(h.chat.reports().is_empty());
}

#[tokio::test]
async fn a_failing_report_card_still_gives_the_case_number() {
    let h = Harness::new();
    let u = user(1);
    h.chat
        .fail_once(ChatOp::PostReport, ChatError::NotFound("channel".into()));
    let i = h.interaction();
    let handled = h.report(&u, &i, bug()).await.unwrap();
    assert!(handled.incidents.is_empty(), "the card is an outbox entry");
    assert_eq!(
        h.chat.reply_texts(i.id),
        ["Thanks! Your bug report is case #1001."]
    );
    // The card's failure is the delivery's: a missing channel is not retried.
    let drained = h.drain().await.unwrap();
    assert!(
        matches!(&drained.dead[..], [(_, reason)] if reason.contains("channel")),
        "{drained:?}"
    );
}

#[tokio::test]
async fn staff_can_look_cases_up_and_others_cannot() {
    let h = Harness::new();
    let u = user(1);
    h.report(&u, &h.interaction(), bug()).await.unwrap();

    let i = h.interaction();
    h.case_command(&u, &i, CaseId(FIRST_CASE), true)
        .await
        .unwrap();
    let (_, reply) = h.chat.replies().pop().unwrap();
    assert!(matches!(reply, Reply::Case(c) if c.id == CaseId(FIRST_CASE)));

    let i = h.interaction();
    h.case_command(&u, &i, CaseId(FIRST_CASE), false)
        .await
        .unwrap();
    assert_eq!(
        h.chat.reply_texts(i.id),
        [h.router.config().templates.case_forbidden.clone()]
    );

    let i = h.interaction();
    h.case_command(&u, &i, CaseId(9), true).await.unwrap();
    assert_eq!(h.chat.reply_texts(i.id), ["There is no case #9."]);
}

#[tokio::test]
async fn case_from_another_server_is_refused_whatever_the_callers_permissions_there() {
    let h = Harness::builder()
        .tweak(|c| c.staff.role = Some("Support".to_owned()))
        .build();
    let u = user(1);
    h.report(&u, &h.interaction(), bug()).await.unwrap();
    let forbidden = h.router.config().templates.case_forbidden.clone();

    // An administrator of some other server the bot is in.
    let i = h.interaction();
    let elsewhere = Member {
        guild: GUILD + 1,
        manages_server: true,
        roles: vec!["Support".to_owned()],
    };
    h.case_command_by(&u, &i, CaseId(FIRST_CASE), Some(elsewhere))
        .await
        .unwrap();
    assert_eq!(h.chat.reply_texts(i.id), std::slice::from_ref(&forbidden));

    // Outside any server (a DM, a user-installed command).
    let i = h.interaction();
    h.case_command_by(&u, &i, CaseId(FIRST_CASE), None)
        .await
        .unwrap();
    assert_eq!(h.chat.reply_texts(i.id), [forbidden]);

    // The staff role in the served server is enough.
    let i = h.interaction();
    let support = Member {
        guild: GUILD,
        manages_server: false,
        roles: vec!["support".to_owned()],
    };
    h.case_command_by(&u, &i, CaseId(FIRST_CASE), Some(support))
        .await
        .unwrap();
    let (_, reply) = h.chat.replies().pop().unwrap();
    assert!(matches!(reply, Reply::Case(c) if c.id == CaseId(FIRST_CASE)));
}
