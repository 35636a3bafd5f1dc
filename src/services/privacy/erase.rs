//! `eraseContact`: irreversible anonymisation in one transaction. The contact row stays (named
//! "Erased contact #<id>", marked `erased_at`) with its memberships, history, contributions,
//! amounts, dates and statuses, so reports and the books still add up; every name, address, note,
//! custom answer, message text, login and payment credential of the person goes.
//!
//! Erasing an erased contact is a CONFLICT (not a silent no-op): the caller learns it happened
//! before, and the audit log keeps exactly one `contact.erased` entry per person.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;

use super::obligations::Obligations;
use super::scrub;
use super::subject::Subject;
use crate::db::entities::{contact, user};
use crate::db::{begin_write, lock_subject};
use crate::domain::role::Role;
use crate::domain::search;
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::{Actor, access, audit};
use crate::state::AppState;

/// Longest accepted reason.
const MAX_REASON: usize = 2000;

/// What an erasure did besides anonymising.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EraseOutcome {
    pub contact_id: i64,
    /// Pending contributions cancelled because `force` was given.
    pub cancelled_contributions: usize,
    /// Active or paused recurring gifts cancelled because `force` was given.
    pub cancelled_gifts: usize,
}

/// Erases contact `contact_id` (admins). Refused with CONFLICT while the person has an open
/// obligation (a pending contribution or open payment, an active or paused recurring gift) unless
/// `force`, which cancels them first.
#[tracing::instrument(skip(state, viewer, reason))]
pub async fn erase(
    state: &AppState,
    viewer: &Viewer,
    contact_id: i64,
    reason: &str,
    force: bool,
) -> AppResult<EraseOutcome> {
    access::require_role(viewer, Role::Admin)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(AppError::bad_input(
            "reason",
            format!("must be given, at most {MAX_REASON} characters"),
        ));
    }
    erase_as(state, &access::actor(viewer), contact_id, reason, force).await
}

/// Erases as `actor` (the admin, or the `purge-trash` job).
#[tracing::instrument(skip(state, reason), fields(actor = %actor.label()))]
pub(super) async fn erase_as(
    state: &AppState,
    actor: &Actor,
    contact_id: i64,
    reason: &str,
    force: bool,
) -> AppResult<EraseOutcome> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    lock_subject(&txn, "contact-erasure", &contact_id.to_string()).await?;
    let c = contact::Entity::find_by_id(contact_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("contact", contact_id, "contactId"))?;
    if let Some(at) = c.erased_at {
        return Err(AppError::conflict(
            Some("contactId"),
            format!(
                "contact {contact_id} was already erased on {}",
                at.date_naive()
            ),
        ));
    }
    let open = Obligations::of(&txn, contact_id).await?;
    if !open.is_empty() && !force {
        return Err(AppError::conflict(
            Some("contactId"),
            format!(
                "contact {contact_id} still has {}: settle or cancel them first, or erase with \
                 `force: true` to cancel them",
                open.describe()
            ),
        ));
    }
    let mut outcome = open.cancel(&txn, actor, now).await?;
    outcome.contact_id = contact_id;
    let subject = Subject::load(&txn, &c).await?;
    keep_an_admin(&txn, &subject).await?;
    scrub::audit_rows(&txn, &subject).await?;
    scrub::records(&txn, &subject).await?;
    let mut addresses = subject.emails.clone();
    addresses.extend(c.email.as_deref().map(str::to_lowercase));
    crate::services::segments::privacy::erase(&txn, contact_id, &addresses).await?;
    scrub::messages(&txn, &subject, now).await?;
    scrub::logins(&txn, &subject, now).await?;
    crate::services::import::jobs::forget_reports(&txn).await?;
    anonymise(&txn, c, now).await?;
    let after = json!({
        "reason": reason, "forced": force,
        "cancelledContributions": outcome.cancelled_contributions,
        "cancelledRecurringGifts": outcome.cancelled_gifts,
    });
    audit::record(
        &txn,
        actor,
        "contact.erased",
        "contact",
        contact_id,
        None,
        Some(after),
        now,
    )
    .await?;
    txn.commit().await?;
    for id in &subject.user_ids {
        state.tokens.forget_user(*id);
    }
    Ok(outcome)
}

/// Erasure disables the person's logins: refused when that would leave no active ADMIN login.
async fn keep_an_admin<C: ConnectionTrait>(db: &C, s: &Subject) -> AppResult<()> {
    let active_admins = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin))
        .filter(user::Column::DisabledAt.is_null());
    let theirs = active_admins
        .clone()
        .filter(user::Column::Id.is_in(s.user_ids.clone()))
        .count(db)
        .await?;
    let others = active_admins
        .filter(user::Column::Id.is_not_in(s.user_ids.clone()))
        .count(db)
        .await?;
    if theirs > 0 && others == 0 {
        return Err(AppError::conflict(
            Some("contactId"),
            "this contact's login is the last active ADMIN login; create another admin first",
        ));
    }
    Ok(())
}

/// The contact row: every personal field emptied, a neutral name, no mail of any kind.
async fn anonymise<C: ConnectionTrait>(
    db: &C,
    c: contact::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let label = format!("Erased contact #{}", c.id);
    let mut active: contact::ActiveModel = c.into();
    active.first_name = Set(None);
    active.last_name = Set(None);
    active.organization_name = Set(None);
    active.display_name = Set(label.clone());
    active.sort_name = Set(label.clone());
    active.email = Set(None);
    active.phone = Set(None);
    active.street = Set(None);
    active.city = Set(None);
    active.postal_code = Set(None);
    active.region = Set(None);
    active.country = Set(None);
    active.birth_date = Set(None);
    active.preferred_language = Set(None);
    active.notes = Set(None);
    active.do_not_email = Set(true);
    active.do_not_mail = Set(true);
    active.search_text = Set(Some(search::contact_key(&label, &label, None)));
    active.erased_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(db).await?;
    Ok(())
}
