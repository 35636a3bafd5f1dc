//! The member directory (current members and staff).

use async_graphql::{Context, Object, Result};

use crate::graphql::guards::{self, SignedIn};
use crate::graphql::types::directory::{
    DirectoryEntry, DirectoryEntryConnection, DirectoryFilter, DirectoryListing,
};
use crate::services::households::directory;

#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// The members-only directory: current members who opted in, by name, each showing only the
    /// fields they chose. Search and filters look at what is shown, never at anything else.
    #[graphql(guard = "SignedIn")]
    async fn member_directory(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words that must all appear in what an entry shows.")] search: Option<
            String,
        >,
        #[graphql(desc = "Only entries showing this city or organisation.")] filter: Option<
            DirectoryFilter,
        >,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
    ) -> Result<DirectoryEntryConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let f = directory::DirectoryFilter {
            city: f.city,
            organization: f.organization,
        };
        let found = directory::list(state, guards::viewer(ctx), search, f, page).await?;
        Ok(DirectoryEntryConnection::from_page(
            found,
            DirectoryEntry::from,
        ))
    }

    /// What the viewer shows in the directory (a login with a contact).
    #[graphql(guard = "SignedIn")]
    async fn my_directory_listing(&self, ctx: &Context<'_>) -> Result<DirectoryListing> {
        let state = guards::state(ctx)?;
        Ok(directory::mine(state, guards::viewer(ctx)).await?.into())
    }

    /// The custom fields members may show in the directory, by key.
    #[graphql(guard = "SignedIn")]
    async fn directory_custom_fields(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(directory::custom_fields(guards::state(ctx)?).await?)
    }
}
