use sea_orm::entity::prelude::*;

use crate::domain::contact::ContactKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: ContactKind,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization_name: Option<String>,
    pub display_name: String,
    pub sort_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub birth_date: Option<Date>,
    pub preferred_language: Option<String>,
    pub do_not_email: bool,
    pub do_not_mail: bool,
    pub is_deceased: bool,
    pub notes: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    /// What search matches: the folded names and email (`domain::search::contact_key`); NULL until
    /// the server has written it.
    pub search_text: Option<String>,
    /// Its id in the system it was imported from (unique): a re-run of the import finds it.
    pub external_id: Option<String>,
    /// When its personal data was erased (`services::privacy`); an erased contact cannot change.
    pub erased_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
