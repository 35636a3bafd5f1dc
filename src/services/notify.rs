//! Lifecycle messages: welcome, renewed, expired. Each is rendered and queued in the transaction of
//! the change that causes it, with a dedupe key that makes a repeat a no-op.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::db::entities::{contact, membership, membership_status, membership_type};
use crate::domain::contact::Contact;
use crate::domain::membership::{Membership, MembershipType};
use crate::error::{AppError, AppResult};
use crate::mail::context::{self, MembershipInfo};
use crate::mail::outbox::{self, NewMessage, Renderer};
use crate::state::AppState;

pub const WELCOME: &str = "welcome";
pub const RENEWED: &str = "membership-renewed";
pub const EXPIRED: &str = "membership-expired";

fn end_key(end: Option<NaiveDate>) -> String {
    end.map_or_else(|| "lifetime".into(), |d| d.format("%Y-%m-%d").to_string())
}

/// Renders and queues one message about one membership, to its contact; `extra` fills the
/// template's own keys. Returns how many rows were added (0 when the dedupe key exists).
pub async fn queue_for<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    template: &str,
    dedupe_key: String,
    m: &Membership,
    extra: Value,
) -> AppResult<u64> {
    let c: Contact = contact::Entity::find_by_id(m.contact_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(format!("membership {} has no contact", m.id)))?
        .into();
    let t: MembershipType = membership_type::Entity::find_by_id(m.membership_type_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(format!("membership {} has no type", m.id)))?
        .into();
    let status = membership_status::Entity::find_by_id(m.status_id)
        .one(db)
        .await?;
    let info = MembershipInfo {
        membership: m,
        membership_type: &t,
        status_name: status.as_ref().map_or("", |s| s.name.as_str()),
    };
    let ctx = context::build(&state.settings, &c, Some(&info), extra);
    let rendered = Renderer::load(&state.templates, db, &[template])
        .await?
        .render(template, &ctx)?;
    let message = NewMessage {
        dedupe_key,
        template_key: template.into(),
        contact: c,
        membership_id: Some(m.id),
        rendered,
    };
    outbox::enqueue(
        db,
        vec![message],
        state.clock.now(),
        state.settings.mail.letters,
    )
    .await
}

/// The welcome message of a new membership, unless its type sends none.
pub async fn welcome<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    m: &Membership,
    t: &MembershipType,
) -> AppResult<()> {
    if !t.send_welcome {
        return Ok(());
    }
    let template = t.welcome_template_key.as_deref().unwrap_or(WELCOME);
    queue_for(
        state,
        db,
        template,
        format!("welcome.m{}", m.id),
        m,
        Value::Null,
    )
    .await?;
    Ok(())
}

/// Confirms a renewal; one message per new end date.
pub async fn renewed<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    m: &Membership,
) -> AppResult<()> {
    let key = format!("renewed.m{}.{}", m.id, end_key(m.end_date));
    queue_for(state, db, RENEWED, key, m, Value::Null).await?;
    Ok(())
}

/// Tells members whose membership the status job moved to Expired in this run (ids in `lo..=hi`).
/// Returns how many messages were queued.
pub async fn expired_in_run<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    run_id: i64,
    expired_status: i64,
    lo: i64,
    hi: i64,
) -> AppResult<u64> {
    let rows = membership::Entity::find()
        .filter(membership::Column::StatusRunId.eq(run_id))
        .filter(membership::Column::StatusId.eq(expired_status))
        // The primary of a bundle is told; those who inherit from it are not asked to pay.
        .filter(membership::Column::InheritedFromId.is_null())
        .filter(membership::Column::Id.gt(lo))
        .filter(membership::Column::Id.lte(hi))
        .all(db)
        .await?;
    let items = rows
        .into_iter()
        .map(|m| {
            (
                format!("expired.m{}.{}", m.id, end_key(m.end_date)),
                Membership::from(m),
                Value::Null,
            )
        })
        .collect();
    queue_many(state, db, EXPIRED, items).await
}

/// Renders and queues one message per membership, loading contacts, types and statuses in bulk and
/// rendering on the blocking pool (templates are CPU work). Returns how many were queued.
pub async fn queue_many<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    template: &str,
    items: Vec<(String, Membership, Value)>,
) -> AppResult<u64> {
    let messages = render_many(state, db, template, items).await?;
    outbox::enqueue(db, messages, state.clock.now(), state.settings.mail.letters).await
}

/// The rendering half of [`queue_many`], for callers that overlap rendering one batch with
/// inserting the previous one.
pub async fn render_many<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    template: &str,
    items: Vec<(String, Membership, Value)>,
) -> AppResult<Vec<NewMessage>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let mut contact_ids: Vec<i64> = items.iter().map(|(_, m, _)| m.contact_id).collect();
    contact_ids.sort_unstable();
    contact_ids.dedup();
    let mut contacts = std::collections::HashMap::with_capacity(contact_ids.len());
    for chunk in contact_ids.chunks(500) {
        for c in contact::Entity::find()
            .filter(contact::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            contacts.insert(c.id, Contact::from(c));
        }
    }
    let types: std::collections::HashMap<i64, MembershipType> = membership_type::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, MembershipType::from(t)))
        .collect();
    let statuses: std::collections::HashMap<i64, String> = membership_status::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let renderer = Renderer::load(&state.templates, db, &[template]).await?;
    let contacts = std::sync::Arc::new(contacts);
    let types = std::sync::Arc::new(types);
    let statuses = std::sync::Arc::new(statuses);
    // Two halves on two blocking threads: rendering dominates the cost of bulk messages.
    let mut items = items;
    let second = items.split_off(items.len() / 2);
    let mut handles = Vec::new();
    for part in [items, second] {
        let (state, contacts, types, statuses, renderer) = (
            state.clone(),
            contacts.clone(),
            types.clone(),
            statuses.clone(),
            renderer.clone(),
        );
        let template = template.to_string();
        handles.push(tokio::task::spawn_blocking(
            move || -> AppResult<Vec<NewMessage>> {
                let mut out = Vec::with_capacity(part.len());
                for (dedupe_key, m, extra) in part {
                    let c = contacts.get(&m.contact_id).ok_or_else(|| {
                        AppError::internal(format!("membership {} has no contact", m.id))
                    })?;
                    let t = types.get(&m.membership_type_id).ok_or_else(|| {
                        AppError::internal(format!("membership {} has no type", m.id))
                    })?;
                    let info = MembershipInfo {
                        membership: &m,
                        membership_type: t,
                        status_name: statuses.get(&m.status_id).map_or("", String::as_str),
                    };
                    let ctx = context::build(&state.settings, c, Some(&info), extra);
                    out.push(NewMessage {
                        dedupe_key,
                        template_key: template.clone(),
                        contact: c.clone(),
                        membership_id: Some(m.id),
                        rendered: renderer.render_owned(&template, ctx)?,
                    });
                }
                Ok(out)
            },
        ));
    }
    let mut messages = Vec::new();
    for h in handles {
        messages.extend(h.await.map_err(AppError::internal)??);
    }
    Ok(messages)
}
