//! The status job's bundle pass: relationships whose end date has passed stop holding, and every
//! bundle that disagrees with its primary or its relationships on the job's date is synced, one
//! transaction per bundle. The job's set-based update already moves followers with their primaries
//! (they hold the same dates), so this pass usually finds little to do.

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

use super::bundle;
use crate::db::begin_write;
use crate::db::sql::Sql;
use crate::error::AppResult;
use crate::services::Actor;
use crate::services::memberships::change;
use crate::services::statuses::{PENDING, Statuses};
use crate::state::AppState;

const FAR: &str = "'9999-12-31'";

/// Syncs the bundles that need it as of `as_of`; returns how many were synced.
#[tracing::instrument(skip(state))]
pub async fn run(state: &AppState, as_of: NaiveDate, job: &'static str) -> AppResult<i64> {
    let db = &state.db;
    let mut primaries = ended_relationships(state, as_of).await?;
    primaries.extend(drifted(db).await?);
    primaries.extend(unseated(state, as_of).await?);
    primaries.sort_unstable();
    primaries.dedup();
    let actor = Actor::Job(job);
    for p in &primaries {
        let txn = begin_write(db).await?;
        bundle::sync(state, &txn, &actor, *p, change::STATUS_CHANGED, as_of, None).await?;
        txn.commit().await?;
    }
    Ok(primaries.len() as i64)
}

async fn ids<C: ConnectionTrait>(db: &C, sql: Sql) -> AppResult<Vec<i64>> {
    let rows = db.query_all_raw(sql.statement()).await?;
    rows.iter()
        .map(|r| r.try_get_by_index::<i64>(0).map_err(Into::into))
        .collect()
}

/// Relationships whose end date is before `as_of` become inactive; returns the primaries whose
/// followers inherited through them. Set-based: no list of ids is bound, however many end at once.
async fn ended_relationships(state: &AppState, as_of: NaiveDate) -> AppResult<Vec<i64>> {
    let db = &state.db;
    let backend = db.get_database_backend();
    let mut primaries = Sql::new(backend);
    primaries
        .push(
            "SELECT DISTINCT m.inherited_from_id FROM memberships m JOIN relationships r \
             ON r.id = m.relationship_id WHERE m.inherit_ended_on IS NULL AND r.is_active = ",
        )
        .bind(true)
        .push(" AND r.end_date < ")
        .bind(as_of);
    let found = ids(db, primaries).await?;
    let mut update = Sql::new(backend);
    update
        .push("UPDATE relationships SET is_active = ")
        .bind(false)
        .push(", updated_at = ")
        .bind(state.clock.now())
        .push(" WHERE is_active = ")
        .bind(true)
        .push(" AND end_date < ")
        .bind(as_of);
    db.execute_raw(update.statement()).await?;
    Ok(found)
}

/// Primaries with a follower that does not hold exactly what they hold.
async fn drifted<C: ConnectionTrait>(db: &C) -> AppResult<Vec<i64>> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT DISTINCT c.inherited_from_id FROM memberships c \
         JOIN memberships p ON p.id = c.inherited_from_id \
         WHERE c.inherit_ended_on IS NULL AND (c.status_id <> p.status_id \
         OR c.membership_type_id <> p.membership_type_id OR c.join_date <> p.join_date \
         OR c.start_date <> p.start_date OR c.is_override <> p.is_override \
         OR COALESCE(c.end_date, {FAR}) <> COALESCE(p.end_date, {FAR}) \
         OR COALESCE(c.override_until, {FAR}) <> COALESCE(p.override_until, {FAR}))"
    ));
    ids(db, sql).await
}

/// Current or pending primaries of bundle types whose holder has a relationship in force on
/// `as_of` through which nobody follows yet (one that started since, or a seat freed meanwhile).
async fn unseated(state: &AppState, as_of: NaiveDate) -> AppResult<Vec<i64>> {
    let db = &state.db;
    let types = state.reference.types(db).await?;
    let bundle_types: Vec<i64> = types
        .iter()
        .filter(|t| !t.inherit_via.is_empty())
        .map(|t| t.id)
        .collect();
    if bundle_types.is_empty() {
        return Ok(Vec::new());
    }
    let statuses = Statuses::load(db).await?;
    let mut admitting = statuses.current_ids();
    admitting.push(statuses.id_of(PENDING)?);
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT p.id, p.membership_type_id, r.relationship_type_id FROM memberships p \
         JOIN relationships r ON (r.contact_a_id = p.contact_id OR r.contact_b_id = p.contact_id) \
         WHERE p.inherited_from_id IS NULL AND p.membership_type_id IN ",
    );
    sql.bind_list(bundle_types);
    sql.push(" AND p.status_id IN ");
    sql.bind_list(admitting);
    sql.push(" AND r.is_active = ")
        .bind(true)
        .push(" AND (r.start_date IS NULL OR r.start_date <= ")
        .bind(as_of)
        .push(") AND (r.end_date IS NULL OR r.end_date >= ")
        .bind(as_of)
        .push(
            ") AND NOT EXISTS (SELECT 1 FROM memberships c WHERE c.inherited_from_id = p.id \
             AND c.relationship_id = r.id AND c.inherit_ended_on IS NULL)",
        );
    let rows = db.query_all_raw(sql.statement()).await?;
    let mut out = Vec::new();
    for r in rows {
        let (p, t, rt): (i64, i64, i64) = (
            r.try_get_by_index(0)?,
            r.try_get_by_index(1)?,
            r.try_get_by_index(2)?,
        );
        if types
            .iter()
            .any(|x| x.id == t && x.inherit_via.contains(&rt))
        {
            out.push(p);
        }
    }
    Ok(out)
}
