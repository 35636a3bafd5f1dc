//! Annual giving statements: one message per donor per year listing their completed gifts with
//! totals per currency and the tax-deductible part — the consolidated receipt donors ask for every
//! January. Queued through the outbox under `statement.c<contact>.<year>`, so sending a year again
//! queues nothing twice; donors without an email address get a letter when letters are on.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};

use crate::db::begin_write;
use crate::db::entities::{contact, contribution, financial_type};
use crate::domain::contact::Contact;
use crate::domain::contribution::ContributionStatus;
use crate::domain::money::format_minor;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::mail::context;
use crate::mail::outbox::{self, NewMessage, Renderer};
use crate::services::auth::Viewer;
use crate::services::{access, audit};
use crate::state::AppState;

pub const STATEMENT: &str = "annual-statement";
/// Donors per transaction.
const BATCH: usize = 200;

/// What a run queued.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatementRun {
    pub donors: i64,
    pub queued: i64,
}

/// Queues the `year` statement of every donor with completed gifts that year (admins).
pub async fn send(state: &AppState, viewer: &Viewer, year: i32) -> AppResult<StatementRun> {
    access::require_role(viewer, Role::Admin)?;
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(AppError::bad_input("year", "not a year"));
    };
    if !(1900..=2999).contains(&year) || from > state.clock.today() {
        return Err(AppError::bad_input(
            "year",
            "must be a year that has begun (statements cover gifts received)",
        ));
    }
    let types: HashMap<i64, financial_type::Model> = financial_type::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let mut run = StatementRun::default();
    let mut after = 0i64;
    loop {
        // The next batch of donors (contacts not in the trash) with completed gifts that year.
        let donors: Vec<i64> = contribution::Entity::find()
            .select_only()
            .column(contribution::Column::ContactId)
            .filter(contribution::Column::Status.eq(ContributionStatus::Completed))
            .filter(contribution::Column::ReceivedDate.between(from, to))
            .filter(contribution::Column::ContactId.gt(after))
            .group_by(contribution::Column::ContactId)
            .order_by_asc(contribution::Column::ContactId)
            .limit(BATCH as u64)
            .into_tuple()
            .all(&state.db)
            .await?;
        let Some(last) = donors.last() else {
            break;
        };
        after = *last;
        run.donors += donors.len() as i64;
        run.queued += send_batch(state, &types, &donors, year, from, to).await? as i64;
    }
    let now = state.clock.now();
    let actor = access::actor(viewer);
    let txn = begin_write(&state.db).await?;
    let after = json!({ "year": year, "donors": run.donors, "queued": run.queued });
    audit::record(
        &txn,
        &actor,
        "contribution.statements",
        "annual_statement",
        year,
        None,
        Some(after),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(run)
}

async fn send_batch(
    state: &AppState,
    types: &HashMap<i64, financial_type::Model>,
    donors: &[i64],
    year: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<u64> {
    let txn = begin_write(&state.db).await?;
    let contacts: HashMap<i64, Contact> = contact::Entity::find()
        .filter(contact::Column::Id.is_in(donors.to_vec()))
        .filter(contact::Column::DeletedAt.is_null())
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.id, Contact::from(c)))
        .collect();
    let gifts = contribution::Entity::find()
        .filter(contribution::Column::ContactId.is_in(donors.to_vec()))
        .filter(contribution::Column::Status.eq(ContributionStatus::Completed))
        .filter(contribution::Column::ReceivedDate.between(from, to))
        .order_by_asc(contribution::Column::ContactId)
        .order_by_asc(contribution::Column::ReceivedDate)
        .order_by_asc(contribution::Column::Id)
        .all(&txn)
        .await?;
    let mut by_contact: BTreeMap<i64, Vec<contribution::Model>> = BTreeMap::new();
    for g in gifts {
        by_contact.entry(g.contact_id).or_default().push(g);
    }
    let renderer = Renderer::load(&state.templates, &txn, &[STATEMENT]).await?;
    let mut messages = Vec::new();
    for (contact_id, gifts) in by_contact {
        let Some(c) = contacts.get(&contact_id) else {
            continue;
        };
        let statement = statement_value(state, types, year, &gifts);
        let ctx = context::build(&state.settings, c, None, json!({ "statement": statement }));
        messages.push(NewMessage {
            dedupe_key: format!("statement.c{contact_id}.{year}"),
            template_key: STATEMENT.into(),
            contact: c.clone(),
            membership_id: None,
            rendered: renderer.render(STATEMENT, &ctx)?,
        });
    }
    let queued = outbox::enqueue(
        &txn,
        messages,
        state.clock.now(),
        state.settings.mail.letters,
    )
    .await?;
    txn.commit().await?;
    Ok(queued)
}

fn statement_value(
    state: &AppState,
    types: &HashMap<i64, financial_type::Model>,
    year: i32,
    gifts: &[contribution::Model],
) -> Value {
    // currency -> (total, deductible)
    let mut totals: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    let mut lines = Vec::new();
    for g in gifts {
        let net = g.amount_minor - g.refunded_minor;
        let t = types.get(&g.financial_type_id);
        let deductible = t.is_some_and(|t| t.is_deductible);
        let e = totals.entry(g.currency.as_str()).or_default();
        e.0 += net;
        if deductible {
            e.1 += net;
        }
        lines.push(json!({
            "receivedDate": g.received_date.to_string(),
            "amount": format_minor(net, super::exponent_of(&g.currency)),
            "currency": g.currency,
            "financialType": t.map_or("", |t| t.name.as_str()),
            "isDeductible": deductible,
            "receiptNumber": super::receipts::receipt_number(g),
        }));
    }
    let any_deductible = totals.values().any(|(_, d)| *d > 0);
    json!({
        "year": year,
        "gifts": lines,
        "totals": totals.iter().map(|(cur, (total, deductible))| {
            let exp = super::exponent_of(cur);
            json!({
                "currency": cur,
                "amount": format_minor(*total, exp),
                "deductible": format_minor(*deductible, exp),
            })
        }).collect::<Vec<_>>(),
        "deductibleStatement": if any_deductible {
            super::receipts::deductible_statement(state)
        } else {
            Value::Null
        },
    })
}
