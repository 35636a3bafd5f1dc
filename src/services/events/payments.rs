//! Paid registrations: completing an `EVENT_FEE` contribution (staff, or the payment provider's
//! event) confirms the registration it pays for, through the same path as dues
//! (`contributions::on_completed`). Exactly once: the registration moves from PENDING_PAYMENT by a
//! conditional update, and its confirmation has a dedupe key.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::get_in;
use super::placement::confirm_in;
use crate::db::entities::{contribution, event_registration as reg};
use crate::domain::event::RegistrationStatus;
use crate::error::AppResult;
use crate::services::Actor;
use crate::state::AppState;

/// Confirms the registrations awaiting contribution `c` (none for other contributions).
pub async fn on_completed<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    _actor: &Actor,
    c: &contribution::Model,
) -> AppResult<()> {
    let waiting = reg::Entity::find()
        .filter(reg::Column::ContributionId.eq(c.id))
        .filter(reg::Column::Status.eq(RegistrationStatus::PendingPayment))
        .all(db)
        .await?;
    for r in waiting {
        let e = get_in(db, r.event_id, "eventId").await?;
        confirm_in(state, db, &e, r, false).await?;
    }
    Ok(())
}
