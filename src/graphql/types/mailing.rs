//! Mailings (issue 19): newsletters and appeals, their audience, status and figures.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::error::AppResult;
use crate::graphql::guards;
use crate::graphql::parse_ids;
use crate::graphql::scalars::DateTime;
use crate::services::mailings::audience::Audience;
use crate::services::mailings::{manage, stats};

crate::mirror_enum!(
    /// Where a mailing is in its life.
    MailingStatus <=> crate::domain::segment::MailingStatus {
        /// Being written; nothing is sent.
        Draft,
        /// Waiting for its scheduled time.
        Scheduled,
        /// Its audience snapshot is taken and its messages are being queued.
        Sending,
        /// Every recipient's message is queued (deliver-mail sends them).
        Sent,
        /// Stopped: recipients not queued yet get nothing.
        Cancelled,
    }
);

/// Who a mailing goes to: anyone in any of the groups, saved searches, interests or tags, minus
/// the excluded groups and tags. Contacts who must not get bulk mail (do-not-email, deceased,
/// unsubscribed, bouncing, no address) are skipped when it is sent.
#[derive(Debug, Default, InputObject)]
pub struct AudienceInput {
    /// Static groups.
    pub group_ids: Option<Vec<ID>>,
    /// Saved searches (evaluated when sending starts).
    pub saved_search_ids: Option<Vec<ID>>,
    /// Contacts who chose any of these interests.
    pub interest_ids: Option<Vec<ID>>,
    /// Contacts carrying any of these tags.
    pub tag_ids: Option<Vec<ID>>,
    /// Nobody in these groups.
    pub exclude_group_ids: Option<Vec<ID>>,
    /// Nobody carrying these tags.
    pub exclude_tag_ids: Option<Vec<ID>>,
}

impl AudienceInput {
    pub fn parse(self) -> AppResult<Audience> {
        let ids = |v: Option<Vec<ID>>, f: &str| {
            parse_ids(&v.unwrap_or_default(), &format!("audience.{f}"))
        };
        Ok(Audience {
            group_ids: ids(self.group_ids, "groupIds")?,
            saved_search_ids: ids(self.saved_search_ids, "savedSearchIds")?,
            interest_ids: ids(self.interest_ids, "interestIds")?,
            tag_ids: ids(self.tag_ids, "tagIds")?,
            exclude_group_ids: ids(self.exclude_group_ids, "excludeGroupIds")?,
            exclude_tag_ids: ids(self.exclude_tag_ids, "excludeTagIds")?,
        })
    }
}

/// A new mailing (a draft) or a draft's new content.
#[derive(Debug, InputObject)]
pub struct CreateMailingInput {
    /// Subject line (a handlebars template, one line, at most 300 characters).
    pub subject: String,
    /// Plain-text body (handlebars; at most 256 KiB). Variables: `contact.firstName`,
    /// `contact.lastName`, `contact.displayName`, `contact.email`, `organization.name`,
    /// `organization.address`, `organization.email`, `organization.website`, `mailing.subject`,
    /// `links.unsubscribe`, `links.preferences`.
    pub text_body: String,
    /// HTML body (handlebars, HTML-escaped; same variables; at most 256 KiB).
    pub html_body: String,
    /// Who it goes to.
    pub audience: AudienceInput,
}

/// When to send.
#[derive(Debug, InputObject)]
pub struct ScheduleMailingInput {
    /// When sending starts (in the future, within a year).
    pub scheduled_at: DateTime,
}

/// The live size of a mailing's audience before it is sent.
#[derive(Debug, SimpleObject)]
pub struct AudienceCount {
    /// Live contacts the audience matches now.
    pub matching: i64,
    /// Of those, how many could get bulk mail now: not deceased, not do-not-email, with an
    /// address, not unsubscribed from bulk mail, not bouncing.
    pub reachable: i64,
}

/// A rendered message.
#[derive(Debug, SimpleObject)]
pub struct MailingPreview {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// What became of a mailing's messages.
#[derive(Debug, SimpleObject)]
pub struct MailingStatsView {
    /// Contacts in the snapshot who get the message.
    pub recipients: i64,
    /// Left out (do-not-email, deceased, unsubscribed, bouncing, no address).
    pub skipped: i64,
    /// Waiting in the outbox.
    pub queued: i64,
    /// Handed to the mail server.
    pub sent: i64,
    /// Given up on, or not rendered for the contact (a template path that fails for some).
    pub failed: i64,
    /// Failed messages whose address bounced or complained.
    pub bounced: i64,
    /// Contacts who unsubscribed through this mailing's link.
    pub unsubscribed: i64,
}

/// The audience as stored.
#[derive(Debug, SimpleObject)]
pub struct AudienceView {
    /// Groups.
    pub group_ids: Vec<ID>,
    /// Saved searches.
    pub saved_search_ids: Vec<ID>,
    /// Interests.
    pub interest_ids: Vec<ID>,
    /// Tags.
    pub tag_ids: Vec<ID>,
    /// Excluded groups.
    pub exclude_group_ids: Vec<ID>,
    /// Excluded tags.
    pub exclude_tag_ids: Vec<ID>,
}

fn ids(v: &[i64]) -> Vec<ID> {
    v.iter().map(|i| ID(i.to_string())).collect()
}

/// A newsletter or appeal.
#[derive(Clone, Debug)]
pub struct Mailing(pub manage::Mailing);

/// A newsletter or appeal.
#[Object]
impl Mailing {
    /// Identifier of the mailing.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Subject template.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// Plain-text body template.
    async fn text_body(&self) -> &str {
        &self.0.text_body
    }
    /// HTML body template.
    async fn html_body(&self) -> &str {
        &self.0.html_body
    }
    /// Who it goes to.
    async fn audience(&self) -> AudienceView {
        let a = &self.0.audience;
        AudienceView {
            group_ids: ids(&a.group_ids),
            saved_search_ids: ids(&a.saved_search_ids),
            interest_ids: ids(&a.interest_ids),
            tag_ids: ids(&a.tag_ids),
            exclude_group_ids: ids(&a.exclude_group_ids),
            exclude_tag_ids: ids(&a.exclude_tag_ids),
        }
    }
    /// DRAFT, SCHEDULED, SENDING, SENT or CANCELLED.
    async fn status(&self) -> MailingStatus {
        self.0.status.into()
    }
    /// When sending is to start (scheduled mailings).
    async fn scheduled_at(&self) -> Option<DateTime> {
        self.0.scheduled_at.map(DateTime)
    }
    /// When sending started (the audience snapshot was taken).
    async fn started_at(&self) -> Option<DateTime> {
        self.0.started_at.map(DateTime)
    }
    /// When every message was queued.
    async fn sent_at(&self) -> Option<DateTime> {
        self.0.finished_at.map(DateTime)
    }
    /// When it was cancelled.
    async fn cancelled_at(&self) -> Option<DateTime> {
        self.0.cancelled_at.map(DateTime)
    }
    /// How big the audience is now, before sending (null once sending has started or the
    /// mailing was cancelled: see `recipients` and `stats`). Counted live each time it is asked,
    /// so it weighs as much as 50 fields against the query's complexity limit.
    #[graphql(complexity = 50)]
    async fn audience_count(&self, ctx: &Context<'_>) -> Result<Option<AudienceCount>> {
        use crate::domain::segment::MailingStatus as S;
        if !matches!(self.0.status, S::Draft | S::Scheduled) {
            return Ok(None);
        }
        let state = guards::state(ctx)?;
        let (matching, reachable) = crate::services::mailings::audience::count_now(
            &state.db,
            &self.0.audience,
            state.clock.today(),
        )
        .await?;
        Ok(Some(AudienceCount {
            matching,
            reachable,
        }))
    }
    /// Contacts in the snapshot who get the message (0 before sending starts).
    async fn recipients(&self) -> i64 {
        self.0.recipients
    }
    /// Messages handed to the mail server so far.
    async fn sent(&self, ctx: &Context<'_>) -> Result<i64> {
        let db = &guards::state(ctx)?.db;
        Ok(stats::of(db, self.0.id, self.0.recipients).await?.sent)
    }
    /// Figures: recipients, skipped, queued, sent, failed, bounced, unsubscribed.
    async fn stats(&self, ctx: &Context<'_>) -> Result<MailingStatsView> {
        let db = &guards::state(ctx)?.db;
        let s = stats::of(db, self.0.id, self.0.recipients).await?;
        Ok(MailingStatsView {
            recipients: s.recipients,
            skipped: s.skipped,
            queued: s.queued,
            sent: s.sent,
            failed: s.failed,
            bounced: s.bounced,
            unsubscribed: s.unsubscribed,
        })
    }
    /// Who created it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

crate::connection!(
    MailingConnection,
    MailingEdge,
    Mailing,
    "A page of mailings, newest first.",
    "One mailing in a list, with its cursor."
);
