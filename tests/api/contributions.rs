//! Contributions through the real endpoint: validation, paying for memberships exactly once,
//! refunds, and who may see what.

use serde_json::{Value, json};

use crate::fixtures::{
    MEMBERSHIP_FIELDS, contact, create_membership, new_contact, set_today, yearly_type,
};
use crate::helpers::{TestApp, code, field};

pub const CONTRIBUTION_FIELDS: &str = "id amount currency netAmount refundedAmount receivedDate status paymentInstrument transactionId receiptNumber financialType { key name } memberships { id endDate } membershipPayments { terms appliedAt } refunds { amount reason cancelledMemberships }";

pub async fn record(app: &TestApp, token: &str, input: Value) -> Value {
    let q = format!(
        "mutation($i: RecordContributionInput!) {{ recordContribution(input: $i) {{ {CONTRIBUTION_FIELDS} }} }}"
    );
    app.gql(token, &q, json!({ "i": input })).await
}

pub async fn record_ok(app: &TestApp, token: &str, input: Value) -> Value {
    let body = record(app, token, input).await;
    let c = body["data"]["recordContribution"].clone();
    assert!(c.is_object(), "recordContribution: {body}");
    c
}

async fn update(app: &TestApp, token: &str, id: &str, input: Value) -> Value {
    let q = format!(
        "mutation($id: ID!, $i: UpdateContributionInput!) {{ updateContribution(id: $id, input: $i) {{ {CONTRIBUTION_FIELDS} }} }}"
    );
    app.gql(token, &q, json!({ "id": id, "i": input })).await
}

async fn refund(app: &TestApp, token: &str, id: &str, input: Value) -> Value {
    let q = format!(
        "mutation($id: ID!, $i: RefundContributionInput) {{ refundContribution(id: $id, input: $i) {{ {CONTRIBUTION_FIELDS} }} }}"
    );
    app.gql(token, &q, json!({ "id": id, "i": input })).await
}

async fn membership(app: &TestApp, token: &str, id: &str) -> Value {
    let q = format!("query($id: ID!) {{ membership(id: $id) {{ {MEMBERSHIP_FIELDS} }} }}");
    app.gql(token, &q, json!({ "id": id })).await["data"]["membership"].clone()
}

async fn status_id(app: &TestApp, token: &str, code: &str) -> Value {
    let body = app
        .gql(token, "{ membershipStatuses { id code } }", json!({}))
        .await;
    body["data"]["membershipStatuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .unwrap()["id"]
        .clone()
}

/// Outbox rows of a template.
pub async fn queued(app: &TestApp, template: &str) -> i64 {
    app.count(&format!(
        "outbound_messages WHERE template_key = '{template}'"
    ))
    .await
}

#[tokio::test]
async fn every_validation_error_names_its_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = new_contact(&app, &admin, "Giver").await;
    let ok = json!({ "contactId": c, "financialType": "DONATION", "amount": "10.00", "transactionId": "T-1" });
    record_ok(&app, &admin, ok.clone()).await;
    let before = app.count("contributions").await;
    let with = |k: &str, v: Value| {
        let mut i = ok.clone();
        i[k] = v;
        i["transactionId"] = json!(null);
        i
    };
    for (want_code, want_field, input) in [
        ("BAD_USER_INPUT", "amount", with("amount", json!("0"))),
        ("BAD_USER_INPUT", "amount", with("amount", json!("-5.00"))),
        ("BAD_USER_INPUT", "amount", with("amount", json!("1.234"))),
        ("BAD_USER_INPUT", "amount", with("amount", json!("ten"))),
        ("BAD_USER_INPUT", "currency", with("currency", json!("XYZ"))),
        (
            "BAD_USER_INPUT",
            "financialType",
            with("financialType", json!("BEER")),
        ),
        (
            "BAD_USER_INPUT",
            "status",
            with("status", json!("REFUNDED")),
        ),
        (
            "BAD_USER_INPUT",
            "source",
            with("source", json!("x".repeat(201))),
        ),
        ("NOT_FOUND", "contactId", with("contactId", json!("99999"))),
        (
            "BAD_USER_INPUT",
            "contactId",
            with("contactId", json!("abc")),
        ),
        ("NOT_FOUND", "campaignId", with("campaignId", json!("4242"))),
        (
            "NOT_FOUND",
            "membershipIds",
            with("membershipIds", json!(["777"])),
        ),
        (
            "BAD_USER_INPUT",
            "softCredits",
            with(
                "softCredits",
                json!([{ "contactId": c, "kind": "HOUSEHOLD" }]),
            ),
        ),
        ("CONFLICT", "transactionId", {
            let mut i = ok.clone();
            i["transactionId"] = json!("T-1");
            i
        }),
    ] {
        let body = record(&app, &admin, input.clone()).await;
        assert_eq!(
            (code(&body), field(&body)),
            (want_code, want_field),
            "{input}: {body}"
        );
    }
    // Three decimals are right for a three-decimal currency, wrong for yen.
    record_ok(&app, &admin, json!({ "contactId": c, "financialType": "DONATION", "amount": "1.250", "currency": "KWD" })).await;
    let body = record(&app, &admin, json!({ "contactId": c, "financialType": "DONATION", "amount": "100.5", "currency": "JPY" })).await;
    assert_eq!(field(&body), "amount", "{body}");
    assert_eq!(
        app.count("contributions").await,
        before + 1,
        "failed mutations wrote nothing"
    );
    // A retired financial type takes no new contributions.
    let types = app
        .gql(
            &admin,
            "{ financialTypes { id key isDeductible } }",
            json!({}),
        )
        .await;
    let fee = types["data"]["financialTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "EVENT_FEE")
        .unwrap()["id"]
        .clone();
    let body = app.gql(&admin, "mutation($id: ID!) { updateFinancialType(id: $id, input: { isActive: false, name: \"Event ticket\" }) { key name isActive } }", json!({ "id": fee })).await;
    assert_eq!(
        body["data"]["updateFinancialType"],
        json!({ "key": "EVENT_FEE", "name": "Event ticket", "isActive": false })
    );
    let body = record(&app, &admin, with("financialType", json!("EVENT_FEE"))).await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "financialType"),
        "{body}"
    );
}

#[tokio::test]
async fn paying_a_pending_membership_activates_it_and_welcomes_once() {
    let app = TestApp::spawn().await;
    set_today(&app, "2026-03-10");
    let admin = app.admin_token().await;
    let t = yearly_type(&app, &admin).await;
    let c = contact(
        &app,
        &admin,
        json!({ "firstName": "Ada", "lastName": "Pay", "email": "ada@example.org" }),
    )
    .await;
    let pending = status_id(&app, &admin, "PENDING").await;
    let m = create_membership(&app, &admin, json!({ "contactId": c, "membershipTypeId": t, "joinDate": "2026-03-01", "statusOverride": pending })).await;
    let mid = m["data"]["createMembership"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        queued(&app, "welcome").await,
        0,
        "no welcome before payment"
    );
    let k = record_ok(&app, &admin, json!({ "contactId": c, "financialType": "MEMBER_DUES", "amount": "50", "status": "PENDING", "receivedDate": "2026-03-05", "membershipIds": [mid] })).await;
    let kid = k["id"].as_str().unwrap();
    assert_eq!(k["membershipPayments"][0]["appliedAt"], Value::Null);
    assert_eq!(
        membership(&app, &admin, &mid).await["status"]["code"],
        "PENDING"
    );
    assert_eq!(
        queued(&app, "contribution-receipt").await,
        0,
        "pending: no receipt"
    );
    let done = update(&app, &admin, kid, json!({ "status": "COMPLETED" })).await;
    assert_eq!(
        done["data"]["updateContribution"]["status"], "COMPLETED",
        "{done}"
    );
    let after = membership(&app, &admin, &mid).await;
    assert_eq!(after["joinDate"], "2026-03-05");
    assert_eq!(after["startDate"], "2026-03-05");
    assert_eq!(after["endDate"], "2027-03-04");
    assert_eq!(after["isOverride"], false);
    assert_ne!(after["status"]["code"], "PENDING");
    assert_eq!(queued(&app, "welcome").await, 1);
    assert_eq!(queued(&app, "contribution-receipt").await, 1);
    // Completing it again changes nothing and sends nothing.
    let again = update(&app, &admin, kid, json!({ "status": "COMPLETED" })).await;
    assert!(again["errors"].is_null(), "{again}");
    assert_eq!(
        membership(&app, &admin, &mid).await["endDate"],
        "2027-03-04"
    );
    assert_eq!(queued(&app, "welcome").await, 1);
    assert_eq!(queued(&app, "contribution-receipt").await, 1);
    // A completed payment is refunded, not edited back to pending.
    let back = update(&app, &admin, kid, json!({ "status": "PENDING" })).await;
    assert_eq!(
        (code(&back), field(&back)),
        ("BAD_USER_INPUT", "status"),
        "{back}"
    );
}

#[tokio::test]
async fn a_renewal_payment_extends_by_its_terms_exactly_once() {
    let app = TestApp::spawn().await;
    set_today(&app, "2026-06-01");
    let admin = app.admin_token().await;
    let t = yearly_type(&app, &admin).await;
    let c = new_contact(&app, &admin, "Renewer").await;
    let m = create_membership(
        &app,
        &admin,
        json!({ "contactId": c, "membershipTypeId": t, "joinDate": "2026-01-01" }),
    )
    .await;
    let mid = m["data"]["createMembership"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(m["data"]["createMembership"]["endDate"], "2026-12-31");
    let pay = json!({ "contactId": c, "financialType": "MEMBER_DUES", "amount": "100", "transactionId": "ch_renew_1", "memberships": [{ "membershipId": mid, "terms": 2 }] });
    let k = record_ok(&app, &admin, pay.clone()).await;
    assert_eq!(k["memberships"][0]["endDate"], "2028-12-31");
    assert!(k["membershipPayments"][0]["appliedAt"].is_string());
    // The same payment again (a retried webhook, a double click): CONFLICT, no second extension.
    let dup = record(&app, &admin, pay).await;
    assert_eq!(
        (code(&dup), field(&dup)),
        ("CONFLICT", "transactionId"),
        "{dup}"
    );
    assert_eq!(
        membership(&app, &admin, &mid).await["endDate"],
        "2028-12-31"
    );
    let renewals = membership(&app, &admin, &mid).await["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["change"] == "RENEWED")
        .count();
    assert_eq!(renewals, 1);
}

#[tokio::test]
async fn concurrent_completions_extend_once() {
    let app = TestApp::spawn().await;
    set_today(&app, "2026-06-01");
    let admin = app.admin_token().await;
    let t = yearly_type(&app, &admin).await;
    let c = contact(
        &app,
        &admin,
        json!({ "firstName": "Con", "lastName": "Current", "email": "con@example.org" }),
    )
    .await;
    let m = create_membership(
        &app,
        &admin,
        json!({ "contactId": c, "membershipTypeId": t, "joinDate": "2026-01-01" }),
    )
    .await;
    let mid = m["data"]["createMembership"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let k = record_ok(&app, &admin, json!({ "contactId": c, "financialType": "MEMBER_DUES", "amount": "50", "status": "PENDING", "membershipIds": [mid] })).await;
    let kid = k["id"].as_str().unwrap().to_string();
    let replica = app.replica(|_| {}).await;
    // The replica's clock is the real one: it signs its own admin in.
    let replica_admin = replica.admin_token().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (target, token) = if i % 2 == 0 {
            (&app, &admin)
        } else {
            (&replica, &replica_admin)
        };
        let (base, client, admin, kid) = (
            target.base.clone(),
            target.client.clone(),
            token.clone(),
            kid.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let q = "mutation($id: ID!) { updateContribution(id: $id, input: { status: COMPLETED }) { status } }";
            let resp = client
                .post(format!("{base}/graphql"))
                .bearer_auth(admin)
                .json(&json!({ "query": q, "variables": { "id": kid } }))
                .send()
                .await
                .unwrap();
            resp.json::<Value>().await.unwrap()
        }));
    }
    for t in tasks {
        let body = t.await.unwrap();
        // Every caller sees it completed, or (PostgreSQL) a retryable conflict; none extends twice.
        let ok = body["data"]["updateContribution"]["status"] == "COMPLETED";
        assert!(ok || code(&body) == "CONFLICT", "{body}");
    }
    assert_eq!(
        membership(&app, &admin, &mid).await["endDate"],
        "2027-12-31"
    );
    assert_eq!(queued(&app, "contribution-receipt").await, 1);
    assert_eq!(queued(&app, "membership-renewed").await, 1);
}

#[tokio::test]
async fn refunds_are_recorded_beside_the_original_and_may_cancel_memberships() {
    let app = TestApp::spawn().await;
    set_today(&app, "2026-06-01");
    let admin = app.admin_token().await;
    let t = yearly_type(&app, &admin).await;
    let c = new_contact(&app, &admin, "Refundee").await;
    let m = create_membership(
        &app,
        &admin,
        json!({ "contactId": c, "membershipTypeId": t }),
    )
    .await;
    let mid = m["data"]["createMembership"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let k = record_ok(&app, &admin, json!({ "contactId": c, "financialType": "MEMBER_DUES", "amount": "50.00", "membershipIds": [mid] })).await;
    let kid = k["id"].as_str().unwrap();
    let part = refund(
        &app,
        &admin,
        kid,
        json!({ "amount": "20", "reason": "hardship" }),
    )
    .await;
    let r = &part["data"]["refundContribution"];
    assert_eq!(
        (
            r["status"].as_str(),
            r["refundedAmount"].as_str(),
            r["netAmount"].as_str(),
            r["amount"].as_str()
        ),
        (
            Some("COMPLETED"),
            Some("20.00"),
            Some("30.00"),
            Some("50.00")
        ),
        "{part}"
    );
    let too_much = refund(&app, &admin, kid, json!({ "amount": "30.01" })).await;
    assert_eq!(
        (code(&too_much), field(&too_much)),
        ("BAD_USER_INPUT", "amount")
    );
    let zero = refund(&app, &admin, kid, json!({ "amount": "0" })).await;
    assert_eq!((code(&zero), field(&zero)), ("BAD_USER_INPUT", "amount"));
    let rest = refund(
        &app,
        &admin,
        kid,
        json!({ "reason": "left", "cancelMemberships": true }),
    )
    .await;
    let r = &rest["data"]["refundContribution"];
    assert_eq!(r["status"], "REFUNDED", "{rest}");
    assert_eq!(r["refundedAmount"], "50.00");
    assert_eq!(r["refunds"].as_array().unwrap().len(), 2);
    assert_eq!(
        r["refunds"][1],
        json!({ "amount": "30.00", "reason": "left", "cancelledMemberships": true })
    );
    assert_eq!(
        membership(&app, &admin, &mid).await["status"]["code"],
        "CANCELLED"
    );
    let again = refund(&app, &admin, kid, json!({})).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    let amount_edit = update(&app, &admin, kid, json!({ "amount": "60" })).await;
    assert_eq!(code(&amount_edit), "CONFLICT", "{amount_edit}");
    let audit = app
        .count(&format!(
            "audit_log WHERE entity = 'contribution' AND entity_id = '{kid}'"
        ))
        .await;
    assert_eq!(audit, 3, "recorded, refunded twice");
    // Cancelling is for pending gifts; a completed one is refunded.
    let p = record_ok(
        &app,
        &admin,
        json!({ "contactId": c, "financialType": "DONATION", "amount": "5", "status": "PENDING" }),
    )
    .await;
    let q = "mutation($id: ID!) { cancelContribution(id: $id, input: { reason: \"changed mind\" }) { status } }";
    let body = app.gql(&admin, q, json!({ "id": p["id"] })).await;
    assert_eq!(
        body["data"]["cancelContribution"]["status"], "CANCELLED",
        "{body}"
    );
    let body = app.gql(&admin, q, json!({ "id": kid })).await;
    assert_eq!(code(&body), "CONFLICT");
}
