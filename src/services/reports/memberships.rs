//! Membership reports for any date: what the membership record said then, judged by the status
//! rules — aggregated by the database.
//!
//! **A membership on date D** is its history row in force at the end of D: the latest row recorded
//! (`changed_at`) before D + 1 day, or — for a membership recorded later with earlier dates (an import,
//! a back-dated entry) — its first row. Each row stores that span (`in_force_from`, NULL for the
//! first row, and `in_force_until`, the next row's `changed_at`), so a snapshot is one filtered scan. Memberships whose join date is after D did not exist yet and
//! are left out, and so are memberships of contacts in the trash.
//! **Its status on D** is the row's status when that is an admin status (Pending, Cancelled,
//! Deceased: set by hand or by a workflow, held), and otherwise what today's rules give for the
//! row's dates on D (the same `CASE` the `update-statuses` job uses). A hand-set non-admin status
//! (an override to Current, say) is not told apart in the history and is judged by the rules.
//! **A current member** on D is a contact with at least one membership whose status on D counts as
//! current (New, Current and Grace by default).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use sea_orm::FromQueryResult;

use crate::db::sql::Sql;
use crate::db::status_sql::status_case;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::access;
use crate::services::auth::Viewer;
use crate::services::statuses::{PENDING, Statuses};
use crate::state::AppState;

/// The memberships on `on` as a derived table `(membership_id, membership_type_id, contact_id,
/// end_date, status_id, joined_on)` — `joined_on` is the membership's join date today.
fn snapshot(sql: &mut Sql, statuses: &Statuses, on: NaiveDate) -> AppResult<()> {
    let pending = statuses.id_of(PENDING)?;
    let admin: Vec<i64> = statuses
        .statuses
        .iter()
        .filter(|s| s.is_admin)
        .map(|s| s.id)
        .collect();
    let next_day = on + Duration::days(1);
    let cutoff = Utc.from_utc_datetime(&next_day.and_hms_opt(0, 0, 0).unwrap_or_default());
    sql.push(
        "(SELECT x.membership_id, x.membership_type_id, m.contact_id, x.end_date, x.status_id, \
         m.join_date AS joined_on FROM \
         (SELECT membership_id, membership_type_id, end_date, CASE WHEN status_id IN ",
    )
    .bind_list(ids(admin))
    .push(" THEN status_id ELSE ");
    status_case(sql, &statuses.rules, on, pending);
    sql.push(
        " END AS status_id FROM membership_history \
         WHERE (in_force_from IS NULL OR in_force_from < ",
    )
    .bind(cutoff)
    .push(") AND (in_force_until IS NULL OR in_force_until >= ")
    .bind(cutoff)
    .push(") AND join_date <= ")
    .bind(on)
    .push(
        ") x JOIN memberships m ON m.id = x.membership_id \
         JOIN contacts c ON c.id = m.contact_id WHERE c.deleted_at IS NULL)",
    );
    Ok(())
}

/// An `IN` list that is never empty (no status id is negative).
fn ids(v: Vec<i64>) -> Vec<i64> {
    if v.is_empty() { vec![-1] } else { v }
}

fn check_range(from: NaiveDate, to: NaiveDate) -> AppResult<()> {
    if to < from {
        return Err(AppError::bad_input("to", "must not be before `from`"));
    }
    Ok(())
}

#[derive(Debug, FromQueryResult)]
struct CountRow {
    membership_type_id: i64,
    status_id: i64,
    n: i64,
}

#[derive(Debug, FromQueryResult)]
struct One {
    n: Option<i64>,
}

/// Members by type and status on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipSummary {
    pub as_of: NaiveDate,
    /// Contacts holding at least one current membership.
    pub current_members: i64,
    /// Memberships whose status is a current one.
    pub current_memberships: i64,
    /// (membership type id, status id, memberships), by type then status.
    pub rows: Vec<(i64, i64, i64)>,
}

pub async fn membership_summary(
    state: &AppState,
    viewer: &Viewer,
    as_of: NaiveDate,
) -> AppResult<MembershipSummary> {
    access::require_role(viewer, Role::Staff)?;
    let statuses = Statuses::load(&state.db).await?;
    let backend = state.db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT s.membership_type_id, s.status_id, COUNT(*) AS n FROM ");
    snapshot(&mut sql, &statuses, as_of)?;
    sql.push(" s GROUP BY s.membership_type_id, s.status_id ORDER BY 1, 2");
    let rows = CountRow::find_by_statement(sql.statement())
        .all(&state.db)
        .await?;
    let current = ids(statuses.current_ids());
    let current_memberships = rows
        .iter()
        .filter(|r| current.contains(&r.status_id))
        .map(|r| r.n)
        .sum();
    let mut members = Sql::new(backend);
    members.push("SELECT COUNT(DISTINCT s.contact_id) AS n FROM ");
    snapshot(&mut members, &statuses, as_of)?;
    members.push(" s WHERE s.status_id IN ").bind_list(current);
    let current_members = One::find_by_statement(members.statement())
        .one(&state.db)
        .await?
        .and_then(|r| r.n)
        .unwrap_or(0);
    Ok(MembershipSummary {
        as_of,
        current_members,
        current_memberships,
        rows: rows
            .into_iter()
            .map(|r| (r.membership_type_id, r.status_id, r.n))
            .collect(),
    })
}

/// Retention between two dates, overall (type None) or for one membership type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retention {
    pub membership_type_id: Option<i64>,
    /// Contacts current at `from` (with a membership of the type, for a type).
    pub starting: i64,
    /// Of those, contacts current at `to` (with a membership of the same type, for a type).
    pub retained: i64,
    /// Memberships whose end date on `from` fell within `[from, to]`.
    pub came_due: i64,
    /// Of those, the ones whose end date on `to` is later than it was on `from`.
    pub renewed: i64,
}

#[derive(Debug, FromQueryResult)]
struct RetentionRow {
    membership_type_id: Option<i64>,
    starting: i64,
    retained: Option<i64>,
}

#[derive(Debug, FromQueryResult)]
struct DueRow {
    membership_type_id: i64,
    came_due: i64,
    renewed: Option<i64>,
}

/// Overall retention first, then one entry per membership type.
pub async fn retention(
    state: &AppState,
    viewer: &Viewer,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Retention>> {
    access::require_role(viewer, Role::Staff)?;
    check_range(from, to)?;
    let statuses = Statuses::load(&state.db).await?;
    let backend = state.db.get_database_backend();
    let current = ids(statuses.current_ids());
    // The two dates' snapshots are stacked (UNION ALL, tagged `w`) and grouped, never joined: a
    // join of two derived tables has no index and grows with the square of the memberships.
    let stacked = |sql: &mut Sql, columns: &str, current_only: bool| -> AppResult<()> {
        sql.push("(");
        for (w, on) in [(0, from), (1, to)] {
            if w == 1 {
                sql.push(" UNION ALL ");
            }
            sql.push("SELECT ")
                .push(columns)
                .push(", ")
                .push(if w == 0 {
                    "1 AS a, 0 AS b"
                } else {
                    "0 AS a, 1 AS b"
                })
                .push(" FROM ");
            snapshot(sql, &statuses, on)?;
            sql.push(" s");
            if current_only {
                sql.push(" WHERE s.status_id IN ")
                    .bind_list(current.clone());
            }
        }
        sql.push(")");
        Ok(())
    };
    let mut overall = Sql::new(backend);
    overall.push(
        "SELECT CAST(NULL AS BIGINT) AS membership_type_id, COUNT(*) AS starting, \
         SUM(u.b) AS retained FROM (SELECT x.contact_id, MAX(x.a) AS a, MAX(x.b) AS b FROM ",
    );
    stacked(&mut overall, "s.contact_id", true)?;
    overall.push(" x GROUP BY x.contact_id) u WHERE u.a = 1");
    let mut by_type = Sql::new(backend);
    by_type.push(
        "SELECT u.membership_type_id, COUNT(*) AS starting, SUM(u.b) AS retained FROM \
         (SELECT x.contact_id, x.membership_type_id, MAX(x.a) AS a, MAX(x.b) AS b FROM ",
    );
    stacked(&mut by_type, "s.contact_id, s.membership_type_id", true)?;
    by_type.push(
        " x GROUP BY x.contact_id, x.membership_type_id) u WHERE u.a = 1 \
         GROUP BY u.membership_type_id ORDER BY 1",
    );
    // Came due: the end date on `from` within the range; renewed: the end date on `to` is later
    // (or gone: a lifetime membership).
    let mut due = Sql::new(backend);
    due.push(
        "SELECT u.membership_type_id, COUNT(*) AS came_due, \
         SUM(CASE WHEN u.b = 0 OR u.b_lifetime = 1 OR u.b_end > u.a_end THEN 1 ELSE 0 END) AS renewed \
         FROM (SELECT x.membership_id, MAX(CASE WHEN x.a = 1 THEN x.membership_type_id END) AS membership_type_id, \
         MAX(x.a) AS a, MAX(x.b) AS b, MAX(CASE WHEN x.a = 1 THEN x.end_date END) AS a_end, \
         MAX(CASE WHEN x.b = 1 THEN x.end_date END) AS b_end, \
         MAX(CASE WHEN x.b = 1 AND x.end_date IS NULL THEN 1 ELSE 0 END) AS b_lifetime FROM (",
    );
    for (w, on) in [(0, from), (1, to)] {
        if w == 1 {
            due.push(" UNION ALL ");
        }
        due.push("SELECT s.membership_id, s.membership_type_id, s.end_date, ")
            .push(if w == 0 {
                "1 AS a, 0 AS b"
            } else {
                "0 AS a, 1 AS b"
            })
            .push(" FROM ");
        snapshot(&mut due, &statuses, on)?;
        due.push(" s");
        if w == 0 {
            due.push(" WHERE s.end_date >= ")
                .bind(from)
                .push(" AND s.end_date <= ")
                .bind(to);
        }
    }
    due.push(") x GROUP BY x.membership_id) u WHERE u.a = 1 GROUP BY u.membership_type_id");
    let overall = RetentionRow::find_by_statement(overall.statement())
        .one(&state.db)
        .await?;
    let typed = RetentionRow::find_by_statement(by_type.statement())
        .all(&state.db)
        .await?;
    let dues = DueRow::find_by_statement(due.statement())
        .all(&state.db)
        .await?;
    let due_of: BTreeMap<i64, (i64, i64)> = dues
        .iter()
        .map(|d| (d.membership_type_id, (d.came_due, d.renewed.unwrap_or(0))))
        .collect();
    let mut out = vec![Retention {
        membership_type_id: None,
        starting: overall.as_ref().map_or(0, |r| r.starting),
        retained: overall.and_then(|r| r.retained).unwrap_or(0),
        came_due: due_of.values().map(|d| d.0).sum(),
        renewed: due_of.values().map(|d| d.1).sum(),
    }];
    let mut type_ids: Vec<i64> = typed
        .iter()
        .filter_map(|r| r.membership_type_id)
        .chain(due_of.keys().copied())
        .collect();
    type_ids.sort_unstable();
    type_ids.dedup();
    for t in type_ids {
        let r = typed.iter().find(|r| r.membership_type_id == Some(t));
        let d = due_of.get(&t).copied().unwrap_or((0, 0));
        out.push(Retention {
            membership_type_id: Some(t),
            starting: r.map_or(0, |r| r.starting),
            retained: r.and_then(|r| r.retained).unwrap_or(0),
            came_due: d.0,
            renewed: d.1,
        });
    }
    Ok(out)
}

/// How long each period of a trend is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interval {
    Month,
    Quarter,
    Year,
}

/// One period of a trend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrendPeriod {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Contacts current on the period's last day.
    pub current_at_end: i64,
    /// Contacts current on the day before the period.
    pub current_at_start: i64,
    /// Memberships whose join date falls in the period.
    pub joined: i64,
    /// Renewals recorded in the period.
    pub renewed: i64,
    /// Memberships Expired on the period's last day that were not on the day before it.
    pub lapsed: i64,
    /// Renewals recorded in the period of memberships that were Expired just before.
    pub reinstated: i64,
}

/// Most periods one trend covers (ten years of months): each period reads the history a few times,
/// so one request's cost is bounded.
pub const MAX_PERIODS: usize = 120;

/// The periods from `from` to `to`: each starts where the last ended, the last is cut at `to`.
pub fn periods(
    from: NaiveDate,
    to: NaiveDate,
    interval: Interval,
) -> AppResult<Vec<(NaiveDate, NaiveDate)>> {
    check_range(from, to)?;
    let months = match interval {
        Interval::Month => 1,
        Interval::Quarter => 3,
        Interval::Year => 12,
    };
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        if out.len() == MAX_PERIODS {
            return Err(AppError::bad_input(
                "to",
                format!("at most {MAX_PERIODS} periods: choose a longer interval"),
            ));
        }
        let next = start
            .checked_add_months(chrono::Months::new(months))
            .ok_or_else(|| AppError::bad_input("to", "out of range"))?;
        let end = (next - Duration::days(1)).min(to);
        out.push((start, end));
        start = next;
    }
    Ok(out)
}

fn type_filter(sql: &mut Sql, column: &str, types: &[i64]) {
    if !types.is_empty() {
        sql.push(" AND ")
            .push(column)
            .push(" IN ")
            .bind_list(types.iter().copied());
    }
}

async fn scalar(state: &AppState, sql: Sql) -> AppResult<i64> {
    Ok(One::find_by_statement(sql.statement())
        .one(&state.db)
        .await?
        .and_then(|r| r.n)
        .unwrap_or(0))
}

/// Members and movements per period (staff); `types` narrows to those membership types.
pub async fn trends(
    state: &AppState,
    viewer: &Viewer,
    from: NaiveDate,
    to: NaiveDate,
    interval: Interval,
    types: &[i64],
) -> AppResult<Vec<TrendPeriod>> {
    access::require_role(viewer, Role::Staff)?;
    let spans = periods(from, to, interval)?;
    let statuses = Statuses::load(&state.db).await?;
    let backend = state.db.get_database_backend();
    let current = ids(statuses.current_ids());
    let expired = statuses.id_of(crate::services::statuses::EXPIRED)?;
    let midnight =
        |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default());
    // Joinings and renewals of every period in one grouped query each.
    let mut joined = Sql::new(backend);
    joined.push("SELECT ");
    cohort_case(&mut joined, "m.join_date", &spans);
    joined
        .push(
            " AS cohort, COUNT(*) AS n FROM memberships m JOIN contacts c ON c.id = m.contact_id \
             WHERE c.deleted_at IS NULL AND m.join_date >= ",
        )
        .bind(from)
        .push(" AND m.join_date <= ")
        .bind(to);
    type_filter(&mut joined, "m.membership_type_id", types);
    joined.push(" GROUP BY 1");
    let joined = CohortRow::find_by_statement(joined.statement())
        .all(&state.db)
        .await?;
    let mut renewals = Sql::new(backend);
    renewals.push("SELECT CASE");
    for (i, (_, end)) in spans.iter().enumerate() {
        renewals
            .push(" WHEN h.changed_at < ")
            .bind(midnight(*end + Duration::days(1)))
            .push(" THEN ")
            .bind(i64::try_from(i).unwrap_or(0));
    }
    renewals
        .push(
            " END AS cohort, COUNT(*) AS n, SUM(CASE WHEN (SELECT p.status_id FROM membership_history p \
             WHERE p.membership_id = h.membership_id AND p.id < h.id ORDER BY p.id DESC LIMIT 1) = ",
        )
        .bind(expired)
        .push(
            " THEN 1 ELSE 0 END) AS reinstated FROM membership_history h \
             JOIN memberships m ON m.id = h.membership_id JOIN contacts c ON c.id = m.contact_id \
             WHERE c.deleted_at IS NULL AND h.change = 'RENEWED' AND h.changed_at >= ",
        )
        .bind(midnight(from))
        .push(" AND h.changed_at < ")
        .bind(midnight(to + Duration::days(1)));
    type_filter(&mut renewals, "h.membership_type_id", types);
    renewals.push(" GROUP BY 1");
    let renewals = RenewalRow::find_by_statement(renewals.statement())
        .all(&state.db)
        .await?;
    // Each period end: current contacts and newly Expired memberships from one stacked query over
    // the snapshots of the day before the period and of its last day.
    let mut out = Vec::with_capacity(spans.len());
    let mut before = None;
    for (i, (start, end)) in spans.iter().copied().enumerate() {
        let mut sql = Sql::new(backend);
        sql.push(
            "SELECT COUNT(DISTINCT u.now_current) AS current_at_end, \
             COUNT(DISTINCT u.was_current) AS current_at_start, \
             SUM(CASE WHEN u.now_expired = 1 AND u.was_expired = 0 THEN 1 ELSE 0 END) AS lapsed FROM \
             (SELECT x.membership_id, MAX(x.now_current) AS now_current, MAX(x.was_current) AS was_current, \
             MAX(x.now_expired) AS now_expired, MAX(x.was_expired) AS was_expired FROM (",
        );
        // The period's last day: current contacts and Expired memberships of the chosen types.
        sql.push("SELECT s.membership_id, CASE WHEN s.status_id IN ")
            .bind_list(current.clone())
            .push(
                " THEN s.contact_id END AS now_current, NULL AS was_current, \
                 CASE WHEN s.status_id = ",
            )
            .bind(expired)
            .push(" THEN 1 ELSE 0 END AS now_expired, 0 AS was_expired FROM ");
        snapshot(&mut sql, &statuses, end)?;
        sql.push(" s WHERE 1 = 1");
        type_filter(&mut sql, "s.membership_type_id", types);
        // The day before: current contacts of the chosen types; Expired of any type (a membership
        // that changed type while Expired did not lapse again).
        sql.push(" UNION ALL SELECT s.membership_id, NULL, CASE WHEN s.status_id IN ")
            .bind_list(current.clone());
        type_filter(&mut sql, "s.membership_type_id", types);
        sql.push(" THEN s.contact_id END, 0, CASE WHEN s.status_id = ")
            .bind(expired)
            .push(" THEN 1 ELSE 0 END FROM ");
        snapshot(&mut sql, &statuses, start - Duration::days(1))?;
        sql.push(" s");
        sql.push(") x GROUP BY x.membership_id) u");
        let row = EndRow::find_by_statement(sql.statement())
            .one(&state.db)
            .await?;
        let at_end = row.as_ref().map_or(0, |r| r.current_at_end);
        let at_start = row.as_ref().map_or(0, |r| r.current_at_start);
        let k = i64::try_from(i).ok();
        let renewal = renewals.iter().find(|r| r.cohort == k);
        out.push(TrendPeriod {
            start,
            end,
            current_at_end: at_end,
            current_at_start: before.unwrap_or(at_start),
            joined: joined.iter().find(|r| r.cohort == k).map_or(0, |r| r.n),
            renewed: renewal.map_or(0, |r| r.n),
            lapsed: row.and_then(|r| r.lapsed).unwrap_or(0),
            reinstated: renewal.and_then(|r| r.reinstated).unwrap_or(0),
        });
        before = Some(at_end);
    }
    Ok(out)
}

#[derive(Debug, FromQueryResult)]
struct RenewalRow {
    cohort: Option<i64>,
    n: i64,
    reinstated: Option<i64>,
}

#[derive(Debug, FromQueryResult)]
struct EndRow {
    current_at_end: i64,
    current_at_start: i64,
    lapsed: Option<i64>,
}

/// Memberships Expired on `on` that were not Expired on `before` (or did not exist yet), as a
/// derived table `b (membership_id, contact_id)` followed by an open `WHERE`: the two snapshots are
/// stacked and grouped by membership rather than joined (see `retention`). `types` (when not empty)
/// narrows to memberships of those types on `on`.
fn newly_expired(
    sql: &mut Sql,
    statuses: &Statuses,
    before: NaiveDate,
    on: NaiveDate,
    types: &[i64],
) -> AppResult<()> {
    let expired = statuses.id_of(crate::services::statuses::EXPIRED)?;
    sql.push(
        "(SELECT x.membership_id, MAX(x.contact_id) AS contact_id, MAX(x.now_expired) AS now_expired, \
         MAX(x.was_expired) AS was_expired FROM (SELECT s.membership_id, s.contact_id, 1 AS now_expired, \
         0 AS was_expired FROM ",
    );
    snapshot(sql, statuses, on)?;
    sql.push(" s WHERE s.status_id = ").bind(expired);
    type_filter(sql, "s.membership_type_id", types);
    sql.push(
        " UNION ALL SELECT s.membership_id, s.contact_id, 0 AS now_expired, 1 AS was_expired FROM ",
    );
    snapshot(sql, statuses, before)?;
    sql.push(" s WHERE s.status_id = ")
        .bind(expired)
        .push(") x GROUP BY x.membership_id) b WHERE b.now_expired = 1 AND b.was_expired = 0");
    Ok(())
}

#[derive(Debug, FromQueryResult)]
struct IdRow {
    id: i64,
}

/// Memberships that lapsed from `from` to `to` and were not renewed (staff): Expired on `to`, not
/// Expired on the day before `from`, and their contact holds no current membership on `to` — the
/// list a win-back campaign starts from. By membership id.
pub async fn lapsed_members(
    state: &AppState,
    viewer: &Viewer,
    from: NaiveDate,
    to: NaiveDate,
    page: crate::services::pagination::PageArgs,
) -> AppResult<crate::services::pagination::Page<crate::domain::membership::Membership>> {
    use crate::services::pagination::{Cursor, Page};
    const ORDER: &str = "ID_ASC";
    access::require_role(viewer, Role::Staff)?;
    check_range(from, to)?;
    let statuses = Statuses::load(&state.db).await?;
    let backend = state.db.get_database_backend();
    let current = ids(statuses.current_ids());
    let after = page
        .after
        .as_deref()
        .map(|a| Cursor::decode(a, ORDER))
        .transpose()?;
    let body = |sql: &mut Sql| -> AppResult<()> {
        newly_expired(sql, &statuses, from - Duration::days(1), to, &[])?;
        sql.push(" AND b.contact_id NOT IN (SELECT s.contact_id FROM ");
        snapshot(sql, &statuses, to)?;
        sql.push(" s WHERE s.status_id IN ")
            .bind_list(current.clone())
            .push(")");
        Ok(())
    };
    let total = if page.count {
        let mut count = Sql::new(backend);
        count.push("SELECT COUNT(*) AS n FROM ");
        body(&mut count)?;
        scalar(state, count).await?
    } else {
        0
    };
    let mut sql = Sql::new(backend);
    sql.push("SELECT b.membership_id AS id FROM ");
    body(&mut sql)?;
    if let Some(c) = &after {
        sql.push(" AND b.membership_id > ").bind(c.id);
    }
    sql.push(" ORDER BY b.membership_id LIMIT ")
        .bind(i64::try_from(page.first + 1).unwrap_or(i64::MAX));
    let found: Vec<i64> = IdRow::find_by_statement(sql.statement())
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut rows = crate::services::memberships::load_many(state, &found).await?;
    rows.sort_by_key(|m| m.id);
    Ok(Page::from_rows(
        rows,
        page.first,
        u64::try_from(total).unwrap_or(0),
        |m| Cursor {
            o: ORDER.into(),
            k: None,
            id: m.id,
        },
    ))
}

/// One join cohort: the memberships whose join date falls in a period, and how many of them were
/// current at the end of that period and of each later one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cohort {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub size: i64,
    /// Current at the end of the joining period, the next one, … up to `to`.
    pub still_current: Vec<i64>,
}

/// Most periods a cohort table covers (the table grows with their square).
pub const MAX_COHORT_PERIODS: usize = 60;

#[derive(Debug, FromQueryResult)]
struct CohortRow {
    cohort: Option<i64>,
    n: i64,
}

fn cohort_case(sql: &mut Sql, column: &str, spans: &[(NaiveDate, NaiveDate)]) {
    sql.push("CASE");
    for (i, (start, end)) in spans.iter().enumerate() {
        sql.push(" WHEN ")
            .push(column)
            .push(" >= ")
            .bind(*start)
            .push(" AND ")
            .push(column)
            .push(" <= ")
            .bind(*end)
            .push(" THEN ")
            .bind(i64::try_from(i).unwrap_or(0));
    }
    sql.push(" END");
}

/// Join cohorts from `from` to `to` (staff): for each period's joiners, how many memberships were
/// still current at the end of each period since.
pub async fn cohorts(
    state: &AppState,
    viewer: &Viewer,
    from: NaiveDate,
    to: NaiveDate,
    interval: Interval,
) -> AppResult<Vec<Cohort>> {
    access::require_role(viewer, Role::Staff)?;
    let spans = periods(from, to, interval)?;
    if spans.len() > MAX_COHORT_PERIODS {
        return Err(AppError::bad_input(
            "to",
            format!("at most {MAX_COHORT_PERIODS} periods: choose a longer interval"),
        ));
    }
    let statuses = Statuses::load(&state.db).await?;
    let backend = state.db.get_database_backend();
    let current = ids(statuses.current_ids());
    let mut sizes = Sql::new(backend);
    sizes.push("SELECT ");
    cohort_case(&mut sizes, "m.join_date", &spans);
    sizes
        .push(
            " AS cohort, COUNT(*) AS n FROM memberships m JOIN contacts c ON c.id = m.contact_id \
             WHERE c.deleted_at IS NULL AND m.join_date >= ",
        )
        .bind(from)
        .push(" AND m.join_date <= ")
        .bind(to)
        .push(" GROUP BY 1");
    let mut out: Vec<Cohort> = spans
        .iter()
        .map(|(start, end)| Cohort {
            start: *start,
            end: *end,
            size: 0,
            still_current: Vec::new(),
        })
        .collect();
    for r in CohortRow::find_by_statement(sizes.statement())
        .all(&state.db)
        .await?
    {
        if let Some(c) = r.cohort.and_then(|c| usize::try_from(c).ok())
            && let Some(slot) = out.get_mut(c)
        {
            slot.size = r.n;
        }
    }
    for (m, (_, end)) in spans.iter().enumerate() {
        let mut sql = Sql::new(backend);
        sql.push("SELECT ");
        cohort_case(&mut sql, "s.joined_on", &spans[..=m]);
        sql.push(" AS cohort, COUNT(*) AS n FROM ");
        snapshot(&mut sql, &statuses, *end)?;
        sql.push(" s WHERE s.status_id IN ")
            .bind_list(current.clone())
            .push(" AND s.joined_on >= ")
            .bind(from)
            .push(" AND s.joined_on <= ")
            .bind(*end)
            .push(" GROUP BY 1");
        let rows = CohortRow::find_by_statement(sql.statement())
            .all(&state.db)
            .await?;
        for (k, cohort) in out.iter_mut().enumerate().take(m + 1) {
            let n = rows
                .iter()
                .find(|r| r.cohort == i64::try_from(k).ok())
                .map_or(0, |r| r.n);
            cohort.still_current.push(n);
        }
    }
    Ok(out)
}
