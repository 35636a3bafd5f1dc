//! Memberships: joining, changing, renewing, cancelling, and what happens when a contact dies. Every
//! change writes a history row in the same transaction.

mod list;
mod paid;
pub mod self_renewal;
mod write;

pub use list::*;
pub use paid::*;
pub use write::*;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::db::entities::{membership, membership_history as history};
use crate::domain::status::{Computed, MembershipDates, compute};
use crate::error::AppResult;
use crate::services::statuses::{PENDING, Statuses};

/// Kinds of history rows.
pub mod change {
    pub const CREATED: &str = "CREATED";
    /// Created by an import, with the dates the file gave.
    pub const IMPORTED: &str = "IMPORTED";
    pub const UPDATED: &str = "UPDATED";
    pub const RENEWED: &str = "RENEWED";
    pub const ACTIVATED: &str = "ACTIVATED";
    pub const STATUS_CHANGED: &str = "STATUS_CHANGED";
    pub const OVERRIDE_SET: &str = "OVERRIDE_SET";
    pub const OVERRIDE_ENDED: &str = "OVERRIDE_ENDED";
    pub const CANCELLED: &str = "CANCELLED";
    pub const DECEASED: &str = "DECEASED";
}

pub fn dates_of(m: &membership::Model) -> MembershipDates {
    MembershipDates {
        join: m.join_date,
        start: m.start_date,
        end: m.end_date,
    }
}

/// The status id the rules give these dates on `on` (Pending when none applies).
pub fn computed_status(
    statuses: &Statuses,
    dates: &MembershipDates,
    on: NaiveDate,
) -> AppResult<i64> {
    match compute(&statuses.rules, dates, on) {
        Computed::Rule(id) => Ok(id),
        Computed::Pending => statuses.id_of(PENDING),
    }
}

/// The membership as the audit log shows it.
pub fn audit_view(m: &membership::Model) -> serde_json::Value {
    serde_json::json!({
        "contactId": m.contact_id,
        "membershipTypeId": m.membership_type_id,
        "statusId": m.status_id,
        "joinDate": m.join_date,
        "startDate": m.start_date,
        "endDate": m.end_date,
        "isOverride": m.is_override,
        "overrideUntil": m.override_until,
    })
}

/// Records a change in the history and the audit log (in the change's transaction).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_change<C: ConnectionTrait>(
    db: &C,
    actor: &crate::services::Actor,
    action: &str,
    kind: &str,
    before: Option<serde_json::Value>,
    after: &membership::Model,
    at: DateTime<Utc>,
    note: Option<String>,
) -> AppResult<()> {
    write_history(db, after, kind, &actor.label(), at, note).await?;
    crate::services::audit::record(
        db,
        actor,
        action,
        "membership",
        after.id,
        before,
        Some(audit_view(after)),
        at,
    )
    .await
}

/// Records the membership as it now is.
pub async fn write_history<C: ConnectionTrait>(
    db: &C,
    m: &membership::Model,
    kind: &str,
    by: &str,
    at: DateTime<Utc>,
    note: Option<String>,
) -> AppResult<()> {
    // The row it follows (the latest, open-ended one) stops being in force now.
    let closed = history::Entity::update_many()
        .col_expr(history::Column::InForceUntil, Expr::value(at))
        .filter(history::Column::MembershipId.eq(m.id))
        .filter(history::Column::InForceUntil.is_null())
        .exec(db)
        .await?
        .rows_affected;
    history::ActiveModel {
        in_force_from: Set((closed > 0).then_some(at)),
        in_force_until: Set(None),
        membership_id: Set(m.id),
        change: Set(kind.into()),
        status_id: Set(m.status_id),
        membership_type_id: Set(m.membership_type_id),
        join_date: Set(m.join_date),
        start_date: Set(m.start_date),
        end_date: Set(m.end_date),
        changed_at: Set(at),
        changed_by: Set(by.into()),
        note: Set(note),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
