//! Fees: a priced ticket creates a PENDING `EVENT_FEE` contribution that completing confirms (the
//! same path as dues); cancelling an event refunds or cancels the fees; an unpaid seat is released
//! to the waitlist after its deadline.

use serde_json::json;

use super::*;
use crate::helpers::job;

pub async fn run_job(app: &TestApp, name: &str) -> tessera::domain::job::JobRun {
    let run = tessera::jobs::runs::run(&app.state, job(name), app.clock().today(), "test")
        .await
        .unwrap();
    assert_eq!(
        run.status,
        tessera::domain::job::JobStatus::Succeeded,
        "{:?}",
        run.error
    );
    run
}

/// The registrations of an event with their fees, oldest first (staff).
async fn fees(app: &TestApp, staff: &str, event_id: &Value) -> Vec<Value> {
    let body = app
        .gql(staff, "query($e: ID!) { registrations(filter: { eventId: $e }) { nodes { id status contribution { id status amount refundedAmount } } } }", json!({ "e": event_id }))
        .await;
    body["data"]["registrations"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("registrations: {body}"))
        .clone()
}

async fn complete(app: &TestApp, staff: &str, contribution_id: &Value) {
    let body = app
        .gql(staff, "mutation($id: ID!) { updateContribution(id: $id, input: { status: COMPLETED }) { status } }", json!({ "id": contribution_id }))
        .await;
    assert_eq!(
        body["data"]["updateContribution"]["status"], "COMPLETED",
        "{body}"
    );
}

fn priced(capacity: i32) -> Value {
    json!({ "capacity": capacity, "ticketTypes": [{ "name": "Public", "price": "15.00", "currency": "USD" }] })
}

#[tokio::test]
async fn a_paid_registration_is_confirmed_when_its_fee_is_completed() {
    let app = app().await;
    let admin = app.admin_token().await;
    let e = event(&app, &admin, priced(10), true).await;
    let r = register_anon(&app, &e["id"], &ticket(&e, "Public"), "payer@example.org").await;
    assert_eq!(r["status"], "PENDING_PAYMENT");
    assert!(
        r["paymentToken"].as_str().is_some_and(|t| t.len() >= 40),
        "{r}"
    );
    assert_eq!(r["payBy"], "2027-03-03T12:00:00Z", "48 hours to pay");
    let pending = outbox(&app, "event-registration").await;
    assert_eq!(pending.len(), 1);
    assert!(
        pending[0].text_body.contains("Reference:"),
        "{}",
        pending[0].text_body
    );
    assert!(
        !pending[0].text_body.contains("Park pavilion"),
        "no location before payment"
    );
    let fee = fees(&app, &admin, &e["id"]).await[0]["contribution"].clone();
    assert_eq!(fee["amount"], "15.00");
    complete(&app, &admin, &fee["id"]).await;
    assert_eq!(status_of(&app, &admin, &r["id"]).await, "REGISTERED");
    let mail = outbox(&app, "event-registration").await;
    assert_eq!(mail.len(), 2, "one confirmation");
    assert!(mail[1].text_body.contains("Park pavilion"));
    let code = code_in(&mail[1]);
    // Staff reading the outbox never see it.
    let body = app
        .gql(
            &admin,
            "{ outboundMessages(first: 50) { nodes { textBody htmlBody } } }",
            json!({}),
        )
        .await;
    assert!(
        body["errors"].is_null() && !body.to_string().contains(&code),
        "{body}"
    );
    // Completing again changes nothing and mails nothing.
    complete(&app, &admin, &fee["id"]).await;
    assert_eq!(outbox(&app, "event-registration").await.len(), 2);
    // The code from the email checks the person in.
    set_now(&app, STARTS);
    let body = app
        .gql(
            &admin,
            "mutation($e: ID!, $c: String!) { checkInByCode(eventId: $e, code: $c) { status } }",
            json!({ "e": e["id"], "c": code }),
        )
        .await;
    assert_eq!(
        body["data"]["checkInByCode"]["status"], "ATTENDED",
        "{body}"
    );
    let body = app
        .gql(&admin, "query($f: Date!, $t: Date!) { eventStats(from: $f, to: $t) { registrations attended revenue { amount currency } } }", json!({ "f": "2027-03-01", "t": "2027-03-31" }))
        .await;
    assert_eq!(
        body["data"]["eventStats"],
        json!([{ "registrations": 1, "attended": 1, "revenue": [{ "amount": "15.00", "currency": "USD" }] }]),
        "{body}"
    );
}

#[tokio::test]
async fn cancelling_an_event_tells_everyone_and_refunds_or_cancels_the_fees() {
    let app = app().await;
    let admin = app.admin_token().await;
    let e = event(&app, &admin, priced(2), true).await;
    let t = ticket(&e, "Public");
    for who in ["paid", "pending", "waiting"] {
        register_anon(&app, &e["id"], &t, &format!("{who}@example.org")).await;
    }
    let before = fees(&app, &admin, &e["id"]).await;
    complete(&app, &admin, &before[0]["contribution"]["id"]).await;
    assert_eq!(before[2]["status"], "WAITLISTED");
    let body = app
        .gql(&admin, "mutation($id: ID!) { cancelEvent(id: $id, input: { reason: \"Storm warning\" }) { status } }", json!({ "id": e["id"] }))
        .await;
    assert_eq!(body["data"]["cancelEvent"]["status"], "CANCELLED", "{body}");
    let after = fees(&app, &admin, &e["id"]).await;
    assert!(
        after.iter().all(|r| r["status"] == "CANCELLED"),
        "{after:?}"
    );
    assert_eq!(after[0]["contribution"]["status"], "REFUNDED");
    assert_eq!(after[0]["contribution"]["refundedAmount"], "15.00");
    assert_eq!(after[1]["contribution"]["status"], "CANCELLED");
    assert_eq!(after[2]["contribution"], Value::Null);
    let notices = outbox(&app, "event-cancelled").await;
    assert_eq!(notices.len(), 3, "everyone is told");
    assert!(notices.iter().all(
        |m| m.text_body.contains("has been cancelled") && m.text_body.contains("Storm warning")
    ));
    // Nobody registers for a cancelled event; cancelling twice is a conflict.
    let body = register(
        &app,
        None,
        &e["id"],
        json!({ "ticketTypeId": t, "firstName": "A", "lastName": "B", "email": "ab@example.org" }),
    )
    .await;
    assert_eq!(crate::helpers::code(&body), "CONFLICT", "{body}");
    let body = app
        .gql(
            &admin,
            "mutation($id: ID!) { cancelEvent(id: $id) { status } }",
            json!({ "id": e["id"] }),
        )
        .await;
    assert_eq!(crate::helpers::code(&body), "CONFLICT", "{body}");

    // Without refunds, a completed fee stays for staff to settle.
    let e2 = event(&app, &admin, priced(5), true).await;
    register_anon(&app, &e2["id"], &ticket(&e2, "Public"), "keeps@example.org").await;
    let fee = fees(&app, &admin, &e2["id"]).await[0]["contribution"]["id"].clone();
    complete(&app, &admin, &fee).await;
    let body = app
        .gql(&admin, "mutation($id: ID!) { cancelEvent(id: $id, input: { refundPayments: false }) { status } }", json!({ "id": e2["id"] }))
        .await;
    assert_eq!(body["data"]["cancelEvent"]["status"], "CANCELLED", "{body}");
    assert_eq!(
        fees(&app, &admin, &e2["id"]).await[0]["contribution"]["status"],
        "COMPLETED"
    );
}

#[tokio::test]
async fn an_unpaid_seat_is_released_to_the_waitlist_after_its_deadline() {
    let app = app().await;
    let admin = app.admin_token().await;
    let e = event(&app, &admin, priced(1), true).await;
    let t = ticket(&e, "Public");
    let slow = register_anon(&app, &e["id"], &t, "slow@example.org").await;
    let next = register_anon(&app, &e["id"], &t, "next@example.org").await;
    assert_eq!(
        (slow["status"].as_str(), next["status"].as_str()),
        (Some("PENDING_PAYMENT"), Some("WAITLISTED"))
    );
    // Before the deadline nothing happens.
    let run = run_job(&app, "event-followups").await;
    assert_eq!(run.changed, 0);
    set_now(&app, "2027-03-03T12:30:00Z");
    let run = run_job(&app, "event-followups").await;
    assert_eq!(run.changed, 1, "{:?}", run.details);
    assert_eq!(status_of(&app, &admin, &slow["id"]).await, "CANCELLED");
    assert_eq!(
        status_of(&app, &admin, &next["id"]).await,
        "PENDING_PAYMENT"
    );
    let all = fees(&app, &admin, &e["id"]).await;
    assert_eq!(
        all[0]["contribution"]["status"], "CANCELLED",
        "the unpaid fee is cancelled"
    );
    assert_eq!(
        all[1]["contribution"]["status"], "PENDING",
        "the promoted person has a fee to pay"
    );
    let promoted = outbox(&app, "event-promoted").await;
    assert_eq!(promoted.len(), 1);
    assert_eq!(promoted[0].recipient.as_deref(), Some("next@example.org"));
    assert!(
        promoted[0].text_body.contains("2027-03-05 12:30 UTC"),
        "the deadline: {}",
        promoted[0].text_body
    );
    let released = outbox(&app, "event-cancelled").await;
    assert!(
        released[0].text_body.contains("not paid by"),
        "{}",
        released[0].text_body
    );
    // A second run releases nothing more.
    let run = run_job(&app, "event-followups").await;
    assert_eq!(run.changed, 0);
}
