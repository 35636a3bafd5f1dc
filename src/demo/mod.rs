//! `tessera demo`: a realistic, reproducible data set — membership types of every kind, contacts,
//! memberships spread over five years with renewals and lapses, and their giving (dues, donations,
//! recurring gifts, campaigns, refunds) — computed with the same domain rules
//! as the server. The same seed and `as_of` give the same data. It scales to a million contacts by
//! writing multi-row INSERTs with explicit ids inside large transactions.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sea_orm::sea_query::{Alias, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, PaginatorTrait};

use crate::db::begin_write;
use crate::db::entities::contact;
use crate::domain::membership::{AutoRenew, DurationUnit, PeriodType, Visibility};
use crate::error::{AppError, AppResult};
use crate::services::membership_types::{self, TypeFields};
use crate::services::statuses::Statuses;
use crate::state::AppState;

mod generate;
mod giving;
mod households;

use generate::{Batch, DemoType, GivingState, generate_contact};
use giving::GivingIds;

pub struct DemoOptions {
    pub contacts: u64,
    pub seed: u64,
    pub as_of: NaiveDate,
}

#[derive(Debug)]
pub struct DemoSummary {
    pub contacts: u64,
    pub memberships: u64,
    pub contributions: u64,
    pub by_status: BTreeMap<String, u64>,
    /// Family and organisation relationships (each seats its contact in a bundle).
    pub relationships: u64,
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
    let mut giving = GivingState {
        // Its own stream: the contacts and memberships of a seed stay as they were.
        rng: StdRng::seed_from_u64(opts.seed ^ 0x5eed_91f7),
        refs: giving::giving_refs(state, opts.as_of).await?,
        ids: GivingIds {
            contribution: 1,
            recurring: 1,
        },
    };
    let mut summary = DemoSummary {
        contacts: 0,
        memberships: 0,
        contributions: 0,
        by_status: BTreeMap::new(),
        relationships: 0,
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
                &mut giving,
            )?;
        }
        batch.write(&txn).await?;
        txn.commit().await?;
        summary.contacts += last - first + 1;
        summary.memberships += batch.memberships.len() as u64;
        summary.contributions += batch.giving.contributions.len() as u64;
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
    summary.relationships = households::load(state, opts.seed, opts.as_of).await?;
    // The reports' status timelines and giving roll-ups, built now rather than by the first report.
    crate::services::reports::refresh_all(&state.db).await?;
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
        prices: Default::default(),
        inherit_via: Vec::new(),
        max_related: None,
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
            rules: membership_types::period_rules_of(&created)?,
            weight,
            fee_minor: created.minimum_fee_minor,
        });
    }
    Ok(out)
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
            "search_text",
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
            let at =
                |on: NaiveDate| Utc.from_utc_datetime(&on.and_hms_opt(9, 0, 0).unwrap_or_default());
            for (i, h) in m.history.iter().enumerate() {
                let from = (i > 0).then(|| at(h.on));
                let until = m.history.get(i + 1).map(|next| at(next.on));
                let at = at(h.on);
                history.push(vec![
                    m.id.into(),
                    h.change.into(),
                    h.status_id.into(),
                    m.type_id.into(),
                    m.join.into(),
                    h.period.start.into(),
                    h.period.end.into(),
                    at.into(),
                    "demo".into(),
                    from.into(),
                    until.into(),
                ]);
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
            "in_force_from",
            "in_force_until",
        ];
        insert_rows(txn, "membership_history", &history_cols, &history).await?;
        let g = &self.giving;
        insert_rows(
            txn,
            "recurring_gifts",
            &giving::RECURRING_COLS,
            &g.recurring,
        )
        .await?;
        let cols = giving::CONTRIBUTION_COLS;
        insert_rows(txn, "contributions", &cols, &g.contributions).await?;
        insert_rows(
            txn,
            "contribution_memberships",
            &giving::LINK_COLS,
            &g.links,
        )
        .await?;
        insert_rows(
            txn,
            "contribution_refunds",
            &giving::REFUND_COLS,
            &g.refunds,
        )
        .await?;
        Ok(())
    }
}

pub(super) async fn insert_rows(
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
    for table in [
        "contacts",
        "memberships",
        "contributions",
        "campaigns",
        "recurring_gifts",
    ] {
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
        "loaded {} contacts, {} memberships and {} contributions as of {} — {}; {} family and \
         organisation relationships",
        summary.contacts,
        summary.memberships,
        summary.contributions,
        as_of,
        statuses.join(", "),
        summary.relationships
    )
}
