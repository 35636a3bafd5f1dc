//! The set-based selection of a reminder's candidates: one statement per reminder, whatever the
//! number of memberships. Each occurrence's window becomes a range of anchor dates (computed in Rust
//! with the monotone offset thresholds), so the database only compares stored dates with constants;
//! yearly anchors compare the stored month and day instead. The selection may include a few rows
//! that are not due (never fewer): the caller computes the exact occurrences.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};

use crate::db::entities::membership;
use crate::db::sql::Sql;
use crate::domain::dates::add_days;
use crate::domain::membership::Membership;
use crate::domain::reminder::{Anchor, AnchorRange, MonthDays, month_days};
use crate::error::AppResult;

/// Beyond this many month-day ranges the statement would get long for little gain: every stored
/// date is then a candidate and the exact computation filters.
const MAX_MONTH_DAY_RANGES: usize = 64;

/// A membership that may be due, with its contact's birth date (for birthday reminders).
pub struct Candidate {
    pub membership: Membership,
    pub birth_date: Option<NaiveDate>,
}

/// What the selection filters on besides the anchor.
pub struct Filter<'a> {
    pub anchor: Anchor,
    /// Empty: every type.
    pub type_ids: &'a [i64],
    /// Stored statuses; never empty (the caller substitutes the current ones).
    pub status_ids: &'a [i64],
}

fn column(anchor: Anchor) -> &'static str {
    match anchor {
        Anchor::JoinDate | Anchor::JoinAnniversary => "m.join_date",
        Anchor::StartDate => "m.start_date",
        Anchor::EndDate => "m.end_date",
        Anchor::BirthDate => "c.birth_date",
        // Event reminders are selected by `services::events::reminders`: no membership matches.
        Anchor::EventStart => "NULL",
    }
}

/// Overlapping or touching date ranges merged, so repeats every day give one range, not hundreds.
fn merged(ranges: &[AnchorRange]) -> Vec<(NaiveDate, NaiveDate)> {
    let mut sorted: Vec<(NaiveDate, NaiveDate)> = ranges.iter().map(|r| (r.lo, r.hi)).collect();
    sorted.sort();
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for (lo, hi) in sorted {
        match out.last_mut() {
            Some(last) if lo <= add_days(last.1, 1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

fn date_ranges(sql: &mut Sql, col: &str, ranges: &[AnchorRange]) {
    for (i, (lo, hi)) in merged(ranges).into_iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push("(").push(col).push(" >= ").bind(lo);
        sql.push(" AND ").push(col).push(" <= ").bind(hi).push(")");
    }
}

/// The stored date's `MM-DD`: backend-specific, neither has a portable form.
fn month_day(backend: DbBackend, col: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("to_char({col}, 'MM-DD')"),
        _ => format!("strftime('%m-%d', {col})"),
    }
}

fn month_day_ranges(sql: &mut Sql, backend: DbBackend, col: &str, ranges: &[AnchorRange]) {
    let spans: Option<Vec<MonthDays>> = ranges.iter().map(|r| month_days(r.lo, r.hi)).collect();
    let mut spans = match spans {
        Some(s) if s.len() <= MAX_MONTH_DAY_RANGES => s,
        _ => {
            sql.push(col).push(" IS NOT NULL");
            return;
        }
    };
    spans.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    spans.dedup();
    let md = month_day(backend, col);
    sql.push(col).push(" IS NOT NULL AND (");
    for (i, s) in spans.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        let join = if s.wraps() { " OR " } else { " AND " };
        sql.push("(").push(&md).push(" >= ").bind(s.from.clone());
        sql.push(join)
            .push(&md)
            .push(" <= ")
            .bind(s.to.clone())
            .push(")");
    }
    sql.push(")");
}

/// Memberships of live contacts that pass the filter and whose anchor date can put an occurrence
/// in one of `ranges`, by id.
pub async fn candidates<C: ConnectionTrait>(
    db: &C,
    filter: &Filter<'_>,
    ranges: &[AnchorRange],
) -> AppResult<Vec<Candidate>> {
    if ranges.is_empty() || filter.status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT m.*, c.birth_date AS contact_birth_date FROM memberships m \
         JOIN contacts c ON c.id = m.contact_id WHERE c.deleted_at IS NULL AND m.status_id IN ",
    );
    sql.bind_list(filter.status_ids.iter().copied());
    if !filter.type_ids.is_empty() {
        sql.push(" AND m.membership_type_id IN ");
        sql.bind_list(filter.type_ids.iter().copied());
    }
    if filter.anchor == crate::domain::reminder::Anchor::EndDate {
        // Only the primary of a bundle pays: renewal reminders skip inherited memberships.
        sql.push(" AND m.inherited_from_id IS NULL");
    }
    sql.push(" AND (");
    let col = column(filter.anchor);
    if filter.anchor.is_yearly() {
        month_day_ranges(&mut sql, backend, col, ranges);
    } else {
        date_ranges(&mut sql, col, ranges);
    }
    sql.push(") ORDER BY m.id");
    let rows = db.query_all_raw(sql.statement()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(Candidate {
            membership: membership::Model::from_query_result(&row, "")?.into(),
            birth_date: row.try_get("", "contact_birth_date")?,
        });
    }
    Ok(out)
}
