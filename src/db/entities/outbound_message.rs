use sea_orm::entity::prelude::*;

use crate::domain::message::OutboxStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbound_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unique per message: a re-run that would queue the same message inserts nothing. Also the
    /// Message-ID's left part, so a duplicate after a crash is recognisable.
    pub dedupe_key: String,
    pub template_key: String,
    pub recipient: Option<String>,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub contact_id: Option<i64>,
    pub membership_id: Option<i64>,
    /// QUEUED, SENDING, SENT, FAILED or CANCELLED.
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The one-time token of an account message's link, substituted for `outbox::HIDDEN_TOKEN` at
    /// delivery and cleared once the message is sent or given up. Never exposed by the API.
    pub secret: Option<String>,
    /// The mailing a bulk message belongs to (it gets List-Unsubscribe headers); None for
    /// transactional mail.
    pub mailing_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
