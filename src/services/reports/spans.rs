//! The status timelines the membership reports count (see `domain::timeline`), kept in step with the
//! history: a trigger on `membership_history` queues every membership whose history grew
//! (`report_dirty`), and [`refresh`] — run before each membership report and after the status job —
//! recomputes the queued memberships, then the merged member days of their contacts. A change of
//! the status rules (or of which statuses count as current) queues every membership again.
//!
//! Nothing is lost under concurrency: a refresh takes a batch of queued memberships and unqueues them
//! before it reads their history, so a change committed after that is queued again and taken by the
//! next refresh; two refreshes (two replicas) are serialised by a subject lock (SQLite: the write
//! lock).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder,
};

use crate::db::entities::{membership, membership_history as history};
use crate::db::sql::Sql;
use crate::db::{begin_write, lock_subject};
use crate::domain::timeline::{self, Renewal, Row, Span};
use crate::error::AppResult;
use crate::services::statuses::{EXPIRED, PENDING, Statuses};

/// Queued keys (memberships, days, contacts) recomputed per transaction.
const BATCH: i64 = 2_000;
/// Rows per multi-row `INSERT`: at most 12 parameters a row stays below both databases' limits
/// (SQLite 32,766, PostgreSQL 65,535), and a batch takes a few statements, never one per row.
const INSERT_ROWS: usize = 2_000;

/// What the stored timelines were computed with: the rules, the admin and current statuses.
fn rules_key(statuses: &Statuses) -> String {
    let rules: Vec<_> = statuses
        .statuses
        .iter()
        .map(|s| {
            let r = s.rule();
            (
                r.id,
                r.start,
                r.end,
                r.weight,
                r.is_active,
                r.is_admin,
                r.is_current_member,
            )
        })
        .collect();
    format!("{rules:?}")
}

#[derive(Debug, FromQueryResult)]
struct Value {
    value: String,
}

async fn stored_key<C: ConnectionTrait>(db: &C) -> AppResult<Option<String>> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT value FROM report_state WHERE key = 'rules'");
    Ok(Value::find_by_statement(sql.statement())
        .one(db)
        .await?
        .map(|v| v.value))
}

pub(super) async fn exec<C: ConnectionTrait>(db: &C, sql: Sql) -> AppResult<()> {
    db.execute_raw(sql.statement()).await?;
    Ok(())
}

/// Brings the timelines up to date. Cheap when nothing changed (two reads, no write).
pub async fn refresh(db: &DatabaseConnection) -> AppResult<()> {
    let backend = db.get_database_backend();
    let statuses = Statuses::load(db).await?;
    let key = rules_key(&statuses);
    if stored_key(db).await?.as_deref() != Some(key.as_str()) {
        let txn = begin_write(db).await?;
        lock_subject(&txn, "report-spans", "refresh").await?;
        let statuses = Statuses::load(&txn).await?;
        let key = rules_key(&statuses);
        if stored_key(&txn).await?.as_deref() != Some(key.as_str()) {
            for table in [
                "report_membership_spans",
                "report_member_spans",
                "report_status_deltas",
                "report_renewal_deltas",
                "report_member_deltas",
                "report_cohort_deltas",
                "report_renewals",
                "report_dirty",
            ] {
                let mut sql = Sql::new(backend);
                sql.push("DELETE FROM ").push(table);
                exec(&txn, sql).await?;
            }
            let mut all = Sql::new(backend);
            all.push("INSERT INTO report_dirty (membership_id) SELECT id FROM memberships");
            exec(&txn, all).await?;
            let mut state = Sql::new(backend);
            state.push("DELETE FROM report_state WHERE key = 'rules'");
            exec(&txn, state).await?;
            let mut state = Sql::new(backend);
            state
                .push("INSERT INTO report_state (key, value) VALUES ('rules', ")
                .bind(key)
                .push(")");
            exec(&txn, state).await?;
        }
        txn.commit().await?;
    }
    while queued(db, &["report_dirty"]).await? {
        let txn = begin_write(db).await?;
        lock_subject(&txn, "report-spans", "refresh").await?;
        let statuses = Statuses::load(&txn).await?;
        let ids: Vec<i64> = dequeue(&txn, "report_dirty", "membership_id").await?;
        if !ids.is_empty() {
            recompute(&txn, &statuses, &ids).await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

/// Whether any of these queue tables holds a row.
pub(super) async fn queued(db: &DatabaseConnection, tables: &[&str]) -> AppResult<bool> {
    for table in tables {
        let mut peek = Sql::new(db.get_database_backend());
        peek.push("SELECT 1 FROM ").push(table).push(" LIMIT 1");
        if db.query_one_raw(peek.statement()).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Takes up to a batch of distinct keys from a queue table and unqueues them, inside the caller's
/// write transaction. They leave the queue before the caller reads the records they name, so a
/// change committed after this is queued again and taken by the next refresh.
pub(super) async fn dequeue<C, T>(txn: &C, table: &str, column: &str) -> AppResult<Vec<T>>
where
    C: ConnectionTrait,
    T: sea_orm::TryGetable + Into<sea_orm::Value> + Clone,
{
    let backend = txn.get_database_backend();
    let mut take = Sql::new(backend);
    take.push("SELECT DISTINCT ")
        .push(column)
        .push(" FROM ")
        .push(table)
        .push(" ORDER BY 1 LIMIT ")
        .bind(BATCH);
    let keys = txn
        .query_all_raw(take.statement())
        .await?
        .iter()
        .map(|r| r.try_get_by_index::<T>(0))
        .collect::<Result<Vec<T>, _>>()?;
    if !keys.is_empty() {
        let mut done = Sql::new(backend);
        done.push("DELETE FROM ")
            .push(table)
            .push(" WHERE ")
            .push(column)
            .push(" IN ")
            .bind_list(keys.iter().cloned());
        exec(txn, done).await?;
    }
    Ok(keys)
}

/// One membership's rows for `report_membership_spans`.
struct Out {
    membership_id: i64,
    contact_id: i64,
    joined_on: NaiveDate,
    spans: Vec<Span>,
    renewals: Vec<(i64, DateTime<Utc>, bool)>,
}

fn timeline_of(
    m: &membership::Model,
    rows: &[history::Model],
    statuses: &Statuses,
    pending: i64,
    expired: i64,
) -> Out {
    let input: Vec<Row> = rows
        .iter()
        .map(|h| Row {
            status_id: h.status_id,
            admin: statuses.get(h.status_id).is_some_and(|s| s.is_admin),
            type_id: h.membership_type_id,
            join: h.join_date,
            start: h.start_date,
            end: h.end_date,
            from: h.in_force_from.map(|t| t.date_naive()),
            until: h.in_force_until.map(|t| t.date_naive()),
        })
        .collect();
    let renewals = rows
        .iter()
        .enumerate()
        .filter(|(_, h)| h.change == "RENEWED")
        .map(|(i, h)| {
            let was_expired = i > 0 && rows[i - 1].status_id == expired;
            (h.membership_type_id, h.changed_at, was_expired)
        })
        .collect();
    Out {
        membership_id: m.id,
        contact_id: m.contact_id,
        joined_on: m.join_date,
        spans: timeline::spans(&input, &statuses.rules, pending),
        renewals,
    }
}

/// Recomputes these memberships' spans and renewals, then their contacts' member days.
async fn recompute<C: ConnectionTrait>(txn: &C, statuses: &Statuses, ids: &[i64]) -> AppResult<()> {
    let backend = txn.get_database_backend();
    let pending = statuses.id_of(PENDING)?;
    let expired = statuses.id_of(EXPIRED)?;
    let memberships = membership::Entity::find()
        .filter(membership::Column::Id.is_in(ids.iter().copied()))
        .all(txn)
        .await?;
    let mut rows: BTreeMap<i64, Vec<history::Model>> = BTreeMap::new();
    for h in history::Entity::find()
        .filter(history::Column::MembershipId.is_in(ids.iter().copied()))
        .order_by_asc(history::Column::Id)
        .all(txn)
        .await?
    {
        rows.entry(h.membership_id).or_default().push(h);
    }
    let outs: Vec<Out> = memberships
        .iter()
        .map(|m| {
            let h = rows.get(&m.id).map_or(&[][..], Vec::as_slice);
            timeline_of(m, h, statuses, pending, expired)
        })
        .collect();
    // The old spans leave the daily counts, the new ones enter them: per type and status, and the
    // current ones per join date (the cohorts).
    let mut changes: Deltas<(i64, i64)> = BTreeMap::new();
    let mut cohorts: Deltas<NaiveDate> = BTreeMap::new();
    let mut old = Sql::new(backend);
    old.push(
        "SELECT membership_type_id, status_id, is_current, joined_on, from_day, until_day \
         FROM report_membership_spans WHERE membership_id IN ",
    )
    .bind_list(ids.iter().copied());
    for s in OldSpan::find_by_statement(old.statement()).all(txn).await? {
        let key = (s.membership_type_id, s.status_id);
        count(&mut changes, key, s.from_day, s.until_day, -1);
        if s.is_current {
            count(&mut cohorts, s.joined_on, s.from_day, s.until_day, -1);
        }
    }
    for o in &outs {
        for s in &o.spans {
            count(&mut changes, (s.type_id, s.status_id), s.from, s.until, 1);
            if statuses.is_current(s.status_id) {
                count(&mut cohorts, o.joined_on, s.from, s.until, 1);
            }
        }
    }
    add_deltas(
        txn,
        "report_status_deltas",
        "membership_type_id, status_id",
        changes,
    )
    .await?;
    add_deltas(txn, "report_cohort_deltas", "joined_on", cohorts).await?;
    let mut changes: Deltas<(i64, i64)> = BTreeMap::new();
    let mut old = Sql::new(backend);
    old.push("SELECT membership_type_id, renewed_at, reinstated FROM report_renewals WHERE membership_id IN ")
        .bind_list(ids.iter().copied());
    for r in OldRenewal::find_by_statement(old.statement())
        .all(txn)
        .await?
    {
        let key = (r.membership_type_id, i64::from(r.reinstated));
        *changes.entry((r.renewed_at.date_naive(), key)).or_default() -= 1;
    }
    for o in &outs {
        for (t, at, reinstated) in &o.renewals {
            *changes
                .entry((at.date_naive(), (*t, i64::from(*reinstated))))
                .or_default() += 1;
        }
    }
    add_deltas(
        txn,
        "report_renewal_deltas",
        "membership_type_id, reinstated",
        changes,
    )
    .await?;
    for table in ["report_membership_spans", "report_renewals"] {
        let mut sql = Sql::new(backend);
        sql.push("DELETE FROM ")
            .push(table)
            .push(" WHERE membership_id IN ")
            .bind_list(ids.iter().copied());
        exec(txn, sql).await?;
    }
    let mut span_rows = Vec::new();
    let mut renewal_rows = Vec::new();
    for o in &outs {
        // The end of the latest Expired span before each span: where a lapse may have begun.
        let mut expired_until = None;
        for (i, s) in o.spans.iter().enumerate() {
            span_rows.push((o, s, timeline::renewal(&o.spans, i), expired_until));
            if s.status_id == expired {
                expired_until = s.until;
            }
        }
        for r in &o.renewals {
            renewal_rows.push((o, r));
        }
    }
    for chunk in span_rows.chunks(INSERT_ROWS) {
        let mut sql = Sql::new(backend);
        sql.push(
            "INSERT INTO report_membership_spans (membership_id, contact_id, membership_type_id, \
             status_id, is_current, end_date, joined_on, from_day, until_day, renewed_on, \
             renewal_irregular, prev_expired_until) VALUES ",
        );
        for (i, (o, s, renewal, expired_until)) in chunk.iter().enumerate() {
            let (renewed_on, irregular) = match renewal {
                Renewal::Regular(d) => (*d, false),
                Renewal::Irregular => (None, true),
            };
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(o.membership_id)
                .push(", ")
                .bind(o.contact_id)
                .push(", ")
                .bind(s.type_id)
                .push(", ")
                .bind(s.status_id)
                .push(", ")
                .bind(statuses.is_current(s.status_id))
                .push(", ")
                .bind(s.end)
                .push(", ")
                .bind(o.joined_on)
                .push(", ")
                .bind(s.from)
                .push(", ")
                .bind(s.until)
                .push(", ")
                .bind(renewed_on)
                .push(", ")
                .bind(irregular)
                .push(", ")
                .bind(*expired_until)
                .push(")");
        }
        exec(txn, sql).await?;
    }
    for chunk in renewal_rows.chunks(INSERT_ROWS) {
        let mut sql = Sql::new(backend);
        sql.push(
            "INSERT INTO report_renewals (membership_id, contact_id, membership_type_id, \
             renewed_at, reinstated) VALUES ",
        );
        for (i, (o, (type_id, at, reinstated))) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(o.membership_id)
                .push(", ")
                .bind(o.contact_id)
                .push(", ")
                .bind(*type_id)
                .push(", ")
                .bind(*at)
                .push(", ")
                .bind(*reinstated)
                .push(")");
        }
        exec(txn, sql).await?;
    }
    let contacts: BTreeSet<i64> = outs.iter().map(|o| o.contact_id).collect();
    member_days(txn, &contacts.into_iter().collect::<Vec<_>>()).await
}

#[derive(Debug, FromQueryResult)]
struct CurrentSpan {
    contact_id: i64,
    membership_type_id: i64,
    from_day: NaiveDate,
    until_day: Option<NaiveDate>,
}

/// Recomputes the days on which these contacts were current members: over all types (type 0) and
/// per type, each a list of merged day ranges.
async fn member_days<C: ConnectionTrait>(txn: &C, contacts: &[i64]) -> AppResult<()> {
    let backend = txn.get_database_backend();
    if contacts.is_empty() {
        return Ok(());
    }
    let mut read = Sql::new(backend);
    read.push(
        "SELECT contact_id, membership_type_id, from_day, until_day FROM report_membership_spans \
         WHERE is_current = ",
    )
    .bind(true)
    .push(" AND contact_id IN ")
    .bind_list(contacts.iter().copied());
    let mut ranges: BTreeMap<(i64, i64), Vec<timeline::Days>> = BTreeMap::new();
    for s in CurrentSpan::find_by_statement(read.statement())
        .all(txn)
        .await?
    {
        let range = (s.from_day, s.until_day);
        ranges.entry((s.contact_id, 0)).or_default().push(range);
        ranges
            .entry((s.contact_id, s.membership_type_id))
            .or_default()
            .push(range);
    }
    let mut changes: Deltas<i64> = BTreeMap::new();
    let mut old = Sql::new(backend);
    old.push(
        "SELECT contact_id, membership_type_id, from_day, until_day FROM report_member_spans \
         WHERE contact_id IN ",
    )
    .bind_list(contacts.iter().copied());
    for s in CurrentSpan::find_by_statement(old.statement())
        .all(txn)
        .await?
    {
        count(
            &mut changes,
            s.membership_type_id,
            s.from_day,
            s.until_day,
            -1,
        );
    }
    let mut delete = Sql::new(backend);
    delete
        .push("DELETE FROM report_member_spans WHERE contact_id IN ")
        .bind_list(contacts.iter().copied());
    exec(txn, delete).await?;
    // Each merged range with the start of the next one (None: the last).
    let rows: Vec<MemberDays> = ranges
        .into_iter()
        .flat_map(|((contact, t), r)| {
            let merged = timeline::merge(r);
            let next: Vec<Option<NaiveDate>> = (0..merged.len())
                .map(|i| merged.get(i + 1).map(|n| n.0))
                .collect();
            merged
                .into_iter()
                .zip(next)
                .map(move |((from, until), next)| (contact, t, from, until, next))
        })
        .collect();
    for (_, t, from, until, _) in &rows {
        count(&mut changes, *t, *from, *until, 1);
    }
    add_deltas(txn, "report_member_deltas", "membership_type_id", changes).await?;
    for chunk in rows.chunks(INSERT_ROWS) {
        let mut sql = Sql::new(backend);
        sql.push(
            "INSERT INTO report_member_spans (contact_id, membership_type_id, from_day, until_day, \
             next_from) VALUES ",
        );
        for (i, (contact, t, from, until, next)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*contact)
                .push(", ")
                .bind(*t)
                .push(", ")
                .bind(*from)
                .push(", ")
                .bind(*until)
                .push(", ")
                .bind(*next)
                .push(")");
        }
        exec(txn, sql).await?;
    }
    Ok(())
}

/// A contact's merged days as a current member of a type (0: any): contact, type, first day, day
/// after the last (None: still), first day of the next range (None: none since).
type MemberDays = (i64, i64, NaiveDate, Option<NaiveDate>, Option<NaiveDate>);

#[derive(Debug, FromQueryResult)]
struct OldRenewal {
    membership_type_id: i64,
    renewed_at: DateTime<Utc>,
    reinstated: bool,
}

#[derive(Debug, FromQueryResult)]
struct OldSpan {
    membership_type_id: i64,
    status_id: i64,
    is_current: bool,
    joined_on: NaiveDate,
    from_day: NaiveDate,
    until_day: Option<NaiveDate>,
}

/// Changes of a daily count: (day, key) → how much it goes up that day.
type Deltas<K> = BTreeMap<(NaiveDate, K), i64>;

/// The key columns of a deltas table, bound in the order they are named.
trait DeltaKey: Ord + Copy {
    fn bind(&self, sql: &mut Sql);
}

impl DeltaKey for i64 {
    fn bind(&self, sql: &mut Sql) {
        sql.bind(*self);
    }
}

impl DeltaKey for (i64, i64) {
    fn bind(&self, sql: &mut Sql) {
        sql.bind(self.0).push(", ").bind(self.1);
    }
}

impl DeltaKey for NaiveDate {
    fn bind(&self, sql: &mut Sql) {
        sql.bind(*self);
    }
}

/// A span `[from, until)` counted `sign` times: up on its first day, down on the day after it.
fn count<K: DeltaKey>(
    changes: &mut Deltas<K>,
    key: K,
    from: NaiveDate,
    until: Option<NaiveDate>,
    sign: i64,
) {
    *changes.entry((from, key)).or_default() += sign;
    if let Some(u) = until {
        *changes.entry((u, key)).or_default() -= sign;
    }
}

/// Adds the changes to a deltas table keyed by day and the `keys` columns.
async fn add_deltas<C: ConnectionTrait, K: DeltaKey>(
    txn: &C,
    table: &str,
    keys: &str,
    changes: Deltas<K>,
) -> AppResult<()> {
    let backend = txn.get_database_backend();
    let rows: Vec<_> = changes.into_iter().filter(|(_, d)| *d != 0).collect();
    for chunk in rows.chunks(INSERT_ROWS) {
        let mut sql = Sql::new(backend);
        sql.push("INSERT INTO ")
            .push(table)
            .push(" (day, ")
            .push(keys)
            .push(", delta) VALUES ");
        for (i, ((day, key), delta)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*day)
                .push(", ");
            key.bind(&mut sql);
            sql.push(", ").bind(*delta).push(")");
        }
        sql.push(" ON CONFLICT (day, ")
            .push(keys)
            .push(") DO UPDATE SET delta = ")
            .push(table)
            .push(".delta + excluded.delta");
        exec(txn, sql).await?;
    }
    Ok(())
}
