//! Who may see and change giving: members see their own, staff manage contributions, admins the
//! settings.

use serde_json::json;

use crate::contributions::record_ok;
use crate::fixtures::new_contact;
use crate::helpers::{TestApp, code, field};

#[tokio::test]
async fn members_see_only_their_own_giving_and_staff_cannot_change_settings() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (member, own) = app.token_for("MEMBER").await;
    let own = own.unwrap();
    let (staff, _) = app.token_for("STAFF").await;
    let other = new_contact(&app, &admin, "Other").await;
    let mine = record_ok(&app, &staff, json!({ "contactId": own, "financialType": "DONATION", "amount": "25", "note": "met at gala" })).await;
    let theirs = record_ok(&app, &staff, json!({ "contactId": other, "financialType": "DONATION", "amount": "99", "softCredits": [{ "contactId": own, "kind": "HOUSEHOLD" }] })).await;
    let body = app.gql(&member, "{ viewer { contact { contributions { id amount } donorSummary { currency lifetimeTotal softCreditTotal } softCredits { amount kind } } } }", json!({})).await;
    let me = &body["data"]["viewer"]["contact"];
    assert_eq!(
        me["contributions"],
        json!([{ "id": mine["id"], "amount": "25.00" }]),
        "{body}"
    );
    assert_eq!(
        me["donorSummary"],
        json!([{ "currency": "USD", "lifetimeTotal": "25.00", "softCreditTotal": "99.00" }])
    );
    assert_eq!(
        me["softCredits"],
        json!([{ "amount": "99.00", "kind": "HOUSEHOLD" }])
    );
    for (q, vars) in [
        (
            "query($id: ID!) { contribution(id: $id) { id } }",
            json!({ "id": theirs["id"] }),
        ),
        (
            "query($id: ID!) { contribution(id: $id) { id } }",
            json!({ "id": "987654" }),
        ),
        (
            "query($id: ID!) { contribution(id: $id) { note } }",
            json!({ "id": mine["id"] }),
        ),
        (
            "query($id: ID!) { contribution(id: $id) { createdBy } }",
            json!({ "id": mine["id"] }),
        ),
        (
            "{ viewer { contact { softCredits { contribution { id } } } } }",
            json!({}),
        ),
        ("{ contributions { totalCount } }", json!({})),
        ("{ campaigns { id } }", json!({})),
        (
            "mutation($c: ID!) { recordContribution(input: { contactId: $c, financialType: \"DONATION\", amount: \"1\" }) { id } }",
            json!({ "c": own }),
        ),
    ] {
        let body = app.gql(&member, q, vars).await;
        assert_eq!(code(&body), "FORBIDDEN", "{q}: {body}");
    }
    let body = app.anon("{ financialTypes { key } }", json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    let body = app.gql(&staff, "mutation { createFinancialType(input: { key: \"MAJOR\", name: \"Major gifts\" }) { id } }", json!({})).await;
    assert_eq!(code(&body), "FORBIDDEN");
    let body = app
        .gql(
            &staff,
            "mutation { sendAnnualStatements(year: 2025) { queued } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    let body = app.gql(&admin, "mutation { createFinancialType(input: { key: \"MAJOR_GIFTS\", name: \"Major gifts\", isDeductible: true }) { key isDeductible sendsReceipt } }", json!({})).await;
    assert_eq!(
        body["data"]["createFinancialType"],
        json!({ "key": "MAJOR_GIFTS", "isDeductible": true, "sendsReceipt": true })
    );
    let body = app.gql(&admin, "mutation { createFinancialType(input: { key: \"MAJOR_GIFTS\", name: \"Again\" }) { key } }", json!({})).await;
    assert_eq!((code(&body), field(&body)), ("CONFLICT", "key"));
    let body = app.gql(&admin, "mutation { createFinancialType(input: { key: \"major gifts\", name: \"Bad\" }) { key } }", json!({})).await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "key"));
    // Staff read notes; the member's note stays theirs to not see.
    let body = app
        .gql(
            &staff,
            "query($id: ID!) { contribution(id: $id) { note createdBy contact { id } } }",
            json!({ "id": mine["id"] }),
        )
        .await;
    assert_eq!(
        body["data"]["contribution"]["note"], "met at gala",
        "{body}"
    );
}
