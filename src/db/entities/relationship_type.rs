use sea_orm::entity::prelude::*;

/// A kind of relationship, named in both directions ("Employer of" / "Employee of").
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "relationship_types")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What contact A is to contact B, e.g. "Head of household of".
    pub name_a_to_b: String,
    /// What contact B is to contact A, e.g. "Household member of".
    pub name_b_to_a: String,
    pub description: Option<String>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
