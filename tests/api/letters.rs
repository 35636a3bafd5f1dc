//! Letters: membership messages for contacts without email but with a postal address are kept as
//! LETTER rows, printed as one HTML document, and marked SENT once printed.

use serde_json::{Value, json};

use crate::fixtures::{contact, deliver};
use crate::fixtures::{create_membership, yearly_type};
use crate::helpers::{TestApp, code, field};

/// The welcome message queued for `contact_id`: (id, status, lastError).
async fn welcome_of(app: &TestApp, admin: &str, contact_id: &str) -> (String, String, Value) {
    let body = app
        .gql(
            admin,
            "query($c: ID) { outboundMessages(filter: { contactId: $c, templateKey: \"welcome\" }) { nodes { id status lastError } } }",
            json!({ "c": contact_id }),
        )
        .await;
    let node = &body["data"]["outboundMessages"]["nodes"][0];
    (
        node["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_string(),
        node["status"].as_str().unwrap().to_string(),
        node["lastError"].clone(),
    )
}

/// A contact with a postal address and no email, given a membership (so a welcome is queued).
async fn member_by_post(app: &TestApp, admin: &str, last: &str) -> String {
    let yearly = yearly_type(app, admin).await;
    let c = contact(
        app,
        admin,
        json!({ "lastName": last, "street": "1 Main St", "city": "Springfield" }),
    )
    .await;
    let body = create_membership(
        app,
        admin,
        json!({ "contactId": c, "membershipTypeId": yearly }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    c
}

const POSTAL: &str = "printableLetters { count html messages { id status } }";

#[tokio::test]
async fn contacts_without_email_but_with_an_address_get_letters_to_print() {
    let app = TestApp::spawn_with(|s| s.organization.name = "Friends of the Park".into()).await;
    let admin = app.admin_token().await;
    let (staff, _) = app.token_for("STAFF").await;
    let yearly = yearly_type(&app, &admin).await;
    let address = json!({ "street": "12 Elm Street", "city": "Springfield", "postalCode": "12345", "country": "US" });
    let mut letter_input = address.clone();
    letter_input["firstName"] = json!("Olive");
    letter_input["lastName"] = json!("O'Neil <Sr>");
    let by_post = contact(&app, &admin, letter_input).await;
    let mut opted_out = address.clone();
    opted_out["lastName"] = json!("Nopost");
    opted_out["doNotMail"] = json!(true);
    let no_post = contact(&app, &admin, opted_out).await;
    let no_address = contact(&app, &admin, json!({ "lastName": "Nowhere" })).await;
    let mut emailed = address.clone();
    emailed["lastName"] = json!("Mail");
    emailed["email"] = json!("mail@example.org");
    let by_email = contact(&app, &admin, emailed).await;
    for c in [&by_post, &no_post, &no_address, &by_email] {
        let body = create_membership(
            &app,
            &admin,
            json!({ "contactId": c, "membershipTypeId": yearly }),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }

    let (letter_id, status, note) = welcome_of(&app, &admin, &by_post).await;
    assert_eq!(status, "LETTER");
    assert!(
        note.as_str().unwrap().contains("no email address"),
        "{note}"
    );
    assert_eq!(welcome_of(&app, &admin, &no_post).await.1, "CANCELLED");
    assert_eq!(welcome_of(&app, &admin, &no_address).await.1, "CANCELLED");
    assert_eq!(welcome_of(&app, &admin, &by_email).await.1, "QUEUED");

    // Delivery leaves letters alone.
    deliver(&app).await;
    assert_eq!(welcome_of(&app, &admin, &by_post).await.1, "LETTER");
    assert_eq!(welcome_of(&app, &admin, &by_email).await.1, "SENT");

    // One page per letter, the address on it, everything escaped; reading changes nothing.
    let body = app.gql(&staff, &format!("{{ {POSTAL} }}"), json!({})).await;
    let batch = &body["data"]["printableLetters"];
    assert_eq!(batch["count"], 1, "{body}");
    assert_eq!(batch["messages"][0]["id"], letter_id.as_str());
    let html = batch["html"].as_str().unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert_eq!(html.matches("<section class=\"letter\">").count(), 1);
    for expected in [
        "Olive O&#x27;Neil &lt;Sr&gt;",
        "12 Elm Street",
        "12345 Springfield",
        "Friends of the Park",
        "Welcome to Friends of the Park",
        "If you have any questions, write to us",
    ] {
        assert!(html.contains(expected), "{expected} missing from {html}");
    }
    assert!(!html.contains("<Sr>"), "unescaped name");
    assert!(!html.contains("reply to this email"), "{html}");
    let again = app.gql(&staff, &format!("{{ {POSTAL} }}"), json!({})).await;
    assert_eq!(again["data"]["printableLetters"]["count"], 1);

    // Only LETTER ids are accepted, and a bad list changes nothing.
    let (email_id, _, _) = welcome_of(&app, &admin, &by_email).await;
    let mark = "mutation($ids: [ID!]!) { markLettersPrinted(ids: $ids) { id status sentAt } }";
    let bad = app
        .gql(&staff, mark, json!({ "ids": [letter_id, email_id] }))
        .await;
    assert_eq!(
        (code(&bad), field(&bad)),
        ("BAD_USER_INPUT", "ids"),
        "{bad}"
    );
    assert_eq!(welcome_of(&app, &admin, &by_post).await.1, "LETTER");
    let only = app
        .gql(
            &staff,
            "query($ids: [ID!]) { printableLetters(ids: $ids) { count } }",
            json!({ "ids": [email_id] }),
        )
        .await;
    assert_eq!(field(&only), "ids", "{only}");

    let done = app.gql(&staff, mark, json!({ "ids": [letter_id] })).await;
    assert_eq!(
        done["data"]["markLettersPrinted"][0]["status"], "SENT",
        "{done}"
    );
    assert!(done["data"]["markLettersPrinted"][0]["sentAt"].is_string());
    let empty = app.gql(&staff, &format!("{{ {POSTAL} }}"), json!({})).await;
    assert_eq!(empty["data"]["printableLetters"]["count"], 0);
    let twice = app.gql(&staff, mark, json!({ "ids": [letter_id] })).await;
    assert_eq!(code(&twice), "BAD_USER_INPUT", "already printed");
    let none = app.gql(&staff, mark, json!({ "ids": [] })).await;
    assert_eq!(
        (code(&none), field(&none)),
        ("BAD_USER_INPUT", "ids"),
        "{none}"
    );
    for first in [0, 1001] {
        let body = app
            .gql(
                &staff,
                "query($f: Int) { printableLetters(first: $f) { count } }",
                json!({ "f": first }),
            )
            .await;
        assert_eq!(
            (code(&body), field(&body)),
            ("BAD_USER_INPUT", "first"),
            "{body}"
        );
    }

    // Members cannot see the letters.
    let (member, _) = app.token_for("MEMBER").await;
    let denied = app
        .gql(&member, &format!("{{ {POSTAL} }}"), json!({}))
        .await;
    assert_eq!(code(&denied), "FORBIDDEN");
}

#[tokio::test]
async fn with_letters_off_unsendable_mail_is_cancelled() {
    let app = TestApp::spawn_with(|s| s.mail.letters = false).await;
    let admin = app.admin_token().await;
    let c = member_by_post(&app, &admin, "Paper").await;
    assert_eq!(welcome_of(&app, &admin, &c).await.1, "CANCELLED");
}

#[tokio::test]
async fn a_letter_can_be_sent_as_email_once_the_contact_has_an_address() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = member_by_post(&app, &admin, "Later").await;
    let (id, status, _) = welcome_of(&app, &admin, &c).await;
    assert_eq!(status, "LETTER");
    let retry = "mutation($id: ID!) { retryMessage(id: $id) { status recipient } }";
    assert_eq!(
        code(&app.gql(&admin, retry, json!({ "id": id })).await),
        "CONFLICT",
        "still no email address"
    );
    app.gql(
        &admin,
        "mutation($id: ID!) { updateContact(id: $id, input: { email: \"later@example.org\" }) { id } }",
        json!({ "id": c }),
    )
    .await;
    let body = app.gql(&admin, retry, json!({ "id": id })).await;
    assert_eq!(body["data"]["retryMessage"]["status"], "QUEUED", "{body}");
    assert_eq!(
        body["data"]["retryMessage"]["recipient"],
        "later@example.org"
    );
}
