use sea_orm::entity::prelude::*;

use crate::db::columns::JsonText;

/// A member's opt-in to the member directory: which of their fields it shows. No row: not listed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_listings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contact_id: i64,
    /// Codes of the chosen fields (`domain::directory::DirectoryField`).
    pub fields: JsonText<Vec<String>>,
    /// Keys of the chosen custom fields (each one an admin marked directory-visible).
    pub custom_field_keys: JsonText<Vec<String>>,
    pub photo_url: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
