//! Households queries: relationship types.

use async_graphql::{Context, Object, Result};

use crate::graphql::guards::{self, SignedIn};
use crate::graphql::types::household::RelationshipType;
use crate::services::households::types;

#[derive(Default)]
pub struct HouseholdQuery;

#[Object]
impl HouseholdQuery {
    /// Relationship types, active ones first (any signed-in login: members pick one when they add
    /// someone to their bundle).
    #[graphql(guard = "SignedIn")]
    async fn relationship_types(&self, ctx: &Context<'_>) -> Result<Vec<RelationshipType>> {
        let state = guards::state(ctx)?;
        Ok(types::list(&state.db)
            .await?
            .into_iter()
            .map(RelationshipType)
            .collect())
    }
}
