//! Events (issue 18): visibility and prices, registration windows, capacity under concurrency and
//! the waitlist, approval, payment, cancellation, check-in and attendance, reminders and the
//! calendar feed.

mod attendance;
mod calendar;
mod capacity;
mod money;
mod privacy;
mod registration;

use chrono::{TimeZone, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tessera::db::entities::outbound_message as outbound;

use crate::fixtures::{contact, create_membership, yearly_type};
use crate::helpers::TestApp;

/// "Now" in these tests: 2027-03-01 12:00 UTC; the events are on 2027-03-10.
pub const TODAY: &str = "2027-03-01";
pub const STARTS: &str = "2027-03-10T18:00:00Z";
pub const ENDS: &str = "2027-03-10T21:00:00Z";

pub const EVENT_FIELDS: &str = "id title status visibility capacity location onlineUrl registeredCount waitlistCount ticketTypes { id name price currency grants }";
pub const REG_FIELDS: &str = "id status guests paymentToken payBy ticketType { name price } event { id title location onlineUrl }";

/// An app with the clock at `TODAY` noon and room for many anonymous registrations per address.
pub async fn app() -> TestApp {
    let app = TestApp::spawn_with(|s| s.signup.max_per_address_per_hour = 10_000).await;
    crate::fixtures::set_today(&app, TODAY);
    app
}

/// Sets the clock to an instant.
pub fn set_now(app: &TestApp, rfc3339: &str) {
    let at = chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap();
    app.clock().set(Utc.from_utc_datetime(&at.naive_utc()));
}

/// Creates (and by default publishes) an event from `input` merged over sensible defaults;
/// returns the event JSON.
pub async fn event(app: &TestApp, staff: &str, input: Value, publish: bool) -> Value {
    let mut full = json!({
        "title": "Spring picnic", "startsAt": STARTS, "endsAt": ENDS,
        "location": "Park pavilion, 1 Park Lane", "onlineUrl": "https://meet.example.org/picnic",
        "ticketTypes": [{ "name": "Public", "price": "0" }],
    });
    if let (Value::Object(target), Value::Object(more)) = (&mut full, input) {
        target.extend(more);
    }
    let q = format!(
        "mutation($i: CreateEventInput!) {{ createEvent(input: $i) {{ {EVENT_FIELDS} }} }}"
    );
    let body = app.gql(staff, &q, json!({ "i": full })).await;
    let created = body["data"]["createEvent"].clone();
    assert!(created.is_object(), "createEvent: {body}");
    if !publish {
        return created;
    }
    let q = format!("mutation($id: ID!) {{ publishEvent(id: $id) {{ {EVENT_FIELDS} }} }}");
    let body = app.gql(staff, &q, json!({ "id": created["id"] })).await;
    assert_eq!(
        body["data"]["publishEvent"]["status"], "PUBLISHED",
        "{body}"
    );
    body["data"]["publishEvent"].clone()
}

/// The id of the event's ticket called `name`, as staff see it.
pub fn ticket(e: &Value, name: &str) -> String {
    e["ticketTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no ticket {name} in {e}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `registerForEvent` with `token` (None: anonymous); the whole body.
pub async fn register(app: &TestApp, token: Option<&str>, event_id: &Value, input: Value) -> Value {
    let q = format!(
        "mutation($e: ID!, $i: RegisterForEventInput!) {{ registerForEvent(eventId: $e, input: $i) {{ {REG_FIELDS} }} }}"
    );
    app.gql_with(token, &q, json!({ "e": event_id, "i": input }))
        .await
}

/// Registers an anonymous person and returns the registration.
pub async fn register_anon(app: &TestApp, event_id: &Value, ticket_id: &str, email: &str) -> Value {
    let body = register(
        app,
        None,
        event_id,
        json!({ "ticketTypeId": ticket_id, "firstName": "Ann", "lastName": "Onymous", "email": email }),
    )
    .await;
    assert!(body["errors"].is_null(), "registerForEvent: {body}");
    body["data"]["registerForEvent"].clone()
}

/// A MEMBER login whose contact holds a current membership granting `members-area`; returns the
/// token and the contact id.
pub async fn member(app: &TestApp, admin: &str) -> (String, String) {
    let (token, contact_id) = app.token_for("MEMBER").await;
    let contact_id = contact_id.unwrap();
    let type_id = yearly_type(app, admin).await;
    let body = create_membership(
        app,
        admin,
        json!({ "contactId": contact_id, "membershipTypeId": type_id }),
    )
    .await;
    assert!(body["errors"].is_null(), "createMembership: {body}");
    (token, contact_id)
}

/// A MEMBER login without any membership (signed in, but no permission).
pub async fn non_member(app: &TestApp) -> (String, String) {
    let (token, contact_id) = app.token_for("MEMBER").await;
    (token, contact_id.unwrap())
}

/// A contact with an email, created by staff.
pub async fn person(app: &TestApp, staff: &str, email: &str) -> String {
    contact(
        app,
        staff,
        json!({ "firstName": "Pat", "lastName": "Person", "email": email }),
    )
    .await
}

/// Outbox rows of `template`, oldest first.
pub async fn outbox(app: &TestApp, template: &str) -> Vec<outbound::Model> {
    outbound::Entity::find()
        .filter(outbound::Column::TemplateKey.eq(template))
        .order_by_asc(outbound::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

/// The check-in code a confirmation carries: the stored body shows only the placeholder; the code
/// travels in the row's secret, substituted at delivery (what the recipient's mailbox sees).
pub fn code_in(m: &outbound::Model) -> String {
    let placeholder = tessera::mail::outbox::HIDDEN_TOKEN;
    let line = m
        .text_body
        .lines()
        .find(|l| l.contains("check-in code"))
        .unwrap_or_else(|| panic!("no check-in code in {}", m.text_body));
    assert!(
        line.ends_with(placeholder),
        "the stored body hides the code: {line}"
    );
    let code = m
        .secret
        .clone()
        .expect("the code travels as the message's secret");
    assert!(code.len() >= 40 && !m.html_body.contains(&code) && !m.text_body.contains(&code));
    code
}

/// The registration's status, read by staff.
pub async fn status_of(app: &TestApp, staff: &str, id: &Value) -> String {
    let body = app
        .gql(
            staff,
            "query($id: ID!) { registration(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    body["data"]["registration"]["status"]
        .as_str()
        .unwrap_or_else(|| panic!("registration: {body}"))
        .to_string()
}
