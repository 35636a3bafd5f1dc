//! The member directory is opt-in and shows only what each member chose: a field not chosen is
//! never returned — to members, to staff, to anonymous callers, in search hits or in errors.

use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use tessera::db::entities::custom_value;

use crate::fixtures::{contact, yearly_type};
use crate::helpers::{PASSWORD, TestApp, code, field};

const DIRECTORY: &str = "query($s: String, $f: DirectoryFilter) { memberDirectory(search: $s, filter: $f) { totalCount nodes { name city organization email phone photoUrl customFields { key label value } } } }";
const CHOOSE: &str = "mutation($i: UpdateMyDirectoryListingInput!) { updateMyDirectoryListing(input: $i) { fields customFieldKeys photoUrl isListed } }";

async fn member(
    app: &TestApp,
    admin: &str,
    first: &str,
    city: &str,
    type_id: &str,
    end: Option<&str>,
) -> (String, String) {
    let email = format!("{}@example.org", first.to_lowercase());
    let id = contact(app, admin, json!({ "firstName": first, "lastName": "Lister", "email": email, "city": city, "phone": "+44 20 7946 0000" })).await;
    let mut m = json!({ "contactId": id, "membershipTypeId": type_id });
    if let Some(end) = end {
        m = json!({ "contactId": id, "membershipTypeId": type_id, "joinDate": "2020-01-01", "startDate": "2020-01-01", "endDate": end });
    }
    crate::fixtures::create_membership(app, admin, m).await;
    app.gql(
        admin,
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        json!({ "i": { "email": email, "password": PASSWORD, "role": "MEMBER", "contactId": id } }),
    )
    .await;
    (id, app.login(&email, PASSWORD).await)
}

fn nodes(body: &Value) -> Vec<Value> {
    body["data"]["memberDirectory"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

#[tokio::test]
async fn households_the_directory_shows_only_what_each_member_chose() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let t = yearly_type(&app, &admin).await;
    let (_, ann) = member(&app, &admin, "Ann", "Leeds", &t, None).await;
    let (_, bob) = member(&app, &admin, "Bob", "York", &t, None).await;
    let (_, cy) = member(&app, &admin, "Cy", "Hull", &t, Some("2021-01-01")).await;
    let (dee_id, dee) = member(&app, &admin, "Dee", "Bath", &t, None).await;
    for (key, value) in [("skills", "welding"), ("salary", "90000")] {
        custom_value::ActiveModel {
            entity: Set("contact".into()),
            entity_id: Set(dee_id.parse().unwrap()),
            key: Set(key.into()),
            label: Set(key.into()),
            field_type: Set("TEXT".into()),
            position: Set(0),
            value: Set(value.into()),
            value_key: Set(value.into()),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
    }
    app.gql(
        &admin,
        "mutation { setDirectoryCustomFields(input: { keys: [\"skills\"] }) }",
        json!({}),
    )
    .await;

    // Privacy first: nobody is listed by default.
    assert_eq!(nodes(&app.gql(&ann, DIRECTORY, json!({})).await).len(), 0);
    let body = app
        .gql(&ann, CHOOSE, json!({ "i": { "fields": ["NAME", "CITY"] } }))
        .await;
    assert_eq!(
        body["data"]["updateMyDirectoryListing"]["isListed"], true,
        "{body}"
    );
    app.gql(&cy, CHOOSE, json!({ "i": { "fields": ["NAME", "EMAIL"] } }))
        .await;
    app.gql(&dee, CHOOSE, json!({ "i": { "fields": ["PHONE"], "customFieldKeys": ["skills"], "photoUrl": "https://example.org/dee.jpg" } })).await;

    let body = app.gql(&bob, DIRECTORY, json!({})).await;
    let shown = nodes(&body);
    assert_eq!(
        shown.len(),
        2,
        "Ann and Dee; Bob did not opt in, Cy is not current: {body}"
    );
    assert_eq!(shown[0]["name"], "Ann Lister");
    assert_eq!(
        (
            shown[0]["city"].as_str(),
            shown[0]["email"].as_str(),
            shown[0]["phone"].as_str()
        ),
        (Some("Leeds"), None, None)
    );
    assert_eq!(shown[1]["name"], Value::Null, "Dee did not choose her name");
    assert_eq!(
        shown[1]["customFields"],
        json!([{ "key": "skills", "label": "skills", "value": "welding" }])
    );
    assert_eq!(
        shown[1]["photoUrl"],
        Value::Null,
        "a photo shows only with PHOTO_URL"
    );
    for secret in [
        "ann@example.org",
        "dee@example.org",
        "Bath",
        "90000",
        "Cy Lister",
        "Bob",
    ] {
        assert!(
            !body.to_string().contains(secret),
            "{secret} leaked: {body}"
        );
    }
    // Searching or filtering for what is not shown finds nothing.
    for (s, f, n) in [
        (json!("ann@example.org"), json!(null), 0),
        (json!("Bath"), json!(null), 0),
        (json!("90000"), json!(null), 0),
        (json!("leeds"), json!(null), 1),
        (json!("welding"), json!(null), 1),
        (json!(null), json!({ "city": "Bath" }), 0),
        (json!(null), json!({ "city": "LEEDS" }), 1),
    ] {
        let body = app.gql(&bob, DIRECTORY, json!({ "s": s, "f": f })).await;
        assert_eq!(nodes(&body).len(), n, "search {s} filter {f}: {body}");
    }
    // Staff see the same entries, nothing more; anonymous callers and lapsed members see nothing.
    let staff = app.gql(&admin, DIRECTORY, json!({})).await;
    assert_eq!(staff["data"], body_data(&app, &bob).await);
    let anon = app.anon(DIRECTORY, json!({})).await;
    assert_eq!(
        (code(&anon), anon["data"].is_null()),
        ("UNAUTHENTICATED", true),
        "{anon}"
    );
    let lapsed = app.gql(&cy, DIRECTORY, json!({})).await;
    assert_eq!(code(&lapsed), "FORBIDDEN", "{lapsed}");
    assert!(!lapsed.to_string().contains("Leeds"));

    // Bad choices name the field and change nothing; withdrawing a field hides it at once.
    let body = app
        .gql(
            &ann,
            CHOOSE,
            json!({ "i": { "fields": ["EMAIL"], "photoUrl": "javascript:alert(1)" } }),
        )
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "photoUrl"),
        "{body}"
    );
    let body = app
        .gql(
            &ann,
            CHOOSE,
            json!({ "i": { "fields": ["EMAIL"], "customFieldKeys": ["salary"] } }),
        )
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "customFieldKeys"),
        "{body}"
    );
    assert!(
        !app.gql(&bob, DIRECTORY, json!({}))
            .await
            .to_string()
            .contains("ann@example.org")
    );
    app.gql(
        &admin,
        "mutation { setDirectoryCustomFields(input: { keys: [] }) }",
        json!({}),
    )
    .await;
    assert!(
        !app.gql(&bob, DIRECTORY, json!({}))
            .await
            .to_string()
            .contains("welding")
    );
    let body = app
        .gql(&ann, CHOOSE, json!({ "i": { "fields": [] } }))
        .await;
    assert_eq!(body["data"]["updateMyDirectoryListing"]["isListed"], false);
    assert_eq!(
        nodes(&app.gql(&bob, DIRECTORY, json!({})).await).len(),
        1,
        "only Dee is left"
    );
}

async fn body_data(app: &TestApp, token: &str) -> Value {
    app.gql(token, DIRECTORY, json!({})).await["data"].clone()
}
