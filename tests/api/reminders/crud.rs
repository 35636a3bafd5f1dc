//! The reminder settings API: who may do what, partial updates, and every validation error.

use serde_json::{Value, json};

use super::{FIELDS, create_reminder, quiet_type, reminder, renewal_30_days_before, status_id};
use crate::helpers::{TestApp, code, field};

async fn update(app: &TestApp, token: &str, id: &str, input: Value) -> Value {
    let q = format!(
        "mutation($id: ID!, $i: UpdateScheduledReminderInput!) {{ updateScheduledReminder(id: $id, input: $i) {{ {FIELDS} }} }}"
    );
    app.gql(token, &q, json!({ "id": id, "i": input })).await
}

#[tokio::test]
async fn admins_create_and_change_reminders_staff_read_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let t = quiet_type(&app, &admin, "Individual").await;
    let grace = status_id(&app, &admin, "GRACE").await;
    let input = json!({ "name": "  Lapsed,  weekly ", "templateKey": "membership-expired", "anchor": "END_DATE", "offset": 1, "unit": "WEEK", "direction": "AFTER", "membershipTypeIds": [t, t], "statusIds": [grace], "repeatEvery": 1, "repeatUntil": 4 });
    let body = create_reminder(&app, &admin, input).await;
    let r = &body["data"]["createScheduledReminder"];
    assert_eq!(r["name"], "Lapsed, weekly", "{body}");
    assert_eq!(
        (&r["anchor"], &r["offset"], &r["unit"], &r["direction"]),
        (
            &json!("END_DATE"),
            &json!(1),
            &json!("WEEK"),
            &json!("AFTER")
        )
    );
    assert_eq!(r["membershipTypeIds"], json!([t]), "deduplicated");
    assert_eq!(r["statusIds"], json!([grace]));
    assert_eq!(
        (&r["repeatEvery"], &r["repeatUntil"]),
        (&json!(1), &json!(4))
    );
    assert_eq!(r["isActive"], true);
    let id = r["id"].as_str().unwrap().to_string();

    // Defaults: on the anchor date, every type, current statuses, once.
    let body = create_reminder(
        &app,
        &admin,
        json!({ "name": "Birthday", "templateKey": "welcome", "anchor": "BIRTH_DATE" }),
    )
    .await;
    let b = &body["data"]["createScheduledReminder"];
    assert_eq!(
        (
            &b["offset"],
            &b["unit"],
            &b["direction"],
            &b["membershipTypeIds"],
            &b["statusIds"],
            &b["repeatEvery"]
        ),
        (
            &json!(0),
            &json!("DAY"),
            &json!("BEFORE"),
            &json!([]),
            &json!([]),
            &Value::Null
        ),
        "{body}"
    );

    // A partial update keeps the rest; null clears the repeat.
    let body = update(
        &app,
        &admin,
        &id,
        json!({ "name": "Lapsed", "isActive": false, "repeatEvery": null, "repeatUntil": null }),
    )
    .await;
    let u = &body["data"]["updateScheduledReminder"];
    assert_eq!(
        (
            &u["name"],
            &u["isActive"],
            &u["repeatEvery"],
            &u["repeatUntil"]
        ),
        (&json!("Lapsed"), &json!(false), &Value::Null, &Value::Null),
        "{body}"
    );
    assert_eq!(
        (&u["offset"], &u["unit"], &u["statusIds"]),
        (&json!(1), &json!("WEEK"), &json!([grace]))
    );

    let (staff, _) = app.token_for("STAFF").await;
    let list = app
        .gql(
            &staff,
            "{ scheduledReminders { name isActive } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list["data"]["scheduledReminders"],
        json!([{ "name": "Lapsed", "isActive": false }, { "name": "Birthday", "isActive": true }])
    );
    let active = app
        .gql(
            &staff,
            "{ scheduledReminders(activeOnly: true) { name } }",
            json!({}),
        )
        .await;
    assert_eq!(
        active["data"]["scheduledReminders"],
        json!([{ "name": "Birthday" }])
    );
    let one = app
        .gql(
            &staff,
            "query($id: ID!) { scheduledReminder(id: $id) { name templateKey } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        one["data"]["scheduledReminder"],
        json!({ "name": "Lapsed", "templateKey": "membership-expired" })
    );
    let missing = app
        .gql(
            &staff,
            "{ scheduledReminder(id: \"999\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!((code(&missing), field(&missing)), ("NOT_FOUND", "id"));

    // Reminders are settings: staff may not change them, members may not read them.
    assert_eq!(
        code(&create_reminder(&app, &staff, renewal_30_days_before()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&update(&app, &staff, &id, json!({ "name": "x" })).await),
        "FORBIDDEN"
    );
    let (member, _) = app.token_for("MEMBER").await;
    assert_eq!(
        code(
            &app.gql(&member, "{ scheduledReminders { id } }", json!({}))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&app.anon("{ scheduledReminders { id } }", json!({})).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        code(&update(&app, &admin, "999", json!({ "name": "x" })).await),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn each_invalid_input_names_its_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let with = |changes: Value| {
        let mut input = renewal_30_days_before();
        for (k, v) in changes.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    for (expected_code, expected_field, changes) in [
        ("BAD_USER_INPUT", "name", json!({ "name": "   " })),
        (
            "BAD_USER_INPUT",
            "templateKey",
            json!({ "templateKey": "no-such-template" }),
        ),
        (
            "BAD_USER_INPUT",
            "templateKey",
            json!({ "templateKey": "" }),
        ),
        ("BAD_USER_INPUT", "offset", json!({ "offset": -1 })),
        ("BAD_USER_INPUT", "offset", json!({ "offset": 1001 })),
        ("BAD_USER_INPUT", "repeatUntil", json!({ "repeatEvery": 7 })),
        ("BAD_USER_INPUT", "repeatEvery", json!({ "repeatUntil": 0 })),
        (
            "BAD_USER_INPUT",
            "repeatEvery",
            json!({ "repeatEvery": 0, "repeatUntil": 0 }),
        ),
        (
            "BAD_USER_INPUT",
            "repeatUntil",
            json!({ "repeatEvery": 7, "repeatUntil": 30 }),
        ),
        (
            "BAD_USER_INPUT",
            "repeatUntil",
            json!({ "direction": "AFTER", "repeatEvery": 7, "repeatUntil": 30 }),
        ),
        (
            "BAD_USER_INPUT",
            "repeatUntil",
            json!({ "repeatEvery": 7, "repeatUntil": -1 }),
        ),
        (
            "BAD_USER_INPUT",
            "membershipTypeIds",
            json!({ "membershipTypeIds": ["abc"] }),
        ),
        (
            "NOT_FOUND",
            "membershipTypeIds",
            json!({ "membershipTypeIds": ["999"] }),
        ),
        ("BAD_USER_INPUT", "statusIds", json!({ "statusIds": ["0"] })),
        ("NOT_FOUND", "statusIds", json!({ "statusIds": ["999"] })),
    ] {
        let body = create_reminder(&app, &admin, with(changes.clone())).await;
        assert_eq!(
            (code(&body), field(&body)),
            (expected_code, expected_field),
            "{changes}: {body}"
        );
    }
    assert_eq!(app.count("scheduled_reminders").await, 0);

    // Updates are checked against the merged result.
    let id = reminder(&app, &admin, renewal_30_days_before()).await;
    for (expected_field, changes) in [
        ("offset", json!({ "offset": 5000 })),
        ("repeatUntil", json!({ "repeatEvery": 7 })),
        (
            "repeatUntil",
            json!({ "repeatEvery": 7, "repeatUntil": 31 }),
        ),
        ("templateKey", json!({ "templateKey": "nope" })),
        ("name", json!({ "name": "" })),
    ] {
        let body = update(&app, &admin, &id, changes.clone()).await;
        assert_eq!(
            (code(&body), field(&body)),
            ("BAD_USER_INPUT", expected_field),
            "{changes}: {body}"
        );
    }
    let body = update(
        &app,
        &admin,
        &id,
        json!({ "repeatEvery": 7, "repeatUntil": 2 }),
    )
    .await;
    assert_eq!(
        body["data"]["updateScheduledReminder"]["repeatEvery"], 7,
        "{body}"
    );
    let body = update(&app, &admin, &id, json!({ "repeatEvery": null })).await;
    assert_eq!(
        field(&body),
        "repeatEvery",
        "clearing one half of the repeat: {body}"
    );
    let body = app.gql(&admin, "query($id: ID!) { scheduledReminder(id: $id) { name offset repeatEvery repeatUntil } }", json!({ "id": id })).await;
    assert_eq!(
        body["data"]["scheduledReminder"],
        json!({ "name": "Renewal, 30 days before", "offset": 30, "repeatEvery": 7, "repeatUntil": 2 })
    );
}
