//! Contact lists: filters, orders, keyset pages, and search.
//!
//! Search matches every word of the query, folded like the stored key (`domain::search`), as a
//! substring of `contacts.search_text`: through a trigram GIN index on PostgreSQL and an FTS5
//! trigram table on SQLite (see migration 000009), so both return the same contacts. Without an
//! explicit order, search results are ranked: surnames starting with the first word, then any word
//! starting with it, then the rest, each by name.

use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, TransactionTrait,
};

use crate::db::entities::contact;
use crate::domain::contact::{Contact, ContactKind};
use crate::domain::role::Role;
use crate::domain::search;
use crate::error::{AppError, AppResult};
use crate::services::access;
use crate::services::auth::Viewer;
use crate::services::custom_values::{self, CustomFieldFilter, Owner};
use crate::services::pagination::{Cursor, Page, PageArgs, escape_like};
use crate::state::AppState;

/// Longest accepted search text: names and addresses are far shorter, and a long pattern only costs.
pub const MAX_SEARCH_CHARS: usize = 200;

/// A contact filter: the `contacts` list's, a saved search's (stored as JSON), a mailing audience's.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContactFilter {
    /// Words that must each appear in the name or email.
    pub search: Option<String>,
    #[serde(with = "kind_code")]
    pub kind: Option<ContactKind>,
    pub created_from: Option<chrono::DateTime<chrono::Utc>>,
    pub created_to: Option<chrono::DateTime<chrono::Utc>>,
    /// List the trash instead of live contacts.
    pub in_trash: bool,
    /// Answers to signup-form questions the contact must have given.
    pub custom_fields: Vec<CustomFieldFilter>,
    /// Tags, groups, interests, memberships, giving, place, age and nested filters (issue 19).
    #[serde(flatten)]
    pub segment: crate::services::segments::filter::Criteria,
}

/// A contact kind as its code in a stored filter.
mod kind_code {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::domain::contact::ContactKind;

    pub fn serialize<S: Serializer>(k: &Option<ContactKind>, s: S) -> Result<S::Ok, S::Error> {
        match k {
            Some(k) => s.serialize_some(k.as_str()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ContactKind>, D::Error> {
        let code: Option<String> = Option::deserialize(d)?;
        code.map(|c| c.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContactOrder {
    #[default]
    NameAsc,
    NameDesc,
    CreatedAsc,
    CreatedDesc,
    /// Best search matches first (see the module doc); by name without a search.
    Relevance,
}

impl ContactOrder {
    fn key(self) -> &'static str {
        match self {
            ContactOrder::NameAsc => "NAME_ASC",
            ContactOrder::NameDesc => "NAME_DESC",
            ContactOrder::CreatedAsc => "CREATED_AT_ASC",
            ContactOrder::CreatedDesc => "CREATED_AT_DESC",
            ContactOrder::Relevance => "RELEVANCE",
        }
    }
}

/// `%word%` for LIKE, and whether it needs an ESCAPE clause (only then: FTS5 serves plain patterns).
fn substring(word: &str) -> (String, bool) {
    let escaped = escape_like(word);
    let special = escaped.len() != word.len();
    (format!("%{escaped}%"), special)
}

/// Custom SQL with `?` marks for its values, written with the backend's placeholders (sea-query
/// reads `$1, $2, …` on PostgreSQL). The templates here have no `?` inside quotes.
fn custom<V: Into<sea_orm::Value>>(
    backend: DbBackend,
    template: &str,
    values: impl IntoIterator<Item = V>,
) -> SimpleExpr {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(template.len() + 8);
            let mut n = 0;
            for c in template.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => template.to_string(),
    };
    Expr::cust_with_values(sql, values)
}

fn like(backend: DbBackend, column: &str, pattern: String, escape: bool) -> SimpleExpr {
    let sql = if escape {
        format!("{column} LIKE ? ESCAPE '\\'")
    } else {
        format!("{column} LIKE ?")
    };
    custom(backend, &sql, [pattern])
}

/// Every word as a substring of the search key, through the backend's index.
fn search_condition(backend: DbBackend, words: &[String]) -> Condition {
    let likes: Vec<(String, bool)> = words.iter().map(|w| substring(w)).collect();
    match backend {
        DbBackend::Sqlite => {
            let clauses: Vec<String> = likes
                .iter()
                .map(|(_, esc)| {
                    if *esc {
                        "contacts_search.search_text LIKE ? ESCAPE '\\'".to_string()
                    } else {
                        "contacts_search.search_text LIKE ?".to_string()
                    }
                })
                .collect();
            let sql = format!(
                "contacts.id IN (SELECT rowid FROM contacts_search WHERE {})",
                clauses.join(" AND ")
            );
            let values: Vec<String> = likes.into_iter().map(|(p, _)| p).collect();
            Condition::all().add(custom(backend, &sql, values))
        }
        _ => likes.into_iter().fold(Condition::all(), |c, (p, esc)| {
            c.add(like(backend, "contacts.search_text", p, esc))
        }),
    }
}

/// `'0'`, `'1'` or `'2'` (how well the first word matches) followed by the sort name: one text that
/// orders and pages by relevance, then name.
fn relevance_key(backend: DbBackend, first_word: &str) -> SimpleExpr {
    let escaped = escape_like(first_word);
    custom(
        backend,
        "(CASE WHEN contacts.search_text LIKE ? ESCAPE '\\' THEN '0' \
         WHEN (' ' || contacts.search_text) LIKE ? ESCAPE '\\' THEN '1' ELSE '2' END) \
         || contacts.sort_name",
        [format!("{escaped}%"), format!("% {escaped}%")],
    )
}

fn filtered(
    backend: DbBackend,
    filter: &ContactFilter,
    words: &[String],
    today: chrono::NaiveDate,
) -> Select<contact::Entity> {
    let mut q = contact::Entity::find();
    q = if filter.in_trash {
        q.filter(contact::Column::DeletedAt.is_not_null())
    } else {
        q.filter(contact::Column::DeletedAt.is_null())
    };
    if !words.is_empty() {
        q = q.filter(search_condition(backend, words));
    }
    q.filter(criteria(backend, filter, today))
}

/// Everything a filter asks but the search and the trash (checked by `list` already).
fn criteria(backend: DbBackend, filter: &ContactFilter, today: chrono::NaiveDate) -> Condition {
    let mut c = Condition::all();
    if let Some(kind) = filter.kind {
        c = c.add(contact::Column::Kind.eq(kind));
    }
    if let Some(from) = filter.created_from {
        c = c.add(contact::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.created_to {
        c = c.add(contact::Column::CreatedAt.lt(to));
    }
    for sub in custom_values::matching(Owner::Contact, &filter.custom_fields).unwrap_or_default() {
        c = c.add(contact::Column::Id.in_subquery(sub));
    }
    let nested = |f: &ContactFilter| {
        let words = search::words(f.search.as_deref().unwrap_or_default());
        let mut n = criteria(backend, f, today);
        if !words.is_empty() {
            n = n.add(search_condition(backend, &words));
        }
        n
    };
    c.add(crate::services::segments::filter::condition(
        backend,
        &filter.segment,
        today,
        &nested,
    ))
}

/// The ids of the live contacts a filter matches, as a query (saved-search counts and mailing
/// audiences). Check the filter first ([`crate::services::segments::filter::check`]).
pub fn matching_ids(
    backend: DbBackend,
    filter: &ContactFilter,
    today: chrono::NaiveDate,
) -> Select<contact::Entity> {
    let words = search::words(filter.search.as_deref().unwrap_or_default());
    filtered(backend, filter, &words, today)
        .select_only()
        .column(contact::Column::Id)
}

/// A search matching at most this many contacts is answered by collecting every match through the
/// trigram index and sorting them; a broader one walks the order's index until the page is full.
const NARROW_SEARCH: u64 = 5_000;

/// How many contacts `q` matches, counting no further than `cap`.
async fn count_up_to<C: ConnectionTrait>(
    q: &Select<contact::Entity>,
    cap: u64,
    db: &C,
) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    let probe = q
        .clone()
        .select_only()
        .column(contact::Column::Id)
        .limit(cap);
    Ok(probe.count(db).await?)
}

/// Orders `q` and starts it after the cursor: by a text key (name or relevance) then id, or by id.
/// `unindexed` orders by an expression no index provides, so PostgreSQL collects the matches
/// through the search index and sorts them rather than walking the order's index past every
/// contact that does not match (which, for a name near the end of the alphabet, is most of them).
fn ordered(
    q: Select<contact::Entity>,
    key: Option<SimpleExpr>,
    descending: bool,
    after: Option<&Cursor>,
    unindexed: bool,
) -> Select<contact::Entity> {
    let id = contact::Column::Id;
    match key {
        Some(key) => {
            let q = match after {
                Some(c) => {
                    let k = c.k.clone().unwrap_or_default();
                    let (beyond, tie) = if descending {
                        (key.clone().lt(k.clone()), id.lt(c.id))
                    } else {
                        (key.clone().gt(k.clone()), id.gt(c.id))
                    };
                    q.filter(
                        Condition::any()
                            .add(beyond)
                            .add(Condition::all().add(key.clone().eq(k)).add(tie)),
                    )
                }
                None => q,
            };
            if descending {
                q.order_by_desc(key).order_by_desc(id)
            } else {
                q.order_by_asc(key).order_by_asc(id)
            }
        }
        None => {
            let q = match after {
                Some(c) if descending => q.filter(id.lt(c.id)),
                Some(c) => q.filter(id.gt(c.id)),
                None => q,
            };
            if unindexed {
                let by = Expr::cust("(contacts.id + 0)");
                return if descending {
                    q.order_by_desc(by)
                } else {
                    q.order_by_asc(by)
                };
            }
            if descending {
                q.order_by_desc(id)
            } else {
                q.order_by_asc(id)
            }
        }
    }
}

/// One page of contacts (staff). Ordering by creation uses the id, which grows with each insert, so
/// a page boundary never moves when contacts are added.
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    filter: &ContactFilter,
    order: ContactOrder,
    page: PageArgs,
) -> AppResult<Page<Contact>> {
    access::require_role(viewer, Role::Staff)?;
    custom_values::matching(Owner::Contact, &filter.custom_fields)?;
    let text = filter.search.as_deref().unwrap_or_default();
    if text.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::bad_input(
            "filter.search",
            format!("search text is limited to {MAX_SEARCH_CHARS} characters"),
        ));
    }
    let today = state.clock.today();
    crate::services::segments::filter::check_evaluated(
        state.db.get_database_backend(),
        filter,
        today,
        "filter",
    )?;
    let words = search::words(text);
    let order = match order {
        ContactOrder::Relevance if words.is_empty() => ContactOrder::NameAsc,
        o => o,
    };
    let backend = state.db.get_database_backend();
    if backend == DbBackend::Postgres && !words.is_empty() {
        // A prepared statement is planned for any values after five runs, and for a search pattern
        // that generic plan guesses a few hundred matches whatever the words: counting the matches
        // of a word every contact has then read the whole trigram index and every row through it
        // (117 ms instead of 15 by a plain scan). A search plans its statements for its words, in
        // one transaction (the count and the page see the same rows); other statements keep their
        // cached plans (planning every statement cost the page query a sixth of its throughput).
        let txn = state.db.begin().await?;
        txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
            .await?;
        let result = list_in(&txn, backend, filter, &words, order, page, today).await?;
        txn.commit().await?;
        return Ok(result);
    }
    list_in(&state.db, backend, filter, &words, order, page, today).await
}

async fn list_in<C: ConnectionTrait>(
    db: &C,
    backend: DbBackend,
    filter: &ContactFilter,
    words: &[String],
    order: ContactOrder,
    page: PageArgs,
    today: chrono::NaiveDate,
) -> AppResult<Page<Contact>> {
    let q = filtered(backend, filter, words, today);
    let total = page.total(&q, db).await?;
    let after = page
        .after
        .as_deref()
        .map(|a| Cursor::decode(a, order.key()))
        .transpose()?;
    // Only PostgreSQL's planner needs telling (SQLite answers a search from its FTS5 table first).
    let unindexed = backend == DbBackend::Postgres
        && !words.is_empty()
        && order != ContactOrder::Relevance
        && if page.count {
            total <= NARROW_SEARCH
        } else {
            count_up_to(&q, NARROW_SEARCH + 1, db).await? <= NARROW_SEARCH
        };
    let name = || {
        if unindexed {
            Expr::cust("(contacts.sort_name || '')")
        } else {
            Expr::col((contact::Entity, contact::Column::SortName))
        }
    };
    let (key, descending): (Option<SimpleExpr>, bool) = match order {
        ContactOrder::NameAsc => (Some(name()), false),
        ContactOrder::NameDesc => (Some(name()), true),
        ContactOrder::CreatedAsc => (None, false),
        ContactOrder::CreatedDesc => (None, true),
        ContactOrder::Relevance => (Some(relevance_key(backend, &words[0])), false),
    };
    let keyed = key.is_some();
    let q = ordered(q, key.clone(), descending, after.as_ref(), unindexed);
    let rows: Vec<(contact::Model, Option<String>)> = match &key {
        Some(k) => q
            .column_as(k.clone(), "page_key")
            .limit(page.first + 1)
            .into_model::<KeyedRow>()
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.model, Some(r.page_key)))
            .collect(),
        None => q
            .limit(page.first + 1)
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m, None))
            .collect(),
    };
    let rows: Vec<(Contact, Option<String>)> = rows
        .into_iter()
        .map(|(m, k)| (Contact::from(m), k))
        .collect();
    let page = Page::from_rows(rows, page.first, total, |(m, k)| Cursor {
        o: order.key().into(),
        k: if keyed { k.clone() } else { None },
        id: m.id,
    });
    Ok(page.map(|(c, _)| c))
}

/// A contact row with the text it was ordered by (for the cursor).
struct KeyedRow {
    model: contact::Model,
    page_key: String,
}

impl sea_orm::FromQueryResult for KeyedRow {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            model: contact::Model::from_query_result(res, pre)?,
            page_key: res.try_get(pre, "page_key")?,
        })
    }
}

/// Writes the search key of contacts that have none (rows from before search keys existed), in
/// batches. Returns how many it wrote.
pub async fn index_search(db: &sea_orm::DatabaseConnection) -> AppResult<u64> {
    let mut done = 0;
    loop {
        let batch = contact::Entity::find()
            .filter(contact::Column::SearchText.is_null())
            .order_by_asc(contact::Column::Id)
            .limit(1000)
            .all(db)
            .await?;
        if batch.is_empty() {
            return Ok(done);
        }
        let txn = crate::db::begin_write(db).await?;
        for c in &batch {
            let key = search::contact_key(&c.sort_name, &c.display_name, c.email.as_deref());
            contact::Entity::update_many()
                .col_expr(contact::Column::SearchText, Expr::value(key))
                .filter(contact::Column::Id.eq(c.id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        done += batch.len() as u64;
    }
}
