//! Households mutations: relationship types (admins), relationships (staff), and the bundle's
//! people (the primary member or staff).

use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard, SignedIn};
use crate::graphql::parse_id;
use crate::graphql::types::contact::Contact;
use crate::graphql::types::household::{
    AddBundleMemberInput, CreateRelationshipInput, CreateRelationshipTypeInput,
    EndRelationshipInput, Relationship, RelationshipType, UpdateHouseholdAddressInput,
};
use crate::graphql::types::membership::Membership;
use crate::services::households::{address, portal, relationships, types};

#[derive(Default)]
pub struct HouseholdMutation;

#[Object]
impl HouseholdMutation {
    /// Creates a relationship type (admins), e.g. "Employer of" / "Employee of".
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_relationship_type(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new type.")] input: CreateRelationshipTypeInput,
    ) -> Result<RelationshipType> {
        let state = guards::state(ctx)?;
        let new = types::TypeInput {
            name_a_to_b: input.name_a_to_b,
            name_b_to_a: input.name_b_to_a,
            description: input.description,
        };
        Ok(RelationshipType(
            types::create(state, &guards::actor(ctx), new).await?,
        ))
    }

    /// Relates two contacts (staff). When one holds a membership whose type inherits through this
    /// relationship type, the other is seated in its bundle — or, when its seats are taken, nothing
    /// is written and the error names the limit (`maxRelated`).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn create_relationship(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new relationship.")] input: CreateRelationshipInput,
    ) -> Result<Relationship> {
        let state = guards::state(ctx)?;
        let new = relationships::NewRelationship {
            contact_a_id: parse_id(&input.contact_a_id, "contactAId")?,
            contact_b_id: parse_id(&input.contact_b_id, "contactBId")?,
            relationship_type_id: parse_id(&input.relationship_type_id, "relationshipTypeId")?,
            start_date: input.start_date.map(|d| d.0),
        };
        Ok(Relationship(
            relationships::create(state, &guards::actor(ctx), new).await?,
        ))
    }

    /// Ends a relationship (staff): memberships inherited through it end with it.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn end_relationship(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Relationship to end.")] id: ID,
        #[graphql(desc = "The end date (default today).")] input: Option<EndRelationshipInput>,
    ) -> Result<Relationship> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let end = input.unwrap_or_default().end_date.map(|d| d.0);
        Ok(Relationship(
            relationships::end(state, &guards::actor(ctx), id, end).await?,
        ))
    }

    /// The primary member (or staff) adds a person to their bundle: they are related to the primary
    /// member, inherit the membership, and are invited by email to claim a login. Beyond the seat
    /// limit the error names it (`maxRelated`). Returns their inherited membership.
    #[graphql(guard = "SignedIn")]
    async fn add_bundle_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The primary membership.")] membership_id: ID,
        #[graphql(desc = "The person.")] input: AddBundleMemberInput,
    ) -> Result<Membership> {
        let state = guards::state(ctx)?;
        let id = parse_id(&membership_id, "membershipId")?;
        let new = portal::NewBundleMember {
            first_name: input.first_name,
            last_name: input.last_name,
            email: input.email,
            relationship_type_id: input
                .relationship_type_id
                .as_ref()
                .map(|r| parse_id(r, "relationshipTypeId"))
                .transpose()?,
        };
        let added = portal::add(state, guards::viewer(ctx), id, new).await?;
        Ok(Membership(added.into()))
    }

    /// The primary member (or staff) removes a person from their bundle: `id` is that person's
    /// inherited membership. The relationship it is inherited through ends today, and with it the
    /// membership (kept in history). Returns the ended membership.
    #[graphql(guard = "SignedIn")]
    async fn remove_bundle_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person's inherited membership.")] id: ID,
    ) -> Result<Membership> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let removed = portal::remove(state, guards::viewer(ctx), id).await?;
        Ok(Membership(removed.into()))
    }

    /// Changes a household's (or organisation's) address (staff) and, in the same transaction,
    /// that of the members chosen in `applyToContactIds`.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn update_household_address(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The household.")] id: ID,
        #[graphql(desc = "The new address and who moves with it.")]
        input: UpdateHouseholdAddressInput,
    ) -> Result<Contact> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let apply_to = crate::graphql::parse_ids(
            &input.apply_to_contact_ids.unwrap_or_default(),
            "applyToContactIds",
        )?;
        let new = address::Address {
            street: input.street,
            city: input.city,
            postal_code: input.postal_code,
            region: input.region,
            country: input.country,
        };
        let updated = address::update(state, &guards::actor(ctx), id, new, apply_to).await?;
        Ok(Contact(updated))
    }
}
