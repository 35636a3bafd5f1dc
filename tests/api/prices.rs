//! Membership type prices through the real endpoint: joining fees, renewal prices, special prices
//! for several terms and proration, quoted before anyone pays.

use serde_json::{Value, json};

use crate::fixtures::create_type;
use crate::helpers::{TestApp, code, field};

async fn price(app: &TestApp, token: Option<&str>, id: &str, args: &str) -> Value {
    let q = format!(
        "query($id: ID!) {{ membershipType(id: $id) {{ price{args} {{ total currency terms lines {{ kind description amount }} }} }} }}"
    );
    app.gql_with(token, &q, json!({ "id": id })).await
}

#[tokio::test]
async fn prices_are_quoted_before_paying() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let calendar = create_type(&app, &admin, json!({ "name": "Calendar", "durationUnit": "YEAR", "periodType": "FIXED", "fixedPeriodStartDay": "01-01", "minimumFee": "60", "currency": "EUR", "joiningFee": "10", "prorate": true, "priceOptions": [{ "terms": 2, "price": "110" }] })).await;
    // Anyone may see a public type's prices (sign-up pages show them).
    let body = price(&app, None, &calendar, "(on: \"2026-07-15\")").await;
    assert_eq!(
        body["data"]["membershipType"]["price"],
        json!({
            "total": "40.00", "currency": "EUR", "terms": 1,
            "lines": [
                { "kind": "MEMBERSHIP", "description": "first term, 6 of 12 months", "amount": "30.00" },
                { "kind": "JOINING_FEE", "description": "joining fee", "amount": "10.00" },
            ]
        }),
        "{body}"
    );
    let body = price(&app, None, &calendar, "(terms: 2, on: \"2026-07-15\")").await;
    assert_eq!(
        body["data"]["membershipType"]["price"]["total"], "120.00",
        "special price plus the joining fee"
    );
    let body = price(
        &app,
        None,
        &calendar,
        "(purpose: RENEW, on: \"2026-07-15\")",
    )
    .await;
    assert_eq!(
        body["data"]["membershipType"]["price"]["total"], "60.00",
        "renewals: no proration, no joining fee"
    );
    let body = price(&app, None, &calendar, "(terms: 0)").await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "terms"));
    // A renewal price, then cleared again.
    let q = "mutation($id: ID!, $i: UpdateMembershipTypeInput!) { updateMembershipType(id: $id, input: $i) { renewalFee joiningFee prorate prorationRounding priceOptions { terms price } } }";
    let body = app
        .gql(
            &admin,
            q,
            json!({ "id": calendar, "i": { "renewalFee": "55", "prorationRounding": "UP" } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateMembershipType"],
        json!({ "renewalFee": "55.00", "joiningFee": "10.00", "prorate": true, "prorationRounding": "UP", "priceOptions": [{ "terms": 2, "price": "110.00" }] }),
        "{body}"
    );
    let body = price(
        &app,
        None,
        &calendar,
        "(purpose: RENEW, terms: 3, on: \"2026-07-15\")",
    )
    .await;
    assert_eq!(body["data"]["membershipType"]["price"]["total"], "165.00");
    let body = app
        .gql(
            &admin,
            q,
            json!({ "id": calendar, "i": { "renewalFee": null } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateMembershipType"]["renewalFee"],
        Value::Null
    );
    // Every bad price names its field and changes nothing.
    let create =
        "mutation($i: CreateMembershipTypeInput!) { createMembershipType(input: $i) { id } }";
    for (want, input) in [
        (
            "prorate",
            json!({ "name": "R", "durationUnit": "YEAR", "prorate": true }),
        ),
        (
            "joiningFee",
            json!({ "name": "R", "durationUnit": "YEAR", "joiningFee": "-1" }),
        ),
        (
            "renewalFee",
            json!({ "name": "R", "durationUnit": "YEAR", "renewalFee": "1.234" }),
        ),
        (
            "priceOptions",
            json!({ "name": "R", "durationUnit": "YEAR", "priceOptions": [{ "terms": 1, "price": "5" }] }),
        ),
        (
            "priceOptions",
            json!({ "name": "R", "durationUnit": "YEAR", "priceOptions": [{ "terms": 2, "price": "5" }, { "terms": 2, "price": "6" }] }),
        ),
    ] {
        let body = app.gql(&admin, create, json!({ "i": input })).await;
        assert_eq!(
            (code(&body), field(&body)),
            ("BAD_USER_INPUT", want),
            "{input}: {body}"
        );
    }
}
