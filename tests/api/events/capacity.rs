//! Capacity is never exceeded, also when many register at once for the last seats; the waitlist is
//! served in order, by email; what waitlisted people may see.

use futures::future::join_all;
use serde_json::json;

use super::*;
use crate::helpers::code;

#[tokio::test]
async fn simultaneous_registrations_for_the_last_seats_fill_exactly_the_capacity() {
    let app = app().await;
    let admin = app.admin_token().await;
    let e = event(
        &app,
        &admin,
        json!({ "capacity": 8, "maxGuestsPerRegistration": 2 }),
        true,
    )
    .await;
    let t = ticket(&e, "Public");
    // Five seats go first: one person with two guests, two alone.
    let body = register(&app, None, &e["id"], json!({ "ticketTypeId": t, "firstName": "Big", "lastName": "Party", "email": "party@example.org", "guests": 2 })).await;
    assert_eq!(
        body["data"]["registerForEvent"]["status"], "REGISTERED",
        "{body}"
    );
    for i in 0..2 {
        register_anon(&app, &e["id"], &t, &format!("early{i}@example.org")).await;
    }
    // Sixteen people race for the last three seats, registered by staff at the same moment (no
    // other lock than the event's serialises them).
    let mut people = Vec::new();
    for i in 0..16 {
        people.push(person(&app, &admin, &format!("racer{i}@example.org")).await);
    }
    let q = format!(
        "mutation($e: ID!, $i: RegisterContactInput!) {{ registerContact(eventId: $e, input: $i) {{ {REG_FIELDS} }} }}"
    );
    let racers = people.iter().map(|contact_id| {
        let (app, admin, q, id, t) = (&app, &admin, &q, e["id"].clone(), t.clone());
        async move {
            let body = app
                .gql(
                    admin,
                    q,
                    json!({ "e": id, "i": { "contactId": contact_id, "ticketTypeId": t } }),
                )
                .await;
            assert!(body["errors"].is_null(), "{body}");
            let r = &body["data"]["registerContact"];
            (
                r["id"].as_str().unwrap().parse::<i64>().unwrap(),
                r["status"].as_str().unwrap().to_string(),
            )
        }
    });
    let results = join_all(racers).await;
    let registered: Vec<i64> = results
        .iter()
        .filter(|(_, s)| s == "REGISTERED")
        .map(|(id, _)| *id)
        .collect();
    let waitlisted: Vec<i64> = results
        .iter()
        .filter(|(_, s)| s == "WAITLISTED")
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(registered.len(), 3, "{results:?}");
    assert_eq!(waitlisted.len(), 13, "{results:?}");
    assert!(
        registered.iter().max() < waitlisted.iter().min(),
        "the first to get the lock got the seats: {results:?}"
    );
    let body = app
        .gql(
            &admin,
            "query($id: ID!) { event(id: $id) { registeredCount waitlistCount seatsRemaining } }",
            json!({ "id": e["id"] }),
        )
        .await;
    assert_eq!(
        body["data"]["event"],
        json!({ "registeredCount": 8, "waitlistCount": 13, "seatsRemaining": 0 }),
        "{body}"
    );

    // A cancellation promotes the first person waiting, who is emailed; the rest keep their order.
    let first_registered = registered[0];
    let body = app
        .gql(&admin, "mutation($id: ID!) { cancelRegistration(id: $id, input: { reason: \"Cannot come\" }) { status } }", json!({ "id": first_registered.to_string() }))
        .await;
    assert_eq!(
        body["data"]["cancelRegistration"]["status"], "CANCELLED",
        "{body}"
    );
    let mut waiting = waitlisted.clone();
    waiting.sort_unstable();
    assert_eq!(
        status_of(&app, &admin, &json!(waiting[0].to_string())).await,
        "REGISTERED"
    );
    assert_eq!(
        status_of(&app, &admin, &json!(waiting[1].to_string())).await,
        "WAITLISTED"
    );
    let promoted = outbox(&app, "event-promoted").await;
    assert_eq!(promoted.len(), 1);
    assert_eq!(
        promoted[0].recipient.as_deref(),
        Some(
            format!(
                "racer{}@example.org",
                results
                    .iter()
                    .position(|(id, _)| *id == waiting[0])
                    .unwrap()
            )
            .as_str()
        )
    );
    assert!(!code_in(&promoted[0]).is_empty());
    assert_eq!(
        outbox(&app, "event-cancelled").await.len(),
        1,
        "the cancelled person is told"
    );
    let body = app
        .gql(
            &admin,
            "query($id: ID!) { event(id: $id) { registeredCount } }",
            json!({ "id": e["id"] }),
        )
        .await;
    assert_eq!(body["data"]["event"]["registeredCount"], 8);
}

#[tokio::test]
async fn waitlisted_and_cancelled_people_never_see_where_the_event_is() {
    let app = app().await;
    let admin = app.admin_token().await;
    let e = event(&app, &admin, json!({ "capacity": 1 }), true).await;
    let t = ticket(&e, "Public");
    let (first, _) = non_member(&app).await;
    let (second, _) = non_member(&app).await;
    let body = register(&app, Some(&first), &e["id"], json!({ "ticketTypeId": t })).await;
    assert_eq!(
        body["data"]["registerForEvent"]["event"]["location"], "Park pavilion, 1 Park Lane",
        "{body}"
    );
    let body = register(&app, Some(&second), &e["id"], json!({ "ticketTypeId": t })).await;
    let waiting = &body["data"]["registerForEvent"];
    assert_eq!(waiting["status"], "WAITLISTED", "{body}");
    assert_eq!(waiting["event"]["location"], Value::Null);
    assert_eq!(waiting["event"]["onlineUrl"], Value::Null);
    let nested = "{ viewer { registrations { nodes { status event { location onlineUrl } } } } }";
    let body = app.gql(&second, nested, json!({})).await;
    assert_eq!(
        body["data"]["viewer"]["registrations"]["nodes"][0]["event"],
        json!({ "location": null, "onlineUrl": null }),
        "{body}"
    );
    let body = app
        .anon(
            "query($id: ID!) { event(id: $id) { location onlineUrl } }",
            json!({ "id": e["id"] }),
        )
        .await;
    assert_eq!(
        body["data"]["event"],
        json!({ "location": null, "onlineUrl": null })
    );
    // The first person cancels: the seat (and the location) goes to the second, not back.
    let mine = app
        .gql(
            &first,
            "{ viewer { registrations { nodes { id } } } }",
            json!({}),
        )
        .await["data"]["viewer"]["registrations"]["nodes"][0]["id"]
        .clone();
    // Another person cannot cancel it (NOT_FOUND, like a missing id).
    let cancel = "mutation($id: ID!) { cancelMyRegistration(id: $id) { status } }";
    let body = app.gql(&second, cancel, json!({ "id": mine })).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let body = app.gql(&first, cancel, json!({ "id": mine })).await;
    assert_eq!(
        body["data"]["cancelMyRegistration"]["status"], "CANCELLED",
        "{body}"
    );
    let body = app.gql(&first, nested, json!({})).await;
    assert_eq!(
        body["data"]["viewer"]["registrations"]["nodes"][0]["event"]["location"],
        Value::Null,
        "{body}"
    );
    let body = app.gql(&second, nested, json!({})).await;
    let node = &body["data"]["viewer"]["registrations"]["nodes"][0];
    assert_eq!(node["status"], "REGISTERED", "{body}");
    assert_eq!(node["event"]["location"], "Park pavilion, 1 Park Lane");
}

#[tokio::test]
async fn someone_waiting_for_a_full_ticket_does_not_hold_back_free_seats_of_another() {
    let app = app().await;
    let admin = app.admin_token().await;
    let e = event(
        &app,
        &admin,
        json!({ "capacity": 10, "ticketTypes": [
            { "name": "Front row", "price": "0", "capacity": 1 },
            { "name": "Public", "price": "0" },
        ] }),
        true,
    )
    .await;
    let front = ticket(&e, "Front row");
    let public = ticket(&e, "Public");
    let (a, _) = non_member(&app).await;
    let (b, _) = non_member(&app).await;
    let (c, _) = non_member(&app).await;
    let body = register(&app, Some(&a), &e["id"], json!({ "ticketTypeId": front })).await;
    assert_eq!(
        body["data"]["registerForEvent"]["status"], "REGISTERED",
        "{body}"
    );
    let body = register(&app, Some(&b), &e["id"], json!({ "ticketTypeId": front })).await;
    assert_eq!(
        body["data"]["registerForEvent"]["status"], "WAITLISTED",
        "{body}"
    );
    // The front row is full and someone waits for it; the hall still has eight seats.
    let body = register(&app, Some(&c), &e["id"], json!({ "ticketTypeId": public })).await;
    assert_eq!(
        body["data"]["registerForEvent"]["status"], "REGISTERED",
        "a free public seat is not held back: {body}"
    );
}
