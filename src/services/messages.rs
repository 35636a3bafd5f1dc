//! The outbox as staff see it (list, retry, cancel) and admins' overrides of message templates
//! (list, change, preview).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::db::begin_write;
use crate::db::entities::{contact, membership, message_template, outbound_message as outbound};
use crate::domain::contact::Contact;
use crate::domain::membership::{Membership, MembershipType};
use crate::domain::message::{OutboundMessage, OutboxStatus};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::mail::context::{self, MembershipInfo};
use crate::mail::outbox::{HIDDEN_TOKEN, Renderer};
use crate::mail::{Rendered, templates::sample_context};
use crate::services::auth::Viewer;
use crate::services::pagination::{Page, PageArgs, page_by_id};
use crate::services::{Actor, access};
use crate::state::AppState;

#[derive(Clone, Debug, Default)]
pub struct MessageFilter {
    pub status: Option<OutboxStatus>,
    pub template_key: Option<String>,
    pub contact_id: Option<i64>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
}

/// Outbox messages, newest first (staff).
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    f: &MessageFilter,
    page: PageArgs,
) -> AppResult<Page<OutboundMessage>> {
    access::require_role(viewer, Role::Staff)?;
    let mut q = outbound::Entity::find();
    if let Some(s) = f.status {
        q = q.filter(outbound::Column::Status.eq(s));
    }
    if let Some(k) = &f.template_key {
        q = q.filter(outbound::Column::TemplateKey.eq(k.clone()));
    }
    if let Some(c) = f.contact_id {
        q = q.filter(outbound::Column::ContactId.eq(c));
    }
    if let Some(from) = f.created_from {
        q = q.filter(outbound::Column::CreatedAt.gte(from));
    }
    if let Some(to) = f.created_to {
        q = q.filter(outbound::Column::CreatedAt.lt(to));
    }
    let page = page_by_id(&state.db, q, outbound::Column::Id, true, page, |r| r.id).await?;
    Ok(page.map(OutboundMessage::from))
}

/// One outbox message (staff).
pub async fn get(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<OutboundMessage> {
    access::require_role(viewer, Role::Staff)?;
    outbound::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .map(OutboundMessage::from)
        .ok_or_else(|| AppError::not_found("message", id, "id"))
}

/// Queues a FAILED, CANCELLED or LETTER message again as email, to the contact's current address.
/// Refused while the contact still must not get email.
pub async fn retry(state: &AppState, actor: &Actor, id: i64) -> AppResult<OutboundMessage> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let m = outbound::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("message", id, "id"))?;
    use OutboxStatus::{Cancelled, Failed, Letter, Queued};
    if !matches!(m.status, Failed | Cancelled | Letter) {
        return Err(AppError::conflict(
            None,
            format!(
                "only FAILED, CANCELLED or LETTER messages can be retried; this one is {}",
                m.status
            ),
        ));
    }
    if m.secret.is_some()
        || m.text_body.contains(HIDDEN_TOKEN)
        || m.html_body.contains(HIDDEN_TOKEN)
    {
        // Its link was for one address and one use; sending it elsewhere would hand it over.
        return Err(AppError::conflict(
            None,
            "this message carried a one-time link, which is never sent again; ask for a new link instead",
        ));
    }
    let recipient = match m.contact_id {
        Some(cid) => {
            let c: Contact = contact::Entity::find_by_id(cid)
                .one(&txn)
                .await?
                .ok_or_else(|| AppError::not_found("contact", cid, "id"))?
                .into();
            if let Some(reason) = c.no_email_reason() {
                return Err(AppError::conflict(None, format!("cannot send: {reason}")));
            }
            c.email
        }
        None => m.recipient.clone(),
    };
    let mut active: outbound::ActiveModel = m.into();
    active.status = Set(Queued);
    active.recipient = Set(recipient);
    active.attempts = Set(0);
    active.next_attempt_at = Set(now);
    active.claimed_at = Set(None);
    active.last_error = Set(Some(format!("retried by {}", actor.label())));
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// Cancels a message that has not been sent.
pub async fn cancel(state: &AppState, actor: &Actor, id: i64) -> AppResult<OutboundMessage> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let m = outbound::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("message", id, "id"))?;
    use OutboxStatus::{Cancelled, Sending, Sent};
    if matches!(m.status, Sent | Sending | Cancelled) {
        return Err(AppError::conflict(
            None,
            format!("a {} message cannot be cancelled", m.status),
        ));
    }
    let mut active: outbound::ActiveModel = m.into();
    active.status = Set(Cancelled);
    active.secret = Set(None);
    active.last_error = Set(Some(format!("cancelled by {}", actor.label())));
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// A message template as admins see it: the file default or their override.
pub struct TemplateView {
    pub key: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub is_overridden: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Every message template, overrides in place of the files they replace.
pub async fn templates(state: &AppState) -> AppResult<Vec<TemplateView>> {
    let overrides = message_template::Entity::find().all(&state.db).await?;
    let mut keys = state.templates.keys();
    for o in &overrides {
        if !keys.contains(&o.key) {
            keys.push(o.key.clone());
        }
    }
    keys.sort();
    Ok(keys
        .into_iter()
        .filter_map(|key| match overrides.iter().find(|o| o.key == key) {
            Some(o) => Some(TemplateView {
                key,
                subject: o.subject.clone(),
                text_body: o.text_body.clone(),
                html_body: o.html_body.clone(),
                is_overridden: true,
                updated_by: Some(o.updated_by.clone()),
                updated_at: Some(o.updated_at),
            }),
            None => state.templates.source(&key).map(|[s, t, h]| TemplateView {
                key: key.clone(),
                subject: s.clone(),
                text_body: t.clone(),
                html_body: h.clone(),
                is_overridden: false,
                updated_by: None,
                updated_at: None,
            }),
        })
        .collect())
}

fn check_key(key: &str) -> AppResult<()> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(AppError::bad_input(
            "key",
            "a template key is lower-case letters, digits and -, e.g. welcome-family",
        ))
    }
}

/// Stores an override (or a new template). Each part must compile and render against a sample
/// context; the error quotes handlebars. Absent parts keep the current text.
pub async fn update_template(
    state: &AppState,
    actor: &Actor,
    key: &str,
    subject: Option<String>,
    text_body: Option<String>,
    html_body: Option<String>,
) -> AppResult<TemplateView> {
    check_key(key)?;
    let current = templates(state).await?.into_iter().find(|t| t.key == key);
    let pick = |new: Option<String>, old: Option<&String>, field: &str| -> AppResult<String> {
        new.or_else(|| old.cloned())
            .ok_or_else(|| AppError::bad_input(field, "a new template needs all three parts"))
    };
    let subject = pick(subject, current.as_ref().map(|c| &c.subject), "subject")?;
    let text_body = pick(
        text_body,
        current.as_ref().map(|c| &c.text_body),
        "textBody",
    )?;
    let html_body = pick(
        html_body,
        current.as_ref().map(|c| &c.html_body),
        "htmlBody",
    )?;
    for (field, src) in [
        ("subject", &subject),
        ("textBody", &text_body),
        ("htmlBody", &html_body),
    ] {
        state
            .templates
            .check_source(src)
            .map_err(|e| AppError::bad_input(field, format!("the template does not work: {e}")))?;
    }
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let existing = message_template::Entity::find()
        .filter(message_template::Column::Key.eq(key))
        .one(&txn)
        .await?;
    let mut active = match existing {
        Some(e) => e.into(),
        None => message_template::ActiveModel {
            key: Set(key.into()),
            created_at: Set(now),
            ..Default::default()
        },
    };
    active.subject = Set(subject);
    active.text_body = Set(text_body);
    active.html_body = Set(html_body);
    active.updated_by = Set(actor.label());
    active.updated_at = Set(now);
    active.save(&txn).await?;
    txn.commit().await?;
    templates(state)
        .await?
        .into_iter()
        .find(|t| t.key == key)
        .ok_or_else(|| AppError::internal("saved template vanished"))
}

/// Removes an override: the file template applies again.
pub async fn reset_template(state: &AppState, key: &str) -> AppResult<bool> {
    let txn = begin_write(&state.db).await?;
    let deleted = message_template::Entity::delete_many()
        .filter(message_template::Column::Key.eq(key))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    if deleted == 0 {
        return Err(AppError::not_found("message template override", key, "key"));
    }
    Ok(true)
}

/// Renders a template for a contact (and membership) without sending anything. Without a contact the
/// sample context is used.
pub async fn preview(
    state: &AppState,
    key: &str,
    contact_id: Option<i64>,
    membership_id: Option<i64>,
) -> AppResult<Rendered> {
    let renderer = Renderer::load(&state.templates, &state.db, &[key]).await?;
    if !renderer.has(key) {
        return Err(AppError::not_found("message template", key, "key"));
    }
    let ctx = match contact_id {
        None => sample_context(),
        Some(cid) => {
            let c: Contact = crate::services::contacts::get_live_in(&state.db, cid, "contactId")
                .await?
                .into();
            let m = match membership_id {
                Some(mid) => {
                    let m = membership::Entity::find_by_id(mid)
                        .one(&state.db)
                        .await?
                        .ok_or_else(|| AppError::not_found("membership", mid, "membershipId"))?;
                    if m.contact_id != c.id {
                        return Err(AppError::bad_input(
                            "membershipId",
                            "this membership belongs to another contact",
                        ));
                    }
                    Some(Membership::from(m))
                }
                None => None,
            };
            let extra = sample_context();
            let extras = serde_json::json!({
                "reminder": extra["reminder"], "reset": extra["reset"], "invitation": extra["invitation"], "verification": extra["verification"], "contribution": extra["contribution"],
            });
            match m {
                Some(m) => {
                    let t: MembershipType = crate::services::membership_types::get(
                        &state.db,
                        m.membership_type_id,
                        "membershipId",
                    )
                    .await?
                    .into();
                    let s = crate::services::statuses::get(&state.db, m.status_id, "membershipId")
                        .await?;
                    let info = MembershipInfo {
                        membership: &m,
                        membership_type: &t,
                        status_name: &s.name,
                    };
                    context::build(&state.settings, &c, Some(&info), extras)
                }
                None => {
                    let mut ctx = context::build(&state.settings, &c, None, extras);
                    ctx["membership"] = sample_context()["membership"].clone();
                    ctx
                }
            }
        }
    };
    renderer.render(key, &ctx).map_err(|e| match e {
        // The admin is looking at their own template: show what broke.
        internal @ AppError::Internal { .. } => AppError::bad_input("key", internal.detail()),
        other => other,
    })
}
