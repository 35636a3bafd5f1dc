//! CSV exports: the lists' filters and access rules, several pages streamed, formulas neutralised.

use serde_json::json;
use tessera::domain::contact::ContactFields;
use tessera::services::{Actor, contacts};

use crate::fixtures::{create_membership, yearly_type};
use crate::helpers::TestApp;

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

fn rows(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn lists_export_as_csv_with_the_same_filters_and_access() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    // More than one page of contacts (pages are 1000 rows).
    for i in 0..1100 {
        let fields = ContactFields {
            first_name: Some(format!("Person{i:04}")),
            last_name: Some("Bulk".into()),
            ..Default::default()
        };
        contacts::create(&app.state, &Actor::Cli, fields)
            .await
            .unwrap();
    }
    let tricky = ContactFields {
        first_name: Some("=HYPERLINK(\"http://evil\")".into()),
        last_name: Some("Smith, \"Jr\"".into()),
        email: Some("tricky@example.org".into()),
        ..Default::default()
    };
    let tricky = contacts::create(&app.state, &Actor::Cli, tricky)
        .await
        .unwrap();
    let (status, text) = get(&app, "/export/contacts.csv", Some(&admin)).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        text.starts_with("id,kind,first_name,last_name,"),
        "{}",
        &text[..80]
    );
    let all = rows(&text);
    assert_eq!(all.len(), 1101, "every contact once, across pages");
    let mut ids: Vec<&String> = all.iter().map(|r| &r[0]).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1101, "no row twice");
    let row = all.iter().find(|r| r[0] == tricky.id.to_string()).unwrap();
    assert_eq!(
        row[2], "'=HYPERLINK(\"http://evil\")",
        "formula neutralised"
    );
    assert_eq!(row[3], "Smith, \"Jr\"", "quoted, not split");
    // The list's filters apply.
    let (status, text) = get(&app, "/export/contacts.csv?search=tricky", Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!(rows(&text).len(), 1);
    // Memberships and contributions.
    let t = yearly_type(&app, &admin).await;
    create_membership(
        &app,
        &admin,
        json!({ "contactId": tricky.id.to_string(), "membershipTypeId": t }),
    )
    .await;
    let (status, text) = get(&app, "/export/memberships.csv?isCurrent=true", Some(&admin)).await;
    assert_eq!(status, 200, "{text}");
    let m = rows(&text);
    assert_eq!(m.len(), 1);
    assert_eq!((m[0][2].as_str(), m[0][3].as_str()), ("Individual", "New"));
    let body = app
        .gql(
            &admin,
            "mutation($c: ID!) { recordContribution(input: { contactId: $c, financialType: \"DONATION\", amount: \"12.5\" }) { id } }",
            json!({ "c": tricky.id.to_string() }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let (status, text) = get(
        &app,
        "/export/contributions.csv?status=COMPLETED",
        Some(&admin),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let k = rows(&text);
    assert_eq!(k.len(), 1);
    assert_eq!(
        (k[0][3].as_str(), k[0][4].as_str(), k[0][6].as_str()),
        ("DONATION", "12.50", "USD")
    );
    // Access and input, as the GraphQL fields answer them.
    let (member, _) = app.token_for("MEMBER").await;
    for (path, token, want) in [
        ("/export/contacts.csv", None, 401),
        ("/export/contacts.csv", Some("not-a-token"), 401),
        ("/export/contacts.csv", Some(member.as_str()), 403),
        ("/export/secrets.csv", Some(admin.as_str()), 404),
        ("/export/contacts", Some(admin.as_str()), 404),
        (
            "/export/contacts.csv?inTrash=maybe",
            Some(admin.as_str()),
            400,
        ),
        (
            "/export/contributions.csv?status=PAID",
            Some(admin.as_str()),
            400,
        ),
        (
            "/export/memberships.csv?endDateFrom=soon",
            Some(admin.as_str()),
            400,
        ),
    ] {
        let (status, text) = get(&app, path, token).await;
        assert_eq!(status, want, "{path}: {text}");
        assert!(!text.contains("SELECT"), "no SQL in errors: {text}");
    }
}
