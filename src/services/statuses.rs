//! Membership status rules: reading them as domain rules, and editing them (admins).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::db::begin_write;
use crate::db::entities::membership_status as status;
use crate::domain::dates::Unit;
use crate::domain::status::{Boundary, MembershipStatus, StatusRule, check_rule};
use crate::domain::text::Name;
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::state::AppState;

/// Codes of the seeded statuses the system relies on.
pub const NEW: &str = "NEW";
pub const CURRENT: &str = "CURRENT";
pub const GRACE: &str = "GRACE";
pub const EXPIRED: &str = "EXPIRED";
pub const PENDING: &str = "PENDING";
pub const CANCELLED: &str = "CANCELLED";
pub const DECEASED: &str = "DECEASED";

/// Every status, ordered by weight (the order rules are tried in).
pub async fn list<C: ConnectionTrait>(db: &C) -> AppResult<Vec<MembershipStatus>> {
    Ok(status::Entity::find()
        .order_by_asc(status::Column::Weight)
        .order_by_asc(status::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(MembershipStatus::from)
        .collect())
}

/// The statuses with their rules, and quick access to the seeded ones.
pub struct Statuses {
    pub statuses: Vec<MembershipStatus>,
    pub rules: Vec<StatusRule>,
}

impl Statuses {
    pub async fn load<C: ConnectionTrait>(db: &C) -> AppResult<Self> {
        let statuses = list(db).await?;
        let rules = statuses.iter().map(MembershipStatus::rule).collect();
        Ok(Self { statuses, rules })
    }

    /// The id of a seeded status; its absence means a broken installation.
    pub fn id_of(&self, code: &str) -> AppResult<i64> {
        self.statuses
            .iter()
            .find(|m| m.code.as_deref() == Some(code))
            .map(|m| m.id)
            .ok_or_else(|| AppError::internal(format!("the {code} status is missing")))
    }

    pub fn get(&self, id: i64) -> Option<&MembershipStatus> {
        self.statuses.iter().find(|m| m.id == id)
    }

    pub fn is_current(&self, id: i64) -> bool {
        self.get(id).is_some_and(|m| m.is_current_member)
    }

    pub fn code_of(&self, id: i64) -> Option<&str> {
        self.get(id).and_then(|m| m.code.as_deref())
    }

    /// Ids of the statuses whose members count as current.
    pub fn current_ids(&self) -> Vec<i64> {
        self.statuses
            .iter()
            .filter(|m| m.is_current_member)
            .map(|m| m.id)
            .collect()
    }
}

/// A status definition as entered (an update merges the stored values first).
pub struct StatusFields {
    pub name: String,
    pub start: Option<Boundary>,
    pub end: Option<Boundary>,
    pub is_current_member: bool,
    pub is_admin: bool,
    pub is_active: bool,
    pub weight: i32,
}

impl StatusFields {
    /// The stored definition, for an update to change.
    pub fn of(s: &MembershipStatus) -> Self {
        let rule = s.rule();
        Self {
            name: s.name.clone(),
            start: rule.start,
            end: rule.end,
            is_current_member: s.is_current_member,
            is_admin: s.is_admin,
            is_active: s.is_active,
            weight: s.weight,
        }
    }
}

fn apply(active: &mut status::ActiveModel, f: StatusFields) -> AppResult<()> {
    let name = Name::parse(&f.name, "name")?;
    check_rule(f.start, f.end, f.is_admin)?;
    // Offsets are at most 1000 units (checked by `check_rule`).
    let parts = |b: Option<Boundary>| match b {
        Some(b) => (
            Some(b.event),
            i32::try_from(b.offset.amount).unwrap_or(0),
            b.offset.unit,
        ),
        None => (None, 0, Unit::Day),
    };
    let (se, sa, su) = parts(f.start);
    let (ee, ea, eu) = parts(f.end);
    active.name = Set(name.into_string());
    active.start_event = Set(se);
    active.start_offset_amount = Set(sa);
    active.start_offset_unit = Set(su);
    active.end_event = Set(ee);
    active.end_offset_amount = Set(ea);
    active.end_offset_unit = Set(eu);
    active.is_current_member = Set(f.is_current_member);
    active.is_admin = Set(f.is_admin);
    active.is_active = Set(f.is_active);
    active.weight = Set(f.weight);
    Ok(())
}

fn name_conflict(e: sea_orm::DbErr) -> AppError {
    if is_unique_violation(&e) {
        AppError::conflict(Some("name"), "another status has this name")
    } else {
        e.into()
    }
}

pub async fn create(state: &AppState, f: StatusFields) -> AppResult<MembershipStatus> {
    let now = state.clock.now();
    let mut active = status::ActiveModel {
        code: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, f)?;
    let txn = begin_write(&state.db).await?;
    let created = active.insert(&txn).await.map_err(name_conflict)?;
    txn.commit().await?;
    state.reference.invalidate();
    Ok(created.into())
}

/// Changes a status definition: `change` merges the caller's patch into the stored fields inside the
/// write transaction, so a concurrent update is never lost. The seeded admin-only statuses (Pending,
/// Cancelled, Deceased) stay admin-only because workflows set them by hand.
pub async fn update(
    state: &AppState,
    id: i64,
    change: impl FnOnce(StatusFields) -> StatusFields,
) -> AppResult<MembershipStatus> {
    let txn = begin_write(&state.db).await?;
    let current = status::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("membership status", id, "id"))?;
    let f = change(StatusFields::of(&MembershipStatus::from(current.clone())));
    if matches!(
        current.code.as_deref(),
        Some(PENDING | CANCELLED | DECEASED)
    ) && !f.is_admin
    {
        return Err(AppError::bad_input(
            "isAdmin",
            "this status is set by workflows and stays admin-only",
        ));
    }
    let mut active: status::ActiveModel = current.into();
    apply(&mut active, f)?;
    active.updated_at = Set(state.clock.now());
    let updated = active.update(&txn).await.map_err(name_conflict)?;
    txn.commit().await?;
    state.reference.invalidate();
    Ok(updated.into())
}

pub async fn get<C: ConnectionTrait>(db: &C, id: i64, field: &str) -> AppResult<MembershipStatus> {
    status::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(MembershipStatus::from)
        .ok_or_else(|| AppError::not_found("membership status", id, field))
}

pub async fn by_code<C: ConnectionTrait>(db: &C, code: &str) -> AppResult<MembershipStatus> {
    status::Entity::find()
        .filter(status::Column::Code.eq(code))
        .one(db)
        .await?
        .map(MembershipStatus::from)
        .ok_or_else(|| AppError::internal(format!("the {code} status is missing")))
}
