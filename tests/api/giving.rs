//! Donors: summaries, soft credits, campaigns, the contributions list and recurring gifts.

use serde_json::{Value, json};

use crate::contributions::record_ok;
use crate::fixtures::{new_contact, set_today};
use crate::helpers::{TestApp, code, field, job};

async fn summary(app: &TestApp, token: &str, id: &str) -> Value {
    let q = "query($id: ID!) { contact(id: $id) { donorSummary { currency lifetimeTotal giftCount firstGiftDate firstGiftAmount lastGiftDate lastGiftAmount largestGift thisYearTotal lastYearTotal softCreditTotal } } }";
    let body = app.gql(token, q, json!({ "id": id })).await;
    body["data"]["contact"]["donorSummary"].clone()
}

#[tokio::test]
async fn donor_summaries_count_each_gift_once() {
    let app = TestApp::spawn().await;
    set_today(&app, "2026-08-01");
    let admin = app.admin_token().await;
    let donor = new_contact(&app, &admin, "Donor").await;
    let spouse = new_contact(&app, &admin, "Spouse").await;
    let employer = new_contact(&app, &admin, "Employer").await;
    let body = app.gql(&admin, "mutation { createCampaign(input: { name: \"Roof fund\", goal: \"1000\", startDate: \"2026-01-01\" }) { id goal currency raised progress } }", json!({})).await;
    let campaign = body["data"]["createCampaign"].clone();
    assert_eq!(campaign["raised"], "0.00", "{body}");
    let gift = |amount: &str, date: &str| json!({ "contactId": donor, "financialType": "DONATION", "amount": amount, "receivedDate": date, "campaignId": campaign["id"] });
    record_ok(&app, &admin, gift("40", "2025-05-01")).await;
    let mut big = gift("300", "2026-02-01");
    big["softCredits"] = json!([{ "contactId": spouse, "kind": "HOUSEHOLD" }, { "contactId": employer, "kind": "MATCHING", "amount": "150" }]);
    record_ok(&app, &admin, big).await;
    record_ok(&app, &admin, gift("60", "2026-07-01")).await;
    let refunded = record_ok(&app, &admin, gift("500", "2026-07-15")).await;
    app.gql(
        &admin,
        "mutation($id: ID!) { refundContribution(id: $id) { status } }",
        json!({ "id": refunded["id"] }),
    )
    .await;
    let mut pending = gift("70", "2026-07-20");
    pending["status"] = json!("PENDING");
    record_ok(&app, &admin, pending).await;
    record_ok(&app, &admin, json!({ "contactId": donor, "financialType": "DONATION", "amount": "10", "currency": "EUR", "receivedDate": "2026-03-03" })).await;
    let s = summary(&app, &admin, &donor).await;
    assert_eq!(
        s,
        json!([
            { "currency": "EUR", "lifetimeTotal": "10.00", "giftCount": 1, "firstGiftDate": "2026-03-03", "firstGiftAmount": "10.00", "lastGiftDate": "2026-03-03", "lastGiftAmount": "10.00", "largestGift": "10.00", "thisYearTotal": "10.00", "lastYearTotal": "0.00", "softCreditTotal": "0.00" },
            { "currency": "USD", "lifetimeTotal": "400.00", "giftCount": 3, "firstGiftDate": "2025-05-01", "firstGiftAmount": "40.00", "lastGiftDate": "2026-07-01", "lastGiftAmount": "60.00", "largestGift": "300.00", "thisYearTotal": "360.00", "lastYearTotal": "40.00", "softCreditTotal": "0.00" },
        ]),
        "pending and fully refunded gifts do not count"
    );
    let s = summary(&app, &admin, &spouse).await;
    assert_eq!(
        (
            s[0]["lifetimeTotal"].as_str(),
            s[0]["giftCount"].as_i64(),
            s[0]["softCreditTotal"].as_str()
        ),
        (Some("0.00"), Some(0), Some("300.00")),
        "{s}"
    );
    assert_eq!(
        summary(&app, &admin, &employer).await[0]["softCreditTotal"],
        "150.00"
    );
    let body = app
        .gql(
            &admin,
            "query($id: ID!) { campaign(id: $id) { raised progress giftCount donorCount } }",
            json!({ "id": campaign["id"] }),
        )
        .await;
    assert_eq!(
        body["data"]["campaign"],
        json!({ "raised": "400.00", "progress": 0.4, "giftCount": 3, "donorCount": 1 }),
        "soft credits are not counted again"
    );
}

#[tokio::test]
async fn the_contributions_list_filters_sorts_and_pages() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let a = new_contact(&app, &admin, "Alpha").await;
    let b = new_contact(&app, &admin, "Beta").await;
    for (who, amount, date, status) in [
        (&a, "10", "2026-01-05", "COMPLETED"),
        (&a, "250", "2026-02-05", "COMPLETED"),
        (&b, "75", "2026-02-05", "PENDING"),
        (&b, "75", "2026-03-05", "COMPLETED"),
        (&b, "5", "2025-12-31", "COMPLETED"),
    ] {
        record_ok(&app, &admin, json!({ "contactId": who, "financialType": "DONATION", "amount": amount, "receivedDate": date, "status": status })).await;
    }
    let q = "query($f: ContributionFilter, $o: ContributionOrderBy, $after: String) { contributions(first: 2, after: $after, filter: $f, orderBy: $o) { totalCount nodes { amount receivedDate contact { lastName } } pageInfo { hasNextPage endCursor } } }";
    let page = |f: Value, o: Value, after: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.gql(&admin, q, json!({ "f": f, "o": o, "after": after }))
                .await
        }
    };
    // Default: newest first, keyset cursors through every row.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = page(json!({}), Value::Null, after.clone()).await;
        let conn = &body["data"]["contributions"];
        assert_eq!(conn["totalCount"], 5, "{body}");
        for n in conn["nodes"].as_array().unwrap() {
            seen.push(n["receivedDate"].as_str().unwrap().to_string());
        }
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        seen,
        [
            "2026-03-05",
            "2026-02-05",
            "2026-02-05",
            "2026-01-05",
            "2025-12-31"
        ]
    );
    let body = page(
        json!({ "contactId": b, "status": ["COMPLETED"], "from": "2026-01-01" }),
        Value::Null,
        Value::Null,
    )
    .await;
    assert_eq!(
        body["data"]["contributions"]["nodes"],
        json!([{ "amount": "75.00", "receivedDate": "2026-03-05", "contact": { "lastName": "Beta" } }])
    );
    let body = page(
        json!({ "amountMin": "50", "amountMax": "100" }),
        json!({ "field": "AMOUNT", "direction": "ASC" }),
        Value::Null,
    )
    .await;
    assert_eq!(body["data"]["contributions"]["totalCount"], 2);
    let body = page(
        json!({}),
        json!({ "field": "AMOUNT", "direction": "DESC" }),
        Value::Null,
    )
    .await;
    let amounts: Vec<&str> = body["data"]["contributions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["250.00", "75.00"]);
    let cursor = body["data"]["contributions"]["pageInfo"]["endCursor"].clone();
    let body = page(json!({}), Value::Null, cursor).await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "after"),
        "a cursor of another ordering"
    );
    let body = page(json!({ "financialType": "NOPE" }), Value::Null, Value::Null).await;
    assert_eq!(field(&body), "filter.financialType");
    let body = page(json!({ "amountMin": "1.234" }), Value::Null, Value::Null).await;
    assert_eq!(field(&body), "filter.amountMin");
}

async fn run_recurring(app: &TestApp, as_of: &str) -> Value {
    let run = tessera::jobs::runs::run(
        &app.state,
        job("recurring-gifts"),
        crate::fixtures::d(as_of),
        "test",
    )
    .await
    .unwrap();
    assert_eq!(
        run.status,
        tessera::domain::job::JobStatus::Succeeded,
        "{:?}",
        run.error
    );
    run.details.clone().unwrap_or_default()
}

async fn gift_dates(app: &TestApp, admin: &str, contact: &str) -> Vec<String> {
    let q = "query($c: ID!) { contributions(first: 100, filter: { contactId: $c }, orderBy: { field: RECEIVED_DATE, direction: ASC }) { nodes { receivedDate status amount } } }";
    let body = app.gql(admin, q, json!({ "c": contact })).await;
    body["data"]["contributions"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|n| {
            assert_eq!(n["status"], "PENDING");
            n["receivedDate"].as_str().unwrap().to_string()
        })
        .collect()
}

#[tokio::test]
async fn recurring_gifts_fall_due_once_per_period_and_catch_up() {
    let app = TestApp::spawn().await;
    set_today(&app, "2026-01-31");
    let admin = app.admin_token().await;
    let (member, own) = app.token_for("MEMBER").await;
    let own = own.unwrap();
    let q = "mutation($i: CreateRecurringGiftInput!) { createRecurringGift(input: $i) { id nextDueDate status frequency amount } }";
    let body = app.gql(&admin, q, json!({ "i": { "contactId": own, "amount": "15", "frequency": "MONTHLY", "startDate": "2026-01-31" } })).await;
    let g = body["data"]["createRecurringGift"].clone();
    assert_eq!(g["nextDueDate"], "2026-01-31", "{body}");
    let body = app
        .gql(
            &admin,
            q,
            json!({ "i": { "contactId": own, "amount": "0", "frequency": "MONTHLY" } }),
        )
        .await;
    assert_eq!(field(&body), "amount");
    // An outage: the first run is on 30 April and catches up four periods.
    let report = run_recurring(&app, "2026-04-30").await;
    assert_eq!(report["contributionsCreated"], 4, "{report}");
    assert_eq!(
        gift_dates(&app, &admin, &own).await,
        ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]
    );
    // Re-runs, and two replicas racing, create nothing more.
    assert_eq!(
        run_recurring(&app, "2026-04-30").await["contributionsCreated"],
        0
    );
    let replica = app.replica(|_| {}).await;
    let (x, y) = tokio::join!(
        tessera::services::contributions::recurring::run_due(
            &app.state,
            crate::fixtures::d("2026-05-31")
        ),
        tessera::services::contributions::recurring::run_due(
            &replica.state,
            crate::fixtures::d("2026-05-31")
        ),
    );
    assert_eq!(x.unwrap().created + y.unwrap().created, 1);
    assert_eq!(gift_dates(&app, &admin, &own).await.len(), 5);
    // The donor pauses it; nothing falls due while paused; resuming skips the missed periods.
    let act =
        |name: &str| format!("mutation($id: ID!) {{ {name}(id: $id) {{ status nextDueDate }} }}");
    let body = app
        .gql(
            &member,
            &act("pauseRecurringGift"),
            json!({ "id": g["id"] }),
        )
        .await;
    assert_eq!(
        body["data"]["pauseRecurringGift"]["status"], "PAUSED",
        "{body}"
    );
    assert_eq!(
        run_recurring(&app, "2026-07-31").await["contributionsCreated"],
        0
    );
    // The donor cancels another gift of theirs.
    let body = app.gql(&admin, q, json!({ "i": { "contactId": own, "amount": "5", "frequency": "YEARLY", "startDate": "2027-01-01" } })).await;
    let second = body["data"]["createRecurringGift"]["id"].clone();
    let body = app
        .gql(
            &member,
            &act("cancelRecurringGift"),
            json!({ "id": second }),
        )
        .await;
    assert_eq!(
        body["data"]["cancelRecurringGift"]["status"], "CANCELLED",
        "{body}"
    );
    let body = app
        .gql(
            &member,
            &act("resumeRecurringGift"),
            json!({ "id": second }),
        )
        .await;
    assert_eq!(code(&body), "CONFLICT", "a cancelled gift stays cancelled");
    assert_eq!(
        body["errors"][0]["message"],
        "this recurring gift is cancelled; it cannot be resumed"
    );
    let body = app
        .gql(
            &member,
            "{ viewer { contact { recurringGifts { status amount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["viewer"]["contact"]["recurringGifts"],
        json!([{ "status": "CANCELLED", "amount": "5.00" }, { "status": "PAUSED", "amount": "15.00" }]),
        "{body}"
    );
    // Tokens signed earlier expire when the clock jumps ahead: fresh logins after it.
    set_today(&app, "2026-08-15");
    let staff = app.admin_token().await;
    let body = app
        .gql(
            &staff,
            &act("resumeRecurringGift"),
            json!({ "id": g["id"] }),
        )
        .await;
    assert_eq!(
        body["data"]["resumeRecurringGift"],
        json!({ "status": "ACTIVE", "nextDueDate": "2026-08-31" }),
        "{body}"
    );
    // Another member can neither see nor touch it.
    let (stranger, _) = app.token_for("MEMBER").await;
    let body = app
        .gql(
            &stranger,
            &act("cancelRecurringGift"),
            json!({ "id": g["id"] }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    let body = app
        .gql(
            &stranger,
            "query($id: ID!) { recurringGift(id: $id) { id } }",
            json!({ "id": g["id"] }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    assert_eq!(
        run_recurring(&app, "2026-09-30").await["contributionsCreated"],
        2,
        "August and September"
    );
    assert_eq!(gift_dates(&app, &staff, &own).await.len(), 7);
}

#[tokio::test]
async fn a_recurring_gift_with_an_end_date_completes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = new_contact(&app, &admin, "Yearly").await;
    let q = "mutation($i: CreateRecurringGiftInput!) { createRecurringGift(input: $i) { id } }";
    let body = app.gql(&admin, q, json!({ "i": { "contactId": c, "amount": "100", "frequency": "YEARLY", "startDate": "2024-06-01", "endDate": "2025-12-31" } })).await;
    let id = body["data"]["createRecurringGift"]["id"].clone();
    assert_eq!(
        run_recurring(&app, "2026-06-01").await["contributionsCreated"],
        2
    );
    let body = app
        .gql(
            &admin,
            "query($id: ID!) { recurringGift(id: $id) { status nextDueDate } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"]["recurringGift"],
        json!({ "status": "COMPLETED", "nextDueDate": "2026-06-01" })
    );
}
