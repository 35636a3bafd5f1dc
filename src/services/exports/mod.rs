//! CSV exports of the `contacts`, `memberships` and `contributions` lists: the same filters and the
//! same access rules as the GraphQL fields (the list services decide both), streamed one keyset page
//! at a time so that a million rows never sit in memory.
//!
//! UTF-8 with a header row; dates ISO; money as decimal strings; a cell that a spreadsheet would read
//! as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::contact::Contact;
use crate::domain::contribution::ContributionStatus;
use crate::domain::membership::{Membership, MembershipType};
use crate::domain::money::format_minor;
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::contacts::{self, ContactFilter, ContactOrder};
use crate::services::contributions::{self, ContributionFilter, ContributionOrder};
use crate::services::memberships::{self, MembershipFilter, MembershipOrder};
use crate::services::pagination::PageArgs;
use crate::services::reports::Lapsed;
use crate::services::statuses::Statuses;
use crate::state::AppState;

mod reports;

pub use reports::ReportExport;

/// Rows per page read from the database.
pub const PAGE_ROWS: u64 = 1000;

/// What to export, with its filters.
#[derive(Clone, Debug)]
pub enum Export {
    Contacts(Box<ContactFilter>),
    Memberships(MembershipFilter),
    Contributions(ContributionFilter),
    /// `lapsedMembers`: memberships, with the columns of the memberships export.
    LapsedMembers {
        from: NaiveDate,
        to: NaiveDate,
    },
    /// `lybunt` / `sybunt`: contacts, with the columns of the contacts export.
    LapsedDonors {
        which: Lapsed,
        year: i32,
    },
    /// A report small enough to compute at once (its rows are bounded).
    Report(ReportExport),
}

/// A plain decimal number such as `-2` or `-1.50`: a spreadsheet reads it as that number, never
/// as a formula, so it stays as it is.
fn plain_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    ok(whole) && parts.next().is_none_or(ok)
}

/// A cell as spreadsheet users expect it: formulas neutralised (negative numbers stay numbers).
pub fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) && !plain_number(text) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

pub(crate) fn date(params: &HashMap<String, String>, key: &str) -> AppResult<Option<NaiveDate>> {
    params
        .get(key)
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| AppError::bad_input(key, "must be a date YYYY-MM-DD"))
        })
        .transpose()
}

fn id(params: &HashMap<String, String>, key: &str) -> AppResult<Option<i64>> {
    params
        .get(key)
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| AppError::bad_input(key, "must be an id"))
        })
        .transpose()
}

pub(crate) fn ids(params: &HashMap<String, String>, key: &str) -> AppResult<Vec<i64>> {
    match params.get(key) {
        None => Ok(Vec::new()),
        Some(v) => v
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .take(100)
            .map(|s| {
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| AppError::bad_input(key, "must be ids separated by commas"))
            })
            .collect(),
    }
}

fn flag(params: &HashMap<String, String>, key: &str) -> AppResult<Option<bool>> {
    params
        .get(key)
        .map(|v| match v.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(AppError::bad_input(key, "must be true or false")),
        })
        .transpose()
}

/// A date the export cannot do without.
pub(crate) fn required_date(params: &HashMap<String, String>, key: &str) -> AppResult<NaiveDate> {
    date(params, key)?.ok_or_else(|| AppError::bad_input(key, "is required (YYYY-MM-DD)"))
}

/// A year the export cannot do without.
pub(crate) fn required_year(params: &HashMap<String, String>, key: &str) -> AppResult<i32> {
    params
        .get(key)
        .ok_or_else(|| AppError::bad_input(key, "is required (e.g. 2025)"))?
        .parse::<i32>()
        .map_err(|_| AppError::bad_input(key, "must be a year, e.g. 2025"))
}

/// The export called `name` with the arguments of its GraphQL field as query parameters (the
/// argument names, e.g. `?search=ann&inTrash=false`): the lists `contacts`, `memberships`,
/// `contributions`, and the reports (`membership-summary`, `retention`, `membership-trends`,
/// `cohort-retention`, `lapsed-members`, `contribution-summary`, `lybunt`, `sybunt`,
/// `donor-retention`, `top-donors`, `mailing-stats`).
pub fn parse(name: &str, params: &HashMap<String, String>) -> AppResult<Export> {
    match name {
        "contacts" => Ok(Export::Contacts(Box::new(ContactFilter {
            search: params.get("search").cloned(),
            kind: params
                .get("kind")
                .map(|k| k.parse())
                .transpose()
                .map_err(|_| AppError::bad_input("kind", "must be INDIVIDUAL or ORGANIZATION"))?,
            created_from: None,
            created_to: None,
            in_trash: flag(params, "inTrash")?.unwrap_or(false),
            custom_fields: Vec::new(),
            segment: crate::services::segments::filter::Criteria {
                tag_ids: ids(params, "tagIds")?,
                group_ids: ids(params, "groupIds")?,
                interest_ids: ids(params, "interestIds")?,
                ..Default::default()
            },
        }))),
        "memberships" => Ok(Export::Memberships(MembershipFilter {
            contact_id: id(params, "contactId")?,
            membership_type_ids: ids(params, "membershipTypeIds")?,
            status_ids: ids(params, "statusIds")?,
            end_date_from: date(params, "endDateFrom")?,
            end_date_to: date(params, "endDateTo")?,
            is_current: flag(params, "isCurrent")?,
            custom_fields: Vec::new(),
        })),
        "contributions" => Ok(Export::Contributions(ContributionFilter {
            contact_id: id(params, "contactId")?,
            statuses: match params.get("status") {
                None => Vec::new(),
                Some(s) => vec![s.parse::<ContributionStatus>().map_err(|_| {
                    AppError::bad_input("status", "must be a contribution status, e.g. COMPLETED")
                })?],
            },
            financial_type: params.get("financialType").cloned(),
            campaign_id: id(params, "campaignId")?,
            from: date(params, "from")?,
            to: date(params, "to")?,
            currency: params.get("currency").cloned(),
            amount_min: params.get("amountMin").cloned(),
            amount_max: params.get("amountMax").cloned(),
        })),
        "lapsed-members" => Ok(Export::LapsedMembers {
            from: required_date(params, "from")?,
            to: required_date(params, "to")?,
        }),
        "lybunt" => Ok(Export::LapsedDonors {
            which: Lapsed::Lybunt,
            year: required_year(params, "year")?,
        }),
        "sybunt" => Ok(Export::LapsedDonors {
            which: Lapsed::Sybunt,
            year: required_year(params, "year")?,
        }),
        _ => match reports::parse(name, params)? {
            Some(r) => Ok(Export::Report(r)),
            None => Err(AppError::not_found("export", name, "name")),
        },
    }
}

fn write_row(out: &mut csv::Writer<Vec<u8>>, row: &[String]) -> AppResult<()> {
    out.write_record(row.iter().map(|c| cell(c)))
        .map_err(|e| AppError::internal_from("writing CSV", e))
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

const CONTACT_COLUMNS: [&str; 19] = [
    "id",
    "kind",
    "first_name",
    "last_name",
    "organization_name",
    "display_name",
    "email",
    "phone",
    "street",
    "city",
    "postal_code",
    "region",
    "country",
    "birth_date",
    "preferred_language",
    "do_not_email",
    "do_not_mail",
    "is_deceased",
    "created_at",
];

fn contact_row(c: &Contact) -> Vec<String> {
    vec![
        c.id.to_string(),
        c.kind.as_str().to_string(),
        opt(&c.first_name),
        opt(&c.last_name),
        opt(&c.organization_name),
        c.display_name.clone(),
        opt(&c.email),
        opt(&c.phone),
        opt(&c.street),
        opt(&c.city),
        opt(&c.postal_code),
        opt(&c.region),
        opt(&c.country),
        opt(&c.birth_date),
        opt(&c.preferred_language),
        c.do_not_email.to_string(),
        c.do_not_mail.to_string(),
        c.is_deceased.to_string(),
        c.created_at.to_rfc3339(),
    ]
}

const MEMBERSHIP_COLUMNS: [&str; 10] = [
    "id",
    "contact_id",
    "membership_type",
    "status",
    "join_date",
    "start_date",
    "end_date",
    "is_override",
    "source",
    "created_at",
];

/// Membership type and status names, read once per page.
pub(crate) struct Names {
    types: std::sync::Arc<Vec<MembershipType>>,
    statuses: Statuses,
}

impl Names {
    pub(crate) async fn load(state: &AppState) -> AppResult<Self> {
        Ok(Self {
            types: state.reference.types(&state.db).await?,
            statuses: Statuses::load(&state.db).await?,
        })
    }

    pub(crate) fn type_name(&self, id: i64) -> String {
        self.types
            .iter()
            .find(|t| t.id == id)
            .map_or(String::new(), |t| t.name.clone())
    }

    pub(crate) fn status_name(&self, id: i64) -> String {
        self.statuses
            .get(id)
            .map_or(String::new(), |s| s.name.clone())
    }
}

fn membership_row(m: &Membership, names: &Names) -> Vec<String> {
    vec![
        m.id.to_string(),
        m.contact_id.to_string(),
        names.type_name(m.membership_type_id),
        names.status_name(m.status_id),
        m.join_date.to_string(),
        m.start_date.to_string(),
        opt(&m.end_date),
        m.is_override.to_string(),
        opt(&m.source),
        m.created_at.to_rfc3339(),
    ]
}

/// One page of the export as CSV bytes (the header first when `after` is None), and the cursor
/// of the next page (None at the end). Access is checked by the list service, every page.
pub async fn page(
    state: &AppState,
    viewer: &Viewer,
    export: &Export,
    after: Option<String>,
) -> AppResult<(Vec<u8>, Option<String>)> {
    let mut out = csv::WriterBuilder::new().from_writer(Vec::new());
    let first_page = after.is_none();
    let args = PageArgs {
        first: PAGE_ROWS,
        after,
        count: false,
    };
    let (next, last_cursor) = match export {
        Export::Contacts(f) => {
            if first_page {
                write_row(&mut out, &CONTACT_COLUMNS.map(String::from))?;
            }
            let page = contacts::list(state, viewer, f, ContactOrder::NameAsc, args).await?;
            for (_, c) in &page.items {
                write_row(&mut out, &contact_row(c))?;
            }
            (
                page.has_next_page,
                page.items.last().map(|(k, _)| k.clone()),
            )
        }
        Export::LapsedDonors { which, year } => {
            if first_page {
                write_row(&mut out, &CONTACT_COLUMNS.map(String::from))?;
            }
            let page =
                crate::services::reports::lapsed_donors(state, viewer, *which, *year, args).await?;
            for (_, c) in &page.items {
                write_row(&mut out, &contact_row(c))?;
            }
            (
                page.has_next_page,
                page.items.last().map(|(k, _)| k.clone()),
            )
        }
        Export::Memberships(f) => {
            if first_page {
                write_row(&mut out, &MEMBERSHIP_COLUMNS.map(String::from))?;
            }
            let page =
                memberships::list(state, viewer, f, MembershipOrder::CreatedAsc, args).await?;
            let names = Names::load(state).await?;
            for (_, m) in &page.items {
                write_row(&mut out, &membership_row(m, &names))?;
            }
            (
                page.has_next_page,
                page.items.last().map(|(k, _)| k.clone()),
            )
        }
        Export::LapsedMembers { from, to } => {
            if first_page {
                write_row(&mut out, &MEMBERSHIP_COLUMNS.map(String::from))?;
            }
            let page =
                crate::services::reports::lapsed_members(state, viewer, *from, *to, args).await?;
            let names = Names::load(state).await?;
            for (_, m) in &page.items {
                write_row(&mut out, &membership_row(m, &names))?;
            }
            (
                page.has_next_page,
                page.items.last().map(|(k, _)| k.clone()),
            )
        }
        Export::Report(r) => {
            reports::write(state, viewer, r, &mut out).await?;
            (false, None)
        }
        Export::Contributions(f) => {
            if first_page {
                write_row(
                    &mut out,
                    &[
                        "id",
                        "receipt_number",
                        "contact_id",
                        "financial_type",
                        "amount",
                        "refunded_amount",
                        "currency",
                        "received_date",
                        "status",
                        "payment_instrument",
                        "transaction_id",
                        "campaign_id",
                        "source",
                        "created_at",
                    ]
                    .map(String::from),
                )?;
            }
            let kinds = state.reference.financial_types(&state.db).await?;
            let page =
                contributions::list(state, viewer, f, ContributionOrder::ReceivedAsc, args).await?;
            for (_, k) in &page.items {
                let exponent = contributions::exponent_of(&k.currency);
                let kind = kinds
                    .iter()
                    .find(|t| t.id == k.financial_type_id)
                    .map_or(String::new(), |t| t.key.clone());
                write_row(
                    &mut out,
                    &[
                        k.id.to_string(),
                        k.receipt_number(),
                        k.contact_id.to_string(),
                        kind,
                        format_minor(k.amount_minor, exponent),
                        format_minor(k.refunded_minor, exponent),
                        k.currency.clone(),
                        k.received_date.to_string(),
                        k.status.as_str().to_string(),
                        k.payment_instrument
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default(),
                        opt(&k.transaction_id),
                        opt(&k.campaign_id),
                        opt(&k.source),
                        k.created_at.to_rfc3339(),
                    ],
                )?;
            }
            (
                page.has_next_page,
                page.items.last().map(|(k, _)| k.clone()),
            )
        }
    };
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::internal(format!("writing CSV: {e}")))?;
    Ok((bytes, if next { last_cursor } else { None }))
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_are_neutralised() {
        for (raw, shown) in [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+1", "'+1"),
            ("-2", "-2"),
            ("-1.50", "-1.50"),
            ("-2+3", "'-2+3"),
            ("-", "'-"),
            ("-.5", "'-.5"),
            ("-1.", "'-1."),
            ("-1.2.3", "'-1.2.3"),
            ("@cmd", "'@cmd"),
            ("\tx", "'\tx"),
            ("Ann", "Ann"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(cell(raw), shown, "{raw}");
        }
    }
}
