//! `exportPersonalData`: everything held about one person as one JSON document, read in one
//! transaction so the parts agree. Secrets never leave: no password or token hashes, no payment
//! provider ids, no one-time links, and no body of a message that carried one.

use std::collections::HashMap;

use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    AccessMode, ColumnTrait, ConnectionTrait, EntityTrait, IsolationLevel, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde_json::{Value, json};

use super::export_giving::{contributions, gift_json, named_in, soft_credits};
use super::scrub::ACCOUNT_TEMPLATES;
use super::subject::{Subject, lower};
use crate::db::entities::{
    api_key, audit_entry as audit, contact, custom_value, login_attempt, membership,
    membership_auto_renew as auto_renew, membership_history as history, membership_status,
    membership_type, outbound_message as outbound, payment_method, recurring_gift as gift, session,
    user,
};
use crate::error::{AppError, AppResult};
use crate::services::access;
use crate::services::auth::Viewer;
use crate::state::AppState;

/// Said in an export made by the member themself.
const STAFF_ONLY: &str = "Staff notes (on the contact and on contributions) and gifts others made in \
                          your name are included when staff export your data on request.";

/// What `export` says about registrations' secrets.
const NOT_HELD: &str = "Event registrations: check-in codes and calendar links are stored only as \
                        digests and are not included.";

/// Everything held about contact `contact_id` (see `super::may_export` for who may ask).
#[tracing::instrument(skip(state, viewer))]
pub async fn export(state: &AppState, viewer: &Viewer, contact_id: i64) -> AppResult<Value> {
    super::may_export(viewer, contact_id)?;
    // Fields only staff may read stay so here: a member's own export leaves them out and says so.
    let staff = access::is_staff(viewer);
    // One snapshot, so the parts agree (SQLite's read transaction is one already).
    let txn = if crate::db::is_postgres(&state.db) {
        let level = Some(IsolationLevel::RepeatableRead);
        state
            .db
            .begin_with_config(level, Some(AccessMode::ReadOnly))
            .await?
    } else {
        state.db.begin().await?
    };
    let c = contact::Entity::find_by_id(contact_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("contact", contact_id, "contactId"))?;
    let subject = Subject::load(&txn, &c).await?;
    let doc = json!({
        "exportedAt": state.clock.now(),
        "contactId": contact_id.to_string(),
        "contact": contact_json(&c, staff),
        "preferences": {
            "doNotEmail": c.do_not_email, "doNotMail": c.do_not_mail,
            "preferredLanguage": c.preferred_language, "isDeceased": c.is_deceased,
        },
        "customFields": custom_fields(&txn, "contact", &[contact_id]).await?,
        "memberships": memberships(&txn, &subject).await?,
        "contributions": contributions(&txn, &subject, staff).await?,
        "softCredits": soft_credits(&txn, contact_id).await?,
        "namedInGifts": if staff { named_in(&txn, contact_id).await? } else { Vec::new() },
        "recurringGifts": recurring_gifts(&txn, contact_id).await?,
        "paymentMethods": payment_methods(&txn, contact_id).await?,
        "messages": messages(&txn, &subject).await?,
        "logins": logins(&txn, &subject).await?,
        "loginAttempts": login_attempts(&txn, &subject.emails).await?,
        "auditLog": audit_entries(&txn, &subject).await?,
        "registrations": registrations(&txn, contact_id).await?,
        "directoryListing": directory_listing(&txn, contact_id).await?,
        "relationships": relationships(&txn, contact_id).await?,
        "segments": crate::services::segments::privacy::export(&txn, contact_id, &addresses(&c, &subject), staff).await?,
        "notes": if staff { vec![NOT_HELD] } else { vec![NOT_HELD, STAFF_ONLY] },
    });
    txn.rollback().await?;
    Ok(doc)
}

/// The person's addresses: the contact's and their logins', lower case.
fn addresses(c: &contact::Model, s: &Subject) -> Vec<String> {
    let mut out = s.emails.clone();
    out.extend(c.email.as_deref().map(str::to_lowercase));
    out
}

async fn recurring_gifts<C: ConnectionTrait>(db: &C, contact_id: i64) -> AppResult<Vec<Value>> {
    let rows = gift::Entity::find()
        .filter(gift::Column::ContactId.eq(contact_id))
        .order_by_asc(gift::Column::Id)
        .all(db)
        .await?;
    Ok(rows.iter().map(gift_json).collect())
}

/// A saved card is a reference to the provider's copy: the export says one is on file, no more.
async fn payment_methods<C: ConnectionTrait>(db: &C, contact_id: i64) -> AppResult<Vec<Value>> {
    let rows = payment_method::Entity::find()
        .filter(payment_method::Column::ContactId.eq(contact_id))
        .all(db)
        .await?;
    let note = "card details are held by the payment provider; only a reference is stored here";
    Ok(rows
        .iter()
        .map(|p| {
            json!({ "provider": p.provider, "onFile": true, "updatedAt": p.updated_at, "note": note })
        })
        .collect())
}

fn contact_json(c: &contact::Model, staff: bool) -> Value {
    json!({
        "id": c.id.to_string(), "kind": c.kind.as_str(), "firstName": c.first_name,
        "lastName": c.last_name, "organizationName": c.organization_name,
        "displayName": c.display_name, "sortName": c.sort_name, "email": c.email, "phone": c.phone,
        "street": c.street, "city": c.city, "postalCode": c.postal_code, "region": c.region,
        "country": c.country, "birthDate": c.birth_date, "notes": if staff { c.notes.as_deref() } else { None },
        "createdAt": c.created_at, "updatedAt": c.updated_at, "deletedAt": c.deleted_at,
        "erasedAt": c.erased_at,
    })
}

async fn custom_fields<C: ConnectionTrait>(
    db: &C,
    owner: &str,
    ids: &[i64],
) -> AppResult<Vec<Value>> {
    let rows = custom_value::Entity::find()
        .filter(custom_value::Column::Entity.eq(owner))
        .filter(custom_value::Column::EntityId.is_in(ids.to_vec()))
        .order_by_asc(custom_value::Column::Position)
        .order_by_asc(custom_value::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .map(|v| {
            json!({
                "owner": owner, "ownerId": v.entity_id.to_string(), "key": v.key,
                "label": v.label, "type": v.field_type, "value": v.value,
                "createdAt": v.created_at,
            })
        })
        .collect())
}

async fn memberships<C: ConnectionTrait>(db: &C, s: &Subject) -> AppResult<Vec<Value>> {
    let types: HashMap<i64, String> = membership_type::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let statuses: HashMap<i64, String> = membership_status::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let rows = membership::Entity::find()
        .filter(membership::Column::ContactId.eq(s.contact_id))
        .order_by_asc(membership::Column::Id)
        .all(db)
        .await?;
    let mut hist: HashMap<i64, Vec<Value>> = HashMap::new();
    for h in history::Entity::find()
        .filter(history::Column::MembershipId.is_in(s.membership_ids.clone()))
        .order_by_asc(history::Column::Id)
        .all(db)
        .await?
    {
        hist.entry(h.membership_id).or_default().push(json!({
            "change": h.change, "membershipType": types.get(&h.membership_type_id),
            "status": statuses.get(&h.status_id), "joinDate": h.join_date,
            "startDate": h.start_date, "endDate": h.end_date, "changedAt": h.changed_at,
            "changedBy": h.changed_by, "note": h.note,
        }));
    }
    let renewing: HashMap<i64, _> = auto_renew::Entity::find()
        .filter(auto_renew::Column::MembershipId.is_in(s.membership_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.membership_id, a.enabled_at))
        .collect();
    let custom = custom_fields(db, "membership", &s.membership_ids).await?;
    Ok(rows
        .iter()
        .map(|m| {
            let own: Vec<&Value> = custom
                .iter()
                .filter(|v| v["ownerId"] == json!(m.id.to_string()))
                .collect();
            json!({
                "id": m.id.to_string(), "membershipType": types.get(&m.membership_type_id),
                "status": statuses.get(&m.status_id), "joinDate": m.join_date,
                "startDate": m.start_date, "endDate": m.end_date, "isOverride": m.is_override,
                "overrideUntil": m.override_until, "source": m.source,
                "cancelReason": m.cancel_reason, "autoRenewSince": renewing.get(&m.id),
                "createdAt": m.created_at, "updatedAt": m.updated_at, "customFields": own,
                "history": hist.remove(&m.id).unwrap_or_default(),
            })
        })
        .collect())
}

/// Messages to the person. Bodies of account messages (which carried a one-time link) are
/// withheld; the `secret` column is never read.
async fn messages<C: ConnectionTrait>(db: &C, s: &Subject) -> AppResult<Vec<Value>> {
    let rows = outbound::Entity::find()
        .filter(s.messages_to())
        .order_by_asc(outbound::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .map(|m| {
            let withheld =
                ACCOUNT_TEMPLATES.contains(&m.template_key.as_str()) || m.secret.is_some();
            json!({
                "id": m.id.to_string(), "template": m.template_key, "recipient": m.recipient,
                "subject": m.subject, "status": m.status.as_str(),
                "body": if withheld { Value::Null } else { json!(m.text_body) },
                "bodyWithheld": withheld, "createdAt": m.created_at, "sentAt": m.sent_at,
            })
        })
        .collect())
}

/// Logins, their sessions and API keys, without password, token or key hashes.
async fn logins<C: ConnectionTrait>(db: &C, s: &Subject) -> AppResult<Vec<Value>> {
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(s.user_ids.clone()))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    let sessions = session::Entity::find()
        .filter(session::Column::UserId.is_in(s.user_ids.clone()))
        .order_by_asc(session::Column::Id)
        .all(db)
        .await?;
    let keys = api_key::Entity::find()
        .filter(api_key::Column::CreatedBy.is_in(s.user_ids.clone()))
        .order_by_asc(api_key::Column::Id)
        .all(db)
        .await?;
    Ok(users.iter().map(|u| json!({
        "id": u.id.to_string(), "email": u.email, "role": u.role.as_str(),
        "createdAt": u.created_at, "lastLoginAt": u.last_login_at, "disabledAt": u.disabled_at,
        "emailVerifiedAt": u.email_verified_at,
        "sessions": sessions.iter().filter(|x| x.user_id == u.id).map(|x| json!({
            "createdAt": x.created_at, "expiresAt": x.expires_at, "lastUsedAt": x.last_used_at,
            "revokedAt": x.revoked_at, "userAgent": x.user_agent })).collect::<Vec<_>>(),
        "apiKeys": keys.iter().filter(|k| k.created_by == u.id).map(|k| json!({
            "name": k.name, "role": k.role.as_str(), "createdAt": k.created_at,
            "lastUsedAt": k.last_used_at, "revokedAt": k.revoked_at })).collect::<Vec<_>>(),
    })).collect())
}

async fn login_attempts<C: ConnectionTrait>(db: &C, emails: &[String]) -> AppResult<Vec<Value>> {
    let rows = login_attempt::Entity::find()
        .filter(lower(login_attempt::Column::Email).is_in(emails.to_vec()))
        .order_by_asc(login_attempt::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .map(|a| {
            json!({
                "email": a.email, "clientIp": a.client_ip, "succeeded": a.succeeded, "at": a.at,
            })
        })
        .collect())
}

async fn audit_entries<C: ConnectionTrait>(db: &C, s: &Subject) -> AppResult<Vec<Value>> {
    let rows = audit::Entity::find()
        .filter(s.audit_condition())
        .order_by_asc(audit::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .map(|a| {
            json!({
                "actor": a.actor, "action": a.action, "entity": a.entity, "entityId": a.entity_id,
                "before": a.before.as_ref().map(|j| &j.0), "after": a.after.as_ref().map(|j| &j.0),
                "at": a.at,
            })
        })
        .collect())
}

/// What the person shows in the member directory (null: not listed).
async fn directory_listing<C: ConnectionTrait>(db: &C, contact_id: i64) -> AppResult<Value> {
    let found = crate::db::entities::directory_listing::Entity::find_by_id(contact_id)
        .one(db)
        .await?;
    Ok(found.map_or(Value::Null, |l| {
        json!({ "fields": l.fields.0, "customFieldKeys": l.custom_field_keys.0, "photoUrl": l.photo_url })
    }))
}

/// Their relationships with other contacts (ids and dates only).
async fn relationships<C: ConnectionTrait>(db: &C, contact_id: i64) -> AppResult<Vec<Value>> {
    Ok(
        crate::services::households::relationships::involving(db, contact_id)
            .await?
            .into_iter()
            .map(|r| {
                json!({
                    "id": r.id.to_string(), "contactAId": r.contact_a_id.to_string(),
                    "contactBId": r.contact_b_id.to_string(),
                    "relationshipTypeId": r.relationship_type_id.to_string(),
                    "startDate": r.start_date, "endDate": r.end_date, "isActive": r.is_active,
                })
            })
            .collect(),
    )
}

async fn registrations<C: ConnectionTrait>(db: &C, contact_id: i64) -> AppResult<Vec<Value>> {
    use crate::db::entities::{event, event_registration as reg};
    let rows = reg::Entity::find()
        .filter(reg::Column::ContactId.eq(contact_id))
        .order_by_asc(reg::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let title = event::Entity::find_by_id(r.event_id)
            .one(db)
            .await?
            .map(|e| e.title);
        out.push(json!({
            "id": r.id.to_string(), "eventId": r.event_id.to_string(), "event": title,
            "ticketTypeId": r.ticket_type_id.to_string(), "firstName": r.first_name,
            "lastName": r.last_name, "guests": r.guests, "status": r.status.as_str(),
            "contributionId": r.contribution_id.map(|k| k.to_string()),
            "registeredAt": r.registered_at, "confirmedAt": r.confirmed_at,
            "checkedInAt": r.checked_in_at, "cancelledAt": r.cancelled_at,
        }));
    }
    Ok(out)
}
