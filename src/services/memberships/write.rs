use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{change, computed_status, dates_of, record_change, write_history};
use crate::db::begin_write;
use crate::db::entities::membership;
use crate::domain::membership::{Membership, MembershipType};
use crate::domain::patch::Patch;
use crate::domain::status::{MembershipDates, is_held};
use crate::domain::text::optional_text;
use crate::error::{AppError, AppResult};
use crate::services::statuses::{CANCELLED, DECEASED, Statuses};
use crate::services::{Actor, contacts, membership_types, statuses};
use crate::state::AppState;

pub struct NewMembership {
    pub contact_id: i64,
    pub membership_type_id: i64,
    pub join_date: Option<NaiveDate>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub terms: u32,
    pub status_override: Option<i64>,
    pub override_until: Option<NaiveDate>,
    pub source: Option<String>,
}

#[tracing::instrument(skip(state, input), fields(actor = %actor.label(), contact = input.contact_id))]
pub async fn create(
    state: &AppState,
    actor: &Actor,
    input: NewMembership,
) -> AppResult<Membership> {
    let txn = begin_write(&state.db).await?;
    let created = create_in(state, &txn, actor, input).await?;
    txn.commit().await?;
    Ok(created)
}

/// Creates a membership inside the caller's transaction (sign-up and imports reuse it).
pub async fn create_in<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    actor: &Actor,
    input: NewMembership,
) -> AppResult<Membership> {
    let today = state.clock.today();
    let now = state.clock.now();
    let contact = contacts::get_live_in(db, input.contact_id, "contactId").await?;
    if contact.is_deceased {
        return Err(AppError::bad_input(
            "contactId",
            "this contact is marked deceased",
        ));
    }
    let mtype: MembershipType =
        membership_types::get(db, input.membership_type_id, "membershipTypeId")
            .await?
            .into();
    let rules = membership_types::period_rules_of(&mtype)?;
    let join = input.join_date.unwrap_or(today);
    let period = rules.initial_period(join, input.start_date, input.end_date, input.terms)?;
    let statuses = Statuses::load(db).await?;
    let dates = MembershipDates {
        join,
        start: period.start,
        end: period.end,
    };
    let (status_id, is_override) = match input.status_override {
        Some(id) => (statuses::get(db, id, "statusOverride").await?.id, true),
        None => (computed_status(&statuses, &dates, today)?, false),
    };
    if input.override_until.is_some() && !is_override {
        return Err(AppError::bad_input(
            "overrideUntil",
            "only an overridden status has an end date",
        ));
    }
    let created = membership::ActiveModel {
        contact_id: Set(contact.id),
        membership_type_id: Set(mtype.id),
        status_id: Set(status_id),
        join_date: Set(join),
        start_date: Set(period.start),
        end_date: Set(period.end),
        is_override: Set(is_override),
        override_until: Set(input.override_until),
        source: Set(optional_text(input.source.as_deref(), "source", 200)?),
        cancel_reason: Set(None),
        status_run_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let action = "membership.create";
    record_change(
        db,
        actor,
        action,
        change::CREATED,
        None,
        &created,
        now,
        None,
    )
    .await?;
    let created_id = created.id;
    let created = Membership::from(created);
    crate::services::households::bundle::after_write(state, db, actor, created_id, change::CREATED)
        .await?;
    // A Pending membership waits for its payment: the welcome goes out when it is paid.
    if statuses.code_of(created.status_id) != Some(crate::services::statuses::PENDING) {
        crate::services::notify::welcome(state, db, &created, &mtype).await?;
    }
    Ok(created)
}

/// A change to a membership; fields left as `Keep` stay as they are.
#[derive(Default)]
pub struct MembershipPatch {
    pub membership_type_id: Option<i64>,
    pub join_date: Option<NaiveDate>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Patch<NaiveDate>,
    /// Set: hold this status; Clear: release the hold and compute the status again.
    pub status_override: Patch<i64>,
    pub override_until: Patch<NaiveDate>,
    pub source: Patch<String>,
}

#[tracing::instrument(skip(state, patch), fields(actor = %actor.label()))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    patch: MembershipPatch,
) -> AppResult<Membership> {
    let today = state.clock.today();
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let current = get_in(&txn, id).await?;
    crate::services::households::bundle::refuse_inherited(&current)?;
    let before = super::audit_view(&current);
    let statuses = Statuses::load(&txn).await?;
    let type_id = match patch.membership_type_id {
        Some(t) => membership_types::get(&txn, t, "membershipTypeId").await?.id,
        None => current.membership_type_id,
    };
    let mtype = membership_types::get(&txn, type_id, "membershipTypeId").await?;
    let join = patch.join_date.unwrap_or(current.join_date);
    let start = patch.start_date.unwrap_or(current.start_date);
    let end = patch.end_date.apply(current.end_date);
    membership_types::period_rules(&mtype)?.check_edited(join, start, end)?;
    let override_changed = patch.status_override != Patch::Keep;
    let (is_override, held_status) = match patch.status_override {
        Patch::Set(s) => (
            true,
            Some(statuses::get(&txn, s, "statusOverride").await?.id),
        ),
        Patch::Clear => (false, None),
        Patch::Keep => (
            current.is_override,
            current.is_override.then_some(current.status_id),
        ),
    };
    let override_until = if is_override {
        patch.override_until.apply(current.override_until)
    } else {
        None
    };
    let dates = MembershipDates { join, start, end };
    let status_id = match held_status {
        Some(s) => s,
        None => computed_status(&statuses, &dates, today)?,
    };
    let mut active: membership::ActiveModel = current.clone().into();
    active.membership_type_id = Set(type_id);
    active.join_date = Set(join);
    active.start_date = Set(start);
    active.end_date = Set(end);
    active.is_override = Set(is_override);
    active.override_until = Set(override_until);
    active.status_id = Set(status_id);
    active.source = Set(optional_text(
        patch.source.apply(current.source.clone()).as_deref(),
        "source",
        200,
    )?);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    let kind = match (override_changed, is_override) {
        (true, true) => change::OVERRIDE_SET,
        (true, false) => change::OVERRIDE_ENDED,
        _ => change::UPDATED,
    };
    let action = "membership.update";
    record_change(&txn, actor, action, kind, Some(before), &updated, now, None).await?;
    crate::services::households::bundle::after_write(state, &txn, actor, updated.id, kind).await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// Renews for `terms` periods on `renewal_date` (default today). Whether the membership is current is
/// judged on the renewal date by the rules — a held status counts as it is — not by the stored status.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn renew(
    state: &AppState,
    actor: &Actor,
    id: i64,
    renewal_date: Option<NaiveDate>,
    terms: u32,
) -> AppResult<Membership> {
    let txn = begin_write(&state.db).await?;
    let record = renew_in(state, &txn, actor, id, renewal_date, terms).await?;
    txn.commit().await?;
    Ok(record)
}

/// Renews inside the caller's transaction (a completed dues payment reuses it).
pub async fn renew_in<C: ConnectionTrait>(
    state: &AppState,
    txn: &C,
    actor: &Actor,
    id: i64,
    renewal_date: Option<NaiveDate>,
    terms: u32,
) -> AppResult<Membership> {
    let today = state.clock.today();
    let now = state.clock.now();
    let current = get_in(txn, id).await?;
    crate::services::households::bundle::refuse_inherited(&current)?;
    let before = super::audit_view(&current);
    let statuses = Statuses::load(txn).await?;
    if statuses.code_of(current.status_id) == Some(DECEASED) {
        return Err(AppError::conflict(
            None,
            "the member is deceased; this membership cannot be renewed",
        ));
    }
    let mtype = membership_types::get(txn, current.membership_type_id, "membershipTypeId").await?;
    let rules = membership_types::period_rules(&mtype)?;
    let on = renewal_date.unwrap_or(today);
    let dates = dates_of(&current);
    let is_current = if is_held(current.is_override, current.override_until, on) {
        statuses.is_current(current.status_id)
    } else {
        statuses.is_current(computed_status(&statuses, &dates, on)?)
    };
    let period = rules.renew(
        crate::domain::membership::Period {
            start: current.start_date,
            end: current.end_date,
        },
        on,
        is_current,
        terms,
    )?;
    let new_dates = MembershipDates {
        join: current.join_date,
        start: period.start,
        end: period.end,
    };
    // Renewing lifts a hold (an unpaid sign-up, a cancellation): the rules decide again.
    let status_id = computed_status(&statuses, &new_dates, today)?;
    let mut active: membership::ActiveModel = current.into();
    active.start_date = Set(period.start);
    active.end_date = Set(period.end);
    active.is_override = Set(false);
    active.override_until = Set(None);
    active.cancel_reason = Set(None);
    active.status_id = Set(status_id);
    active.updated_at = Set(now);
    let renewed = active.update(txn).await?;
    let record = Membership::from(renewed.clone());
    let note = Some(format!("renewed on {on} for {terms} term(s)"));
    let (action, kind) = ("membership.renew", change::RENEWED);
    record_change(txn, actor, action, kind, Some(before), &renewed, now, note).await?;
    crate::services::households::bundle::after_write(state, txn, actor, renewed.id, kind).await?;
    crate::services::notify::renewed(state, txn, &record).await?;
    Ok(record)
}

/// Cancels: the status becomes Cancelled and is held.
#[tracing::instrument(skip(state, reason), fields(actor = %actor.label()))]
pub async fn cancel(
    state: &AppState,
    actor: &Actor,
    id: i64,
    reason: Option<String>,
) -> AppResult<Membership> {
    let txn = begin_write(&state.db).await?;
    let updated = cancel_in(state, &txn, actor, id, reason).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Cancels inside the caller's transaction (a refund that cancels what it paid for reuses it).
pub async fn cancel_in<C: ConnectionTrait>(
    state: &AppState,
    txn: &C,
    actor: &Actor,
    id: i64,
    reason: Option<String>,
) -> AppResult<Membership> {
    let now = state.clock.now();
    let current = get_in(txn, id).await?;
    crate::services::households::bundle::refuse_inherited(&current)?;
    let before = super::audit_view(&current);
    let statuses = Statuses::load(txn).await?;
    let cancelled = statuses.id_of(CANCELLED)?;
    if current.status_id == cancelled {
        return Err(AppError::conflict(
            None,
            "this membership is already cancelled",
        ));
    }
    let reason = optional_text(reason.as_deref(), "reason", 2000)?;
    let mut active: membership::ActiveModel = current.into();
    active.status_id = Set(cancelled);
    active.is_override = Set(true);
    active.override_until = Set(None);
    active.cancel_reason = Set(reason.clone());
    active.updated_at = Set(now);
    let updated = active.update(txn).await?;
    let (action, kind) = ("membership.cancel", change::CANCELLED);
    record_change(
        txn,
        actor,
        action,
        kind,
        Some(before),
        &updated,
        now,
        reason,
    )
    .await?;
    crate::services::households::bundle::after_write(state, txn, actor, updated.id, kind).await?;
    Ok(updated.into())
}

/// Moves every membership of a contact to Deceased (held), inside the caller's transaction.
pub async fn mark_deceased<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    actor: &Actor,
    contact_id: i64,
) -> AppResult<u64> {
    let now = state.clock.now();
    let deceased = statuses::by_code(db, DECEASED).await?.id;
    let affected = membership::Entity::find()
        .filter(membership::Column::ContactId.eq(contact_id))
        .filter(membership::Column::StatusId.ne(deceased))
        .all(db)
        .await?;
    membership::Entity::update_many()
        .col_expr(membership::Column::StatusId, Expr::value(deceased))
        .col_expr(membership::Column::IsOverride, Expr::value(true))
        .col_expr(
            membership::Column::OverrideUntil,
            Expr::value(Option::<NaiveDate>::None),
        )
        .col_expr(membership::Column::UpdatedAt, Expr::value(now))
        .filter(membership::Column::ContactId.eq(contact_id))
        .filter(membership::Column::StatusId.ne(deceased))
        .exec(db)
        .await?;
    for m in &affected {
        let mut after = m.clone();
        after.status_id = deceased;
        write_history(db, &after, change::DECEASED, &actor.label(), now, None).await?;
    }
    // Their bundles end (a deceased primary's followers are cancelled); memberships they inherited
    // stop following (their primaries no longer seat them).
    let mut primaries: Vec<i64> = affected
        .iter()
        .map(|m| m.inherited_from_id.unwrap_or(m.id))
        .collect();
    primaries.sort_unstable();
    primaries.dedup();
    for p in primaries {
        crate::services::households::bundle::after_write(state, db, actor, p, change::DECEASED)
            .await?;
    }
    Ok(affected.len() as u64)
}

pub async fn get_in<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<membership::Model> {
    membership::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("membership", id, "id"))
}
