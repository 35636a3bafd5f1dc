//! The member portal and a hardened API: self-service, password reset, invitations, login
//! administration, throttling, API keys, the audit log, restricted resources.

use std::time::Duration;

use chrono::Duration as Span;
use serde_json::{Value, json};

use crate::fixtures::{create_membership, set_today, yearly_type};
use crate::helpers::{PASSWORD, TestApp, code, field};

const LOGIN: &str =
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";

async fn try_login(app: &TestApp, email: &str, password: &str) -> Value {
    app.anon(LOGIN, json!({ "e": email, "p": password })).await
}

/// Waits for the `nth` queued account message from `template` and returns its link's token, as the
/// recipient's mailbox would (the API shows only a placeholder).
async fn token_from_mail(app: &TestApp, _admin: &str, template: &str, nth: usize) -> String {
    for _ in 0..100 {
        let tokens = app.mailed_tokens(template).await;
        if tokens.len() >= nth {
            return tokens[nth - 1].clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no {template} message queued");
}

#[tokio::test]
async fn members_update_their_own_profile_only() {
    let app = TestApp::spawn().await;
    let (member, contact) = app.token_for("MEMBER").await;
    let q = "mutation($i: UpdateMyProfileInput!) { updateMyProfile(input: $i) { id phone city doNotEmail email } }";
    let body = app
        .gql(
            &member,
            q,
            json!({ "i": { "phone": "+1 555 0100", "city": "Springfield", "doNotEmail": true } }),
        )
        .await;
    let c = &body["data"]["updateMyProfile"];
    assert_eq!(
        (
            c["id"].as_str(),
            c["city"].as_str(),
            c["doNotEmail"].as_bool()
        ),
        (contact.as_deref(), Some("Springfield"), Some(true)),
        "{body}"
    );
    let body = app
        .gql(&member, q, json!({ "i": { "country": "XX" } }))
        .await;
    assert_eq!(field(&body), "country");
    // Role, status, dates and email are not part of the input at all.
    let body = app
        .gql(
            &member,
            "mutation { updateMyProfile(input: { email: \"x@example.org\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    let (staff, _) = app.token_for("STAFF").await;
    let body = app.gql(&staff, q, json!({ "i": { "city": "X" } })).await;
    assert_eq!(code(&body), "FORBIDDEN", "no contact record");
    assert_eq!(
        code(&app.anon(q, json!({ "i": { "city": "X" } })).await),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn changing_the_password_signs_out_other_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let email = "pat@example.org";
    app.gql(
        &admin,
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        json!({ "i": { "email": email, "password": PASSWORD, "role": "STAFF" } }),
    )
    .await;
    let laptop = app.login(email, PASSWORD).await;
    let phone = app.login(email, PASSWORD).await;
    let q = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
    let wrong = app
        .gql(
            &laptop,
            q,
            json!({ "c": "not it at all", "n": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(
        (code(&wrong), field(&wrong)),
        ("BAD_USER_INPUT", "currentPassword")
    );
    let short = app
        .gql(&laptop, q, json!({ "c": PASSWORD, "n": "short" }))
        .await;
    assert_eq!(field(&short), "newPassword");
    let ok = app
        .gql(
            &laptop,
            q,
            json!({ "c": PASSWORD, "n": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(ok["data"]["changePassword"], true);
    assert!(
        app.gql(&laptop, "{ viewer { user { id } } }", json!({}))
            .await["errors"]
            .is_null(),
        "this session stays"
    );
    assert_eq!(
        code(
            &app.gql(&phone, "{ viewer { user { id } } }", json!({}))
                .await
        ),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        code(&try_login(&app, email, PASSWORD).await),
        "UNAUTHENTICATED"
    );
    app.login(email, "a brand new passphrase").await;
}

#[tokio::test]
async fn password_reset_links_work_once_and_expire() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let email = "reset-me@example.org";
    app.gql(
        &admin,
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        json!({ "i": { "email": email, "password": PASSWORD, "role": "STAFF" } }),
    )
    .await;
    let old_session = app.login(email, PASSWORD).await;
    let q = "mutation($e: String!) { requestPasswordReset(email: $e) }";
    let unknown = app.anon(q, json!({ "e": "nobody@example.org" })).await;
    let known = app.anon(q, json!({ "e": email })).await;
    assert_eq!(unknown, known, "the same answer either way");
    let token = token_from_mail(&app, &admin, "password-reset", 1).await;
    assert!(token.len() >= 43);
    let reset = "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }";
    let body = app
        .anon(reset, json!({ "t": token, "p": "fresh long password" }))
        .await;
    assert_eq!(body["data"]["resetPassword"], true, "{body}");
    assert_eq!(
        code(
            &app.gql(&old_session, "{ viewer { user { id } } }", json!({}))
                .await
        ),
        "UNAUTHENTICATED"
    );
    app.login(email, "fresh long password").await;
    let again = app
        .anon(reset, json!({ "t": token, "p": "another long password" }))
        .await;
    assert_eq!(
        (code(&again), field(&again)),
        ("BAD_USER_INPUT", "token"),
        "single use"
    );
    // A link older than an hour no longer works.
    app.anon(q, json!({ "e": email })).await;
    let token = token_from_mail(&app, &admin, "password-reset", 2).await;
    app.clock().advance(Span::minutes(61));
    let late = app
        .anon(reset, json!({ "t": token, "p": "another long password" }))
        .await;
    assert_eq!(field(&late), "token");
    assert_eq!(
        app.count("outbound_messages").await,
        2,
        "nothing queued for the unknown address"
    );
}

#[tokio::test]
async fn staff_invite_contacts_to_the_portal() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (staff, _) = app.token_for("STAFF").await;
    let c = app.gql(&admin, "mutation { createContact(input: { firstName: \"Ivy\", lastName: \"Vite\", email: \"ivy@example.org\" }) { id } }", json!({})).await["data"]["createContact"]["id"].clone();
    let q = "mutation($c: ID!) { inviteContact(contactId: $c) { id email role contact { displayName } } }";
    let body = app.gql(&staff, q, json!({ "c": c })).await;
    assert_eq!(body["data"]["inviteContact"]["role"], "MEMBER", "{body}");
    assert_eq!(
        body["data"]["inviteContact"]["contact"]["displayName"],
        "Ivy Vite"
    );
    assert_eq!(
        code(&app.gql(&staff, q, json!({ "c": c })).await),
        "CONFLICT",
        "already invited"
    );
    let token = token_from_mail(&app, &admin, "invitation", 1).await;
    let set = app.anon("mutation($t: String!) { resetPassword(token: $t, newPassword: \"my own passphrase\") }", json!({ "t": token })).await;
    assert_eq!(set["data"]["resetPassword"], true, "{set}");
    let member = app.login("ivy@example.org", "my own passphrase").await;
    let me = app
        .gql(
            &member,
            "{ viewer { user { role emailVerified } contact { displayName } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["viewer"]["contact"]["displayName"], "Ivy Vite");
    assert_eq!(
        me["data"]["viewer"]["user"]["emailVerified"], true,
        "accepting the invitation proves the address: {me}"
    );
    let no_email = app
        .gql(
            &admin,
            "mutation { createContact(input: { lastName: \"Nomail\" }) { id } }",
            json!({}),
        )
        .await["data"]["createContact"]["id"]
        .clone();
    assert_eq!(
        field(&app.gql(&staff, q, json!({ "c": no_email })).await),
        "contactId"
    );
    let (member2, _) = app.token_for("MEMBER").await;
    assert_eq!(
        code(&app.gql(&member2, q, json!({ "c": no_email })).await),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn logins_confirm_their_email_address_with_a_single_use_link() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (member, _) = app.token_for("MEMBER").await;
    let status = "{ viewer { user { email emailVerified emailVerifiedAt } } }";
    let me = app.gql(&member, status, json!({})).await;
    assert_eq!(me["data"]["viewer"]["user"]["emailVerified"], false, "{me}");
    assert!(me["data"]["viewer"]["user"]["emailVerifiedAt"].is_null());
    let email = me["data"]["viewer"]["user"]["email"].clone();

    let request = "mutation { requestEmailVerification }";
    assert_eq!(code(&app.anon(request, json!({})).await), "UNAUTHENTICATED");
    let body = app.gql(&member, request, json!({})).await;
    assert_eq!(body["data"]["requestEmailVerification"], true, "{body}");
    let mail = app
        .gql(
            &admin,
            "{ outboundMessages(filter: { templateKey: \"verify-email\" }) { nodes { recipient subject } } }",
            json!({}),
        )
        .await;
    let nodes = &mail["data"]["outboundMessages"]["nodes"];
    assert_eq!(nodes[0]["recipient"], email, "{mail}");
    assert!(
        nodes[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Confirm your email address"),
        "{mail}"
    );
    let token = token_from_mail(&app, &admin, "verify-email", 1).await;

    // A verification link never sets a password.
    let reset =
        "mutation($t: String!) { resetPassword(token: $t, newPassword: \"hijacked password\") }";
    let body = app.anon(reset, json!({ "t": token })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "token"));

    let verify = "mutation($t: String!) { verifyEmail(token: $t) }";
    let body = app.anon(verify, json!({ "t": "not-a-token" })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "token"));
    let body = app.anon(verify, json!({ "t": token })).await;
    assert_eq!(body["data"]["verifyEmail"], true, "{body}");
    let me = app.gql(&member, status, json!({})).await;
    assert_eq!(me["data"]["viewer"]["user"]["emailVerified"], true, "{me}");
    assert!(me["data"]["viewer"]["user"]["emailVerifiedAt"].is_string());
    let again = app.anon(verify, json!({ "t": token })).await;
    assert_eq!(code(&again), "BAD_USER_INPUT", "single use");

    // Confirmed: asking again sends nothing.
    let before = app.count("outbound_messages").await;
    let body = app.gql(&member, request, json!({})).await;
    assert_eq!(body["data"]["requestEmailVerification"], false, "{body}");
    assert_eq!(app.count("outbound_messages").await, before);

    // Links expire, and at most three go out an hour.
    let (other, _) = app.token_for("STAFF").await;
    for _ in 0..3 {
        let body = app.gql(&other, request, json!({})).await;
        assert_eq!(body["data"]["requestEmailVerification"], true, "{body}");
    }
    let body = app.gql(&other, request, json!({})).await;
    assert_eq!(code(&body), "TOO_MANY_REQUESTS", "{body}");
    let token = token_from_mail(&app, &admin, "verify-email", 4).await;
    app.clock().advance(Span::days(8));
    let late = app.anon(verify, json!({ "t": token })).await;
    assert_eq!((code(&late), field(&late)), ("BAD_USER_INPUT", "token"));
    let still = app.gql(&other, status, json!({})).await;
    assert_eq!(still["data"]["viewer"]["user"]["emailVerified"], false);
}

#[tokio::test]
async fn admins_disable_and_change_logins() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let created = app.gql(&admin, "mutation { createUser(input: { email: \"s@example.org\", password: \"correct horse battery staple\", role: STAFF }) { id } }", json!({})).await;
    let id = created["data"]["createUser"]["id"].clone();
    let staff = app.login("s@example.org", PASSWORD).await;
    let q = "mutation($id: ID!, $i: UpdateUserInput!) { updateUser(id: $id, input: $i) { role isDisabled } }";
    let body = app
        .gql(&admin, q, json!({ "id": id, "i": { "disabled": true } }))
        .await;
    assert_eq!(body["data"]["updateUser"]["isDisabled"], true, "{body}");
    assert_eq!(
        code(
            &app.gql(&staff, "{ contacts { totalCount } }", json!({}))
                .await
        ),
        "UNAUTHENTICATED",
        "signed out"
    );
    assert_eq!(
        code(&try_login(&app, "s@example.org", PASSWORD).await),
        "UNAUTHENTICATED"
    );
    app.gql(
        &admin,
        q,
        json!({ "id": id, "i": { "disabled": false, "role": "ADMIN" } }),
    )
    .await;
    let promoted = app.login("s@example.org", PASSWORD).await;
    assert!(
        app.gql(&promoted, "{ users { totalCount } }", json!({}))
            .await["errors"]
            .is_null()
    );
    let body = app
        .gql(&admin, q, json!({ "id": id, "i": { "role": "MEMBER" } }))
        .await;
    assert_eq!(field(&body), "contactId", "members need a contact");
    // The last active admin cannot lock everyone out.
    let me = app
        .gql(&admin, "{ viewer { user { id } } }", json!({}))
        .await["data"]["viewer"]["user"]["id"]
        .clone();
    app.gql(&admin, q, json!({ "id": id, "i": { "disabled": true } }))
        .await;
    assert_eq!(
        code(
            &app.gql(&admin, q, json!({ "id": me, "i": { "role": "STAFF" } }))
                .await
        ),
        "CONFLICT"
    );
    let (staff2, _) = app.token_for("STAFF").await;
    assert_eq!(
        code(
            &app.gql(&staff2, q, json!({ "id": id, "i": { "disabled": false } }))
                .await
        ),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn failed_logins_are_throttled_per_account_and_per_address() {
    let app = TestApp::spawn_with(|s| s.auth.max_failed_logins = 3).await;
    let admin = app.admin_token().await;
    app.gql(&admin, "mutation { createUser(input: { email: \"t@example.org\", password: \"correct horse battery staple\", role: STAFF }) { id } }", json!({})).await;
    for _ in 0..3 {
        assert_eq!(
            code(&try_login(&app, "t@example.org", "wrong password!").await),
            "UNAUTHENTICATED"
        );
    }
    let body = try_login(&app, "t@example.org", PASSWORD).await;
    assert_eq!(
        code(&body),
        "TOO_MANY_REQUESTS",
        "even the right password waits: {body}"
    );
    app.clock().advance(Span::minutes(16));
    assert!(try_login(&app, "t@example.org", PASSWORD).await["data"]["login"]["token"].is_string());
    // One address trying many accounts is stopped too.
    for i in 0..3 {
        try_login(&app, &format!("guess{i}@example.org"), "whatever it is").await;
    }
    assert_eq!(
        code(&try_login(&app, "t@example.org", PASSWORD).await),
        "TOO_MANY_REQUESTS"
    );
}

#[tokio::test]
async fn api_keys_carry_a_role_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let body = app.gql(&admin, "mutation { createApiKey(input: { name: \"website\", role: STAFF }) { secret apiKey { id role prefix } } }", json!({})).await;
    let secret = body["data"]["createApiKey"]["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    assert!(secret.starts_with("tsk_"));
    let id = body["data"]["createApiKey"]["apiKey"]["id"].clone();
    assert!(
        app.gql(&secret, "{ contacts { totalCount } }", json!({}))
            .await["errors"]
            .is_null()
    );
    assert_eq!(
        code(
            &app.gql(&secret, "{ users { totalCount } }", json!({}))
                .await
        ),
        "FORBIDDEN"
    );
    // A key has no mailbox of its own: it cannot ask to confirm its creator's address.
    assert_eq!(
        code(
            &app.gql(&secret, "mutation { requestEmailVerification }", json!({}))
                .await
        ),
        "FORBIDDEN"
    );
    let listed = app
        .gql(&admin, "{ apiKeys { name prefix lastUsedAt } }", json!({}))
        .await;
    assert_eq!(listed["data"]["apiKeys"][0]["name"], "website");
    assert!(
        !listed.to_string().contains(&secret),
        "the secret is never shown again"
    );
    app.gql(
        &admin,
        "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        code(
            &app.gql(&secret, "{ contacts { totalCount } }", json!({}))
                .await
        ),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn the_audit_log_records_memberships_and_logins() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let t = yearly_type(&app, &admin).await;
    let c = app
        .gql(
            &admin,
            "mutation { createContact(input: { lastName: \"Aud\" }) { id } }",
            json!({}),
        )
        .await["data"]["createContact"]["id"]
        .clone();
    let m = create_membership(
        &app,
        &admin,
        json!({ "contactId": c, "membershipTypeId": t }),
    )
    .await["data"]["createMembership"]["id"]
        .clone();
    app.gql(
        &admin,
        "mutation($id: ID!) { renewMembership(id: $id) { id } }",
        json!({ "id": m }),
    )
    .await;
    app.gql(
        &admin,
        "mutation($id: ID!) { cancelMembership(id: $id) { id } }",
        json!({ "id": m }),
    )
    .await;
    let q = "query($f: AuditFilter) { auditLog(filter: $f) { totalCount nodes { action actor before after } } }";
    let body = app
        .gql(
            &admin,
            q,
            json!({ "f": { "entity": "membership", "entityId": m } }),
        )
        .await;
    let actions: Vec<&str> = body["data"]["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["membership.cancel", "membership.renew", "membership.create"]
    );
    let renew = &body["data"]["auditLog"]["nodes"][1];
    assert_ne!(
        renew["before"]["endDate"], renew["after"]["endDate"],
        "{renew}"
    );
    let users = app
        .gql(&admin, q, json!({ "f": { "entity": "user" } }))
        .await;
    assert!(users["data"]["auditLog"]["totalCount"].as_i64().unwrap() >= 1);
    let (staff, _) = app.token_for("STAFF").await;
    assert_eq!(code(&app.gql(&staff, q, json!({})).await), "FORBIDDEN");
}

#[tokio::test]
async fn restricted_resources_follow_the_stored_membership_status() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2026-01-10");
    let t = yearly_type(&app, &admin).await; // grants members-area
    let (member, contact) = app.token_for("MEMBER").await;
    let create = "mutation($i: CreateResourceInput!) { createResource(input: $i) { id } }";
    let secret = app.gql(&admin, create, json!({ "i": { "title": "Board minutes", "summary": "For members", "body": "The minutes.", "requiredPermission": "members-area", "isPublished": true } })).await["data"]["createResource"]["id"].clone();
    app.gql(
        &admin,
        create,
        json!({ "i": { "title": "Open letter", "body": "Hello all", "isPublished": true } }),
    )
    .await;
    app.gql(
        &admin,
        create,
        json!({ "i": { "title": "Draft", "isPublished": false } }),
    )
    .await;
    let list = "{ resources { title summary body isAccessible } }";
    let anon = app.anon(list, json!({})).await;
    let items = anon["data"]["resources"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "drafts stay with the staff: {anon}");
    assert_eq!(items[0]["summary"], "For members");
    assert!(items[0]["body"].is_null() && items[0]["isAccessible"] == false);
    assert_eq!(items[1]["body"], "Hello all");
    let one = "query($id: ID!) { resource(id: $id) { body } }";
    assert_eq!(
        code(&app.anon(one, json!({ "id": secret })).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&app.gql(&member, one, json!({ "id": secret })).await),
        "FORBIDDEN",
        "no membership yet"
    );
    let m = create_membership(
        &app,
        &admin,
        json!({ "contactId": contact, "membershipTypeId": t }),
    )
    .await["data"]["createMembership"]["id"]
        .clone();
    assert_eq!(
        app.gql(&member, one, json!({ "id": secret })).await["data"]["resource"]["body"],
        "The minutes."
    );
    // The status job expires it: access ends; a renewal brings it back; a cancellation ends it.
    app.gql(
        &admin,
        "mutation { runJob(name: \"update-statuses\", asOf: \"2027-03-01\") { id } }",
        json!({}),
    )
    .await;
    assert_eq!(
        code(&app.gql(&member, one, json!({ "id": secret })).await),
        "FORBIDDEN",
        "expired"
    );
    app.gql(
        &admin,
        "mutation($id: ID!) { renewMembership(id: $id) { status { name } } }",
        json!({ "id": m }),
    )
    .await;
    assert!(
        app.gql(&member, one, json!({ "id": secret })).await["errors"].is_null(),
        "renewed"
    );
    app.gql(
        &admin,
        "mutation($id: ID!) { cancelMembership(id: $id) { id } }",
        json!({ "id": m }),
    )
    .await;
    assert_eq!(
        code(&app.gql(&member, one, json!({ "id": secret })).await),
        "FORBIDDEN",
        "cancelled"
    );
    assert_eq!(
        code(
            &app.gql(&member, create, json!({ "i": { "title": "x" } }))
                .await
        ),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app =
        TestApp::spawn_with(|s| s.server.cors_origins = vec!["https://members.example.org".into()])
            .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, authorization",
            )
            .send()
    };
    let ok = preflight("https://members.example.org").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://members.example.org"
    );
    let other = preflight("https://evil.example.com").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}
