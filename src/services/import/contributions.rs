//! Importing giving history: each row names its contact, financial type, amount and date. A row
//! already imported (same external id or transaction id, or else the same contact, date, amount,
//! currency and type) is skipped: money already in the books is never changed by an import. No
//! receipts are sent.

use std::collections::HashSet;
use std::io::Read;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::mapping::{FieldSpec, spec};
use super::refs::{ContactRef, Contacts};
use super::source::{Cells, Line, Seen, Source, reject};
use super::{Action, Context, ImportReport, ImportSink};
use crate::db::entities::{campaign, contribution};
use crate::domain::FieldError;
use crate::domain::contribution::{
    ContributionStatus, FinancialType, PaymentInstrument, positive_amount,
};
use crate::domain::import::plain_amount;
use crate::domain::money::Currency;
use crate::error::AppResult;

/// The columns a contributions file may have (CiviCRM's contribution export and common headers).
#[rustfmt::skip]
pub static FIELDS: &[FieldSpec] = &[
    spec!("external_id", "externalId", ["contributionid", "externalid", "id", "giftid"]),
    spec!("contact_external_id", "contactExternalId", ["contactid", "contactexternalid", "externalidentifier", "donorid", "memberid"]),
    spec!("contact_email", "contactEmail", ["email", "contactemail", "emailaddress", "donoremail"]),
    spec!("financial_type", "financialTypeKey", ["financialtype", "contributiontype", "type", "fund"]),
    spec!("amount", "amount", ["totalamount", "amount", "giftamount", "donation"]),
    spec!("currency", "currency", ["currency"]),
    spec!("received_date", "receivedDate", ["datereceived", "receivedate", "receiveddate", "contributiondate", "giftdate", "date"]),
    spec!("status", "status", ["contributionstatus", "status"]),
    spec!("payment_instrument", "paymentInstrument", ["paymentmethod", "paymentinstrument", "method"]),
    spec!("transaction_id", "transactionId", ["transactionid", "trxnid"]),
    spec!("check_number", "checkNumber", ["checknumber", "chequenumber"]),
    spec!("source", "source", ["source", "contributionsource"]),
    spec!("note", "note", ["note", "notes"]),
    spec!("campaign", "campaignId", ["campaign", "campaigntitle", "campaignname"]),
];

/// Column groups a file must have one of each.
pub static REQUIRED: &[&[&str]] = &[
    &["contact_external_id", "contact_email"],
    &["amount"],
    &["financial_type"],
    &["received_date"],
];

struct Parsed<'a> {
    line: &'a Line,
    contact: ContactRef,
    model: contribution::ActiveModel,
    external_id: Option<String>,
    transaction_id: Option<String>,
    key: (i64, NaiveDate, i64, String),
}

/// A payment method as CiviCRM and spreadsheets write it.
fn instrument(raw: &str) -> Result<PaymentInstrument, FieldError> {
    let code = raw.trim().to_uppercase().replace([' ', '-'], "_");
    let code = match code.as_str() {
        "CREDIT_CARD" | "DEBIT_CARD" | "CARD" | "STRIPE" | "PAYPAL" => "CARD",
        "EFT" | "BANK_TRANSFER" | "TRANSFER" | "ACH" | "DIRECT_DEBIT" | "SEPA" => "BANK_TRANSFER",
        "CHEQUE" | "CHECK" => "CHECK",
        other => other,
    };
    code.parse().map_err(|_| {
        FieldError::new(
            "paymentInstrument",
            "is not cash, check, card, bank transfer or other",
        )
    })
}

fn find_type<'t>(types: &'t [FinancialType], raw: &str) -> Option<&'t FinancialType> {
    types
        .iter()
        .find(|t| t.key.eq_ignore_ascii_case(raw) || t.name.eq_ignore_ascii_case(raw))
}

fn parse<'a, R: Read>(
    cx: &Context<'_>,
    src: &'a Source<R>,
    line: &'a Line,
    types: &[FinancialType],
    campaigns: &[campaign::Model],
    seen: &mut Seen,
) -> Result<Parsed<'a>, Vec<super::RowError>> {
    let mut c = Cells::new(line, src, cx.mapping);
    let contact = ContactRef::read(&mut c, "contact_external_id", "contact_email");
    let ftype = c.text("financial_type").and_then(|raw| {
        let t = find_type(types, &raw);
        if t.is_none() {
            c.fail(
                "financial_type",
                Some(&raw),
                "is not a financial type here (map it under [values.financial_type])",
            );
        }
        t.map(|t| t.id)
    });
    let default_currency = cx.mapping.currency.clone().unwrap_or_else(|| {
        cx.state
            .settings
            .organization
            .default_currency
            .code()
            .to_string()
    });
    let currency_raw = c.text("currency").unwrap_or(default_currency);
    let currency = c.check(
        "currency",
        &currency_raw.clone(),
        Currency::parse(&currency_raw, "currency"),
    );
    let amount = match (c.text("amount"), currency) {
        (Some(raw), Some(cur)) => {
            let plain = plain_amount(&raw, cx.mapping.decimal_comma);
            c.check("amount", &raw, positive_amount(&plain, cur, "amount"))
        }
        (None, _) => {
            c.fail("amount", None, "is required");
            None
        }
        _ => None,
    };
    let received = c.date("received_date");
    if received.is_none()
        && !c
            .errors
            .iter()
            .any(|e| e.column == src.columns.header("received_date"))
    {
        c.fail("received_date", None, "is required");
    }
    let status = match c.text("status") {
        None => ContributionStatus::Completed,
        Some(raw) => {
            let r = raw.to_uppercase().parse().map_err(|_| {
                FieldError::new(
                    "status",
                    "is not Completed, Pending, Cancelled, Failed or Refunded",
                )
            });
            c.check("status", &raw, r)
                .unwrap_or(ContributionStatus::Completed)
        }
    };
    let payment_instrument = c.text("payment_instrument").and_then(|raw| {
        let r = instrument(&raw);
        c.check("payment_instrument", &raw, r)
    });
    let campaign_id = c.text("campaign").and_then(|raw| {
        let found = campaigns
            .iter()
            .find(|k| k.name.eq_ignore_ascii_case(&raw))
            .map(|k| k.id);
        if found.is_none() {
            c.fail("campaign", Some(&raw), "is not the name of a campaign here");
        }
        found
    });
    let external_id: Option<String> = c.text("external_id").map(|e| e.chars().take(100).collect());
    let transaction_id: Option<String> = c
        .text("transaction_id")
        .map(|e| e.chars().take(200).collect());
    for (k, v) in [
        ("external_id", &external_id),
        ("transaction_id", &transaction_id),
    ] {
        if let Some(first) = v.as_ref().and_then(|v| seen.first(k, v, line.row)) {
            c.fail(k, v.as_deref(), &format!("duplicate of row {first}"));
        }
    }
    let (Some(ftype), Some(amount), Some(received)) = (ftype, amount, received) else {
        return Err(c.errors);
    };
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let label = cx.actor.label();
    let now = cx.state.clock.now();
    let midnight = received.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let model = contribution::ActiveModel {
        financial_type_id: Set(ftype),
        amount_minor: Set(amount.minor()),
        currency: Set(amount.currency().code().to_string()),
        received_date: Set(received),
        status: Set(status),
        payment_instrument: Set(payment_instrument),
        transaction_id: Set(transaction_id.clone()),
        source: Set(c
            .text("source")
            .map(|s| s.chars().take(200).collect())
            .or_else(|| Some(cx.source_label().chars().take(200).collect()))),
        note: Set(c.text("note").map(|s| s.chars().take(4000).collect())),
        campaign_id: Set(campaign_id),
        check_number: Set(c.text("check_number").map(|s| s.chars().take(64).collect())),
        refunded_minor: Set(if status == ContributionStatus::Refunded {
            amount.minor()
        } else {
            0
        }),
        external_id: Set(external_id.clone()),
        created_by: Set(label.clone()),
        updated_by: Set(label),
        created_at: Set(now),
        updated_at: Set(now),
        completed_at: Set(matches!(
            status,
            ContributionStatus::Completed | ContributionStatus::Refunded
        )
        .then_some(midnight)
        .flatten()),
        ..Default::default()
    };
    let key = (
        ftype,
        received,
        amount.minor(),
        amount.currency().code().to_string(),
    );
    Ok(Parsed {
        line,
        contact,
        model,
        external_id,
        transaction_id,
        key,
    })
}

pub async fn run<R: Read>(
    cx: &Context<'_>,
    src: &mut Source<R>,
    report: &mut ImportReport,
    sink: &mut (dyn ImportSink + Send),
) -> AppResult<()> {
    let db = &cx.state.db;
    let types = cx.state.reference.financial_types(db).await?;
    let campaigns = campaign::Entity::find().all(db).await?;
    let mut seen = Seen::default();
    loop {
        let lines = src.next_batch(report, sink)?;
        if lines.is_empty() {
            return Ok(());
        }
        let mut rows = Vec::with_capacity(lines.len());
        for line in &lines {
            match parse(cx, src, line, &types, &campaigns, &mut seen) {
                Ok(p) => rows.push(p),
                Err(errors) => reject(report, sink, line.row, &line.record, errors)?,
            }
        }
        let txn = cx.batch().await?;
        let contacts = Contacts::load(&txn, rows.iter().map(|p| &p.contact)).await?;
        let known = Known::load(&txn, &rows, &contacts).await?;
        let mut new = Vec::new();
        for mut p in rows {
            let contact = match contacts.find(&p.contact) {
                Ok(c) => c,
                Err(e) => {
                    let mut c = Cells::new(p.line, src, cx.mapping);
                    c.fail_api(&e);
                    reject(report, sink, p.line.row, &p.line.record, c.errors)?;
                    continue;
                }
            };
            if let Some(why) = known.matches(&p, contact.id) {
                report.count(p.line.row, Action::Skipped, why, sink);
                continue;
            }
            p.model.contact_id = Set(contact.id);
            new.push(p.model);
            report.count(
                p.line.row,
                Action::Created,
                format!("new contribution of contact {}", contact.id),
                sink,
            );
        }
        if let Some(txn) = cx.writes(&txn)
            && !new.is_empty()
        {
            contribution::Entity::insert_many(new).exec(txn).await?;
        }
        cx.end_batch(txn).await?;
    }
}

/// What the books already hold for the batch's rows.
struct Known {
    external: HashSet<String>,
    transactions: HashSet<String>,
    keys: HashSet<(i64, i64, NaiveDate, i64, String)>,
}

impl Known {
    async fn load<C: ConnectionTrait>(
        db: &C,
        rows: &[Parsed<'_>],
        contacts: &Contacts,
    ) -> AppResult<Self> {
        let ext: Vec<String> = rows.iter().filter_map(|p| p.external_id.clone()).collect();
        let trxn: Vec<String> = rows
            .iter()
            .filter_map(|p| p.transaction_id.clone())
            .collect();
        let ids: Vec<i64> = rows
            .iter()
            .filter_map(|p| contacts.find(&p.contact).ok())
            .map(|c| c.id)
            .collect();
        let dates: Vec<NaiveDate> = rows.iter().map(|p| p.key.1).collect();
        let mut out = Self {
            external: HashSet::new(),
            transactions: HashSet::new(),
            keys: HashSet::new(),
        };
        if rows.is_empty() {
            return Ok(out);
        }
        // One query per key, each served by its index (an OR of them scans the table).
        let mut found = Vec::new();
        let by_key = Condition::all()
            .add(contribution::Column::ContactId.is_in(ids))
            .add(contribution::Column::ReceivedDate.is_in(dates));
        for cond in [
            Condition::all().add(contribution::Column::ExternalId.is_in(ext)),
            Condition::all().add(contribution::Column::TransactionId.is_in(trxn)),
            by_key,
        ] {
            found.extend(contribution::Entity::find().filter(cond).all(db).await?);
        }
        for m in found {
            out.external.extend(m.external_id.clone());
            out.transactions.extend(m.transaction_id.clone());
            out.keys.insert((
                m.contact_id,
                m.financial_type_id,
                m.received_date,
                m.amount_minor,
                m.currency,
            ));
        }
        Ok(out)
    }

    fn matches(&self, p: &Parsed<'_>, contact_id: i64) -> Option<String> {
        if p.external_id
            .as_ref()
            .is_some_and(|e| self.external.contains(e))
        {
            return Some("already imported (same external id)".into());
        }
        if p.transaction_id
            .as_ref()
            .is_some_and(|t| self.transactions.contains(t))
        {
            return Some("already recorded (same transaction id)".into());
        }
        let (t, d, a, c) = p.key.clone();
        let has_own_key = p.external_id.is_some() || p.transaction_id.is_some();
        (!has_own_key && self.keys.contains(&(contact_id, t, d, a, c)))
            .then(|| "already recorded (same contact, type, date and amount)".into())
    }
}
