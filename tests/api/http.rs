//! The HTTP surface: health, readiness, GraphQL-over-HTTP details, limits, headers, the SDL.

use serde_json::{Value, json};

use crate::helpers::{TestApp, code};

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .get(format!("{}/graphiql", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("graphiql"));
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.state.db.clone().close().await.unwrap();
    let r = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the process is still up");
}

#[tokio::test]
async fn responses_carry_request_ids_and_security_headers() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 16);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123");
}

#[tokio::test]
async fn get_runs_queries_but_not_mutations() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[("query", "{ viewer { user { id } } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["data"]["viewer"].is_null() && body["errors"].is_null(),
        "{body}"
    );
    let r = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[("query", "mutation { logout }")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
}

#[tokio::test]
async fn graphql_response_json_uses_400_for_requests_that_never_ran() {
    let app = TestApp::spawn().await;
    let post = |accept: &'static str, body: &'static str| {
        app.client
            .post(format!("{}/graphql", app.base))
            .header("content-type", "application/json")
            .header("accept", accept)
            .body(body)
            .send()
    };
    let r = post(
        "application/graphql-response+json",
        r#"{"query":"{ nope }"}"#,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    let body: Value = r.json().await.unwrap();
    assert!(body.get("data").is_none());
    assert_eq!(code(&body), "BAD_USER_INPUT");
    let r = post("application/json", r#"{"query":"{ nope }"}"#)
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = post("application/json", "{not json").await.unwrap();
    assert_eq!(r.status(), 400);
    let r = post("text/html", r#"{"query":"{ __typename }"}"#)
        .await
        .unwrap();
    assert_eq!(r.status(), 406);
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_client_error(),
        "no content type: {}",
        r.status()
    );
}

#[tokio::test]
async fn depth_complexity_and_batch_limits_hold_against_hostile_queries() {
    let app = TestApp::spawn_with(|s| {
        s.graphql.max_complexity = 50;
        s.graphql.max_batch_size = 3;
    })
    .await;
    let t = app.admin_token().await;
    // 13 levels of nesting through User.contact.user.contact...
    let mut q = String::from("id");
    for i in 0..12 {
        q = if i % 2 == 0 {
            format!("contact {{ {q} }}")
        } else {
            format!("user {{ {q} }}")
        };
    }
    let deep = format!("{{ users {{ nodes {{ {q} }} }} }}");
    let body = app.gql(&t, &deep, json!({})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("limit is 12"),
        "{body}"
    );
    // Wide queries exceed the complexity budget.
    let wide: String = (0..30)
        .map(|i| format!("a{i}: users {{ totalCount }} "))
        .collect();
    let body = app.gql(&t, &format!("{{ {wide} }}"), json!({})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    // Introspection stays available despite its depth.
    let body = app
        .gql(&t, "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }", json!({}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    // Batches beyond the limit are refused as a whole.
    let op = json!({ "query": "{ __typename }" });
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!([op, op, op, op]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!([op, op]))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn introspection_and_graphiql_can_be_switched_off() {
    let app = TestApp::spawn_with(|s| {
        s.graphql.introspection = false;
        s.graphql.graphiql = false;
        s.graphql.field_suggestions = false;
    })
    .await;
    let body = app
        .anon("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert!(body["data"]["__schema"].is_null(), "{body}");
    let r = app
        .client
        .get(format!("{}/graphiql", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body = app.anon("{ viewr { user { id } } }", json!({})).await;
    let msg = body["errors"][0]["message"].as_str().unwrap();
    assert!(!msg.contains("Did you mean"), "{msg}");
}

#[tokio::test]
async fn internal_errors_do_not_leak_details() {
    let app = TestApp::spawn().await;
    let t = app.admin_token().await;
    use sea_orm::ConnectionTrait;
    app.state
        .db
        .execute_unprepared("DROP TABLE users")
        .await
        .ok();
    let body = app.gql(&t, "{ contacts { totalCount } }", json!({})).await;
    let msg = body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        !msg.contains("sql") && !msg.contains("users") && !msg.contains("table"),
        "{body}"
    );
}

#[test]
fn schema_file_matches_the_code() {
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert!(
        file == tessera::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql`"
    );
}

#[tokio::test]
async fn graceful_shutdown_returns_cleanly() {
    let app = TestApp::spawn().await;
    let base = app.base.clone();
    assert!(
        app.client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok()
    );
    app.stop().await.expect("clean stop");
    assert!(
        reqwest::get(format!("{base}/healthz")).await.is_err(),
        "no longer accepting"
    );
}
