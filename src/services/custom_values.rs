//! Answers to signup forms' custom fields, kept per contact or membership: typed when read back,
//! filterable in the `contacts` and `memberships` lists. A stored answer keeps the label and type
//! it was given with, so changing or deleting a form never breaks it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value;

use crate::db::entities::custom_value as row;
use crate::domain::FieldError;
use crate::domain::signup::{CustomField, FieldType, answer_from_texts, answer_texts, filter_text};
use crate::error::AppResult;

/// What a custom value belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Contact,
    Membership,
}

impl Owner {
    fn as_str(self) -> &'static str {
        match self {
            Owner::Contact => "contact",
            Owner::Membership => "membership",
        }
    }
}

/// One stored answer.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomValue {
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub value: Value,
}

/// Keeps checked answers for one owner. With `keep_existing`, a key the owner already has an
/// answer for is left as it is (an anonymous signup never overwrites what a known contact
/// answered before); otherwise the new answer replaces it.
pub async fn store_in<C: ConnectionTrait>(
    db: &C,
    owner: Owner,
    owner_id: i64,
    answers: &[(&CustomField, Value)],
    keep_existing: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if answers.is_empty() {
        return Ok(());
    }
    let keys: Vec<String> = answers.iter().map(|(f, _)| f.key.clone()).collect();
    let existing: Vec<String> = row::Entity::find()
        .filter(row::Column::Entity.eq(owner.as_str()))
        .filter(row::Column::EntityId.eq(owner_id))
        .filter(row::Column::Key.is_in(keys.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.key)
        .collect();
    if !keep_existing && !existing.is_empty() {
        row::Entity::delete_many()
            .filter(row::Column::Entity.eq(owner.as_str()))
            .filter(row::Column::EntityId.eq(owner_id))
            .filter(row::Column::Key.is_in(existing.clone()))
            .exec(db)
            .await?;
    }
    let mut rows = Vec::new();
    for (field, value) in answers {
        if keep_existing && existing.contains(&field.key) {
            continue;
        }
        for (position, text) in answer_texts(value).into_iter().enumerate() {
            rows.push(row::ActiveModel {
                entity: Set(owner.as_str().into()),
                entity_id: Set(owner_id),
                key: Set(field.key.clone()),
                label: Set(field.label.chars().take(200).collect()),
                field_type: Set(field.kind().as_str().into()),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                value_key: Set(text.chars().take(200).collect()),
                value: Set(text),
                created_at: Set(now),
                ..Default::default()
            });
        }
    }
    if !rows.is_empty() {
        row::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

/// The answers of each owner, by key in the order first given.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    owner: Owner,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<CustomValue>>> {
    let mut out: HashMap<i64, Vec<CustomValue>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = row::Entity::find()
        .filter(row::Column::Entity.eq(owner.as_str()))
        .filter(row::Column::EntityId.is_in(ids.to_vec()))
        .order_by_asc(row::Column::EntityId)
        .order_by_asc(row::Column::Id)
        .all(db)
        .await?;
    // Group each owner's rows by key, keeping the first-seen order of keys.
    let mut grouped: HashMap<i64, Vec<(row::Model, Vec<String>)>> = HashMap::new();
    for r in rows {
        let entry = grouped.entry(r.entity_id).or_default();
        match entry.iter_mut().find(|(first, _)| first.key == r.key) {
            Some((_, texts)) => texts.push(r.value),
            None => {
                let text = r.value.clone();
                entry.push((r, vec![text]));
            }
        }
    }
    for (id, keys) in grouped {
        let values = keys
            .into_iter()
            .map(|(first, texts)| {
                let kind: FieldType = first.field_type.parse().unwrap_or(FieldType::Text);
                CustomValue {
                    key: first.key,
                    label: first.label,
                    field_type: kind,
                    value: answer_from_texts(kind, &texts),
                }
            })
            .collect();
        out.insert(id, values);
    }
    Ok(out)
}

/// A list filter: owners that answered `key` with `value` (for a MULTI_SELECT, chose it).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CustomFieldFilter {
    pub key: String,
    pub value: Value,
}

/// At most this many custom-field conditions in one list filter.
pub const MAX_FILTERS: usize = 5;

/// The ids of owners matching every filter, as a subquery (errors name `filter.customFields`).
pub fn matching(
    owner: Owner,
    filters: &[CustomFieldFilter],
) -> Result<Vec<SelectStatement>, FieldError> {
    let bad = |m: &str| FieldError::new("filter.customFields", m);
    if filters.len() > MAX_FILTERS {
        return Err(bad("at most 5 conditions"));
    }
    filters
        .iter()
        .map(|f| {
            let text = filter_text(&f.value)
                .ok_or_else(|| bad("a value is a string, number or boolean"))?;
            if f.key.len() > 40 || text.chars().count() > 2000 {
                return Err(bad("a key is at most 40 characters, a value at most 2000"));
            }
            let key: String = text.chars().take(200).collect();
            Ok(Query::select()
                .column(row::Column::EntityId)
                .from(row::Entity)
                .and_where(row::Column::Entity.eq(owner.as_str()))
                .and_where(row::Column::Key.eq(f.key.clone()))
                .and_where(row::Column::ValueKey.eq(key))
                .and_where(row::Column::Value.eq(text))
                .to_owned())
        })
        .collect()
}
