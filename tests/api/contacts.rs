//! Contacts through the real endpoint: CRUD, validation, pagination, search, trash.

use serde_json::{Value, json};

use crate::helpers::{TestApp, code, field};

const CREATE: &str = "mutation($i: CreateContactInput!) { createContact(input: $i) { id kind displayName firstName lastName email phone country birthDate preferredLanguage doNotEmail notes } }";
const UPDATE: &str = "mutation($id: ID!, $i: UpdateContactInput!) { updateContact(id: $id, input: $i) { id displayName email phone city country } }";
const LIST: &str = "query($first: Int, $after: String, $filter: ContactFilter, $order: ContactOrderBy) { contacts(first: $first, after: $after, filter: $filter, orderBy: $order) { totalCount nodes { id displayName } edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }";

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(token, CREATE, json!({ "i": input })).await
}

async fn create_id(app: &TestApp, token: &str, input: Value) -> String {
    let body = create(app, token, input).await;
    body["data"]["createContact"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("create failed: {body}"))
        .to_string()
}

fn names(body: &Value) -> Vec<String> {
    body["data"]["contacts"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes: {body}"))
        .iter()
        .map(|n| n["displayName"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn create_read_update_with_normalisation() {
    let app = TestApp::spawn().await;
    let t = app.admin_token().await;
    let body = create(
        &app,
        &t,
        json!({ "firstName": " Jane ", "lastName": "Doe", "email": " Jane.Doe@Example.ORG ", "country": "gb",
                "phone": "+44 20 7946 0958", "birthDate": "1980-02-29", "preferredLanguage": "en_gb", "notes": "  " }),
    )
    .await;
    let c = &body["data"]["createContact"];
    assert_eq!(c["kind"], "INDIVIDUAL");
    assert_eq!(c["displayName"], "Jane Doe");
    assert_eq!(c["email"], "jane.doe@example.org");
    assert_eq!(c["country"], "GB");
    assert_eq!(c["preferredLanguage"], "en-GB");
    assert_eq!(c["birthDate"], "1980-02-29");
    assert_eq!(c["doNotEmail"], false);
    assert!(c["notes"].is_null());
    let id = c["id"].as_str().unwrap();

    // Partial update: absent fields stay, null clears, values set.
    let body = app
        .gql(
            &t,
            UPDATE,
            json!({ "id": id, "i": { "phone": null, "city": "Leeds", "firstName": "Janet" } }),
        )
        .await;
    let u = &body["data"]["updateContact"];
    assert_eq!(u["displayName"], "Janet Doe");
    assert!(u["phone"].is_null());
    assert_eq!(u["city"], "Leeds");
    assert_eq!(u["email"], "jane.doe@example.org");
    assert_eq!(u["country"], "GB");

    let body = app
        .gql(
            &t,
            "query($id: ID!) { contact(id: $id) { displayName city deletedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(body["data"]["contact"]["city"], "Leeds");
    assert!(body["data"]["contact"]["deletedAt"].is_null());
}

#[tokio::test]
async fn organisations_and_households_need_a_name() {
    let app = TestApp::spawn().await;
    let t = app.admin_token().await;
    let body = create(
        &app,
        &t,
        json!({ "kind": "ORGANIZATION", "organizationName": "Friends of the Park" }),
    )
    .await;
    assert_eq!(
        body["data"]["createContact"]["displayName"],
        "Friends of the Park"
    );
    let body = create(
        &app,
        &t,
        json!({ "kind": "HOUSEHOLD", "lastName": "Smith" }),
    )
    .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "organizationName")
    );
}

#[tokio::test]
async fn every_validation_error_names_its_field() {
    let app = TestApp::spawn().await;
    let t = app.admin_token().await;
    let cases = [
        ("lastName", json!({})),
        (
            "firstName",
            json!({ "firstName": "   ", "lastName": "Doe" }),
        ),
        (
            "email",
            json!({ "lastName": "Doe", "email": "not-an-email" }),
        ),
        (
            "email",
            json!({ "lastName": "Doe", "email": "jane@localhost" }),
        ),
        ("country", json!({ "lastName": "Doe", "country": "UK" })),
        (
            "birthDate",
            json!({ "lastName": "Doe", "birthDate": "2999-01-01" }),
        ),
        (
            "phone",
            json!({ "lastName": "Doe", "phone": "call me maybe" }),
        ),
        (
            "preferredLanguage",
            json!({ "lastName": "Doe", "preferredLanguage": "klingon!" }),
        ),
        (
            "postalCode",
            json!({ "lastName": "Doe", "postalCode": "x".repeat(30) }),
        ),
        ("lastName", json!({ "lastName": "x".repeat(300) })),
    ];
    for (expected_field, input) in cases {
        let body = create(&app, &t, input.clone()).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{input}: {body}");
        assert_eq!(field(&body), expected_field, "{input}: {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(expected_field)
        );
    }
    // A date that is not a date is rejected by the Date scalar, also as BAD_USER_INPUT.
    let body = create(
        &app,
        &t,
        json!({ "lastName": "Doe", "birthDate": "1980-02-30" }),
    )
    .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    // Malformed and unknown ids.
    let body = app
        .gql(&t, "{ contact(id: \"abc\") { id } }", json!({}))
        .await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "id"));
    let body = app
        .gql(&t, "{ contact(id: \"424242\") { id } }", json!({}))
        .await;
    assert_eq!(code(&body), "NOT_FOUND");
    let body = app
        .gql(&t, UPDATE, json!({ "id": "424242", "i": { "city": "X" } }))
        .await;
    assert_eq!(code(&body), "NOT_FOUND");
    // Nothing of the above was written.
    assert_eq!(app.count("contacts").await, 0);
}

#[tokio::test]
async fn emails_are_unique_case_insensitively_among_live_contacts() {
    let app = TestApp::spawn().await;
    let t = app.admin_token().await;
    let first = create_id(
        &app,
        &t,
        json!({ "lastName": "A", "email": "same@example.org" }),
    )
    .await;
    let body = create(
        &app,
        &t,
        json!({ "lastName": "B", "email": "SAME@example.org" }),
    )
    .await;
    assert_eq!((code(&body), field(&body)), ("CONFLICT", "email"));
    assert_eq!(
        app.count("contacts").await,
        1,
        "the failed mutation wrote nothing"
    );
    let second = create_id(
        &app,
        &t,
        json!({ "lastName": "B", "email": "other@example.org" }),
    )
    .await;
    let body = app
        .gql(
            &t,
            UPDATE,
            json!({ "id": second, "i": { "email": "Same@Example.org" } }),
        )
        .await;
    assert_eq!(code(&body), "CONFLICT");
    // Once the first is in the trash its address is free; restoring it then conflicts.
    app.gql(
        &t,
        "mutation($id: ID!) { deleteContact(id: $id) }",
        json!({ "id": first }),
    )
    .await;
    let body = app
        .gql(
            &t,
            UPDATE,
            json!({ "id": second, "i": { "email": "same@example.org" } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let body = app
        .gql(
            &t,
            "mutation($id: ID!) { restoreContact(id: $id) { id } }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!((code(&body), field(&body)), ("CONFLICT", "email"));
}

#[tokio::test]
async fn soft_delete_and_restore() {
    let app = TestApp::spawn().await;
    let t = app.admin_token().await;
    let id = create_id(&app, &t, json!({ "firstName": "Gone", "lastName": "Soon" })).await;
    create_id(
        &app,
        &t,
        json!({ "firstName": "Stays", "lastName": "Here" }),
    )
    .await;
    let body = app
        .gql(
            &t,
            "mutation($id: ID!) { deleteContact(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(body["data"]["deleteContact"], id.as_str());
    let list = app.gql(&t, LIST, json!({})).await;
    assert_eq!(names(&list), vec!["Stays Here"]);
    assert_eq!(list["data"]["contacts"]["totalCount"], 1);
    let search = app
        .gql(&t, LIST, json!({ "filter": { "search": "gone" } }))
        .await;
    assert_eq!(search["data"]["contacts"]["totalCount"], 0);
    let trash = app
        .gql(&t, LIST, json!({ "filter": { "inTrash": true } }))
        .await;
    assert_eq!(names(&trash), vec!["Gone Soon"]);
    // Still readable by id (history), marked deleted; not editable; deleting twice is NOT_FOUND.
    let body = app
        .gql(
            &t,
            "query($id: ID!) { contact(id: $id) { deletedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert!(body["data"]["contact"]["deletedAt"].is_string());
    assert_eq!(
        code(
            &app.gql(&t, UPDATE, json!({ "id": id, "i": { "city": "X" } }))
                .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(
        code(
            &app.gql(
                &t,
                "mutation($id: ID!) { deleteContact(id: $id) }",
                json!({ "id": id })
            )
            .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(app.count("contacts").await, 2, "soft delete keeps the row");
    let body = app
        .gql(
            &t,
            "mutation($id: ID!) { restoreContact(id: $id) { id deletedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert!(body["data"]["restoreContact"]["deletedAt"].is_null());
    assert_eq!(
        names(&app.gql(&t, LIST, json!({})).await),
        vec!["Stays Here", "Gone Soon"]
    );
    let body = app
        .gql(
            &t,
            "mutation($id: ID!) { restoreContact(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&body), "CONFLICT", "not in the trash");
}

#[tokio::test]
async fn pagination_is_stable_when_contacts_are_inserted_between_pages() {
    let app = TestApp::spawn().await;
    let t = app.admin_token().await;
    for last in ["Baker", "Davis", "Evans", "Garcia", "Hughes", "Jones"] {
        create_id(&app, &t, json!({ "firstName": "Pat", "lastName": last })).await;
    }
    let page1 = app.gql(&t, LIST, json!({ "first": 2 })).await;
    assert_eq!(names(&page1), vec!["Pat Baker", "Pat Davis"]);
    assert_eq!(page1["data"]["contacts"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(page1["data"]["contacts"]["totalCount"], 6);
    let cursor = page1["data"]["contacts"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        page1["data"]["contacts"]["edges"][1]["cursor"],
        cursor.as_str()
    );
    // Inserts before and after the boundary.
    create_id(&app, &t, json!({ "firstName": "Pat", "lastName": "Adams" })).await;
    create_id(&app, &t, json!({ "firstName": "Pat", "lastName": "Cole" })).await;
    create_id(
        &app,
        &t,
        json!({ "firstName": "Pat", "lastName": "Foster" }),
    )
    .await;
    let page2 = app
        .gql(&t, LIST, json!({ "first": 3, "after": cursor }))
        .await;
    // Adams and Cole sort before the boundary, so they do not appear; Foster sorts after it.
    assert_eq!(names(&page2), vec!["Pat Evans", "Pat Foster", "Pat Garcia"]);
    assert_eq!(page2["data"]["contacts"]["totalCount"], 9);
    let cursor = page2["data"]["contacts"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_string();
    let page3 = app
        .gql(&t, LIST, json!({ "first": 10, "after": cursor }))
        .await;
    assert_eq!(names(&page3), vec!["Pat Hughes", "Pat Jones"]);
    assert_eq!(page3["data"]["contacts"]["pageInfo"]["hasNextPage"], false);

    // Newest first by creation, across an insert.
    let order = json!({ "field": "CREATED_AT", "direction": "DESC" });
    let p1 = app
        .gql(&t, LIST, json!({ "first": 2, "order": order }))
        .await;
    assert_eq!(names(&p1), vec!["Pat Foster", "Pat Cole"]);
    let c = p1["data"]["contacts"]["pageInfo"]["endCursor"].clone();
    create_id(
        &app,
        &t,
        json!({ "firstName": "Pat", "lastName": "Newest" }),
    )
    .await;
    let p2 = app
        .gql(&t, LIST, json!({ "first": 2, "after": c, "order": order }))
        .await;
    assert_eq!(names(&p2), vec!["Pat Adams", "Pat Jones"]);
    // A cursor from another ordering is refused; so are oversized pages.
    let body = app
        .gql(
            &t,
            LIST,
            json!({ "first": 2, "after": cursor, "order": order }),
        )
        .await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "after"));
    let body = app.gql(&t, LIST, json!({ "first": 101 })).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "first"));
}

#[tokio::test]
async fn name_order_descending_pages_through_ties() {
    let app = TestApp::spawn().await;
    let t = app.admin_token().await;
    for _ in 0..3 {
        create_id(&app, &t, json!({ "firstName": "Sam", "lastName": "Same" })).await;
    }
    create_id(&app, &t, json!({ "firstName": "Al", "lastName": "Zed" })).await;
    let order = json!({ "field": "NAME", "direction": "DESC" });
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = app
            .gql(
                &t,
                LIST,
                json!({ "first": 1, "after": after, "order": order }),
            )
            .await;
        let conn = &body["data"]["contacts"];
        seen.push(conn["nodes"][0]["id"].as_str().unwrap().to_string());
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(seen.len(), 4, "every contact exactly once: {seen:?}");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4);
}

#[tokio::test]
async fn search_and_filters() {
    let app = TestApp::spawn().await;
    let t = app.admin_token().await;
    create_id(
        &app,
        &t,
        json!({ "firstName": "Jane", "lastName": "Doe", "email": "jd@example.org" }),
    )
    .await;
    create_id(&app, &t, json!({ "firstName": "John", "lastName": "Doe" })).await;
    create_id(
        &app,
        &t,
        json!({ "firstName": "Ann", "lastName": "Lee", "email": "ann.100%@example.org" }),
    )
    .await;
    create_id(
        &app,
        &t,
        json!({ "kind": "ORGANIZATION", "organizationName": "Doe Foundation" }),
    )
    .await;
    let search = |q: &str| json!({ "filter": { "search": q } });
    assert_eq!(
        names(&app.gql(&t, LIST, search("jane doe")).await),
        vec!["Jane Doe"]
    );
    assert_eq!(
        names(&app.gql(&t, LIST, search("DOE")).await),
        vec!["Doe Foundation", "Jane Doe", "John Doe"]
    );
    assert_eq!(
        names(&app.gql(&t, LIST, search("jd@example")).await),
        vec!["Jane Doe"]
    );
    // LIKE wildcards in the search are literal.
    assert_eq!(
        names(&app.gql(&t, LIST, search("100%")).await),
        vec!["Ann Lee"]
    );
    assert_eq!(
        names(&app.gql(&t, LIST, search("_")).await),
        Vec::<String>::new()
    );
    let orgs = app
        .gql(&t, LIST, json!({ "filter": { "kind": "ORGANIZATION" } }))
        .await;
    assert_eq!(names(&orgs), vec!["Doe Foundation"]);
    let future = app
        .gql(
            &t,
            LIST,
            json!({ "filter": { "createdFrom": "2999-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(future["data"]["contacts"]["totalCount"], 0);
    let past = app.gql(&t, LIST, json!({ "filter": { "createdFrom": "2000-01-01T00:00:00+02:00", "createdTo": "2999-01-01T00:00:00Z" } })).await;
    assert_eq!(past["data"]["contacts"]["totalCount"], 4);
}
