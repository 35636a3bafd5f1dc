use sea_orm::entity::prelude::*;

/// Contact A is `name_a_to_b` of contact B, from `start_date` until `end_date`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "relationships")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contact_a_id: i64,
    pub contact_b_id: i64,
    pub relationship_type_id: i64,
    pub start_date: Option<Date>,
    /// The last day it held; None while it goes on.
    pub end_date: Option<Date>,
    /// False once ended.
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
