//! Self-service signup through a form: free and paid, every problem listed at once, known addresses
//! matched without saying so, unverified logins, the per-address limit and the honeypot.

use serde_json::{Value, json};

use crate::contributions::queued;
use crate::fixtures::create_type;
use crate::helpers::{TestApp, code, field};

const SIGN_UP: &str = "mutation($i: SignUpInput!) { signUp(input: $i) { contact { firstName lastName email displayName } membership { id status { name } startDate endDate membershipType { name } } contribution { id status amount currency financialType { key } memberships { id } } donation { id status amount financialType { key } } paymentToken amountDue currency thankYou } }";

struct Setup {
    admin: String,
    free: String,
    paid: String,
    form: String,
}

/// Two types (free with a grant; 50 + 5 joining fee) and a form `join` offering both, with a
/// question of every type.
async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin_token().await;
    let free = create_type(
        app,
        &admin,
        json!({ "name": "Friend", "durationUnit": "YEAR", "grants": ["members-area"] }),
    )
    .await;
    let paid = create_type(app, &admin, json!({ "name": "Individual", "durationUnit": "YEAR", "minimumFee": "50", "joiningFee": "5" })).await;
    let form = json!({
        "slug": "join", "title": "Join us", "membershipTypeIds": [free, paid],
        "allowDonation": true, "thankYou": "Welcome aboard!",
        "fields": [
            { "key": "heard_from", "label": "How did you hear of us?", "type": "SELECT", "options": ["Friend", "Web"], "required": true },
            { "key": "interests", "label": "Interests", "type": "MULTI_SELECT", "options": ["Trees", "Birds"] },
            { "key": "age", "label": "Age", "type": "NUMBER", "min": 16, "max": 120 },
            { "key": "branch_code", "label": "Branch code", "type": "TEXT", "maxLength": 6, "pattern": "[A-Z]{2}[0-9]+", "target": "MEMBERSHIP" },
            { "key": "since", "label": "Volunteer since", "type": "DATE" },
            { "key": "consent", "label": "I accept the rules", "type": "BOOLEAN", "required": true },
        ],
    });
    let body = app
        .gql(
            &admin,
            "mutation($i: CreateSignupFormInput!) { createSignupForm(input: $i) { id } }",
            json!({ "i": form }),
        )
        .await;
    let form = body["data"]["createSignupForm"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    Setup {
        admin,
        free,
        paid,
        form,
    }
}

fn signup(t: &str, email: &str) -> Value {
    json!({
        "formSlug": "join", "firstName": "Ada", "lastName": "Lovelace", "email": email,
        "membershipTypeId": t,
        "customFields": { "heard_from": "Friend", "interests": ["Birds"], "age": 36, "branch_code": "LN42", "consent": true },
    })
}

async fn sign_up(app: &TestApp, input: Value) -> Value {
    app.anon(SIGN_UP, json!({ "i": input })).await
}

/// A signup from a given client address (the app trusts `X-Forwarded-For` in these tests).
async fn sign_up_from(app: &TestApp, ip: &str, input: Value) -> Value {
    app.client
        .post(format!("{}/graphql", app.base))
        .header("X-Forwarded-For", ip)
        .json(&json!({ "query": SIGN_UP, "variables": { "i": input } }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

/// The contact with this email, as staff see it.
async fn contact_by_email(app: &TestApp, admin: &str, email: &str) -> Value {
    let body = app
        .gql(
            admin,
            "query($s: String!) { contacts(first: 5, filter: { search: $s }) { nodes { id firstName email memberships { id status { name } customFields { key value } } customFields { key label type value } user { email emailVerified } } } }",
            json!({ "s": email }),
        )
        .await;
    let nodes = body["data"]["contacts"]["nodes"].as_array().cloned();
    let nodes = nodes.unwrap_or_else(|| panic!("{body}"));
    assert_eq!(nodes.len(), 1, "one contact for {email}: {body}");
    nodes[0].clone()
}

#[tokio::test]
async fn a_free_signup_is_a_member_at_once_with_its_answers_kept() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let body = sign_up(&app, signup(&s.free, " Ada@Example.org ")).await;
    let r = &body["data"]["signUp"];
    assert_eq!(
        r["contact"],
        json!({ "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.org", "displayName": "Ada Lovelace" }),
        "{body}"
    );
    assert_eq!(r["membership"]["status"]["name"], "New", "{body}");
    assert_eq!(r["membership"]["membershipType"]["name"], "Friend");
    assert_eq!(r["contribution"], Value::Null);
    assert_eq!(r["paymentToken"], Value::Null);
    assert_eq!(r["amountDue"], "0.00");
    assert_eq!(r["thankYou"], "Welcome aboard!");
    assert_eq!(queued(&app, "welcome").await, 1, "welcomed at once");
    assert_eq!(queued(&app, "payment-instructions").await, 0);
    // Staff see the answers, typed, on the contact and on the membership.
    let c = contact_by_email(&app, &s.admin, "ada@example.org").await;
    assert_eq!(
        c["customFields"],
        json!([
            { "key": "heard_from", "label": "How did you hear of us?", "type": "SELECT", "value": "Friend" },
            { "key": "interests", "label": "Interests", "type": "MULTI_SELECT", "value": ["Birds"] },
            { "key": "age", "label": "Age", "type": "NUMBER", "value": 36 },
            { "key": "consent", "label": "I accept the rules", "type": "BOOLEAN", "value": true },
        ]),
        "{c}"
    );
    assert_eq!(
        c["memberships"][0]["customFields"],
        json!([{ "key": "branch_code", "value": "LN42" }])
    );
    assert_eq!(c["user"], Value::Null, "no password, no login");
    // A second person, and the lists filter by answers.
    let mut other = signup(&s.free, "grace@example.org");
    other["customFields"] = json!({ "heard_from": "Web", "interests": ["Trees", "Birds"], "age": "18", "consent": true, "branch_code": "XY1" });
    let body = sign_up(&app, other).await;
    assert!(body["errors"].is_null(), "{body}");
    let list = "query($f: ContactFilter) { contacts(first: 10, filter: $f) { nodes { email } } }";
    for (filter, want) in [
        (
            json!([{ "key": "heard_from", "value": "Web" }]),
            json!(["grace@example.org"]),
        ),
        (
            json!([{ "key": "interests", "value": "Birds" }]),
            json!(["ada@example.org", "grace@example.org"]),
        ),
        (
            json!([{ "key": "interests", "value": "Trees" }, { "key": "age", "value": 18 }]),
            json!(["grace@example.org"]),
        ),
        (
            json!([{ "key": "age", "value": "36" }]),
            json!(["ada@example.org"]),
        ),
        (json!([{ "key": "consent", "value": false }]), json!([])),
    ] {
        let body = app
            .gql(&s.admin, list, json!({ "f": { "customFields": filter } }))
            .await;
        let mut emails: Vec<Value> = body["data"]["contacts"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|n| n["email"].clone())
            .collect();
        emails.sort_by_key(|e| e.to_string());
        assert_eq!(Value::Array(emails), want, "{filter}");
    }
    let body = app
        .gql(
            &s.admin,
            "{ memberships(first: 10, filter: { customFields: [{ key: \"branch_code\", value: \"XY1\" }] }) { nodes { contact { email } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["memberships"]["nodes"],
        json!([{ "contact": { "email": "grace@example.org" } }]),
        "{body}"
    );
    let body = app
        .gql(
            &s.admin,
            list,
            json!({ "f": { "customFields": [{ "key": "age", "value": [1] }] } }),
        )
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "filter.customFields")
    );
    // Answers stay readable after the form drops its questions.
    let body = app
        .gql(
            &s.admin,
            "mutation($id: ID!) { updateSignupForm(id: $id, input: { fields: [] }) { id } }",
            json!({ "id": s.form }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let c = contact_by_email(&app, &s.admin, "ada@example.org").await;
    assert_eq!(c["customFields"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn a_paid_signup_waits_for_its_payment_and_starts_when_it_is_recorded() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let mut input = signup(&s.paid, "ada@example.org");
    input["donation"] = json!("25");
    let body = sign_up(&app, input).await;
    let r = &body["data"]["signUp"];
    assert_eq!(r["membership"]["status"]["name"], "Pending", "{body}");
    let dues = &r["contribution"];
    assert_eq!(
        (
            &dues["status"],
            &dues["amount"],
            &dues["financialType"]["key"]
        ),
        (&json!("PENDING"), &json!("55.00"), &json!("MEMBER_DUES")),
        "fee and joining fee: {body}"
    );
    assert_eq!(dues["memberships"][0]["id"], r["membership"]["id"]);
    assert_eq!(r["donation"]["amount"], "25.00");
    assert_eq!(r["donation"]["status"], "PENDING");
    assert_eq!(r["amountDue"], "80.00");
    let token = r["paymentToken"].as_str().expect("a payment token");
    assert!(token.len() >= 32);
    // Only its digest is kept, once per contribution awaited.
    assert_eq!(app.count("payment_tokens").await, 2);
    assert_eq!(
        app.count(&format!("payment_tokens WHERE token_sha256 = '{token}'"))
            .await,
        0
    );
    assert_eq!(queued(&app, "payment-instructions").await, 1);
    assert_eq!(queued(&app, "welcome").await, 0, "welcomed when paid");
    let body = app
        .gql(
            &s.admin,
            "{ outboundMessages(first: 5, filter: { templateKey: \"payment-instructions\" }) { nodes { subject recipient } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["outboundMessages"]["nodes"][0]["subject"],
        "How to pay for your Individual membership",
        "{body}"
    );
    // Staff record the payment: the membership starts, the welcome goes out.
    let id = dues["id"].as_str().unwrap();
    let body = app
        .gql(
            &s.admin,
            "mutation($id: ID!) { updateContribution(id: $id, input: { status: COMPLETED, paymentInstrument: BANK_TRANSFER }) { status memberships { status { name } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"]["updateContribution"]["memberships"][0]["status"]["name"], "New",
        "{body}"
    );
    assert_eq!(queued(&app, "welcome").await, 1);
}

#[tokio::test]
async fn every_problem_is_listed_at_once_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let tables = [
        "contacts",
        "memberships",
        "contributions",
        "users",
        "custom_values",
        "outbound_messages",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(app.count(t).await);
    }
    let input = json!({
        "formSlug": "join", "firstName": " ", "lastName": "Lovelace", "email": "not-an-address",
        "password": "short", "membershipTypeId": "9999", "donation": "-5",
        "customFields": {
            "interests": ["Fish"], "age": 12, "branch_code": "ln42", "since": "2001-02-30",
            "consent": false, "shoe_size": 44,
        },
    });
    let body = sign_up(&app, input).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    let mut fields: Vec<&str> = body["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|f| {
            assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()), "{f}");
            f["field"].as_str().unwrap()
        })
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "customFields.age",
            "customFields.branch_code",
            "customFields.consent",
            "customFields.heard_from",
            "customFields.interests",
            "customFields.shoe_size",
            "customFields.since",
            "donation",
            "email",
            "firstName",
            "membershipTypeId",
            "password",
        ],
        "{body}"
    );
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1));
    // Each type's rule on its own: one problem, the field named.
    let mut cases = vec![
        ("heard_from", json!("Post"), "must be one of the options"),
        ("heard_from", json!(null), "is required"),
        ("interests", json!("Trees"), "must be a list of options"),
        ("age", json!(121), "must be at most 120"),
        ("age", json!("old"), "must be a number"),
        (
            "branch_code",
            json!("LN1234567"),
            "must be at most 6 characters",
        ),
        (
            "branch_code",
            json!("12AB"),
            "is not in the expected format",
        ),
        ("since", json!("yesterday"), "must be a date YYYY-MM-DD"),
        ("consent", json!("yes"), "must be true or false"),
    ];
    for (key, value, why) in cases.drain(..) {
        let mut input = signup(&s.free, "ada@example.org");
        input["customFields"][key] = value;
        let body = sign_up(&app, input).await;
        let fields = &body["errors"][0]["extensions"]["fields"];
        assert_eq!(
            fields,
            &json!([{ "field": format!("customFields.{key}"), "message": why }]),
            "{key}: {body}"
        );
        assert_eq!(field(&body), format!("customFields.{key}"));
    }
    // A donation where the form takes none, a type the form does not offer, an unknown form.
    let body = app
        .gql(
            &s.admin,
            "mutation($id: ID!) { updateSignupForm(id: $id, input: { allowDonation: false }) { id } }",
            json!({ "id": s.form }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let mut input = signup(&s.free, "ada@example.org");
    input["donation"] = json!("10");
    let body = sign_up(&app, input).await;
    assert_eq!(field(&body), "donation", "{body}");
    let other = create_type(
        &app,
        &s.admin,
        json!({ "name": "Other", "durationUnit": "YEAR" }),
    )
    .await;
    let body = sign_up(&app, signup(&other, "ada@example.org")).await;
    assert_eq!(field(&body), "membershipTypeId", "{body}");
    let mut input = signup(&s.free, "ada@example.org");
    input["formSlug"] = json!("nope");
    let body = sign_up(&app, input).await;
    assert_eq!((code(&body), field(&body)), ("NOT_FOUND", "formSlug"));
    for (t, n) in tables.iter().zip(before) {
        assert_eq!(app.count(t).await, n, "{t}: nothing written");
    }
}

#[tokio::test]
async fn a_known_address_is_matched_without_saying_so_and_never_gets_a_second_login() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    // A member with a login, and a contact without one.
    let (member, own) = app.token_for("MEMBER").await;
    let own = own.unwrap();
    let body = app
        .gql(&member, "{ viewer { user { email } } }", json!({}))
        .await;
    let member_email = body["data"]["viewer"]["user"]["email"]
        .as_str()
        .unwrap()
        .to_string();
    let body = app
        .gql(
            &s.admin,
            "mutation { createContact(input: { firstName: \"Grace\", lastName: \"Hopper\", email: \"grace@example.org\" }) { id } }",
            json!({}),
        )
        .await;
    let grace = body["data"]["createContact"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let shape = |body: &Value| -> Value {
        let r = &body["data"]["signUp"];
        json!({
            "keys": r.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()),
            "status": r["membership"]["status"]["name"],
            "amount": r["contribution"]["amount"],
            "token": r["paymentToken"].is_string(),
            "verify": null,
        })
    };
    let users = app.count("users").await;
    let contacts = app.count("contacts").await;
    let with_password = |email: &str| {
        let mut i = signup(&s.paid, email);
        i["password"] = json!("a long enough password");
        i["firstName"] = json!("Mallory");
        i
    };
    let known = sign_up(&app, with_password(&member_email)).await;
    let invited = sign_up(&app, with_password("grace@example.org")).await;
    let new = sign_up(&app, with_password("new@example.org")).await;
    assert!(known["errors"].is_null(), "{known}");
    assert_eq!(shape(&known), shape(&new), "same answer: {known} / {new}");
    assert_eq!(shape(&invited), shape(&new), "same answer: {invited}");
    assert_eq!(
        known["data"]["signUp"]["contact"]["firstName"], "Mallory",
        "what was typed is echoed, not the record"
    );
    // One new contact (the new address) and one new login for it; the known contacts got the
    // memberships; their names stay.
    assert_eq!(app.count("contacts").await, contacts + 1);
    assert_eq!(
        app.count("users").await,
        users + 2,
        "the new person's login, and an invitation login for the known contact without one"
    );
    let body = app
        .gql(
            &s.admin,
            "query($id: ID!) { contact(id: $id) { firstName memberships { membershipType { name } status { name } } } }",
            json!({ "id": own }),
        )
        .await;
    assert_eq!(
        body["data"]["contact"]["memberships"],
        json!([{ "membershipType": { "name": "Individual" }, "status": { "name": "Pending" } }]),
        "{body}"
    );
    assert_eq!(body["data"]["contact"]["firstName"], "Mem");
    let c = contact_by_email(&app, &s.admin, "grace@example.org").await;
    assert_eq!(c["id"], json!(grace));
    assert_eq!(c["firstName"], "Grace");
    assert_eq!(c["memberships"].as_array().map(Vec::len), Some(1));
    // The typed password opens nothing on the known records.
    for email in [member_email.as_str(), "grace@example.org"] {
        let body = app
            .anon(
                "mutation($e: String!) { login(email: $e, password: \"a long enough password\") { token } }",
                json!({ "e": email }),
            )
            .await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{email}: {body}");
    }
    // The owners of the known addresses are told by email; Grace is invited to set a password.
    assert_eq!(queued(&app, "signup-existing").await, 2);
    assert_eq!(app.mailed_tokens("invitation").await.len(), 1);
    assert_eq!(
        app.mailed_tokens("verify-email").await.len(),
        1,
        "the new login only"
    );
    let body = app
        .gql(
            &s.admin,
            "{ outboundMessages(first: 5, filter: { templateKey: \"signup-existing\" }) { nodes { recipient subject } } }",
            json!({}),
        )
        .await;
    let mut recipients: Vec<String> = body["data"]["outboundMessages"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|n| n["recipient"].as_str().unwrap_or_default().to_string())
        .collect();
    recipients.sort();
    let mut want = vec!["grace@example.org".to_string(), member_email.clone()];
    want.sort();
    assert_eq!(recipients, want);
    // Signing up twice at once with one new address makes one contact, no CONFLICT.
    let (a, b) = tokio::join!(
        sign_up(&app, signup(&s.free, "twice@example.org")),
        sign_up(&app, signup(&s.free, "twice@example.org")),
    );
    assert!(a["errors"].is_null() && b["errors"].is_null(), "{a} / {b}");
    let c = contact_by_email(&app, &s.admin, "twice@example.org").await;
    assert_eq!(c["memberships"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn an_unverified_login_sees_its_own_data_but_holds_no_permission() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let mut input = signup(&s.free, "ada@example.org");
    input["password"] = json!("a long enough password");
    let body = sign_up(&app, input).await;
    assert!(body["errors"].is_null(), "{body}");
    let token = app.login("ada@example.org", "a long enough password").await;
    let viewer = "{ viewer { user { role emailVerified } contact { email memberships { status { name } } customFields { key } } permissions } }";
    let body = app.gql(&token, viewer, json!({})).await;
    let v = &body["data"]["viewer"];
    assert_eq!(
        v["user"],
        json!({ "role": "MEMBER", "emailVerified": false }),
        "{body}"
    );
    assert_eq!(v["contact"]["email"], "ada@example.org");
    assert_eq!(v["contact"]["memberships"][0]["status"]["name"], "New");
    assert_eq!(
        v["contact"]["customFields"].as_array().map(Vec::len),
        Some(4)
    );
    assert_eq!(
        v["permissions"],
        json!([]),
        "not before the address is confirmed"
    );
    let body = app
        .gql(
            &token,
            "{ hasPermission(name: \"members-area\") }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["hasPermission"], false, "{body}");
    // Opening the verification link grants what the membership grants.
    let links = app.mailed_tokens("verify-email").await;
    assert_eq!(links.len(), 1);
    let body = app
        .anon(
            "mutation($t: String!) { verifyEmail(token: $t) }",
            json!({ "t": links[0] }),
        )
        .await;
    assert_eq!(body["data"]["verifyEmail"], true, "{body}");
    let body = app.gql(&token, viewer, json!({})).await;
    assert_eq!(
        body["data"]["viewer"]["permissions"],
        json!(["members-area"]),
        "{body}"
    );
    // A member reads no one else's answers.
    let other = crate::fixtures::new_contact(&app, &s.admin, "Other").await;
    let body = app
        .gql(
            &token,
            "query($id: ID!) { contact(id: $id) { customFields { key } } }",
            json!({ "id": other }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
}

#[tokio::test]
async fn signups_per_address_are_limited_and_the_honeypot_keeps_bots_out() {
    let app = TestApp::spawn_with(|s| {
        s.signup.max_per_address_per_hour = 3;
        s.server.trust_forwarded_for = true;
    })
    .await;
    let s = setup(&app).await;
    // Six at once from one address: exactly three pass.
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let input = signup(&s.free, &format!("p{i}@example.org"));
            sign_up_from(&app, "203.0.113.7", input)
        })
        .collect();
    let results = futures::future::join_all(tasks).await;
    let ok = results.iter().filter(|b| b["errors"].is_null()).count();
    let limited = results
        .iter()
        .filter(|b| code(b) == "TOO_MANY_REQUESTS")
        .count();
    assert_eq!((ok, limited), (3, 3), "{results:?}");
    assert_eq!(app.count("memberships").await, 3);
    // Another address is not affected; an hour later the first may sign up again.
    let body = sign_up_from(&app, "198.51.100.1", signup(&s.free, "q@example.org")).await;
    assert!(body["errors"].is_null(), "{body}");
    crate::fixtures::set_today(&app, "2099-01-01");
    let body = sign_up_from(&app, "203.0.113.7", signup(&s.free, "r@example.org")).await;
    assert!(body["errors"].is_null(), "{body}");
    // The honeypot: refused, nothing kept, and counted.
    let before = app.count("contacts").await;
    let mut bot = signup(&s.free, "bot@example.org");
    bot["website"] = json!("http://spam.example");
    let body = sign_up_from(&app, "192.0.2.9", bot).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(app.count("contacts").await, before);
    assert_eq!(
        app.count("signup_attempts WHERE client_ip = '192.0.2.9'")
            .await,
        1
    );
}
