//! Sending: the `send-mailings` job starts scheduled mailings that are due, then queues the
//! messages of every SENDING mailing in batches, one transaction each: the batch's outbox rows
//! (dedupe key `mailing.<id>.c<contact>`, unique) and its recipients marked QUEUED commit together.
//! A crash loses at most an uncommitted batch, which the next run queues again; two replicas
//! queuing the same mailing wait for each other's batch (a lock on the mailing) and the unique key
//! would refuse a second copy anyway — so each recipient gets exactly one message.
//!
//! `mailings.send_rate_per_minute` spreads the messages' send times (`next_attempt_at`), so
//! `deliver-mail` hands them to SMTP no faster than that.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{manage, render};
use crate::db::begin_write;
use crate::db::entities::contact;
use crate::db::entities::outbound_message as outbound;
use crate::db::entities::segments::{
    mailing as row, mailing_recipient as recipient, opt_out, suppression,
};
use crate::domain::contact::Contact;
use crate::domain::message::OutboxStatus;
use crate::domain::segment::{MailingStatus, RecipientStatus};
use crate::error::AppResult;
use crate::state::AppState;

/// The dedupe key of a recipient's message.
pub fn dedupe_key(mailing_id: i64, contact_id: i64) -> String {
    format!("mailing.{mailing_id}.c{contact_id}")
}

/// What one run of the job did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunTally {
    /// Scheduled mailings started.
    pub started: i64,
    /// Mailings that were sending.
    pub mailings: i64,
    /// Messages queued.
    pub queued: u64,
}

/// Starts due scheduled mailings and queues every sending one (the `send-mailings` job). Mailings
/// use real time.
#[tracing::instrument(skip(state))]
pub async fn run(state: &AppState) -> AppResult<RunTally> {
    let now = state.clock.now();
    let due: Vec<i64> = row::Entity::find()
        .filter(row::Column::Status.eq(MailingStatus::Scheduled))
        .filter(row::Column::ScheduledAt.lte(now))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    let mut started = 0;
    for id in due {
        let txn = begin_write(&state.db).await?;
        let m = manage::locked(&txn, id).await?;
        if m.status == MailingStatus::Scheduled {
            manage::start(state, &txn, m).await?;
            started += 1;
        }
        txn.commit().await?;
    }
    let sending: Vec<i64> = row::Entity::find()
        .filter(row::Column::Status.eq(MailingStatus::Sending))
        .order_by_asc(row::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    let mut queued = 0;
    for id in &sending {
        // One mailing that cannot be queued (a recipient its template cannot render, say) must not
        // hold back the others: it is reported and tried again next run.
        match send_pending(state, *id).await {
            Ok(n) => queued += n,
            Err(e) => tracing::warn!(mailing = id, error = %e, "mailing not queued this run"),
        }
    }
    Ok(RunTally {
        started,
        mailings: sending.len() as i64,
        queued,
    })
}

/// Queues every pending recipient of a SENDING mailing, batch by batch; marks it SENT when none
/// is left. Returns how many messages were queued.
pub async fn send_pending(state: &AppState, mailing_id: i64) -> AppResult<u64> {
    let mut total = 0;
    loop {
        match queue_batch(state, mailing_id).await? {
            Some(n) => total += n,
            None => return Ok(total),
        }
    }
}

/// One batch; None when the mailing is not SENDING any more (finished, cancelled).
pub async fn queue_batch(state: &AppState, mailing_id: i64) -> AppResult<Option<u64>> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let m = manage::locked(&txn, mailing_id).await?;
    if m.status != MailingStatus::Sending {
        return Ok(None);
    }
    let batch = recipient::Entity::find()
        .filter(recipient::Column::MailingId.eq(mailing_id))
        .filter(recipient::Column::Status.eq(RecipientStatus::Pending))
        .order_by_asc(recipient::Column::Id)
        .limit(u64::from(state.settings.mailings.batch_size))
        .all(&txn)
        .await?;
    if batch.is_empty() {
        let mut a: row::ActiveModel = m.into();
        a.status = Set(MailingStatus::Sent);
        a.finished_at = Set(Some(now));
        a.updated_at = Set(now);
        sea_orm::ActiveModelTrait::update(a, &txn).await?;
        txn.commit().await?;
        return Ok(None);
    }
    let compiled = render::compile(state, m.id, &m.subject, &m.text_body, &m.html_body)?;
    let ids: Vec<i64> = batch.iter().map(|r| r.contact_id).collect();
    let people: HashMap<i64, Contact> = contact::Entity::find()
        .filter(contact::Column::Id.is_in(ids.clone()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.id, Contact::from(c)))
        .collect();
    let blocked = blocked_now(&txn, &ids, &people).await?;
    let gap = gap(state);
    let mut start = first_send_time(&txn, mailing_id, now, gap).await?;
    let mut rows = Vec::new();
    let (mut queued, mut skipped, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    let mut wanted = Vec::new();
    for r in &batch {
        let Some(c) = people.get(&r.contact_id) else {
            continue;
        };
        if let Some(why) = c.no_email_reason().or(blocked.get(&c.id).copied()) {
            skipped.push((r.id, why));
            continue;
        }
        wanted.push((r.id, c.id, render::context(state, c, &m.subject)));
    }
    // Rendering is CPU work (a batch takes tens of milliseconds): on a blocking thread, not on
    // one of the runtime's workers, which serve the API meanwhile.
    let rendered = tokio::task::spawn_blocking(move || {
        wanted
            .into_iter()
            .map(|(rid, cid, ctx)| (rid, cid, compiled.render(ctx)))
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| crate::error::AppError::internal_from("rendering a mailing", e))?;
    for (rid, cid, result) in rendered {
        // A template can fail for some recipients only (a helper or path in a branch others do
        // not take): that recipient is marked FAILED with the reason, the others go on.
        let rendered = match result {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(mailing = mailing_id, contact = cid, error = %e.detail(), "mailing not rendered");
                let why: String = format!("the message could not be rendered: {}", e.detail())
                    .chars()
                    .take(200)
                    .collect();
                failed.push((rid, why));
                continue;
            }
        };
        let email = people.get(&cid).and_then(|c| c.email.clone());
        rows.push(outbound::ActiveModel {
            dedupe_key: Set(dedupe_key(mailing_id, cid)),
            template_key: Set("mailing".into()),
            recipient: Set(email),
            subject: Set(rendered.subject),
            text_body: Set(rendered.text),
            html_body: Set(rendered.html),
            contact_id: Set(Some(cid)),
            membership_id: Set(None),
            status: Set(OutboxStatus::Queued),
            attempts: Set(0),
            next_attempt_at: Set(start),
            claimed_at: Set(None),
            last_error: Set(None),
            sent_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            secret: Set(None),
            mailing_id: Set(Some(mailing_id)),
            ..Default::default()
        });
        start += gap;
        queued.push(rid);
    }
    let inserted = insert_messages(&txn, rows).await?;
    mark(&txn, &queued, RecipientStatus::Queued, None, now).await?;
    for (id, why) in &skipped {
        mark(&txn, &[*id], RecipientStatus::Skipped, Some(why), now).await?;
    }
    for (id, why) in &failed {
        mark(&txn, &[*id], RecipientStatus::Failed, Some(why), now).await?;
    }
    if !skipped.is_empty() {
        let n = skipped.len() as i64;
        row::Entity::update_many()
            .col_expr(
                row::Column::Recipients,
                Expr::col(row::Column::Recipients).sub(n),
            )
            .filter(row::Column::Id.eq(mailing_id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(Some(inserted))
}

/// Contacts of the batch who opted out of bulk mail or whose address is suppressed since the
/// snapshot was taken.
async fn blocked_now<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    people: &HashMap<i64, Contact>,
) -> AppResult<HashMap<i64, &'static str>> {
    let mut out = HashMap::new();
    for o in opt_out::Entity::find()
        .filter(opt_out::Column::ContactId.is_in(ids.to_vec()))
        .all(db)
        .await?
    {
        out.insert(o.contact_id, "the contact unsubscribed from bulk mail");
    }
    let emails: Vec<String> = people.values().filter_map(|c| c.email.clone()).collect();
    let bad: HashSet<String> = suppression::Entity::find()
        .filter(suppression::Column::Email.is_in(emails))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.email)
        .collect();
    for c in people.values() {
        if c.email.as_ref().is_some_and(|e| bad.contains(e)) {
            out.entry(c.id)
                .or_insert("the address bounced or was reported as spam");
        }
    }
    Ok(out)
}

fn gap(state: &AppState) -> Duration {
    match state.settings.mailings.send_rate_per_minute {
        0 => Duration::zero(),
        rate => Duration::microseconds(60_000_000 / i64::from(rate)),
    }
}

/// When this batch's first message may go: one gap after the mailing's last queued one, never in
/// the past; now when there is no send rate. (The latest send time is read through
/// `ix_outbound_messages_mailing_next`: one index entry, not every message queued so far.)
async fn first_send_time<C: ConnectionTrait>(
    db: &C,
    mailing_id: i64,
    now: DateTime<Utc>,
    gap: Duration,
) -> AppResult<DateTime<Utc>> {
    if gap.is_zero() {
        return Ok(now);
    }
    let last: Option<DateTime<Utc>> = outbound::Entity::find()
        .select_only()
        .column(outbound::Column::NextAttemptAt)
        .filter(outbound::Column::MailingId.eq(mailing_id))
        .order_by_desc(outbound::Column::NextAttemptAt)
        .into_tuple()
        .one(db)
        .await?;
    Ok(match last {
        Some(at) if at + gap > now => at + gap,
        _ => now,
    })
}

/// Inserts the messages, skipping any whose dedupe key is queued already (a batch resumed after a
/// crash); returns how many were new.
async fn insert_messages<C: ConnectionTrait>(
    db: &C,
    rows: Vec<outbound::ActiveModel>,
) -> AppResult<u64> {
    let mut inserted = 0;
    let mut rows = rows.into_iter().peekable();
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
        match result {
            Ok(n) => inserted += n,
            Err(sea_orm::DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(inserted)
}

async fn mark<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    status: RecipientStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for chunk in ids.chunks(crate::services::segments::CHUNK) {
        let mut q = recipient::Entity::update_many()
            .col_expr(recipient::Column::Status, Expr::value(status))
            .filter(recipient::Column::Id.is_in(chunk.to_vec()));
        if status == RecipientStatus::Queued {
            q = q.col_expr(recipient::Column::QueuedAt, Expr::value(now));
        }
        if let Some(r) = reason {
            q = q.col_expr(recipient::Column::SkipReason, Expr::value(r));
        }
        q.exec(db).await?;
    }
    Ok(())
}
