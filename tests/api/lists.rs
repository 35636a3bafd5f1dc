//! Lists and search as a client pays for them: the statements a nested page sends (no N+1, nothing
//! the query did not ask for), the order of fields in the answer, search semantics, the metrics
//! endpoint, and how long a revoked token may live on another replica.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::fixtures::{create_membership, yearly_type};
use crate::helpers::{TestApp, code};

/// Statements the server sends while answering `query`.
async fn statements_for(app: &TestApp, token: &str, query: &str, vars: Value) -> (u64, Value) {
    let before = app.state.metrics.statements();
    let body = app.gql(token, query, vars).await;
    (app.state.metrics.statements() - before, body)
}

async fn members(app: &TestApp, admin: &str, n: usize) -> Vec<String> {
    let t = yearly_type(app, admin).await;
    let mut ids = Vec::new();
    for i in 0..n {
        let c = crate::fixtures::contact(
            app,
            admin,
            json!({ "firstName": format!("Member{i}"), "lastName": "Page", "email": format!("m{i}.{}@example.org", rand::random::<u32>()) }),
        )
        .await;
        let body =
            create_membership(app, admin, json!({ "contactId": c, "membershipTypeId": t })).await;
        assert!(body["errors"].is_null(), "{body}");
        ids.push(c);
    }
    ids
}

const PAGE: &str = "{ memberships(first: 50) { nodes { id startDate contact { id displayName email } membershipType { id name } status { id name } } } }";

#[tokio::test]
async fn a_nested_page_sends_the_same_few_statements_for_any_number_of_rows() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    members(&app, &admin, 4).await;
    // Warm: the token and the reference data (statuses, types) are in memory afterwards.
    app.gql(&admin, PAGE, json!({})).await;
    let (few, body) = statements_for(&app, &admin, PAGE, json!({})).await;
    assert_eq!(
        body["data"]["memberships"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        4,
        "{body}"
    );
    members(&app, &admin, 16).await;
    app.gql(&admin, PAGE, json!({})).await;
    let (many, body) = statements_for(&app, &admin, PAGE, json!({})).await;
    assert_eq!(
        body["data"]["memberships"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
    assert_eq!(few, many, "no statement per row");
    // The page, then the contacts in one batch: no count, no session, no statuses or types.
    assert_eq!(many, 2, "statements for a nested page");

    let counted = PAGE.replacen(
        "memberships(first: 50) {",
        "memberships(first: 50) { totalCount",
        1,
    );
    let (with_count, body) = statements_for(&app, &admin, &counted, json!({})).await;
    assert_eq!(body["data"]["memberships"]["totalCount"], 20, "{body}");
    assert_eq!(with_count, many + 1, "the count runs only when asked for");
    let fragment = "{ memberships(first: 5) { ...Total } } fragment Total on MembershipConnection { totalCount }";
    let body = app.gql(&admin, fragment, json!({})).await;
    assert_eq!(
        body["data"]["memberships"]["totalCount"], 20,
        "asked through a fragment: {body}"
    );

    // One contact with its memberships, types and statuses: the contact, then its memberships.
    let one = "query($id: ID!) { contact(id: $id) { id displayName memberships { id membershipType { name } status { name } } } }";
    let id = members(&app, &admin, 1).await.remove(0);
    app.gql(&admin, one, json!({ "id": id })).await;
    let (n, body) = statements_for(&app, &admin, one, json!({ "id": id })).await;
    assert_eq!(
        body["data"]["contact"]["memberships"][0]["status"]["name"], "New",
        "{body}"
    );
    assert_eq!(n, 2, "statements for one contact with memberships");

    // The same page asked through edges and a fragment: contacts still come in one statement.
    let edges = "{ memberships(first: 50) { edges { node { ...M } } } } fragment M on Membership { id contact { id displayName } }";
    let (n, body) = statements_for(&app, &admin, edges, json!({})).await;
    let nodes = body["data"]["memberships"]["edges"].as_array().unwrap();
    assert_eq!(nodes.len(), 21, "{body}");
    assert!(
        nodes
            .iter()
            .all(|e| e["node"]["contact"]["displayName"].is_string()),
        "{body}"
    );
    assert_eq!(n, 2, "statements for a page through edges and a fragment");
}

#[tokio::test]
async fn search_pages_in_name_order_both_ways_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    members(&app, &admin, 7).await;
    let q = "query($o: SortDirection!, $after: String) { contacts(first: 3, after: $after, filter: { search: \"page\" }, orderBy: { field: NAME, direction: $o }) { totalCount pageInfo { hasNextPage endCursor } nodes { displayName } } }";
    for (dir, mut expected) in [("ASC", false), ("DESC", true)].map(|(d, rev)| {
        let mut names: Vec<String> = (0..7).map(|i| format!("Member{i} Page")).collect();
        if rev {
            names.reverse();
        }
        (d, names)
    }) {
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let body = app
                .gql(&admin, q, json!({ "o": dir, "after": after }))
                .await;
            let conn = &body["data"]["contacts"];
            assert_eq!(conn["totalCount"], 7, "{body}");
            for n in conn["nodes"].as_array().unwrap() {
                seen.push(n["displayName"].as_str().unwrap().to_string());
            }
            if conn["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = conn["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, std::mem::take(&mut expected), "{dir}");
    }
}

#[tokio::test]
async fn answers_keep_the_order_of_the_query() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let text = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&admin)
        .json(&json!({ "query": "{ zebra: __typename viewer { user { role email id } } apple: __typename }" }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let pos = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {text}"))
    };
    assert!(
        pos("\"zebra\"") < pos("\"viewer\"") && pos("\"viewer\"") < pos("\"apple\""),
        "{text}"
    );
    assert!(
        pos("\"role\"") < pos("\"email\"") && pos("\"email\"") < pos("\"id\""),
        "{text}"
    );
}

const SEARCH: &str = "query($s: String!, $after: String) { contacts(first: 2, after: $after, filter: { search: $s }) { totalCount nodes { displayName } pageInfo { hasNextPage endCursor } } }";

fn names(body: &Value) -> Vec<String> {
    body["data"]["contacts"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|n| n["displayName"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn search_ignores_case_and_accents_matches_prefixes_and_ranks_by_relevance() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for (first, last, email) in [
        ("Zoë", "Łukasiewicz", "zoe@example.org"),
        ("Ana", "Smithson", "ana@example.org"),
        ("Beth", "Goldsmith", "beth@example.org"),
        ("Carl", "Smith", "carl@example.org"),
        ("Smitha", "Rao", "rao@example.org"),
    ] {
        crate::fixtures::contact(
            &app,
            &admin,
            json!({ "firstName": first, "lastName": last, "email": email }),
        )
        .await;
    }
    let search = |s: &str| app.gql(&admin, SEARCH, json!({ "s": s }));
    // Case and accents do not matter, in the query or in the data.
    assert_eq!(names(&search("LUKASIEWICZ").await), ["Zoë Łukasiewicz"]);
    assert_eq!(names(&search("zoë łuk").await), ["Zoë Łukasiewicz"]);
    // Surnames starting with the word first, then names starting with it, then the rest.
    let first = search("smith").await;
    assert_eq!(first["data"]["contacts"]["totalCount"], 4, "{first}");
    assert_eq!(names(&first), ["Carl Smith", "Ana Smithson"]);
    let cursor = first["data"]["contacts"]["pageInfo"]["endCursor"].clone();
    let rest = app
        .gql(&admin, SEARCH, json!({ "s": "smith", "after": cursor }))
        .await;
    assert_eq!(
        names(&rest),
        ["Smitha Rao", "Beth Goldsmith"],
        "the next page continues the ranking"
    );
    assert_eq!(rest["data"]["contacts"]["pageInfo"]["hasNextPage"], false);
    // Emails are searched too; every word must match.
    assert_eq!(names(&search("beth@exa").await), ["Beth Goldsmith"]);
    assert!(names(&search("smith zebra").await).is_empty());
    // An explicit order still applies.
    let by_name = app
        .gql(&admin, "{ contacts(filter: { search: \"smith\" }, orderBy: { field: NAME }) { nodes { displayName } } }", json!({}))
        .await;
    assert_eq!(
        names(&by_name),
        ["Beth Goldsmith", "Smitha Rao", "Carl Smith", "Ana Smithson"]
    );
    // The trash is not searched.
    let carl = app
        .gql(
            &admin,
            "{ contacts(filter: { search: \"carl\" }) { nodes { id } } }",
            json!({}),
        )
        .await;
    let id = carl["data"]["contacts"]["nodes"][0]["id"].clone();
    app.gql(
        &admin,
        "mutation($id: ID!) { deleteContact(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(search("smith").await["data"]["contacts"]["totalCount"], 3);
    let desc = app
        .gql(&admin, "{ contacts(filter: { search: \"x\" }, orderBy: { field: RELEVANCE, direction: DESC }) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(code(&desc), "BAD_USER_INPUT", "{desc}");
}

#[tokio::test]
async fn metrics_need_the_token_or_the_operators_listener() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let app = TestApp::spawn_with(move |s| {
        s.metrics.token = "a metrics token long enough".into();
        s.metrics.listen = format!("127.0.0.1:{port}");
    })
    .await;
    let admin = app.admin_token().await;
    app.gql(
        &admin,
        "query Dashboard { viewer { user { id } } }",
        json!({}),
    )
    .await;
    let url = format!("{}/metrics", app.base);
    let anonymous = app.client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = app
        .client
        .get(&url)
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        wrong.status(),
        401,
        "a login token is not the metrics token"
    );
    let text = app
        .client
        .get(&url)
        .bearer_auth("a metrics token long enough")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "tessera_graphql_request_duration_seconds_bucket{",
        "operation=\"Dashboard\"",
        "tessera_db_statement_duration_seconds_count",
        "tessera_db_pool_connections",
        "tessera_outbox_messages{status=\"QUEUED\"}",
        "tessera_mail_delivery_failures_total",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    let operators = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap();
    assert_eq!(operators.status(), 200);
    assert!(
        operators
            .text()
            .await
            .unwrap()
            .contains("tessera_db_statement_duration_seconds")
    );
    let other = reqwest::get(format!("http://127.0.0.1:{port}/graphql"))
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        404,
        "the operators' listener serves metrics only"
    );
    let off = TestApp::spawn().await;
    let none = off
        .client
        .get(format!("{}/metrics", off.base))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 404, "no token configured: not served");
}

#[tokio::test]
async fn a_sign_out_is_immediate_here_and_bounded_on_other_replicas() {
    let app = TestApp::spawn().await;
    let (token, _) = app.token_for("STAFF").await;
    let replica = app.replica(|s| s.auth.token_cache_secs = 1).await;
    let me = "{ viewer { user { id } } }";
    assert!(replica.gql(&token, me, json!({})).await["errors"].is_null());
    app.gql(&token, "mutation { logout }", json!({})).await;
    assert_eq!(
        code(&app.gql(&token, me, json!({})).await),
        "UNAUTHENTICATED",
        "at once here"
    );
    // The replica remembered the token; it stops working there within auth.token_cache_secs.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(
        code(&replica.gql(&token, me, json!({})).await),
        "UNAUTHENTICATED"
    );
}

/// PostgreSQL: every page of the main lists can be answered from an index (a sequential scan over
/// contacts, memberships or the outbox would grow with the data). Counts are left out: counting
/// every live row reads every live row, which is why they run only when `totalCount` is asked for.
#[tokio::test]
async fn the_main_lists_are_served_by_indexes() {
    let app = TestApp::spawn().await;
    if !tessera::db::is_postgres(&app.state.db) {
        return;
    }
    let admin = app.admin_token().await;
    members(&app, &admin, 3).await;
    let captured: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut db = app.state.db.clone();
    let sink = captured.clone();
    db.set_metric_callback(move |info| {
        if let Ok(mut c) = sink.lock() {
            c.push(info.statement.to_string());
        }
    });
    let state = tessera::state::AppState {
        db,
        ..app.state.clone()
    };
    let viewer = tessera::services::auth::authenticate(&state, &admin)
        .await
        .unwrap();
    let page = |count| {
        tessera::services::pagination::PageArgs::new(Some(50), None, 100)
            .unwrap()
            .counting(count)
    };
    use tessera::services::{contacts, memberships, messages};
    let filter = memberships::MembershipFilter {
        is_current: Some(true),
        ..Default::default()
    };
    for order in [
        memberships::MembershipOrder::CreatedAsc,
        memberships::MembershipOrder::EndDateAsc,
    ] {
        memberships::list(&state, &viewer, &filter, order, page(true))
            .await
            .unwrap();
    }
    let search = contacts::ContactFilter {
        search: Some("page".into()),
        ..Default::default()
    };
    contacts::list(
        &state,
        &viewer,
        &search,
        contacts::ContactOrder::Relevance,
        page(true),
    )
    .await
    .unwrap();
    contacts::list(
        &state,
        &viewer,
        &Default::default(),
        contacts::ContactOrder::NameAsc,
        page(true),
    )
    .await
    .unwrap();
    let outbox = messages::MessageFilter {
        status: Some(tessera::domain::message::OutboxStatus::Queued),
        ..Default::default()
    };
    messages::list(&state, &viewer, &outbox, page(true))
        .await
        .unwrap();
    let statements = captured.lock().unwrap().clone();
    assert!(statements.len() >= 8, "{statements:?}");
    use sea_orm::ConnectionTrait;
    let conn = app.state.db.clone();
    let txn = sea_orm::TransactionTrait::begin(&conn).await.unwrap();
    txn.execute_unprepared("SET LOCAL enable_seqscan = off")
        .await
        .unwrap();
    let pages = statements
        .iter()
        .filter(|s| s.starts_with("SELECT") && !s.starts_with("SELECT COUNT"));
    for sql in pages {
        let rows = txn
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!("EXPLAIN {sql}"),
            ))
            .await
            .unwrap();
        let plan: Vec<String> = rows
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect();
        for table in ["contacts", "memberships", "outbound_messages"] {
            assert!(
                !plan
                    .iter()
                    .any(|l| l.contains(&format!("Seq Scan on {table}"))),
                "a sequential scan on {table} for\n{sql}\n{}",
                plan.join("\n")
            );
        }
    }
}
