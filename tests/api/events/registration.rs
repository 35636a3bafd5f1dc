//! Who sees which events and prices, when registration opens for whom, anonymous registration with
//! an address already on record, guests, duplicates and approval.

use serde_json::json;

use super::*;
use crate::helpers::{code, field};

const LIST: &str =
    "{ events(first: 50) { totalCount nodes { id title ticketTypes { name price } } } }";

fn titles(body: &Value) -> Vec<String> {
    body["data"]["events"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("events: {body}"))
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn member_prices_and_members_only_events_are_invisible_to_non_members() {
    let app = app().await;
    let admin = app.admin_token().await;
    let (member_token, _) = member(&app, &admin).await;
    let (outsider, _) = non_member(&app).await;
    let priced = json!({ "title": "Gala", "ticketTypes": [
        { "name": "Member", "price": "10.00", "currency": "USD", "grants": ["members-area"] },
        { "name": "Public", "price": "20.00", "currency": "USD" },
    ]});
    let gala = event(&app, &admin, priced, true).await;
    event(
        &app,
        &admin,
        json!({ "title": "Members evening", "visibility": "MEMBERS_ONLY" }),
        true,
    )
    .await;
    let unlisted = event(
        &app,
        &admin,
        json!({ "title": "Board dinner", "visibility": "UNLISTED" }),
        true,
    )
    .await;
    let draft = event(&app, &admin, json!({ "title": "Secret draft" }), false).await;

    // Lists: the public and non-members see only the public event, with the public price only.
    for token in [None, Some(outsider.as_str())] {
        let body = app.gql_with(token, LIST, json!({})).await;
        assert_eq!(titles(&body), ["Gala"], "{body}");
        let tickets = &body["data"]["events"]["nodes"][0]["ticketTypes"];
        assert_eq!(
            tickets,
            &json!([{ "name": "Public", "price": "20.00" }]),
            "{token:?}"
        );
    }
    let body = app.gql(&member_token, LIST, json!({})).await;
    assert_eq!(titles(&body), ["Gala", "Members evening"], "{body}");
    assert_eq!(
        body["data"]["events"]["nodes"][0]["ticketTypes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let body = app.gql(&admin, LIST, json!({})).await;
    assert_eq!(
        body["data"]["events"]["totalCount"], 4,
        "staff see drafts and unlisted too"
    );

    // By id: unlisted is reachable, drafts and members-only events are not (NOT_FOUND, like a
    // missing id).
    let one = "query($id: ID!) { event(id: $id) { title } }";
    let body = app.anon(one, json!({ "id": unlisted["id"] })).await;
    assert_eq!(body["data"]["event"]["title"], "Board dinner");
    let body = app.anon(one, json!({ "id": draft["id"] })).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let members_only =
        app.gql(&member_token, LIST, json!({})).await["data"]["events"]["nodes"][1]["id"].clone();
    for token in [None, Some(outsider.as_str())] {
        let body = app
            .gql_with(token, one, json!({ "id": members_only }))
            .await;
        assert_eq!(code(&body), "NOT_FOUND", "{body}");
        // Nor can they register for it.
        let body = register(&app, token, &members_only, json!({ "ticketTypeId": "1", "firstName": "A", "lastName": "B", "email": "ab@example.org" })).await;
        assert_eq!(code(&body), "NOT_FOUND", "{body}");
    }

    // A member ticket bought by a non-member is NOT_FOUND, naming the field.
    let body = register(
        &app,
        Some(&outsider),
        &gala["id"],
        json!({ "ticketTypeId": ticket(&gala, "Member") }),
    )
    .await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    assert_eq!(field(&body), "ticketTypeId");
    // The member pays the member price.
    let body = register(
        &app,
        Some(&member_token),
        &gala["id"],
        json!({ "ticketTypeId": ticket(&gala, "Member") }),
    )
    .await;
    let r = &body["data"]["registerForEvent"];
    assert_eq!(r["status"], "PENDING_PAYMENT", "{body}");
    assert_eq!(r["ticketType"]["price"], "10.00");
    let body = app
        .gql(&member_token, "{ viewer { registrations { nodes { contribution { amount currency status financialType { key } } } } } }", json!({}))
        .await;
    let k = &body["data"]["viewer"]["registrations"]["nodes"][0]["contribution"];
    assert_eq!(
        k,
        &json!({ "amount": "10.00", "currency": "USD", "status": "PENDING", "financialType": { "key": "EVENT_FEE" } }),
        "{body}"
    );
    // Signed in, a second registration for the same event is refused.
    let body = register(
        &app,
        Some(&member_token),
        &gala["id"],
        json!({ "ticketTypeId": ticket(&gala, "Public") }),
    )
    .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
}

#[tokio::test]
async fn members_register_early_and_everyone_else_when_registration_opens() {
    let app = app().await;
    let admin = app.admin_token().await;
    let (member_token, _) = member(&app, &admin).await;
    let e = event(
        &app,
        &admin,
        json!({ "registrationOpensAt": "2027-03-05T09:00:00Z", "memberRegistrationOpensAt": "2027-02-25T09:00:00Z" }),
        true,
    )
    .await;
    let t = ticket(&e, "Public");
    let body = register(
        &app,
        Some(&member_token),
        &e["id"],
        json!({ "ticketTypeId": t }),
    )
    .await;
    assert_eq!(
        body["data"]["registerForEvent"]["status"], "REGISTERED",
        "{body}"
    );
    let body = register(&app, None, &e["id"], json!({ "ticketTypeId": t, "firstName": "Early", "lastName": "Bird", "email": "early@example.org" })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("members may register earlier"),
        "{message}"
    );
    assert_eq!(
        app.count("event_registrations").await,
        1,
        "the refused registration wrote nothing"
    );
    set_now(&app, "2027-03-05T10:00:00Z");
    register_anon(&app, &e["id"], &t, "early@example.org").await;
    // Registration closes when the event starts.
    set_now(&app, STARTS);
    let body = register(&app, None, &e["id"], json!({ "ticketTypeId": t, "firstName": "Late", "lastName": "Comer", "email": "late@example.org" })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
}

#[tokio::test]
async fn anonymous_registration_with_a_known_address_neither_reveals_nor_changes_the_contact() {
    let app = app().await;
    let admin = app.admin_token().await;
    let (_, member_contact) = member(&app, &admin).await;
    let member_email = app
        .gql(
            &admin,
            "query($id: ID!) { contact(id: $id) { email } }",
            json!({ "id": member_contact }),
        )
        .await["data"]["contact"]["email"]
        .as_str()
        .unwrap()
        .to_string();
    let known = person(&app, &admin, "known@example.org").await;
    let e = event(
        &app,
        &admin,
        json!({ "ticketTypes": [
            { "name": "Member", "price": "0", "grants": ["members-area"] },
            { "name": "Public", "price": "0" },
        ]}),
        true,
    )
    .await;
    let q = "mutation($e: ID!, $i: RegisterForEventInput!) { registerForEvent(eventId: $e, input: $i) { id status contact { id firstName } } }";
    let input = json!({ "ticketTypeId": ticket(&e, "Public"), "firstName": "Mallory", "lastName": "Evil", "email": "KNOWN@example.org" });
    let body = app.anon(q, json!({ "e": e["id"], "i": input })).await;
    // The registration is made, but its person stays hidden from the anonymous caller.
    assert!(body["data"]["registerForEvent"]["id"].is_string(), "{body}");
    assert_eq!(
        code(&body),
        "UNAUTHENTICATED",
        "contact is not for anonymous callers: {body}"
    );
    let body = app
        .gql(&admin, "query($id: ID!) { contact(id: $id) { firstName lastName eventRegistrations { nodes { attendeeName status } } } }", json!({ "id": known }))
        .await;
    let c = &body["data"]["contact"];
    assert_eq!(
        c["firstName"], "Pat",
        "the known contact keeps its name: {body}"
    );
    assert_eq!(c["lastName"], "Person");
    assert_eq!(
        c["eventRegistrations"]["nodes"],
        json!([{ "attendeeName": "Mallory Evil", "status": "REGISTERED" }])
    );
    // Typing a member's address buys no member ticket.
    let body = register(&app, None, &e["id"], json!({ "ticketTypeId": ticket(&e, "Member"), "firstName": "M", "lastName": "X", "email": member_email })).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    // Bad input names the field.
    let body = register(&app, None, &e["id"], json!({ "ticketTypeId": ticket(&e, "Public"), "firstName": "No", "lastName": "Mail", "email": "not-an-address" })).await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "email"),
        "{body}"
    );
}

#[tokio::test]
async fn guests_are_bounded_and_count_as_seats() {
    let app = app().await;
    let admin = app.admin_token().await;
    let e = event(
        &app,
        &admin,
        json!({ "capacity": 3, "maxGuestsPerRegistration": 2 }),
        true,
    )
    .await;
    let t = ticket(&e, "Public");
    for guests in [3, -1] {
        let body = register(&app, None, &e["id"], json!({ "ticketTypeId": t, "firstName": "G", "lastName": "H", "email": "g@example.org", "guests": guests })).await;
        assert_eq!(
            (code(&body), field(&body)),
            ("BAD_USER_INPUT", "guests"),
            "{body}"
        );
    }
    let body = register(&app, None, &e["id"], json!({ "ticketTypeId": t, "firstName": "G", "lastName": "H", "email": "g@example.org", "guests": 2 })).await;
    assert_eq!(
        body["data"]["registerForEvent"]["status"], "REGISTERED",
        "{body}"
    );
    let body = app
        .anon(
            "query($id: ID!) { event(id: $id) { registeredCount seatsRemaining } }",
            json!({ "id": e["id"] }),
        )
        .await;
    assert_eq!(
        body["data"]["event"],
        json!({ "registeredCount": 3, "seatsRemaining": 0 })
    );
    let r = register_anon(&app, &e["id"], &t, "late@example.org").await;
    assert_eq!(r["status"], "WAITLISTED");
}

#[tokio::test]
async fn registrations_needing_approval_wait_for_staff() {
    let app = app().await;
    let admin = app.admin_token().await;
    let (staff, _) = app.token_for("STAFF").await;
    let e = event(&app, &admin, json!({ "requiresApproval": true }), true).await;
    let r = register_anon(&app, &e["id"], &ticket(&e, "Public"), "ask@example.org").await;
    assert_eq!(r["status"], "AWAITING_APPROVAL");
    assert_eq!(
        r["event"]["location"],
        Value::Null,
        "no location before approval"
    );
    let notices = outbox(&app, "event-registration").await;
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0].text_body.contains("approve each registration"),
        "{}",
        notices[0].text_body
    );
    let approve = "mutation($id: ID!) { approveRegistration(id: $id) { status } }";
    let body = app.anon(approve, json!({ "id": r["id"] })).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    let body = app.gql(&staff, approve, json!({ "id": r["id"] })).await;
    assert_eq!(
        body["data"]["approveRegistration"]["status"], "REGISTERED",
        "{body}"
    );
    let body = app.gql(&staff, approve, json!({ "id": r["id"] })).await;
    assert_eq!(code(&body), "CONFLICT", "approving twice: {body}");
    let mail = outbox(&app, "event-registration").await;
    assert_eq!(mail.len(), 2, "the confirmation follows the notice");
    assert!(
        mail[1].text_body.contains("Park pavilion"),
        "the confirmation says where"
    );
    assert!(!code_in(&mail[1]).is_empty());
    assert!(
        !mail[0].text_body.contains("Park pavilion"),
        "the notice does not"
    );
}

#[tokio::test]
async fn the_address_of_someone_who_died_is_neither_revealed_nor_reused() {
    let app = app().await;
    let admin = app.admin_token().await;
    let e = event(&app, &admin, json!({}), true).await;
    let t = ticket(&e, "Public");
    let c = person(&app, &admin, "late@example.org").await;
    let body = app
        .gql(
            &admin,
            "mutation($id: ID!) { updateContact(id: $id, input: { isDeceased: true }) { isDeceased } }",
            json!({ "id": c }),
        )
        .await;
    assert_eq!(body["data"]["updateContact"]["isDeceased"], true, "{body}");
    // Answered like any other address: a registration, not a CONFLICT naming `email`.
    let r = register_anon(&app, &e["id"], &t, "late@example.org").await;
    assert_eq!(r["status"], "REGISTERED", "{r}");
    let body = app
        .gql(
            &admin,
            "query($id: ID!) { registration(id: $id) { contact { id email isDeceased } } }",
            json!({ "id": r["id"] }),
        )
        .await;
    let who = &body["data"]["registration"]["contact"];
    assert_ne!(who["id"], json!(c), "{body}");
    assert_eq!(
        (who["email"].clone(), who["isDeceased"].clone()),
        (Value::Null, json!(false)),
        "{body}"
    );
}
