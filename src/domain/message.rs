//! Outgoing messages: where each is in its life.

use chrono::{DateTime, Utc};

/// An outbox message as staff see it. A one-time token it carries is not part of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundMessage {
    pub id: i64,
    /// Unique per message; also the Message-ID's left part.
    pub dedupe_key: String,
    pub template_key: String,
    pub recipient: Option<String>,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub contact_id: Option<i64>,
    pub membership_id: Option<i64>,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

coded_enum! {
    /// Where an outbox message is in its life.
    pub enum OutboxStatus as "outbox status" {
        /// Waiting to be sent (or to be retried at its next attempt time).
        Queued = "QUEUED",
        /// Being sent right now.
        Sending = "SENDING",
        /// Handed to the mail server (or printed, for a letter).
        Sent = "SENT",
        /// Given up after permanent errors or too many attempts.
        Failed = "FAILED",
        /// Not sent: the contact must not get email, or someone cancelled it.
        Cancelled = "CANCELLED",
        /// To be printed and posted: the contact cannot get email but can get letters.
        Letter = "LETTER",
    }
}
