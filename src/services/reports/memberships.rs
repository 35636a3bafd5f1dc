//! Membership reports for any date: what the membership record said then, judged by the status
//! rules — counted by the database over the stored status timelines (`spans`).
//!
//! **A membership on date D** is its history row in force at the end of D: the latest row recorded
//! (`changed_at`) before D + 1 day, or — for a membership recorded later with earlier dates (an import,
//! a back-dated entry) — its first row. Memberships whose join date is after D did not exist yet and
//! are left out, and so are memberships of contacts in the trash.
//! **Its status on D** is the row's status when that is an admin status (Pending, Cancelled,
//! Deceased: set by hand or by a workflow, held), and otherwise what today's rules give for the
//! row's dates on D (`domain::timeline`). A hand-set non-admin status (an override to Current, say)
//! is not told apart in the history and is judged by the rules.
//! **A current member** on D is a contact with at least one membership whose status on D counts as
//! current (New, Current and Grace by default).
//!
//! Each membership's days are stored as spans with one type, status and end date, and each contact's
//! days as a current member as merged spans, so "on D" is "a span covers D" and the counts for many
//! dates come from one grouped pass ([`rank`]).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use sea_orm::FromQueryResult;

use crate::db::sql::Sql;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::access;
use crate::services::auth::Viewer;
use crate::services::statuses::{EXPIRED, Statuses};
use crate::state::AppState;

pub(super) fn check_range(from: NaiveDate, to: NaiveDate) -> AppResult<()> {
    if to < from {
        return Err(AppError::bad_input("to", "must not be before `from`"));
    }
    Ok(())
}

/// Checks the viewer, brings the timelines up to date and loads the statuses.
pub(super) async fn prepare(state: &AppState, viewer: &Viewer) -> AppResult<Statuses> {
    access::require_role(viewer, Role::Staff)?;
    // In its own task: a request that times out does not cut a refresh short (each batch commits,
    // so the work done is kept either way).
    let db = state.db.clone();
    tokio::spawn(async move { super::spans::refresh(&db).await })
        .await
        .map_err(|e| AppError::internal(format!("timeline refresh failed: {e}")))??;
    Statuses::load(&state.db).await
}

/// ` AND <alias>.contact_id NOT IN (contacts in the trash)` (an index holds just those).
pub(super) fn live(sql: &mut Sql, alias: &str) {
    sql.push(" AND ")
        .push(alias)
        .push(".contact_id NOT IN (SELECT id FROM contacts WHERE deleted_at IS NOT NULL)");
}

/// `<alias>.from_day <= d AND (<alias>.until_day IS NULL OR <alias>.until_day > d)`.
pub(super) fn covers(sql: &mut Sql, alias: &str, d: NaiveDate) {
    sql.push(alias)
        .push(".from_day <= ")
        .bind(d)
        .push(" AND (")
        .push(alias)
        .push(".until_day IS NULL OR ")
        .push(alias)
        .push(".until_day > ")
        .bind(d)
        .push(")");
}

/// How many of the increasing `dates` are before `column` (all of them when it is NULL). A span
/// `[from_day, until_day)` covers `dates[j]` exactly when `rank(from_day) <= j < rank(until_day)`.
pub(super) fn rank(sql: &mut Sql, column: &str, dates: &[NaiveDate]) {
    sql.push("(CASE WHEN ").push(column).push(" IS NULL THEN ");
    sql.bind(i64::try_from(dates.len()).unwrap_or(0));
    for (j, d) in dates.iter().enumerate() {
        sql.push(" WHEN ")
            .push(column)
            .push(" <= ")
            .bind(*d)
            .push(" THEN ")
            .bind(i64::try_from(j).unwrap_or(0));
    }
    sql.push(" ELSE ")
        .bind(i64::try_from(dates.len()).unwrap_or(0))
        .push(" END)");
}

#[derive(Debug, FromQueryResult)]
pub(super) struct Ranked {
    pub a: i64,
    pub b: i64,
    pub n: i64,
}

/// Per date, the sum of `n` over the groups whose span covers it.
pub(super) fn spread(groups: &[Ranked], dates: usize) -> Vec<i64> {
    let mut out = vec![0; dates];
    for g in groups {
        let (a, b) = (
            usize::try_from(g.a).unwrap_or(0),
            usize::try_from(g.b).unwrap_or(0),
        );
        for slot in out.iter_mut().take(b.min(dates)).skip(a) {
            *slot += g.n;
        }
    }
    out
}

#[derive(Debug, FromQueryResult)]
struct CountRow {
    membership_type_id: i64,
    status_id: i64,
    n: i64,
}

#[derive(Debug, FromQueryResult)]
pub(super) struct One {
    pub n: Option<i64>,
}

pub(super) async fn scalar(state: &AppState, sql: Sql) -> AppResult<i64> {
    Ok(One::find_by_statement(sql.statement())
        .one(&state.db)
        .await?
        .and_then(|r| r.n)
        .unwrap_or(0))
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
    let statuses = prepare(state, viewer).await?;
    let backend = state.db.get_database_backend();
    // Every span's start and end, summed up to the date; then the trashed contacts' spans out.
    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT membership_type_id, status_id, CAST(SUM(delta) AS BIGINT) AS n \
         FROM report_status_deltas WHERE day <= ",
    )
    .bind(as_of)
    .push(" GROUP BY membership_type_id, status_id");
    let mut counts: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for r in CountRow::find_by_statement(sql.statement())
        .all(&state.db)
        .await?
    {
        *counts
            .entry((r.membership_type_id, r.status_id))
            .or_default() += r.n;
    }
    let mut trashed = Sql::new(backend);
    trashed.push(
        "SELECT s.membership_type_id, s.status_id, COUNT(*) AS n FROM report_membership_spans s \
         WHERE ",
    );
    in_trash(&mut trashed, "s");
    trashed.push(" AND ");
    covers(&mut trashed, "s", as_of);
    trashed.push(" GROUP BY s.membership_type_id, s.status_id");
    for r in CountRow::find_by_statement(trashed.statement())
        .all(&state.db)
        .await?
    {
        *counts
            .entry((r.membership_type_id, r.status_id))
            .or_default() -= r.n;
    }
    counts.retain(|_, n| *n != 0);
    let current_memberships = counts
        .iter()
        .filter(|((_, status), _)| statuses.is_current(*status))
        .map(|(_, n)| n)
        .sum();
    let current_members = members_on(state, &[as_of], 0).await?[0];
    Ok(MembershipSummary {
        as_of,
        current_members,
        current_memberships,
        rows: counts.into_iter().map(|((t, s), n)| (t, s, n)).collect(),
    })
}

/// `<alias>.contact_id IN (contacts in the trash)`.
pub(super) fn in_trash(sql: &mut Sql, alias: &str) {
    sql.push(alias)
        .push(".contact_id IN (SELECT id FROM contacts WHERE deleted_at IS NOT NULL)");
}

/// Contacts current on each of the increasing `dates` with a membership of type `type_id` (0: any
/// type): the member days' changes summed up to each date, less the trashed contacts' days.
pub(super) async fn members_on(
    state: &AppState,
    dates: &[NaiveDate],
    type_id: i64,
) -> AppResult<Vec<i64>> {
    let backend = state.db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT ");
    rank(&mut sql, "d.day", dates);
    sql.push(" AS a, CAST(SUM(d.delta) AS BIGINT) AS n FROM report_member_deltas d WHERE d.membership_type_id = ")
        .bind(type_id)
        .push(" AND d.day <= ")
        .bind(dates[dates.len() - 1])
        .push(" GROUP BY 1");
    let mut out = vec![0; dates.len()];
    for r in Step::find_by_statement(sql.statement())
        .all(&state.db)
        .await?
    {
        // A change on a day before or on `dates[j]` (rank <= j) counts for that date.
        for slot in out.iter_mut().skip(usize::try_from(r.a).unwrap_or(0)) {
            *slot += r.n;
        }
    }
    let mut trashed = Sql::new(backend);
    trashed.push("SELECT ");
    rank(&mut trashed, "s.from_day", dates);
    trashed.push(" AS a, ");
    rank(&mut trashed, "s.until_day", dates);
    trashed
        .push(" AS b, COUNT(*) AS n FROM report_member_spans s WHERE s.membership_type_id = ")
        .bind(type_id)
        .push(" AND ");
    in_trash(&mut trashed, "s");
    trashed.push(" GROUP BY 1, 2");
    let groups = Ranked::find_by_statement(trashed.statement())
        .all(&state.db)
        .await?;
    for (slot, gone) in out.iter_mut().zip(spread(&groups, dates.len())) {
        *slot -= gone;
    }
    Ok(out)
}

#[derive(Debug, FromQueryResult)]
struct Step {
    a: i64,
    n: i64,
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
struct TypeCount {
    membership_type_id: i64,
    n: i64,
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
    check_range(from, to)?;
    prepare(state, viewer).await?;
    let backend = state.db.get_database_backend();
    // Starting: contacts current on `from`, over all types (type 0) and per type. Lost: those whose
    // member days covering `from` end by `to` and who are not current again on `to` (looked up only
    // for them); retained = starting − lost.
    let mut starting = Sql::new(backend);
    starting
        .push(
            "SELECT membership_type_id, CAST(SUM(delta) AS BIGINT) AS n FROM report_member_deltas \
             WHERE day <= ",
        )
        .bind(from)
        .push(" GROUP BY membership_type_id");
    let mut trashed = Sql::new(backend);
    trashed.push("SELECT s.membership_type_id, COUNT(*) AS n FROM report_member_spans s WHERE ");
    in_trash(&mut trashed, "s");
    trashed.push(" AND ");
    covers(&mut trashed, "s", from);
    trashed.push(" GROUP BY s.membership_type_id");
    let mut lost = Sql::new(backend);
    lost.push(
        "SELECT s.membership_type_id, COUNT(*) AS n FROM report_member_spans s WHERE s.until_day > ",
    )
    .bind(from)
    .push(" AND s.until_day <= ")
    .bind(to)
    .push(" AND s.from_day <= ")
    .bind(from)
    // Current again on `to` needs later days starting by then (`next_from`): only those few are
    // looked up.
    .push(" AND (s.next_from IS NULL OR s.next_from > ")
    .bind(to)
    .push(
        " OR NOT EXISTS (SELECT 1 FROM report_member_spans t WHERE t.contact_id = s.contact_id \
         AND t.membership_type_id = s.membership_type_id AND ",
    );
    covers(&mut lost, "t", to);
    lost.push("))");
    live(&mut lost, "s");
    lost.push(" GROUP BY s.membership_type_id");
    let mut kept: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for (sql, sign, lost) in [(starting, 1, false), (trashed, -1, false), (lost, 1, true)] {
        for r in TypeCount::find_by_statement(sql.statement())
            .all(&state.db)
            .await?
        {
            let e = kept.entry(r.membership_type_id).or_default();
            if lost {
                e.1 += r.n;
            } else {
                e.0 += sign * r.n;
            }
        }
    }
    // Came due: the span covering `from` ends within the range; renewed: its end date on `to` is
    // later (or gone: lifetime) — known from the span unless its later history is irregular.
    let mut due = Sql::new(backend);
    due.push(
        "SELECT s.membership_type_id, COUNT(*) AS came_due, SUM(CASE WHEN s.renewal_irregular THEN \
         (CASE WHEN EXISTS (SELECT 1 FROM report_membership_spans t WHERE \
         t.membership_id = s.membership_id AND (t.end_date IS NULL OR t.end_date > s.end_date) AND ",
    );
    covers(&mut due, "t", to);
    due.push(") THEN 1 ELSE 0 END) WHEN s.renewed_on IS NOT NULL AND s.renewed_on <= ")
        .bind(to)
        .push(" THEN 1 ELSE 0 END) AS renewed FROM report_membership_spans s WHERE s.end_date >= ")
        .bind(from)
        .push(" AND s.end_date <= ")
        .bind(to)
        .push(" AND ");
    covers(&mut due, "s", from);
    live(&mut due, "s");
    due.push(" GROUP BY s.membership_type_id");
    let dues = DueRow::find_by_statement(due.statement())
        .all(&state.db)
        .await?;
    let due_of: BTreeMap<i64, (i64, i64)> = dues
        .iter()
        .map(|d| (d.membership_type_id, (d.came_due, d.renewed.unwrap_or(0))))
        .collect();
    kept.retain(|_, (starting, _)| *starting != 0);
    let overall = kept.get(&0).copied().unwrap_or((0, 0));
    let mut out = vec![Retention {
        membership_type_id: None,
        starting: overall.0,
        retained: overall.0 - overall.1,
        came_due: due_of.values().map(|d| d.0).sum(),
        renewed: due_of.values().map(|d| d.1).sum(),
    }];
    let mut type_ids: Vec<i64> = kept
        .keys()
        .copied()
        .filter(|t| *t != 0)
        .chain(due_of.keys().copied())
        .collect();
    type_ids.sort_unstable();
    type_ids.dedup();
    for t in type_ids {
        let (starting, lost) = kept.get(&t).copied().unwrap_or((0, 0));
        let d = due_of.get(&t).copied().unwrap_or((0, 0));
        out.push(Retention {
            membership_type_id: Some(t),
            starting,
            retained: starting - lost,
            came_due: d.0,
            renewed: d.1,
        });
    }
    Ok(out)
}

/// `CASE` giving, for a `column` within `(dates[0], dates[last]]`, the first date at or after it
/// (`before` false) or the last date before it (`before` true).
pub(super) fn around(sql: &mut Sql, column: &str, dates: &[NaiveDate], before: bool) {
    sql.push("(CASE");
    for j in 1..dates.len() {
        sql.push(" WHEN ")
            .push(column)
            .push(" <= ")
            .bind(dates[j])
            .push(" THEN ")
            .bind(if before { dates[j - 1] } else { dates[j] });
    }
    sql.push(" END)");
}

/// Expired spans of memberships that became Expired after `dates[0]` and were still Expired on the
/// first date at or after the span's start, and were not Expired on the date before it (known from
/// the end of the membership's previous Expired span, looked up only when that ends after the date): a derived
/// table `x (membership_id, contact_id, a)` where `a` is the rank of that date. `types` (when not
/// empty) narrows to memberships of those types on it.
pub(super) fn newly_expired(
    sql: &mut Sql,
    statuses: &Statuses,
    dates: &[NaiveDate],
    types: &[i64],
) -> AppResult<()> {
    let expired = statuses.id_of(EXPIRED)?;
    let (first, last) = (dates[0], dates[dates.len() - 1]);
    sql.push(
        "(SELECT y.membership_id, y.contact_id, y.a FROM (SELECT s.membership_id, s.contact_id, ",
    );
    rank(sql, "s.from_day", dates);
    sql.push(" AS a, ");
    around(sql, "s.from_day", dates, false);
    sql.push(" AS on_day, ");
    around(sql, "s.from_day", dates, true);
    sql.push(
        " AS before_day, s.until_day, s.prev_expired_until FROM report_membership_spans s \
         WHERE s.status_id = ",
    )
    .bind(expired)
    .push(" AND s.from_day > ")
    .bind(first)
    .push(" AND s.from_day <= ")
    .bind(last);
    if !types.is_empty() {
        sql.push(" AND s.membership_type_id IN ")
            .bind_list(types.iter().copied());
    }
    live(sql, "s");
    sql.push(
        ") y WHERE (y.until_day IS NULL OR y.until_day > y.on_day) AND (y.prev_expired_until IS NULL \
         OR y.prev_expired_until <= y.before_day OR NOT EXISTS (SELECT 1 FROM \
         report_membership_spans p WHERE p.membership_id = y.membership_id AND p.status_id = ",
    )
    .bind(expired)
    .push(
        " AND p.from_day <= y.before_day AND (p.until_day IS NULL OR p.until_day > y.before_day)))) x",
    );
    Ok(())
}

#[derive(Debug, FromQueryResult)]
struct PageRow {
    id: i64,
    total: i64,
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
    check_range(from, to)?;
    let statuses = prepare(state, viewer).await?;
    let backend = state.db.get_database_backend();
    let after = page
        .after
        .as_deref()
        .map(|a| Cursor::decode(a, ORDER))
        .transpose()?;
    let dates = [from - Duration::days(1), to];
    let body = |sql: &mut Sql| -> AppResult<()> {
        newly_expired(sql, &statuses, &dates, &[])?;
        sql.push(
            " WHERE NOT EXISTS (SELECT 1 FROM report_member_spans c WHERE c.contact_id = x.contact_id \
             AND c.membership_type_id = 0 AND ",
        );
        covers(sql, "c", to);
        sql.push(")");
        Ok(())
    };
    // One pass gives the page and, when asked, the total (the matches are all found either way to
    // be ordered by id).
    let mut sql = Sql::new(backend);
    sql.push("SELECT z.id, z.total FROM (SELECT x.membership_id AS id, ")
        .push(if page.count {
            "COUNT(*) OVER ()"
        } else {
            "CAST(0 AS BIGINT)"
        })
        .push(" AS total FROM ");
    body(&mut sql)?;
    sql.push(") z");
    if let Some(c) = &after {
        sql.push(" WHERE z.id > ").bind(c.id);
    }
    sql.push(" ORDER BY z.id LIMIT ")
        .bind(i64::try_from(page.first + 1).unwrap_or(i64::MAX));
    let rows = PageRow::find_by_statement(sql.statement())
        .all(&state.db)
        .await?;
    let total = match rows.first() {
        Some(r) => r.total,
        // Past the last match: nothing carried the total.
        None if page.count => {
            let mut count = Sql::new(backend);
            count.push("SELECT COUNT(*) AS n FROM ");
            body(&mut count)?;
            scalar(state, count).await?
        }
        None => 0,
    };
    let found: Vec<i64> = rows.into_iter().map(|r| r.id).collect();
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
