use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_id;
use crate::graphql::types::message::{
    MessageTemplate, OutboundMessage, UpdateMessageTemplateInput,
};
use crate::services::messages;

#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Queues a FAILED, CANCELLED or LETTER message again as email, to the contact's current address
    /// (staff). Refused while the contact must not get email.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn retry_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Message to send again.")] id: ID,
    ) -> Result<OutboundMessage> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(OutboundMessage(
            messages::retry(state, &guards::actor(ctx), id).await?,
        ))
    }

    /// Marks printed letters as sent (staff). Every id must be a LETTER; otherwise nothing changes.
    /// Returns the messages, now SENT.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn mark_letters_printed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The letters that were printed.")] ids: Vec<ID>,
    ) -> Result<Vec<OutboundMessage>> {
        let state = guards::state(ctx)?;
        let ids = crate::graphql::parse_ids(&ids, "ids")?;
        let rows = crate::services::letters::mark_printed(state, &guards::actor(ctx), &ids).await?;
        Ok(rows.into_iter().map(OutboundMessage).collect())
    }

    /// Cancels a message that has not been sent (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn cancel_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Message to cancel.")] id: ID,
    ) -> Result<OutboundMessage> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(OutboundMessage(
            messages::cancel(state, &guards::actor(ctx), id).await?,
        ))
    }

    /// Overrides a message template, or adds one under a new key (admins). Each part is compiled and
    /// test-rendered first: a broken template is BAD_USER_INPUT with handlebars' message.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_message_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Template key, e.g. `welcome` (lower-case letters, digits, -).")]
        key: String,
        #[graphql(desc = "The new text.")] input: UpdateMessageTemplateInput,
    ) -> Result<MessageTemplate> {
        let state = guards::state(ctx)?;
        let view = messages::update_template(
            state,
            &guards::actor(ctx),
            key.trim(),
            input.subject,
            input.text_body,
            input.html_body,
        )
        .await?;
        Ok(view.into())
    }

    /// Removes an admin's override: the shipped template applies again (admins).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn reset_message_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Template key.")] key: String,
    ) -> Result<bool> {
        let state = guards::state(ctx)?;
        Ok(messages::reset_template(state, key.trim()).await?)
    }
}
