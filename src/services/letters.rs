//! Letters: membership messages for contacts who cannot get email but can get post are kept in the
//! outbox as LETTER rows (see `mail::outbox::enqueue`). Staff print them as one HTML document — one
//! page per letter, the organisation and the member's address on top, then the message's text
//! part — and mark the printed ones SENT.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::begin_write;
use crate::db::entities::{contact, outbound_message as outbound};
use crate::domain::message::{OutboundMessage, OutboxStatus};
use crate::error::{AppError, AppResult};
use crate::services::Actor;
use crate::state::AppState;

/// Which letters to print.
#[derive(Clone, Debug, Default)]
pub struct LetterFilter {
    /// These messages only (each must be a LETTER).
    pub ids: Option<Vec<i64>>,
    pub template_key: Option<String>,
}

/// A printable batch: the HTML document and the messages in it, oldest first.
pub struct LetterBatch {
    pub html: String,
    pub messages: Vec<OutboundMessage>,
}

/// The LETTER rows matching `filter`, oldest first, at most `limit` (all of them when `ids` are
/// given).
async fn pending(
    state: &AppState,
    filter: &LetterFilter,
    limit: u64,
) -> AppResult<Vec<outbound::Model>> {
    let mut q = outbound::Entity::find().filter(outbound::Column::Status.eq(OutboxStatus::Letter));
    let mut limit = limit;
    if let Some(ids) = &filter.ids {
        q = q.filter(outbound::Column::Id.is_in(ids.clone()));
        limit = limit.max(ids.len() as u64);
    }
    if let Some(k) = &filter.template_key {
        q = q.filter(outbound::Column::TemplateKey.eq(k.clone()));
    }
    let rows = q
        .order_by_asc(outbound::Column::Id)
        .limit(limit)
        .all(&state.db)
        .await?;
    let missing = filter
        .ids
        .iter()
        .flatten()
        .find(|id| !rows.iter().any(|r| r.id == **id));
    if let Some(missing) = missing {
        return Err(AppError::bad_input(
            "ids",
            format!("message {missing} is not a letter waiting to be printed"),
        ));
    }
    Ok(rows)
}

/// Letters in one document when the caller does not say, and at most.
const DEFAULT_BATCH: i32 = 100;
const MAX_BATCH: i32 = 1000;

/// Renders the letters waiting to be printed as one HTML document (nothing is changed): `first`
/// of them (default 100, at most 1000), all of `filter.ids` when given.
pub async fn printable(
    state: &AppState,
    filter: &LetterFilter,
    first: Option<i32>,
) -> AppResult<LetterBatch> {
    let first = first.unwrap_or(DEFAULT_BATCH);
    if !(1..=MAX_BATCH).contains(&first) {
        return Err(AppError::bad_input(
            "first",
            format!("must be between 1 and {MAX_BATCH}"),
        ));
    }
    let messages = pending(state, filter, first as u64).await?;
    let contact_ids: Vec<i64> = messages.iter().filter_map(|m| m.contact_id).collect();
    let contacts: HashMap<i64, contact::Model> = contact::Entity::find()
        .filter(contact::Column::Id.is_in(contact_ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let today = state.clock.today().format("%Y-%m-%d").to_string();
    let org = &state.settings.organization;
    let date = crate::mail::helpers::format_date(&today, &org.default_language).unwrap_or(today);
    let mut html = String::from(HEAD);
    for m in &messages {
        let c = m.contact_id.and_then(|id| contacts.get(&id));
        html.push_str("<section class=\"letter\">\n<div class=\"sender\">");
        push_lines(&mut html, [org.name.as_str(), org.address.as_str()]);
        html.push_str("</div>\n<div class=\"recipient\">");
        if let Some(c) = c {
            let city_line = [c.postal_code.as_deref(), c.city.as_deref()]
                .into_iter()
                .flatten()
                .filter(|s| !s.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            push_lines(
                &mut html,
                [
                    c.display_name.as_str(),
                    c.street.as_deref().unwrap_or_default(),
                    city_line.as_str(),
                    c.region.as_deref().unwrap_or_default(),
                    c.country.as_deref().unwrap_or_default(),
                ],
            );
        }
        html.push_str("</div>\n<div class=\"date\">");
        html.push_str(&escape(&date));
        html.push_str("</div>\n<h1>");
        html.push_str(&escape(&m.subject));
        html.push_str("</h1>\n<div class=\"body\">");
        html.push_str(&escape(m.text_body.trim_end()));
        html.push_str("</div>\n</section>\n");
    }
    html.push_str("</body>\n</html>\n");
    Ok(LetterBatch {
        html,
        messages: messages.into_iter().map(OutboundMessage::from).collect(),
    })
}

/// Marks printed letters SENT (now). Every id must be a LETTER; nothing changes otherwise.
pub async fn mark_printed(
    state: &AppState,
    actor: &Actor,
    ids: &[i64],
) -> AppResult<Vec<OutboundMessage>> {
    if ids.is_empty() {
        return Err(AppError::bad_input("ids", "name at least one letter"));
    }
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let result = outbound::Entity::update_many()
        .col_expr(outbound::Column::Status, Expr::value(OutboxStatus::Sent))
        .col_expr(outbound::Column::SentAt, Expr::value(now))
        .col_expr(outbound::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            outbound::Column::LastError,
            Expr::value(format!("printed; marked by {}", actor.label())),
        )
        .filter(outbound::Column::Id.is_in(ids.to_vec()))
        .filter(outbound::Column::Status.eq(OutboxStatus::Letter))
        .exec(&txn)
        .await?;
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if result.rows_affected != distinct.len() as u64 {
        // Rolled back by dropping the transaction.
        return Err(AppError::bad_input(
            "ids",
            "every id must be a letter waiting to be printed (not yet marked, not cancelled)",
        ));
    }
    let rows = outbound::Entity::find()
        .filter(outbound::Column::Id.is_in(distinct))
        .order_by_asc(outbound::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows.into_iter().map(OutboundMessage::from).collect())
}

fn escape(s: &str) -> String {
    handlebars::html_escape(s)
}

/// Non-empty lines, escaped, separated by `<br>`.
fn push_lines<'a>(html: &mut String, lines: impl IntoIterator<Item = &'a str>) {
    let lines: Vec<String> = lines
        .into_iter()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(escape)
        .collect();
    html.push_str(&lines.join("<br>"));
}

const HEAD: &str = r#"<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Letters</title>
<style>
@page { size: A4; margin: 20mm 20mm 20mm 25mm; }
body { font-family: Georgia, "Times New Roman", serif; font-size: 11pt; line-height: 1.45; color: #000; }
.letter { page-break-after: always; break-after: page; }
.letter:last-of-type { page-break-after: auto; break-after: auto; }
.sender { font-size: 9pt; text-align: right; }
.recipient { margin: 18mm 0 12mm; min-height: 30mm; }
.date { text-align: right; margin-bottom: 8mm; }
h1 { font-size: 12pt; margin: 0 0 6mm; }
.body { white-space: pre-wrap; }
</style>
</head>
<body>
"#;
