use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::domain::message::{OutboundMessage as MessageRecord, OutboxStatus as DomainStatus};
use crate::graphql::guards;
use crate::graphql::scalars::DateTime;
use crate::graphql::types::contact::Contact;

crate::mirror_enum!(
    /// Where a message is in its life.
    OutboundStatus <=> DomainStatus {
        /// Waiting to be sent (or to be retried at `nextAttemptAt`).
        Queued,
        /// Being sent right now.
        Sending,
        /// Handed to the mail server.
        Sent,
        /// Given up after permanent errors or too many attempts (see `lastError`).
        Failed,
        /// Not sent: the contact must not get email, or someone cancelled it (see `lastError`).
        Cancelled,
        /// To be printed and posted: the contact cannot get email but can get letters (see
        /// `printableLetters`, then `markLettersPrinted`, which makes it SENT).
        Letter,
    }
);

/// An email in the outbox: rendered when it was queued, sent by the `deliver-mail` job.
#[derive(Clone, Debug)]
pub struct OutboundMessage(pub MessageRecord);

/// An email in the outbox: rendered when it was queued, sent by the `deliver-mail` job.
#[Object]
impl OutboundMessage {
    /// Identifier of the message.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Unique key of the message (also its Message-ID): the same key is never queued twice.
    async fn dedupe_key(&self) -> &str {
        &self.0.dedupe_key
    }
    /// The template it was rendered from, e.g. `welcome`.
    async fn template_key(&self) -> &str {
        &self.0.template_key
    }
    /// The address it goes to.
    async fn recipient(&self) -> Option<&str> {
        self.0.recipient.as_deref()
    }
    /// Subject line.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// Plain-text body.
    async fn text_body(&self) -> &str {
        &self.0.text_body
    }
    /// HTML body.
    async fn html_body(&self) -> &str {
        &self.0.html_body
    }
    /// Where it is in its life.
    async fn status(&self) -> OutboundStatus {
        self.0.status.into()
    }
    /// Delivery attempts so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When the next attempt is due (queued messages).
    async fn next_attempt_at(&self) -> DateTime {
        self.0.next_attempt_at.into()
    }
    /// The last error, or why the message was cancelled.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When it was queued.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it was handed to the mail server.
    async fn sent_at(&self) -> Option<DateTime> {
        self.0.sent_at.map(DateTime)
    }
    /// The contact it is for.
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        let Some(id) = self.0.contact_id else {
            return Ok(None);
        };
        Ok(guards::loaders(ctx)?.contact(id).await?.map(Contact))
    }
    /// The membership it is about, if any.
    async fn membership_id(&self) -> Option<ID> {
        self.0.membership_id.map(|id| ID(id.to_string()))
    }
}

/// Narrows the outbox list.
#[derive(Debug, Default, InputObject)]
pub struct OutboundMessageFilter {
    /// Only messages in this state.
    pub status: Option<OutboundStatus>,
    /// Only messages from this template.
    pub template_key: Option<String>,
    /// Only messages for this contact.
    pub contact_id: Option<ID>,
    /// Queued at or after.
    pub created_from: Option<DateTime>,
    /// Queued before.
    pub created_to: Option<DateTime>,
}

/// A message template: the shipped file, or an admin's override of it.
#[derive(Clone, Debug, SimpleObject)]
pub struct MessageTemplate {
    /// Key of the message, e.g. `welcome` or `renewal-reminder`.
    pub key: String,
    /// Subject template (handlebars).
    pub subject: String,
    /// Plain-text body template.
    pub text_body: String,
    /// HTML body template.
    pub html_body: String,
    /// Whether an admin changed it (else the shipped file applies).
    pub is_overridden: bool,
    /// Who last changed it.
    pub updated_by: Option<String>,
    /// When it was last changed.
    pub updated_at: Option<DateTime>,
}

impl From<crate::services::messages::TemplateView> for MessageTemplate {
    fn from(v: crate::services::messages::TemplateView) -> Self {
        Self {
            key: v.key,
            subject: v.subject,
            text_body: v.text_body,
            html_body: v.html_body,
            is_overridden: v.is_overridden,
            updated_by: v.updated_by,
            updated_at: v.updated_at.map(DateTime),
        }
    }
}

/// New text for a template; parts left out keep their text. Each part must compile and render.
#[derive(Debug, InputObject)]
pub struct UpdateMessageTemplateInput {
    /// Subject template.
    pub subject: Option<String>,
    /// Plain-text body template.
    pub text_body: Option<String>,
    /// HTML body template.
    pub html_body: Option<String>,
}

/// A rendered message (a preview; nothing is sent).
#[derive(Clone, Debug, SimpleObject)]
pub struct RenderedMessage {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text_body: String,
    /// HTML body.
    pub html_body: String,
}

crate::connection!(
    OutboundMessageConnection,
    OutboundMessageEdge,
    OutboundMessage,
    "A page of outbox messages, newest first.",
    "One outbox message in a list, with its cursor."
);

/// Letters to print: one HTML document with a page per letter, and the messages in it.
pub struct LetterBatch(pub crate::services::letters::LetterBatch);

/// Letters to print: one HTML document with a page per letter, and the messages in it.
#[Object]
impl LetterBatch {
    /// A printable HTML document (A4): per letter the organisation, the member's postal address,
    /// today's date, the subject and the message's text part, each on its own page.
    async fn html(&self) -> &str {
        &self.0.html
    }
    /// How many letters the document holds.
    async fn count(&self) -> i32 {
        self.0.messages.len() as i32
    }
    /// The messages in the document, oldest first; pass their ids to `markLettersPrinted` once
    /// printed.
    async fn messages(&self) -> Vec<OutboundMessage> {
        self.0
            .messages
            .iter()
            .cloned()
            .map(OutboundMessage)
            .collect()
    }
}
