//! Importing CSV files: CiviCRM's exports and a messy spreadsheet through a dry run and a real run,
//! an idempotent re-run, matching rules, the command line and the API job.

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use tessera::db::entities::{contact, contribution, membership, membership_history};
use tessera::services::Actor;
use tessera::services::import::{
    self, ImportKind, ImportOptions, ImportReport, Mapping, NoSink, OnMatch, RejectsCsv,
};

use crate::fixtures::{create_type, set_today};
use crate::helpers::{TestApp, code};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");
const CIVICRM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config/import/civicrm.toml");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

fn mapping(path: &str) -> Mapping {
    Mapping::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn import(
    app: &TestApp,
    kind: ImportKind,
    file: &str,
    map: &Mapping,
    dry_run: bool,
) -> ImportReport {
    let opts = ImportOptions {
        dry_run,
        file_name: Some(file.into()),
        ..Default::default()
    };
    let text = fixture(file);
    import::run(
        &app.state,
        &Actor::Cli,
        kind,
        text.as_bytes(),
        map,
        &opts,
        &mut NoSink,
    )
    .await
    .unwrap_or_else(|e| panic!("import {file}: {e:?}"))
}

/// Imports `text` with the default options but for `opts`.
async fn import_text(
    app: &TestApp,
    kind: ImportKind,
    text: &str,
    map: &Mapping,
    opts: &ImportOptions,
) -> tessera::error::AppResult<ImportReport> {
    import::run(
        &app.state,
        &Actor::Cli,
        kind,
        text.as_bytes(),
        map,
        opts,
        &mut NoSink,
    )
    .await
}

fn counts(r: &ImportReport) -> [u64; 6] {
    [
        r.rows,
        r.created,
        r.updated,
        r.unchanged,
        r.skipped,
        r.rejected,
    ]
}

async fn contact_by_email(app: &TestApp, email: &str) -> contact::Model {
    contact::Entity::find()
        .filter(contact::Column::Email.eq(email))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no contact {email}"))
}

async fn setup(app: &TestApp) {
    set_today(app, "2026-11-30");
    let admin = app.admin_token().await;
    for name in ["General", "Corporate"] {
        create_type(app, &admin, json!({ "name": name, "durationUnit": "YEAR", "minimumFee": "50.00", "currency": "USD" })).await;
    }
}

#[tokio::test]
async fn civicrm_exports_import_after_a_dry_run_and_a_rerun_changes_nothing() {
    let app = TestApp::spawn().await;
    setup(&app).await;
    let civi = mapping(CIVICRM);

    // Dry run: the full report, nothing written.
    let dry = import(
        &app,
        ImportKind::Contacts,
        "civicrm_contacts.csv",
        &civi,
        true,
    )
    .await;
    assert_eq!(counts(&dry), [6, 4, 0, 0, 0, 2], "{dry:?}");
    assert_eq!(app.count("contacts").await, 0);
    let reasons: Vec<(u64, Option<String>, Option<String>)> = dry
        .errors
        .iter()
        .map(|e| (e.row, e.column.clone(), e.value.clone()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (6, Some("Last Name".into()), None),
            (7, Some("Country".into()), Some("Atlantis".into())),
        ],
        "{:?}",
        dry.errors
    );
    assert!(dry.ignored_columns.contains(&"Group(s)".to_string()));

    let real = import(
        &app,
        ImportKind::Contacts,
        "civicrm_contacts.csv",
        &civi,
        false,
    )
    .await;
    assert_eq!(counts(&real), counts(&dry));
    assert_eq!(app.count("contacts").await, 4);
    let ada = contact_by_email(&app, "ada@example.org").await;
    assert_eq!(
        (
            ada.first_name.as_deref(),
            ada.country.as_deref(),
            ada.external_id.as_deref()
        ),
        (Some("Ada"), Some("GB"), Some("101"))
    );
    assert_eq!(ada.birth_date, Some(crate::fixtures::d("1985-12-10")));
    assert_eq!(ada.preferred_language.as_deref(), Some("en-US"));
    let rene = contact_by_email(&app, "rene@example.fr").await;
    assert!(rene.do_not_email && !rene.do_not_mail);
    assert_eq!(rene.last_name.as_deref(), Some("Lefèvre"));
    let org = contact_by_email(&app, "office@greenvalley.example").await;
    assert_eq!(
        (org.display_name.as_str(), org.region.as_deref()),
        ("Green Valley Trust", Some("Illinois"))
    );
    assert!(
        contact_by_email(&app, "grace@example.com")
            .await
            .is_deceased
    );

    // Memberships: the type must exist, the contact must have been imported.
    let dry = import(
        &app,
        ImportKind::Memberships,
        "civicrm_memberships.csv",
        &civi,
        true,
    )
    .await;
    assert_eq!(counts(&dry), [5, 3, 0, 0, 0, 2], "{dry:?}");
    assert_eq!(app.count("memberships").await, 0);
    let real = import(
        &app,
        ImportKind::Memberships,
        "civicrm_memberships.csv",
        &civi,
        false,
    )
    .await;
    assert_eq!(counts(&real), [5, 3, 0, 0, 0, 2]);
    let rejected: Vec<_> = real
        .errors
        .iter()
        .map(|e| (e.row, e.column.clone()))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (5, Some("Membership Type".into())),
            (6, Some("Contact ID".into()))
        ]
    );
    let ms = membership::Entity::find()
        .order_by_asc(membership::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    let statuses = tessera::services::statuses::Statuses::load(&app.state.db)
        .await
        .unwrap();
    let codes: Vec<(Option<&str>, Option<&str>)> = ms
        .iter()
        .map(|m| (m.external_id.as_deref(), statuses.code_of(m.status_id)))
        .collect();
    assert_eq!(
        codes,
        vec![
            (Some("501"), Some("CURRENT")),
            (Some("502"), Some("EXPIRED")),
            (Some("503"), Some("EXPIRED"))
        ]
    );
    assert_eq!(ms[0].join_date, crate::fixtures::d("2015-03-01"));
    assert_eq!(ms[0].end_date, Some(crate::fixtures::d("2027-02-28")));
    assert_eq!(ms[0].source.as_deref(), Some("Online signup"));
    assert_eq!(
        ms[2].source.as_deref(),
        Some("import: civicrm_memberships.csv")
    );
    let history = membership_history::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(history.len(), 3);
    assert!(
        history.iter().all(|h| h.change == "IMPORTED"
            && h.note.as_deref() == Some("import: civicrm_memberships.csv"))
    );
    assert_eq!(
        app.count("outbound_messages").await,
        0,
        "an import sends no welcome email"
    );

    let real = import(
        &app,
        ImportKind::Contributions,
        "civicrm_contributions.csv",
        &civi,
        false,
    )
    .await;
    assert_eq!(counts(&real), [5, 4, 0, 0, 0, 1], "{real:?}");
    assert_eq!(real.errors[0].column.as_deref(), Some("Total Amount"));
    let gifts = contribution::Entity::find()
        .order_by_asc(contribution::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    let amounts: Vec<(i64, &str, i64)> = gifts
        .iter()
        .map(|g| (g.amount_minor, g.currency.as_str(), g.refunded_minor))
        .collect();
    assert_eq!(
        amounts,
        vec![
            (25_000, "USD", 0),
            (5_000, "USD", 0),
            (100_000, "USD", 0),
            (2_000, "EUR", 2_000)
        ]
    );
    assert_eq!(
        gifts[0].payment_instrument.map(|p| p.as_str()),
        Some("CARD")
    );
    assert_eq!(
        gifts[1].payment_instrument.map(|p| p.as_str()),
        Some("BANK_TRANSFER")
    );
    assert_eq!(gifts[0].transaction_id.as_deref(), Some("ch_001"));

    // The same files again: nothing changes.
    let before = [
        app.count("contacts").await,
        app.count("memberships").await,
        app.count("membership_history").await,
        app.count("contributions").await,
    ];
    for (kind, file, want) in [
        (
            ImportKind::Contacts,
            "civicrm_contacts.csv",
            [6, 0, 0, 4, 0, 2],
        ),
        (
            ImportKind::Memberships,
            "civicrm_memberships.csv",
            [5, 0, 0, 3, 0, 2],
        ),
        (
            ImportKind::Contributions,
            "civicrm_contributions.csv",
            [5, 0, 0, 0, 4, 1],
        ),
    ] {
        let again = import(&app, kind, file, &civi, false).await;
        assert_eq!(counts(&again), want, "{file}: {again:?}");
    }
    let after = [
        app.count("contacts").await,
        app.count("memberships").await,
        app.count("membership_history").await,
        app.count("contributions").await,
    ];
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_messy_spreadsheet_reports_every_bad_row_and_imports_the_good_ones() {
    let app = TestApp::spawn().await;
    set_today(&app, "2026-11-30");
    let map = mapping(&format!("{FIXTURES}/messy.toml"));
    let text = fixture("messy_spreadsheet.csv");
    let mut rejects = RejectsCsv::new(Vec::new());
    let opts = ImportOptions::default();
    let report = import::run(
        &app.state,
        &Actor::Cli,
        ImportKind::Contacts,
        text.as_bytes(),
        &map,
        &opts,
        &mut rejects,
    )
    .await
    .unwrap();
    assert_eq!(counts(&report), [8, 3, 0, 0, 0, 5], "{report:?}");
    let errors: Vec<(u64, Option<&str>)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_deref()))
        .collect();
    assert_eq!(
        errors,
        vec![
            (5, Some("E-Mail")),
            (6, Some("Nachname")),
            (7, Some("E-Mail")),
            (8, Some("Geburtstag")),
            (9, Some("Newsletter abbestellt")),
        ]
    );
    assert!(
        report.errors[0].reason.contains("duplicate of row 2"),
        "{:?}",
        report.errors[0]
    );
    let csv = String::from_utf8(rejects.into_inner().unwrap()).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "Vorname,Nachname,E-Mail,Geburtstag,Telefon,Newsletter abbestellt,Bemerkung,row,reason"
        )
    );
    assert_eq!(csv.lines().count(), 6);
    assert!(csv.contains("Tom,Becker,tom@example.de,,,vielleicht,,9,\"Newsletter abbestellt: `vielleicht` is not yes/no"), "{csv}");

    let mia = contact_by_email(&app, "mia@example.de").await;
    assert_eq!(mia.last_name.as_deref(), Some("Müller"));
    assert_eq!(mia.birth_date, Some(crate::fixtures::d("1990-03-05")));
    assert_eq!(
        mia.notes.as_deref().map(|n| n.replace("\r\n", "\n")),
        Some("Zwei\nZeilen".into())
    );
    assert!(!mia.do_not_email);
    let jonas = contact_by_email(&app, "jonas@example.de").await;
    assert!(jonas.do_not_email);
    assert_eq!(jonas.birth_date, Some(crate::fixtures::d("1985-11-23")));
    let lena = contact_by_email(&app, "lena@example.de").await;
    assert_eq!(lena.birth_date, Some(crate::fixtures::d("1988-12-31")));
}

#[tokio::test]
async fn matches_are_updated_with_non_empty_cells_or_skipped() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let body = app
        .gql(&admin, "mutation { createContact(input: { firstName: \"A.\", lastName: \"Lovelace\", email: \"ADA@example.org\", city: \"Marylebone\" }) { id } }", json!({}))
        .await;
    let id: i64 = body["data"]["createContact"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let file = "Email,First Name,City,Phone\nada@example.org,Ada,,+44 20 7946 0000\n";
    let run = |on_match| {
        let opts = ImportOptions {
            on_match: Some(on_match),
            ..Default::default()
        };
        let state = app.state.clone();
        async move {
            import::run(
                &state,
                &Actor::Cli,
                ImportKind::Contacts,
                file.as_bytes(),
                &Mapping::default(),
                &opts,
                &mut NoSink,
            )
            .await
            .unwrap()
        }
    };
    let skipped = run(OnMatch::Skip).await;
    assert_eq!(counts(&skipped), [1, 0, 0, 0, 1, 0]);
    assert_eq!(skipped.outcomes[0].detail, format!("matches contact {id}"));
    assert_eq!(
        contact_by_email(&app, "ada@example.org")
            .await
            .first_name
            .as_deref(),
        Some("A.")
    );
    let updated = run(OnMatch::Update).await;
    assert_eq!(counts(&updated), [1, 0, 1, 0, 0, 0]);
    let ada = contact_by_email(&app, "ada@example.org").await;
    assert_eq!(ada.id, id);
    assert_eq!(
        (
            ada.first_name.as_deref(),
            ada.city.as_deref(),
            ada.phone.is_some()
        ),
        (Some("Ada"), Some("Marylebone"), true),
        "an empty cell keeps the stored value"
    );
    assert_eq!(ada.display_name, "Ada Lovelace");
    assert_eq!(counts(&run(OnMatch::Update).await), [1, 0, 0, 1, 0, 0]);

    // An external id that matches one contact while the email belongs to another is refused.
    let first = "Member no,First name,Last name,Email\nM1,Ann,Other,ann@example.org\n";
    let moved = "Member no,First name,Last name,Email\nM1,Ann,Other,ada@example.org\n";
    let opts = ImportOptions::default();
    let r = import_text(
        &app,
        ImportKind::Contacts,
        first,
        &Mapping::default(),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(counts(&r), [1, 1, 0, 0, 0, 0]);
    let r = import_text(
        &app,
        ImportKind::Contacts,
        moved,
        &Mapping::default(),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(counts(&r), [1, 0, 0, 0, 0, 1], "{r:?}");
    assert_eq!(r.errors[0].column.as_deref(), Some("Email"));
    assert!(
        r.errors[0]
            .reason
            .contains(&format!("belongs to contact {id}")),
        "{:?}",
        r.errors
    );

    // A contact whose personal data was erased is not brought back by importing the old file.
    let ann = contact_by_email(&app, "ann@example.org").await;
    let body = app
        .gql(
            &admin,
            "mutation($id: ID!) { eraseContact(contactId: $id, input: { reason: \"asked\" }) }",
            json!({ "id": ann.id.to_string() }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let r = import_text(
        &app,
        ImportKind::Contacts,
        first,
        &Mapping::default(),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(counts(&r), [1, 0, 0, 0, 0, 1], "{r:?}");
    assert!(r.errors[0].reason.contains("erased"), "{:?}", r.errors);

    // A file whose mapping names a missing column, or that lacks every usable column, is refused.
    let bad = Mapping::parse("[columns]\nfirst_name = \"Vorname\"").unwrap();
    let e = import_text(
        &app,
        ImportKind::Contacts,
        file,
        &bad,
        &ImportOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("Vorname"), "{e}");
    let e = import_text(
        &app,
        ImportKind::Contacts,
        "Colour\nred\n",
        &Mapping::default(),
        &ImportOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("needs a column"), "{e}");
    assert!(Mapping::parse("date_order = \"sometimes\"").is_err());
    assert!(
        Mapping::parse("colums = {}").is_err(),
        "a misspelt key is an error"
    );
}

#[tokio::test]
async fn the_command_line_imports_a_file_and_writes_the_rejected_rows_beside_it() {
    let dir = std::env::temp_dir().join(format!("tessera-import-{:08x}", rand::random::<u32>()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("contacts.csv");
    std::fs::copy(format!("{FIXTURES}/civicrm_contacts.csv"), &file).unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
    let run = |dry: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"));
        cmd.current_dir(&dir)
            .env("TESSERA_DATABASE__URL", &db)
            .args(["import", "contacts"])
            .arg(&file)
            .args(["--mapping", CIVICRM]);
        if dry {
            cmd.arg("--dry-run");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let dry = run(true);
    assert_eq!(
        (
            dry["dryRun"].as_bool(),
            dry["created"].as_u64(),
            dry["rejected"].as_u64()
        ),
        (Some(true), Some(4), Some(2)),
        "{dry}"
    );
    let real = run(false);
    assert_eq!(
        (real["created"].as_u64(), real["rejected"].as_u64()),
        (Some(4), Some(2)),
        "{real}"
    );
    let rejects = std::fs::read_to_string(real["rejectedFile"].as_str().unwrap()).unwrap();
    assert_eq!(rejects.lines().count(), 3, "{rejects}");
    assert!(rejects.lines().next().unwrap().ends_with(",row,reason"));
    assert_eq!(run(false)["unchanged"].as_u64(), Some(4));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn staff_import_through_the_api_as_a_job() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (staff, _) = app.token_for("STAFF").await;
    let (member, _) = app.token_for("MEMBER").await;
    let start = "mutation($i: ImportCsvInput!) { importCsv(input: $i) { id status } }";
    let csv = fixture("civicrm_contacts.csv");
    let input = json!({ "i": { "kind": "CONTACTS", "csv": csv, "mapping": std::fs::read_to_string(CIVICRM).unwrap(), "fileName": "civi.csv" } });
    assert_eq!(
        code(&app.gql(&member, start, input.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&app.anon(start, input.clone()).await),
        "UNAUTHENTICATED"
    );
    let bad = json!({ "i": { "kind": "MEMBERSHIPS", "csv": "Colour\nred\n" } });
    let body = app.gql(&staff, start, bad).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");

    let contacts_before = app.count("contacts").await;
    let body = app.gql(&staff, start, input).await;
    let id = body["data"]["importCsv"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    let read = "query($id: ID!) { importJob(id: $id) { status rows created rejected errors { row column value reason } outcomes { row action detail } rejectedCsv startedBy } }";
    let mut job = json!(null);
    for _ in 0..100 {
        job = app.gql(&admin, read, json!({ "id": id })).await["data"]["importJob"].clone();
        if job["status"] != "RUNNING" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(
        (
            job["rows"].as_i64(),
            job["created"].as_i64(),
            job["rejected"].as_i64()
        ),
        (Some(6), Some(4), Some(2))
    );
    assert_eq!(job["errors"][1]["value"], "Atlantis");
    let actions: Vec<&str> = job["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "CREATED", "CREATED", "CREATED", "CREATED", "REJECTED", "REJECTED"
        ]
    );
    assert_eq!(job["outcomes"][0]["detail"], "new contact Ada Lovelace");
    assert!(job["rejectedCsv"].as_str().unwrap().contains("Atlantis"));
    assert!(job["startedBy"].as_str().unwrap().starts_with("user:"));
    assert_eq!(app.count("contacts").await, contacts_before + 4);
    assert_eq!(
        code(&app.gql(&member, read, json!({ "id": id })).await),
        "FORBIDDEN"
    );

    assert_eq!(
        code(&app.gql(&staff, read, json!({ "id": "999999" })).await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(&app.gql(&staff, read, json!({ "id": "abc" })).await),
        "BAD_USER_INPUT"
    );

    // One import at a time; a job a stopped server left RUNNING stops counting after an hour.
    use sea_orm::{ActiveModelTrait, Set};
    let stuck = tessera::db::entities::import_job::ActiveModel {
        kind: Set("contacts".into()),
        dry_run: Set(false),
        status: Set("RUNNING".into()),
        rows: Set(0),
        created: Set(0),
        updated: Set(0),
        unchanged: Set(0),
        skipped: Set(0),
        rejected: Set(0),
        started_by: Set("cli".into()),
        started_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let small =
        json!({ "i": { "kind": "CONTACTS", "csv": "Email\nx@example.org\n", "dryRun": true } });
    assert_eq!(
        code(&app.gql(&staff, start, small.clone()).await),
        "CONFLICT"
    );
    let mut old: tessera::db::entities::import_job::ActiveModel = stuck.into();
    old.started_at = Set(chrono::Utc::now() - chrono::Duration::hours(2));
    old.update(&app.state.db).await.unwrap();
    let body = app.gql(&staff, start, small).await;
    assert!(body["errors"].is_null(), "{body}");

    // Erasing anyone drops the finished imports' rejected rows, which may quote that person.
    let someone = crate::fixtures::new_contact(&app, &admin, "Someone").await;
    let body = app
        .gql(
            &admin,
            "mutation($id: ID!) { eraseContact(contactId: $id, input: { reason: \"asked\" }) }",
            json!({ "id": someone }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let job = app.gql(&admin, read, json!({ "id": id })).await["data"]["importJob"].clone();
    assert_eq!(
        (
            job["rejectedCsv"].clone(),
            job["errors"].clone(),
            job["outcomes"].clone(),
            job["rejected"].as_i64()
        ),
        (json!(null), json!([]), json!([]), Some(2)),
        "{job}"
    );
}

#[tokio::test]
async fn two_imports_of_one_giving_file_at_once_book_each_gift_once() {
    let app = TestApp::spawn().await;
    let opts = ImportOptions::default();
    let people = "Email,First name\nada@example.org,Ada\n";
    import_text(
        &app,
        ImportKind::Contacts,
        people,
        &Mapping::default(),
        &opts,
    )
    .await
    .unwrap();
    // No contribution or transaction ids: only the match on contact, type, date and amount
    // keeps a gift from being booked twice.
    let mut gifts = String::from("Email,Financial Type,Amount,Date Received\n");
    for i in 1..=300 {
        gifts.push_str(&format!("ada@example.org,Donation,{i}.00,2026-01-15\n"));
    }
    let map = Mapping::default();
    let (a, b) = tokio::join!(
        import_text(&app, ImportKind::Contributions, &gifts, &map, &opts),
        import_text(&app, ImportKind::Contributions, &gifts, &map, &opts),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.created + b.created,
        300,
        "{:?} {:?}",
        counts(&a),
        counts(&b)
    );
    assert_eq!(a.skipped + b.skipped, 300);
    assert_eq!(app.count("contributions").await, 300);
}
