//! Bundles: a membership whose type inherits through relationship types grants memberships to the
//! contacts related to its holder. The primary carries dates and status; each inherited membership
//! copies them exactly. [`sync`] is the one function that makes a bundle agree with its primary and
//! its relationships; every membership write path calls it ([`after_write`]) in its transaction, and
//! the status job calls it for the bundles that need it (`job.rs`).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::db::entities::{contact, membership, relationship};
use crate::db::lock_subject;
use crate::domain::household::{full_message, has_seat, in_force};
use crate::error::{AppError, AppResult};
use crate::services::memberships::{change, get_in, write_history};
use crate::services::statuses::{CANCELLED, DECEASED, PENDING, Statuses};
use crate::services::{Actor, membership_types};
use crate::state::AppState;

/// Brings the bundle of membership `id` (if it is a primary with a bundle) up to date after a
/// write, as of today; `kind` is the history kind the followers record (the primary's change).
pub async fn after_write<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    actor: &Actor,
    id: i64,
    kind: &str,
) -> AppResult<()> {
    sync(state, db, actor, id, kind, state.clock.today(), None).await
}

/// Refuses a write aimed at an inherited membership: its primary carries its dates and status.
pub fn refuse_inherited(m: &membership::Model) -> AppResult<()> {
    match m.inherited_from_id {
        Some(p) => Err(AppError::bad_input(
            "id",
            format!(
                "membership {} is inherited from membership {p}; change that one (or end the \
                 relationship it is inherited through)",
                m.id
            ),
        )),
        None => Ok(()),
    }
}

/// Makes the bundle of primary membership `primary_id` agree, as of `on`, with the primary and with
/// the relationships in force: followers copy the primary; a follower whose relationship no longer
/// holds (or whose primary holder died) stops following and is cancelled; a related contact
/// without a seat gets one while the primary is current or pending and seats are left. With
/// `must_seat`, the contact related through that relationship must get a seat, or the whole
/// write fails with BAD_USER_INPUT naming the limit.
pub async fn sync<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    actor: &Actor,
    primary_id: i64,
    kind: &str,
    on: NaiveDate,
    must_seat: Option<i64>,
) -> AppResult<()> {
    let p = get_in(db, primary_id).await?;
    if p.inherited_from_id.is_some() {
        return Ok(());
    }
    let t = membership_types::get(db, p.membership_type_id, "membershipTypeId").await?;
    let via = t.inherit_via.map(|j| j.0).unwrap_or_default();
    if via.is_empty() && children_count(db, p.id).await? == 0 {
        return Ok(());
    }
    // Serialises writers of one bundle (seat counts) on PostgreSQL; SQLite has one writer anyway.
    lock_subject(db, "bundle", &p.id.to_string()).await?;
    let p = get_in(db, primary_id).await?;
    let children = membership::Entity::find()
        .filter(membership::Column::InheritedFromId.eq(p.id))
        .order_by_asc(membership::Column::Id)
        .all(db)
        .await?;
    let statuses = Statuses::load(db).await?;
    let code = statuses.code_of(p.status_id);
    let seats = if code == Some(DECEASED) {
        Vec::new()
    } else {
        candidates(db, p.contact_id, &via, on).await?
    };
    let now = state.clock.now();
    let by = actor.label();
    let mut taken = 0usize;
    for c in children.iter().filter(|c| c.inherit_ended_on.is_none()) {
        match seats.iter().find(|(contact, _)| *contact == c.contact_id) {
            Some((_, rel)) => {
                follow(db, &p, c.clone(), *rel, kind, &by, now).await?;
                taken += 1;
            }
            None => {
                let why = if code == Some(DECEASED) {
                    "the primary member died"
                } else {
                    "the relationship it was inherited through no longer holds"
                };
                end(db, &statuses, c.clone(), why, on, &by, now).await?;
            }
        }
    }
    let admits = statuses.is_current(p.status_id) || code == Some(PENDING);
    for (contact, rel) in seats {
        let existing = children.iter().find(|c| c.contact_id == contact);
        if existing.is_some_and(|c| c.inherit_ended_on.is_none()) || !admits {
            continue;
        }
        if !has_seat(t.max_related, taken) {
            if must_seat == Some(rel) {
                let max = t.max_related.unwrap_or(0);
                return Err(AppError::bad_input("maxRelated", full_message(max, p.id)));
            }
            continue;
        }
        match existing {
            Some(old) => follow(db, &p, old.clone(), rel, change::CREATED, &by, now).await?,
            None => create(db, &p, contact, rel, &by, now).await?,
        }
        taken += 1;
    }
    Ok(())
}

async fn children_count<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<u64> {
    Ok(membership::Entity::find()
        .filter(membership::Column::InheritedFromId.eq(id))
        .count(db)
        .await?)
}

/// (contact, relationship) for each contact related to `holder` on `on` through one of `via`: live,
/// not deceased, one entry per contact (its oldest relationship), oldest relationship first.
pub async fn candidates<C: ConnectionTrait>(
    db: &C,
    holder: i64,
    via: &[i64],
    on: NaiveDate,
) -> AppResult<Vec<(i64, i64)>> {
    if via.is_empty() {
        return Ok(Vec::new());
    }
    let rels = relationship::Entity::find()
        .filter(relationship::Column::RelationshipTypeId.is_in(via.to_vec()))
        .filter(
            sea_orm::Condition::any()
                .add(relationship::Column::ContactAId.eq(holder))
                .add(relationship::Column::ContactBId.eq(holder)),
        )
        .order_by_asc(relationship::Column::Id)
        .all(db)
        .await?;
    let mut pairs: Vec<(i64, i64)> = Vec::new();
    for r in rels {
        if !in_force(r.is_active, r.start_date, r.end_date, on) {
            continue;
        }
        let other = if r.contact_a_id == holder {
            r.contact_b_id
        } else {
            r.contact_a_id
        };
        if other != holder && !pairs.iter().any(|(c, _)| *c == other) {
            pairs.push((other, r.id));
        }
    }
    let ids: Vec<i64> = pairs.iter().map(|(c, _)| *c).collect();
    let live: Vec<i64> = contact::Entity::find()
        .filter(contact::Column::Id.is_in(ids))
        .filter(contact::Column::DeletedAt.is_null())
        .filter(contact::Column::ErasedAt.is_null())
        .filter(contact::Column::IsDeceased.eq(false))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    Ok(pairs
        .into_iter()
        .filter(|(c, _)| live.contains(c))
        .collect())
}

/// Whether a follower already holds exactly what its primary holds.
fn agrees(p: &membership::Model, c: &membership::Model, rel: i64) -> bool {
    c.membership_type_id == p.membership_type_id
        && c.status_id == p.status_id
        && c.join_date == p.join_date
        && c.start_date == p.start_date
        && c.end_date == p.end_date
        && c.is_override == p.is_override
        && c.override_until == p.override_until
        && c.cancel_reason == p.cancel_reason
        && c.relationship_id == Some(rel)
        && c.inherit_ended_on.is_none()
}

fn note(p: &membership::Model, rel: i64) -> Option<String> {
    Some(format!(
        "inherited from membership {} through relationship {rel}",
        p.id
    ))
}

/// Copies the primary onto a follower (or a former follower that follows again).
async fn follow<C: ConnectionTrait>(
    db: &C,
    p: &membership::Model,
    c: membership::Model,
    rel: i64,
    kind: &str,
    by: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if agrees(p, &c, rel) {
        return Ok(());
    }
    let mut a: membership::ActiveModel = c.into();
    a.membership_type_id = Set(p.membership_type_id);
    a.status_id = Set(p.status_id);
    a.join_date = Set(p.join_date);
    a.start_date = Set(p.start_date);
    a.end_date = Set(p.end_date);
    a.is_override = Set(p.is_override);
    a.override_until = Set(p.override_until);
    a.cancel_reason = Set(p.cancel_reason.clone());
    a.relationship_id = Set(Some(rel));
    a.inherit_ended_on = Set(None);
    a.updated_at = Set(now);
    let updated = a.update(db).await?;
    write_history(db, &updated, kind, by, now, note(p, rel)).await
}

async fn create<C: ConnectionTrait>(
    db: &C,
    p: &membership::Model,
    contact_id: i64,
    rel: i64,
    by: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let created = membership::ActiveModel {
        contact_id: Set(contact_id),
        membership_type_id: Set(p.membership_type_id),
        status_id: Set(p.status_id),
        join_date: Set(p.join_date),
        start_date: Set(p.start_date),
        end_date: Set(p.end_date),
        is_override: Set(p.is_override),
        override_until: Set(p.override_until),
        source: Set(Some("inherited".into())),
        cancel_reason: Set(p.cancel_reason.clone()),
        status_run_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        inherited_from_id: Set(Some(p.id)),
        relationship_id: Set(Some(rel)),
        inherit_ended_on: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    write_history(db, &created, change::CREATED, by, now, note(p, rel)).await
}

/// A follower stops following: cancelled and held (a deceased member keeps that status).
async fn end<C: ConnectionTrait>(
    db: &C,
    statuses: &Statuses,
    c: membership::Model,
    why: &str,
    on: NaiveDate,
    by: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let deceased = statuses.code_of(c.status_id) == Some(DECEASED);
    let mut a: membership::ActiveModel = c.into();
    if !deceased {
        a.status_id = Set(statuses.id_of(CANCELLED)?);
        a.is_override = Set(true);
        a.override_until = Set(None);
        a.cancel_reason = Set(Some(why.into()));
    }
    a.inherit_ended_on = Set(Some(on));
    a.updated_at = Set(now);
    let updated = a.update(db).await?;
    let note = Some(format!("no longer inherited: {why}"));
    write_history(db, &updated, change::CANCELLED, by, now, note).await
}
