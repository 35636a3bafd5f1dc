use sea_orm::entity::prelude::*;

/// A signup counted against its client address's hourly limit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signup_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub client_ip: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
