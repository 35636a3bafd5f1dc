//! Relationships, relationship types and bundles as GraphQL objects, with their inputs.

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::domain::household as dh;
use crate::graphql::guards;
use crate::graphql::scalars::{Date, DateTime};
use crate::graphql::types::contact::Contact;
use crate::graphql::types::membership::Membership;
use crate::services::access;
use crate::services::households::types as rtypes;

/// A kind of relationship between contacts, named from both sides.
#[derive(Clone, Debug)]
pub struct RelationshipType(pub dh::RelationshipType);

/// A kind of relationship between contacts, named from both sides.
#[Object]
impl RelationshipType {
    /// Identifier of the type.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What contact A is to contact B, e.g. "Head of household of" or "Employer of".
    async fn name_a_to_b(&self) -> &str {
        &self.0.name_a_to_b
    }
    /// What contact B is to contact A, e.g. "Household member of" or "Employee of".
    async fn name_b_to_a(&self) -> &str {
        &self.0.name_b_to_a
    }
    /// Longer description for staff.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Whether new relationships of this type can be made.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
}

/// Contact A is the type's `nameAToB` of contact B, from `startDate` until `endDate`.
#[derive(Clone, Debug)]
pub struct Relationship(pub dh::Relationship);

/// Contact A is the type's `nameAToB` of contact B, from `startDate` until `endDate`.
#[Object]
impl Relationship {
    /// Identifier of the relationship.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The type, with the names of both directions.
    async fn relationship_type(&self, ctx: &Context<'_>) -> Result<Option<RelationshipType>> {
        let state = guards::state(ctx)?;
        let found = rtypes::load_many(&state.db, &[self.0.relationship_type_id]).await?;
        Ok(found.into_iter().next().map(RelationshipType))
    }
    /// Contact A (staff, or contact A themself).
    async fn contact_a(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        party(ctx, self.0.contact_a_id).await
    }
    /// Contact B (staff, or contact B themself).
    async fn contact_b(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        party(ctx, self.0.contact_b_id).await
    }
    /// Id of contact A.
    async fn contact_a_id(&self) -> ID {
        ID(self.0.contact_a_id.to_string())
    }
    /// Id of contact B.
    async fn contact_b_id(&self) -> ID {
        ID(self.0.contact_b_id.to_string())
    }
    /// First day it holds.
    async fn start_date(&self) -> Option<Date> {
        self.0.start_date.map(Date)
    }
    /// Last day it holds; null while it goes on.
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }
    /// False once it has ended.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

async fn party(ctx: &Context<'_>, id: i64) -> Result<Option<Contact>> {
    access::require_self_or_staff(guards::viewer(ctx), id)?;
    Ok(guards::loaders(ctx)?.contact(id).await?.map(Contact))
}

/// One person of a bundle, as the primary member (or staff) sees them.
#[derive(Clone, Debug)]
pub struct BundleMember {
    pub membership: crate::domain::membership::Membership,
    pub contact_id: i64,
}

/// One person of a bundle, as the primary member (or staff) sees them.
#[Object]
impl BundleMember {
    /// Their inherited membership (it follows the primary; `inheritEndedOn` is set once they left).
    async fn membership(&self) -> Membership {
        Membership(self.membership.clone())
    }
    /// Their name.
    async fn display_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let c = guards::loaders(ctx)?.contact(self.contact_id).await?;
        Ok(c.map(|c| c.display_name))
    }
    /// Whether they still follow the primary.
    async fn is_active(&self) -> bool {
        self.membership.inherit_ended_on.is_none()
    }
}

/// A new relationship type.
#[derive(Debug, InputObject)]
pub struct CreateRelationshipTypeInput {
    /// What contact A is to contact B, e.g. "Employer of".
    pub name_a_to_b: String,
    /// What contact B is to contact A, e.g. "Employee of" (default: `nameAToB`, for symmetric
    /// types such as "Spouse of").
    pub name_b_to_a: Option<String>,
    /// Longer description.
    pub description: Option<String>,
}

/// A new relationship.
#[derive(Debug, InputObject)]
pub struct CreateRelationshipInput {
    /// Contact A (e.g. the head of household, the employer).
    pub contact_a_id: ID,
    /// Contact B (e.g. the household member, the employee).
    pub contact_b_id: ID,
    /// The relationship type.
    pub relationship_type_id: ID,
    /// First day it holds (default today).
    pub start_date: Option<Date>,
}

/// How a relationship ends.
#[derive(Debug, Default, InputObject)]
pub struct EndRelationshipInput {
    /// Last day it holds (default today). From then on memberships inherited through it end.
    pub end_date: Option<Date>,
}

/// Someone the primary member adds to their bundle.
#[derive(Debug, InputObject)]
pub struct AddBundleMemberInput {
    /// Their first name.
    pub first_name: String,
    /// Their last name.
    pub last_name: String,
    /// Their email address: they are invited there to claim a login.
    pub email: String,
    /// How they are related to the primary member: one of the type's `inheritVia` (default: the
    /// first).
    pub relationship_type_id: Option<ID>,
}

/// A household's new address, and the members who move with it.
#[derive(Debug, InputObject)]
pub struct UpdateHouseholdAddressInput {
    /// Street and number.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Region or state.
    pub region: Option<String>,
    /// ISO 3166 country code.
    pub country: Option<String>,
    /// Members (related to the household today) whose address changes too: usually those
    /// `membersSharingAddress` offered.
    pub apply_to_contact_ids: Option<Vec<ID>>,
}
