//! What a completed payment does to the memberships it pays for: a Pending membership starts, any
//! other is renewed. The caller (contributions) guarantees each payment is applied once.

use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use super::{change, computed_status, get_in, record_change, renew_in};
use crate::db::entities::membership;
use crate::domain::membership::{Membership, MembershipType};
use crate::domain::status::MembershipDates;
use crate::error::AppResult;
use crate::services::statuses::{PENDING, Statuses};
use crate::services::{Actor, membership_types};
use crate::state::AppState;

/// Applies `terms` paid on `received` to membership `id`: activates it when Pending (its period
/// starts on the payment's date by its type's rules, the status is computed again and the welcome
/// queued), renews it otherwise.
pub async fn apply_payment_in<C: ConnectionTrait>(
    state: &AppState,
    txn: &C,
    actor: &Actor,
    id: i64,
    received: NaiveDate,
    terms: u32,
) -> AppResult<Membership> {
    let current = get_in(txn, id).await?;
    crate::services::households::bundle::refuse_inherited(&current)?;
    let statuses = Statuses::load(txn).await?;
    if statuses.code_of(current.status_id) != Some(PENDING) {
        return renew_in(state, txn, actor, id, Some(received), terms).await;
    }
    let today = state.clock.today();
    let now = state.clock.now();
    let before = super::audit_view(&current);
    let mtype: MembershipType =
        membership_types::get(txn, current.membership_type_id, "membershipTypeId")
            .await?
            .into();
    let rules = membership_types::period_rules_of(&mtype)?;
    let period = rules.initial_period(received, None, None, terms)?;
    // "Member since" is the day the first payment was received, as if the member joined then.
    let join = received;
    let dates = MembershipDates {
        join,
        start: period.start,
        end: period.end,
    };
    let status_id = computed_status(&statuses, &dates, today)?;
    let mut active: membership::ActiveModel = current.into();
    active.join_date = Set(join);
    active.start_date = Set(period.start);
    active.end_date = Set(period.end);
    active.is_override = Set(false);
    active.override_until = Set(None);
    active.status_id = Set(status_id);
    active.updated_at = Set(now);
    let updated = active.update(txn).await?;
    let note = Some(format!("paid on {received} for {terms} term(s)"));
    let (action, kind) = ("membership.activate", change::ACTIVATED);
    record_change(txn, actor, action, kind, Some(before), &updated, now, note).await?;
    crate::services::households::bundle::after_write(state, txn, actor, updated.id, kind).await?;
    let record = Membership::from(updated);
    crate::services::notify::welcome(state, txn, &record, &mtype).await?;
    Ok(record)
}
