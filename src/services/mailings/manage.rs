//! Writing and reading mailings: create and change drafts (templates checked before they are
//! saved), schedule, send now, cancel, preview for a contact, send a test to oneself.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::audience::{self, Audience};
use super::{links, render};
use crate::db::entities::outbound_message as outbound;
use crate::db::entities::segments::{mailing as row, mailing_recipient as recipient};
use crate::db::{begin_write, lock_subject};
use crate::domain::contact::Contact;
use crate::domain::message::OutboxStatus;
use crate::domain::role::Role;
use crate::domain::segment::{MailingStatus, RecipientStatus, check_schedule};
use crate::error::{AppError, AppResult};
use crate::mail::Rendered;
use crate::services::auth::Viewer;
use crate::services::pagination::{Page, PageArgs, page_by_id};
use crate::services::{Actor, access, audit, contacts};
use crate::state::AppState;

/// A mailing as staff see it.
#[derive(Clone, Debug, PartialEq)]
pub struct Mailing {
    pub id: i64,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub audience: Audience,
    pub status: MailingStatus,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub recipients: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub(super) fn from_row(m: row::Model) -> AppResult<Mailing> {
    let audience: Audience = serde_json::from_str(&m.audience)
        .map_err(|e| AppError::internal_from(format!("mailing {} audience", m.id), e))?;
    Ok(Mailing {
        id: m.id,
        subject: m.subject,
        text_body: m.text_body,
        html_body: m.html_body,
        audience,
        status: m.status,
        scheduled_at: m.scheduled_at,
        started_at: m.started_at,
        finished_at: m.finished_at,
        cancelled_at: m.cancelled_at,
        recipients: m.recipients,
        created_by: m.created_by,
        created_at: m.created_at,
    })
}

/// A mailing as typed.
pub struct MailingInput {
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub audience: Audience,
}

async fn check_input<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    i: &MailingInput,
) -> AppResult<()> {
    render::check(state, &i.subject, &i.text_body, &i.html_body)?;
    i.audience.check()?;
    // What the audience names cannot be deleted or archived meanwhile.
    crate::services::segments::lock_definitions(db).await?;
    let a = &i.audience;
    let groups = a.group_ids.iter().chain(&a.exclude_group_ids);
    for id in groups {
        crate::services::segments::groups::exists(db, *id, "audience.groupIds").await?;
    }
    for id in a.tag_ids.iter().chain(&a.exclude_tag_ids) {
        crate::services::segments::tags::exists(db, *id, "audience.tagIds").await?;
    }
    crate::services::segments::interests::check_ids(
        db,
        &a.interest_ids,
        "audience.interestIds",
        false,
    )
    .await?;
    // Reads each saved search (NOT_FOUND names the list) and checks the whole fits one statement.
    a.evaluated_filter(db, state.clock.today()).await?;
    Ok(())
}

fn audience_json(a: &Audience) -> AppResult<String> {
    serde_json::to_string(a).map_err(|e| AppError::internal_from("serialising an audience", e))
}

/// Creates a draft (staff).
#[tracing::instrument(skip(state, input), fields(actor = %actor.label()))]
pub async fn create(state: &AppState, actor: &Actor, input: MailingInput) -> AppResult<Mailing> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    check_input(state, &txn, &input).await?;
    let created = row::ActiveModel {
        subject: Set(input.subject.trim().to_string()),
        text_body: Set(input.text_body),
        html_body: Set(input.html_body),
        audience: Set(audience_json(&input.audience)?),
        status: Set(MailingStatus::Draft),
        scheduled_at: Set(None),
        started_at: Set(None),
        resolved_at: Set(None),
        finished_at: Set(None),
        cancelled_at: Set(None),
        recipients: Set(0),
        created_by: Set(actor.label()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = serde_json::json!({ "subject": created.subject });
    audit::record(
        &txn,
        actor,
        "mailing.create",
        "mailing",
        created.id,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    from_row(created)
}

/// Replaces a draft's content and audience (staff); a mailing that has started cannot change.
#[tracing::instrument(skip(state, input), fields(actor = %actor.label()))]
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    input: MailingInput,
) -> AppResult<Mailing> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let m = locked(&txn, id).await?;
    if !matches!(m.status, MailingStatus::Draft | MailingStatus::Scheduled) {
        return Err(AppError::conflict(
            None,
            format!("a {} mailing cannot be changed", m.status),
        ));
    }
    check_input(state, &txn, &input).await?;
    let mut a: row::ActiveModel = m.into();
    a.subject = Set(input.subject.trim().to_string());
    a.text_body = Set(input.text_body);
    a.html_body = Set(input.html_body);
    a.audience = Set(audience_json(&input.audience)?);
    a.updated_at = Set(now);
    let updated = a.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "mailing.update",
        "mailing",
        id,
        None,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    from_row(updated)
}

/// The mailing, locked for this transaction (PostgreSQL; SQLite's write lock already is).
pub(super) async fn locked<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<row::Model> {
    lock_subject(db, "mailing", &id.to_string()).await?;
    row::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("mailing", id, "id"))
}

/// Schedules a draft for `at` (staff); the `send-mailings` job starts it then.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn schedule(
    state: &AppState,
    actor: &Actor,
    id: i64,
    at: DateTime<Utc>,
) -> AppResult<Mailing> {
    let now = state.clock.now();
    check_schedule(at, now)?;
    let txn = begin_write(&state.db).await?;
    let m = locked(&txn, id).await?;
    if !matches!(m.status, MailingStatus::Draft | MailingStatus::Scheduled) {
        return Err(AppError::conflict(
            None,
            format!("a {} mailing cannot be scheduled", m.status),
        ));
    }
    let mut a: row::ActiveModel = m.into();
    a.status = Set(MailingStatus::Scheduled);
    a.scheduled_at = Set(Some(at));
    a.updated_at = Set(now);
    let updated = a.update(&txn).await?;
    let view = serde_json::json!({ "scheduledAt": at });
    audit::record(
        &txn,
        actor,
        "mailing.schedule",
        "mailing",
        id,
        None,
        Some(view),
        now,
    )
    .await?;
    txn.commit().await?;
    from_row(updated)
}

/// Starts sending now (staff): the audience snapshot is taken in this transaction; the
/// `send-mailings` job queues the messages in batches.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn send_now(state: &AppState, actor: &Actor, id: i64) -> AppResult<Mailing> {
    let txn = begin_write(&state.db).await?;
    let m = locked(&txn, id).await?;
    if !matches!(m.status, MailingStatus::Draft | MailingStatus::Scheduled) {
        return Err(AppError::conflict(
            None,
            format!("a {} mailing cannot be sent again", m.status),
        ));
    }
    let started = start(state, &txn, m).await?;
    audit::record(
        &txn,
        actor,
        "mailing.send",
        "mailing",
        id,
        None,
        None,
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    from_row(started)
}

/// Takes the snapshot and moves the mailing to SENDING, inside the caller's transaction.
pub(super) async fn start<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    m: row::Model,
) -> AppResult<row::Model> {
    let now = state.clock.now();
    let audience: Audience = from_row(m.clone())?.audience;
    let n = audience::snapshot(db, m.id, &audience, state.clock.today(), now).await?;
    let mut a: row::ActiveModel = m.into();
    a.status = Set(MailingStatus::Sending);
    a.started_at = Set(Some(now));
    a.resolved_at = Set(Some(now));
    a.recipients = Set(n);
    a.updated_at = Set(now);
    Ok(a.update(db).await?)
}

/// Cancels a mailing (staff): recipients not queued yet get nothing, and its messages still
/// waiting in the outbox are cancelled; what was sent stays sent.
#[tracing::instrument(skip(state), fields(actor = %actor.label()))]
pub async fn cancel(state: &AppState, actor: &Actor, id: i64) -> AppResult<Mailing> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let m = locked(&txn, id).await?;
    if matches!(m.status, MailingStatus::Sent | MailingStatus::Cancelled) {
        return Err(AppError::conflict(
            None,
            format!("a {} mailing cannot be cancelled", m.status),
        ));
    }
    recipient::Entity::update_many()
        .col_expr(
            recipient::Column::Status,
            sea_orm::sea_query::Expr::value(RecipientStatus::Cancelled),
        )
        .filter(recipient::Column::MailingId.eq(id))
        .filter(recipient::Column::Status.eq(RecipientStatus::Pending))
        .exec(&txn)
        .await?;
    outbound::Entity::update_many()
        .col_expr(
            outbound::Column::Status,
            sea_orm::sea_query::Expr::value(OutboxStatus::Cancelled),
        )
        .col_expr(
            outbound::Column::LastError,
            sea_orm::sea_query::Expr::value(format!("mailing cancelled by {}", actor.label())),
        )
        .col_expr(
            outbound::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(outbound::Column::MailingId.eq(id))
        .filter(outbound::Column::Status.eq(OutboxStatus::Queued))
        .exec(&txn)
        .await?;
    let mut a: row::ActiveModel = m.into();
    a.status = Set(MailingStatus::Cancelled);
    a.cancelled_at = Set(Some(now));
    a.updated_at = Set(now);
    let updated = a.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "mailing.cancel",
        "mailing",
        id,
        None,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    from_row(updated)
}

/// One mailing (staff).
pub async fn get(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<Mailing> {
    access::require_role(viewer, Role::Staff)?;
    from_row(
        row::Entity::find_by_id(id)
            .one(&state.db)
            .await?
            .ok_or_else(|| AppError::not_found("mailing", id, "id"))?,
    )
}

/// Mailings, newest first (staff).
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    status: Option<MailingStatus>,
    page: PageArgs,
) -> AppResult<Page<Mailing>> {
    access::require_role(viewer, Role::Staff)?;
    let mut q = row::Entity::find();
    if let Some(s) = status {
        q = q.filter(row::Column::Status.eq(s));
    }
    let page = page_by_id(&state.db, q, row::Column::Id, true, page, |m| m.id).await?;
    let items = page
        .items
        .into_iter()
        .map(|(c, m)| Ok((c, from_row(m)?)))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Page {
        items,
        has_next_page: page.has_next_page,
        total_count: page.total_count,
    })
}

/// The mailing as `contact_id` would get it (staff); the unsubscribe link is shown unsigned.
pub async fn preview(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    contact_id: i64,
) -> AppResult<Rendered> {
    let m = get(state, viewer, id).await?;
    let c: Contact = contacts::get_live_in(&state.db, contact_id, "contactId")
        .await?
        .into();
    let compiled = render::compile(state, m.id, &m.subject, &m.text_body, &m.html_body)?;
    compiled.render(render::context(state, &c, &m.subject))
}

/// Sends the mailing to the signed-in staff member's own login address, marked as a test, as
/// their own contact would get it (or a sample recipient when the login has none). The link in it
/// does not work (it is for nobody in particular).
#[tracing::instrument(skip(state, viewer))]
pub async fn send_test(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<Mailing> {
    let user = access::require_role(viewer, Role::Staff)?;
    let m = get(state, viewer, id).await?;
    let c: Option<Contact> = match user.contact_id {
        Some(cid) => contacts::get_live_in(&state.db, cid, "viewer")
            .await
            .ok()
            .map(Into::into),
        None => None,
    };
    let ctx = match &c {
        Some(c) => render::context(state, c, &m.subject),
        None => {
            let mut ctx = crate::mail::context::for_login(
                &state.settings,
                &user.email,
                None,
                serde_json::json!({}),
            );
            ctx = serde_json::json!({
                "contact": { "displayName": ctx["contact"]["displayName"], "firstName": "", "lastName": "", "email": user.email },
                "organization": ctx["organization"], "mailing": { "subject": m.subject },
                "links": { "unsubscribe": links::shown_url(state), "preferences": links::shown_url(state) },
            });
            ctx
        }
    };
    let compiled = render::compile(state, m.id, &m.subject, &m.text_body, &m.html_body)?;
    let r = compiled.render(ctx)?;
    let dead = "test-message-link";
    let now = state.clock.now();
    let nonce: [u8; 8] = rand::random();
    outbound::ActiveModel {
        dedupe_key: Set(format!("mailing.{id}.test.{}", hex::encode(nonce))),
        template_key: Set("mailing-test".into()),
        recipient: Set(Some(user.email.clone())),
        subject: Set(format!("[Test] {}", r.subject)),
        text_body: Set(r.text.replace(links::PLACEHOLDER, dead)),
        html_body: Set(r.html.replace(links::PLACEHOLDER, dead)),
        contact_id: Set(user.contact_id),
        membership_id: Set(None),
        status: Set(OutboxStatus::Queued),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_at: Set(None),
        last_error: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        secret: Set(None),
        mailing_id: Set(None),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(m)
}
