//! Membership types, memberships, renewals, cancellation and history through the real endpoint.

use serde_json::{Value, json};

use crate::fixtures::{
    MEMBERSHIP_FIELDS, create_membership, create_type, new_contact, set_today, yearly_type,
};
use crate::helpers::{TestApp, code, field};

async fn renew(app: &TestApp, admin: &str, id: &str, input: Value) -> Value {
    let q = format!(
        "mutation($id: ID!, $i: RenewMembershipInput) {{ renewMembership(id: $id, input: $i) {{ {MEMBERSHIP_FIELDS} }} }}"
    );
    app.gql(admin, &q, json!({ "id": id, "i": input })).await
}

async fn get(app: &TestApp, admin: &str, id: &str) -> Value {
    let q = format!("query($id: ID!) {{ membership(id: $id) {{ {MEMBERSHIP_FIELDS} }} }}");
    app.gql(admin, &q, json!({ "id": id })).await["data"]["membership"].clone()
}

#[tokio::test]
async fn membership_types_validate_and_hide_from_the_public() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let q = "mutation($i: CreateMembershipTypeInput!) { createMembershipType(input: $i) { id name minimumFee currency durationUnit periodType fixedPeriodStartDay grants } }";
    let body = app
        .gql(&admin, q, json!({ "i": { "name": "Calendar", "durationUnit": "YEAR", "periodType": "FIXED", "fixedPeriodStartDay": "01-01", "fixedPeriodRolloverDay": "10-31", "minimumFee": 25, "currency": "eur", "grants": ["Members-Area", "newsletter"] } }))
        .await;
    let t = &body["data"]["createMembershipType"];
    assert_eq!(t["minimumFee"], "25.00");
    assert_eq!(t["currency"], "EUR");
    assert_eq!(t["grants"], json!(["members-area", "newsletter"]));
    for (expected, input) in [
        (
            "durationInterval",
            json!({ "name": "X", "durationUnit": "YEAR", "durationInterval": 0 }),
        ),
        (
            "durationUnit",
            json!({ "name": "X", "durationUnit": "MONTH", "periodType": "FIXED", "fixedPeriodStartDay": "01-01" }),
        ),
        (
            "fixedPeriodStartDay",
            json!({ "name": "X", "durationUnit": "YEAR", "periodType": "FIXED" }),
        ),
        (
            "fixedPeriodStartDay",
            json!({ "name": "X", "durationUnit": "YEAR", "periodType": "FIXED", "fixedPeriodStartDay": "02-30" }),
        ),
        (
            "fixedPeriodRolloverDay",
            json!({ "name": "X", "durationUnit": "YEAR", "fixedPeriodRolloverDay": "10-31" }),
        ),
        (
            "minimumFee",
            json!({ "name": "X", "durationUnit": "YEAR", "minimumFee": "12.345" }),
        ),
        (
            "currency",
            json!({ "name": "X", "durationUnit": "YEAR", "currency": "XYZ" }),
        ),
        (
            "grants",
            json!({ "name": "X", "durationUnit": "YEAR", "grants": ["has space"] }),
        ),
        ("name", json!({ "name": "  ", "durationUnit": "YEAR" })),
    ] {
        let body = app.gql(&admin, q, json!({ "i": input })).await;
        assert_eq!(
            (code(&body), field(&body)),
            ("BAD_USER_INPUT", expected),
            "{input}: {body}"
        );
    }
    let hidden = create_type(
        &app,
        &admin,
        json!({ "name": "Board", "durationUnit": "LIFETIME", "visibility": "ADMIN" }),
    )
    .await;
    let retired = create_type(
        &app,
        &admin,
        json!({ "name": "Old", "durationUnit": "YEAR", "isActive": false }),
    )
    .await;
    let list = "{ membershipTypes { name } }";
    let public = app.anon(list, json!({})).await;
    assert_eq!(
        public["data"]["membershipTypes"],
        json!([{ "name": "Calendar" }])
    );
    let staff = app.gql(&admin, list, json!({})).await;
    assert_eq!(
        staff["data"]["membershipTypes"].as_array().unwrap().len(),
        2
    );
    let all = app
        .gql(
            &admin,
            "{ membershipTypes(includeInactive: true) { name } }",
            json!({}),
        )
        .await;
    assert_eq!(all["data"]["membershipTypes"].as_array().unwrap().len(), 3);
    for id in [&hidden, &retired] {
        let body = app
            .anon(
                "query($id: ID!) { membershipType(id: $id) { name } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(code(&body), "NOT_FOUND");
    }
    // Staff may not change settings.
    let (staff_token, _) = app.token_for("STAFF").await;
    let body = app
        .gql(
            &staff_token,
            q,
            json!({ "i": { "name": "S", "durationUnit": "YEAR" } }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    // Partial update re-checks the whole type.
    let body = app
        .gql(&admin, "mutation($id: ID!) { updateMembershipType(id: $id, input: { periodType: ROLLING }) { id } }", json!({ "id": retired }))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let body = app
        .gql(&admin, "mutation($id: ID!) { updateMembershipType(id: $id, input: { periodType: FIXED }) { id } }", json!({ "id": retired }))
        .await;
    assert_eq!(field(&body), "fixedPeriodStartDay");
}

#[tokio::test]
async fn created_memberships_get_dates_and_status_from_the_rules() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2024-04-01");
    let yearly = yearly_type(&app, &admin).await;
    let monthly = create_type(
        &app,
        &admin,
        json!({ "name": "Monthly", "durationUnit": "MONTH" }),
    )
    .await;
    let calendar = create_type(&app, &admin, json!({ "name": "Calendar", "durationUnit": "YEAR", "periodType": "FIXED", "fixedPeriodStartDay": "01-01", "fixedPeriodRolloverDay": "10-31" })).await;
    let lifetime = create_type(
        &app,
        &admin,
        json!({ "name": "Life", "durationUnit": "LIFETIME" }),
    )
    .await;
    let c = new_contact(&app, &admin, "Doe").await;
    for (name, type_id, join, start, end, status) in [
        (
            "yearly",
            &yearly,
            "2024-03-15",
            "2024-03-15",
            Some("2025-03-14"),
            "New",
        ),
        (
            "monthly from jan 31: ended, but New wins for 3 months (default rule weights)",
            &monthly,
            "2024-01-31",
            "2024-01-31",
            Some("2024-02-28"),
            "New",
        ),
        (
            "calendar before rollover",
            &calendar,
            "2024-03-15",
            "2024-01-01",
            Some("2024-12-31"),
            "New",
        ),
        (
            "calendar after rollover",
            &calendar,
            "2023-11-15",
            "2023-01-01",
            Some("2024-12-31"),
            "Current",
        ),
        (
            "lifetime",
            &lifetime,
            "2020-01-01",
            "2020-01-01",
            None,
            "Current",
        ),
        (
            "joins in the future",
            &yearly,
            "2024-05-01",
            "2024-05-01",
            Some("2025-04-30"),
            "Pending",
        ),
    ] {
        let body = create_membership(
            &app,
            &admin,
            json!({ "contactId": c, "membershipTypeId": type_id, "joinDate": join }),
        )
        .await;
        let m = &body["data"]["createMembership"];
        assert_eq!(m["startDate"], start, "{name}: {body}");
        assert_eq!(
            m["endDate"],
            end.map_or(Value::Null, |e| json!(e)),
            "{name}"
        );
        assert_eq!(m["status"]["name"], status, "{name}");
        assert_eq!(m["isOverride"], false);
        assert_eq!(m["history"][0]["change"], "CREATED");
        assert!(
            m["history"][0]["changedBy"]
                .as_str()
                .unwrap()
                .starts_with("user:")
        );
    }
    let body = app
        .gql(
            &admin,
            "query($id: ID!) { contact(id: $id) { memberships { membershipType { name } } } }",
            json!({ "id": c }),
        )
        .await;
    assert_eq!(
        body["data"]["contact"]["memberships"]
            .as_array()
            .unwrap()
            .len(),
        6,
        "a contact may hold several, also of one type"
    );
}

#[tokio::test]
async fn explicit_dates_overrides_and_input_errors() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2024-06-01");
    let yearly = yearly_type(&app, &admin).await;
    let c = new_contact(&app, &admin, "Doe").await;
    let body = create_membership(&app, &admin, json!({ "contactId": c, "membershipTypeId": yearly, "joinDate": "2024-01-10", "startDate": "2024-02-01", "endDate": "2024-12-31" })).await;
    let m = &body["data"]["createMembership"];
    assert_eq!(
        (m["startDate"].as_str(), m["endDate"].as_str()),
        (Some("2024-02-01"), Some("2024-12-31"))
    );
    let statuses = app
        .gql(&admin, "{ membershipStatuses { id code } }", json!({}))
        .await;
    let pending = statuses["data"]["membershipStatuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "PENDING")
        .unwrap()["id"]
        .clone();
    let body = create_membership(&app, &admin, json!({ "contactId": c, "membershipTypeId": yearly, "statusOverride": pending, "overrideUntil": "2024-07-01" })).await;
    assert_eq!(
        body["data"]["createMembership"]["status"]["name"],
        "Pending"
    );
    assert_eq!(body["data"]["createMembership"]["isOverride"], true);
    let before = app.count("memberships").await;
    for (expected_code, expected_field, input) in [
        (
            "BAD_USER_INPUT",
            "endDate",
            json!({ "contactId": c, "membershipTypeId": yearly, "startDate": "2024-06-01", "endDate": "2024-05-01" }),
        ),
        (
            "BAD_USER_INPUT",
            "startDate",
            json!({ "contactId": c, "membershipTypeId": yearly, "joinDate": "2024-06-01", "startDate": "2024-05-01" }),
        ),
        (
            "BAD_USER_INPUT",
            "terms",
            json!({ "contactId": c, "membershipTypeId": yearly, "terms": 0 }),
        ),
        (
            "NOT_FOUND",
            "contactId",
            json!({ "contactId": "999", "membershipTypeId": yearly }),
        ),
        (
            "NOT_FOUND",
            "membershipTypeId",
            json!({ "contactId": c, "membershipTypeId": "999" }),
        ),
        (
            "NOT_FOUND",
            "statusOverride",
            json!({ "contactId": c, "membershipTypeId": yearly, "statusOverride": "999" }),
        ),
        (
            "BAD_USER_INPUT",
            "overrideUntil",
            json!({ "contactId": c, "membershipTypeId": yearly, "overrideUntil": "2024-07-01" }),
        ),
    ] {
        let body = create_membership(&app, &admin, input.clone()).await;
        assert_eq!(
            (code(&body), field(&body)),
            (expected_code, expected_field),
            "{input}: {body}"
        );
    }
    assert_eq!(
        app.count("memberships").await,
        before,
        "failed mutations wrote nothing"
    );
}

#[tokio::test]
async fn renewals_keep_the_day_of_month_and_member_since() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2024-01-31");
    let monthly = create_type(
        &app,
        &admin,
        json!({ "name": "Monthly", "durationUnit": "MONTH" }),
    )
    .await;
    let c = new_contact(&app, &admin, "Doe").await;
    let body = create_membership(
        &app,
        &admin,
        json!({ "contactId": c, "membershipTypeId": monthly }),
    )
    .await;
    let id = body["data"]["createMembership"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut ends = vec![body["data"]["createMembership"]["endDate"].clone()];
    for renewal in ["2024-02-20", "2024-03-25", "2024-04-10"] {
        let body = renew(&app, &admin, &id, json!({ "renewalDate": renewal })).await;
        let m = &body["data"]["renewMembership"];
        assert_eq!(m["startDate"], "2024-01-31", "{body}");
        assert_eq!(m["joinDate"], "2024-01-31");
        ends.push(m["endDate"].clone());
    }
    assert_eq!(
        ends,
        vec![
            json!("2024-02-28"),
            json!("2024-03-30"),
            json!("2024-04-29"),
            json!("2024-05-30")
        ]
    );
    let m = get(&app, &admin, &id).await;
    let changes: Vec<&str> = m["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, vec!["CREATED", "RENEWED", "RENEWED", "RENEWED"]);
}

#[tokio::test]
async fn renewing_a_lapsed_membership_starts_a_new_period() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2024-06-10");
    let yearly = yearly_type(&app, &admin).await;
    let c = new_contact(&app, &admin, "Doe").await;
    let body = create_membership(
        &app,
        &admin,
        json!({ "contactId": c, "membershipTypeId": yearly, "joinDate": "2022-03-15" }),
    )
    .await;
    let m = &body["data"]["createMembership"];
    assert_eq!(m["status"]["name"], "Expired");
    let id = m["id"].as_str().unwrap().to_string();
    let body = renew(&app, &admin, &id, json!(null)).await;
    let m = &body["data"]["renewMembership"];
    assert_eq!(
        (
            m["joinDate"].as_str(),
            m["startDate"].as_str(),
            m["endDate"].as_str()
        ),
        (Some("2022-03-15"), Some("2024-06-10"), Some("2025-06-09"))
    );
    assert_eq!(m["status"]["name"], "Current");
}

#[tokio::test]
async fn currency_for_renewal_is_judged_by_the_rules_on_the_renewal_date() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2023-03-15");
    let yearly = yearly_type(&app, &admin).await;
    let c = new_contact(&app, &admin, "Doe").await;
    let body = create_membership(
        &app,
        &admin,
        json!({ "contactId": c, "membershipTypeId": yearly }),
    )
    .await;
    let id = body["data"]["createMembership"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Months later the stored status is still New (no job ran), but on 2024-04-01 the rules say Grace:
    // the membership is current, so the renewal keeps its start date.
    set_today(&app, "2024-04-01");
    assert_eq!(get(&app, &admin, &id).await["status"]["name"], "New");
    let body = renew(&app, &admin, &id, json!({ "renewalDate": "2024-04-01" })).await;
    let m = &body["data"]["renewMembership"];
    assert_eq!(
        (m["startDate"].as_str(), m["endDate"].as_str()),
        (Some("2023-03-15"), Some("2025-03-14")),
        "{body}"
    );
    assert_eq!(m["status"]["name"], "Current");
    // Two months after the end (past Grace) it has lapsed: a new period.
    let body = renew(&app, &admin, &id, json!({ "renewalDate": "2025-05-20" })).await;
    assert_eq!(body["data"]["renewMembership"]["startDate"], "2025-05-20");
}

#[tokio::test]
async fn lifetime_cancel_and_deceased() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let lifetime = create_type(
        &app,
        &admin,
        json!({ "name": "Life", "durationUnit": "LIFETIME" }),
    )
    .await;
    let yearly = yearly_type(&app, &admin).await;
    let c = new_contact(&app, &admin, "Doe").await;
    let life = create_membership(
        &app,
        &admin,
        json!({ "contactId": c, "membershipTypeId": lifetime }),
    )
    .await["data"]["createMembership"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let history_before = app.count("membership_history").await;
    let body = renew(&app, &admin, &life, json!(null)).await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(
        app.count("membership_history").await,
        history_before,
        "nothing written"
    );

    let year = create_membership(
        &app,
        &admin,
        json!({ "contactId": c, "membershipTypeId": yearly }),
    )
    .await["data"]["createMembership"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let q = "mutation($id: ID!) { cancelMembership(id: $id, input: { reason: \"moved away\" }) { status { name } isOverride cancelReason } }";
    let body = app.gql(&admin, q, json!({ "id": year })).await;
    assert_eq!(
        body["data"]["cancelMembership"]["status"]["name"],
        "Cancelled"
    );
    assert_eq!(body["data"]["cancelMembership"]["isOverride"], true);
    assert_eq!(
        code(&app.gql(&admin, q, json!({ "id": year })).await),
        "CONFLICT"
    );
    let m = get(&app, &admin, &year).await;
    assert_eq!(m["history"][1]["change"], "CANCELLED");
    assert_eq!(m["history"][1]["note"], "moved away");

    let body = app
        .gql(&admin, "mutation($id: ID!) { updateContact(id: $id, input: { isDeceased: true }) { isDeceased memberships { status { name } isOverride } } }", json!({ "id": c }))
        .await;
    let ms = body["data"]["updateContact"]["memberships"]
        .as_array()
        .unwrap();
    assert!(
        ms.iter()
            .all(|m| m["status"]["name"] == "Deceased" && m["isOverride"] == true),
        "{body}"
    );
    assert_eq!(
        get(&app, &admin, &life).await["history"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["change"],
        "DECEASED"
    );
    assert_eq!(
        code(&renew(&app, &admin, &year, json!(null)).await),
        "CONFLICT"
    );
    let body = create_membership(
        &app,
        &admin,
        json!({ "contactId": c, "membershipTypeId": yearly }),
    )
    .await;
    assert_eq!(field(&body), "contactId");
}

#[tokio::test]
async fn update_membership_sets_and_releases_overrides() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2024-06-01");
    let yearly = yearly_type(&app, &admin).await;
    let c = new_contact(&app, &admin, "Doe").await;
    let id = create_membership(
        &app,
        &admin,
        json!({ "contactId": c, "membershipTypeId": yearly, "joinDate": "2022-01-01" }),
    )
    .await["data"]["createMembership"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let statuses = app
        .gql(&admin, "{ membershipStatuses { id code } }", json!({}))
        .await;
    let current = statuses["data"]["membershipStatuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "CURRENT")
        .unwrap()["id"]
        .clone();
    let q = "mutation($id: ID!, $i: UpdateMembershipInput!) { updateMembership(id: $id, input: $i) { status { name } isOverride endDate } }";
    let body = app
        .gql(
            &admin,
            q,
            json!({ "id": id, "i": { "statusOverride": current } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateMembership"]["status"]["name"],
        "Current"
    );
    let body = app
        .gql(
            &admin,
            q,
            json!({ "id": id, "i": { "statusOverride": null } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateMembership"]["status"]["name"],
        "Expired"
    );
    assert_eq!(body["data"]["updateMembership"]["isOverride"], false);
    let body = app
        .gql(
            &admin,
            q,
            json!({ "id": id, "i": { "endDate": "2024-12-31" } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateMembership"]["status"]["name"],
        "Current"
    );
    let body = app
        .gql(&admin, q, json!({ "id": id, "i": { "endDate": null } }))
        .await;
    assert_eq!(
        field(&body),
        "endDate",
        "only lifetime memberships have no end"
    );
    let m = get(&app, &admin, &id).await;
    let changes: Vec<&str> = m["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["change"].as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        vec!["CREATED", "OVERRIDE_SET", "OVERRIDE_ENDED", "UPDATED"]
    );
}

#[tokio::test]
async fn membership_list_filters_and_pages_by_end_date() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2024-06-01");
    let yearly = yearly_type(&app, &admin).await;
    let life = create_type(
        &app,
        &admin,
        json!({ "name": "Life", "durationUnit": "LIFETIME" }),
    )
    .await;
    let mut contacts = vec![];
    for (i, join) in ["2024-05-01", "2023-07-01", "2022-01-01", "2024-02-01"]
        .iter()
        .enumerate()
    {
        let c = new_contact(&app, &admin, &format!("M{i}")).await;
        create_membership(
            &app,
            &admin,
            json!({ "contactId": c, "membershipTypeId": yearly, "joinDate": join }),
        )
        .await;
        contacts.push(c);
    }
    create_membership(
        &app,
        &admin,
        json!({ "contactId": contacts[0], "membershipTypeId": life }),
    )
    .await;
    let q = "query($f: MembershipFilter, $o: MembershipOrderBy, $first: Int, $after: String) { memberships(filter: $f, orderBy: $o, first: $first, after: $after) { totalCount nodes { endDate } pageInfo { endCursor hasNextPage } } }";
    let ends = |b: &Value| -> Vec<Value> {
        b["data"]["memberships"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["endDate"].clone())
            .collect()
    };
    let order = json!({ "field": "END_DATE" });
    let p1 = app.gql(&admin, q, json!({ "o": order, "first": 2 })).await;
    assert_eq!(ends(&p1), vec![json!("2022-12-31"), json!("2024-06-30")]);
    let p2 = app.gql(&admin, q, json!({ "o": order, "first": 10, "after": p1["data"]["memberships"]["pageInfo"]["endCursor"] })).await;
    assert_eq!(
        ends(&p2),
        vec![json!("2025-01-31"), json!("2025-04-30"), Value::Null]
    );
    let current = app
        .gql(&admin, q, json!({ "f": { "isCurrent": true } }))
        .await;
    assert_eq!(current["data"]["memberships"]["totalCount"], 4);
    let range = app
        .gql(
            &admin,
            q,
            json!({ "f": { "endDateFrom": "2024-06-01", "endDateTo": "2024-12-31" } }),
        )
        .await;
    assert_eq!(ends(&range), vec![json!("2024-06-30")]);
    let by_type = app
        .gql(&admin, q, json!({ "f": { "membershipTypeIds": [life] } }))
        .await;
    assert_eq!(by_type["data"]["memberships"]["totalCount"], 1);
    // Memberships of contacts in the trash leave the list.
    app.gql(
        &admin,
        "mutation($id: ID!) { deleteContact(id: $id) }",
        json!({ "id": contacts[0] }),
    )
    .await;
    let all = app.gql(&admin, q, json!({})).await;
    assert_eq!(all["data"]["memberships"]["totalCount"], 3);
}

#[tokio::test]
async fn members_see_their_own_memberships_and_permissions_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let yearly = yearly_type(&app, &admin).await;
    let (member, own) = app.token_for("MEMBER").await;
    let own = own.unwrap();
    let other = new_contact(&app, &admin, "Other").await;
    let mine = create_membership(
        &app,
        &admin,
        json!({ "contactId": own, "membershipTypeId": yearly }),
    )
    .await["data"]["createMembership"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let theirs = create_membership(
        &app,
        &admin,
        json!({ "contactId": other, "membershipTypeId": yearly }),
    )
    .await["data"]["createMembership"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = app.gql(&member, "{ viewer { permissions contact { memberships { id status { name } } } } hasPermission(name: \"members-area\") }", json!({})).await;
    assert_eq!(
        body["data"]["viewer"]["permissions"],
        json!(["members-area"]),
        "{body}"
    );
    assert_eq!(body["data"]["hasPermission"], true);
    assert_eq!(
        body["data"]["viewer"]["contact"]["memberships"][0]["id"],
        mine.as_str()
    );
    let q = "query($id: ID!) { membership(id: $id) { id contact { email } } }";
    assert!(app.gql(&member, q, json!({ "id": mine })).await["errors"].is_null());
    assert_eq!(
        code(&app.gql(&member, q, json!({ "id": theirs })).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(
            &app.gql(&member, "{ memberships { totalCount } }", json!({}))
                .await
        ),
        "FORBIDDEN"
    );
    // Cancelling takes the permission away at once.
    app.gql(
        &admin,
        "mutation($id: ID!) { cancelMembership(id: $id) { id } }",
        json!({ "id": mine }),
    )
    .await;
    let body = app
        .gql(
            &member,
            "{ viewer { permissions } hasPermission(name: \"members-area\") }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["viewer"]["permissions"], json!([]));
    assert_eq!(body["data"]["hasPermission"], false);
    assert_eq!(
        app.anon("{ hasPermission(name: \"members-area\") }", json!({}))
            .await["data"]["hasPermission"],
        false
    );
}
