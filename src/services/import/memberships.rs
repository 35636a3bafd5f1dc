//! Importing memberships: each row names its contact (by the contact's external id or email) and
//! type (by name); the dates are kept and the status comes from the rules, or is held as the file
//! says when the mapping asks. Matched by external id, or by contact, type and start date. Imports
//! send no welcome email; the history records the import as the source.

use std::collections::HashMap;
use std::io::Read;

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};

use super::mapping::{FieldSpec, OnMatch, spec};
use super::refs::{ContactRef, Contacts};
use super::source::Seen;
use super::source::{Cells, Line, Source, reject};
use super::{Action, Context, ImportReport, ImportSink};
use crate::db::entities::{membership, membership_history};
use crate::domain::FieldError;
use crate::domain::membership::MembershipType;
use crate::error::AppResult;
use crate::services::membership_types::period_rules_of;
use crate::services::memberships::{change, computed_status, write_history};
use crate::services::statuses::Statuses;

/// The columns a memberships file may have (CiviCRM's membership export and common headers).
#[rustfmt::skip]
pub static FIELDS: &[FieldSpec] = &[
    spec!("external_id", "externalId", ["membershipid", "externalid", "id"]),
    spec!("contact_external_id", "contactExternalId", ["contactid", "contactexternalid", "externalidentifier", "memberid", "memberno", "membernumber", "membershipnumber"]),
    spec!("contact_email", "contactEmail", ["email", "contactemail", "emailaddress", "primaryemail"]),
    spec!("membership_type", "membershipTypeId", ["membershiptype", "type", "membershiptypename", "membershiptypeid"]),
    spec!("join_date", "joinDate", ["membersince", "joindate", "joined", "since"]),
    spec!("start_date", "startDate", ["membershipstartdate", "startdate", "start", "from"]),
    spec!("end_date", "endDate", ["membershipexpirationdate", "membershipenddate", "enddate", "expirationdate", "expirydate", "expires", "end", "to"]),
    spec!("status", "statusOverride", ["membershipstatus", "status"]),
    spec!("source", "source", ["source", "membershipsource"]),
];

/// Column groups a file must have one of each.
pub static REQUIRED: &[&[&str]] = &[
    &["contact_external_id", "contact_email"],
    &["membership_type"],
];

struct Parsed<'a> {
    line: &'a Line,
    contact: ContactRef,
    external_id: Option<String>,
    mtype: &'a MembershipType,
    join: Option<NaiveDate>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    held_status: Option<i64>,
    source: Option<String>,
}

/// A second row for the same membership (same external id, or same contact, type and start).
fn duplicate(c: &mut Cells<'_>, seen: &mut Seen) {
    let key = match c.text("external_id") {
        Some(e) => ("external_id", e),
        None => {
            let who = c
                .text("contact_external_id")
                .or_else(|| c.text("contact_email").map(|e| e.to_lowercase()));
            let what = [who, c.text("membership_type"), c.text("start_date")]
                .map(Option::unwrap_or_default);
            ("membership", what.join("\u{1f}"))
        }
    };
    if let Some(first) = seen.first(key.0, &key.1, c.line.row) {
        let column = if key.0 == "external_id" {
            "external_id"
        } else {
            "start_date"
        };
        c.fail(
            column,
            None,
            &format!("duplicate of row {first} (the same membership)"),
        );
    }
}

fn find_type<'t>(types: &'t [MembershipType], raw: &str) -> Option<&'t MembershipType> {
    types
        .iter()
        .find(|t| t.name.eq_ignore_ascii_case(raw))
        .or_else(|| {
            raw.parse::<i64>()
                .ok()
                .and_then(|id| types.iter().find(|t| t.id == id))
        })
}

fn find_status(statuses: &Statuses, raw: &str) -> Option<i64> {
    statuses
        .statuses
        .iter()
        .find(|s| {
            s.name.eq_ignore_ascii_case(raw)
                || s.code
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(raw))
        })
        .map(|s| s.id)
}

pub async fn run<R: Read>(
    cx: &Context<'_>,
    src: &mut Source<R>,
    report: &mut ImportReport,
    sink: &mut (dyn ImportSink + Send),
) -> AppResult<()> {
    let db = &cx.state.db;
    let types = cx.state.reference.types(db).await?;
    let statuses = Statuses::load(db).await?;
    let today = cx.state.clock.today();
    let mut seen = Seen::default();
    loop {
        let lines = src.next_batch(report, sink)?;
        if lines.is_empty() {
            return Ok(());
        }
        let mut rows = Vec::with_capacity(lines.len());
        for line in &lines {
            let mut c = Cells::new(line, src, cx.mapping);
            duplicate(&mut c, &mut seen);
            let contact = ContactRef::read(&mut c, "contact_external_id", "contact_email");
            let mtype = match c.text("membership_type") {
                None => {
                    c.fail("membership_type", None, "is required");
                    None
                }
                Some(raw) => {
                    let t = find_type(&types, &raw);
                    if t.is_none() {
                        c.fail("membership_type", Some(&raw), "is not the name of a membership type here (map it under [values.membership_type])");
                    }
                    t
                }
            };
            let held_status = match (cx.mapping.hold_status, c.text("status")) {
                (false, _) => None,
                (true, None) => {
                    c.fail(
                        "status",
                        None,
                        "is required when the mapping holds the file's statuses",
                    );
                    None
                }
                (true, Some(raw)) => {
                    let s = find_status(&statuses, &raw);
                    if s.is_none() {
                        c.fail(
                            "status",
                            Some(&raw),
                            "is not the name of a membership status here",
                        );
                    }
                    s
                }
            };
            let (join, start, end) = (
                c.date("join_date"),
                c.date("start_date"),
                c.date("end_date"),
            );
            let source = c.text("source").map(|s| s.chars().take(200).collect());
            let external_id = c.text("external_id").map(|e| e.chars().take(100).collect());
            match mtype {
                Some(mtype) if c.errors.is_empty() => rows.push(Parsed {
                    line,
                    contact,
                    external_id,
                    mtype,
                    join,
                    start,
                    end,
                    held_status,
                    source,
                }),
                _ => reject(report, sink, line.row, &line.record, c.errors)?,
            }
        }
        let txn = cx.batch().await?;
        let contacts = Contacts::load(&txn, rows.iter().map(|p| &p.contact)).await?;
        let existing = existing(&txn, &rows, &contacts).await?;
        let mut new = Vec::new();
        for p in rows {
            let outcome = apply(
                cx,
                &statuses,
                &contacts,
                &existing,
                &p,
                today,
                cx.writes(&txn),
                &mut new,
            )
            .await?;
            match outcome {
                Ok((action, detail)) => report.count(p.line.row, action, detail, sink),
                Err(e) => {
                    let mut c = Cells::new(p.line, src, cx.mapping);
                    c.fail_api(&e);
                    reject(report, sink, p.line.row, &p.line.record, c.errors)?;
                }
            }
        }
        if let Some(txn) = cx.writes(&txn) {
            insert_new(cx, txn, new).await?;
        }
        cx.end_batch(txn).await?;
    }
}

/// Inserts a batch's new memberships in one statement and their first history rows in another
/// (each in force since ever, until a later change).
async fn insert_new(
    cx: &Context<'_>,
    txn: &DatabaseTransaction,
    new: Vec<membership::ActiveModel>,
) -> AppResult<()> {
    if new.is_empty() {
        return Ok(());
    }
    let created = membership::Entity::insert_many(new)
        .exec_with_returning(txn)
        .await?;
    let (now, by, note) = (cx.state.clock.now(), cx.actor.label(), cx.source_label());
    let history = created.iter().map(|m| membership_history::ActiveModel {
        in_force_from: Set(None),
        in_force_until: Set(None),
        membership_id: Set(m.id),
        change: Set(change::IMPORTED.into()),
        status_id: Set(m.status_id),
        membership_type_id: Set(m.membership_type_id),
        join_date: Set(m.join_date),
        start_date: Set(m.start_date),
        end_date: Set(m.end_date),
        changed_at: Set(now),
        changed_by: Set(by.clone()),
        note: Set(Some(note.clone())),
        ..Default::default()
    });
    membership_history::Entity::insert_many(history)
        .exec(txn)
        .await?;
    // New primaries of bundle types seat the contacts already related to their holders.
    let types = cx.state.reference.types(&cx.state.db).await?;
    for m in &created {
        let bundles = types
            .iter()
            .any(|t| t.id == m.membership_type_id && !t.inherit_via.is_empty());
        if bundles {
            let (state, actor, kind) = (cx.state, cx.actor, change::IMPORTED);
            crate::services::households::bundle::after_write(state, txn, actor, m.id, kind).await?;
        }
    }
    Ok(())
}

/// Existing memberships the rows may match: by external id, and by (contact, type, start date).
struct Existing {
    by_external: HashMap<String, membership::Model>,
    by_key: HashMap<(i64, i64, NaiveDate), membership::Model>,
}

async fn existing<C: ConnectionTrait>(
    db: &C,
    rows: &[Parsed<'_>],
    contacts: &Contacts,
) -> AppResult<Existing> {
    let ext: Vec<String> = rows.iter().filter_map(|p| p.external_id.clone()).collect();
    let contact_ids: Vec<i64> = rows
        .iter()
        .filter_map(|p| contacts.find(&p.contact).ok())
        .map(|c| c.id)
        .collect();
    let mut out = Existing {
        by_external: HashMap::new(),
        by_key: HashMap::new(),
    };
    if ext.is_empty() && contact_ids.is_empty() {
        return Ok(out);
    }
    let mut found = Vec::new();
    for cond in [
        membership::Column::ExternalId.is_in(ext),
        membership::Column::ContactId.is_in(contact_ids),
    ] {
        found.extend(membership::Entity::find().filter(cond).all(db).await?);
    }
    for m in found {
        if let Some(e) = m.external_id.clone() {
            out.by_external.insert(e, m.clone());
        }
        out.by_key
            .insert((m.contact_id, m.membership_type_id, m.start_date), m);
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn apply(
    cx: &Context<'_>,
    statuses: &Statuses,
    contacts: &Contacts,
    existing: &Existing,
    p: &Parsed<'_>,
    today: NaiveDate,
    txn: Option<&DatabaseTransaction>,
    new: &mut Vec<membership::ActiveModel>,
) -> AppResult<Result<(Action, String), FieldError>> {
    let contact = match contacts.find(&p.contact) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    if contact.is_deceased && p.held_status.is_none() {
        return Ok(Err(FieldError::new(
            "contactEmail",
            "this contact is marked deceased",
        )));
    }
    let rules = period_rules_of(p.mtype)?;
    let join = p.join.or(p.start).unwrap_or(today);
    let period = match rules.initial_period(join, p.start, p.end, 1) {
        Ok(period) => period,
        Err(e) => return Ok(Err(e)),
    };
    let dates = crate::domain::status::MembershipDates {
        join,
        start: period.start,
        end: period.end,
    };
    let (status_id, is_override) = match p.held_status {
        Some(id) => (id, true),
        None => (computed_status(statuses, &dates, today)?, false),
    };
    let found = match &p.external_id {
        Some(e) => existing.by_external.get(e),
        None => existing.by_key.get(&(contact.id, p.mtype.id, period.start)),
    };
    let now = cx.state.clock.now();
    let by = cx.actor.label();
    let Some(old) = found else {
        if txn.is_some() {
            new.push(membership::ActiveModel {
                contact_id: Set(contact.id),
                membership_type_id: Set(p.mtype.id),
                status_id: Set(status_id),
                join_date: Set(join),
                start_date: Set(period.start),
                end_date: Set(period.end),
                is_override: Set(is_override),
                override_until: Set(None),
                source: Set(p
                    .source
                    .clone()
                    .or_else(|| Some(cx.source_label().chars().take(200).collect()))),
                cancel_reason: Set(None),
                status_run_id: Set(None),
                external_id: Set(p.external_id.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }
        return Ok(Ok((
            Action::Created,
            format!("new membership of contact {}", contact.id),
        )));
    };
    let which = format!("membership {}", old.id);
    if let Some(primary) = old.inherited_from_id {
        return Ok(Err(FieldError::new(
            "membershipTypeId",
            format!("{which} is inherited from membership {primary}; import that one"),
        )));
    }
    if old.contact_id != contact.id {
        return Ok(Err(FieldError::new(
            "externalId",
            format!("{which} belongs to another contact"),
        )));
    }
    if cx.on_match == OnMatch::Skip {
        return Ok(Ok((Action::Skipped, format!("matches {which}"))));
    }
    let same = old.membership_type_id == p.mtype.id
        && old.join_date == join
        && old.start_date == period.start
        && old.end_date == period.end
        && (p.held_status.is_none() || (old.is_override && old.status_id == status_id));
    if same {
        return Ok(Ok((Action::Unchanged, which)));
    }
    if let Some(txn) = txn {
        let mut a: membership::ActiveModel = old.clone().into();
        a.membership_type_id = Set(p.mtype.id);
        a.join_date = Set(join);
        a.start_date = Set(period.start);
        a.end_date = Set(period.end);
        if p.held_status.is_some() || !old.is_override {
            a.status_id = Set(status_id);
            a.is_override = Set(is_override);
        }
        a.updated_at = Set(now);
        let updated = a.update(txn).await?;
        write_history(
            txn,
            &updated,
            change::UPDATED,
            &by,
            now,
            Some(cx.source_label()),
        )
        .await?;
        let kind = change::UPDATED;
        crate::services::households::bundle::after_write(cx.state, txn, cx.actor, updated.id, kind)
            .await?;
    }
    Ok(Ok((Action::Updated, which)))
}
