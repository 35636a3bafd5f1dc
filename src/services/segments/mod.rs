//! Segments (issue 19): tags and groups staff put contacts in, interests contacts choose
//! themselves (with the consent records behind every choice), and saved searches — a typed
//! contact filter stored by name and evaluated in SQL whenever it is used.
//!
//! Staff rename and remove them too: a tag is deleted with its assignments, a group is deleted
//! (each member's leave recorded, the row kept for that history), an interest is archived (its
//! consent records stay). None of these happens while a mailing not sent yet or a saved search
//! names it (`references`).

pub mod consent;
pub mod filter;
pub mod groups;
pub mod interests;
pub mod privacy;
pub mod references;
pub mod saved_searches;
pub mod tags;

use sea_orm::ConnectionTrait;

use crate::db::sql::Sql;
use crate::domain::patch::Patch;
use crate::error::{AppError, AppResult};

/// Ids bound per statement when a long list is checked or written (well under SQLite's 32,766
/// bound parameters, whatever the row width).
pub const CHUNK: usize = 500;

/// Checks that every id names a live contact (in chunks); NOT_FOUND names the first that does not.
pub async fn require_live_contacts<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    field: &str,
) -> AppResult<()> {
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push(
            "SELECT id FROM contacts WHERE deleted_at IS NULL AND erased_at IS NULL AND id IN ",
        )
        .bind_list(chunk.iter().copied());
        let rows = db.query_all_raw(sql.statement()).await?;
        let mut found = Vec::with_capacity(rows.len());
        for r in rows {
            found.push(r.try_get_by_index::<i64>(0)?);
        }
        if let Some(missing) = chunk.iter().find(|id| !found.contains(id)) {
            return Err(AppError::not_found("contact", missing, field));
        }
    }
    Ok(())
}

/// A name as typed: trimmed, 1–200 characters, one line.
pub fn name(raw: &str, field: &str) -> AppResult<String> {
    Ok(crate::domain::text::Name::parse(raw, field)?.into_string())
}

/// Optional free text of at most 2,000 characters.
pub fn description(raw: Option<&str>) -> AppResult<Option<String>> {
    Ok(crate::domain::text::optional_text(
        raw,
        "description",
        2000,
    )?)
}

/// A description patch checked as `description` checks a new one (clearing needs no check).
pub fn description_patch(p: Patch<String>) -> AppResult<Patch<String>> {
    Ok(match p {
        Patch::Set(d) => match description(Some(&d))? {
            Some(d) => Patch::Set(d),
            None => Patch::Clear,
        },
        other => other,
    })
}

/// Maps a unique-name violation to CONFLICT on `name`.
pub fn name_taken(e: sea_orm::DbErr, what: &str) -> AppError {
    if crate::error::is_unique_violation(&e) {
        AppError::conflict(
            Some("name"),
            format!("a {what} with this name exists already"),
        )
    } else {
        e.into()
    }
}

/// Serialises changes to what segments name (PostgreSQL; SQLite has one writer already): saved
/// searches naming one another, mailing audiences naming tags, groups, interests and saved
/// searches, and the deletion or archiving of those. Without it, two edits at once could close a
/// cycle between two searches, or a mailing could name a tag in the moment it is deleted.
pub async fn lock_definitions<C: sea_orm::ConnectionTrait>(txn: &C) -> crate::error::AppResult<()> {
    crate::db::lock_subject(txn, "segment-definitions", "all").await?;
    Ok(())
}
