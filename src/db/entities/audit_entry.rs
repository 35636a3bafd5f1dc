use sea_orm::entity::prelude::*;

use crate::db::columns::JsonText;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// JSON of the record before the change (null for creations).
    pub before: Option<JsonText<serde_json::Value>>,
    /// JSON of the record after the change (null for deletions).
    pub after: Option<JsonText<serde_json::Value>>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
