//! Records the tests build through the API again and again: membership types, contacts,
//! memberships, the clock, and a delivery run.

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::TestApp;

pub const MEMBERSHIP_FIELDS: &str = "id joinDate startDate endDate isOverride status { name code } membershipType { name } history { change status { name } changedBy note }";

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Pins the clock to noon UTC on `day`.
pub fn set_today(app: &TestApp, day: &str) {
    let date = d(day);
    app.clock()
        .set(Utc.from_utc_datetime(&date.and_hms_opt(12, 0, 0).unwrap()));
}

pub async fn create_type(app: &TestApp, admin: &str, input: Value) -> String {
    let body = app
        .gql(
            admin,
            "mutation($i: CreateMembershipTypeInput!) { createMembershipType(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await;
    body["data"]["createMembershipType"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createMembershipType: {body}"))
        .to_string()
}

pub async fn yearly_type(app: &TestApp, admin: &str) -> String {
    create_type(app, admin, json!({ "name": "Individual", "durationUnit": "YEAR", "minimumFee": "50.00", "currency": "USD", "grants": ["members-area"] })).await
}

pub async fn new_contact(app: &TestApp, admin: &str, last: &str) -> String {
    let body = app
        .gql(admin, "mutation($l: String!) { createContact(input: { firstName: \"Pat\", lastName: $l }) { id } }", json!({ "l": last }))
        .await;
    body["data"]["createContact"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn create_membership(app: &TestApp, admin: &str, input: Value) -> Value {
    let q = format!(
        "mutation($i: CreateMembershipInput!) {{ createMembership(input: $i) {{ {MEMBERSHIP_FIELDS} }} }}"
    );
    app.gql(admin, &q, json!({ "i": input })).await
}

pub async fn deliver(app: &TestApp) -> Value {
    let run = tessera::jobs::runs::run(
        &app.state,
        crate::helpers::job("deliver-mail"),
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
    run.details.clone().expect("details")
}

pub async fn contact(app: &TestApp, admin: &str, input: Value) -> String {
    let body = app
        .gql(
            admin,
            "mutation($i: CreateContactInput!) { createContact(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await;
    body["data"]["createContact"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string()
}
