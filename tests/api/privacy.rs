//! Personal data: the export holds every record of a person and nothing of anyone else's, erasure
//! leaves none of their personal values in any column of any table while the books stay as they
//! were, and the `purge-trash` job erases contacts left in the trash long enough, once.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, Set, Statement};
use serde_json::{Value, json};
use tessera::db::entities::{custom_value, payment_method};
use tessera::services::privacy;

use crate::fixtures::{set_today, yearly_type};
use crate::helpers::{PASSWORD, TestApp, code, job};

/// A person with a record in every table that can hold one.
struct Person {
    id: String,
    email: String,
    /// Distinctive personal values: none may survive erasure anywhere.
    values: Vec<&'static str>,
}

fn phone(first: &str) -> &'static str {
    if first == "Zebulon" {
        "+1 555 0199 777"
    } else {
        "+1 555 0142 333"
    }
}

fn contact_input(first: &str, last: &str, email: &str, street: &str, notes: &str) -> Value {
    json!({
        "firstName": first, "lastName": last, "email": email, "phone": phone(first),
        "street": street, "city": format!("{first}ville"), "postalCode": "ZQ1 7XY",
        "birthDate": "1980-02-03", "notes": notes,
    })
}

async fn gql_ok(app: &TestApp, token: &str, q: &str, vars: Value) -> Value {
    let body = app.gql(token, q, vars).await;
    assert!(body["errors"].is_null(), "{q}: {body}");
    body["data"].clone()
}

async fn insert_custom(app: &TestApp, entity: &str, id: &str, key: &str, value: &str) {
    custom_value::ActiveModel {
        entity: Set(entity.into()),
        entity_id: Set(id.parse().unwrap()),
        key: Set(key.into()),
        label: Set(key.into()),
        field_type: Set("TEXT".into()),
        position: Set(0),
        value: Set(value.into()),
        value_key: Set(value.to_lowercase()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

/// Seeds a person: contact, custom answers, a membership (with history, audit rows and a welcome
/// message), a completed gift, a login with a session, a password-reset message, a stored card.
async fn seed(
    app: &TestApp,
    admin: &str,
    type_id: &str,
    first: &'static str,
    last: &'static str,
) -> Person {
    let email = format!(
        "{}.{}@example.org",
        first.to_lowercase(),
        last.to_lowercase()
    );
    let street = if first == "Zebulon" {
        "17 Wombat Crescent"
    } else {
        "9 Otter Lane"
    };
    let notes = if first == "Zebulon" {
        "Allergic to quokka feathers"
    } else {
        "Likes marmots"
    };
    let q = "mutation($i: CreateContactInput!) { createContact(input: $i) { id } }";
    let d = gql_ok(
        app,
        admin,
        q,
        json!({ "i": contact_input(first, last, &email, street, notes) }),
    )
    .await;
    let id = d["createContact"]["id"].as_str().unwrap().to_string();
    let q = "mutation($i: CreateMembershipInput!) { createMembership(input: $i) { id } }";
    let source = format!("{first}'s neighbour referral");
    let d = gql_ok(
        app,
        admin,
        q,
        json!({ "i": { "contactId": id, "membershipTypeId": type_id, "source": source } }),
    )
    .await;
    let membership = d["createMembership"]["id"].as_str().unwrap().to_string();
    let q = "mutation($i: RecordContributionInput!) { recordContribution(input: $i) { id } }";
    let note = format!("{first} paid at the fair");
    gql_ok(app, admin, q, json!({ "i": { "contactId": id, "financialType": "DONATION", "amount": "25.00", "note": note, "source": format!("{last} fair") } })).await;
    let pet = if first == "Zebulon" {
        "Fluffernutter"
    } else {
        "Marzipan"
    };
    insert_custom(app, "contact", &id, "pet", pet).await;
    insert_custom(
        app,
        "membership",
        &membership,
        "chapter",
        &format!("{first} chapter"),
    )
    .await;
    let q = "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }";
    gql_ok(
        app,
        admin,
        q,
        json!({ "i": { "email": email, "password": PASSWORD, "role": "MEMBER", "contactId": id } }),
    )
    .await;
    app.login(&email, PASSWORD).await;
    // A failed sign-in stays recorded (a successful one clears the failures before it).
    let wrong = json!({ "e": email, "p": "not the password" });
    app.anon(
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
        wrong,
    )
    .await;
    app.anon(
        "mutation($e: String!) { requestPasswordReset(email: $e) }",
        json!({ "e": email }),
    )
    .await;
    wait_for_message(app, "password-reset", &email).await;
    payment_method::ActiveModel {
        contact_id: Set(id.parse().unwrap()),
        provider: Set("stripe".into()),
        customer_id: Set(format!("cus_{}", first.to_lowercase())),
        payment_method_id: Set(format!("pm_{}", first.to_lowercase())),
        updated_at: Set(Utc::now()),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    Person {
        id,
        email,
        values: vec![first, last, &phone(first)[3..11], street, notes, pet],
    }
}

/// Waits for a message the server queues in the background (a password reset is queued after
/// the answer, so that known and unknown addresses take the same time).
async fn wait_for_message(app: &TestApp, template: &str, recipient: &str) {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use tessera::db::entities::outbound_message as outbound;
    for _ in 0..250 {
        let queued = outbound::Entity::find()
            .filter(outbound::Column::TemplateKey.eq(template))
            .filter(outbound::Column::Recipient.eq(recipient))
            .count(&app.state.db)
            .await
            .unwrap();
        if queued > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no {template} message for {recipient}");
}

/// Every (table, column) of the database.
async fn columns(app: &TestApp) -> Vec<(String, String)> {
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        }
        _ => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
              WHERE table_schema = current_schema()"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get::<String>("", "t").unwrap(),
                r.try_get::<String>("", "c").unwrap(),
            )
        })
        .collect()
}

/// Where any of `needles` (case-insensitively) appears in any column of any table.
async fn occurrences(app: &TestApp, needles: &[&str]) -> Vec<String> {
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let mut found = Vec::new();
    for (table, column) in columns(app).await {
        let text = format!("LOWER(CAST(\"{column}\" AS TEXT))");
        let any: Vec<String> = needles
            .iter()
            .map(|n| format!("{text} LIKE '%{}%'", n.to_lowercase().replace('\'', "''")))
            .collect();
        let sql = format!(
            "SELECT CAST(\"{column}\" AS TEXT) AS v FROM \"{table}\" WHERE {} LIMIT 3",
            any.join(" OR ")
        );
        for row in db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
        {
            let v: Option<String> = row.try_get("", "v").unwrap_or(None);
            found.push(format!("{table}.{column} = {v:?}"));
        }
    }
    found
}

#[tokio::test]
async fn every_column_that_reaches_a_person_is_covered_by_export_and_erasure() {
    let app = TestApp::spawn().await;
    let cols = columns(&app).await;
    assert!(cols.len() > 100, "{cols:?}");
    let listed =
        |list: &[(&str, &str)], t: &str, c: &str| list.iter().any(|(lt, lc)| *lt == t && *lc == c);
    let mut missing = Vec::new();
    for (t, c) in &cols {
        let (t, c) = (t.as_str(), c.as_str());
        let covered = if listed(privacy::DERIVED_REFERENCES, t, c) {
            true
        } else if c == "contact_id" || c.ends_with("_contact_id") {
            listed(privacy::CONTACT_REFERENCES, t, c)
        } else if [
            "user_id",
            "membership_id",
            "contribution_id",
            "recurring_gift_id",
        ]
        .contains(&c)
        {
            listed(privacy::RECORD_REFERENCES, t, c)
        } else if c == "entity_id" {
            privacy::OWNER_REFERENCES
                .iter()
                .any(|(ot, _, oc)| *ot == t && *oc == c)
        } else if c == "email"
            || (c.ends_with("_email") && !c.starts_with("do_not_"))
            || c == "recipient"
        {
            listed(privacy::EMAIL_REFERENCES, t, c)
        } else {
            true
        };
        if !covered {
            missing.push(format!("{t}.{c}"));
        }
    }
    assert!(
        missing.is_empty(),
        "columns that reach a person but are not handled by services::privacy (export and erase them, then list them): {missing:?}"
    );
    let lists = privacy::CONTACT_REFERENCES
        .iter()
        .chain(privacy::RECORD_REFERENCES)
        .chain(privacy::EMAIL_REFERENCES)
        .chain(privacy::DERIVED_REFERENCES);
    for (t, c) in lists {
        assert!(
            cols.iter().any(|(ct, cc)| ct == t && cc == c),
            "{t}.{c} is listed but not in the schema"
        );
    }
}

#[tokio::test]
async fn the_export_holds_each_record_of_the_person_and_none_of_anyone_else() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let type_id = yearly_type(&app, &admin).await;
    let zeb = seed(&app, &admin, &type_id, "Zebulon", "Quixotica").await;
    let other = seed(&app, &admin, &type_id, "Yolanda", "Vexington").await;
    let q = "mutation($i: RecordContributionInput!) { recordContribution(input: $i) { id } }";
    gql_ok(&app, &admin, q, json!({ "i": { "contactId": other.id, "financialType": "DONATION", "amount": "80", "softCredits": [{ "contactId": zeb.id, "kind": "HOUSEHOLD" }], "tribute": { "kind": "IN_HONOR_OF", "name": "Zeb Q", "contactId": zeb.id } } })).await;
    let q = "mutation($i: CreateRecurringGiftInput!) { createRecurringGift(input: $i) { id } }";
    gql_ok(
        &app,
        &admin,
        q,
        json!({ "i": { "contactId": zeb.id, "amount": "15", "frequency": "MONTHLY" } }),
    )
    .await;
    let q = "query($id: ID!) { exportPersonalData(contactId: $id) }";
    let doc = gql_ok(&app, &admin, q, json!({ "id": zeb.id })).await["exportPersonalData"].clone();
    assert_eq!(doc["contact"]["firstName"], "Zebulon", "{doc}");
    assert_eq!(doc["contact"]["notes"], "Allergic to quokka feathers");
    assert_eq!(doc["preferences"]["doNotEmail"], false);
    assert_eq!(doc["customFields"][0]["value"], "Fluffernutter");
    let m = &doc["memberships"][0];
    assert_eq!(m["customFields"][0]["value"], "Zebulon chapter", "{m}");
    assert!(
        m["history"].as_array().is_some_and(|h| !h.is_empty()),
        "{m}"
    );
    assert_eq!(
        doc["contributions"].as_array().map(Vec::len),
        Some(1),
        "{doc}"
    );
    assert_eq!(doc["contributions"][0]["note"], "Zebulon paid at the fair");
    assert_eq!(doc["softCredits"][0]["kind"], "HOUSEHOLD");
    assert_eq!(doc["namedInGifts"][0]["honoured"], true);
    assert_eq!(doc["recurringGifts"][0]["status"], "ACTIVE");
    assert_eq!(doc["paymentMethods"][0]["provider"], "stripe");
    let messages = doc["messages"].as_array().unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m["template"] == "welcome" && m["body"].is_string()),
        "{messages:?}"
    );
    let reset = messages
        .iter()
        .find(|m| m["template"] == "password-reset")
        .expect("reset message");
    assert!(
        reset["body"].is_null() && reset["bodyWithheld"] == true,
        "{reset}"
    );
    assert_eq!(doc["logins"][0]["email"], zeb.email.as_str());
    assert!(!doc["logins"][0]["sessions"].as_array().unwrap().is_empty());
    assert!(!doc["loginAttempts"].as_array().unwrap().is_empty());
    let audit = doc["auditLog"].as_array().unwrap();
    assert!(
        audit.iter().any(|a| a["entity"] == "membership")
            && audit.iter().any(|a| a["entity"] == "user"),
        "{audit:?}"
    );
    assert!(doc["notes"][0].as_str().unwrap().contains("registrations"));
    let text = doc.to_string().to_lowercase();
    for v in
        other
            .values
            .iter()
            .chain(&["cus_", "pm_", "$argon2", "token_sha256", "hidden-one-time"])
    {
        assert!(
            !text.contains(&v.to_lowercase()),
            "the export holds {v}: {doc}"
        );
    }
    for secret in app.mailed_tokens("password-reset").await {
        assert!(
            !text.contains(&secret.to_lowercase()),
            "a reset token leaked"
        );
    }
}

#[tokio::test]
async fn members_export_only_themselves_and_the_download_has_the_same_rules() {
    let app = TestApp::spawn().await;
    let (member, own) = app.token_for("MEMBER").await;
    let own = own.unwrap();
    let (staff, _) = app.token_for("STAFF").await;
    let admin = app.admin_token().await;
    let other = crate::fixtures::new_contact(&app, &admin, "Other").await;
    let q = "query($id: ID!) { exportPersonalData(contactId: $id) }";
    let remark =
        "mutation($id: ID!) { updateContact(id: $id, input: { notes: \"staff remark\" }) { id } }";
    gql_ok(&app, &admin, remark, json!({ "id": own })).await;
    let body = app.gql(&member, q, json!({ "id": own })).await;
    let doc = &body["data"]["exportPersonalData"];
    assert_eq!(doc["contactId"], own.as_str(), "{body}");
    // Staff-only fields stay staff-only: the member's own export leaves them out and says so.
    assert!(doc["contact"]["notes"].is_null(), "{doc}");
    assert!(doc["notes"].to_string().contains("Staff notes"), "{doc}");
    let by_staff = gql_ok(&app, &admin, q, json!({ "id": own })).await;
    assert_eq!(
        by_staff["exportPersonalData"]["contact"]["notes"],
        "staff remark"
    );
    assert_eq!(
        code(&app.gql(&member, q, json!({ "id": other })).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&app.gql(&member, q, json!({ "id": "999999" })).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&app.anon(q, json!({ "id": own })).await),
        "UNAUTHENTICATED"
    );
    let body = app.gql(&staff, q, json!({ "id": other })).await;
    assert_eq!(
        body["data"]["exportPersonalData"]["contact"]["lastName"], "Other",
        "{body}"
    );
    assert_eq!(
        code(&app.gql(&staff, q, json!({ "id": "999999" })).await),
        "NOT_FOUND"
    );

    let url = |id: &str| format!("{}/export/personal-data/{id}.json", app.base);
    let get = |id: String, token: Option<String>| {
        let mut req = app.client.get(url(&id));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    assert_eq!(get(own.clone(), None).await.unwrap().status(), 401);
    assert_eq!(
        get(own.clone(), Some("nonsense".into()))
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        get(other.clone(), Some(member.clone()))
            .await
            .unwrap()
            .status(),
        403
    );
    let resp = get(own.clone(), Some(member.clone())).await.unwrap();
    assert_eq!(resp.status(), 200);
    let kind = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("application/json"), "{kind}");
    let doc: Value = resp.json().await.unwrap();
    assert_eq!(doc["contact"]["firstName"], "Mem", "{doc}");
    assert_eq!(get(other, Some(admin)).await.unwrap().status(), 200);
}

const SUMMARY: &str = "query($d: Date!, $f: Date!) { membershipSummary(asOf: $d) { currentMembers rows { membershipType { id } status { id } count } } contributionSummary(from: $f, to: $d, groupBy: FINANCIAL_TYPE) { rows { key count total currency } } }";
const ERASE: &str =
    "mutation($id: ID!, $i: EraseContactInput!) { eraseContact(contactId: $id, input: $i) }";

#[tokio::test]
async fn erasure_leaves_no_personal_value_anywhere_and_the_books_unchanged() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let type_id = yearly_type(&app, &admin).await;
    let zeb = seed(&app, &admin, &type_id, "Zebulon", "Quixotica").await;
    let other = seed(&app, &admin, &type_id, "Yolanda", "Vexington").await;
    let q = "mutation($i: RecordContributionInput!) { recordContribution(input: $i) { id } }";
    gql_ok(&app, &admin, q, json!({ "i": { "contactId": other.id, "financialType": "DONATION", "amount": "80", "softCredits": [{ "contactId": zeb.id, "kind": "HOUSEHOLD" }], "tribute": { "kind": "IN_MEMORY_OF", "name": "Zebulon Quixotica", "contactId": zeb.id } } })).await;
    let zeb_session = app.login(&zeb.email, PASSWORD).await;
    assert!(
        !occurrences(&app, &zeb.values).await.is_empty(),
        "the scan finds the seeded values"
    );
    let today = app.clock().today().to_string();
    let vars = json!({ "d": today, "f": "2000-01-01" });
    let before = gql_ok(&app, &admin, SUMMARY, vars.clone()).await;

    let body = app
        .gql(
            &admin,
            ERASE,
            json!({ "id": zeb.id, "i": { "reason": "erasure request #12" } }),
        )
        .await;
    assert_eq!(body["data"]["eraseContact"], zeb.id.as_str(), "{body}");

    let left = occurrences(&app, &zeb.values).await;
    assert!(
        left.is_empty(),
        "personal values survived erasure: {left:#?}"
    );
    assert!(
        !occurrences(&app, &other.values).await.is_empty(),
        "another person's data stays"
    );
    assert_eq!(
        gql_ok(&app, &admin, SUMMARY, vars).await,
        before,
        "reports change with erasure"
    );
    let q = "query($id: ID!) { contact(id: $id) { displayName firstName email erasedAt memberships { id } contributions(first: 5) { id } } }";
    let c = gql_ok(&app, &admin, q, json!({ "id": zeb.id })).await["contact"].clone();
    assert_eq!(
        c["displayName"],
        format!("Erased contact #{}", zeb.id),
        "{c}"
    );
    assert!(
        c["firstName"].is_null() && c["email"].is_null() && c["erasedAt"].is_string(),
        "{c}"
    );
    assert_eq!(c["memberships"].as_array().map(Vec::len), Some(1), "{c}");
    let body = app
        .gql(&zeb_session, "{ viewer { user { id } } }", json!({}))
        .await;
    assert!(
        body["data"]["viewer"]["user"].is_null(),
        "the session still works: {body}"
    );
    let body = app
        .anon(
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            json!({ "e": zeb.email, "p": PASSWORD }),
        )
        .await;
    assert!(body["data"]["login"].is_null(), "{body}");

    let update =
        "mutation($id: ID!) { updateContact(id: $id, input: { firstName: \"Back\" }) { id } }";
    assert_eq!(
        code(&app.gql(&admin, update, json!({ "id": zeb.id })).await),
        "CONFLICT"
    );
    let delete = "mutation($id: ID!) { deleteContact(id: $id) }";
    assert_eq!(
        code(&app.gql(&admin, delete, json!({ "id": zeb.id })).await),
        "CONFLICT"
    );
    let restore = "mutation($id: ID!) { restoreContact(id: $id) { id } }";
    assert_eq!(
        code(&app.gql(&admin, restore, json!({ "id": zeb.id })).await),
        "CONFLICT"
    );
    let login = "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }";
    let input = json!({ "email": "new.login@example.org", "password": PASSWORD, "role": "MEMBER", "contactId": zeb.id });
    assert_eq!(
        code(&app.gql(&admin, login, json!({ "i": input })).await),
        "CONFLICT"
    );
    let again = app
        .gql(
            &admin,
            ERASE,
            json!({ "id": zeb.id, "i": { "reason": "twice" } }),
        )
        .await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    let q = "query($id: ID!) { auditLog(first: 10, filter: { entity: \"contact\", entityId: $id }) { nodes { action after } } }";
    let log = gql_ok(&app, &admin, q, json!({ "id": zeb.id })).await;
    let erased: Vec<&Value> = log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["action"] == "contact.erased")
        .collect();
    assert_eq!(erased.len(), 1, "{log}");
    assert_eq!(erased[0]["after"]["reason"], "erasure request #12");
}

#[tokio::test]
async fn open_obligations_refuse_erasure_unless_forced_and_only_admins_erase() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (staff, _) = app.token_for("STAFF").await;
    let id = crate::fixtures::new_contact(&app, &admin, "Owing").await;
    let q = "mutation($i: RecordContributionInput!) { recordContribution(input: $i) { id } }";
    let d = gql_ok(&app, &admin, q, json!({ "i": { "contactId": id, "financialType": "DONATION", "amount": "10", "status": "PENDING" } })).await;
    let pending = d["recordContribution"]["id"].as_str().unwrap().to_string();
    let q = "mutation($i: CreateRecurringGiftInput!) { createRecurringGift(input: $i) { id } }";
    gql_ok(
        &app,
        &admin,
        q,
        json!({ "i": { "contactId": id, "amount": "15", "frequency": "MONTHLY" } }),
    )
    .await;

    let vars = |force: bool| json!({ "id": id, "i": { "reason": "request", "force": force } });
    assert_eq!(code(&app.gql(&staff, ERASE, vars(true)).await), "FORBIDDEN");
    assert_eq!(code(&app.anon(ERASE, vars(true)).await), "UNAUTHENTICATED");
    let body = app.gql(&admin, ERASE, vars(false)).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("1 pending contribution")
            && message.contains("recurring gift")
            && message.contains("force"),
        "{message}"
    );
    let q = "query($id: ID!) { contact(id: $id) { lastName erasedAt } }";
    assert_eq!(
        gql_ok(&app, &admin, q, json!({ "id": id })).await["contact"]["lastName"],
        "Owing",
        "refused means unchanged"
    );
    let empty = app
        .gql(&admin, ERASE, json!({ "id": id, "i": { "reason": "  " } }))
        .await;
    assert_eq!(code(&empty), "BAD_USER_INPUT");

    let body = app.gql(&admin, ERASE, vars(true)).await;
    assert_eq!(body["data"]["eraseContact"], id.as_str(), "{body}");
    let q = "query($id: ID!) { contribution(id: $id) { status } }";
    assert_eq!(
        gql_ok(&app, &admin, q, json!({ "id": pending })).await["contribution"]["status"],
        "CANCELLED"
    );
    let q = "query($id: ID!) { contact(id: $id) { erasedAt } }";
    assert!(gql_ok(&app, &admin, q, json!({ "id": id })).await["contact"]["erasedAt"].is_string());
}

#[tokio::test]
async fn purge_trash_erases_contacts_trashed_long_enough_exactly_once() {
    let app = TestApp::spawn_with(|s| s.privacy.erase_trashed_after_days = 30).await;
    let admin = app.admin_token().await;
    set_today(&app, "2026-01-10");
    let old = crate::fixtures::new_contact(&app, &admin, "Oldtrash").await;
    let owing = crate::fixtures::new_contact(&app, &admin, "Owingtrash").await;
    let q = "mutation($i: RecordContributionInput!) { recordContribution(input: $i) { id } }";
    gql_ok(&app, &admin, q, json!({ "i": { "contactId": owing, "financialType": "DONATION", "amount": "10", "status": "PENDING" } })).await;
    let del = "mutation($id: ID!) { deleteContact(id: $id) }";
    for id in [&old, &owing] {
        gql_ok(&app, &admin, del, json!({ "id": id })).await;
    }
    set_today(&app, "2026-01-25");
    let recent = crate::fixtures::new_contact(&app, &admin, "Newtrash").await;
    gql_ok(&app, &admin, del, json!({ "id": recent })).await;
    let live = crate::fixtures::new_contact(&app, &admin, "Livecontact").await;

    let run = |day: &str| {
        let as_of = crate::fixtures::d(day);
        let app = &app;
        async move {
            (job("purge-trash").run)(&app.state, as_of, 0)
                .await
                .unwrap()
        }
    };
    let early = run("2026-02-08").await;
    assert_eq!((early.processed, early.changed), (0, 0), "{early:?}");
    let first = run("2026-02-09").await;
    assert_eq!((first.processed, first.changed), (2, 1), "{first:?}");
    assert_eq!(first.details["skipped"], 1);
    assert_eq!(first.details["skippedContactIds"], json!([owing]));
    let second = run("2026-02-09").await;
    assert_eq!((second.processed, second.changed), (1, 0), "{second:?}");

    let q = "query($id: ID!) { contact(id: $id) { lastName erasedAt } }";
    let erased = |id: String| {
        let (app, admin) = (&app, &admin);
        async move {
            gql_ok(app, admin, q, json!({ "id": id })).await["contact"]["erasedAt"].is_string()
        }
    };
    assert!(erased(old.clone()).await);
    for id in [&owing, &recent, &live] {
        assert!(!erased(id.clone()).await, "{id} was erased");
    }
    let q =
        "query { auditLog(first: 50, filter: { entity: \"contact\" }) { nodes { action actor } } }";
    let log = gql_ok(&app, &admin, q, json!({})).await;
    let runs: Vec<&Value> = log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["action"] == "contact.erased")
        .collect();
    assert_eq!(runs.len(), 1, "{log}");
    assert_eq!(runs[0]["actor"], "job:purge-trash");
}

#[tokio::test]
async fn purge_trash_does_nothing_while_retention_is_off() {
    let app = TestApp::spawn().await;
    assert_eq!(app.state.settings.privacy.erase_trashed_after_days, 0);
    let admin = app.admin_token().await;
    let id = crate::fixtures::new_contact(&app, &admin, "Trashed").await;
    gql_ok(
        &app,
        &admin,
        "mutation($id: ID!) { deleteContact(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    let report = (job("purge-trash").run)(&app.state, crate::fixtures::d("2099-01-01"), 0)
        .await
        .unwrap();
    assert_eq!((report.processed, report.changed), (0, 0));
    assert_eq!(report.details["enabled"], false);
}

#[tokio::test]
async fn erasing_the_last_active_admin_is_refused() {
    let app = TestApp::spawn().await;
    let first = app.admin_token().await;
    let first_id =
        gql_ok(&app, &first, "{ viewer { user { id } } }", json!({})).await["viewer"]["user"]["id"]
            .clone();
    let id = crate::fixtures::new_contact(&app, &first, "Adminperson").await;
    let q = "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }";
    let input = json!({ "email": "second.admin@example.org", "password": PASSWORD, "role": "ADMIN", "contactId": id });
    gql_ok(&app, &first, q, json!({ "i": input })).await;
    let second = app.login("second.admin@example.org", PASSWORD).await;
    let q = "mutation($id: ID!) { updateUser(id: $id, input: { disabled: true }) { id } }";
    gql_ok(&app, &second, q, json!({ "id": first_id })).await;
    let vars = json!({ "id": id, "i": { "reason": "request" } });
    let body = app.gql(&second, ERASE, vars).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("last active ADMIN")
    );
}
