//! Scheduled reminders (settings): which message to send, counted from which date, to which
//! memberships. Admins edit them; the `send-reminders` job sends them.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::db::begin_write;
use crate::db::columns::JsonText;
use crate::db::entities::{membership_status, membership_type, scheduled_reminder as reminder};
use crate::domain::dates::Unit;
use crate::domain::reminder::{Anchor, Direction, Schedule, ScheduledReminder};
use crate::domain::text::Name;
use crate::error::{AppError, AppResult};
use crate::mail::outbox::Renderer;
use crate::state::AppState;

/// A reminder as entered (all fields; an update merges the stored values first).
#[derive(Clone, Debug)]
pub struct ReminderFields {
    pub name: String,
    pub template_key: String,
    pub anchor: Anchor,
    pub offset: i64,
    pub unit: Unit,
    pub direction: Direction,
    /// Empty: every type.
    pub membership_type_ids: Vec<i64>,
    /// Empty: the statuses that count as current.
    pub status_ids: Vec<i64>,
    pub repeat_every: Option<i64>,
    pub repeat_until: Option<i64>,
    pub is_active: bool,
    /// EVENT_START only: the one event (None: every event).
    pub event_id: Option<i64>,
}

impl ReminderFields {
    /// The stored fields, for an update to change.
    pub fn of(r: &ScheduledReminder) -> Self {
        Self {
            name: r.name.clone(),
            template_key: r.template_key.clone(),
            anchor: r.anchor,
            offset: r.offset,
            unit: r.unit,
            direction: r.direction,
            membership_type_ids: r.membership_type_ids.clone(),
            status_ids: r.status_ids.clone(),
            repeat_every: r.repeat_every,
            repeat_until: r.repeat_until,
            is_active: r.is_active,
            event_id: r.event_id,
        }
    }
}

/// The timing of a stored reminder (checked when it was saved).
pub fn schedule_of(r: &ScheduledReminder) -> AppResult<Schedule> {
    r.schedule()
        .map_err(|e| AppError::internal(format!("reminder {} has an invalid timing: {e}", r.id)))
}

/// Fails with NOT_FOUND naming `field` when one of `wanted` is not among `found`.
fn all_found(wanted: &[i64], found: &[i64], entity: &'static str, field: &str) -> AppResult<()> {
    match wanted.iter().find(|id| !found.contains(id)) {
        Some(missing) => Err(AppError::not_found(entity, missing, field)),
        None => Ok(()),
    }
}

/// Checks references against the database: the template, the types and the statuses.
async fn check_references<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    f: &ReminderFields,
) -> AppResult<()> {
    let key = f.template_key.trim();
    if key.is_empty() || !Renderer::load(&state.templates, db, &[key]).await?.has(key) {
        return Err(AppError::bad_input(
            "templateKey",
            format!("there is no message template `{key}`"),
        ));
    }
    let types: Vec<i64> = membership_type::Entity::find()
        .filter(membership_type::Column::Id.is_in(f.membership_type_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    all_found(
        &f.membership_type_ids,
        &types,
        "membership type",
        "membershipTypeIds",
    )?;
    let statuses: Vec<i64> = membership_status::Entity::find()
        .filter(membership_status::Column::Id.is_in(f.status_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    all_found(&f.status_ids, &statuses, "membership status", "statusIds")?;
    match (f.anchor, f.event_id) {
        (Anchor::EventStart, Some(id)) => {
            crate::services::events::get_in(db, id, "eventId").await?;
        }
        (Anchor::EventStart, None) => {}
        (_, Some(_)) => {
            return Err(AppError::bad_input(
                "eventId",
                "only a reminder anchored to EVENT_START names an event",
            ));
        }
        (_, None) => {}
    }
    if f.anchor == Anchor::EventStart && f.repeat_every.is_some() {
        return Err(AppError::bad_input(
            "repeatEvery",
            "event reminders are sent once per event",
        ));
    }
    Ok(())
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Validates `f` (first failure wins, naming its field) and copies it into `active`.
async fn apply<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    active: &mut reminder::ActiveModel,
    mut f: ReminderFields,
) -> AppResult<()> {
    let name = Name::parse(&f.name, "name")?;
    f.template_key = f.template_key.trim().to_string();
    let schedule = Schedule::parse(
        f.anchor,
        f.offset,
        f.unit,
        f.direction,
        f.repeat_every,
        f.repeat_until,
    )?;
    f.membership_type_ids = sorted(f.membership_type_ids);
    f.status_ids = sorted(f.status_ids);
    check_references(state, db, &f).await?;
    // Amounts are at most MAX_AMOUNT, so they fit the integer columns.
    active.name = Set(name.into_string());
    active.template_key = Set(f.template_key);
    active.anchor = Set(schedule.anchor());
    active.offset_amount = Set(f.offset as i32);
    active.offset_unit = Set(schedule.unit());
    active.direction = Set(f.direction);
    active.membership_type_ids = Set(JsonText(f.membership_type_ids));
    active.status_ids = Set(JsonText(f.status_ids));
    active.repeat_every = Set(f.repeat_every.map(|v| v as i32));
    active.repeat_until = Set(f.repeat_until.map(|v| v as i32));
    active.is_active = Set(f.is_active);
    active.event_id = Set(f.event_id);
    Ok(())
}

#[tracing::instrument(skip(state, f), fields(name = %f.name))]
pub async fn create(state: &AppState, f: ReminderFields) -> AppResult<ScheduledReminder> {
    let now = state.clock.now();
    let mut active = reminder::ActiveModel {
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let txn = begin_write(&state.db).await?;
    apply(state, &txn, &mut active, f).await?;
    let created = active.insert(&txn).await?;
    txn.commit().await?;
    Ok(created.into())
}

/// Changes a reminder: `change` receives the stored fields and returns the new ones.
#[tracing::instrument(skip(state, change))]
pub async fn update(
    state: &AppState,
    id: i64,
    change: impl FnOnce(ReminderFields) -> ReminderFields,
) -> AppResult<ScheduledReminder> {
    let txn = begin_write(&state.db).await?;
    let current = reminder::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("scheduled reminder", id, "id"))?;
    let fields = change(ReminderFields::of(&current.clone().into()));
    let mut active: reminder::ActiveModel = current.into();
    apply(state, &txn, &mut active, fields).await?;
    active.updated_at = Set(state.clock.now());
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    Ok(updated.into())
}

pub async fn get<C: ConnectionTrait>(db: &C, id: i64, field: &str) -> AppResult<ScheduledReminder> {
    reminder::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(ScheduledReminder::from)
        .ok_or_else(|| AppError::not_found("scheduled reminder", id, field))
}

/// Every reminder, oldest first; only active ones with `active_only`.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    active_only: bool,
) -> AppResult<Vec<ScheduledReminder>> {
    let mut q = reminder::Entity::find();
    if active_only {
        q = q.filter(reminder::Column::IsActive.eq(true));
    }
    Ok(q.order_by_asc(reminder::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(ScheduledReminder::from)
        .collect())
}
