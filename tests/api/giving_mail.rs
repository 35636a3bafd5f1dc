//! Receipts, tribute notices and annual giving statements, delivered to a loopback SMTP sink.

use std::time::Duration;

use serde_json::json;
use tessera::config::MailTransportKind;

use crate::contributions::{queued, record_ok};
use crate::fixtures::{contact, deliver, set_today};
use crate::helpers::{TestApp, code, field};
use crate::smtp::SmtpSink;

#[tokio::test]
async fn receipts_and_annual_statements_reach_the_donor_once() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(move |s| {
        s.mail.transport = MailTransportKind::Smtp;
        s.mail.smtp_url = url.parse().unwrap();
        s.mail.smtp_timeout_secs = 2;
        s.mail.letters = true;
        s.organization.deductible_statement = "Registered charity 12345.".into();
    })
    .await;
    set_today(&app, "2026-01-15");
    let admin = app.admin_token().await;
    let donor = contact(
        &app,
        &admin,
        json!({ "firstName": "Rita", "lastName": "Receipt", "email": "rita@example.org" }),
    )
    .await;
    let posted = contact(&app, &admin, json!({ "firstName": "Paul", "lastName": "Post", "street": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US" })).await;
    let k = record_ok(&app, &admin, json!({ "contactId": donor, "financialType": "DONATION", "amount": "42.50", "receivedDate": "2025-11-20", "paymentInstrument": "CHECK", "checkNumber": "1001", "tribute": { "kind": "IN_MEMORY_OF", "name": "Grandma Rose", "notifyContactId": posted } })).await;
    assert_eq!(
        queued(&app, "tribute-notification").await,
        1,
        "the family is told, by letter (no email)"
    );
    record_ok(&app, &admin, json!({ "contactId": donor, "financialType": "MEMBER_DUES", "amount": "50", "receivedDate": "2025-03-01" })).await;
    record_ok(&app, &admin, json!({ "contactId": posted, "financialType": "DONATION", "amount": "20", "receivedDate": "2025-06-01" })).await;
    record_ok(&app, &admin, json!({ "contactId": donor, "financialType": "DONATION", "amount": "7", "receivedDate": "2026-01-02" })).await;
    assert_eq!(queued(&app, "contribution-receipt").await, 4);
    let report = deliver(&app).await;
    let got = sink.wait_for(3, Duration::from_secs(5)).await;
    assert_eq!(
        got.len(),
        3,
        "the posted donor's receipt is a letter: {report}"
    );
    let receipt = got
        .iter()
        .find(|m| m.data.contains("Grandma Rose"))
        .expect("receipt with tribute");
    assert!(receipt.data.contains("42.50"), "{}", receipt.data);
    assert!(
        receipt.data.contains(&format!(
            "2025-{:06}",
            k["id"].as_str().unwrap().parse::<i64>().unwrap()
        )),
        "receipt number"
    );
    assert!(receipt.data.contains("Registered charity 12345."));
    let q = "mutation($y: Int!) { sendAnnualStatements(year: $y) { year donors queued } }";
    let body = app.gql(&admin, q, json!({ "y": 2025 })).await;
    assert_eq!(
        body["data"]["sendAnnualStatements"],
        json!({ "year": 2025, "donors": 2, "queued": 2 }),
        "{body}"
    );
    let again = app.gql(&admin, q, json!({ "y": 2025 })).await;
    assert_eq!(
        again["data"]["sendAnnualStatements"]["queued"], 0,
        "idempotent per donor and year"
    );
    let future = app.gql(&admin, q, json!({ "y": 2027 })).await;
    assert_eq!((code(&future), field(&future)), ("BAD_USER_INPUT", "year"));
    deliver(&app).await;
    let got = sink.wait_for(4, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 4, "one email; the other statement is a letter");
    let text = &got[3].data;
    assert!(text.contains("2025 giving statement"), "{text}");
    assert!(
        text.contains("92.50") && text.contains("42.50"),
        "total and the deductible part: {text}"
    );
    assert!(
        !text.contains("7.00"),
        "a 2026 gift is not in the 2025 statement"
    );
    let letters = app
        .count(
            "outbound_messages WHERE template_key = 'annual-statement' AND contact_id IS NOT NULL",
        )
        .await;
    assert_eq!(letters, 2);
}
