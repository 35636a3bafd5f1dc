//! Segments and mailings (issue 19): tags and groups with history, interests and consent records,
//! saved searches (checked against a brute-force filter on random data), mailings and their
//! audience, exactly-once sending, unsubscribe links, double opt-in and bounces; renaming,
//! deleting and archiving what mailings and saved searches name.

mod archive;
mod filter_property;
mod interests;
mod lifecycle;
mod mailings;
mod references;
mod sending;
mod tags_groups;

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Runs a GraphQL request that must succeed; returns `data`.
pub async fn ok(app: &TestApp, token: &str, q: &str, vars: Value) -> Value {
    let body = app.gql(token, q, vars).await;
    assert!(body["errors"].is_null(), "{q}: {body}");
    body["data"].clone()
}

/// A contact with an email address; returns its id.
pub async fn person(app: &TestApp, admin: &str, first: &str, email: &str) -> String {
    crate::fixtures::contact(
        app,
        admin,
        json!({ "firstName": first, "lastName": "Example", "email": email }),
    )
    .await
}

pub async fn create_tag(app: &TestApp, admin: &str, name: &str) -> String {
    let q = "mutation($i: CreateTagInput!) { createTag(input: $i) { id } }";
    let d = ok(
        app,
        admin,
        q,
        json!({ "i": { "name": name, "color": "#1f77b4" } }),
    )
    .await;
    d["createTag"]["id"].as_str().unwrap().to_string()
}

pub async fn create_group(app: &TestApp, token: &str, name: &str) -> String {
    let q = "mutation($i: CreateGroupInput!) { createGroup(input: $i) { id } }";
    let d = ok(app, token, q, json!({ "i": { "name": name } })).await;
    d["createGroup"]["id"].as_str().unwrap().to_string()
}

pub async fn create_interest(app: &TestApp, admin: &str, name: &str, public: bool) -> String {
    let q = "mutation($i: CreateInterestInput!) { createInterest(input: $i) { id } }";
    let d = ok(
        app,
        admin,
        q,
        json!({ "i": { "name": name, "isPublic": public } }),
    )
    .await;
    d["createInterest"]["id"].as_str().unwrap().to_string()
}

/// The ids of the contacts a filter lists, sorted.
pub async fn listed(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let q = "query($f: ContactFilter) { contacts(first: 100, filter: $f) { nodes { id } } }";
    let d = ok(app, token, q, json!({ "f": filter })).await;
    let mut ids: Vec<String> = d["contacts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}
