//! Yearly anchors: birthdays (one greeting per contact) and join anniversaries, February 29 included.

use serde_json::json;

use super::*;
use crate::fixtures::set_today;
use crate::helpers::TestApp;

#[tokio::test]
async fn birthdays_greet_each_contact_once_a_year_and_feb_29_on_feb_28() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2025-01-10");
    let body = app
        .gql(&admin, "mutation { updateMessageTemplate(key: \"birthday\", input: { subject: \"Happy birthday, {{contact.firstName}}!\", textBody: \"{{reminder.name}}\", htmlBody: \"<p>{{reminder.name}}</p>\" }) { key } }", json!({}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let t = quiet_type(&app, &admin, "Individual").await;
    let dates = ("2024-06-01", "2030-05-31");
    let leap = contact(&app, &admin, json!({ "firstName": "Leap", "lastName": "Day", "email": "leap@example.org", "birthDate": "1992-02-29" })).await;
    membership(&app, &admin, &leap, &t, dates).await;
    let two = contact(&app, &admin, json!({ "firstName": "Two", "lastName": "Cards", "email": "two@example.org", "birthDate": "1985-06-15" })).await;
    membership(&app, &admin, &two, &t, dates).await;
    membership(&app, &admin, &two, &t, dates).await;
    // Same birthday, no membership: not a member, no greeting.
    contact(&app, &admin, json!({ "firstName": "No", "lastName": "Membership", "email": "none@example.org", "birthDate": "1985-06-15" })).await;
    reminder(&app, &admin, json!({ "name": "Birthday", "templateKey": "birthday", "anchor": "BIRTH_DATE", "direction": "AFTER" })).await;

    assert_eq!(counts(&run_reminders(&app, "2025-02-27").await), (0, 0));
    assert_eq!(
        counts(&run_reminders(&app, "2025-02-28").await),
        (1, 0),
        "Feb 29 falls on Feb 28 in 2025"
    );
    assert_eq!(counts(&run_reminders(&app, "2025-03-01").await), (0, 1));
    let details = run_reminders(&app, "2025-06-15").await;
    assert_eq!(
        counts(&details),
        (1, 0),
        "one greeting for two memberships: {details}"
    );
    assert_eq!(
        counts(&run_reminders(&app, "2026-06-15").await),
        (1, 0),
        "next year again"
    );
    assert_eq!(
        counts(&run_reminders(&app, "2028-02-28").await),
        (0, 0),
        "not on Feb 28 in a leap year"
    );
    assert_eq!(counts(&run_reminders(&app, "2028-02-29").await), (1, 0));
    let messages = reminder_messages(&app, &admin).await;
    let keys: Vec<&str> = messages
        .iter()
        .map(|m| m["dedupeKey"].as_str().unwrap())
        .collect();
    let r = keys[0].split('.').nth(1).unwrap();
    let mut expected = vec![
        format!("reminder.{r}.c{leap}.2025-02-28"),
        format!("reminder.{r}.c{leap}.2028-02-29"),
        format!("reminder.{r}.c{two}.2025-06-15"),
        format!("reminder.{r}.c{two}.2026-06-15"),
    ];
    expected.sort();
    assert_eq!(keys, expected);
    assert_eq!(messages[0]["subject"], "Happy birthday, Leap!");
}

#[tokio::test]
async fn join_anniversaries_from_the_first_year_with_feb_29_clamped() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2024-03-01");
    let t = quiet_type(&app, &admin, "Individual").await;
    let c = contact(
        &app,
        &admin,
        json!({ "lastName": "Leaper", "email": "leaper@example.org" }),
    )
    .await;
    let m = membership(&app, &admin, &c, &t, ("2024-02-29", "2030-02-28")).await;
    let c2 = contact(
        &app,
        &admin,
        json!({ "lastName": "Spring", "email": "spring@example.org" }),
    )
    .await;
    let m2 = membership(&app, &admin, &c2, &t, ("2023-03-20", "2030-03-19")).await;
    // A week before each anniversary.
    let r = reminder(&app, &admin, json!({ "name": "Anniversary", "templateKey": "membership-renewed", "anchor": "JOIN_ANNIVERSARY", "offset": 1, "unit": "WEEK", "direction": "BEFORE" })).await;
    assert_eq!(
        counts(&run_reminders(&app, "2024-02-22").await),
        (0, 0),
        "the join date is no anniversary"
    );
    assert_eq!(
        counts(&run_reminders(&app, "2024-03-13").await),
        (1, 0),
        "first anniversary of m2"
    );
    assert_eq!(
        counts(&run_reminders(&app, "2025-02-21").await),
        (1, 0),
        "Feb 28 2025 minus a week"
    );
    assert_eq!(counts(&run_reminders(&app, "2025-02-22").await), (0, 1));
    assert_eq!(
        counts(&run_reminders(&app, "2028-02-22").await),
        (1, 0),
        "Feb 29 2028 minus a week"
    );
    let mut keys = reminder_keys(&app, &admin).await;
    keys.sort();
    let mut expected = vec![
        format!("reminder.r{r}.m{m2}.2024-03-20"),
        format!("reminder.r{r}.m{m}.2025-02-28"),
        format!("reminder.r{r}.m{m}.2028-02-29"),
    ];
    expected.sort();
    assert_eq!(keys, expected);
}
