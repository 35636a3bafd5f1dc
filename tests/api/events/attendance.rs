//! At the door and after: check-in by id, no-shows, what attendance feeds (the contact, the
//! figures), the thank-you, and staff-only operations refused to others.

use serde_json::json;

use super::money::run_job;
use super::*;
use crate::helpers::code;

#[tokio::test]
async fn check_in_no_shows_and_what_attendance_feeds() {
    let app = app().await;
    let admin = app.admin_token().await;
    let (member_token, member_contact) = member(&app, &admin).await;
    let e = event(&app, &admin, json!({ "capacity": 3 }), true).await;
    let t = ticket(&e, "Public");
    let body = register(
        &app,
        Some(&member_token),
        &e["id"],
        json!({ "ticketTypeId": t }),
    )
    .await;
    let came = body["data"]["registerForEvent"].clone();
    let absent = register_anon(&app, &e["id"], &t, "absent@example.org").await;
    let check_in = "mutation($id: ID!) { checkIn(id: $id) { status checkedInAt } }";
    // Members cannot check people in, not even themselves.
    let body = app
        .gql(&member_token, check_in, json!({ "id": came["id"] }))
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let no_shows = "mutation($e: ID!) { markNoShows(eventId: $e) }";
    let body = app.gql(&admin, no_shows, json!({ "e": e["id"] })).await;
    assert_eq!(code(&body), "CONFLICT", "not before the start: {body}");
    set_now(&app, "2027-03-10T18:05:00Z");
    let body = app.gql(&admin, check_in, json!({ "id": came["id"] })).await;
    assert_eq!(body["data"]["checkIn"]["status"], "ATTENDED", "{body}");
    let body = app.gql(&admin, check_in, json!({ "id": came["id"] })).await;
    assert_eq!(code(&body), "CONFLICT", "checked in twice: {body}");
    let body = app
        .gql(
            &admin,
            "mutation($e: ID!, $c: String!) { checkInByCode(eventId: $e, code: $c) { status } }",
            json!({ "e": e["id"], "c": "made-up-code" }),
        )
        .await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let body = app.gql(&admin, no_shows, json!({ "e": e["id"] })).await;
    assert_eq!(body["data"]["markNoShows"], 1, "{body}");
    assert_eq!(status_of(&app, &admin, &absent["id"]).await, "NO_SHOW");
    assert_eq!(status_of(&app, &admin, &came["id"]).await, "ATTENDED");

    let q = "query($id: ID!) { contact(id: $id) { eventsAttended eventRegistrations { totalCount nodes { status event { title } } } } }";
    let body = app.gql(&admin, q, json!({ "id": member_contact })).await;
    assert_eq!(body["data"]["contact"]["eventsAttended"], 1, "{body}");
    assert_eq!(
        body["data"]["contact"]["eventRegistrations"]["nodes"][0],
        json!({ "status": "ATTENDED", "event": { "title": "Spring picnic" } })
    );
    let body = app
        .gql(&admin, "query { eventStats(from: \"2027-03-10\", to: \"2027-03-10\") { registrations attended noShows attendanceRate noShowRate revenue { amount } event { title } } }", json!({}))
        .await;
    assert_eq!(
        body["data"]["eventStats"],
        json!([{ "registrations": 2, "attended": 1, "noShows": 1, "attendanceRate": 0.5, "noShowRate": 0.5, "revenue": [], "event": { "title": "Spring picnic" } }]),
        "{body}"
    );
    let body = app
        .gql(
            &member_token,
            "query { eventStats(from: \"2027-03-10\", to: \"2027-03-10\") { registrations } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");

    // After the event, those who came are thanked, once.
    set_now(&app, "2027-03-11T09:00:00Z");
    run_job(&app, "event-followups").await;
    run_job(&app, "event-followups").await;
    let thanks = outbox(&app, "event-thank-you").await;
    assert_eq!(thanks.len(), 1, "only the attendee, only once");
    assert_eq!(
        thanks[0].contact_id.map(|c| c.to_string()),
        Some(member_contact)
    );
}

#[tokio::test]
async fn staff_operations_are_refused_to_anonymous_callers_and_members() {
    let app = app().await;
    let admin = app.admin_token().await;
    let (member_token, _) = non_member(&app).await;
    let e = event(&app, &admin, json!({}), true).await;
    let ops = [
        (
            "mutation($id: ID!) { publishEvent(id: $id) { id } }",
            json!({ "id": e["id"] }),
        ),
        (
            "mutation($id: ID!) { cancelEvent(id: $id) { id } }",
            json!({ "id": e["id"] }),
        ),
        (
            "mutation($id: ID!) { updateEvent(id: $id, input: { title: \"Hijacked\" }) { id } }",
            json!({ "id": e["id"] }),
        ),
        (
            "mutation { createEvent(input: { title: \"X\", startsAt: \"2027-04-01T10:00:00Z\", endsAt: \"2027-04-01T11:00:00Z\" }) { id } }",
            json!({}),
        ),
        (
            "query($id: ID!) { event(id: $id) { registrations { totalCount } } }",
            json!({ "id": e["id"] }),
        ),
        ("query { registrations { totalCount } }", json!({})),
    ];
    for (q, vars) in ops {
        let body = app.anon(q, vars.clone()).await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{q}: {body}");
        let body = app.gql(&member_token, q, vars).await;
        assert_eq!(code(&body), "FORBIDDEN", "{q}: {body}");
    }
    let body = app
        .gql(
            &admin,
            "query($id: ID!) { event(id: $id) { title status } }",
            json!({ "id": e["id"] }),
        )
        .await;
    assert_eq!(
        body["data"]["event"],
        json!({ "title": "Spring picnic", "status": "PUBLISHED" }),
        "nothing changed"
    );
}
