//! `tessera demo`: a realistic, reproducible data set — membership types of every kind, contacts, and
//! memberships spread over five years with renewals and lapses — computed with the same domain rules
//! as the server. The same seed and `as_of` give the same data. It scales to a million contacts by
//! writing multi-row INSERTs with explicit ids inside large transactions.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::{Alias, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, PaginatorTrait};

use crate::db::begin_write;
use crate::db::entities::contact;
use crate::domain::membership::{
    AutoRenew, DurationUnit, Period, PeriodRules, PeriodType, Visibility,
};
use crate::domain::status::MembershipDates;
use crate::error::{AppError, AppResult};
use crate::services::membership_types::{self, TypeFields};
use crate::services::memberships::computed_status;
use crate::services::statuses::{CANCELLED, DECEASED, Statuses};
use crate::state::AppState;

const FIRST: &[&str] = &[
    "Ada", "Amir", "Ana", "Ben", "Chen", "Chloe", "Daniel", "Elena", "Emma", "Fatima", "Femi",
    "Grace", "Hana", "Hugo", "Ines", "Isaac", "Jana", "Jonas", "Kai", "Lars", "Leila", "Lucas",
    "Maria", "Mei", "Mohammed", "Nia", "Noah", "Olga", "Omar", "Paula", "Priya", "Rafael", "Rosa",
    "Sam", "Sara", "Sofia", "Tariq", "Tom", "Uma", "Victor", "Wen", "Yara", "Yusuf", "Zoe",
];
const LAST: &[&str] = &[
    "Adeyemi", "Andersen", "Bauer", "Brown", "Chen", "Costa", "Dubois", "Evans", "Fischer",
    "Garcia", "Haddad", "Hansen", "Ito", "Jones", "Kim", "Kowalski", "Larsen", "Lopez", "Martin",
    "Meyer", "Moreau", "Müller", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Patel",
    "Rossi", "Santos", "Schmidt", "Silva", "Smith", "Suzuki", "Taylor", "Wang", "Williams",
    "Wilson", "Yilmaz", "Zhang",
];
const PLACES: &[(&str, &str, &str)] = &[
    ("Springfield", "US", "en"),
    ("Portland", "US", "en"),
    ("Leeds", "GB", "en"),
    ("Bristol", "GB", "en"),
    ("Lyon", "FR", "fr"),
    ("Montréal", "CA", "fr"),
    ("Hamburg", "DE", "de"),
    ("Wien", "AT", "de"),
    ("Valencia", "ES", "es"),
    ("Rotterdam", "NL", "nl"),
    ("Porto", "PT", "pt"),
    ("Bologna", "IT", "it"),
];
const ORGS: &[&str] = &[
    "Foundation",
    "Trust",
    "Cooperative",
    "Library",
    "School",
    "Garden Club",
    "Choir",
];

pub struct DemoOptions {
    pub contacts: u64,
    pub seed: u64,
    pub as_of: NaiveDate,
}

#[derive(Debug)]
pub struct DemoSummary {
    pub contacts: u64,
    pub memberships: u64,
    pub by_status: BTreeMap<String, u64>,
}

struct DemoType {
    id: i64,
    rules: PeriodRules,
    weight: u32,
}

/// Rows per INSERT and rows per transaction.
const ROWS_PER_INSERT: usize = 400;
const CONTACTS_PER_TXN: u64 = 20_000;

/// Loads the demo data into an empty database.
pub async fn load(state: &AppState, opts: &DemoOptions) -> AppResult<DemoSummary> {
    let existing = contact::Entity::find().count(&state.db).await?;
    if existing > 0 {
        return Err(AppError::conflict(
            None,
            format!("the demo needs an empty database; this one has {existing} contacts"),
        ));
    }
    let types = create_types(state).await?;
    let statuses = Statuses::load(&state.db).await?;
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut summary = DemoSummary {
        contacts: 0,
        memberships: 0,
        by_status: BTreeMap::new(),
    };
    let mut next_membership_id = 1i64;
    let mut first = 1u64;
    while first <= opts.contacts {
        let last = (first + CONTACTS_PER_TXN - 1).min(opts.contacts);
        let txn = begin_write(&state.db).await?;
        let mut batch = Batch::default();
        for id in first..=last {
            generate_contact(
                &mut rng,
                id as i64,
                opts.as_of,
                &types,
                &statuses,
                &mut next_membership_id,
                &mut batch,
            )?;
        }
        batch.write(&txn).await?;
        txn.commit().await?;
        summary.contacts += last - first + 1;
        summary.memberships += batch.memberships.len() as u64;
        for m in &batch.memberships {
            let name = statuses
                .get(m.status_id)
                .map_or("?", |s| s.name.as_str())
                .to_string();
            *summary.by_status.entry(name).or_default() += 1;
        }
        tracing::info!(
            contacts = summary.contacts,
            memberships = summary.memberships,
            "demo data written"
        );
        first = last + 1;
    }
    fix_sequences(state).await?;
    Ok(summary)
}

async fn create_types(state: &AppState) -> AppResult<Vec<DemoType>> {
    let base = |name: &str, fee: &str, unit: DurationUnit| TypeFields {
        name: name.into(),
        description: None,
        minimum_fee: fee.into(),
        currency: state.settings.organization.default_currency.code().into(),
        duration_unit: unit,
        duration_interval: 1,
        period_type: PeriodType::Rolling,
        fixed_period_start_day: None,
        fixed_period_rollover_day: None,
        auto_renew: AutoRenew::Optional,
        visibility: Visibility::Public,
        is_active: true,
        grants: vec!["members-area".into()],
        weight: 0,
        send_welcome: true,
        welcome_template_key: None,
    };
    let specs: Vec<(TypeFields, u32)> = vec![
        (
            TypeFields {
                description: Some("Yearly membership for one person.".into()),
                ..base("Individual", "50.00", DurationUnit::Year)
            },
            45,
        ),
        (
            TypeFields {
                description: Some("Reduced rate for students.".into()),
                ..base("Student", "20.00", DurationUnit::Year)
            },
            12,
        ),
        (
            TypeFields {
                duration_interval: 2,
                description: Some("Two years for a household.".into()),
                ..base("Family", "140.00", DurationUnit::Year)
            },
            10,
        ),
        (
            TypeFields {
                auto_renew: AutoRenew::Required,
                ..base("Monthly supporter", "5.00", DurationUnit::Month)
            },
            15,
        ),
        (
            TypeFields {
                period_type: PeriodType::Fixed,
                fixed_period_start_day: Some("01-01".into()),
                fixed_period_rollover_day: Some("10-01".into()),
                description: Some(
                    "Calendar-year membership; joining from October covers next year too.".into(),
                ),
                ..base("Calendar year", "40.00", DurationUnit::Year)
            },
            12,
        ),
        (
            TypeFields {
                grants: vec!["members-area".into(), "honours".into()],
                ..base("Lifetime", "1000.00", DurationUnit::Lifetime)
            },
            5,
        ),
        (
            TypeFields {
                visibility: Visibility::Admin,
                grants: vec!["members-area".into(), "board".into()],
                ..base("Board", "0", DurationUnit::Year)
            },
            1,
        ),
    ];
    let mut out = Vec::new();
    for (fields, weight) in specs {
        let created = membership_types::create(state, fields).await?;
        out.push(DemoType {
            id: created.id,
            rules: membership_types::period_rules(&created)?,
            weight,
        });
    }
    Ok(out)
}

#[derive(Default)]
struct Batch {
    contacts: Vec<Vec<SimpleExpr>>,
    memberships: Vec<DemoMembership>,
}

struct DemoMembership {
    id: i64,
    contact_id: i64,
    type_id: i64,
    status_id: i64,
    join: NaiveDate,
    period: Period,
    held: bool,
    renewed_on: Option<NaiveDate>,
    cancel_reason: Option<&'static str>,
}

fn pick_type<'a>(rng: &mut StdRng, types: &'a [DemoType]) -> &'a DemoType {
    let total: u32 = types.iter().map(|t| t.weight).sum();
    let mut roll = rng.random_range(0..total);
    for t in types {
        if roll < t.weight {
            return t;
        }
        roll -= t.weight;
    }
    &types[0]
}

#[allow(clippy::too_many_arguments)]
fn generate_contact(
    rng: &mut StdRng,
    id: i64,
    as_of: NaiveDate,
    types: &[DemoType],
    statuses: &Statuses,
    next_membership_id: &mut i64,
    batch: &mut Batch,
) -> AppResult<()> {
    let (city, country, lang) = PLACES[rng.random_range(0..PLACES.len())];
    let deceased = rng.random_bool(0.003);
    let organization = rng.random_bool(0.04);
    let (first, last) = (
        FIRST[rng.random_range(0..FIRST.len())],
        LAST[rng.random_range(0..LAST.len())],
    );
    let (kind, first_name, last_name, org_name, display, sort) = if organization {
        let name = format!("{city} {last} {}", ORGS[rng.random_range(0..ORGS.len())]);
        (
            "ORGANIZATION",
            None,
            None,
            Some(name.clone()),
            name.clone(),
            name.to_lowercase(),
        )
    } else {
        let display = format!("{first} {last}");
        (
            "INDIVIDUAL",
            Some(first.to_string()),
            Some(last.to_string()),
            None,
            display,
            format!("{last}, {first}").to_lowercase(),
        )
    };
    let email = format!(
        "{}.{}.{id}@example.org",
        first.to_lowercase(),
        last.to_lowercase()
    )
    .replace('ü', "ue");
    let birth = (!organization && rng.random_bool(0.6))
        .then(|| {
            NaiveDate::from_ymd_opt(
                rng.random_range(1940..2008),
                rng.random_range(1..=12),
                rng.random_range(1..=28),
            )
        })
        .flatten();
    let created = Utc.from_utc_datetime(
        &(as_of - Duration::days(rng.random_range(0..1826)))
            .and_hms_opt(12, 0, 0)
            .unwrap_or_default(),
    );
    batch.contacts.push(vec![
        id.into(),
        kind.into(),
        first_name.into(),
        last_name.into(),
        org_name.into(),
        display.into(),
        sort.into(),
        Some(email).into(),
        city.into(),
        country.into(),
        birth.into(),
        lang.into(),
        rng.random_bool(0.03).into(),
        deceased.into(),
        created.into(),
        created.into(),
    ]);
    let count = match rng.random_range(0..100) {
        0..=6 => 0,
        7..=91 => 1,
        _ => 2,
    };
    for _ in 0..count {
        let t = pick_type(rng, types);
        // Joined within the last five years; about 1% sign up for a date just ahead.
        let join = if rng.random_bool(0.01) {
            as_of + Duration::days(rng.random_range(1..30))
        } else {
            as_of - Duration::days(rng.random_range(0..1826))
        };
        let mut period = t
            .rules
            .initial_period(join, None, None, 1)
            .map_err(|e| AppError::internal(e.to_string()))?;
        let mut renewed_on = None;
        // Members renew on time with a fixed probability each period.
        while let Some(end) = period.end {
            if end >= as_of || !rng.random_bool(0.72) {
                break;
            }
            period = t
                .rules
                .renew(period, end, true, 1)
                .map_err(|e| AppError::internal(e.to_string()))?;
            renewed_on = Some(end);
        }
        let dates = MembershipDates {
            join,
            start: period.start,
            end: period.end,
        };
        let cancelled = !deceased && rng.random_bool(0.02);
        let status_id = if deceased {
            statuses.id_of(DECEASED)?
        } else if cancelled {
            statuses.id_of(CANCELLED)?
        } else {
            computed_status(statuses, &dates, as_of)?
        };
        batch.memberships.push(DemoMembership {
            id: *next_membership_id,
            contact_id: id,
            type_id: t.id,
            status_id,
            join,
            period,
            held: deceased || cancelled,
            renewed_on,
            cancel_reason: cancelled.then_some("moved away"),
        });
        *next_membership_id += 1;
    }
    Ok(())
}

impl Batch {
    async fn write(&self, txn: &DatabaseTransaction) -> AppResult<()> {
        let contact_cols = [
            "id",
            "kind",
            "first_name",
            "last_name",
            "organization_name",
            "display_name",
            "sort_name",
            "email",
            "city",
            "country",
            "birth_date",
            "preferred_language",
            "do_not_email",
            "is_deceased",
            "created_at",
            "updated_at",
        ];
        insert_rows(txn, "contacts", &contact_cols, &self.contacts).await?;
        let now = Utc::now();
        let mut memberships = Vec::with_capacity(self.memberships.len());
        let mut history = Vec::with_capacity(self.memberships.len() * 2);
        for m in &self.memberships {
            let created = Utc.from_utc_datetime(&m.join.and_hms_opt(9, 0, 0).unwrap_or_default());
            memberships.push(vec![
                m.id.into(),
                m.contact_id.into(),
                m.type_id.into(),
                m.status_id.into(),
                m.join.into(),
                m.period.start.into(),
                m.period.end.into(),
                m.held.into(),
                m.cancel_reason.into(),
                "demo".into(),
                created.into(),
                now.into(),
            ]);
            let row = |change: &str, at: NaiveDate| -> Vec<SimpleExpr> {
                let at = Utc.from_utc_datetime(&at.and_hms_opt(9, 0, 0).unwrap_or_default());
                vec![
                    m.id.into(),
                    change.into(),
                    m.status_id.into(),
                    m.type_id.into(),
                    m.join.into(),
                    m.period.start.into(),
                    m.period.end.into(),
                    at.into(),
                    "demo".into(),
                ]
            };
            history.push(row("CREATED", m.join));
            if let Some(on) = m.renewed_on {
                history.push(row("RENEWED", on));
            }
        }
        let membership_cols = [
            "id",
            "contact_id",
            "membership_type_id",
            "status_id",
            "join_date",
            "start_date",
            "end_date",
            "is_override",
            "cancel_reason",
            "source",
            "created_at",
            "updated_at",
        ];
        insert_rows(txn, "memberships", &membership_cols, &memberships).await?;
        let history_cols = [
            "membership_id",
            "change",
            "status_id",
            "membership_type_id",
            "join_date",
            "start_date",
            "end_date",
            "changed_at",
            "changed_by",
        ];
        insert_rows(txn, "membership_history", &history_cols, &history).await?;
        Ok(())
    }
}

async fn insert_rows(
    txn: &DatabaseTransaction,
    table: &str,
    cols: &[&str],
    rows: &[Vec<SimpleExpr>],
) -> AppResult<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(table))
            .columns(cols.iter().map(|c| Alias::new(*c)));
        for row in chunk {
            insert.values(row.clone()).map_err(AppError::internal)?;
        }
        txn.execute(&insert).await?;
    }
    Ok(())
}

/// Explicit ids leave PostgreSQL's sequences behind; move them past the data.
async fn fix_sequences(state: &AppState) -> AppResult<()> {
    if state.db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for table in ["contacts", "memberships"] {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
        );
        state.db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// One line for the CLI.
pub fn describe(summary: &DemoSummary, as_of: NaiveDate) -> String {
    let statuses: Vec<String> = summary
        .by_status
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    format!(
        "loaded {} contacts and {} memberships as of {} — {}",
        summary.contacts,
        summary.memberships,
        as_of,
        statuses.join(", ")
    )
}
