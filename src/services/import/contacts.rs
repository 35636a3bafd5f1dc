//! Importing contacts: matched by external id, then by email among live contacts; a match is
//! updated with the row's non-empty cells or skipped; anything else is created.

use std::collections::HashMap;
use std::io::Read;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};

use super::mapping::{FieldSpec, OnMatch, spec};
use super::source::{Cells, Line, Seen, Source, reject};
use super::{Action, Context, ImportReport, ImportSink};
use crate::db::entities::contact;
use crate::domain::contact::{Contact, ContactDraft, ContactFields, ContactKind};
use crate::domain::email::EmailAddress;
use crate::error::AppResult;
use crate::services::contacts::apply_draft;

/// The columns a contacts file may have; aliases cover CiviCRM's contact export and common
/// spreadsheet headers.
#[rustfmt::skip]
pub static FIELDS: &[FieldSpec] = &[
    spec!("external_id", "externalId", ["externalid", "contactid", "externalidentifier", "id", "memberid", "memberno", "membernumber", "membershipnumber"]),
    spec!("kind", "kind", ["contacttype", "kind", "type"]),
    spec!("first_name", "firstName", ["firstname", "first", "givenname", "forename"]),
    spec!("last_name", "lastName", ["lastname", "last", "surname", "familyname"]),
    spec!("organization_name", "organizationName", ["organizationname", "organisationname", "organization", "organisation", "company"]),
    spec!("email", "email", ["email", "emailaddress", "email1", "primaryemail", "mail", "emailprimary"]),
    spec!("phone", "phone", ["phone", "phonenumber", "telephone", "tel", "mobile", "phoneprimary"]),
    spec!("street", "street", ["streetaddress", "street", "address", "address1", "addressline1"]),
    spec!("city", "city", ["city", "town"]),
    spec!("postal_code", "postalCode", ["postalcode", "postcode", "zip", "zipcode", "postal"]),
    spec!("region", "region", ["stateprovince", "state", "region", "province", "county"]),
    spec!("country", "country", ["country", "countrycode"]),
    spec!("birth_date", "birthDate", ["birthdate", "dateofbirth", "dob", "birthday"]),
    spec!("preferred_language", "preferredLanguage", ["preferredlanguage", "language"]),
    spec!("do_not_email", "doNotEmail", ["donotemail", "noemail"]),
    spec!("do_not_mail", "doNotMail", ["donotmail", "nomail"]),
    spec!("is_deceased", "isDeceased", ["isdeceased", "deceased"]),
    spec!("notes", "notes", ["notes", "note", "comments"]),
];

/// Column groups a file must have one of each.
pub static REQUIRED: &[&[&str]] = &[&[
    "first_name",
    "last_name",
    "organization_name",
    "email",
    "external_id",
]];

struct Parsed<'a> {
    line: &'a Line,
    external_id: Option<String>,
    email: Option<String>,
    fields: ContactFields,
}

fn parse<'a, R: Read>(
    cx: &Context<'_>,
    src: &'a Source<R>,
    line: &'a Line,
) -> Result<Parsed<'a>, Vec<super::RowError>> {
    let mut c = Cells::new(line, src, cx.mapping);
    let kind = c.text("kind").and_then(|raw| {
        let r = raw.to_uppercase().parse::<ContactKind>().map_err(|_| {
            crate::domain::FieldError::new("kind", "is not Individual, Organization or Household")
        });
        c.check("kind", &raw, r)
    });
    let email = c.text("email").and_then(|raw| {
        let r = EmailAddress::parse(&raw, "email");
        c.check("email", &raw, r).map(EmailAddress::into_string)
    });
    let fields = ContactFields {
        kind,
        first_name: c.text("first_name"),
        last_name: c.text("last_name"),
        organization_name: c.text("organization_name"),
        email: email.clone(),
        phone: c.text("phone"),
        street: c.text("street"),
        city: c.text("city"),
        postal_code: c.text("postal_code"),
        region: c.text("region"),
        country: c.text("country"),
        birth_date: c.date("birth_date"),
        preferred_language: c.text("preferred_language"),
        do_not_email: c.bool("do_not_email"),
        do_not_mail: c.bool("do_not_mail"),
        is_deceased: c.bool("is_deceased"),
        notes: c.text("notes"),
    };
    let external_id = c.text("external_id").map(|e| e.chars().take(100).collect());
    if c.errors.is_empty() {
        Ok(Parsed {
            line,
            external_id,
            email,
            fields,
        })
    } else {
        Err(c.errors)
    }
}

/// The stored fields with the row's non-empty cells laid over them.
fn overlay(old: ContactFields, new: &ContactFields) -> ContactFields {
    macro_rules! pick {
        ($($f:ident),*) => { ContactFields { $($f: new.$f.clone().or(old.$f)),* } };
    }
    pick!(
        kind,
        first_name,
        last_name,
        organization_name,
        email,
        phone,
        street,
        city,
        postal_code,
        region,
        country,
        birth_date,
        preferred_language,
        do_not_email,
        do_not_mail,
        is_deceased,
        notes
    )
}

enum Plan {
    Create(contact::ActiveModel),
    Update(contact::ActiveModel),
}

pub async fn run<R: Read>(
    cx: &Context<'_>,
    src: &mut Source<R>,
    report: &mut ImportReport,
    sink: &mut (dyn ImportSink + Send),
) -> AppResult<()> {
    let mut seen = Seen::default();
    let today = cx.state.clock.today();
    let now = cx.state.clock.now();
    loop {
        let lines = src.next_batch(report, sink)?;
        if lines.is_empty() {
            return Ok(());
        }
        let mut rows = Vec::with_capacity(lines.len());
        for line in &lines {
            match parse(cx, src, line) {
                Err(errors) => reject(report, sink, line.row, &line.record, errors)?,
                Ok(p) => {
                    let dup = [("external_id", &p.external_id), ("email", &p.email)]
                        .into_iter()
                        .find_map(|(k, v)| {
                            v.as_ref()
                                .and_then(|v| seen.first(k, v, line.row))
                                .map(|r| (k, r))
                        });
                    match dup {
                        Some((k, first)) => {
                            let why = format!("duplicate of row {first} (same {k})");
                            reject(
                                report,
                                sink,
                                line.row,
                                &line.record,
                                vec![super::RowError {
                                    row: line.row,
                                    column: src.columns.header(k),
                                    value: None,
                                    reason: why,
                                }],
                            )?;
                        }
                        None => rows.push(p),
                    }
                }
            }
        }
        let txn = cx.batch().await?;
        let existing = find_existing(&txn, &rows).await?;
        let mut plans = Vec::new();
        for p in rows {
            let found = p
                .external_id
                .as_ref()
                .and_then(|e| existing.by_external.get(e))
                .or_else(|| p.email.as_ref().and_then(|e| existing.by_email.get(e)));
            let outcome = match found {
                None => match ContactDraft::parse(p.fields.clone(), today) {
                    Ok(draft) => {
                        let mut a = contact::ActiveModel {
                            created_at: Set(now),
                            updated_at: Set(now),
                            deleted_at: Set(None),
                            external_id: Set(p.external_id.clone()),
                            ..Default::default()
                        };
                        let detail = draft.display_name.clone();
                        apply_draft(&mut a, draft);
                        plans.push(Plan::Create(a));
                        Ok((Action::Created, format!("new contact {detail}")))
                    }
                    Err(e) => Err(e),
                },
                Some(old) => plan_match(cx, &p, old, &existing, today, now, &mut plans),
            };
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
            write(txn, plans).await?;
        }
        cx.end_batch(txn).await?;
    }
}

/// What a row that matches `old` does.
fn plan_match(
    cx: &Context<'_>,
    p: &Parsed<'_>,
    old: &contact::Model,
    existing: &Existing,
    today: chrono::NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    plans: &mut Vec<Plan>,
) -> Result<(Action, String), crate::domain::FieldError> {
    let which = format!("contact {}", old.id);
    if old.deleted_at.is_some() {
        return Err(crate::domain::FieldError::new(
            "externalId",
            format!("matches {which}, which is in the trash: restore it first"),
        ));
    }
    if old.erased_at.is_some() {
        return Err(crate::domain::FieldError::new(
            "externalId",
            format!("matches {which}, whose personal data was erased: it is not imported again"),
        ));
    }
    if let (Some(mine), Some(theirs)) = (&p.external_id, &old.external_id)
        && mine != theirs
    {
        return Err(crate::domain::FieldError::new(
            "email",
            format!("belongs to {which}, whose external id is {theirs}"),
        ));
    }
    if cx.on_match == OnMatch::Skip {
        return Ok((Action::Skipped, format!("matches {which}")));
    }
    let taken = p
        .email
        .as_ref()
        .and_then(|e| existing.by_email.get(e))
        .filter(|other| other.id != old.id);
    if let Some(other) = taken {
        return Err(crate::domain::FieldError::new(
            "email",
            format!(
                "belongs to contact {}, not to {which} that the external id matches",
                other.id
            ),
        ));
    }
    let stored = Contact::from(old.clone()).fields();
    let before = ContactDraft::parse(stored.clone(), today).ok();
    let after = ContactDraft::parse(overlay(stored, &p.fields), today)?;
    let new_external = old.external_id.is_none() && p.external_id.is_some();
    if before.as_ref() == Some(&after) && !new_external {
        return Ok((Action::Unchanged, which));
    }
    let mut a: contact::ActiveModel = old.clone().into();
    apply_draft(&mut a, after);
    if new_external {
        a.external_id = Set(p.external_id.clone());
    }
    a.updated_at = Set(now);
    plans.push(Plan::Update(a));
    Ok((Action::Updated, which))
}

struct Existing {
    by_external: HashMap<String, contact::Model>,
    by_email: HashMap<String, contact::Model>,
}

async fn find_existing<C: ConnectionTrait>(db: &C, rows: &[Parsed<'_>]) -> AppResult<Existing> {
    let externals: Vec<&String> = rows.iter().filter_map(|p| p.external_id.as_ref()).collect();
    let emails: Vec<&String> = rows.iter().filter_map(|p| p.email.as_ref()).collect();
    let mut out = Existing {
        by_external: HashMap::new(),
        by_email: HashMap::new(),
    };
    if externals.is_empty() && emails.is_empty() {
        return Ok(out);
    }
    // One query per key, each served by its unique index (an OR of both scans the table).
    let mut found = contact::Entity::find()
        .filter(contact::Column::ExternalId.is_in(externals))
        .all(db)
        .await?;
    found.extend(
        contact::Entity::find()
            .filter(contact::Column::Email.is_in(emails))
            .filter(contact::Column::DeletedAt.is_null())
            .all(db)
            .await?,
    );
    for m in found {
        if let Some(e) = m.external_id.clone() {
            out.by_external.insert(e, m.clone());
        }
        if let (Some(e), None) = (m.email.clone(), m.deleted_at) {
            out.by_email.insert(e, m);
        }
    }
    Ok(out)
}

async fn write(txn: &DatabaseTransaction, plans: Vec<Plan>) -> AppResult<()> {
    let mut new = Vec::new();
    for plan in plans {
        match plan {
            Plan::Create(a) => new.push(a),
            Plan::Update(a) => {
                a.update(txn).await?;
            }
        }
    }
    if !new.is_empty() {
        contact::Entity::insert_many(new).exec(txn).await?;
    }
    Ok(())
}
