//! Donor reports, aggregated by the database. A contact **gave in a year** when they have a
//! COMPLETED contribution received that calendar year (partly refunded ones count; fully refunded,
//! pending, failed and cancelled ones do not). Contacts in the trash are left out.
//!
//! - LYBUNT (year Y): gave in Y − 1, not in Y.
//! - SYBUNT (year Y): gave in some year before Y − 1, but neither in Y − 1 nor in Y (so the two lists
//!   never overlap).
//! - Donor retention (year Y): of the contacts who gave in Y − 1, how many gave in Y.
//! - Top donors (range): contacts by their total net of refunds in the range, per currency.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sea_orm::{DbBackend, FromQueryResult};

use crate::db::sql::Sql;
use crate::domain::contact::Contact;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::access;
use crate::services::auth::Viewer;
use crate::services::pagination::{Cursor, Page, PageArgs};
use crate::state::AppState;

fn year_start(year: i32, field: &str) -> AppResult<NaiveDate> {
    if !(1900..=2999).contains(&year) {
        return Err(AppError::bad_input(field, "must be between 1900 and 2999"));
    }
    NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| AppError::bad_input(field, "not a year"))
}

/// The donor-year rows `d` of contacts not in the trash who gave in `year` (the row's test follows).
fn gave_in(sql: &mut Sql) {
    sql.push(
        "report_donor_years d WHERE d.contact_id NOT IN \
         (SELECT id FROM contacts WHERE deleted_at IS NOT NULL)",
    );
}

/// Checks the viewer and brings the giving roll-ups up to date.
pub(super) async fn prepare(state: &AppState, viewer: &Viewer) -> AppResult<()> {
    access::require_role(viewer, Role::Staff)?;
    let db = state.db.clone();
    tokio::spawn(async move { super::rollups::refresh(&db).await })
        .await
        .map_err(|e| AppError::internal(format!("roll-up refresh failed: {e}")))?
}

#[derive(Debug, FromQueryResult)]
struct IdRow {
    id: i64,
}

#[derive(Debug, FromQueryResult)]
struct CountRow {
    n: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lapsed {
    /// Last year but unfortunately not this year.
    Lybunt,
    /// Some year but unfortunately not this year (nor last year).
    Sybunt,
}

/// LYBUNT or SYBUNT donors for `year`, by contact id (staff).
pub async fn lapsed_donors(
    state: &AppState,
    viewer: &Viewer,
    which: Lapsed,
    year: i32,
    page: PageArgs,
) -> AppResult<Page<Contact>> {
    const ORDER: &str = "ID_ASC";
    prepare(state, viewer).await?;
    year_start(year, "year")?;
    year_start(year - 1, "year")?;
    let after = page
        .after
        .as_deref()
        .map(|a| Cursor::decode(a, ORDER))
        .transpose()?;
    let backend = state.db.get_database_backend();
    // The contact's row for the last year they gave before `year` (LYBUNT: that is `year − 1`;
    // SYBUNT: earlier), whose next year of giving is after `year` or none: one row per contact.
    let body = |sql: &mut Sql, after: Option<i64>| {
        sql.push(" FROM ");
        gave_in(sql);
        match which {
            Lapsed::Lybunt => sql.push(" AND d.year = ").bind(year - 1),
            Lapsed::Sybunt => sql.push(" AND d.year < ").bind(year - 1),
        };
        sql.push(" AND (d.next_year IS NULL OR d.next_year > ")
            .bind(year)
            .push(")");
        if let Some(id) = after {
            sql.push(" AND d.contact_id > ").bind(id);
        }
    };
    let total = if page.count {
        let mut count = Sql::new(backend);
        count.push("SELECT COUNT(*) AS n");
        body(&mut count, None);
        CountRow::find_by_statement(count.statement())
            .one(&state.db)
            .await?
            .and_then(|r| r.n)
            .unwrap_or(0)
    } else {
        0
    };
    let mut sql = Sql::new(backend);
    sql.push("SELECT d.contact_id AS id");
    body(&mut sql, after.as_ref().map(|c| c.id));
    sql.push(" ORDER BY d.contact_id LIMIT ")
        .bind(i64::try_from(page.first + 1).unwrap_or(i64::MAX));
    let ids: Vec<i64> = IdRow::find_by_statement(sql.statement())
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut rows = crate::services::contacts::load_many(state, &ids).await?;
    rows.sort_by_key(|c| c.id);
    Ok(Page::from_rows(
        rows,
        page.first,
        u64::try_from(total).unwrap_or(0),
        |c| Cursor {
            o: ORDER.into(),
            k: None,
            id: c.id,
        },
    ))
}

/// Donor retention for `year`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DonorRetention {
    pub year: i32,
    /// Contacts who gave in `year − 1`.
    pub previous_donors: i64,
    /// Of those, contacts who gave in `year`.
    pub retained: i64,
}

pub async fn donor_retention(
    state: &AppState,
    viewer: &Viewer,
    year: i32,
) -> AppResult<DonorRetention> {
    prepare(state, viewer).await?;
    year_start(year, "year")?;
    year_start(year - 1, "year")?;
    let backend = state.db.get_database_backend();
    let count = |retained: bool| {
        let mut sql = Sql::new(backend);
        sql.push("SELECT COUNT(*) AS n FROM ");
        gave_in(&mut sql);
        sql.push(" AND d.year = ").bind(year - 1);
        if retained {
            sql.push(" AND d.next_year = ").bind(year);
        }
        sql
    };
    let run = |sql: Sql| async move {
        Ok::<i64, AppError>(
            CountRow::find_by_statement(sql.statement())
                .one(&state.db)
                .await?
                .and_then(|r| r.n)
                .unwrap_or(0),
        )
    };
    Ok(DonorRetention {
        year,
        previous_donors: run(count(false)).await?,
        retained: run(count(true)).await?,
    })
}

/// A donor's giving in a range, in one currency.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct DonorTotal {
    pub contact_id: i64,
    pub currency: String,
    pub count: i64,
    pub total_minor: i64,
}

/// Most rows `topDonors` returns.
pub const MAX_TOP: u64 = 100;

/// Most donors the bounded plan visits before it adds the range up directly instead.
const MAX_CANDIDATES: usize = 50_000;

/// The largest donors in `[from, to]`, per currency, largest first (staff).
///
/// A range with few contributions (by the daily roll-ups) is added up directly. A larger one
/// visits donors by their lifetime giving, largest first (`report_donor_totals`: nobody gave more
/// in a range than in all), adds up only their gifts in the range, and stops as soon as the list
/// is full and its smallest total is above every lifetime total left to visit.
pub async fn top_donors(
    state: &AppState,
    viewer: &Viewer,
    from: NaiveDate,
    to: NaiveDate,
    limit: u64,
) -> AppResult<Vec<DonorTotal>> {
    access::require_role(viewer, Role::Staff)?;
    if to < from {
        return Err(AppError::bad_input("to", "must not be before `from`"));
    }
    if limit == 0 || limit > MAX_TOP {
        return Err(AppError::bad_input(
            "limit",
            format!("must be between 1 and {MAX_TOP}"),
        ));
    }
    prepare(state, viewer).await?;
    let limit = usize::try_from(limit).unwrap_or(1);
    let mut count = Sql::new(state.db.get_database_backend());
    count
        .push("SELECT CAST(SUM(n) AS BIGINT) AS n FROM report_giving_days WHERE day >= ")
        .bind(from)
        .push(" AND day <= ")
        .bind(to);
    let in_range = CountRow::find_by_statement(count.statement())
        .one(&state.db)
        .await?
        .and_then(|r| r.n)
        .unwrap_or(0);
    if u64::try_from(in_range).unwrap_or(0) > state.settings.reports.top_donors_direct_rows
        && let Some(top) = largest_first(state, from, to, limit).await?
    {
        return Ok(top);
    }
    let mut sql = totals(state, from, to, None);
    sql.push(" ORDER BY 4 DESC, 1 ASC, 2 ASC LIMIT ")
        .bind(i64::try_from(limit).unwrap_or(100));
    Ok(DonorTotal::find_by_statement(sql.statement())
        .all(&state.db)
        .await?)
}

/// Each donor's COMPLETED giving in `[from, to]` per currency: of `contacts`, or of every contact
/// not in the trash.
fn totals(state: &AppState, from: NaiveDate, to: NaiveDate, contacts: Option<&[i64]>) -> Sql {
    let backend = state.db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT k.contact_id AS contact_id, k.currency AS currency, COUNT(*) AS count, \
         CAST(SUM(k.amount_minor - k.refunded_minor) AS BIGINT) AS total_minor \
         FROM contributions k",
    );
    if contacts.is_some() && backend == DbBackend::Sqlite {
        // Without statistics SQLite would rather walk the whole date range than look up a
        // thousand donors (PostgreSQL's planner has the statistics to choose).
        sql.push(" INDEXED BY ix_contributions_donor");
    }
    sql.push(" WHERE k.status = 'COMPLETED' AND k.received_date >= ")
        .bind(from)
        .push(" AND k.received_date <= ")
        .bind(to);
    match contacts {
        Some(ids) => {
            sql.push(" AND k.contact_id IN ")
                .bind_list(ids.iter().copied());
        }
        None => {
            sql.push(
                " AND k.contact_id NOT IN (SELECT id FROM contacts WHERE deleted_at IS NOT NULL)",
            );
        }
    }
    sql.push(" GROUP BY k.contact_id, k.currency");
    sql
}

#[derive(Debug, FromQueryResult)]
struct Candidate {
    contact_id: i64,
    currency: String,
    bound_minor: i64,
}

/// The bounded plan of [`top_donors`]; None when it visited [`MAX_CANDIDATES`] donors without
/// settling the list (a short range among many donors: adding it up directly is cheaper).
async fn largest_first(
    state: &AppState,
    from: NaiveDate,
    to: NaiveDate,
    limit: usize,
) -> AppResult<Option<Vec<DonorTotal>>> {
    let backend = state.db.get_database_backend();
    let mut best: Vec<DonorTotal> = Vec::new();
    let mut after: Option<(i64, i64, String)> = None;
    // Donors visited per step: a few times the list, so a short list settles in one or two steps.
    let step = (limit * 4).clamp(8, 1_000);
    let mut visited = 0;
    loop {
        // The next donors by lifetime giving (ties in any fixed order: only the bound matters).
        let mut next = Sql::new(backend);
        next.push(
            "SELECT t.contact_id, t.currency, t.bound_minor FROM report_donor_totals t \
             WHERE t.contact_id NOT IN (SELECT id FROM contacts WHERE deleted_at IS NOT NULL)",
        );
        if let Some((bound, contact, currency)) = &after {
            next.push(" AND t.bound_minor <= ")
                .bind(*bound)
                .push(" AND (t.bound_minor < ")
                .bind(*bound)
                .push(" OR (t.bound_minor = ")
                .bind(*bound)
                .push(" AND (t.contact_id < ")
                .bind(*contact)
                .push(" OR (t.contact_id = ")
                .bind(*contact)
                .push(" AND t.currency < ")
                .bind(currency.clone())
                .push("))))");
        }
        next.push(" ORDER BY t.bound_minor DESC, t.contact_id DESC, t.currency DESC LIMIT ")
            .bind(i64::try_from(step).unwrap_or(1_000));
        let batch = Candidate::find_by_statement(next.statement())
            .all(&state.db)
            .await?;
        let Some(last) = batch.last() else {
            return Ok(Some(best));
        };
        after = Some((last.bound_minor, last.contact_id, last.currency.clone()));
        let wanted: BTreeSet<(i64, &str)> = batch
            .iter()
            .map(|c| (c.contact_id, c.currency.as_str()))
            .collect();
        let ids: BTreeSet<i64> = batch.iter().map(|c| c.contact_id).collect();
        let ids: Vec<i64> = ids.into_iter().collect();
        for t in DonorTotal::find_by_statement(totals(state, from, to, Some(&ids)).statement())
            .all(&state.db)
            .await?
        {
            if wanted.contains(&(t.contact_id, t.currency.as_str())) {
                best.push(t);
            }
        }
        best.sort_by(|a, b| {
            b.total_minor
                .cmp(&a.total_minor)
                .then(a.contact_id.cmp(&b.contact_id))
                .then(a.currency.cmp(&b.currency))
        });
        best.truncate(limit);
        // Nobody left gave more than `last.bound_minor` in the range: a full list whose smallest
        // total is above it is final (equal is not: a tie goes to the smaller contact id).
        if best.len() == limit && best[limit - 1].total_minor > last.bound_minor {
            return Ok(Some(best));
        }
        if batch.len() < step {
            return Ok(Some(best));
        }
        visited += batch.len();
        if visited >= MAX_CANDIDATES {
            return Ok(None);
        }
    }
}
