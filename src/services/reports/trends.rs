//! Trends and join cohorts: many dates' counts from one grouped pass over the timelines.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use sea_orm::FromQueryResult;

use super::memberships::{
    check_range, covers, in_trash, live, members_on, newly_expired, prepare, scalar,
};
use crate::db::sql::Sql;
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::state::AppState;

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

/// Most periods one trend covers (ten years of months): the query grows with the periods,
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

#[derive(Debug, FromQueryResult)]
struct RenewalRow {
    cohort: Option<i64>,
    n: i64,
    reinstated: Option<i64>,
}

#[derive(Debug, FromQueryResult)]
struct LapseRow {
    a: i64,
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

/// The period holding `day`, if any (the periods are increasing and contiguous).
fn period_of(spans: &[(NaiveDate, NaiveDate)], day: NaiveDate) -> Option<usize> {
    let k = spans.partition_point(|s| s.1 < day);
    spans.get(k).filter(|s| s.0 <= day).map(|_| k)
}

#[derive(Debug, FromQueryResult)]
struct DayCount {
    day: NaiveDate,
    n: i64,
}

/// Memberships by join date from `from` to `to` (of `types`, when not empty), not counting
/// contacts in the trash: one pass in join-date order (no sort), less the trashed contacts'
/// memberships (found from the contacts).
async fn joined_by_day(
    state: &AppState,
    from: NaiveDate,
    to: NaiveDate,
    types: &[i64],
) -> AppResult<BTreeMap<NaiveDate, i64>> {
    let mut out: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for (sign, trashed) in [(1, false), (-1, true)] {
        let mut sql = Sql::new(state.db.get_database_backend());
        sql.push(
            "SELECT m.join_date AS day, COUNT(*) AS n FROM memberships m WHERE m.join_date >= ",
        )
        .bind(from)
        .push(" AND m.join_date <= ")
        .bind(to);
        type_filter(&mut sql, "m.membership_type_id", types);
        if trashed {
            sql.push(" AND ");
            in_trash(&mut sql, "m");
        }
        sql.push(" GROUP BY m.join_date");
        for r in DayCount::find_by_statement(sql.statement())
            .all(&state.db)
            .await?
        {
            *out.entry(r.day).or_default() += sign * r.n;
        }
    }
    Ok(out)
}

/// Contacts current on each of `dates` (with a membership of one of `types`, when not empty).
async fn current_on(state: &AppState, dates: &[NaiveDate], types: &[i64]) -> AppResult<Vec<i64>> {
    let backend = state.db.get_database_backend();
    if types.len() <= 1 {
        return members_on(state, dates, types.first().copied().unwrap_or(0)).await;
    }
    // A contact may hold several of the types at once: count distinct contacts per date.
    let mut out = Vec::with_capacity(dates.len());
    for d in dates {
        let mut sql = Sql::new(backend);
        sql.push("SELECT COUNT(DISTINCT s.contact_id) AS n FROM report_member_spans s WHERE ");
        covers(&mut sql, "s", *d);
        type_filter(&mut sql, "s.membership_type_id", types);
        live(&mut sql, "s");
        out.push(scalar(state, sql).await?);
    }
    Ok(out)
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
    let spans = periods(from, to, interval)?;
    let statuses = prepare(state, viewer).await?;
    let backend = state.db.get_database_backend();
    let midnight =
        |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default());
    // The day before the first period, then each period's last day.
    let dates: Vec<NaiveDate> = std::iter::once(from - Duration::days(1))
        .chain(spans.iter().map(|s| s.1))
        .collect();
    let current = current_on(state, &dates, types).await?;
    let mut joined = vec![0; spans.len()];
    for (day, n) in joined_by_day(state, from, to, types).await? {
        if let Some(k) = period_of(&spans, day) {
            joined[k] += n;
        }
    }
    // Renewals per day (with whether the membership was Expired before), less the trashed
    // contacts' renewals.
    let mut renewals = Sql::new(backend);
    renewals.push("SELECT ");
    cohort_case(&mut renewals, "r.day", &spans);
    renewals
        .push(
            " AS cohort, CAST(SUM(r.delta) AS BIGINT) AS n, \
             CAST(SUM(r.delta * r.reinstated) AS BIGINT) AS reinstated \
             FROM report_renewal_deltas r WHERE r.day >= ",
        )
        .bind(from)
        .push(" AND r.day <= ")
        .bind(to);
    type_filter(&mut renewals, "r.membership_type_id", types);
    renewals.push(" GROUP BY 1");
    let mut renewed: BTreeMap<Option<i64>, (i64, i64)> = BTreeMap::new();
    for r in RenewalRow::find_by_statement(renewals.statement())
        .all(&state.db)
        .await?
    {
        let e = renewed.entry(r.cohort).or_default();
        e.0 += r.n;
        e.1 += r.reinstated.unwrap_or(0);
    }
    let mut trashed = Sql::new(backend);
    trashed.push("SELECT CASE");
    for (i, (_, end)) in spans.iter().enumerate() {
        trashed
            .push(" WHEN r.renewed_at < ")
            .bind(midnight(*end + Duration::days(1)))
            .push(" THEN ")
            .bind(i64::try_from(i).unwrap_or(0));
    }
    trashed
        .push(
            " END AS cohort, COUNT(*) AS n, SUM(CASE WHEN r.reinstated THEN 1 ELSE 0 END) AS reinstated \
             FROM report_renewals r WHERE ",
        );
    in_trash(&mut trashed, "r");
    trashed
        .push(" AND r.renewed_at >= ")
        .bind(midnight(from))
        .push(" AND r.renewed_at < ")
        .bind(midnight(to + Duration::days(1)));
    type_filter(&mut trashed, "r.membership_type_id", types);
    trashed.push(" GROUP BY 1");
    for r in RenewalRow::find_by_statement(trashed.statement())
        .all(&state.db)
        .await?
    {
        let e = renewed.entry(r.cohort).or_default();
        e.0 -= r.n;
        e.1 -= r.reinstated.unwrap_or(0);
    }
    // Lapses: Expired on a period's last day, not on the day before the period.
    let mut lapses = Sql::new(backend);
    lapses.push("SELECT x.a, COUNT(*) AS n FROM ");
    newly_expired(&mut lapses, &statuses, &dates, types)?;
    lapses.push(" GROUP BY x.a");
    let lapses = LapseRow::find_by_statement(lapses.statement())
        .all(&state.db)
        .await?;
    let mut out = Vec::with_capacity(spans.len());
    for (i, (start, end)) in spans.iter().copied().enumerate() {
        let k = i64::try_from(i).ok();
        let renewal = renewed.get(&k).copied().unwrap_or((0, 0));
        out.push(TrendPeriod {
            start,
            end,
            current_at_end: current[i + 1],
            current_at_start: current[i],
            joined: joined[i],
            renewed: renewal.0,
            lapsed: lapses
                .iter()
                .find(|l| l.a == i64::try_from(i + 1).unwrap_or(0))
                .map_or(0, |l| l.n),
            reinstated: renewal.1,
        });
    }
    Ok(out)
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
struct CohortDelta {
    joined_on: NaiveDate,
    day: NaiveDate,
    delta: i64,
}

#[derive(Debug, FromQueryResult)]
struct TrashedSpan {
    joined_on: NaiveDate,
    from_day: NaiveDate,
    until_day: Option<NaiveDate>,
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
    let spans = periods(from, to, interval)?;
    if spans.len() > MAX_COHORT_PERIODS {
        return Err(AppError::bad_input(
            "to",
            format!("at most {MAX_COHORT_PERIODS} periods: choose a longer interval"),
        ));
    }
    check_range(from, to)?;
    prepare(state, viewer).await?;
    let backend = state.db.get_database_backend();
    let mut sizes = vec![0; spans.len()];
    for (day, n) in joined_by_day(state, from, to, &[]).await? {
        if let Some(k) = period_of(&spans, day) {
            sizes[k] += n;
        }
    }
    let ends: Vec<NaiveDate> = spans.iter().map(|s| s.1).collect();
    let last = ends[ends.len() - 1];
    // current[k][j]: memberships of cohort k current at the end of period j. Each join date's
    // count changes by `delta` on `day`, which counts for every end on or after that day.
    let mut current = vec![vec![0_i64; ends.len()]; spans.len()];
    let mut sql = Sql::new(backend);
    sql.push("SELECT joined_on, day, delta FROM report_cohort_deltas WHERE joined_on >= ")
        .bind(from)
        .push(" AND joined_on <= ")
        .bind(to)
        .push(" AND day <= ")
        .bind(last);
    for r in CohortDelta::find_by_statement(sql.statement())
        .all(&state.db)
        .await?
    {
        if let Some(k) = period_of(&spans, r.joined_on) {
            let first = ends.partition_point(|e| *e < r.day);
            for slot in current[k].iter_mut().skip(first) {
                *slot += r.delta;
            }
        }
    }
    // Less the current spans of contacts in the trash (a span [from, until) covers the ends from
    // the first on or after `from` to the last before `until`).
    let mut trashed = Sql::new(backend);
    trashed
        .push(
            "SELECT s.joined_on, s.from_day, s.until_day FROM report_membership_spans s \
             WHERE s.is_current AND s.joined_on >= ",
        )
        .bind(from)
        .push(" AND s.joined_on <= ")
        .bind(to)
        .push(" AND s.from_day <= ")
        .bind(last)
        .push(" AND ");
    in_trash(&mut trashed, "s");
    for r in TrashedSpan::find_by_statement(trashed.statement())
        .all(&state.db)
        .await?
    {
        if let Some(k) = period_of(&spans, r.joined_on) {
            let a = ends.partition_point(|e| *e < r.from_day);
            let b = r
                .until_day
                .map_or(ends.len(), |u| ends.partition_point(|e| *e < u));
            for slot in current[k].iter_mut().take(b).skip(a) {
                *slot -= 1;
            }
        }
    }
    Ok(spans
        .iter()
        .zip(sizes)
        .zip(current)
        .enumerate()
        .map(|(k, (((start, end), size), counts))| Cohort {
            start: *start,
            end: *end,
            size,
            still_current: counts[k..].to_vec(),
        })
        .collect())
}
