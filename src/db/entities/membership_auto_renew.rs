use sea_orm::entity::prelude::*;

/// A membership whose member opted in to automatic renewal.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership_auto_renew")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub membership_id: i64,
    pub enabled_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
