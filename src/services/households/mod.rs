//! Households, organisations and relationships (issue 17): relationship types and relationships
//! between contacts, memberships inherited through them (bundles), the primary member managing
//! their bundle from the portal, a household's shared address, and the opt-in member directory.

pub mod address;
pub mod bundle;
pub mod directory;
pub mod job;
pub mod portal;
pub mod relationships;
pub mod types;

use crate::db::entities::{relationship, relationship_type};
use crate::domain::household::{Relationship, RelationshipType};

impl From<relationship_type::Model> for RelationshipType {
    fn from(m: relationship_type::Model) -> Self {
        RelationshipType {
            id: m.id,
            name_a_to_b: m.name_a_to_b,
            name_b_to_a: m.name_b_to_a,
            description: m.description,
            is_active: m.is_active,
            created_at: m.created_at,
        }
    }
}

impl From<relationship::Model> for Relationship {
    fn from(m: relationship::Model) -> Self {
        Relationship {
            id: m.id,
            contact_a_id: m.contact_a_id,
            contact_b_id: m.contact_b_id,
            relationship_type_id: m.relationship_type_id,
            start_date: m.start_date,
            end_date: m.end_date,
            is_active: m.is_active,
            created_at: m.created_at,
        }
    }
}
