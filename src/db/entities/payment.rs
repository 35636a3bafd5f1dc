use sea_orm::entity::prelude::*;

/// One checkout or charge attempt for a contribution (`kind` CHECKOUT or CHARGE; `status` OPEN,
/// SUCCEEDED, FAILED or EXPIRED).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contribution_id: i64,
    pub provider: String,
    pub kind: String,
    pub attempt: i32,
    /// The provider's id: a Checkout Session or a PaymentIntent.
    pub external_id: Option<String>,
    pub url: Option<String>,
    pub status: String,
    pub error: Option<String>,
    /// A failed automatic charge: when the next attempt is due.
    pub next_retry_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
