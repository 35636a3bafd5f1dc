//! The outbox: sending a message means inserting a row, in the same transaction as the change that
//! causes it, under a unique dedupe key. The `deliver-mail` job sends the rows; a re-run that would
//! queue the same message inserts nothing.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;

use super::templates::{Rendered, Templates};
use crate::db::entities::{message_template, outbound_message as outbound};
use crate::domain::contact::Contact;
use crate::domain::message::OutboxStatus;
use crate::error::{AppError, AppResult};

/// Stands in for a one-time token in a stored message body. The token (which lets its holder set a
/// password or confirm an address) never enters a body that the API, a log or a backup could show:
/// the message carries it in `secret` until delivery, which substitutes it into the outgoing copy
/// only. URL-safe and unchanged by HTML escaping, so it survives any template.
pub const HIDDEN_TOKEN: &str = "hidden-one-time-token";

/// A link that signs its holder in or lets them act for a login, e.g. a password-reset link.
pub struct OneTimeLink {
    shown: String,
    token: String,
}

impl OneTimeLink {
    /// `{base}/{path}?token={token}`.
    pub fn new(base_url: &str, path: &str, token: String) -> Self {
        let shown = format!(
            "{}/{path}?token={HIDDEN_TOKEN}",
            base_url.trim_end_matches('/')
        );
        Self { shown, token }
    }

    /// The link for a message body: the token is the placeholder.
    pub fn url(&self) -> &str {
        &self.shown
    }
}

/// The outgoing copy of a stored body: the message's secret in place of the placeholder.
pub fn reveal(body: &str, secret: Option<&str>) -> String {
    match secret {
        Some(token) => body.replace(HIDDEN_TOKEN, token),
        None => body.to_string(),
    }
}

/// Renders messages with the admins' overrides (from `message_templates`) taking precedence over the
/// template files. Load it once per transaction or batch: overrides are compiled once.
#[derive(Clone)]
pub struct Renderer {
    templates: Arc<Templates>,
}

impl Renderer {
    /// Loads the overrides for `keys` (all when empty) on top of the template files.
    pub async fn load<C: ConnectionTrait>(
        templates: &Arc<Templates>,
        db: &C,
        keys: &[&str],
    ) -> AppResult<Self> {
        let mut q = message_template::Entity::find();
        if !keys.is_empty() {
            q = q.filter(message_template::Column::Key.is_in(keys.iter().map(|k| k.to_string())));
        }
        let overrides = q.all(db).await?;
        if overrides.is_empty() {
            return Ok(Self {
                templates: templates.clone(),
            });
        }
        let templates = templates
            .with_overrides(overrides.iter().map(|t| {
                (
                    t.key.as_str(),
                    [
                        t.subject.as_str(),
                        t.text_body.as_str(),
                        t.html_body.as_str(),
                    ],
                )
            }))
            .map_err(|e| {
                AppError::internal(format!("a stored message template does not compile: {e}"))
            })?;
        Ok(Self {
            templates: Arc::new(templates),
        })
    }

    pub fn render(&self, key: &str, ctx: &Value) -> AppResult<Rendered> {
        self.render_owned(key, ctx.clone())
    }

    /// `render` with a context it may keep (bulk rendering builds one per message).
    pub fn render_owned(&self, key: &str, ctx: Value) -> AppResult<Rendered> {
        self.templates
            .render_owned(key, ctx)
            .map_err(|e| AppError::internal(format!("message {key}: {e}")))
    }

    /// Whether a template exists for `key` (a file or an override).
    pub fn has(&self, key: &str) -> bool {
        self.templates.keys().iter().any(|k| k == key)
    }
}

/// A message ready to queue.
pub struct NewMessage {
    pub dedupe_key: String,
    pub template_key: String,
    pub contact: Contact,
    pub membership_id: Option<i64>,
    pub rendered: Rendered,
}

fn row(m: NewMessage, now: DateTime<Utc>, letters: bool) -> outbound::ActiveModel {
    let reason = m.contact.no_email_reason();
    let (status, note) = match reason {
        None => (OutboxStatus::Queued, None),
        Some(why) if letters && m.contact.can_post() => (
            OutboxStatus::Letter,
            Some(format!("{why}: to be printed and posted")),
        ),
        Some(why) => (OutboxStatus::Cancelled, Some(why.to_string())),
    };
    outbound::ActiveModel {
        dedupe_key: Set(m.dedupe_key),
        template_key: Set(m.template_key),
        recipient: Set(m.contact.email),
        subject: Set(m.rendered.subject),
        text_body: Set(m.rendered.text),
        html_body: Set(m.rendered.html),
        contact_id: Set(Some(m.contact.id)),
        membership_id: Set(m.membership_id),
        status: Set(status),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_at: Set(None),
        last_error: Set(note),
        sent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        secret: Set(None),
        ..Default::default()
    }
}

/// Queues messages; rows whose dedupe key exists already are skipped. Returns how many were added.
/// Contacts who must not get email get a LETTER row when `letters` is on and they can get post,
/// else a CANCELLED row; either way with the reason, so the record shows why.
pub async fn enqueue<C: ConnectionTrait>(
    db: &C,
    messages: Vec<NewMessage>,
    now: DateTime<Utc>,
    letters: bool,
) -> AppResult<u64> {
    if messages.is_empty() {
        return Ok(0);
    }
    // Rows are moved into the statements, not cloned: each carries its rendered bodies.
    let mut rows = messages
        .into_iter()
        .map(|m| row(m, now, letters))
        .peekable();
    let mut added = 0;
    while rows.peek().is_some() {
        let chunk: Vec<outbound::ActiveModel> = rows.by_ref().take(200).collect();
        let result = outbound::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::column(outbound::Column::DedupeKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await;
        added += match result {
            Ok(n) => n,
            Err(sea_orm::DbErr::RecordNotInserted) => 0,
            Err(e) => return Err(e.into()),
        };
    }
    Ok(added)
}

/// Queues an account message (password reset, invitation, email verification) to a login's address.
/// These are transactional: they go to the login's own email even when the contact opted out of
/// mailings. `rendered` shows `link.url()`; the token travels in the row's `secret` only.
#[allow(clippy::too_many_arguments)]
pub async fn enqueue_account_message<C: ConnectionTrait>(
    db: &C,
    dedupe_key: String,
    template_key: &str,
    email: &str,
    contact_id: Option<i64>,
    rendered: Rendered,
    link: OneTimeLink,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if [&rendered.subject, &rendered.text, &rendered.html]
        .iter()
        .any(|part| part.contains(&link.token))
    {
        return Err(AppError::internal(format!(
            "message {template_key}: the rendered body contains the raw token"
        )));
    }
    outbound::ActiveModel {
        dedupe_key: Set(dedupe_key),
        template_key: Set(template_key.into()),
        recipient: Set(Some(email.into())),
        subject: Set(rendered.subject),
        text_body: Set(rendered.text),
        html_body: Set(rendered.html),
        contact_id: Set(contact_id),
        membership_id: Set(None),
        status: Set(OutboxStatus::Queued),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_at: Set(None),
        last_error: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        secret: Set(Some(link.token)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
