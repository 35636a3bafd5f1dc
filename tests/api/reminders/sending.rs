//! The `send-reminders` job for dated anchors: once per occurrence, late within the catch-up
//! window, re-armed by renewals, repeats, filters, and delivery to a real SMTP listener.

use std::time::Duration;

use serde_json::json;
use tessera::config::MailTransportKind;

use super::*;
use crate::fixtures::set_today;
use crate::helpers::{TestApp, job};
use crate::smtp::SmtpSink;

fn days(from: &str, n: i64) -> String {
    (crate::fixtures::d(from) + chrono::Duration::days(n)).to_string()
}

#[tokio::test]
async fn a_renewal_reminder_goes_out_once_and_reaches_the_member_by_smtp() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(move |s| {
        s.mail.transport = MailTransportKind::Smtp;
        s.mail.smtp_url = url.parse().unwrap();
        s.organization.name = "Friends of the Park".into();
    })
    .await;
    let admin = app.admin_token().await;
    set_today(&app, "2026-01-10");
    let t = quiet_type(&app, &admin, "Individual").await;
    let c = contact(
        &app,
        &admin,
        json!({ "firstName": "Zoë", "lastName": "O'Brien", "email": "zoe@example.org" }),
    )
    .await;
    let m = membership(&app, &admin, &c, &t, ("2025-04-01", "2026-03-31")).await;
    reminder(&app, &admin, renewal_30_days_before()).await;

    assert_eq!(
        counts(&run_reminders(&app, "2026-02-28").await),
        (0, 0),
        "not yet"
    );
    // Through the API, as an admin would.
    let body = app
        .gql(&admin, "mutation { runJob(name: \"send-reminders\", asOf: \"2026-03-01\") { status processed changed details } }", json!({}))
        .await;
    let run = &body["data"]["runJob"];
    assert_eq!(
        (&run["status"], &run["changed"]),
        (&json!("SUCCEEDED"), &json!(1)),
        "{body}"
    );
    assert_eq!(run["details"]["byReminder"][0]["due"], 1);
    // Again the same day, and every later day of the catch-up window: nothing new.
    for n in 0..=7 {
        let details = run_reminders(&app, &days("2026-03-01", n)).await;
        assert_eq!(counts(&details), (0, 1), "day +{n}: {details}");
    }
    assert_eq!(
        counts(&run_reminders(&app, "2026-03-09").await),
        (0, 0),
        "past the window"
    );
    let keys = reminder_keys(&app, &admin).await;
    assert_eq!(keys.len(), 1);
    assert!(keys[0].ends_with(&format!(".m{m}.2026-03-31")), "{keys:?}");

    let run =
        tessera::jobs::runs::run(&app.state, job("deliver-mail"), app.clock().today(), "test")
            .await
            .unwrap();
    assert_eq!(run.changed, 1, "{:?}", run.details);
    let got = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, vec!["zoe@example.org".to_string()]);
    assert_eq!(
        got[0].header("Subject").unwrap(),
        "Time to renew your Friends of the Park membership"
    );
    let text = got[0].text_part();
    assert!(text.contains("Zoë"), "{text}");
    assert!(text.contains("Individual"), "{text}");
    assert!(got[0].html_part().contains("Zoë"));
    run_reminders(&app, "2026-03-02").await;
    tessera::jobs::runs::run(&app.state, job("deliver-mail"), app.clock().today(), "test")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sink.messages().len(), 1, "sent once");
}

#[tokio::test]
async fn missed_days_are_caught_up_late_but_not_beyond_the_window() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2026-01-10");
    // The template shows what the reminder knows, to check its render context.
    let body = app
        .gql(&admin, "mutation { updateMessageTemplate(key: \"renewal-reminder\", input: { subject: \"{{reminder.name}}: {{reminder.daysUntilEnd}} days\" }) { key } }", json!({}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let t = quiet_type(&app, &admin, "Individual").await;
    let c = contact(
        &app,
        &admin,
        json!({ "lastName": "Late", "email": "late@example.org" }),
    )
    .await;
    membership(&app, &admin, &c, &t, ("2025-04-01", "2026-03-31")).await; // due 03-01
    let c2 = contact(
        &app,
        &admin,
        json!({ "lastName": "Early", "email": "early@example.org" }),
    )
    .await;
    membership(&app, &admin, &c2, &t, ("2025-03-21", "2026-03-20")).await; // due 02-18
    reminder(&app, &admin, renewal_30_days_before()).await;
    // The job last ran on Feb 17 and then not for days; on Mar 4 (catch-up 7 days: Feb 25 on) it
    // sends the Mar 1 reminder three days late, and not the Feb 18 one, now 14 days old.
    assert_eq!(counts(&run_reminders(&app, "2026-02-17").await), (0, 0));
    let details = run_reminders(&app, "2026-03-04").await;
    assert_eq!(counts(&details), (1, 0), "{details}");
    let messages = reminder_messages(&app, &admin).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["recipient"], "late@example.org");
    assert_eq!(
        messages[0]["subject"], "Renewal, 30 days before: 27 days",
        "days from the run date"
    );
}

#[tokio::test]
async fn a_renewal_arms_the_reminder_for_the_next_period() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2026-01-10");
    let t = quiet_type(&app, &admin, "Individual").await;
    let c = contact(
        &app,
        &admin,
        json!({ "lastName": "Loyal", "email": "loyal@example.org" }),
    )
    .await;
    let m = membership(&app, &admin, &c, &t, ("2025-04-01", "2026-03-31")).await;
    reminder(&app, &admin, renewal_30_days_before()).await;
    assert_eq!(counts(&run_reminders(&app, "2026-03-01").await), (1, 0));
    set_today(&app, "2026-03-10");
    let body = app
        .gql(&admin, "mutation($id: ID!) { renewMembership(id: $id, input: { renewalDate: \"2026-03-10\" }) { endDate } }", json!({ "id": m }))
        .await;
    assert_eq!(
        body["data"]["renewMembership"]["endDate"], "2027-03-31",
        "{body}"
    );
    assert_eq!(
        counts(&run_reminders(&app, "2026-03-05").await),
        (0, 0),
        "the old end date no longer counts"
    );
    assert_eq!(
        counts(&run_reminders(&app, "2027-03-01").await),
        (1, 0),
        "the next period's reminder"
    );
    assert_eq!(counts(&run_reminders(&app, "2027-03-02").await), (0, 1));
    let keys = reminder_keys(&app, &admin).await;
    assert_eq!(
        keys.iter()
            .map(|k| k.rsplit('.').next().unwrap())
            .collect::<Vec<_>>(),
        vec!["2026-03-31", "2027-03-31"]
    );
}

#[tokio::test]
async fn repeats_go_out_once_each_and_late_ones_catch_up() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2026-01-10");
    let t = quiet_type(&app, &admin, "Individual").await;
    let a = contact(
        &app,
        &admin,
        json!({ "lastName": "Daily", "email": "daily@example.org" }),
    )
    .await;
    let ma = membership(&app, &admin, &a, &t, ("2025-04-01", "2026-03-31")).await;
    // Two weeks before the end, then weekly up to the end date: Mar 17, Mar 24, Mar 31.
    reminder(&app, &admin, json!({ "name": "Weekly", "templateKey": "renewal-reminder", "anchor": "END_DATE", "offset": 2, "unit": "WEEK", "direction": "BEFORE", "repeatEvery": 1, "repeatUntil": 0 })).await;
    let mut queued = vec![];
    for n in 0..25 {
        let details = run_reminders(&app, &days("2026-03-10", n)).await;
        queued.push(details["queued"].as_i64().unwrap());
    }
    let on: Vec<String> = queued
        .iter()
        .enumerate()
        .filter(|(_, q)| **q > 0)
        .map(|(n, _)| days("2026-03-10", n as i64))
        .collect();
    assert_eq!(on, vec!["2026-03-17", "2026-03-24", "2026-03-31"]);
    let keys = reminder_keys(&app, &admin).await;
    let base = keys[0].clone();
    assert_eq!(
        keys,
        vec![base.clone(), format!("{base}.1"), format!("{base}.2")]
    );
    assert!(base.ends_with(&format!(".m{ma}.2026-03-31")));

    // A second member whose job did not run all month: on the end date the two occurrences in the
    // catch-up window go out, the first (two weeks earlier) does not.
    let b = contact(
        &app,
        &admin,
        json!({ "lastName": "Busy", "email": "busy@example.org" }),
    )
    .await;
    membership(&app, &admin, &b, &t, ("2025-05-01", "2026-04-30")).await;
    let details = run_reminders(&app, "2026-04-30").await;
    assert_eq!(counts(&details), (2, 0), "{details}");
}

#[tokio::test]
async fn filters_by_type_stored_status_and_the_trash() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2026-01-10");
    let individual = quiet_type(&app, &admin, "Individual").await;
    let student = quiet_type(&app, &admin, "Student").await;
    let expired = status_id(&app, &admin, "EXPIRED").await;
    let dates = ("2025-04-01", "2026-03-31");
    let mut ids = std::collections::HashMap::new();
    for (who, type_id) in [
        ("ind", &individual),
        ("stu", &student),
        ("held", &individual),
        ("trash", &individual),
    ] {
        let c = contact(
            &app,
            &admin,
            json!({ "lastName": who, "email": format!("{who}@example.org") }),
        )
        .await;
        ids.insert(who, membership(&app, &admin, &c, type_id, dates).await);
        if who == "held" {
            let body = app.gql(&admin, "mutation($id: ID!, $s: ID!) { updateMembership(id: $id, input: { statusOverride: $s }) { status { code } } }", json!({ "id": ids["held"], "s": expired })).await;
            assert_eq!(
                body["data"]["updateMembership"]["status"]["code"], "EXPIRED",
                "{body}"
            );
        }
        if who == "trash" {
            let body = app
                .gql(
                    &admin,
                    "mutation($id: ID!) { deleteContact(id: $id) }",
                    json!({ "id": c }),
                )
                .await;
            assert!(body["errors"].is_null(), "{body}");
        }
    }
    let base = renewal_30_days_before();
    let with = |extra: serde_json::Value| {
        let mut input = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    let current = reminder(&app, &admin, with(json!({ "name": "current" }))).await;
    let students = reminder(
        &app,
        &admin,
        with(json!({ "name": "students", "membershipTypeIds": [student] })),
    )
    .await;
    let lapsed = reminder(
        &app,
        &admin,
        with(json!({ "name": "expired", "statusIds": [expired] })),
    )
    .await;
    reminder(
        &app,
        &admin,
        with(json!({ "name": "inactive", "isActive": false })),
    )
    .await;
    let details = run_reminders(&app, "2026-03-01").await;
    assert_eq!(
        details["reminders"], 3,
        "inactive ones are not evaluated: {details}"
    );
    let mut got: Vec<String> = reminder_keys(&app, &admin).await;
    got.sort();
    let mut expected = vec![
        format!("reminder.r{current}.m{}.2026-03-31", ids["ind"]),
        format!("reminder.r{current}.m{}.2026-03-31", ids["stu"]),
        format!("reminder.r{students}.m{}.2026-03-31", ids["stu"]),
        format!("reminder.r{lapsed}.m{}.2026-03-31", ids["held"]),
    ];
    expected.sort();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn members_who_must_not_get_email_get_a_cancelled_row_with_the_reason() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2026-01-10");
    let t = quiet_type(&app, &admin, "Individual").await;
    let dates = ("2025-04-01", "2026-03-31");
    for input in [
        json!({ "lastName": "Ok", "email": "ok@example.org" }),
        json!({ "lastName": "Quiet", "email": "quiet@example.org", "doNotEmail": true }),
        json!({ "lastName": "Nomail" }),
        json!({ "lastName": "Late", "email": "late@example.org" }),
    ] {
        let c = contact(&app, &admin, input.clone()).await;
        membership(&app, &admin, &c, &t, dates).await;
        if input["lastName"] == "Late" {
            // Marking a contact deceased holds their memberships as Deceased.
            let body = app.gql(&admin, "mutation($id: ID!) { updateContact(id: $id, input: { isDeceased: true }) { id } }", json!({ "id": c })).await;
            assert!(body["errors"].is_null(), "{body}");
        }
    }
    // A reminder that also reaches Deceased memberships still sends them nothing.
    let current = status_id(&app, &admin, "CURRENT").await;
    let deceased = status_id(&app, &admin, "DECEASED").await;
    let mut input = renewal_30_days_before();
    input["statusIds"] = json!([current, deceased]);
    reminder(&app, &admin, input).await;
    assert_eq!(counts(&run_reminders(&app, "2026-03-01").await), (4, 0));
    let mut rows: Vec<(String, String, String)> = reminder_messages(&app, &admin)
        .await
        .iter()
        .map(|m| {
            (
                m["contact"]["displayName"].as_str().unwrap().to_string(),
                m["status"].as_str().unwrap().to_string(),
                m["lastError"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    rows.sort();
    let row = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        rows,
        vec![
            row("Late", "CANCELLED", "the contact is deceased"),
            row("Nomail", "CANCELLED", "the contact has no email address"),
            row("Ok", "QUEUED", ""),
            row(
                "Quiet",
                "CANCELLED",
                "the contact asked not to receive email"
            ),
        ]
    );
}
