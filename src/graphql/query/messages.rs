use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::types::message::{
    LetterBatch, MessageTemplate, OutboundMessage, OutboundMessageConnection,
    OutboundMessageFilter, RenderedMessage,
};
use crate::graphql::{parse_id, parse_ids};
use crate::services::letters;
use crate::services::messages::{self, MessageFilter};

#[derive(Default)]
pub struct MessageQuery;

#[Object]
impl MessageQuery {
    /// The outbox, newest first (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn outbound_messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "What to include.")] filter: Option<OutboundMessageFilter>,
    ) -> Result<OutboundMessageConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = MessageFilter {
            status: f.status.map(Into::into),
            template_key: f.template_key,
            contact_id: f
                .contact_id
                .as_ref()
                .map(|c| parse_id(c, "contactId"))
                .transpose()?,
            created_from: f.created_from.map(|d| d.0),
            created_to: f.created_to.map(|d| d.0),
        };
        let result = messages::list(state, guards::viewer(ctx), &filter, page).await?;
        Ok(OutboundMessageConnection::from_page(
            result,
            OutboundMessage,
        ))
    }

    /// The letters waiting to be printed, oldest first, as one printable HTML document (staff).
    /// Nothing changes until `markLettersPrinted`.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn printable_letters(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Most letters in the document (default 100, at most 1000).")]
        first: Option<i32>,
        #[graphql(desc = "Only letters from this template, e.g. `renewal-reminder`.")]
        template_key: Option<String>,
        #[graphql(desc = "Only these messages (each must be a LETTER).")] ids: Option<Vec<ID>>,
    ) -> Result<LetterBatch> {
        let state = guards::state(ctx)?;
        let ids = ids.map(|ids| parse_ids(&ids, "ids")).transpose()?;
        let filter = letters::LetterFilter { ids, template_key };
        Ok(LetterBatch(
            letters::printable(state, &filter, first).await?,
        ))
    }

    /// One outbox message (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn outbound_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Message id.")] id: ID,
    ) -> Result<Option<OutboundMessage>> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(OutboundMessage(
            messages::get(state, guards::viewer(ctx), id).await?,
        )))
    }

    /// Every message template, with admins' overrides in place (admins).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn message_templates(&self, ctx: &Context<'_>) -> Result<Vec<MessageTemplate>> {
        let state = guards::state(ctx)?;
        Ok(messages::templates(state)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Renders a template for a contact and membership without sending it (admins). Without
    /// `contactId` a sample member is used.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn preview_message_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Template key, e.g. `welcome`.")] key: String,
        #[graphql(desc = "Contact to render for.")] contact_id: Option<ID>,
        #[graphql(desc = "Membership to render for (must belong to the contact).")]
        membership_id: Option<ID>,
    ) -> Result<RenderedMessage> {
        let state = guards::state(ctx)?;
        let contact_id = contact_id
            .as_ref()
            .map(|c| parse_id(c, "contactId"))
            .transpose()?;
        let membership_id = membership_id
            .as_ref()
            .map(|m| parse_id(m, "membershipId"))
            .transpose()?;
        let r = messages::preview(state, &key, contact_id, membership_id).await?;
        Ok(RenderedMessage {
            subject: r.subject,
            text_body: r.text,
            html_body: r.html,
        })
    }
}
