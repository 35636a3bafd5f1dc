use std::time::Duration;

use sea_orm::ConnectionTrait;
use serde_json::json;
use tessera::services::mailings::send;

use super::mailings::{CREATE, app_with_sink, mailing, messaged, send_job};
use super::{create_group, ok, person};
use crate::fixtures::{deliver, set_today};
use crate::helpers::{TestApp, code};
use crate::smtp::{SinkMode, SmtpSink};

async fn started_mailing(app: &TestApp, admin: &str, people: usize) -> (String, Vec<String>) {
    let g = create_group(app, admin, "Everyone").await;
    let mut ids = Vec::new();
    for i in 0..people {
        ids.push(person(app, admin, &format!("P{i}"), &format!("p{i}@example.org")).await);
    }
    let add = "mutation($g: ID!, $c: [ID!]!) { addToGroup(groupId: $g, contactIds: $c) { id } }";
    ok(app, admin, add, json!({ "g": g, "c": ids })).await;
    let id =
        ok(app, admin, CREATE, mailing(json!({ "groupIds": [g] }))).await["createMailing"]["id"]
            .as_str()
            .unwrap()
            .to_string();
    ok(
        app,
        admin,
        "mutation($id: ID!) { sendMailing(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    ids.sort();
    (id, ids)
}

#[tokio::test]
async fn each_recipient_gets_exactly_one_message_across_crashes_and_two_replicas() {
    let sink = SmtpSink::start().await;
    let app = app_with_sink(&sink, 3).await;
    let admin = app.admin_token().await;
    let (id, people) = started_mailing(&app, &admin, 11).await;
    let mid: i64 = id.parse().unwrap();
    // One batch, then a "crash": the recipients of that batch look pending again, as if the
    // process had died before recording them (their messages are in the outbox already).
    assert_eq!(send::queue_batch(&app.state, mid).await.unwrap(), Some(3));
    let backend = app.state.db.get_database_backend();
    app.state
        .db
        .execute_raw(sea_orm::Statement::from_string(
            backend,
            format!("UPDATE mailing_recipients SET status = 'PENDING' WHERE mailing_id = {mid}"),
        ))
        .await
        .unwrap();
    // Two replicas (separate pools) resume the mailing at the same time.
    let replica = app.replica(|_| {}).await;
    let (r1, r2) = tokio::join!(
        send::send_pending(&app.state, mid),
        send::send_pending(&replica.state, mid)
    );
    // Between them they queue the eight messages missing, and report only those.
    assert_eq!(r1.unwrap() + r2.unwrap(), 8);
    assert_eq!(
        messaged(&app, &id).await,
        people,
        "one message per recipient, none twice"
    );
    let q = "query($id: ID!) { mailing(id: $id) { status recipients } }";
    let d = ok(&app, &admin, q, json!({ "id": id })).await;
    assert_eq!(d["mailing"], json!({ "status": "SENT", "recipients": 11 }));
    // Running the job again sends nothing more; delivery sends each once.
    send_job(&app).await;
    deliver(&app).await;
    deliver(&replica).await;
    let got = sink.wait_for(11, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 11);
    assert_eq!(messaged(&app, &id).await.len(), 11);
}

#[tokio::test]
async fn cancelling_stops_what_is_not_sent_and_scheduling_starts_on_time() {
    let sink = SmtpSink::start().await;
    let app = app_with_sink(&sink, 2).await;
    let admin = app.admin_token().await;
    let (id, _) = started_mailing(&app, &admin, 5).await;
    let mid: i64 = id.parse().unwrap();
    send::queue_batch(&app.state, mid).await.unwrap();
    let d = ok(
        &app,
        &admin,
        "mutation($id: ID!) { cancelMailing(id: $id) { status stats { queued skipped } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(d["cancelMailing"]["status"], "CANCELLED");
    send_job(&app).await;
    let report = deliver(&app).await;
    assert_eq!(
        report["sent"], 0,
        "queued messages were cancelled too: {report}"
    );
    assert_eq!(messaged(&app, &id).await.len(), 2);
    let body = app
        .gql(
            &admin,
            "mutation($id: ID!) { cancelMailing(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&body), "CONFLICT");
    // Scheduling: nothing happens before the time, the job starts it after.
    set_today(&app, "2026-03-01");
    let g = create_group(&app, &admin, "Later").await;
    let p = person(&app, &admin, "Late", "late@example.org").await;
    ok(
        &app,
        &admin,
        "mutation($g: ID!, $c: [ID!]!) { addToGroup(groupId: $g, contactIds: $c) { id } }",
        json!({ "g": g, "c": [p] }),
    )
    .await;
    let id2 = ok(&app, &admin, CREATE, mailing(json!({ "groupIds": [g] }))).await["createMailing"]
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let q = "mutation($id: ID!, $i: ScheduleMailingInput!) { scheduleMailing(id: $id, input: $i) { status scheduledAt } }";
    let d = ok(
        &app,
        &admin,
        q,
        json!({ "id": id2, "i": { "scheduledAt": "2026-03-02T09:00:00Z" } }),
    )
    .await;
    assert_eq!(d["scheduleMailing"]["status"], "SCHEDULED");
    send_job(&app).await;
    assert!(messaged(&app, &id2).await.is_empty());
    set_today(&app, "2026-03-02");
    send_job(&app).await;
    assert_eq!(messaged(&app, &id2).await, vec![p]);
}

/// The one-click URL of the first message the sink received for `to`.
fn unsubscribe_url(sink: &SmtpSink, to: &str) -> String {
    let m = sink
        .messages()
        .into_iter()
        .find(|m| m.to.iter().any(|t| t.contains(to)))
        .expect("a message");
    let h = m.header("List-Unsubscribe").unwrap();
    h.trim_matches(|c| c == '<' || c == '>').to_string()
}

#[tokio::test]
async fn one_click_and_preference_links_are_signed_expire_and_spare_transactional_mail() {
    let sink = SmtpSink::start().await;
    let app = app_with_sink(&sink, 50).await;
    let admin = app.admin_token().await;
    set_today(&app, "2026-02-01");
    let news = super::create_interest(&app, &admin, "News", true).await;
    let (id, people) = started_mailing(&app, &admin, 2).await;
    send_job(&app).await;
    deliver(&app).await;
    sink.wait_for(2, Duration::from_secs(5)).await;
    // The link names the configured public URL; the test server listens elsewhere.
    let url = unsubscribe_url(&sink, "p0@example.org");
    let url = format!("{}{}", app.base, &url[url.find("/mail/").unwrap()..]);
    let token = url.split("token=").nth(1).unwrap().to_string();
    // Tampered tokens are refused and change nothing.
    let mut bad = token.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == 'A' { 'B' } else { 'A' });
    let other = token.replacen(&people[0], &people[1], 1);
    for t in [bad, other, "1.1.99999999999.x".to_string()] {
        let r = app
            .client
            .post(format!("{}/mail/unsubscribe?token={t}", app.base))
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{t}");
    }
    assert_eq!(app.count("mail_opt_outs").await, 0);
    // The preferences page shows a form; GET changes nothing.
    let page = app.client.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("name=\"interest\"") && html.contains("News"),
        "{html}"
    );
    let r = app
        .client
        .post(format!("{}/mail/preferences", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}&interest={news}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let q = "query($id: ID!) { contact(id: $id) { interests { name } unsubscribedFromAll consentHistory { action source mailingId } } }";
    let d = ok(&app, &admin, q, json!({ "id": people[0] })).await;
    assert_eq!(d["contact"]["interests"][0]["name"], "News");
    // RFC 8058 one-click.
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let d = ok(&app, &admin, q, json!({ "id": people[0] })).await;
    assert_eq!(d["contact"]["unsubscribedFromAll"], true);
    let h = d["contact"]["consentHistory"].as_array().unwrap();
    assert_eq!(
        h.last().unwrap(),
        &json!({ "action": "OPT_OUT", "source": "ONE_CLICK", "mailingId": id })
    );
    let stats = ok(
        &app,
        &admin,
        "query($id: ID!) { mailing(id: $id) { stats { unsubscribed } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(stats["mailing"]["stats"]["unsubscribed"], 1);
    // Transactional mail still goes to them: a password reset is queued, not cancelled.
    let t = crate::fixtures::yearly_type(&app, &admin).await;
    crate::fixtures::create_membership(
        &app,
        &admin,
        json!({ "contactId": people[0], "membershipTypeId": t }),
    )
    .await;
    let d = ok(&app, &admin, "query($c: ID!) { outboundMessages(filter: { contactId: $c, templateKey: \"welcome\" }) { nodes { status } } }", json!({ "c": people[0] })).await;
    assert_eq!(d["outboundMessages"]["nodes"][0]["status"], "QUEUED");
    // The link expires (mailings.unsubscribe_link_days, 365 by default).
    set_today(&app, "2027-03-01");
    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn double_opt_in_subscribes_only_after_the_link_and_says_nothing_about_the_address() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let news = super::create_interest(&app, &admin, "News", true).await;
    let private = super::create_interest(&app, &admin, "Board papers", false).await;
    person(&app, &admin, "Known", "known@example.org").await;
    let q = "mutation($e: String!, $i: [ID!]!) { subscribe(email: $e, interestIds: $i) }";
    for email in ["new@example.org", "known@example.org", "new@example.org"] {
        let d = app.anon(q, json!({ "e": email, "i": [news] })).await;
        assert_eq!(d["data"]["subscribe"], true, "{d}");
    }
    let d = app
        .anon(q, json!({ "e": "x@example.org", "i": [private] }))
        .await;
    assert_eq!(code(&d), "NOT_FOUND", "a private interest is not offered");
    let d = app
        .anon(q, json!({ "e": "not an address", "i": [news] }))
        .await;
    assert_eq!(code(&d), "BAD_USER_INPUT");
    // One confirmation per address per ten minutes; nothing else written yet.
    let tokens = app.mailed_tokens("subscribe-confirm").await;
    assert_eq!(tokens.len(), 2);
    assert_eq!(app.count("contacts").await, 1);
    assert_eq!(app.count("contact_interests").await, 0);
    let confirm = |t: String| {
        let app = &app;
        async move {
            app.client
                .post(format!("{}/mail/subscribe/confirm", app.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("token={t}"))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let page = app
        .client
        .get(format!(
            "{}/mail/subscribe/confirm?token={}",
            app.base, tokens[0]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(
        app.count("contact_interests").await,
        0,
        "opening the link alone confirms nothing"
    );
    assert_eq!(confirm(tokens[0].clone()).await, 200);
    assert_eq!(confirm(tokens[0].clone()).await, 400, "a link works once");
    assert_eq!(confirm("forged".into()).await, 400);
    assert_eq!(confirm(tokens[1].clone()).await, 200);
    let d = ok(&app, &admin, "query($f: ContactFilter) { contacts(filter: $f) { nodes { email consentHistory { action source } } } }", json!({ "f": { "interestIds": [news] } })).await;
    let nodes = d["contacts"]["nodes"].as_array().unwrap();
    let mut emails: Vec<&str> = nodes.iter().map(|n| n["email"].as_str().unwrap()).collect();
    emails.sort();
    assert_eq!(emails, ["known@example.org", "new@example.org"]);
    assert_eq!(
        nodes[0]["consentHistory"][0],
        json!({ "action": "OPT_IN", "source": "SUBSCRIBE_FORM" })
    );
}

#[tokio::test]
async fn permanent_smtp_failures_and_provider_reports_mark_addresses_bouncing_until_they_change() {
    let sink = SmtpSink::start().await;
    let app = app_with_sink(&sink, 50).await;
    let admin = app.admin_token().await;
    let (_, people) = started_mailing(&app, &admin, 1).await;
    send_job(&app).await;
    sink.set_mode(SinkMode::RejectPermanent);
    deliver(&app).await;
    let q = "query($id: ID!) { contact(id: $id) { emailBouncing } }";
    assert_eq!(
        ok(&app, &admin, q, json!({ "id": people[0] })).await["contact"]["emailBouncing"],
        true
    );
    let upd =
        "mutation($id: ID!, $e: String!) { updateContact(id: $id, input: { email: $e }) { id } }";
    ok(
        &app,
        &admin,
        upd,
        json!({ "id": people[0], "e": "fresh@example.org" }),
    )
    .await;
    assert_eq!(
        ok(&app, &admin, q, json!({ "id": people[0] })).await["contact"]["emailBouncing"],
        false
    );
    // The provider endpoint: staff bearer token only; complaints also unsubscribe.
    let url = format!("{}/webhooks/mail-events", app.base);
    let events = json!({ "events": [{ "type": "complaint", "email": "fresh@example.org" }, { "type": "bounce", "email": "soft@example.org", "permanent": false }] });
    let r = app.client.post(&url).json(&events).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let (member, _) = app.token_for("MEMBER").await;
    let r = app
        .client
        .post(&url)
        .bearer_auth(&member)
        .json(&events)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .client
        .post(&url)
        .bearer_auth(&admin)
        .json(&json!({ "events": [{ "type": "open", "email": "a@b.org" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .client
        .post(&url)
        .bearer_auth(&admin)
        .json(&events)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        json!({ "bounces": 0, "complaints": 1, "ignored": 1 })
    );
    let q = "query($id: ID!) { contact(id: $id) { emailBouncing unsubscribedFromAll } }";
    assert_eq!(
        ok(&app, &admin, q, json!({ "id": people[0] })).await["contact"],
        json!({ "emailBouncing": true, "unsubscribedFromAll": true })
    );
}

#[tokio::test]
async fn the_send_rate_spreads_a_mailings_messages_over_time() {
    let app = TestApp::spawn_with(|s| {
        s.mailings.send_rate_per_minute = 60;
        s.mailings.batch_size = 2;
    })
    .await;
    let admin = app.admin_token().await;
    set_today(&app, "2026-05-01");
    let (id, _) = started_mailing(&app, &admin, 5).await;
    send_job(&app).await;
    let backend = app.state.db.get_database_backend();
    let rows = app
        .state
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            backend,
            format!("SELECT next_attempt_at FROM outbound_messages WHERE mailing_id = {id} ORDER BY next_attempt_at"),
        ))
        .await
        .unwrap();
    let times: Vec<chrono::DateTime<chrono::Utc>> = rows
        .iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect();
    let gaps: Vec<i64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).num_milliseconds())
        .collect();
    assert_eq!(gaps, vec![1000; 4], "60 a minute, across batches");
    assert_eq!(times[0], app.clock().now());
    // Only the first is due now: deliver-mail sends no faster than the rate.
    let report = deliver(&app).await;
    assert_eq!(report["sent"], 1, "{report}");
}

#[tokio::test]
async fn a_message_being_sent_when_its_mailing_is_cancelled_is_not_retried_after() {
    let sink = SmtpSink::start().await;
    let app = app_with_sink(&sink, 10).await;
    let admin = app.admin_token().await;
    let (id, people) = started_mailing(&app, &admin, 3).await;
    let mid: i64 = id.parse().unwrap();
    assert_eq!(send::queue_batch(&app.state, mid).await.unwrap(), Some(3));
    let backend = app.state.db.get_database_backend();
    let sql = |s: String| sea_orm::Statement::from_string(backend, s);
    // deliver-mail has claimed the messages when the mailing is cancelled ...
    app.state
        .db
        .execute_raw(sql(format!(
            "UPDATE outbound_messages SET status = 'SENDING' WHERE mailing_id = {mid}"
        )))
        .await
        .unwrap();
    let d = ok(
        &app,
        &admin,
        "mutation($id: ID!) { cancelMailing(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(d["cancelMailing"]["status"], "CANCELLED");
    // ... and the SMTP server answers with a temporary failure: they are queued again, due now.
    app.state
        .db
        .execute_raw(sql(format!(
            "UPDATE outbound_messages SET status = 'QUEUED', next_attempt_at = created_at \
             WHERE mailing_id = {mid}"
        )))
        .await
        .unwrap();
    // The next delivery run sends none of them and marks them cancelled.
    let report = deliver(&app).await;
    assert_eq!(report["sent"], 0, "{report}");
    assert_eq!(report["cancelled"], 3, "{report}");
    assert!(sink.messages().is_empty());
    let rows = app
        .state
        .db
        .query_all_raw(sql(format!(
            "SELECT status FROM outbound_messages WHERE mailing_id = {mid}"
        )))
        .await
        .unwrap();
    assert_eq!(rows.len(), people.len());
    for r in rows {
        assert_eq!(r.try_get_by_index::<String>(0).unwrap(), "CANCELLED");
    }
}

#[tokio::test]
async fn a_template_failing_for_some_recipients_marks_them_failed_and_sends_the_rest() {
    let sink = SmtpSink::start().await;
    let app = app_with_sink(&sink, 10).await;
    let admin = app.admin_token().await;
    let g = create_group(&app, &admin, "Mixed").await;
    let named = person(&app, &admin, "Named", "named@example.org").await;
    let unnamed = crate::fixtures::contact(
        &app,
        &admin,
        json!({ "lastName": "Nameless", "email": "nameless@example.org" }),
    )
    .await;
    let add = "mutation($g: ID!, $c: [ID!]!) { addToGroup(groupId: $g, contactIds: $c) { id } }";
    ok(&app, &admin, add, json!({ "g": g, "c": [named, unnamed] })).await;
    // The sample recipient has a first name, so the typo in the other branch passes the check.
    let mut input = mailing(json!({ "groupIds": [g] }));
    input["i"]["textBody"] = json!(
        "{{#if contact.firstName}}Hi {{contact.firstName}}{{else}}Hi {{contact.nickname}}{{/if}}\n{{links.unsubscribe}}\n"
    );
    let id = ok(&app, &admin, CREATE, input).await["createMailing"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        &app,
        &admin,
        "mutation($id: ID!) { sendMailing(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    send_job(&app).await;
    assert_eq!(messaged(&app, &id).await, vec![named.clone()]);
    let q = "query($id: ID!) { mailing(id: $id) { status stats { recipients failed queued } } }";
    let d = ok(&app, &admin, q, json!({ "id": id })).await;
    assert_eq!(
        d["mailing"],
        json!({ "status": "SENT", "stats": { "recipients": 2, "failed": 1, "queued": 1 } })
    );
    let backend = app.state.db.get_database_backend();
    let row = app
        .state
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            format!(
                "SELECT status, skip_reason FROM mailing_recipients WHERE contact_id = {unnamed}"
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "FAILED");
    let why = row.try_get_by_index::<String>(1).unwrap();
    assert!(why.contains("could not be rendered"), "{why}");
    deliver(&app).await;
    assert_eq!(sink.wait_for(1, Duration::from_secs(5)).await.len(), 1);
}

#[tokio::test]
async fn confirming_one_sign_up_twice_at_once_subscribes_once_without_an_error_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let news = super::create_interest(&app, &admin, "News", true).await;
    let q = "mutation($e: String!, $i: [ID!]!) { subscribe(email: $e, interestIds: $i) }";
    let d = app
        .anon(q, json!({ "e": "twice@example.org", "i": [news] }))
        .await;
    assert_eq!(d["data"]["subscribe"], true, "{d}");
    let token = app.mailed_tokens("subscribe-confirm").await.remove(0);
    let confirm = || {
        let (app, token) = (&app, token.clone());
        async move {
            app.client
                .post(format!("{}/mail/subscribe/confirm", app.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("token={token}"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let (a, b) = tokio::join!(confirm(), confirm());
    let mut got = vec![a, b];
    got.sort();
    assert_eq!(
        got,
        vec![200, 400],
        "one confirms, the other sees a used link"
    );
    assert_eq!(app.count("contacts").await, 1);
    assert_eq!(app.count("contact_interests").await, 1);
}
