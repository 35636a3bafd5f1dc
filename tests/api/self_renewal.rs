//! Members renewing by themselves: quotes, windows, a pending payment that renews once it is paid,
//! free renewals at once.

use serde_json::{Value, json};

use crate::contributions::queued;
use crate::fixtures::{create_membership, create_type, set_today};
use crate::helpers::{TestApp, code, field};

async fn membership(
    app: &TestApp,
    admin: &str,
    contact: &str,
    t: &str,
    join: &str,
    end: &str,
) -> String {
    let body = create_membership(
        app,
        admin,
        json!({ "contactId": contact, "membershipTypeId": t, "joinDate": join, "endDate": end }),
    )
    .await;
    body["data"]["createMembership"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string()
}

const QUOTE: &str = "query($id: ID!) { renewalQuote(membershipId: $id) { opensOn closesOn isOpen price { total currency lines { description amount } } } }";
const RENEW: &str = "mutation($id: ID!) { renewMyMembership(membershipId: $id, input: { terms: 1 }) { membership { id endDate } contribution { id status amount financialType { key } memberships { id } } } }";

#[tokio::test]
async fn members_renew_inside_the_window_and_pay_once() {
    let app = TestApp::spawn().await;
    set_today(&app, "2026-11-15");
    let admin = app.admin_token().await;
    let (member, own) = app.token_for("MEMBER").await;
    let own = own.unwrap();
    let paid = create_type(&app, &admin, json!({ "name": "Individual", "durationUnit": "YEAR", "minimumFee": "50", "renewalFee": "45", "joiningFee": "10" })).await;
    let free = create_type(
        &app,
        &admin,
        json!({ "name": "Honorary", "durationUnit": "YEAR" }),
    )
    .await;
    let due = membership(&app, &admin, &own, &paid, "2026-01-01", "2026-12-31").await;
    let early = membership(&app, &admin, &own, &paid, "2026-07-01", "2027-06-30").await;
    let lapsed = membership(&app, &admin, &own, &paid, "2025-05-02", "2026-05-01").await;
    let honorary = membership(&app, &admin, &own, &free, "2026-01-01", "2026-12-31").await;
    let body = app.gql(&member, QUOTE, json!({ "id": due })).await;
    assert_eq!(
        body["data"]["renewalQuote"],
        json!({ "opensOn": "2026-11-01", "closesOn": "2027-03-31", "isOpen": true, "price": { "total": "45.00", "currency": "USD", "lines": [{ "description": "1 term", "amount": "45.00" }] } }),
        "renewal price, no joining fee: {body}"
    );
    // Outside the window: when it opens, or that it closed.
    let body = app.gql(&member, RENEW, json!({ "id": early })).await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "membershipId")
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2027-05-01"),
        "{body}"
    );
    let body = app.gql(&member, RENEW, json!({ "id": lapsed })).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("closed on 2026-07-30"),
        "{body}"
    );
    // Inside it: a pending dues payment; asking again returns the same one; one email.
    let body = app.gql(&member, RENEW, json!({ "id": due })).await;
    let r = &body["data"]["renewMyMembership"];
    assert_eq!(
        r["membership"]["endDate"], "2026-12-31",
        "not renewed before paying: {body}"
    );
    assert_eq!(
        (
            r["contribution"]["status"].as_str(),
            r["contribution"]["amount"].as_str(),
            r["contribution"]["financialType"]["key"].as_str()
        ),
        (Some("PENDING"), Some("45.00"), Some("MEMBER_DUES"))
    );
    let k = r["contribution"]["id"].clone();
    let again = app.gql(&member, RENEW, json!({ "id": due })).await;
    assert_eq!(
        again["data"]["renewMyMembership"]["contribution"]["id"], k,
        "{again}"
    );
    assert_eq!(app.count("contributions").await, 1);
    assert_eq!(queued(&app, "payment-instructions").await, 1);
    // Someone else's membership: FORBIDDEN, whether or not it exists.
    let (stranger, _) = app.token_for("MEMBER").await;
    for id in [due.as_str(), "99999"] {
        assert_eq!(
            code(&app.gql(&stranger, RENEW, json!({ "id": id })).await),
            "FORBIDDEN"
        );
        assert_eq!(
            code(&app.gql(&stranger, QUOTE, json!({ "id": id })).await),
            "FORBIDDEN"
        );
    }
    // Staff record the payment: the membership renews, once.
    let complete = "mutation($id: ID!) { updateContribution(id: $id, input: { status: COMPLETED, paymentInstrument: BANK_TRANSFER }) { status } }";
    let body = app.gql(&admin, complete, json!({ "id": k })).await;
    assert_eq!(
        body["data"]["updateContribution"]["status"], "COMPLETED",
        "{body}"
    );
    let end = |id: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let b = app
                .gql(
                    &admin,
                    "query($id: ID!) { membership(id: $id) { endDate } }",
                    json!({ "id": id }),
                )
                .await;
            b["data"]["membership"]["endDate"].clone()
        }
    };
    assert_eq!(end(due.clone()).await, "2027-12-31");
    // A free renewal happens at once.
    let body = app.gql(&member, RENEW, json!({ "id": honorary })).await;
    assert_eq!(
        body["data"]["renewMyMembership"]["contribution"],
        Value::Null,
        "{body}"
    );
    assert_eq!(
        body["data"]["renewMyMembership"]["membership"]["endDate"],
        "2027-12-31"
    );
    // Staff may do it for a member, inside the same window (renewMembership has none).
    assert_eq!(
        field(&app.gql(&admin, RENEW, json!({ "id": early })).await),
        "membershipId"
    );
    let body = app.gql(&admin, "mutation { updateMembershipType(id: \"1\", input: { renewalOpensDaysBefore: 800 }) { id } }", json!({})).await;
    assert_eq!(field(&body), "renewalOpensDaysBefore");
}
