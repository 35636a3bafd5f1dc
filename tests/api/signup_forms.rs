//! Signup forms: admins define them, anyone reads an active one with its types' prices.

use serde_json::{Value, json};

use crate::fixtures::create_type;
use crate::helpers::{TestApp, code, field};

const CREATE: &str =
    "mutation($i: CreateSignupFormInput!) { createSignupForm(input: $i) { id slug } }";
const READ: &str = "query($s: String!) { signupForm(slug: $s) { slug title intro allowDonation suggestedDonations currency membershipTypes { name price { total } } fields { key label type required options helpText min max maxLength pattern target } } }";

fn form(types: Value) -> Value {
    json!({
        "slug": "join", "title": "Join us", "intro": "Members keep the park green.",
        "membershipTypeIds": types, "allowDonation": true, "suggestedDonations": ["10", "25.50"],
        "fields": [
            { "key": "heard_from", "label": "How did you hear of us?", "type": "SELECT", "options": ["Friend", "Web"], "required": true },
            { "key": "interests", "label": "Interests", "type": "MULTI_SELECT", "options": ["Trees", "Birds"] },
            { "key": "age", "label": "Age", "type": "NUMBER", "min": 16, "max": 120 },
            { "key": "branch_code", "label": "Branch code", "type": "TEXT", "maxLength": 6, "pattern": "[A-Z]{2}[0-9]+", "target": "MEMBERSHIP", "helpText": "On your card" },
            { "key": "since", "label": "Volunteer since", "type": "DATE" },
            { "key": "consent", "label": "I accept the rules", "type": "BOOLEAN", "required": true },
        ],
    })
}

#[tokio::test]
async fn admins_define_forms_and_anyone_reads_an_active_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let individual = create_type(&app, &admin, json!({ "name": "Individual", "durationUnit": "YEAR", "minimumFee": "50", "joiningFee": "5" })).await;
    let board = create_type(
        &app,
        &admin,
        json!({ "name": "Board", "durationUnit": "YEAR", "visibility": "ADMIN" }),
    )
    .await;
    let body = app
        .gql(&admin, CREATE, json!({ "i": form(json!([individual])) }))
        .await;
    let id = body["data"]["createSignupForm"]["id"].clone();
    assert!(id.is_string(), "{body}");
    let body = app.anon(READ, json!({ "s": "join" })).await;
    let f = &body["data"]["signupForm"];
    assert_eq!(
        f["membershipTypes"],
        json!([{ "name": "Individual", "price": { "total": "55.00" } }]),
        "{body}"
    );
    assert_eq!(f["suggestedDonations"], json!(["10.00", "25.50"]));
    assert_eq!(f["currency"], "USD");
    assert_eq!(f["fields"].as_array().unwrap().len(), 6);
    assert_eq!(
        f["fields"][3],
        json!({ "key": "branch_code", "label": "Branch code", "type": "TEXT", "required": false, "options": [], "helpText": "On your card", "min": null, "max": null, "maxLength": 6, "pattern": "[A-Z]{2}[0-9]+", "target": "MEMBERSHIP" })
    );
    // Bad definitions name their field and write nothing.
    let before = app.count("signup_forms").await;
    for (want_code, want_field, change) in [
        ("CONFLICT", "slug", json!({})),
        ("BAD_USER_INPUT", "slug", json!({ "slug": "Join Us" })),
        (
            "BAD_USER_INPUT",
            "title",
            json!({ "slug": "x1", "title": " " }),
        ),
        (
            "BAD_USER_INPUT",
            "membershipTypeIds",
            json!({ "slug": "x2", "membershipTypeIds": [board] }),
        ),
        (
            "BAD_USER_INPUT",
            "membershipTypeIds",
            json!({ "slug": "x3", "membershipTypeIds": [] }),
        ),
        (
            "NOT_FOUND",
            "membershipTypeIds",
            json!({ "slug": "x4", "membershipTypeIds": ["9999"] }),
        ),
        (
            "BAD_USER_INPUT",
            "suggestedDonations",
            json!({ "slug": "x5", "suggestedDonations": ["0"] }),
        ),
        (
            "BAD_USER_INPUT",
            "fields",
            json!({ "slug": "x6", "fields": [{ "key": "a", "label": "A", "type": "SELECT" }] }),
        ),
        (
            "BAD_USER_INPUT",
            "fields",
            json!({ "slug": "x7", "fields": [{ "key": "a", "label": "A", "type": "TEXT", "pattern": "(" }] }),
        ),
        (
            "BAD_USER_INPUT",
            "fields",
            json!({ "slug": "x8", "fields": [{ "key": "a", "label": "A", "type": "TEXT" }, { "key": "a", "label": "B", "type": "DATE" }] }),
        ),
        (
            "BAD_USER_INPUT",
            "fields",
            json!({ "slug": "x9", "fields": [{ "key": "a", "label": "A", "type": "NUMBER", "min": 5, "max": 1 }] }),
        ),
    ] {
        let mut input = form(json!([individual]));
        for (k, v) in change.as_object().unwrap() {
            input[k] = v.clone();
        }
        let body = app.gql(&admin, CREATE, json!({ "i": input })).await;
        assert_eq!(
            (code(&body), field(&body)),
            (want_code, want_field),
            "{change}: {body}"
        );
    }
    assert_eq!(app.count("signup_forms").await, before);
    // Who may do what.
    let (staff, _) = app.token_for("STAFF").await;
    let body = app
        .gql(&staff, CREATE, json!({ "i": form(json!([individual])) }))
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    assert_eq!(
        code(&app.anon("{ signupForms { slug } }", json!({})).await),
        "UNAUTHENTICATED"
    );
    // A retired form is gone for the public, still there for admins; a type made private leaves it.
    let q = "mutation($id: ID!, $i: UpdateSignupFormInput!) { updateSignupForm(id: $id, input: $i) { isActive intro } }";
    let body = app
        .gql(
            &admin,
            q,
            json!({ "id": id, "i": { "isActive": false, "intro": null } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateSignupForm"],
        json!({ "isActive": false, "intro": null }),
        "{body}"
    );
    assert_eq!(
        code(&app.anon(READ, json!({ "s": "join" })).await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(&app.anon(READ, json!({ "s": "nope" })).await),
        "NOT_FOUND"
    );
    assert!(app.gql(&admin, READ, json!({ "s": "join" })).await["data"]["signupForm"].is_object());
    app.gql(&admin, q, json!({ "id": id, "i": { "isActive": true } }))
        .await;
    let hide =
        "mutation($id: ID!) { updateMembershipType(id: $id, input: { visibility: ADMIN }) { id } }";
    app.gql(&admin, hide, json!({ "id": individual })).await;
    let body = app.anon(READ, json!({ "s": "join" })).await;
    assert_eq!(
        body["data"]["signupForm"]["membershipTypes"],
        json!([]),
        "{body}"
    );
}
