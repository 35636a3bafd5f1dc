//! Retention: contacts left in the trash for `privacy.erase_trashed_after_days` days or more are
//! erased (as `eraseContact` does, without `force`). A contact with an open obligation is skipped
//! and reported, and tried again on the next run; an erased one is never picked again, so a second
//! run as of the same date changes nothing.

use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::erase::erase_as;
use crate::db::entities::contact;
use crate::error::{AppResult, ErrorCode};
use crate::services::Actor;
use crate::state::AppState;

/// Contacts read per batch.
const BATCH: u64 = 200;

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurgeTally {
    /// Whether the retention setting is on (`erase_trashed_after_days` above 0).
    pub enabled: bool,
    /// Contacts deleted on or before this date were due.
    pub deleted_on_or_before: Option<NaiveDate>,
    /// Contacts due for erasure.
    pub due: i64,
    pub erased: i64,
    /// Due but skipped for an open obligation (ids), to settle by hand.
    pub skipped: Vec<i64>,
}

/// Erases the contacts in the trash since at least `erase_trashed_after_days` days before `as_of`
/// (by date: one deleted on day D goes in the run as of D + N). Each contact is one transaction.
#[tracing::instrument(skip(state))]
pub async fn purge_trash(state: &AppState, as_of: NaiveDate) -> AppResult<PurgeTally> {
    let days = state.settings.privacy.erase_trashed_after_days;
    if days <= 0 {
        return Ok(PurgeTally::default());
    }
    let last_day = as_of - Duration::days(days);
    let until = (last_day + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let mut tally = PurgeTally {
        enabled: true,
        deleted_on_or_before: Some(last_day),
        ..Default::default()
    };
    let reason = format!("retention: in the trash for at least {days} days");
    let actor = Actor::Job("purge-trash");
    let mut after = 0i64;
    loop {
        let ids: Vec<i64> = contact::Entity::find()
            .select_only()
            .column(contact::Column::Id)
            .filter(contact::Column::DeletedAt.lt(until))
            .filter(contact::Column::ErasedAt.is_null())
            .filter(contact::Column::Id.gt(after))
            .order_by_asc(contact::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(&state.db)
            .await?;
        let Some(last) = ids.last() else {
            return Ok(tally);
        };
        after = *last;
        for id in ids {
            tally.due += 1;
            match erase_as(state, &actor, id, &reason, false).await {
                Ok(_) => tally.erased += 1,
                Err(e) if e.code() == ErrorCode::Conflict => {
                    tracing::warn!(contact_id = id, error = %e, "not erased: open obligations");
                    tally.skipped.push(id);
                }
                Err(e) => return Err(e),
            }
        }
    }
}
