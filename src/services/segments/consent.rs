//! Consent: which interests a contact has chosen, whether they want no bulk mail at all, and the
//! append-only record of every opt-in and opt-out with its source, time and wording version.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::db::entities::segments::{consent_record as record, contact_interest, opt_out};
use crate::domain::segment::{ConsentAction, ConsentSource};
use crate::error::AppResult;
use crate::services::auth::Viewer;
use crate::services::{Actor, access};
use crate::state::AppState;

/// One consent event as shown to staff and the member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentRecord {
    pub id: i64,
    pub contact_id: i64,
    /// None: all bulk mail.
    pub interest_id: Option<i64>,
    pub action: ConsentAction,
    pub source: ConsentSource,
    pub wording_version: String,
    pub actor: String,
    pub mailing_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<record::Model> for ConsentRecord {
    fn from(m: record::Model) -> Self {
        ConsentRecord {
            id: m.id,
            contact_id: m.contact_id,
            interest_id: m.interest_id,
            action: m.action,
            source: m.source,
            wording_version: m.wording_version,
            actor: m.actor,
            mailing_id: m.mailing_id,
            created_at: m.created_at,
        }
    }
}

/// Where a change comes from, recorded with each event.
#[derive(Clone, Debug)]
pub struct Provenance {
    pub source: ConsentSource,
    pub wording_version: String,
    pub actor: Actor,
    pub mailing_id: Option<i64>,
    pub at: DateTime<Utc>,
}

/// What to change: the chosen interests among `scope` (others are left alone), and whether the
/// contact wants no bulk mail at all. `None` leaves that part as it is.
pub struct Change<'a> {
    pub scope: &'a [i64],
    pub interests: Option<&'a [i64]>,
    pub opt_out_all: Option<bool>,
}

/// The interests a contact has chosen, by id.
pub async fn interests_of<C: ConnectionTrait>(db: &C, contact_id: i64) -> AppResult<Vec<i64>> {
    let mut ids: Vec<i64> = contact_interest::Entity::find()
        .filter(contact_interest::Column::ContactId.eq(contact_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.interest_id)
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

/// Whether the contact asked for no bulk mail at all.
pub async fn opted_out<C: ConnectionTrait>(db: &C, contact_id: i64) -> AppResult<bool> {
    Ok(opt_out::Entity::find_by_id(contact_id)
        .one(db)
        .await?
        .is_some())
}

async fn log<C: ConnectionTrait>(
    db: &C,
    contact_id: i64,
    interest_id: Option<i64>,
    action: ConsentAction,
    p: &Provenance,
) -> AppResult<()> {
    record::ActiveModel {
        contact_id: Set(contact_id),
        interest_id: Set(interest_id),
        action: Set(action),
        source: Set(p.source),
        wording_version: Set(p.wording_version.clone()),
        actor: Set(p.actor.label()),
        mailing_id: Set(p.mailing_id),
        created_at: Set(p.at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Applies a change inside the caller's transaction; each real change (not a repeat of the
/// current state) gets a consent record. Returns how many records were written.
pub async fn apply<C: ConnectionTrait>(
    db: &C,
    contact_id: i64,
    change: Change<'_>,
    p: &Provenance,
) -> AppResult<usize> {
    crate::db::lock_subject(db, "consent", &contact_id.to_string()).await?;
    let mut written = 0;
    if let Some(wanted) = change.interests {
        let held = interests_of(db, contact_id).await?;
        for id in change.scope {
            let (has, wants) = (held.contains(id), wanted.contains(id));
            if wants && !has {
                contact_interest::ActiveModel {
                    contact_id: Set(contact_id),
                    interest_id: Set(*id),
                    created_at: Set(p.at),
                }
                .insert(db)
                .await?;
                log(db, contact_id, Some(*id), ConsentAction::OptIn, p).await?;
                written += 1;
            } else if has && !wants {
                contact_interest::Entity::delete_many()
                    .filter(contact_interest::Column::ContactId.eq(contact_id))
                    .filter(contact_interest::Column::InterestId.eq(*id))
                    .exec(db)
                    .await?;
                log(db, contact_id, Some(*id), ConsentAction::OptOut, p).await?;
                written += 1;
            }
        }
    }
    if let Some(out) = change.opt_out_all {
        let now_out = opted_out(db, contact_id).await?;
        if out && !now_out {
            opt_out::ActiveModel {
                contact_id: Set(contact_id),
                source: Set(p.source),
                created_at: Set(p.at),
            }
            .insert(db)
            .await?;
            log(db, contact_id, None, ConsentAction::OptOut, p).await?;
            written += 1;
        } else if !out && now_out {
            opt_out::Entity::delete_by_id(contact_id).exec(db).await?;
            log(db, contact_id, None, ConsentAction::OptIn, p).await?;
            written += 1;
        }
    }
    Ok(written)
}

/// A contact's consent history, oldest first (staff, or the contact themself).
pub async fn history(
    state: &AppState,
    viewer: &Viewer,
    contact_id: i64,
) -> AppResult<Vec<ConsentRecord>> {
    access::require_self_or_staff(viewer, contact_id)?;
    Ok(record::Entity::find()
        .filter(record::Column::ContactId.eq(contact_id))
        .order_by_asc(record::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}
