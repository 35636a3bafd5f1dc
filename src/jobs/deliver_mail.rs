//! `deliver-mail`: sends due outbox rows. Claims a batch (on PostgreSQL with `FOR UPDATE SKIP LOCKED`,
//! so replicas never claim the same row; on SQLite inside a write transaction), sends through the
//! configured transport, and marks each row SENT, QUEUED again with exponential backoff, or FAILED.
//! Rows left in SENDING by a crash are reclaimed after `mail.sending_timeout_secs`. The dedupe key is
//! the Message-ID, so a message sent twice after a crash is recognisable.

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait};
use serde_json::json;

use super::JobReport;
use crate::db::begin_write;
use crate::db::entities::outbound_message as outbound;
use crate::db::sql::Sql;
use crate::domain::message::OutboxStatus::{Failed, Queued, Sending, Sent};
use crate::error::AppResult;
use crate::mail::outbox::reveal;
use crate::mail::transport::OutgoingMail;
use crate::services::mailings::{bounces, links};
use crate::state::AppState;

pub const NAME: &str = "deliver-mail";
/// Messages sent at once over the pooled SMTP connections.
const CONCURRENCY: usize = 8;

/// Delay before the next attempt after `attempts` failed ones: base, doubling, capped.
pub fn backoff(attempts: i32, base_secs: i64, max_secs: i64) -> Duration {
    let exp = attempts.saturating_sub(1).clamp(0, 30) as u32;
    let secs = base_secs
        .saturating_mul(2i64.saturating_pow(exp))
        .min(max_secs);
    Duration::seconds(secs)
}

/// Puts messages stuck in SENDING (a crash between claim and send) back in the queue.
async fn reclaim(state: &AppState, now: DateTime<Utc>) -> AppResult<u64> {
    let cutoff = now - Duration::seconds(state.settings.mail.sending_timeout_secs);
    let mut sql = Sql::new(state.db.get_database_backend());
    sql.push("UPDATE outbound_messages SET status = ")
        .bind(Queued)
        .push(", next_attempt_at = ")
        .bind(now)
        .push(", updated_at = ")
        .bind(now)
        .push(" WHERE status = ")
        .bind(Sending)
        .push(" AND claimed_at < ")
        .bind(cutoff);
    Ok(state.db.execute_raw(sql.statement()).await?.rows_affected())
}

/// Claims up to `limit` due messages and returns those to send, and how many of the claimed ones
/// belonged to a cancelled mailing (marked CANCELLED, not returned).
async fn claim(
    state: &AppState,
    now: DateTime<Utc>,
    limit: u64,
) -> AppResult<(Vec<outbound::Model>, usize)> {
    let backend = state.db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("UPDATE outbound_messages SET status = ")
        .bind(Sending)
        .push(", claimed_at = ")
        .bind(now)
        .push(", attempts = attempts + 1, updated_at = ")
        .bind(now)
        .push(" WHERE id IN (SELECT id FROM outbound_messages WHERE status = ")
        .bind(Queued)
        .push(" AND next_attempt_at <= ")
        .bind(now)
        .push(" ORDER BY next_attempt_at, id LIMIT ")
        .bind(limit as i64);
    if backend == DbBackend::Postgres {
        sql.push(" FOR UPDATE SKIP LOCKED");
    }
    sql.push(") RETURNING *");
    let txn = begin_write(&state.db).await?;
    let mut rows = outbound::Entity::find()
        .from_raw_sql(sql.statement())
        .all(&txn)
        .await?;
    let dropped = drop_cancelled(&txn, &rows, now).await?;
    txn.commit().await?;
    rows.retain(|r| !dropped.contains(&r.id));
    rows.sort_by_key(|r| r.id);
    Ok((rows, dropped.len()))
}

/// Marks CANCELLED the claimed messages whose mailing was cancelled since they were queued — a
/// message that was being sent when its mailing was cancelled and then failed and was queued
/// again, or was reclaimed — and returns their ids: they are not sent.
async fn drop_cancelled<C: ConnectionTrait>(
    txn: &C,
    rows: &[outbound::Model],
    now: DateTime<Utc>,
) -> AppResult<Vec<i64>> {
    let mut mailings: Vec<i64> = rows.iter().filter_map(|r| r.mailing_id).collect();
    mailings.sort_unstable();
    mailings.dedup();
    if mailings.is_empty() {
        return Ok(Vec::new());
    }
    let backend = txn.get_database_backend();
    let mut cancelled = Vec::new();
    for chunk in mailings.chunks(500) {
        let mut sql = Sql::new(backend);
        sql.push("SELECT id FROM mailings WHERE status = ")
            .bind(crate::domain::segment::MailingStatus::Cancelled.as_str())
            .push(" AND id IN ")
            .bind_list(chunk.iter().copied());
        for r in txn.query_all_raw(sql.statement()).await? {
            cancelled.push(r.try_get_by_index::<i64>(0)?);
        }
    }
    let dropped: Vec<i64> = rows
        .iter()
        .filter(|r| r.mailing_id.is_some_and(|m| cancelled.contains(&m)))
        .map(|r| r.id)
        .collect();
    for chunk in dropped.chunks(500) {
        let mut sql = Sql::new(backend);
        sql.push("UPDATE outbound_messages SET status = ")
            .bind(crate::domain::message::OutboxStatus::Cancelled)
            .push(", secret = NULL, last_error = ")
            .bind("the mailing was cancelled")
            .push(", updated_at = ")
            .bind(now)
            .push(" WHERE id IN ")
            .bind_list(chunk.iter().copied());
        txn.execute_raw(sql.statement()).await?;
    }
    Ok(dropped)
}

fn outgoing(state: &AppState, m: &outbound::Model, key: &[u8]) -> OutgoingMail {
    let host = state.settings.server.public_url.host();
    let mut text = reveal(&m.text_body, m.secret.as_deref());
    let mut html = reveal(&m.html_body, m.secret.as_deref());
    // Bulk mail: a freshly signed unsubscribe link in place of the stored placeholder, and the
    // List-Unsubscribe headers (transactional mail gets neither).
    let list_unsubscribe = match (m.mailing_id, m.contact_id) {
        (Some(mailing_id), Some(contact_id)) => {
            let subject = links::LinkSubject {
                contact_id,
                mailing_id,
            };
            let token = links::token_for(state, key, subject);
            text = text.replace(links::PLACEHOLDER, &token);
            html = html.replace(links::PLACEHOLDER, &token);
            Some(links::one_click_url(state, &token))
        }
        _ => None,
    };
    OutgoingMail {
        message_id: format!("{}@{host}", m.dedupe_key),
        from: state.settings.mail.from.to_string(),
        reply_to: state
            .settings
            .mail
            .reply_to
            .as_ref()
            .map(ToString::to_string),
        to: m.recipient.clone().unwrap_or_default(),
        subject: m.subject.clone(),
        text,
        html,
        list_unsubscribe,
    }
}

#[derive(Default)]
struct Tally {
    sent: i64,
    retrying: i64,
    failed: i64,
}

async fn settle(
    state: &AppState,
    batch: &[outbound::Model],
    results: Vec<(i64, Result<(), crate::mail::SendError>)>,
    tally: &mut Tally,
) -> AppResult<()> {
    let now = state.clock.now();
    let backend = state.db.get_database_backend();
    let sent: Vec<i64> = results
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(id, _)| *id)
        .collect();
    let txn = begin_write(&state.db).await?;
    for chunk in sent.chunks(500) {
        let mut sql = Sql::new(backend);
        sql.push("UPDATE outbound_messages SET status = ")
            .bind(Sent)
            .push(", sent_at = ")
            .bind(now)
            .push(", last_error = NULL, secret = NULL, updated_at = ")
            .bind(now)
            .push(" WHERE id IN ")
            .bind_list(chunk.iter().copied());
        txn.execute_raw(sql.statement()).await?;
    }
    tally.sent += sent.len() as i64;
    let mail = &state.settings.mail;
    for (id, result) in results {
        let Err(e) = result else { continue };
        let attempts = batch.iter().find(|m| m.id == id).map_or(1, |m| m.attempts);
        let give_up = e.permanent || attempts >= mail.max_attempts;
        let mut sql = Sql::new(backend);
        sql.push("UPDATE outbound_messages SET status = ")
            .bind(if give_up { Failed } else { Queued })
            .push(if give_up { ", secret = NULL" } else { "" })
            .push(", last_error = ")
            .bind(e.message.chars().take(1000).collect::<String>())
            .push(", next_attempt_at = ")
            .bind(now + backoff(attempts, mail.retry_base_secs, mail.retry_max_secs))
            .push(", updated_at = ")
            .bind(now)
            .push(" WHERE id = ")
            .bind(id);
        txn.execute_raw(sql.statement()).await?;
        state.metrics.delivery_failures.inc();
        // A permanent SMTP refusal of the address itself marks it as bouncing: no more bulk mail
        // to it until the contact's address changes.
        let recipient = batch
            .iter()
            .find(|m| m.id == id)
            .and_then(|m| m.recipient.as_deref());
        if e.permanent
            && refuses_the_address(&e.message)
            && let Some(address) = recipient
        {
            let reason = crate::domain::segment::SuppressionReason::Bounce;
            bounces::suppress(&txn, address, reason, &e.message, now).await?;
        }
        if give_up {
            tracing::warn!(message = id, error = %e.message, "message failed for good");
            tally.failed += 1;
        } else {
            tally.retrying += 1;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Delivers every due message. `as_of` does not apply: delivery uses real time.
#[tracing::instrument(skip(state))]
pub async fn run(state: &AppState) -> AppResult<JobReport> {
    let reclaimed = reclaim(state, state.clock.now()).await?;
    let key = links::key(state).await?;
    let mut tally = Tally::default();
    let mut claimed = 0i64;
    let mut cancelled = 0i64;
    loop {
        let (batch, dropped) =
            claim(state, state.clock.now(), state.settings.mail.batch_size).await?;
        cancelled += dropped as i64;
        if batch.is_empty() {
            if dropped > 0 {
                continue;
            }
            break;
        }
        claimed += batch.len() as i64;
        let mails: Vec<(i64, OutgoingMail)> = batch
            .iter()
            .map(|m| (m.id, outgoing(state, m, &key)))
            .collect();
        let results: Vec<(i64, Result<(), crate::mail::SendError>)> = futures::stream::iter(mails)
            .map(|(id, mail)| {
                let mailer = state.mailer.clone();
                async move { (id, mailer.send(&mail).await) }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        settle(state, &batch, results, &mut tally).await?;
        // Messages that failed and were re-queued are not due again in this run (backoff), so the
        // loop ends once the due ones are done.
    }
    Ok(JobReport {
        processed: claimed,
        changed: tally.sent,
        details: json!({
            "claimed": claimed,
            "sent": tally.sent,
            "retrying": tally.retrying,
            "failed": tally.failed,
            "reclaimed": reclaimed,
            "cancelled": cancelled,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let secs: Vec<i64> = (1..=10)
            .map(|a| backoff(a, 15, 3600).num_seconds())
            .collect();
        assert_eq!(secs, vec![15, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(100, 15, 3600).num_seconds(), 3600);
    }
}

/// Whether a permanent SMTP failure says the recipient's address is bad (enhanced status 5.1.x,
/// or 5.2.1: mailbox disabled), rather than the relay refusing us (5.7.x: authentication or
/// policy, a rejected sender, a relay outage) — which says nothing about the address and must not
/// mark a whole list as bouncing.
fn refuses_the_address(message: &str) -> bool {
    message.starts_with("SMTP:")
        && message
            .split(|c: char| c.is_whitespace() || c == ':' || c == '(' || c == ')')
            .any(|w| w.starts_with("5.1.") || w == "5.2.1")
}

#[cfg(test)]
mod bounce_tests {
    use super::refuses_the_address;

    #[test]
    fn only_refusals_of_the_address_are_bounces() {
        for m in [
            "SMTP: permanent error (550): 5.1.1 no such user",
            "SMTP: permanent error (553): 5.1.3 bad address syntax",
            "SMTP: permanent error (550): 5.2.1 mailbox disabled",
        ] {
            assert!(refuses_the_address(m), "{m}");
        }
        for m in [
            "SMTP: permanent error (535): 5.7.8 authentication failed",
            "SMTP: permanent error (554): 5.7.1 message refused",
            "SMTP: permanent error (550): sender rejected",
            "SMTP: permanent error (552): 5.3.4 message too big",
            "template: 5.1.1 in a body",
        ] {
            assert!(!refuses_the_address(m), "{m}");
        }
    }
}
