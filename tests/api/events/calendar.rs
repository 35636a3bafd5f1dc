//! The iCalendar feed (`/events.ics`), a registration's own calendar file, and reminders anchored
//! to the start of events.

use icalendar::{Calendar, Component, EventLike};
use serde_json::json;

use super::*;
use crate::helpers::{code, job};

async fn get(app: &TestApp, path: &str) -> (u16, String, String) {
    let resp = app
        .client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ctype, resp.text().await.unwrap())
}

fn check_lines(raw: &str) {
    assert!(raw.ends_with("\r\n"), "CRLF line ends");
    for line in raw.split("\r\n") {
        assert!(line.len() <= 75, "a line longer than 75 octets: {line:?}");
        assert!(!line.contains('\n'), "a bare LF: {line:?}");
    }
}

#[tokio::test]
async fn the_feed_is_valid_icalendar_with_public_events_only() {
    let app = app().await;
    let admin = app.admin_token().await;
    let long = "A long description, with commas; semicolons and a backslash \\ — and a second line\nthat goes on long enough to be folded at seventy-five octets.";
    let public = event(
        &app,
        &admin,
        json!({ "title": "Picnic, games; fun \\ all", "description": long }),
        true,
    )
    .await;
    event(
        &app,
        &admin,
        json!({ "title": "Members evening", "visibility": "MEMBERS_ONLY" }),
        true,
    )
    .await;
    event(
        &app,
        &admin,
        json!({ "title": "Board dinner", "visibility": "UNLISTED" }),
        true,
    )
    .await;
    event(&app, &admin, json!({ "title": "Secret draft" }), false).await;
    let called_off = event(&app, &admin, json!({ "title": "Rained off" }), true).await;
    let body = app
        .gql(
            &admin,
            "mutation($id: ID!) { cancelEvent(id: $id) { status } }",
            json!({ "id": called_off["id"] }),
        )
        .await;
    assert_eq!(body["data"]["cancelEvent"]["status"], "CANCELLED");

    let (status, ctype, raw) = get(&app, "/events.ics").await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("text/calendar"), "{ctype}");
    check_lines(&raw);
    assert!(raw.contains("DTSTAMP:"), "{raw}");
    assert!(
        !raw.contains("Park pavilion") && !raw.contains("meet.example.org"),
        "no location in the public feed"
    );
    let cal: Calendar = raw.parse().unwrap_or_else(|e| panic!("{e}: {raw}"));
    let events: Vec<&icalendar::Event> = cal.events().collect();
    let summaries: Vec<&str> = events.iter().filter_map(|e| e.get_summary()).collect();
    assert_eq!(
        summaries,
        ["Picnic, games; fun \\ all", "Rained off"],
        "{raw}"
    );
    assert_eq!(
        events[0].get_description(),
        Some(long),
        "escaping and folding round-trip"
    );
    assert_eq!(
        events[0].get_uid().map(str::to_string),
        Some(format!(
            "event-{}@127.0.0.1",
            public["id"].as_str().unwrap()
        ))
    );
    assert_eq!(
        events[0].get_status(),
        Some(icalendar::EventStatus::Confirmed)
    );
    assert_eq!(
        events[1].get_status(),
        Some(icalendar::EventStatus::Cancelled)
    );
    assert!(events[0].get_start().is_some() && events[0].get_end().is_some());
    // The same feed twice: UIDs and stamps are stable.
    let (_, _, again) = get(&app, "/events.ics").await;
    assert_eq!(raw, again);
}

#[tokio::test]
async fn a_confirmed_registration_has_its_own_calendar_with_the_location() {
    let app = app().await;
    let admin = app.admin_token().await;
    let e = event(&app, &admin, json!({}), true).await;
    let r = register_anon(&app, &e["id"], &ticket(&e, "Public"), "cal@example.org").await;
    let mail = outbox(&app, "event-registration").await;
    let link = mail[0]
        .text_body
        .lines()
        .find_map(|l| l.strip_prefix("Add it to your calendar: "))
        .unwrap_or_else(|| panic!("{}", mail[0].text_body))
        .replace(tessera::mail::outbox::HIDDEN_TOKEN, &code_in(&mail[0]));
    let path = link
        .split_once("/events/")
        .map(|(_, p)| format!("/events/{p}"))
        .unwrap();
    let (status, _, raw) = get(&app, &path).await;
    assert_eq!(status, 200, "{raw}");
    check_lines(&raw);
    let cal: Calendar = raw.parse().unwrap();
    let ev = cal.events().next().unwrap();
    assert_eq!(ev.get_location(), Some("Park pavilion, 1 Park Lane"));
    assert_eq!(ev.get_url(), Some("https://meet.example.org/picnic"));
    let wrong = format!(
        "/events/registration/{}.ics?token=guess",
        r["id"].as_str().unwrap()
    );
    assert_eq!(get(&app, &wrong).await.0, 404);
    // Once cancelled, the link no longer works.
    let body = app
        .gql(
            &admin,
            "mutation($id: ID!) { cancelRegistration(id: $id) { status } }",
            json!({ "id": r["id"] }),
        )
        .await;
    assert_eq!(
        body["data"]["cancelRegistration"]["status"], "CANCELLED",
        "{body}"
    );
    assert_eq!(get(&app, &path).await.0, 404);
}

#[tokio::test]
async fn a_reminder_before_the_start_goes_out_once_across_runs() {
    let app = app().await;
    let admin = app.admin_token().await;
    let e = event(&app, &admin, json!({ "capacity": 2 }), true).await;
    let other = event(&app, &admin, json!({ "title": "Other event" }), true).await;
    let t = ticket(&e, "Public");
    for who in ["one", "two", "waiting"] {
        register_anon(&app, &e["id"], &t, &format!("{who}@example.org")).await;
    }
    register_anon(
        &app,
        &other["id"],
        &ticket(&other, "Public"),
        "elsewhere@example.org",
    )
    .await;
    let create = "mutation($i: CreateScheduledReminderInput!) { createScheduledReminder(input: $i) { id anchor eventId } }";
    let input = json!({ "name": "Day before", "templateKey": "event-reminder", "anchor": "EVENT_START", "offset": 1, "unit": "DAY", "direction": "BEFORE", "eventId": e["id"] });
    let body = app.gql(&admin, create, json!({ "i": input })).await;
    assert_eq!(
        body["data"]["createScheduledReminder"]["eventId"], e["id"],
        "{body}"
    );
    // An event id on another anchor is refused, naming the field.
    let bad = json!({ "name": "Wrong", "templateKey": "renewal-reminder", "anchor": "END_DATE", "eventId": e["id"] });
    let body = app.gql(&admin, create, json!({ "i": bad })).await;
    assert_eq!(
        (code(&body), crate::helpers::field(&body)),
        ("BAD_USER_INPUT", "eventId"),
        "{body}"
    );
    let run = |d: &'static str| {
        let app = &app;
        async move {
            tessera::jobs::runs::run(
                &app.state,
                job("send-reminders"),
                crate::fixtures::d(d),
                "test",
            )
            .await
            .unwrap()
        }
    };
    run("2027-03-08").await;
    assert_eq!(outbox(&app, "event-reminder").await.len(), 0, "not yet");
    let first = run("2027-03-09").await;
    assert_eq!(first.changed, 2, "{:?}", first.details);
    let second = run("2027-03-09").await;
    assert_eq!(second.changed, 0, "{:?}", second.details);
    let sent = outbox(&app, "event-reminder").await;
    let mut to: Vec<&str> = sent.iter().filter_map(|m| m.recipient.as_deref()).collect();
    to.sort_unstable();
    assert_eq!(
        to,
        ["one@example.org", "two@example.org"],
        "confirmed participants of that event only"
    );
    assert!(
        sent[0].text_body.contains("Park pavilion"),
        "{}",
        sent[0].text_body
    );

    // A reminder for every event, on the day: both events' confirmed participants, once.
    let every = json!({ "name": "On the day", "templateKey": "event-reminder", "anchor": "EVENT_START", "offset": 0 });
    let body = app.gql(&admin, create, json!({ "i": every })).await;
    assert_eq!(
        body["data"]["createScheduledReminder"]["eventId"],
        Value::Null,
        "{body}"
    );
    assert_eq!(run("2027-03-10").await.changed, 3);
    assert_eq!(run("2027-03-10").await.changed, 0);
    assert_eq!(outbox(&app, "event-reminder").await.len(), 5);
}

#[tokio::test]
async fn the_delivered_confirmation_carries_the_code_that_the_stored_copy_hides() {
    use crate::fixtures::deliver;
    use tessera::config::MailTransportKind;
    let dir = std::env::temp_dir().join(format!("tessera-events-{:08x}", rand::random::<u32>()));
    let d = dir.clone();
    let app = TestApp::spawn_with(move |s| {
        s.mail.transport = MailTransportKind::File;
        s.mail.file_dir = d.display().to_string();
    })
    .await;
    crate::fixtures::set_today(&app, TODAY);
    let admin = app.admin_token().await;
    let e = event(&app, &admin, json!({}), true).await;
    register_anon(&app, &e["id"], &ticket(&e, "Public"), "eml@example.org").await;
    let code = code_in(&outbox(&app, "event-registration").await[0]);
    assert_eq!(deliver(&app).await["sent"], 1);
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .find_map(Result::ok)
        .unwrap();
    let eml = std::fs::read_to_string(file.path()).unwrap();
    let unfolded = eml.replace("=\r\n", "").replace("=\n", "");
    assert!(unfolded.contains(&code), "the mailbox gets the code: {eml}");
    assert!(
        !unfolded.contains(tessera::mail::outbox::HIDDEN_TOKEN),
        "{eml}"
    );
    let sent = outbox(&app, "event-registration").await;
    assert_eq!(sent[0].secret, None, "the secret is dropped once sent");
    std::fs::remove_dir_all(dir).ok();
}
