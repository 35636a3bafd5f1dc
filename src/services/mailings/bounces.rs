//! Bouncing addresses: a permanent delivery failure (5xx) or a provider's bounce or complaint
//! report suppresses the address for bulk mail. The suppression is keyed by the address, so it
//! no longer applies once the contact's email changes.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use crate::db::entities::segments::suppression;
use crate::domain::segment::SuppressionReason;
use crate::error::AppResult;

/// Whether bulk mail to `email` is suppressed.
pub async fn is_suppressed<C: ConnectionTrait>(db: &C, email: Option<&str>) -> AppResult<bool> {
    let Some(email) = email.filter(|e| !e.is_empty()) else {
        return Ok(false);
    };
    Ok(suppression::Entity::find_by_id(email.to_lowercase())
        .one(db)
        .await?
        .is_some())
}

/// Suppresses `email` (kept as first recorded when it is suppressed already).
pub async fn suppress<C: ConnectionTrait>(
    db: &C,
    email: &str,
    reason: SuppressionReason,
    detail: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let row = suppression::ActiveModel {
        email: Set(email.trim().to_lowercase()),
        reason: Set(reason),
        detail: Set(Some(detail.chars().take(500).collect())),
        created_at: Set(now),
    };
    let result = suppression::Entity::insert(row)
        .on_conflict(
            OnConflict::column(suppression::Column::Email)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await;
    match result {
        Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
