use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contribution_memberships")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contribution_id: i64,
    pub membership_id: i64,
    pub terms: i32,
    /// Set, once, when the completed payment activated or extended the membership.
    pub applied_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
