//! Sign-in, tokens and roles through the real endpoint.

use chrono::Duration;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, code};

const CONTACTS: &str = "{ contacts { totalCount } }";

#[tokio::test]
async fn no_token_is_unauthenticated_for_protected_fields() {
    let app = TestApp::spawn().await;
    let body = app.anon(CONTACTS, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    // Public: anonymous viewer is null, not an error.
    let body = app.anon("{ viewer { user { id } } }", json!({})).await;
    assert!(
        body["errors"].is_null() && body["data"]["viewer"].is_null(),
        "{body}"
    );
}

#[tokio::test]
async fn bad_tokens_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let body = app.gql("not-a-real-token", CONTACTS, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    // A malformed Authorization header.
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("authorization", "Basic abc")
        .json(&json!({ "query": CONTACTS }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(code(&body), "UNAUTHENTICATED");
    // Login still works with a stale token in the header.
    let admin = app.admin_token().await;
    assert!(!admin.is_empty());
}

#[tokio::test]
async fn login_returns_a_working_token_and_logout_revokes_it() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    assert!(token.len() >= 43, "256-bit token");
    let body = app
        .gql(&token, "{ viewer { user { email role } } }", json!({}))
        .await;
    assert_eq!(body["data"]["viewer"]["user"]["role"], "ADMIN");
    let body = app.gql(&token, "mutation { logout }", json!({})).await;
    assert_eq!(body["data"]["logout"], true);
    let body = app.gql(&token, CONTACTS, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
}

#[tokio::test]
async fn only_the_hash_of_a_token_is_stored() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let backend = app.state.db.get_database_backend();
    use sea_orm::ConnectionTrait;
    let row = app
        .state
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT token_sha256 FROM sessions",
        ))
        .await
        .unwrap()
        .unwrap();
    let stored: String = row.try_get("", "token_sha256").unwrap();
    assert_ne!(stored, token);
    assert_eq!(stored, tessera::services::auth::token_digest(&token));
}

#[tokio::test]
async fn expired_tokens_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.clock().advance(Duration::days(29));
    let body = app.gql(&token, CONTACTS, json!({})).await;
    assert!(body["errors"].is_null(), "still valid on day 29: {body}");
    app.clock().advance(Duration::days(2));
    let body = app.gql(&token, CONTACTS, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_look_the_same() {
    let app = TestApp::spawn().await;
    app.admin_token().await;
    let q = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    let wrong = app
        .anon(q, json!({ "e": "nobody@example.org", "p": PASSWORD }))
        .await;
    let email = {
        let body = app
            .gql(
                &app.admin_token().await,
                "{ users { nodes { email } } }",
                json!({}),
            )
            .await;
        body["data"]["users"]["nodes"][0]["email"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let bad_pw = app
        .anon(q, json!({ "e": email, "p": "wrong password here" }))
        .await;
    assert_eq!(code(&wrong), "UNAUTHENTICATED");
    assert_eq!(code(&bad_pw), "UNAUTHENTICATED");
    assert_eq!(
        wrong["errors"][0]["message"],
        bad_pw["errors"][0]["message"]
    );
    // Email matching is case-insensitive.
    let ok = app
        .anon(q, json!({ "e": email.to_uppercase(), "p": PASSWORD }))
        .await;
    assert!(ok["data"]["login"]["token"].is_string(), "{ok}");
}

#[tokio::test]
async fn roles_are_enforced_per_field() {
    let app = TestApp::spawn().await;
    let (staff, _) = app.token_for("STAFF").await;
    let (member, member_contact) = app.token_for("MEMBER").await;
    // Staff may work with contacts but not logins.
    assert!(app.gql(&staff, CONTACTS, json!({})).await["errors"].is_null());
    let body = app.gql(&staff, "{ users { totalCount } }", json!({})).await;
    assert_eq!(code(&body), "FORBIDDEN");
    let body = app
        .gql(&staff, "mutation { createUser(input: { email: \"x@example.org\", password: \"long enough pw\", role: ADMIN }) { id } }", json!({}))
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    // Members may not list contacts or create them, but may read their own contact.
    assert_eq!(
        code(&app.gql(&member, CONTACTS, json!({})).await),
        "FORBIDDEN"
    );
    let body = app
        .gql(
            &member,
            "mutation { createContact(input: { lastName: \"X\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    let own = member_contact.unwrap();
    let body = app
        .gql(
            &member,
            "query($id: ID!) { contact(id: $id) { displayName } }",
            json!({ "id": own }),
        )
        .await;
    assert_eq!(body["data"]["contact"]["displayName"], "Mem Ber", "{body}");
    let admin = app.admin_token().await;
    let other = app
        .gql(
            &admin,
            "mutation { createContact(input: { lastName: \"Other\" }) { id } }",
            json!({}),
        )
        .await;
    let other_id = other["data"]["createContact"]["id"].clone();
    let body = app
        .gql(
            &member,
            "query($id: ID!) { contact(id: $id) { displayName } }",
            json!({ "id": other_id }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    // The viewer sees their own contact.
    let body = app
        .gql(
            &member,
            "{ viewer { user { role } contact { displayName } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["viewer"]["user"]["role"], "MEMBER");
    assert_eq!(body["data"]["viewer"]["contact"]["displayName"], "Mem Ber");
}

#[tokio::test]
async fn create_user_rules() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let q =
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id email role contact { id } } }";
    let member_without_contact = app
        .gql(
            &admin,
            q,
            json!({ "i": { "email": "m@example.org", "password": PASSWORD, "role": "MEMBER" } }),
        )
        .await;
    assert_eq!(code(&member_without_contact), "BAD_USER_INPUT");
    assert_eq!(crate::helpers::field(&member_without_contact), "contactId");
    let missing_contact = app
        .gql(&admin, q, json!({ "i": { "email": "m@example.org", "password": PASSWORD, "role": "MEMBER", "contactId": "999" } }))
        .await;
    assert_eq!(code(&missing_contact), "NOT_FOUND");
    let short = app
        .gql(
            &admin,
            q,
            json!({ "i": { "email": "s@example.org", "password": "short", "role": "STAFF" } }),
        )
        .await;
    assert_eq!(crate::helpers::field(&short), "password");
    let users_before = app.count("users").await;
    let ok = app
        .gql(
            &admin,
            q,
            json!({ "i": { "email": "Staff@Example.org", "password": PASSWORD, "role": "STAFF" } }),
        )
        .await;
    assert_eq!(ok["data"]["createUser"]["email"], "staff@example.org");
    let dup = app
        .gql(
            &admin,
            q,
            json!({ "i": { "email": "staff@example.org", "password": PASSWORD, "role": "STAFF" } }),
        )
        .await;
    assert_eq!(code(&dup), "CONFLICT");
    assert_eq!(
        app.count("users").await,
        users_before + 1,
        "the failed mutation wrote nothing"
    );
}

#[tokio::test]
async fn resetting_an_admin_revokes_its_sessions() {
    let app = TestApp::spawn().await;
    tessera::services::users::create_or_reset_admin(&app.state, "boss@example.org", PASSWORD)
        .await
        .unwrap();
    let token = app.login("boss@example.org", PASSWORD).await;
    let (_, created) = tessera::services::users::create_or_reset_admin(
        &app.state,
        "boss@example.org",
        "another long password",
    )
    .await
    .unwrap();
    assert!(!created);
    assert_eq!(
        code(&app.gql(&token, CONTACTS, json!({})).await),
        "UNAUTHENTICATED"
    );
    app.login("boss@example.org", "another long password").await;
}
