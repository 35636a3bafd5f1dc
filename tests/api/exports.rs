//! CSV exports: the lists' filters and access rules, several pages streamed, formulas neutralised.

use serde_json::{Value, json};
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

/// Each report's CSV carries the figures of its GraphQL field, under the same access rule.
#[tokio::test]
async fn reports_export_as_csv_with_the_figures_of_their_fields() {
    let app = TestApp::spawn().await;
    tessera::demo::load(
        &app.state,
        &tessera::demo::DemoOptions {
            contacts: 250,
            seed: 5,
            as_of: crate::fixtures::d("2025-11-24"),
        },
    )
    .await
    .unwrap();
    let admin = app.admin_token().await;
    let csv = |path: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let (status, text) = get(app, &path, Some(&admin)).await;
            assert_eq!(status, 200, "{path}: {text}");
            rows(&text)
        }
    };
    let num = |v: &serde_json::Value| v.as_i64().unwrap().to_string();

    // Members on a date, compared with another: per type × status, then the two totals.
    let body = app
        .gql(
            &admin,
            "{ membershipSummary(asOf: \"2025-11-24\", compareTo: \"2024-06-30\") { currentMembers currentMemberships rows { count } comparison { currentMembers rows { count } } } }",
            json!({}),
        )
        .await;
    let s = &body["data"]["membershipSummary"];
    let got =
        csv("/export/membership-summary.csv?asOf=2025-11-24&compareTo=2024-06-30".into()).await;
    let today: Vec<&Vec<String>> = got.iter().filter(|r| r[0] == "2025-11-24").collect();
    let before: Vec<&Vec<String>> = got.iter().filter(|r| r[0] == "2024-06-30").collect();
    assert_eq!(today.len(), s["rows"].as_array().unwrap().len() + 2);
    assert_eq!(
        before.len(),
        s["comparison"]["rows"].as_array().unwrap().len() + 2
    );
    assert_eq!(today.last().unwrap()[3], num(&s["currentMembers"]));
    assert_eq!(today[today.len() - 2][3], num(&s["currentMemberships"]));
    assert_eq!(
        before.last().unwrap()[3],
        num(&s["comparison"]["currentMembers"])
    );
    let sum: i64 = today[..today.len() - 2]
        .iter()
        .map(|r| r[3].parse::<i64>().unwrap())
        .sum();
    let want: i64 = s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, want);
    assert!(today.iter().all(|r| !r[1].is_empty() && !r[2].is_empty()));

    // Trends: one row per period, same figures.
    let body = app
        .gql(
            &admin,
            "{ membershipTrends(from: \"2023-01-01\", to: \"2025-11-24\", interval: QUARTER) { periods { start end currentAtEnd joined renewed lapsed reinstated netChange } } }",
            json!({}),
        )
        .await;
    let periods = body["data"]["membershipTrends"]["periods"]
        .as_array()
        .unwrap();
    let got =
        csv("/export/membership-trends.csv?from=2023-01-01&to=2025-11-24&interval=QUARTER".into())
            .await;
    assert_eq!(got.len(), periods.len());
    for (row, p) in got.iter().zip(periods) {
        assert_eq!(row[0], p["start"].as_str().unwrap());
        assert_eq!(row[1], p["end"].as_str().unwrap());
        assert_eq!(row[3], num(&p["currentAtEnd"]));
        assert_eq!(row[4], num(&p["joined"]));
        assert_eq!(row[5], num(&p["renewed"]));
        assert_eq!(row[6], num(&p["lapsed"]));
        assert_eq!(row[7], num(&p["reinstated"]));
        assert_eq!(row[8], num(&p["netChange"]));
    }
    assert!(got.iter().any(|r| r[5] != "0"), "renewals in the demo");

    // Retention: overall first, then per type; rates with four decimals.
    let body = app
        .gql(
            &admin,
            "{ retention(from: \"2024-11-24\", to: \"2025-11-24\") { startingMembers retained retentionRate renewed cameDue byType { retained } } }",
            json!({}),
        )
        .await;
    let r = &body["data"]["retention"];
    let got = csv("/export/retention.csv?from=2024-11-24&to=2025-11-24".into()).await;
    assert_eq!(got.len(), 1 + r["byType"].as_array().unwrap().len());
    assert_eq!(got[0][2], "(all types)");
    assert_eq!(got[0][3], num(&r["startingMembers"]));
    assert_eq!(got[0][4], num(&r["retained"]));
    assert_eq!(
        got[0][5],
        format!("{:.4}", r["retentionRate"].as_f64().unwrap())
    );
    assert_eq!(got[0][7], num(&r["cameDue"]));
    assert_eq!(got[0][8], num(&r["renewed"]));

    // Cohorts: one row per cohort and period since joining.
    let body = app
        .gql(
            &admin,
            "{ cohortRetention(from: \"2024-01-01\", to: \"2025-06-30\", interval: QUARTER) { start size stillCurrent } }",
            json!({}),
        )
        .await;
    let cohorts = body["data"]["cohortRetention"].as_array().unwrap();
    let got =
        csv("/export/cohort-retention.csv?from=2024-01-01&to=2025-06-30&interval=QUARTER".into())
            .await;
    let flat: Vec<(String, String, String)> = cohorts
        .iter()
        .flat_map(|c| {
            c["stillCurrent"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| {
                    (
                        c["start"].as_str().unwrap().to_string(),
                        num(&c["size"]),
                        num(n),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let got_flat: Vec<(String, String, String)> = got
        .iter()
        .map(|r| (r[0].clone(), r[2].clone(), r[5].clone()))
        .collect();
    assert_eq!(got_flat, flat);
    assert_eq!(got.last().unwrap()[4], "2025-06-30");

    // Contributions by month, donor retention, top donors, mail.
    let body = app
        .gql(
            &admin,
            "{ contributionSummary(from: \"2024-01-01\", to: \"2025-11-24\", groupBy: MONTH) { rows { key currency count total average } } donorRetention(year: 2025) { previousYearDonors retained } topDonors(from: \"2021-01-01\", to: \"2025-11-24\", limit: 5) { contact { id displayName } total currency } }",
            json!({}),
        )
        .await;
    let d = &body["data"];
    let got =
        csv("/export/contribution-summary.csv?from=2024-01-01&to=2025-11-24&groupBy=MONTH".into())
            .await;
    let want: Vec<Vec<String>> = d["contributionSummary"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            vec![
                r["key"].as_str().unwrap().to_string(),
                r["currency"].as_str().unwrap().to_string(),
                num(&r["count"]),
                r["total"].as_str().unwrap().to_string(),
                r["average"].as_str().unwrap().to_string(),
            ]
        })
        .collect();
    let have: Vec<Vec<String>> = got
        .iter()
        .map(|r| {
            vec![
                r[0].clone(),
                r[2].clone(),
                r[3].clone(),
                r[4].clone(),
                r[5].clone(),
            ]
        })
        .collect();
    assert!(want.len() > 10, "{body}");
    assert_eq!(have, want);
    let got = csv("/export/donor-retention.csv?year=2025".into()).await;
    assert_eq!(
        got,
        vec![vec![
            "2025".to_string(),
            num(&d["donorRetention"]["previousYearDonors"]),
            num(&d["donorRetention"]["retained"]),
            format!(
                "{:.4}",
                d["donorRetention"]["retained"].as_f64().unwrap()
                    / d["donorRetention"]["previousYearDonors"].as_f64().unwrap()
            ),
        ]]
    );
    let got = csv("/export/top-donors.csv?from=2021-01-01&to=2025-11-24&limit=5".into()).await;
    let want: Vec<Vec<String>> = d["topDonors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            vec![
                t["contact"]["id"].as_str().unwrap().to_string(),
                t["contact"]["displayName"].as_str().unwrap().to_string(),
                t["total"].as_str().unwrap().to_string(),
            ]
        })
        .collect();
    let have: Vec<Vec<String>> = got
        .iter()
        .map(|r| vec![r[0].clone(), r[1].clone(), r[4].clone()])
        .collect();
    assert_eq!(have, want);
    assert_eq!(have.len(), 5);

    // The long lists stream with the list columns and the connections' members.
    let body = app
        .gql(
            &admin,
            "{ lapsedMembers(from: \"2024-11-24\", to: \"2025-11-24\", first: 100) { totalCount nodes { id } } lybunt(year: 2025, first: 100) { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_string())
            .collect()
    };
    let lapsed = ids(&body["data"]["lapsedMembers"]);
    assert!(!lapsed.is_empty(), "{body}");
    let (status, text) = get(
        &app,
        "/export/lapsed-members.csv?from=2024-11-24&to=2025-11-24",
        Some(&admin),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        text.starts_with("id,contact_id,membership_type,status,"),
        "{text}"
    );
    let got: Vec<String> = rows(&text).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(got, lapsed);
    assert!(rows(&text).iter().all(|r| r[3] == "Expired"));
    let lybunt = ids(&body["data"]["lybunt"]);
    assert!(!lybunt.is_empty(), "{body}");
    let got: Vec<String> = csv("/export/lybunt.csv?year=2025".into())
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(got, lybunt);
    // Pages of 3 through the cursor give the same list (the cursor narrows the grouped pass).
    let (mut paged, mut after) = (Vec::new(), Value::Null);
    loop {
        let body = app
            .gql(
                &admin,
                "query($a: String) { lybunt(year: 2025, first: 3, after: $a) { nodes { id } pageInfo { hasNextPage endCursor } } }",
                json!({ "a": after }),
            )
            .await;
        let page = &body["data"]["lybunt"];
        paged.extend(ids(page));
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert!(lybunt.len() > 3, "several pages: {lybunt:?}");
    assert_eq!(paged, lybunt);
    let got = csv("/export/mailing-stats.csv?from=2020-01-01&to=2026-01-01".into()).await;
    let want = app
        .gql(
            &admin,
            "{ mailingStats(from: \"2020-01-01\", to: \"2026-01-01\") { templateKey total } }",
            json!({}),
        )
        .await;
    assert_eq!(
        got.len(),
        want["data"]["mailingStats"].as_array().unwrap().len()
    );

    // Access and arguments: the field's rules.
    let (member, _) = app.token_for("MEMBER").await;
    for (path, token, want) in [
        (
            "/export/retention.csv?from=2024-01-01&to=2025-01-01",
            None,
            401,
        ),
        (
            "/export/retention.csv?from=2024-01-01&to=2025-01-01",
            Some(member.as_str()),
            403,
        ),
        ("/export/lybunt.csv?year=2025", Some(member.as_str()), 403),
        (
            "/export/lapsed-members.csv?from=2024-01-01&to=2025-01-01",
            Some(member.as_str()),
            403,
        ),
        (
            "/export/top-donors.csv?from=2024-01-01&to=2025-01-01",
            Some(member.as_str()),
            403,
        ),
    ] {
        let (status, text) = get(&app, path, token).await;
        assert_eq!(status, want, "{path}: {text}");
        assert!(
            !text.contains("2025"),
            "{path}: no data in a refusal: {text}"
        );
    }
    for (path, names) in [
        ("/export/retention.csv?from=2024-01-01", "to"),
        (
            "/export/membership-trends.csv?from=2024-01-01&to=2025-01-01",
            "interval",
        ),
        (
            "/export/membership-trends.csv?from=2024-01-01&to=2025-01-01&interval=WEEK",
            "interval",
        ),
        (
            "/export/membership-trends.csv?from=2000-01-01&to=2025-01-01&interval=MONTH",
            "to",
        ),
        (
            "/export/contribution-summary.csv?from=2024-01-01&to=2025-01-01",
            "groupBy",
        ),
        ("/export/lybunt.csv?year=last", "year"),
        (
            "/export/top-donors.csv?from=2024-01-01&to=2025-01-01&limit=1000",
            "limit",
        ),
        ("/export/membership-summary.csv", "asOf"),
    ] {
        let (status, text) = get(&app, path, Some(&admin)).await;
        assert_eq!(status, 400, "{path}: {text}");
        assert!(text.contains(names), "{path}: {text}");
    }
}
