//! The person whose data is exported or erased: their contact and the ids of their records, and
//! which messages and audit entries are about them.

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::db::entities::{
    audit_entry as audit, contribution, membership, outbound_message as outbound,
    recurring_gift as gift, user,
};
use crate::error::AppResult;

/// A person and the ids of their records.
#[derive(Clone, Debug, Default)]
pub struct Subject {
    pub contact_id: i64,
    pub user_ids: Vec<i64>,
    pub membership_ids: Vec<i64>,
    pub contribution_ids: Vec<i64>,
    pub gift_ids: Vec<i64>,
    /// Their logins' addresses, lower-case (account messages and sign-in attempts go by address).
    pub emails: Vec<String>,
    /// Dedupe keys of messages to others that name them: tribute notices of their gifts, tribute
    /// notices and receipts of gifts in their honour or memory.
    pub naming_keys: Vec<String>,
}

impl Subject {
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        c: &crate::db::entities::contact::Model,
    ) -> AppResult<Self> {
        let id = c.id;
        let users = user::Entity::find()
            .filter(user::Column::ContactId.eq(id))
            .all(db)
            .await?;
        let membership_ids = membership::Entity::find()
            .select_only()
            .column(membership::Column::Id)
            .filter(membership::Column::ContactId.eq(id))
            .into_tuple::<i64>()
            .all(db)
            .await?;
        let contribution_ids = contribution::Entity::find()
            .select_only()
            .column(contribution::Column::Id)
            .filter(contribution::Column::ContactId.eq(id))
            .into_tuple::<i64>()
            .all(db)
            .await?;
        let honouring = contribution::Entity::find()
            .select_only()
            .column(contribution::Column::Id)
            .filter(contribution::Column::TributeContactId.eq(id))
            .into_tuple::<i64>()
            .all(db)
            .await?;
        let gift_ids = gift::Entity::find()
            .select_only()
            .column(gift::Column::Id)
            .filter(gift::Column::ContactId.eq(id))
            .into_tuple::<i64>()
            .all(db)
            .await?;
        let naming_keys = contribution_ids
            .iter()
            .chain(&honouring)
            .map(|k| format!("tribute.k{k}"))
            .chain(honouring.iter().map(|k| format!("receipt.k{k}")))
            .collect();
        Ok(Subject {
            contact_id: id,
            user_ids: users.iter().map(|u| u.id).collect(),
            emails: users.iter().map(|u| u.email.to_lowercase()).collect(),
            membership_ids,
            contribution_ids,
            gift_ids,
            naming_keys,
        })
    }

    /// Messages to the person: theirs, their memberships', account messages to their logins'
    /// addresses.
    pub fn messages_to(&self) -> Condition {
        Condition::any()
            .add(outbound::Column::ContactId.eq(self.contact_id))
            .add(outbound::Column::MembershipId.is_in(self.membership_ids.clone()))
            .add(
                Condition::all()
                    .add(outbound::Column::ContactId.is_null())
                    .add(lower(outbound::Column::Recipient).is_in(self.emails.clone())),
            )
    }

    /// Messages to the person, and messages to others that name them (erased, never exported:
    /// they belong to the other person too).
    pub fn message_condition(&self) -> Condition {
        self.messages_to()
            .add(outbound::Column::DedupeKey.is_in(self.naming_keys.clone()))
    }

    /// Audit entries about the person or one of their records.
    pub fn audit_condition(&self) -> Condition {
        let about = |entity: &str, ids: &[i64]| {
            Condition::all().add(audit::Column::Entity.eq(entity)).add(
                audit::Column::EntityId.is_in(ids.iter().map(i64::to_string).collect::<Vec<_>>()),
            )
        };
        Condition::any()
            .add(about("contact", &[self.contact_id]))
            .add(about("user", &self.user_ids))
            .add(about("membership", &self.membership_ids))
            .add(about("contribution", &self.contribution_ids))
            .add(about("recurring_gift", &self.gift_ids))
    }
}

/// `LOWER(column)`: addresses compare without regard to case.
pub fn lower(col: impl sea_orm::sea_query::IntoColumnRef) -> Expr {
    Func::lower(Expr::col(col)).into()
}
