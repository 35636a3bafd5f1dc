use std::time::Duration;

use serde_json::{Value, json};
use tessera::config::MailTransportKind;

use super::{create_group, create_interest, create_tag, ok, person};
use crate::fixtures::deliver;
use crate::helpers::{TestApp, code, field};
use crate::smtp::SmtpSink;

pub async fn app_with_sink(sink: &SmtpSink, batch: u32) -> TestApp {
    let url = sink.url();
    TestApp::spawn_with(move |s| {
        s.mail.transport = MailTransportKind::Smtp;
        s.mail.smtp_url = url.parse().unwrap();
        s.mail.smtp_timeout_secs = 2;
        s.mailings.batch_size = batch;
        s.mailings.send_rate_per_minute = 0;
    })
    .await
}

pub const CREATE: &str =
    "mutation($i: CreateMailingInput!) { createMailing(input: $i) { id status } }";

pub fn mailing(audience: Value) -> Value {
    json!({ "i": {
        "subject": "News for {{contact.firstName}}",
        "textBody": "Dear {{contact.displayName}},\nOur news.\nUnsubscribe: {{links.unsubscribe}}\n",
        "htmlBody": "<p>Dear {{contact.displayName}}</p><p><a href=\"{{links.unsubscribe}}\">Unsubscribe</a></p>",
        "audience": audience,
    } })
}

/// Runs `send-mailings` once (as the scheduler would).
pub async fn send_job(app: &TestApp) -> Value {
    let run = tessera::jobs::runs::run(
        &app.state,
        crate::helpers::job("send-mailings"),
        app.clock().today(),
        "test",
    )
    .await
    .unwrap();
    assert_eq!(
        run.status,
        tessera::domain::job::JobStatus::Succeeded,
        "{:?}",
        run.error
    );
    run.details.clone().unwrap()
}

/// The contact ids of a mailing's outbox messages, sorted.
pub async fn messaged(app: &TestApp, mailing_id: &str) -> Vec<String> {
    use sea_orm::ConnectionTrait;
    let backend = app.state.db.get_database_backend();
    let sql = format!(
        "SELECT contact_id FROM outbound_messages WHERE mailing_id = {mailing_id} ORDER BY contact_id"
    );
    let rows = app
        .state
        .db
        .query_all_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .unwrap();
    let mut v: Vec<String> = rows
        .iter()
        .map(|r| r.try_get_by_index::<i64>(0).unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_mailing_reaches_exactly_its_audience_minus_exclusions_and_suppressed_contacts() {
    let sink = SmtpSink::start().await;
    let app = app_with_sink(&sink, 2).await;
    let admin = app.admin_token().await;
    let g = create_group(&app, &admin, "Newsletter list").await;
    let x = create_group(&app, &admin, "Do not solicit").await;
    let t = create_tag(&app, &admin, "Volunteer").await;
    let i = create_interest(&app, &admin, "Events", true).await;
    let a = person(&app, &admin, "Ada", "ada@example.org").await;
    let b = crate::fixtures::contact(
        &app,
        &admin,
        json!({ "firstName": "Bo", "email": "bo@example.org", "doNotEmail": true }),
    )
    .await;
    let c = person(&app, &admin, "Cy", "cy@example.org").await;
    let d = person(&app, &admin, "Di", "di@example.org").await;
    let e = person(&app, &admin, "Ed", "ed@example.org").await;
    let f = crate::fixtures::contact(
        &app,
        &admin,
        json!({ "firstName": "Fi", "email": "fi@example.org", "isDeceased": true }),
    )
    .await;
    let h = person(&app, &admin, "Hal", "hal@example.org").await;
    let n = crate::fixtures::contact(&app, &admin, json!({ "firstName": "Nomail" })).await;
    let k = crate::fixtures::contact(
        &app,
        &admin,
        json!({ "firstName": "Kit", "email": "kit@example.org", "city": "York" }),
    )
    .await;
    let _outsider = person(&app, &admin, "Out", "out@example.org").await;
    let (member, m) = app.token_for("MEMBER").await;
    let m = m.unwrap();
    let add = "mutation($g: ID!, $c: [ID!]!) { addToGroup(groupId: $g, contactIds: $c) { id } }";
    ok(
        &app,
        &admin,
        add,
        json!({ "g": g, "c": [a, b, e, f, h, n, m] }),
    )
    .await;
    ok(&app, &admin, add, json!({ "g": x, "c": [e] })).await;
    ok(
        &app,
        &admin,
        "mutation($t: ID!, $c: [ID!]!) { tagContacts(tagId: $t, contactIds: $c) { id } }",
        json!({ "t": t, "c": [c] }),
    )
    .await;
    ok(&app, &admin, "mutation($c: ID!, $i: [ID!]!) { setContactInterests(contactId: $c, interestIds: $i) { id } }", json!({ "c": d, "i": [i] })).await;
    let q = "mutation($i: CreateSavedSearchInput!) { createSavedSearch(input: $i) { id } }";
    let s = ok(
        &app,
        &admin,
        q,
        json!({ "i": { "name": "York", "filter": { "city": "york" } } }),
    )
    .await["createSavedSearch"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The member unsubscribes from everything; Hal's address bounced earlier.
    ok(
        &app,
        &member,
        "mutation { updateMyPreferences(input: { unsubscribeFromAll: true }) { id } }",
        json!({}),
    )
    .await;
    let hook = app.client.post(format!("{}/webhooks/mail-events", app.base)).bearer_auth(&admin)
        .json(&json!({ "events": [{ "type": "bounce", "email": "HAL@example.org", "detail": "550 no such user" }] }))
        .send().await.unwrap();
    assert_eq!(hook.status(), 200);
    let audience = json!({ "groupIds": [g], "tagIds": [t], "interestIds": [i], "savedSearchIds": [s], "excludeGroupIds": [x] });
    let id = ok(&app, &admin, CREATE, mailing(audience)).await["createMailing"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Before sending, its live size: nine match, four of them can get bulk mail.
    let size = "query($id: ID!) { mailing(id: $id) { audienceCount { matching reachable } } }";
    assert_eq!(
        ok(&app, &admin, size, json!({ "id": id })).await["mailing"]["audienceCount"],
        json!({ "matching": 9, "reachable": 4 })
    );
    let d2 = ok(
        &app,
        &admin,
        "mutation($id: ID!) { sendMailing(id: $id) { status recipients } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        d2["sendMailing"],
        json!({ "status": "SENDING", "recipients": 4 })
    );
    let body = app
        .gql(
            &admin,
            "mutation($id: ID!) { sendMailing(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&body), "CONFLICT", "sending twice is refused");
    // The snapshot records who gets nothing and why (the first reason that holds).
    use sea_orm::ConnectionTrait;
    let backend = app.state.db.get_database_backend();
    let rows = app
        .state
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            backend,
            format!("SELECT contact_id, status, skip_reason FROM mailing_recipients WHERE mailing_id = {id}"),
        ))
        .await
        .unwrap();
    let mut snapshot: Vec<(String, String, Option<String>)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get_by_index::<i64>(0).unwrap().to_string(),
                r.try_get_by_index::<String>(1).unwrap(),
                r.try_get_by_index::<Option<String>>(2).unwrap(),
            )
        })
        .collect();
    snapshot.sort();
    let skip =
        |who: &String, why: &str| (who.clone(), "SKIPPED".to_string(), Some(why.to_string()));
    let pending = |who: &String| (who.clone(), "PENDING".to_string(), None);
    let mut want = vec![
        pending(&a),
        skip(&b, "the contact asked not to receive email"),
        pending(&c),
        pending(&d),
        skip(&f, "the contact is deceased"),
        skip(&h, "the address bounced or was reported as spam"),
        skip(&n, "the contact has no email address"),
        skip(&m, "the contact unsubscribed from bulk mail"),
        pending(&k),
    ];
    want.sort();
    assert_eq!(snapshot, want);
    assert!(
        ok(&app, &admin, size, json!({ "id": id })).await["mailing"]["audienceCount"].is_null()
    );
    send_job(&app).await;
    let mut expected = vec![a.clone(), c.clone(), d.clone(), k.clone()];
    expected.sort();
    assert_eq!(messaged(&app, &id).await, expected);
    deliver(&app).await;
    let got = sink.wait_for(4, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 4);
    for msg in &got {
        let lu = msg.header("List-Unsubscribe").expect("List-Unsubscribe");
        assert!(
            lu.starts_with('<') && lu.contains("/mail/unsubscribe?token="),
            "{lu}"
        );
        assert_eq!(
            msg.header("List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
        assert!(
            !msg.text_part().contains("hidden-unsubscribe-token"),
            "the link is signed at delivery"
        );
    }
    let q = "query($id: ID!) { mailing(id: $id) { status recipients sent stats { recipients skipped sent failed bounced unsubscribed } } }";
    let d3 = ok(&app, &admin, q, json!({ "id": id })).await;
    assert_eq!(d3["mailing"]["status"], "SENT");
    assert_eq!(
        d3["mailing"]["stats"],
        json!({ "recipients": 4, "skipped": 5, "sent": 4, "failed": 0, "bounced": 0, "unsubscribed": 0 })
    );
    let q = "query($id: ID!) { contact(id: $id) { emailBouncing } }";
    assert_eq!(
        ok(&app, &admin, q, json!({ "id": h })).await["contact"]["emailBouncing"],
        true
    );
}

#[tokio::test]
async fn templates_are_checked_and_see_only_the_recipients_safe_fields() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let g = create_group(&app, &admin, "G").await;
    for (field_name, subject, text) in [
        ("textBody", "Hi", "{{contact.notes}}"),
        ("textBody", "Hi", "{{membership.typeName}}"),
        ("subject", "{{#if}}", "x"),
        ("textBody", "Hi", "{{> layout}}"),
    ] {
        let mut m = mailing(json!({ "groupIds": [g] }));
        m["i"]["subject"] = json!(subject);
        m["i"]["textBody"] = json!(text);
        let body = app.gql(&admin, CREATE, m).await;
        assert_eq!(
            (code(&body), self::field(&body)),
            ("BAD_USER_INPUT", field_name),
            "{text}: {body}"
        );
    }
    let mut m = mailing(json!({ "groupIds": [g] }));
    m["i"]["htmlBody"] = json!("x".repeat(300 * 1024));
    let body = app.gql(&admin, CREATE, m).await;
    assert_eq!(field(&body), "htmlBody");
    let body = app.gql(&admin, CREATE, mailing(json!({}))).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "audience"));
    let body = app
        .gql(&admin, CREATE, mailing(json!({ "groupIds": ["4242"] })))
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("NOT_FOUND", "audience.groupIds")
    );
    assert_eq!(
        app.count("mailings").await,
        0,
        "a refused mailing writes nothing"
    );
    let a = person(&app, &admin, "Ada", "ada@example.org").await;
    let id =
        ok(&app, &admin, CREATE, mailing(json!({ "groupIds": [g] }))).await["createMailing"]["id"]
            .as_str()
            .unwrap()
            .to_string();
    let q =
        "query($id: ID!, $c: ID!) { previewMailing(id: $id, contactId: $c) { subject text html } }";
    let p = ok(&app, &admin, q, json!({ "id": id, "c": a })).await;
    assert_eq!(p["previewMailing"]["subject"], "News for Ada");
    assert!(
        p["previewMailing"]["html"]
            .as_str()
            .unwrap()
            .contains("Dear Ada Example")
    );
    // A test send goes to the staff member's own address only, with a dead link.
    ok(
        &app,
        &admin,
        "mutation($id: ID!) { sendTestMailing(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    let d = ok(&app, &admin, "{ outboundMessages(filter: { templateKey: \"mailing-test\" }) { nodes { recipient subject } } }", json!({})).await;
    let n = &d["outboundMessages"]["nodes"][0];
    assert!(
        n["recipient"].as_str().unwrap().starts_with("admin-"),
        "{n}"
    );
    assert!(n["subject"].as_str().unwrap().starts_with("[Test]"));
}
