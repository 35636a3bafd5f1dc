//! Regressions from the hostile-user review, each through the real HTTP endpoint: requests that would
//! crash or stall the server, secrets in the outbox, the login throttle under concurrency, and the
//! smaller findings (search length, date range, GET parameter names, read-only databases, nested
//! field rules).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tessera::config::MailTransportKind;
use tessera::mail::outbox::HIDDEN_TOKEN;

use crate::helpers::{PASSWORD, TestApp, code, field};
use crate::smtp::SmtpSink;

/// POSTs a raw query (no variables) and returns the HTTP status and the body.
async fn post(app: &TestApp, query: &str) -> (u16, Value) {
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("the server answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON body"))
}

async fn get(app: &TestApp, params: &[(&str, &str)]) -> (u16, Value) {
    let resp = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(params)
        .send()
        .await
        .expect("the server answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON body"))
}

async fn still_alive(app: &TestApp) {
    let resp = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("the server is still up");
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn deeply_nested_requests_are_refused_without_crashing() {
    let app = TestApp::spawn().await;
    let lists = format!(
        "{{ hasPermission(name: {}\"x\"{}) }}",
        "[".repeat(2_000),
        "]".repeat(2_000)
    );
    let objects = format!(
        "{{ viewer @skip(if: {}true{}) {{ permissions }} }}",
        "{a: ".repeat(1_700),
        "}".repeat(1_700)
    );
    let selections = format!("{}{}", "{ a ".repeat(3_000), "}".repeat(3_000));
    for query in [&lists, &objects, &selections] {
        let (_, body) = post(&app, query).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert!(body.to_string().contains("graphql.max_recursion"), "{body}");
        let (status, body) = get(&app, &[("query", query.as_str())]).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    }
    // Deep JSON variables stop at the JSON parser's own limit.
    let deep_json = format!(
        "{{\"query\":\"{{ __typename }}\",\"variables\":{{\"v\":{}1{}}}}}",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .body(deep_json)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    still_alive(&app).await;
}

#[tokio::test]
async fn a_fragment_chain_that_doubles_per_level_is_refused_at_once() {
    let app = TestApp::spawn().await;
    // 28 levels stay under the parser's recursion limit (32), as the review's 22 levels did.
    let mut query = String::from("{ ...F28 } fragment F0 on Query { __typename }\n");
    for i in 1..=28 {
        query.push_str(&format!(
            "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
            i - 1,
            i - 1
        ));
    }
    // Expanded, this is 2^28 selections: work proportional to that would take minutes.
    let started = Instant::now();
    let (_, body) = post(&app, &query).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body.to_string().contains("fragments are expanded"),
        "{body}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    still_alive(&app).await;
}

#[tokio::test]
async fn get_requests_use_the_specified_parameter_names() {
    let app = TestApp::spawn().await;
    let doc = "query A { a: __typename } query B { b: __typename }";
    let (status, body) = get(&app, &[("query", doc), ("operationName", "B")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], json!({ "b": "Query" }));
    let (_, body) = get(
        &app,
        &[
            ("query", "query($n: String!) { hasPermission(name: $n) }"),
            ("variables", "{\"n\":\"members-area\"}"),
        ],
    )
    .await;
    assert_eq!(body["data"]["hasPermission"], false, "{body}");
    let (status, _) = get(&app, &[("query", doc)]).await;
    assert_eq!(
        status, 200,
        "two operations and no name is a GraphQL error, not a crash"
    );
}

/// Every template is classified: a new one must be added here, and if it carries a one-time link
/// it gets the same checks as the others (the list below drives the flow that sends it).
const ONE_TIME_LINK_TEMPLATES: [&str; 4] = [
    "password-reset",
    "invitation",
    "verify-email",
    "subscribe-confirm",
];
/// Event confirmations carry a check-in code as the message's secret (like the links above), but
/// no link that signs anyone in; `events::` tests check that staff never read it.
const PLAIN_TEMPLATES: [&str; 15] = [
    "event-registration",
    "event-promoted",
    "event-cancelled",
    "event-reminder",
    "event-thank-you",
    "payment-failed",
    "signup-existing",
    "annual-statement",
    "payment-instructions",
    "tribute-notification",
    "welcome",
    "renewal-reminder",
    "membership-renewed",
    "membership-expired",
    "contribution-receipt",
];

#[tokio::test]
async fn one_time_links_never_show_through_the_api_to_any_role() {
    for key in app_templates().await {
        assert!(
            ONE_TIME_LINK_TEMPLATES.contains(&key.as_str())
                || PLAIN_TEMPLATES.contains(&key.as_str()),
            "classify the new template `{key}` in tests/api/security.rs"
        );
    }
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(move |s| {
        s.mail.transport = MailTransportKind::Smtp;
        s.mail.smtp_url = url.parse().unwrap();
    })
    .await;
    let admin = app.admin_token().await;
    let admin_email = app
        .gql(&admin, "{ viewer { user { email } } }", json!({}))
        .await["data"]["viewer"]["user"]["email"]
        .as_str()
        .unwrap()
        .to_string();
    let (staff, _) = app.token_for("STAFF").await;
    let (member, _) = app.token_for("MEMBER").await;
    let key = app
        .gql(
            &admin,
            "mutation { createApiKey(input: { name: \"site\", role: STAFF }) { secret } }",
            json!({}),
        )
        .await["data"]["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_string();

    // Each one-time-link template, sent by its own flow.
    let reset = "mutation($e: String!) { requestPasswordReset(email: $e) }";
    app.anon(reset, json!({ "e": admin_email })).await;
    let c = app.gql(&staff, "mutation { createContact(input: { firstName: \"Ivy\", email: \"ivy@example.org\" }) { id } }", json!({})).await["data"]["createContact"]["id"].clone();
    let invited = app
        .gql(
            &staff,
            "mutation($c: ID!) { inviteContact(contactId: $c) { id } }",
            json!({ "c": c }),
        )
        .await;
    assert!(invited["errors"].is_null(), "{invited}");
    app.gql(&member, "mutation { requestEmailVerification }", json!({}))
        .await;
    let news = app
        .gql(
            &admin,
            "mutation { createInterest(input: { name: \"News\" }) { id } }",
            json!({}),
        )
        .await["data"]["createInterest"]["id"]
        .clone();
    let sub = "mutation($i: [ID!]!) { subscribe(email: \"sub@example.org\", interestIds: $i) }";
    app.anon(sub, json!({ "i": [news] })).await;
    let mut secrets = Vec::new();
    for template in ONE_TIME_LINK_TEMPLATES {
        let mut found = Vec::new();
        for _ in 0..200 {
            found = app.mailed_tokens(template).await;
            if !found.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(found.len(), 1, "one {template} message queued");
        secrets.push(found.remove(0));
    }

    let every_field = "{ outboundMessages(first: 100) { nodes { id templateKey dedupeKey recipient subject textBody htmlBody lastError } } }";
    let assert_hidden = |body: &Value, who: &str| {
        let text = body.to_string();
        assert!(body["errors"].is_null(), "{who}: {body}");
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "{who} can read a one-time token"
            );
        }
        let nodes = body["data"]["outboundMessages"]["nodes"]
            .as_array()
            .unwrap();
        for n in nodes {
            if ONE_TIME_LINK_TEMPLATES.contains(&n["templateKey"].as_str().unwrap()) {
                assert!(
                    n["textBody"].as_str().unwrap().contains(HIDDEN_TOKEN),
                    "{n}"
                );
                assert!(
                    n["htmlBody"].as_str().unwrap().contains(HIDDEN_TOKEN),
                    "{n}"
                );
            }
        }
        nodes.len()
    };
    for (who, token) in [
        ("ADMIN", &admin),
        ("STAFF", &staff),
        ("STAFF API key", &key),
    ] {
        let body = app.gql(token, every_field, json!({})).await;
        assert!(assert_hidden(&body, who) >= 3, "{who} sees the messages");
    }

    // Delivered, the recipients get working links; the outbox then holds no token at all.
    let report = crate::fixtures::deliver(&app).await;
    assert_eq!(report["sent"], 4, "{report}");
    let got = sink.wait_for(4, Duration::from_secs(5)).await;
    for s in &secrets {
        assert!(
            got.iter()
                .any(|m| m.text_part().contains(s.as_str()) && m.html_part().contains(s.as_str())),
            "a recipient got the link with its token"
        );
    }
    assert!(
        app.mailed_tokens("password-reset").await.is_empty(),
        "secrets are cleared once sent"
    );
    let body = app.gql(&admin, every_field, json!({})).await;
    assert_hidden(&body, "ADMIN after delivery");
    let admin_reset = body["data"]["outboundMessages"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["templateKey"] == "password-reset")
        .unwrap()["id"]
        .clone();
    // Nor can staff send it again, e.g. to an address they control.
    let retry = app
        .gql(
            &staff,
            "mutation($id: ID!) { retryMessage(id: $id) { id } }",
            json!({ "id": admin_reset }),
        )
        .await;
    assert_ne!(code(&retry), "<no error>", "{retry}");
    // The mailed link works for its recipient.
    let set = app
        .anon(
            "mutation($t: String!) { resetPassword(token: $t, newPassword: \"the admin's new passphrase\") }",
            json!({ "t": secrets[0] }),
        )
        .await;
    assert_eq!(set["data"]["resetPassword"], true, "{set}");
}

async fn app_templates() -> Vec<String> {
    let templates = tessera::mail::Templates::load(None).expect("built-in templates");
    templates.keys().iter().map(|k| k.to_string()).collect()
}

const LOGIN: &str =
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";

/// Sends one login from `address` (trusted X-Forwarded-For) and returns its error code.
async fn login_from(app: &TestApp, address: &str, email: &str, password: &str) -> String {
    let body: Value = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("x-forwarded-for", address)
        .json(&json!({ "query": LOGIN, "variables": { "e": email, "p": password } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    code(&body).to_string()
}

fn tally(codes: &[String], code: &str) -> usize {
    codes.iter().filter(|c| c.as_str() == code).count()
}

#[tokio::test]
async fn the_login_throttle_holds_under_concurrency_and_in_batches() {
    let app = TestApp::spawn_with(|s| s.server.trust_forwarded_for = true).await;
    let admin = app.admin_token().await;
    let email = "target@example.org";
    app.gql(&admin, "mutation($e: String!, $p: String!) { createUser(input: { email: $e, password: $p, role: STAFF }) { id } }", json!({ "e": email, "p": PASSWORD }))
        .await;

    // 30 wrong passwords at once for one account, from 30 addresses: exactly 10 are checked.
    let attempts = (0..30).map(|i| {
        let app = &app;
        async move { login_from(app, &format!("10.0.0.{i}"), email, "wrong guess").await }
    });
    let codes: Vec<String> = futures::future::join_all(attempts).await;
    let checked = tally(&codes, "UNAUTHENTICATED");
    assert!((1..=10).contains(&checked), "{codes:?}");
    assert_eq!(
        checked + tally(&codes, "TOO_MANY_REQUESTS"),
        30,
        "{codes:?}"
    );
    // The rest of the window's allowance is still there, and no more.
    let mut more = 0;
    for i in 0..15 {
        if login_from(&app, &format!("10.0.1.{i}"), email, "wrong again").await == "UNAUTHENTICATED"
        {
            more += 1;
        }
    }
    assert_eq!(checked + more, 10, "exactly the limit over the window");

    // 30 accounts at once from one address: at most 10 are checked.
    let attempts = (0..30).map(|i| {
        let app = &app;
        async move { login_from(app, "10.9.9.9", &format!("guess{i}@example.org"), "x").await }
    });
    let codes: Vec<String> = futures::future::join_all(attempts).await;
    assert!(
        (1..=10).contains(&tally(&codes, "UNAUTHENTICATED")),
        "{codes:?}"
    );

    // After 5 failures, a batch of 10 logins checks only the 5 that are left.
    for _ in 0..5 {
        login_from(&app, "10.1.1.1", "batch@example.org", "nope").await;
    }
    let batch: Vec<Value> = (0..10)
        .map(|_| json!({ "query": LOGIN, "variables": { "e": "batch@example.org", "p": "nope" } }))
        .collect();
    let bodies: Vec<Value> = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("x-forwarded-for", "10.1.1.2")
        .json(&batch)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<String> = bodies.iter().map(|b| code(b).to_string()).collect();
    let checked = tally(&codes, "UNAUTHENTICATED");
    assert!((1..=5).contains(&checked), "{codes:?}");
    assert_eq!(
        checked + tally(&codes, "TOO_MANY_REQUESTS"),
        10,
        "{codes:?}"
    );
}

#[tokio::test]
async fn search_text_is_bounded_and_its_wildcards_are_literal() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for name in ["Fifty Percent", "Fifty_Under", "Fiftyx Under"] {
        app.gql(&admin, "mutation($n: String!) { createContact(input: { organizationName: $n, kind: ORGANIZATION }) { id } }", json!({ "n": name }))
            .await;
    }
    let q = "query($s: String!) { contacts(filter: { search: $s }) { totalCount nodes { displayName } } }";
    let long = "a".repeat(100_000);
    let body = app.gql(&admin, q, json!({ "s": long })).await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "filter.search"),
        "{body}"
    );
    let body = app.gql(&admin, q, json!({ "s": "fifty_" })).await;
    assert_eq!(
        body["data"]["contacts"]["totalCount"], 1,
        "`_` is not a wildcard: {body}"
    );
    let body = app.gql(&admin, q, json!({ "s": "%" })).await;
    assert_eq!(
        body["data"]["contacts"]["totalCount"], 0,
        "`%` is not a wildcard: {body}"
    );
}

#[tokio::test]
async fn dates_outside_the_supported_range_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = crate::fixtures::contact(
        &app,
        &admin,
        json!({ "firstName": "Far", "lastName": "Future" }),
    )
    .await;
    let t = crate::fixtures::yearly_type(&app, &admin).await;
    let create =
        "mutation($i: CreateMembershipInput!) { createMembership(input: $i) { id endDate } }";
    for start in [
        "9999-12-31",
        "3000-01-01",
        "1799-12-31",
        "+10000-01-01",
        "99-01-01",
    ] {
        let body = app
            .gql(&admin, create, json!({ "i": { "contactId": c, "membershipTypeId": t, "joinDate": start, "startDate": start } }))
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{start}: {body}");
    }
    // A date computed past the range is refused too, naming the input that led there.
    let body = app
        .gql(&admin, create, json!({ "i": { "contactId": c, "membershipTypeId": t, "joinDate": "2999-06-01", "terms": 5 } }))
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "terms"),
        "{body}"
    );
    let body = app
        .gql(
            &admin,
            create,
            json!({ "i": { "contactId": c, "membershipTypeId": t, "joinDate": "2998-06-01" } }),
        )
        .await;
    assert_eq!(
        body["data"]["createMembership"]["endDate"], "2999-05-31",
        "{body}"
    );
}

#[tokio::test]
async fn members_cannot_read_staff_notes_even_on_their_own_contact() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (member, contact) = app.token_for("MEMBER").await;
    app.gql(&admin, "mutation($id: ID!) { updateContact(id: $id, input: { notes: \"owes us a call\" }) { id } }", json!({ "id": contact }))
        .await;
    for q in [
        "{ viewer { contact { notes } } }",
        "query($id: ID!) { contact(id: $id) { notes } }",
    ] {
        let body = app.gql(&member, q, json!({ "id": contact })).await;
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
        assert!(!body.to_string().contains("owes us a call"));
    }
    let body = app
        .gql(
            &admin,
            "query($id: ID!) { contact(id: $id) { notes } }",
            json!({ "id": contact }),
        )
        .await;
    assert_eq!(body["data"]["contact"]["notes"], "owes us a call");
}

#[tokio::test]
async fn a_database_that_refuses_writes_stops_start_up() {
    let (mut settings, _db) = crate::helpers::test_settings().await;
    // Create and migrate it first, so only the write permission is missing.
    let app = tessera::Application::build(settings.clone())
        .await
        .expect("writable");
    drop(app);
    settings.database.url = if settings.is_sqlite() {
        settings.database.url.replace("mode=rwc", "mode=ro")
    } else {
        format!(
            "{}?options=-c%20default_transaction_read_only%3Don",
            settings.database.url
        )
    };
    let err = tessera::Application::build(settings)
        .await
        .err()
        .expect("a read-only database is refused")
        .to_string();
    assert!(err.contains("does not accept writes"), "{err}");
}

#[tokio::test]
async fn readiness_fails_when_the_database_refuses_writes() {
    use poem::Endpoint;
    let (mut settings, _db) = crate::helpers::test_settings().await;
    drop(
        tessera::Application::build(settings.clone())
            .await
            .expect("migrated"),
    );
    settings.database.url = if settings.is_sqlite() {
        settings.database.url.replace("mode=rwc", "mode=ro")
    } else {
        format!(
            "{}?options=-c%20default_transaction_read_only%3Don",
            settings.database.url
        )
    };
    // Built by hand: start-up itself refuses such a database.
    let db = tessera::db::connect(&settings.database).await.unwrap();
    let state =
        tessera::state::AppState::new(db, settings, tessera::clock::Clock::system()).unwrap();
    let routes = tessera::http::routes(state).unwrap();
    let req = poem::Request::builder()
        .uri(poem::http::Uri::from_static("/readyz"))
        .finish();
    let resp = routes.call(req).await.unwrap();
    assert_eq!(resp.status(), 503);
    let text = resp.into_body().into_string().await.unwrap();
    assert_eq!(text, "database refuses writes");
    let req = poem::Request::builder()
        .uri(poem::http::Uri::from_static("/healthz"))
        .finish();
    assert_eq!(routes.call(req).await.unwrap().status(), 200);
}

#[tokio::test]
async fn graphiql_loads_pinned_production_assets_under_a_strict_policy() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(format!("{}/graphiql", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self' https://unpkg.com;"),
        "{csp}"
    );
    assert!(
        !csp.contains("unsafe-eval")
            && !csp.contains("script-src 'self' https://unpkg.com 'unsafe-inline'")
    );
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("react@18.3.1/umd/react.production.min.js"),
        "{html}"
    );
    assert!(html.contains("graphiql@4.1.2/graphiql.min.js"));
    assert_eq!(html.matches("integrity=\"sha384-").count(), 5, "{html}");
    assert!(
        !html.contains("development") && !html.contains("<script>"),
        "no inline script"
    );
    let init = app
        .client
        .get(format!("{}/graphiql/init.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(init.status(), 200);
    assert!(init.text().await.unwrap().contains("createFetcher"));
}
