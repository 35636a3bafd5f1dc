use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contribution_refunds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contribution_id: i64,
    pub amount_minor: i64,
    pub reason: Option<String>,
    pub cancelled_memberships: bool,
    pub refunded_at: DateTimeUtc,
    pub refunded_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
