//! Donor reports, aggregated by the database. A contact **gave in a year** when they have a
//! COMPLETED contribution received that calendar year (partly refunded ones count; fully refunded,
//! pending, failed and cancelled ones do not). Contacts in the trash are left out.
//!
//! - LYBUNT (year Y): gave in Y − 1, not in Y.
//! - SYBUNT (year Y): gave in some year before Y − 1, but neither in Y − 1 nor in Y (so the two lists
//!   never overlap).
//! - Donor retention (year Y): of the contacts who gave in Y − 1, how many gave in Y.
//! - Top donors (range): contacts by their total net of refunds in the range, per currency.

use chrono::NaiveDate;
use sea_orm::FromQueryResult;

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

/// The largest donors in `[from, to]`, per currency, largest first (staff).
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
    let mut sql = Sql::new(state.db.get_database_backend());
    sql.push(
        "SELECT k.contact_id AS contact_id, k.currency AS currency, COUNT(*) AS count, \
         CAST(SUM(k.amount_minor - k.refunded_minor) AS BIGINT) AS total_minor \
         FROM contributions k WHERE k.status = 'COMPLETED' AND k.contact_id NOT IN \
         (SELECT id FROM contacts WHERE deleted_at IS NOT NULL) AND k.received_date >= ",
    )
    .bind(from)
    .push(" AND k.received_date <= ")
    .bind(to)
    .push(" GROUP BY k.contact_id, k.currency ORDER BY 4 DESC, 1 ASC, 2 ASC LIMIT ")
    .bind(i64::try_from(limit).unwrap_or(100));
    Ok(DonorTotal::find_by_statement(sql.statement())
        .all(&state.db)
        .await?)
}
