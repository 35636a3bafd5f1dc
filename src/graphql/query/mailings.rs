//! Mailing queries (staff).

use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_id;
use crate::graphql::types::mailing::{Mailing, MailingConnection, MailingPreview, MailingStatus};
use crate::services::mailings::manage;

#[derive(Default)]
pub struct MailingQuery;

#[Object]
impl MailingQuery {
    /// Mailings, newest first (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn mailings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Only mailings in this status.")] status: Option<MailingStatus>,
    ) -> Result<MailingConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let found = manage::list(state, guards::viewer(ctx), status.map(Into::into), page).await?;
        Ok(MailingConnection::from_page(found, Mailing))
    }

    /// One mailing (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn mailing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Mailing id.")] id: ID,
    ) -> Result<Mailing> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Mailing(manage::get(state, guards::viewer(ctx), id).await?))
    }

    /// The mailing as a contact would get it (staff); its unsubscribe link is shown unsigned.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn preview_mailing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Mailing id.")] id: ID,
        #[graphql(desc = "The contact to render it for.")] contact_id: ID,
    ) -> Result<MailingPreview> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let contact = parse_id(&contact_id, "contactId")?;
        let r = manage::preview(state, guards::viewer(ctx), id, contact).await?;
        Ok(MailingPreview {
            subject: r.subject,
            text: r.text,
            html: r.html,
        })
    }
}
