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

/// One notification from an email provider (`POST /webhooks/mail-events`).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MailEvent {
    /// `bounce` or `complaint`.
    #[serde(rename = "type")]
    pub kind: String,
    pub email: String,
    /// For a bounce: whether it is permanent (hard). Soft bounces are ignored. Default true.
    #[serde(default = "yes")]
    pub permanent: bool,
    /// The provider's diagnostic, kept with the suppression.
    #[serde(default)]
    pub detail: Option<String>,
}

fn yes() -> bool {
    true
}

/// The body of `POST /webhooks/mail-events`.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailEvents {
    pub events: Vec<MailEvent>,
}

/// Most events in one notification.
pub const MAX_EVENTS: usize = 1000;

/// What a notification did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Applied {
    pub bounces: usize,
    pub complaints: usize,
    pub ignored: usize,
}

/// Applies a provider's notifications (staff API key or login): a hard bounce suppresses the
/// address; a complaint suppresses it and opts every live contact with that address out of bulk
/// mail (consent record, source COMPLAINT). One transaction.
pub async fn apply_events(
    state: &crate::state::AppState,
    viewer: &crate::services::auth::Viewer,
    events: MailEvents,
) -> AppResult<Applied> {
    use sea_orm::{ColumnTrait, QueryFilter};

    use crate::db::entities::contact;
    use crate::services::segments::consent;
    crate::services::access::require_role(viewer, crate::domain::role::Role::Staff)?;
    if events.events.len() > MAX_EVENTS {
        return Err(crate::error::AppError::bad_input(
            "events",
            format!("at most {MAX_EVENTS} events at once"),
        ));
    }
    let now = state.clock.now();
    let mut out = Applied::default();
    let txn = crate::db::begin_write(&state.db).await?;
    for (i, e) in events.events.iter().enumerate() {
        let field = format!("events[{i}].email");
        let email = crate::domain::email::EmailAddress::parse(&e.email, &field)?;
        let email = email.as_str().to_lowercase();
        let detail = e.detail.as_deref().unwrap_or(&e.kind);
        match e.kind.as_str() {
            "bounce" if e.permanent => {
                suppress(&txn, &email, SuppressionReason::Bounce, detail, now).await?;
                out.bounces += 1;
            }
            "bounce" => out.ignored += 1,
            "complaint" => {
                suppress(&txn, &email, SuppressionReason::Complaint, detail, now).await?;
                let people = contact::Entity::find()
                    .filter(contact::Column::Email.eq(email.clone()))
                    .filter(contact::Column::DeletedAt.is_null())
                    .all(&txn)
                    .await?;
                for c in people {
                    let p = consent::Provenance {
                        source: crate::domain::segment::ConsentSource::Complaint,
                        wording_version: state.settings.mailings.consent_wording_version.clone(),
                        actor: crate::services::access::actor(viewer),
                        mailing_id: None,
                        at: now,
                    };
                    let change = consent::Change {
                        scope: &[],
                        interests: None,
                        opt_out_all: Some(true),
                    };
                    consent::apply(&txn, c.id, change, &p).await?;
                }
                out.complaints += 1;
            }
            _ => {
                return Err(crate::error::AppError::bad_input(
                    format!("events[{i}].type"),
                    "expected `bounce` or `complaint`",
                ));
            }
        }
    }
    txn.commit().await?;
    Ok(out)
}
