use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_id;
use crate::graphql::types::contact::{Contact, CreateContactInput, UpdateContactInput};
use crate::services::contacts;

#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    /// Creates a contact (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new contact.")] input: CreateContactInput,
    ) -> Result<Contact> {
        let state = guards::state(ctx)?;
        Ok(Contact(
            contacts::create(state, &guards::actor(ctx), input.into()).await?,
        ))
    }

    /// Changes some fields of a contact (staff); fields left out keep their value.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Contact to change.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateContactInput,
    ) -> Result<Contact> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Contact(
            contacts::update(state, &guards::actor(ctx), id, input.into()).await?,
        ))
    }

    /// Moves a contact to the trash (staff): it leaves every list but keeps its history and can be
    /// restored. Returns the id.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn delete_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Contact to delete.")] id: ID,
    ) -> Result<ID> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let deleted = contacts::delete(state, &guards::actor(ctx), id).await?;
        Ok(ID(deleted.to_string()))
    }

    /// Brings a contact back from the trash (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn restore_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Contact to restore.")] id: ID,
    ) -> Result<Contact> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Contact(
            contacts::restore(state, &guards::actor(ctx), id).await?,
        ))
    }
}
