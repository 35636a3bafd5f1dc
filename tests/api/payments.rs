//! Online payments against a local fake Stripe: signup → checkout → webhook → member; signatures,
//! replays, duplicates at once on two replicas, events out of order, refunds from Stripe; automatic
//! renewal exactly once; a failing card through the retry schedule; Stripe down.

use serde_json::{Value, json};

use crate::contributions::queued;
use crate::fake_stripe::{self, FakeStripe, Mode, deliver, deliver_raw, event};
use crate::fixtures::{create_type, set_today};
use crate::helpers::{TestApp, code};

const SIGN_UP: &str = "mutation($i: SignUpInput!) { signUp(input: $i) { membership { id status { name } } contribution { id amount } paymentToken } }";
const START: &str = "mutation($id: ID!, $t: String) { startPayment(contributionId: $id, token: $t) { url contributionId } }";

async fn paying_app() -> (TestApp, FakeStripe) {
    let fake = FakeStripe::start().await;
    let f = fake.clone();
    let app = TestApp::spawn_with(move |s| fake_stripe::configure(s, &f)).await;
    (app, fake)
}

/// A paid type (50 + 5 joining) on a form `join`; returns (admin, type id).
async fn form(app: &TestApp, auto_renew: &str) -> (String, String) {
    let admin = app.admin_token().await;
    let t = create_type(app, &admin, json!({ "name": "Individual", "durationUnit": "YEAR", "minimumFee": "50", "joiningFee": "5", "autoRenew": auto_renew })).await;
    let body = app
        .gql(
            &admin,
            "mutation($i: CreateSignupFormInput!) { createSignupForm(input: $i) { id } }",
            json!({ "i": { "slug": "join", "title": "Join", "membershipTypeIds": [t] } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    (admin, t)
}

/// Signs up; returns (membership id, contribution id, payment token).
async fn sign_up(app: &TestApp, t: &str, email: &str) -> (String, String, String) {
    let body = app
        .anon(
            SIGN_UP,
            json!({ "i": { "formSlug": "join", "firstName": "Ada", "lastName": "Lovelace", "email": email, "membershipTypeId": t } }),
        )
        .await;
    let r = &body["data"]["signUp"];
    let s = |v: &Value| v.as_str().unwrap_or_else(|| panic!("{body}")).to_string();
    (
        s(&r["membership"]["id"]),
        s(&r["contribution"]["id"]),
        s(&r["paymentToken"]),
    )
}

fn paid_session(session: &str, k: &str, intent: &str) -> Value {
    json!({ "id": session, "object": "checkout.session", "payment_status": "paid", "amount_total": 5500, "currency": "usd", "payment_intent": intent, "client_reference_id": k, "metadata": { "contribution_id": k }, "customer": "cus_1" })
}

fn succeeded_intent(intent: &str, k: &str) -> Value {
    json!({ "id": intent, "object": "payment_intent", "status": "succeeded", "amount_received": 5500, "currency": "usd", "customer": "cus_1", "payment_method": "pm_card_1", "setup_future_usage": "off_session", "metadata": { "contribution_id": k } })
}

async fn membership(app: &TestApp, admin: &str, id: &str) -> Value {
    let body = app
        .gql(
            admin,
            "query($id: ID!) { membership(id: $id) { status { name } startDate endDate autoRenew history { change } } }",
            json!({ "id": id }),
        )
        .await;
    body["data"]["membership"].clone()
}

async fn contribution(app: &TestApp, admin: &str, id: &str) -> Value {
    let body = app
        .gql(
            admin,
            "query($id: ID!) { contribution(id: $id) { status amount refundedAmount transactionId paymentInstrument } }",
            json!({ "id": id }),
        )
        .await;
    body["data"]["contribution"].clone()
}

#[tokio::test]
async fn a_signup_paid_through_checkout_becomes_a_member_once() {
    let (app, fake) = paying_app().await;
    let (admin, t) = form(&app, "OPTIONAL").await;
    let (m, k, token) = sign_up(&app, &t, "ada@example.org").await;
    // Only the token's holder (or staff, or the member) may open the payment page.
    let body = app.anon(START, json!({ "id": k })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app
        .anon(START, json!({ "id": k, "t": "not-the-token" }))
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app.anon(START, json!({ "id": "99999", "t": token })).await;
    assert_eq!(
        code(&body),
        "FORBIDDEN",
        "unknown ids look the same: {body}"
    );
    let body = app.anon(START, json!({ "id": k, "t": token })).await;
    let url = body["data"]["startPayment"]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    assert_eq!(url, "https://checkout.stripe.test/pay/cs_test_1");
    // Asked again: the same page, no new session.
    let body = app.anon(START, json!({ "id": k, "t": token })).await;
    assert_eq!(body["data"]["startPayment"]["url"], json!(url));
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let (path, form, key) = &requests[0];
    assert_eq!(path, "/v1/checkout/sessions");
    assert_eq!(form["line_items[0][price_data][unit_amount]"], "5500");
    assert_eq!(form["line_items[0][price_data][currency]"], "usd");
    assert_eq!(form["metadata[contribution_id]"], k);
    assert_eq!(
        form["payment_intent_data[setup_future_usage]"],
        "off_session"
    );
    assert_eq!(form["customer_email"], "ada@example.org");
    assert_eq!(
        key.as_deref(),
        Some(format!("tessera-checkout-{k}-1").as_str())
    );
    // A payment of less than is due completes nothing.
    let short = event(
        "evt_0",
        "checkout.session.completed",
        json!({ "id": "cs_x", "payment_status": "paid", "amount_total": 100, "currency": "usd", "metadata": { "contribution_id": k } }),
    );
    assert_eq!(deliver(&app, &short).await, 200);
    assert_eq!(
        membership(&app, &admin, &m).await["status"]["name"],
        "Pending"
    );
    // Stripe says it is paid, twice over (the session and the intent), and replays both.
    let completed = event(
        "evt_1",
        "checkout.session.completed",
        paid_session("cs_test_1", &k, "pi_1"),
    );
    let succeeded = event(
        "evt_2",
        "payment_intent.succeeded",
        succeeded_intent("pi_1", &k),
    );
    assert_eq!(deliver(&app, &completed).await, 200);
    let after_first = membership(&app, &admin, &m).await;
    assert_eq!(after_first["status"]["name"], "New", "{after_first}");
    for e in [&succeeded, &completed, &succeeded] {
        assert_eq!(deliver(&app, e).await, 200);
    }
    assert_eq!(
        membership(&app, &admin, &m).await,
        after_first,
        "activated once"
    );
    let c = contribution(&app, &admin, &k).await;
    assert_eq!(
        c,
        json!({ "status": "COMPLETED", "amount": "55.00", "refundedAmount": "0.00", "transactionId": "pi_1", "paymentInstrument": "CARD" })
    );
    assert_eq!(app.count("webhook_events").await, 3);
    assert_eq!(queued(&app, "welcome").await, 1);
    assert_eq!(queued(&app, "contribution-receipt").await, 1);
    assert_eq!(
        app.count(
            "payment_methods WHERE customer_id = 'cus_1' AND payment_method_id = 'pm_card_1'"
        )
        .await,
        1,
        "the card is kept for automatic renewals"
    );
    // Nothing left to pay.
    let body = app.anon(START, json!({ "id": k, "t": token })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
}

#[tokio::test]
async fn forged_stale_and_malformed_webhooks_are_refused_and_write_nothing() {
    let (app, _fake) = paying_app().await;
    let (admin, t) = form(&app, "NO").await;
    let (m, k, _) = sign_up(&app, &t, "ada@example.org").await;
    let e = event(
        "evt_1",
        "checkout.session.completed",
        paid_session("cs_1", &k, "pi_1"),
    );
    let body = e.to_string();
    let now = app.clock().now().timestamp();
    let sign =
        |secret: &str, t: i64| tessera::payments::signature::sign(body.as_bytes(), secret, t);
    let tampered = body.replace("\"paid\"", "\"paid\" ");
    for (why, payload, header) in [
        ("no header", body.clone(), None),
        ("wrong secret", body.clone(), Some(sign("whsec_other", now))),
        (
            "stale",
            body.clone(),
            Some(sign(fake_stripe::WEBHOOK_SECRET, now - 3600)),
        ),
        (
            "tampered body",
            tampered,
            Some(sign(fake_stripe::WEBHOOK_SECRET, now)),
        ),
        ("garbage header", body.clone(), Some("t=abc,v1=zz".into())),
    ] {
        assert_eq!(deliver_raw(&app, payload, header).await, 400, "{why}");
    }
    // Signed but not an event.
    let junk = "[1, 2, 3]".to_string();
    let header =
        tessera::payments::signature::sign(junk.as_bytes(), fake_stripe::WEBHOOK_SECRET, now);
    assert_eq!(deliver_raw(&app, junk, Some(header)).await, 400);
    assert_eq!(app.count("webhook_events").await, 0);
    assert_eq!(
        membership(&app, &admin, &m).await["status"]["name"],
        "Pending"
    );
    // The genuine one works.
    assert_eq!(deliver(&app, &e).await, 200);
    assert_eq!(membership(&app, &admin, &m).await["status"]["name"], "New");
}

#[tokio::test]
async fn the_same_event_at_once_on_two_replicas_applies_once() {
    let (app, _fake) = paying_app().await;
    let replica = app.replica(|_| {}).await;
    let (admin, t) = form(&app, "NO").await;
    let (m, k, _) = sign_up(&app, &t, "ada@example.org").await;
    let e = event(
        "evt_1",
        "checkout.session.completed",
        paid_session("cs_1", &k, "pi_1"),
    );
    let other = event(
        "evt_2",
        "payment_intent.succeeded",
        succeeded_intent("pi_1", &k),
    );
    let (a, b, c, d) = tokio::join!(
        deliver(&app, &e),
        deliver(&replica, &e),
        deliver(&replica, &other),
        deliver(&app, &other),
    );
    assert_eq!((a, b, c, d), (200, 200, 200, 200));
    assert_eq!(app.count("webhook_events").await, 2);
    let ms = membership(&app, &admin, &m).await;
    let changes: Vec<&str> = ms["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["change"].as_str())
        .collect();
    assert_eq!(changes, ["CREATED", "ACTIVATED"], "{ms}");
    assert_eq!(queued(&app, "contribution-receipt").await, 1);
}

#[tokio::test]
async fn a_refund_at_stripe_waits_for_its_payment_and_then_counts_once() {
    let (app, _fake) = paying_app().await;
    let (admin, t) = form(&app, "NO").await;
    let (_, k, _) = sign_up(&app, &t, "ada@example.org").await;
    let refund = event(
        "evt_r",
        "charge.refunded",
        json!({ "id": "ch_1", "object": "charge", "payment_intent": "pi_1", "amount": 5500, "amount_refunded": 2000 }),
    );
    // Before the payment is known: 503, so Stripe delivers it again later; nothing recorded.
    assert_eq!(deliver(&app, &refund).await, 503);
    assert_eq!(app.count("webhook_events").await, 0);
    let paid = event(
        "evt_p",
        "payment_intent.succeeded",
        succeeded_intent("pi_1", &k),
    );
    assert_eq!(deliver(&app, &paid).await, 200);
    assert_eq!(deliver(&app, &refund).await, 200);
    assert_eq!(deliver(&app, &refund).await, 200, "a replay");
    let c = contribution(&app, &admin, &k).await;
    assert_eq!(c["refundedAmount"], "20.00", "{c}");
    assert_eq!(c["status"], "COMPLETED");
    // A later refund event carries the new total: only the difference is added.
    let full = event(
        "evt_r2",
        "charge.refunded",
        json!({ "id": "ch_1", "object": "charge", "payment_intent": "pi_1", "amount": 5500, "amount_refunded": 5500 }),
    );
    assert_eq!(deliver(&app, &full).await, 200);
    let c = contribution(&app, &admin, &k).await;
    assert_eq!(
        (&c["refundedAmount"], &c["status"]),
        (&json!("55.00"), &json!("REFUNDED")),
        "{c}"
    );
    assert_eq!(app.count("contribution_refunds").await, 2);
}

/// A member whose membership ends on 2026-12-31, opted in, with a saved card; today 2026-12-26.
async fn renewing_member(app: &TestApp) -> (String, String, String) {
    set_today(app, "2026-12-01");
    let (admin, t) = form(app, "OPTIONAL").await;
    let (m, k, _) = sign_up(app, &t, "ada@example.org").await;
    // Paid online on 2026-01-01 (the period runs a year from the payment).
    set_today(app, "2026-01-01");
    let paid = event(
        "evt_paid",
        "payment_intent.succeeded",
        succeeded_intent("pi_0", &k),
    );
    assert_eq!(deliver(app, &paid).await, 200);
    let ms = membership(app, &admin, &m).await;
    assert_eq!(ms["endDate"], "2026-12-31", "{ms}");
    // Staff turn it on for the member (members can too: `setMyAutoRenew` is theirs).
    let body = app
        .gql(
            &admin,
            "mutation($id: ID!) { setMyAutoRenew(membershipId: $id, enabled: true) { autoRenew } }",
            json!({ "id": m }),
        )
        .await;
    assert_eq!(body["data"]["setMyAutoRenew"]["autoRenew"], true, "{body}");
    set_today(app, "2026-12-26");
    (admin, m, t)
}

async fn run_job(app: &TestApp, admin: &str) -> Value {
    let body = app
        .gql(
            admin,
            "mutation { runJob(name: \"auto-renew\") { status processed changed error } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["runJob"]["status"], "SUCCEEDED", "{body}");
    body["data"]["runJob"].clone()
}

#[tokio::test]
async fn automatic_renewal_charges_once_across_reruns_and_replicas() {
    let (app, fake) = paying_app().await;
    let (admin, m, _) = renewing_member(&app).await;
    let replica = app.replica(|_| {}).await;
    let replica_admin = replica.admin_token().await;
    let (a, b) = tokio::join!(run_job(&app, &admin), run_job(&replica, &replica_admin));
    let _ = (a, b);
    run_job(&app, &admin).await;
    assert_eq!(fake.charges(), 1, "{:?}", fake.requests());
    let (_, form, key) = fake
        .requests()
        .into_iter()
        .find(|(p, _, _)| p == "/v1/payment_intents")
        .unwrap();
    assert_eq!(form["amount"], "5000", "the renewal price, no joining fee");
    assert_eq!(form["customer"], "cus_1");
    assert_eq!(form["payment_method"], "pm_card_1");
    assert_eq!(form["off_session"], "true");
    assert!(key.unwrap().starts_with("tessera-charge-"));
    let ms = membership(&app, &admin, &m).await;
    assert_eq!(ms["endDate"], "2027-12-31", "renewed once: {ms}");
    // The charge's own event arrives later: nothing more happens.
    let body = app
        .gql(
            &admin,
            "{ contributions(first: 5, filter: { status: COMPLETED }) { nodes { id transactionId source } } }",
            json!({}),
        )
        .await;
    let renewal = body["data"]["contributions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["source"] == "automatic renewal")
        .cloned()
        .unwrap_or_else(|| panic!("{body}"));
    let late = event(
        "evt_late",
        "payment_intent.succeeded",
        json!({ "id": renewal["transactionId"], "status": "succeeded", "metadata": { "contribution_id": renewal["id"] } }),
    );
    assert_eq!(deliver(&app, &late).await, 200);
    assert_eq!(membership(&app, &admin, &m).await["endDate"], "2027-12-31");
}

#[tokio::test]
async fn a_failing_card_is_retried_on_schedule_then_left_to_the_status_rules() {
    let (app, fake) = paying_app().await;
    let (admin, m, _) = renewing_member(&app).await;
    fake.set_mode(Mode::Decline);
    run_job(&app, &admin).await;
    assert_eq!(fake.charges(), 1);
    assert_eq!(queued(&app, "payment-failed").await, 1);
    // Not due yet: nothing new.
    run_job(&app, &admin).await;
    assert_eq!(fake.charges(), 1);
    // The retries: 3, 5 and 7 days after each failure.
    for (day, charges) in [("2026-12-29", 2), ("2027-01-03", 3), ("2027-01-10", 4)] {
        set_today(&app, day);
        let admin = app.admin_token().await;
        run_job(&app, &admin).await;
        assert_eq!(fake.charges(), charges, "{day}");
        assert_eq!(
            queued(&app, "payment-failed").await,
            charges as i64,
            "{day}"
        );
    }
    // After the last: no more tries; the payment is FAILED; the membership follows its rules.
    set_today(&app, "2027-02-01");
    let admin = app.admin_token().await;
    run_job(&app, &admin).await;
    assert_eq!(fake.charges(), 4);
    let body = app
        .gql(
            &admin,
            "{ outboundMessages(first: 10, filter: { templateKey: \"payment-failed\" }) { nodes { subject } } }",
            json!({}),
        )
        .await;
    let subjects: Vec<&str> = body["data"]["outboundMessages"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["subject"].as_str())
        .collect();
    assert!(
        subjects.contains(&"We could not renew your Individual membership"),
        "{subjects:?}"
    );
    assert_eq!(
        app.count("contributions WHERE status = 'FAILED' AND source = 'automatic renewal'")
            .await,
        1
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'payment.abandoned'")
            .await,
        1
    );
    let ms = membership(&app, &admin, &m).await;
    assert_eq!(ms["endDate"], "2026-12-31", "not renewed: {ms}");
}

#[tokio::test]
async fn when_stripe_is_down_payers_are_told_and_the_job_sends_the_same_charge_later() {
    let (app, fake) = paying_app().await;
    let (admin, m, _) = renewing_member(&app).await;
    fake.set_mode(Mode::Down);
    run_job(&app, &admin).await;
    let (_, _, first_key) = fake
        .requests()
        .into_iter()
        .find(|(p, _, _)| p == "/v1/payment_intents")
        .unwrap();
    assert_eq!(membership(&app, &admin, &m).await["endDate"], "2026-12-31");
    // Stripe is back; past the stuck-attempt delay, the same request (same key) goes again.
    fake.set_mode(Mode::Succeed);
    app.clock()
        .set(app.clock().now() + chrono::Duration::minutes(11));
    run_job(&app, &admin).await;
    let keys: Vec<Option<String>> = fake
        .requests()
        .into_iter()
        .filter(|(p, _, _)| p == "/v1/payment_intents")
        .map(|(_, _, k)| k)
        .collect();
    assert_eq!(
        keys,
        vec![first_key.clone(), first_key],
        "one charge, sent twice"
    );
    assert_eq!(fake.charges(), 1);
    assert_eq!(membership(&app, &admin, &m).await["endDate"], "2027-12-31");
    // A payer who starts a payment while Stripe is down gets UNAVAILABLE, not a crash.
    fake.set_mode(Mode::Down);
    let body = app
        .gql(
            &admin,
            "mutation { createContact(input: { firstName: \"B\", lastName: \"C\" }) { id } }",
            json!({}),
        )
        .await;
    let c = body["data"]["createContact"]["id"].clone();
    let body = app
        .gql(
            &admin,
            "mutation($c: ID!) { recordContribution(input: { contactId: $c, financialType: \"DONATION\", amount: \"10\", status: PENDING }) { id } }",
            json!({ "c": c }),
        )
        .await;
    let k = body["data"]["recordContribution"]["id"].clone();
    let body = app.gql(&admin, START, json!({ "id": k })).await;
    assert_eq!(code(&body), "INTERNAL", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["retryable"], true, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("try again")),
        "{body}"
    );
}

#[tokio::test]
async fn offline_payments_and_auto_renew_rules_answer_clearly() {
    // Offline (the default): nothing to pay online.
    let app = TestApp::spawn().await;
    let (admin, t) = form(&app, "NO").await;
    let (m, k, token) = sign_up(&app, &t, "ada@example.org").await;
    let body = app.anon(START, json!({ "id": k, "t": token })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(app.count("payments").await, 0);
    // A type without automatic renewal refuses it; REQUIRED cannot be turned off; other members'
    // memberships are not theirs to change.
    let set = "mutation($id: ID!, $on: Boolean!) { setMyAutoRenew(membershipId: $id, enabled: $on) { autoRenew } }";
    let body = app.gql(&admin, set, json!({ "id": m, "on": true })).await;
    assert_eq!(
        (code(&body), crate::helpers::field(&body)),
        ("BAD_USER_INPUT", "membershipId"),
        "{body}"
    );
    let required = create_type(
        &app,
        &admin,
        json!({ "name": "Always", "durationUnit": "YEAR", "autoRenew": "REQUIRED" }),
    )
    .await;
    let (member, own) = app.token_for("MEMBER").await;
    let body = crate::fixtures::create_membership(
        &app,
        &admin,
        json!({ "contactId": own.unwrap(), "membershipTypeId": required }),
    )
    .await;
    let mine = body["data"]["createMembership"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = app
        .gql(&member, set, json!({ "id": mine, "on": false }))
        .await;
    assert_eq!(
        (code(&body), crate::helpers::field(&body)),
        ("BAD_USER_INPUT", "enabled"),
        "{body}"
    );
    let body = app
        .gql(&member, set, json!({ "id": mine, "on": true }))
        .await;
    assert_eq!(body["data"]["setMyAutoRenew"]["autoRenew"], true, "{body}");
    let body = app.gql(&member, set, json!({ "id": m, "on": false })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
}

#[tokio::test]
async fn an_expired_checkout_page_is_replaced_by_a_new_one() {
    let (app, fake) = paying_app().await;
    let (_, t) = form(&app, "NO").await;
    let (_, k, token) = sign_up(&app, &t, "ada@example.org").await;
    let body = app.anon(START, json!({ "id": k, "t": token })).await;
    assert_eq!(
        body["data"]["startPayment"]["url"], "https://checkout.stripe.test/pay/cs_test_1",
        "{body}"
    );
    let expired = event(
        "evt_x",
        "checkout.session.expired",
        json!({ "id": "cs_test_1", "metadata": { "contribution_id": k } }),
    );
    assert_eq!(deliver(&app, &expired).await, 200);
    assert_eq!(app.count("payments WHERE status = 'EXPIRED'").await, 1);
    let body = app.anon(START, json!({ "id": k, "t": token })).await;
    assert_eq!(
        body["data"]["startPayment"]["url"], "https://checkout.stripe.test/pay/cs_test_2",
        "{body}"
    );
    let keys: Vec<Option<String>> = fake.requests().into_iter().map(|(_, _, key)| key).collect();
    assert_eq!(
        keys,
        vec![
            Some(format!("tessera-checkout-{k}-1")),
            Some(format!("tessera-checkout-{k}-2"))
        ]
    );
}
