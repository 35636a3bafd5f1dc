//! Scheduled reminders: the settings API, and the `send-reminders` job through the outbox to a real
//! SMTP listener. Shared helpers here; the tests in the submodules.

mod crud;
mod property;
mod sending;
mod yearly;

use serde_json::{Value, json};

use crate::fixtures::{create_membership, create_type};
use crate::helpers::{TestApp, job};

pub const FIELDS: &str = "id name templateKey anchor offset unit direction membershipTypeIds statusIds repeatEvery repeatUntil isActive createdAt updatedAt";

pub async fn create_reminder(app: &TestApp, token: &str, input: Value) -> Value {
    let q = format!(
        "mutation($i: CreateScheduledReminderInput!) {{ createScheduledReminder(input: $i) {{ {FIELDS} }} }}"
    );
    app.gql(token, &q, json!({ "i": input })).await
}

/// Creates a reminder and returns its id.
pub async fn reminder(app: &TestApp, admin: &str, input: Value) -> String {
    let body = create_reminder(app, admin, input).await;
    body["data"]["createScheduledReminder"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createScheduledReminder: {body}"))
        .to_string()
}

/// "renewal-reminder 30 days before the end date", the classic.
pub fn renewal_30_days_before() -> Value {
    json!({ "name": "Renewal, 30 days before", "templateKey": "renewal-reminder", "anchor": "END_DATE", "offset": 30, "unit": "DAY", "direction": "BEFORE" })
}

/// A yearly type that sends no welcome, so the outbox holds only reminders.
pub async fn quiet_type(app: &TestApp, admin: &str, name: &str) -> String {
    create_type(
        app,
        admin,
        json!({ "name": name, "durationUnit": "YEAR", "minimumFee": "50.00", "sendWelcome": false }),
    )
    .await
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
        .unwrap_or_else(|| panic!("createContact: {body}"))
        .to_string()
}

/// A membership with explicit dates; returns its id.
pub async fn membership(
    app: &TestApp,
    admin: &str,
    contact_id: &str,
    type_id: &str,
    (join, end): (&str, &str),
) -> String {
    let body = create_membership(
        app,
        admin,
        json!({ "contactId": contact_id, "membershipTypeId": type_id, "joinDate": join, "startDate": join, "endDate": end }),
    )
    .await;
    body["data"]["createMembership"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createMembership: {body}"))
        .to_string()
}

/// Runs `send-reminders` as of `as_of` and returns the run's details.
pub async fn run_reminders(app: &TestApp, as_of: &str) -> Value {
    let day = crate::fixtures::d(as_of);
    let run = tessera::jobs::runs::run(&app.state, job("send-reminders"), day, "test")
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

/// `(queued, alreadySent)` of a run.
pub fn counts(details: &Value) -> (i64, i64) {
    (
        details["queued"].as_i64().unwrap(),
        details["alreadySent"].as_i64().unwrap(),
    )
}

/// The reminder messages in the outbox, oldest first.
pub async fn reminder_messages(app: &TestApp, admin: &str) -> Vec<Value> {
    let q = "{ outboundMessages(first: 100) { nodes { dedupeKey templateKey recipient subject status lastError contact { id displayName } } } }";
    let body = app.gql(admin, q, json!({})).await;
    let mut out: Vec<Value> = body["data"]["outboundMessages"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter(|m| m["dedupeKey"].as_str().unwrap().starts_with("reminder."))
        .cloned()
        .collect();
    out.sort_by_key(|m| m["dedupeKey"].as_str().unwrap().to_string());
    out
}

/// The dedupe keys of the reminder messages, sorted.
pub async fn reminder_keys(app: &TestApp, admin: &str) -> Vec<String> {
    reminder_messages(app, admin)
        .await
        .iter()
        .map(|m| m["dedupeKey"].as_str().unwrap().to_string())
        .collect()
}

/// The id of a seeded status by code.
pub async fn status_id(app: &TestApp, admin: &str, code: &str) -> String {
    let body = app
        .gql(admin, "{ membershipStatuses { id code } }", json!({}))
        .await;
    body["data"]["membershipStatuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .unwrap_or_else(|| panic!("no status {code}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}
