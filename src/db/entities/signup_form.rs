use sea_orm::entity::prelude::*;

use crate::db::columns::JsonText;
use crate::domain::signup::CustomField;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "signup_forms")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub intro: Option<String>,
    pub thank_you: Option<String>,
    /// JSON array of the offered membership type ids, in display order.
    pub membership_type_ids: JsonText<Vec<i64>>,
    pub allow_donation: bool,
    /// JSON array of suggested donation amounts in minor units of the organisation's currency.
    pub suggested_donations: JsonText<Vec<i64>>,
    /// JSON array of the form's questions.
    pub fields: JsonText<Vec<CustomField>>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
