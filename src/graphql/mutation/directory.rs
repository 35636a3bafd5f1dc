//! Directory choices: members choose what they show; admins choose which custom fields may show.

use async_graphql::{Context, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard, SignedIn};
use crate::graphql::types::directory::{
    DirectoryListing, SetDirectoryCustomFieldsInput, UpdateMyDirectoryListingInput,
};
use crate::services::households::directory::{self, Listing};

#[derive(Default)]
pub struct DirectoryMutation;

#[Object]
impl DirectoryMutation {
    /// Chooses what the viewer shows in the member directory (a login with a contact); nothing
    /// chosen: not listed. Nobody is listed until they choose.
    #[graphql(guard = "SignedIn")]
    async fn update_my_directory_listing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The choices.")] input: UpdateMyDirectoryListingInput,
    ) -> Result<DirectoryListing> {
        let state = guards::state(ctx)?;
        let choice = Listing {
            fields: input.fields.into_iter().map(Into::into).collect(),
            custom_field_keys: input.custom_field_keys.unwrap_or_default(),
            photo_url: input.photo_url,
        };
        Ok(directory::update_mine(state, guards::viewer(ctx), choice)
            .await?
            .into())
    }

    /// Chooses the custom fields members may show in the directory (admins).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn set_directory_custom_fields(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The keys.")] input: SetDirectoryCustomFieldsInput,
    ) -> Result<Vec<String>> {
        let state = guards::state(ctx)?;
        Ok(directory::set_custom_fields(state, &guards::actor(ctx), input.keys).await?)
    }
}
