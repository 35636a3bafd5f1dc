use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_id;
use crate::graphql::types::privacy::EraseContactInput;
use crate::services::privacy;

#[derive(Default)]
pub struct PrivacyMutation;

#[Object]
impl PrivacyMutation {
    /// Erases a person's personal data for good (admins): names, addresses, phone, birth date,
    /// notes, custom answers, message texts and addresses, logins, sessions and stored payment
    /// methods. The contact stays as "Erased contact #<id>" with its memberships, history and
    /// contributions, so reports and the books add up; it can no longer be changed or restored.
    /// CONFLICT while the person has open obligations (unless `force`) and for a contact already
    /// erased. Returns the contact's id.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn erase_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact to erase.")] contact_id: ID,
        #[graphql(desc = "Why, and whether to cancel open obligations.")] input: EraseContactInput,
    ) -> Result<ID> {
        let state = guards::state(ctx)?;
        let id = parse_id(&contact_id, "contactId")?;
        let force = input.force.unwrap_or(false);
        let done = privacy::erase(state, guards::viewer(ctx), id, &input.reason, force).await?;
        Ok(ID(done.contact_id.to_string()))
    }
}
