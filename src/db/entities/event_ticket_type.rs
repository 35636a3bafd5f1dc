use sea_orm::entity::prelude::*;

use crate::db::columns::JsonText;

/// A ticket of an event: its price, who may buy it, and how many there are.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_ticket_types")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    /// Minor units; 0 is free.
    pub price_minor: i64,
    pub currency: String,
    /// JSON array of permissions, one of which a buyer must hold; empty: anyone (public price).
    pub grants: JsonText<Vec<String>>,
    /// Seats of this ticket; None: only the event's capacity limits it.
    pub capacity: Option<i32>,
    /// Order in which the tickets are listed.
    pub position: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
