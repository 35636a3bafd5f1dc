//! Per-mailing figures: recipients, queued, sent, failed, bounced, unsubscribed, skipped —
//! counted by the database from the snapshot, the outbox and the consent records.

use sea_orm::ConnectionTrait;

use crate::db::sql::Sql;
use crate::domain::message::OutboxStatus;
use crate::domain::segment::{ConsentAction, RecipientStatus};
use crate::error::AppResult;

/// What became of a mailing's messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailingStats {
    /// Contacts in the snapshot who get the message.
    pub recipients: i64,
    /// Left out when the snapshot was taken or the batch was queued (do-not-email, deceased,
    /// unsubscribed, bouncing, no address).
    pub skipped: i64,
    /// Waiting in the outbox (queued or being sent).
    pub queued: i64,
    pub sent: i64,
    /// Given up on (see `bounced` for permanent refusals), or not rendered for the recipient.
    pub failed: i64,
    /// Failed messages whose address is now suppressed (a bounce or complaint).
    pub bounced: i64,
    /// Contacts who unsubscribed (from everything or an interest) through this mailing's link.
    pub unsubscribed: i64,
}

async fn one<C: ConnectionTrait>(db: &C, sql: Sql) -> AppResult<i64> {
    Ok(match db.query_one_raw(sql.statement()).await? {
        Some(r) => r.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}

pub async fn of<C: ConnectionTrait>(
    db: &C,
    mailing_id: i64,
    recipients: i64,
) -> AppResult<MailingStats> {
    let b = db.get_database_backend();
    let count_outbox = |statuses: &[OutboxStatus]| {
        let mut sql = Sql::new(b);
        sql.push("SELECT COUNT(*) FROM outbound_messages WHERE mailing_id = ")
            .bind(mailing_id)
            .push(" AND status IN ")
            .bind_list(statuses.iter().map(|s| s.as_str()));
        sql
    };
    let mut skipped = Sql::new(b);
    skipped
        .push("SELECT COUNT(*) FROM mailing_recipients WHERE mailing_id = ")
        .bind(mailing_id)
        .push(" AND status = ")
        .bind(RecipientStatus::Skipped.as_str());
    let mut not_rendered = Sql::new(b);
    not_rendered
        .push("SELECT COUNT(*) FROM mailing_recipients WHERE mailing_id = ")
        .bind(mailing_id)
        .push(" AND status = ")
        .bind(RecipientStatus::Failed.as_str());
    let mut bounced = Sql::new(b);
    bounced
        .push(
            "SELECT COUNT(*) FROM outbound_messages o JOIN email_suppressions s \
             ON s.email = o.recipient WHERE o.mailing_id = ",
        )
        .bind(mailing_id)
        .push(" AND o.status = ")
        .bind(OutboxStatus::Failed.as_str());
    let mut unsubscribed = Sql::new(b);
    unsubscribed
        .push("SELECT COUNT(DISTINCT contact_id) FROM consent_records WHERE mailing_id = ")
        .bind(mailing_id)
        .push(" AND action = ")
        .bind(ConsentAction::OptOut.as_str());
    Ok(MailingStats {
        recipients,
        skipped: one(db, skipped).await?,
        queued: one(
            db,
            count_outbox(&[OutboxStatus::Queued, OutboxStatus::Sending]),
        )
        .await?,
        sent: one(db, count_outbox(&[OutboxStatus::Sent])).await?,
        failed: one(db, count_outbox(&[OutboxStatus::Failed])).await?
            + one(db, not_rendered).await?,
        bounced: one(db, bounced).await?,
        unsubscribed: one(db, unsubscribed).await?,
    })
}
