use sea_orm::entity::prelude::*;

/// One answer to a signup form's custom field (a MULTI_SELECT answer has a row per option).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "custom_values")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `contact` or `membership`.
    pub entity: String,
    pub entity_id: i64,
    pub key: String,
    /// The field's label when the answer was given (forms may change later).
    pub label: String,
    pub field_type: String,
    pub position: i32,
    /// Canonical text: the text or option, a number, `YYYY-MM-DD`, `true`/`false`.
    pub value: String,
    /// The first 200 characters of `value`, for the filter index.
    pub value_key: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
