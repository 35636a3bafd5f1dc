use async_graphql::{Context, ID, Json, Object, Result};

use crate::graphql::guards;
use crate::graphql::parse_id;
use crate::services::privacy;

#[derive(Default)]
pub struct PrivacyQuery;

#[Object]
impl PrivacyQuery {
    /// Everything held about a person, as one JSON document: the contact, custom fields,
    /// memberships with their history, contributions (refunds, payments, soft credits, tributes),
    /// recurring gifts, stored payment methods (no provider references), preferences, messages
    /// sent to them (bodies of sign-in and password links withheld), logins with sessions (no
    /// password or token hashes) and audit entries about them. Staff and admins may export anyone;
    /// a member only their own contact, without the fields only staff may read (staff notes,
    /// gifts others made in their name). Also at `GET /export/personal-data/<contactId>.json`.
    async fn export_personal_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person's contact.")] contact_id: ID,
    ) -> Result<Json<serde_json::Value>> {
        let state = guards::state(ctx)?;
        let id = parse_id(&contact_id, "contactId")?;
        Ok(Json(privacy::export(state, guards::viewer(ctx), id).await?))
    }
}
