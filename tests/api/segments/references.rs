//! Saved searches naming one another by id (edits flow through, cycles and long chains refused),
//! the bound-value budget of a filter with its saved searches and of a mailing audience, the
//! events-attended criterion, and the contacts export taking the whole filter language.

use serde_json::{Value, json};

use super::mailings::{CREATE, mailing};
use super::{create_tag, listed, ok, person, sorted};
use crate::helpers::{TestApp, code, field};

const CREATE_SEARCH: &str =
    "mutation($i: CreateSavedSearchInput!) { createSavedSearch(input: $i) { id count filter } }";
const UPDATE_SEARCH: &str = "mutation($id: ID!, $i: UpdateSavedSearchInput!) { updateSavedSearch(id: $id, input: $i) { id count filter } }";

async fn search(app: &TestApp, admin: &str, name: &str, filter: Value) -> (String, Value) {
    let d = ok(
        app,
        admin,
        CREATE_SEARCH,
        json!({ "i": { "name": name, "filter": filter } }),
    )
    .await;
    let s = d["createSavedSearch"].clone();
    (s["id"].as_str().unwrap().to_string(), s)
}

async fn count(app: &TestApp, admin: &str, id: &str) -> u64 {
    let d = ok(
        app,
        admin,
        "query($id: ID!) { savedSearch(id: $id) { count } }",
        json!({ "id": id }),
    )
    .await;
    d["savedSearch"]["count"].as_u64().unwrap()
}

async fn tag(app: &TestApp, admin: &str, tag: &str, people: &[&String]) {
    let q = "mutation($t: ID!, $c: [ID!]!) { tagContacts(tagId: $t, contactIds: $c) { id } }";
    ok(app, admin, q, json!({ "t": tag, "c": people })).await;
}

#[tokio::test]
async fn saved_searches_name_each_other_by_id_and_refuse_cycles_and_long_chains() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (t1, t2) = (
        create_tag(&app, &admin, "T1").await,
        create_tag(&app, &admin, "T2").await,
    );
    let a = person(&app, &admin, "Ann", "ann@example.org").await;
    let b = person(&app, &admin, "Bob", "bob@example.org").await;
    let c = person(&app, &admin, "Cat", "cat@example.org").await;
    tag(&app, &admin, &t1, &[&a, &b]).await;
    tag(&app, &admin, &t2, &[&b, &c]).await;
    let (first, s) = search(&app, &admin, "First", json!({ "tagIds": [t1] })).await;
    assert_eq!(s["count"], 2);
    let (second, s) = search(
        &app,
        &admin,
        "Second",
        json!({ "savedSearchId": first, "tagIds": [t2] }),
    )
    .await;
    assert_eq!(s["count"], 1);
    // Stored as a reference, not as a copy of the first search's filter.
    assert_eq!(
        s["filter"]["savedSearchId"],
        json!(first.parse::<i64>().unwrap())
    );
    assert!(s["filter"].get("allOf").is_none(), "{}", s["filter"]);
    // Editing the first search changes what the second selects.
    ok(
        &app,
        &admin,
        UPDATE_SEARCH,
        json!({ "id": first, "i": { "filter": { "tagIds": [t2] } } }),
    )
    .await;
    assert_eq!(count(&app, &admin, &second).await, 2);
    assert_eq!(
        listed(&app, &admin, json!({ "savedSearchId": second })).await,
        sorted(vec![b.clone(), c.clone()])
    );
    // A search naming itself, directly or through another, is refused and nothing changes.
    for named in [&first, &second] {
        let body = app
            .gql(
                &admin,
                UPDATE_SEARCH,
                json!({ "id": first, "i": { "name": "Renamed", "filter": { "savedSearchId": named } } }),
            )
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(field(&body), "filter.savedSearchId");
    }
    let d = ok(
        &app,
        &admin,
        "query($id: ID!) { savedSearch(id: $id) { name filter } }",
        json!({ "id": first }),
    )
    .await;
    assert_eq!(d["savedSearch"]["name"], "First");
    assert_eq!(
        d["savedSearch"]["filter"]["tagIds"],
        json!([t2.parse::<i64>().unwrap()])
    );
    // Chains: five searches at most, counting the one used (S5 → S4 → S3 → Second → First).
    let mut last = second.clone();
    for i in 3..=5 {
        last = search(
            &app,
            &admin,
            &format!("S{i}"),
            json!({ "savedSearchId": last }),
        )
        .await
        .0;
    }
    assert_eq!(count(&app, &admin, &last).await, 2);
    // The deepest search accepted works wherever a search is used.
    assert_eq!(
        listed(&app, &admin, json!({ "savedSearchId": last }))
            .await
            .len(),
        2
    );
    ok(
        &app,
        &admin,
        CREATE,
        mailing(json!({ "savedSearchIds": [last] })),
    )
    .await;
    let body = app
        .gql(
            &admin,
            CREATE_SEARCH,
            json!({ "i": { "name": "S6", "filter": { "savedSearchId": last } } }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "filter.savedSearchId");
    // A stored filter may not name a tag, group or interest that is not there (it would match
    // nobody, or in noneOf everybody): a deleted group neither.
    let gone = super::create_group(&app, &admin, "Gone").await;
    ok(
        &app,
        &admin,
        "mutation($id: ID!) { deleteGroup(id: $id) }",
        json!({ "id": gone }),
    )
    .await;
    for (filter, named) in [
        (json!({ "tagIds": ["999999"] }), "filter.tagIds"),
        (
            json!({ "noneOf": [{ "groupIds": [gone] }] }),
            "filter.groupIds",
        ),
        (
            json!({ "anyOf": [{ "interestIds": ["999999"] }] }),
            "filter.interestIds",
        ),
    ] {
        let body = app
            .gql(
                &admin,
                CREATE_SEARCH,
                json!({ "i": { "name": "Ghost", "filter": filter } }),
            )
            .await;
        assert_eq!(code(&body), "NOT_FOUND", "{body}");
        assert_eq!(field(&body), named);
    }
    // A missing search is NOT_FOUND, naming the argument.
    let body = app
        .gql(
            &admin,
            "query($f: ContactFilter) { contacts(filter: $f) { totalCount } }",
            json!({ "f": { "savedSearchId": "999999" } }),
        )
        .await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    assert_eq!(field(&body), "filter.savedSearchId");
}

/// A filter of 29 nested filters, each with 100 membership type ids, 100 status ids and 100 birth
/// months: about 8,700 values (ids a stored filter need not find; tags, groups and interests
/// must exist).
fn wide_filter(offset: i64) -> Value {
    let ids = |k: i64| -> Vec<String> {
        (0..100)
            .map(|i| (offset * 1_000_000 + k * 1000 + i + 1).to_string())
            .collect()
    };
    let months: Vec<i64> = (0..100).map(|i| i % 12 + 1).collect();
    let kids: Vec<Value> = (0..29)
        .map(|k| {
            json!({ "membership": { "typeIds": ids(k), "statusIds": ids(k + 100) }, "birthMonths": months })
        })
        .collect();
    json!({ "anyOf": kids })
}

#[tokio::test]
async fn filters_and_audiences_too_big_for_one_statement_are_refused_not_failed() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (w1, s1) = search(&app, &admin, "Wide1", wide_filter(1)).await;
    assert_eq!(s1["count"], 0);
    let mut with = w1.clone();
    let mut wide = vec![w1.clone()];
    for i in 2..=3 {
        let mut f = wide_filter(i);
        f["savedSearchId"] = json!(with);
        with = search(&app, &admin, &format!("Wide{i}"), f).await.0;
        wide.push(with.clone());
    }
    // A fourth wide search on top of the three: over 30,000 values.
    let mut f = wide_filter(4);
    f["savedSearchId"] = json!(with);
    let body = app
        .gql(
            &admin,
            CREATE_SEARCH,
            json!({ "i": { "name": "Wide4", "filter": f.clone() } }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "filter.savedSearchId");
    // The same filter asked of the list directly.
    let body = app
        .gql(
            &admin,
            "query($f: ContactFilter) { contacts(filter: $f) { totalCount } }",
            json!({ "f": f }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    // An audience of the three wide searches: each fits, all of them together do not.
    let body = app
        .gql(&admin, CREATE, mailing(json!({ "savedSearchIds": wide })))
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "audience.savedSearchIds");
    assert_eq!(app.count("mailings").await, 0);
    // Growing a search that others build on is refused when one of them would no longer fit:
    // Wide3 stands on Wide1 through Wide2.
    let (extra, _) = search(&app, &admin, "Extra", wide_filter(5)).await;
    let mut grown = wide_filter(1);
    grown["savedSearchId"] = json!(extra);
    let body = app
        .gql(
            &admin,
            UPDATE_SEARCH,
            json!({ "id": w1, "i": { "filter": grown.clone() } }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body), "filter");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("Wide3"), "{message}");
    // The same for a mailing not sent yet whose audience would no longer fit.
    let (solo, _) = search(&app, &admin, "Solo", wide_filter(6)).await;
    ok(
        &app,
        &admin,
        CREATE,
        mailing(json!({ "savedSearchIds": [solo, wide[1]] })),
    )
    .await;
    let mut grown = wide_filter(6);
    grown["savedSearchId"] = json!(extra);
    let body = app
        .gql(
            &admin,
            UPDATE_SEARCH,
            json!({ "id": solo, "i": { "filter": grown } }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("News for"), "{message}");
    let d = ok(
        &app,
        &admin,
        "query($id: ID!) { savedSearch(id: $id) { filter } }",
        json!({ "id": solo }),
    )
    .await;
    assert!(d["savedSearch"]["filter"].get("savedSearchId").is_none());
}

#[tokio::test]
async fn the_contacts_export_takes_the_whole_filter_language() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let t = create_tag(&app, &admin, "Volunteer").await;
    let leeds = crate::fixtures::contact(
        &app,
        &admin,
        json!({ "firstName": "Lee", "lastName": "Ds", "city": "Leeds" }),
    )
    .await;
    let york = crate::fixtures::contact(
        &app,
        &admin,
        json!({ "firstName": "Yor", "lastName": "K", "city": "York" }),
    )
    .await;
    tag(&app, &admin, &t, &[&leeds, &york]).await;
    let (s, _) = search(&app, &admin, "Volunteers", json!({ "tagIds": [t] })).await;
    let get = |path: String, token: Option<String>| {
        let app = &app;
        async move {
            let mut req = app.client.get(format!("{}{path}", app.base));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.text().await.unwrap())
        }
    };
    let ids_of = |text: &str| -> Vec<String> {
        let mut ids: Vec<String> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap()[0].to_string())
            .collect();
        ids.sort();
        ids
    };
    let filter = json!({ "city": "LEEDS", "anyOf": [{ "tagIds": [t] }] }).to_string();
    let enc = |s: &str| url_escape(s);
    let (status, text) = get(
        format!("/export/contacts.csv?filter={}", enc(&filter)),
        Some(admin.clone()),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(ids_of(&text), vec![leeds.clone()]);
    let (status, text) = get(
        format!(
            "/export/contacts.csv?savedSearchId={s}&filter={}",
            enc(r#"{"city":"York"}"#)
        ),
        Some(admin.clone()),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(ids_of(&text), vec![york.clone()]);
    for (path, token, want) in [
        (format!("/export/contacts.csv?savedSearchId={s}"), None, 401),
        (
            format!("/export/contacts.csv?savedSearchId={s}"),
            Some(app.token_for("MEMBER").await.0),
            403,
        ),
        (
            "/export/contacts.csv?savedSearchId=424242".to_string(),
            Some(admin.clone()),
            404,
        ),
        (
            format!("/export/contacts.csv?filter={}", enc("{not json")),
            Some(admin.clone()),
            400,
        ),
        (
            format!("/export/contacts.csv?filter={}", enc(r#"{"ageMin":"old"}"#)),
            Some(admin.clone()),
            400,
        ),
        (
            format!("/export/contacts.csv?savedSearchId={s}&search=x"),
            Some(admin.clone()),
            400,
        ),
        (
            format!("/export/contacts.csv?savedSearchId={s}&inTrash=true"),
            Some(admin.clone()),
            400,
        ),
    ] {
        let (status, text) = get(path.clone(), token).await;
        assert_eq!(status, want, "{path}: {text}");
    }
}

fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_saved_search_in_use_cannot_be_deleted_and_a_free_one_can() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let t = create_tag(&app, &admin, "T").await;
    let (base, _) = search(&app, &admin, "Base", json!({ "tagIds": [t] })).await;
    let (on_top, _) = search(&app, &admin, "On top", json!({ "savedSearchId": base })).await;
    let (mailed, _) = search(&app, &admin, "Mailed", json!({ "tagIds": [t] })).await;
    ok(
        &app,
        &admin,
        CREATE,
        mailing(json!({ "savedSearchIds": [mailed] })),
    )
    .await;
    let del = "mutation($id: ID!) { deleteSavedSearch(id: $id) }";
    for (id, names) in [(&base, "On top"), (&mailed, "News for")] {
        let body = app.gql(&admin, del, json!({ "id": id })).await;
        assert_eq!(code(&body), "CONFLICT", "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(names), "{message}");
    }
    assert_eq!(app.count("saved_searches").await, 3);
    let d = ok(&app, &admin, del, json!({ "id": on_top })).await;
    assert_eq!(d["deleteSavedSearch"], json!(on_top));
    // Nothing names the base search now.
    ok(&app, &admin, del, json!({ "id": base })).await;
    assert_eq!(app.count("saved_searches").await, 1);
    let body = app.gql(&admin, del, json!({ "id": base })).await;
    assert_eq!(code(&body), "NOT_FOUND");
    let (member, _) = app.token_for("MEMBER").await;
    let body = app.gql(&member, del, json!({ "id": mailed })).await;
    assert_eq!(code(&body), "FORBIDDEN");
}

#[tokio::test]
async fn the_events_attended_criterion_checks_its_bounds() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let q = "query($f: ContactFilter) { contacts(filter: $f) { totalCount } }";
    let many: Vec<String> = (1..=101).map(|i| i.to_string()).collect();
    for (events, bad) in [
        (json!({ "minCount": 0 }), "filter.events.minCount"),
        (json!({ "minCount": -1 }), "filter.events.minCount"),
        (json!({ "minCount": 1001 }), "filter.events.minCount"),
        (json!({ "eventIds": many }), "filter.events.eventIds"),
    ] {
        let body = app
            .gql(&admin, q, json!({ "f": { "events": events } }))
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(field(&body), bad);
    }
    let d = ok(
        &app,
        &admin,
        q,
        json!({ "f": { "events": { "from": "2026-01-01", "to": "2026-12-31", "minCount": 2 } } }),
    )
    .await;
    assert_eq!(d["contacts"]["totalCount"], 0);
}
