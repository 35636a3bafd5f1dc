//! Cursor pagination shared by every connection. Cursors are opaque to clients: base64url of a small
//! JSON value holding the ordering and the last row's sort key and id, so a page boundary stays put
//! when rows are inserted before or after it (keyset pagination).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// A decoded cursor: which ordering it belongs to, and the last row's key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// The ordering, e.g. `NAME_ASC`; a cursor is only valid for the ordering that made it.
    pub o: String,
    /// The sort key of the row (absent when ordering by id alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<String>,
    /// The row id, the tie-breaker.
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(raw: &str, ordering: &str) -> AppResult<Self> {
        let bad = || AppError::bad_input("after", "not a cursor returned by this list");
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| bad())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if cursor.o != ordering {
            return Err(AppError::bad_input(
                "after",
                "this cursor belongs to a different ordering; start again without `after`",
            ));
        }
        Ok(cursor)
    }
}

/// Page request after validation.
#[derive(Clone, Debug)]
pub struct PageArgs {
    pub first: u64,
    pub after: Option<String>,
    /// Whether the caller wants the total count (a query over every matching row, so only run when
    /// asked: GraphQL passes whether `totalCount` is selected).
    pub count: bool,
}

impl PageArgs {
    /// Checks `first` against the configured maximum (default page size 20).
    pub fn new(first: Option<i32>, after: Option<String>, max: i32) -> AppResult<Self> {
        let first = first.unwrap_or(20.min(max));
        if first < 0 {
            return Err(AppError::bad_input("first", "must not be negative"));
        }
        if first > max {
            return Err(AppError::bad_input(
                "first",
                format!("must be at most {max}"),
            ));
        }
        Ok(Self {
            first: first as u64,
            after: after.filter(|a| !a.is_empty()),
            count: true,
        })
    }

    /// Whether to count every matching row.
    pub fn counting(mut self, count: bool) -> Self {
        self.count = count;
        self
    }

    /// The total count when asked for, 0 otherwise (the caller did not select it).
    pub async fn total<E, C>(&self, q: &sea_orm::Select<E>, db: &C) -> AppResult<u64>
    where
        E: sea_orm::EntityTrait,
        E::Model: sea_orm::FromQueryResult + Send + Sync,
        C: sea_orm::ConnectionTrait,
    {
        if !self.count {
            return Ok(0);
        }
        use sea_orm::PaginatorTrait;
        Ok(q.clone().count(db).await?)
    }
}

/// One page of rows, each with its cursor.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<(String, T)>,
    pub has_next_page: bool,
    pub total_count: u64,
}

impl<T> Page<T> {
    /// Builds a page from `first + 1` fetched rows: the extra row only tells there is a next page.
    pub fn from_rows(
        mut rows: Vec<T>,
        first: u64,
        total_count: u64,
        cursor: impl Fn(&T) -> Cursor,
    ) -> Self {
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        let items = rows.into_iter().map(|r| (cursor(&r).encode(), r)).collect();
        Self {
            items,
            has_next_page,
            total_count,
        }
    }

    pub fn map<U>(self, f: impl Fn(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_next_page: self.has_next_page,
            total_count: self.total_count,
        }
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One page of `q` ordered by its integer id column (`descending`: newest first), the keyset
/// pagination used by lists that have no other ordering.
pub async fn page_by_id<E, C>(
    db: &C,
    q: sea_orm::Select<E>,
    id: E::Column,
    descending: bool,
    page: PageArgs,
    id_of: impl Fn(&E::Model) -> i64,
) -> AppResult<Page<E::Model>>
where
    E: sea_orm::EntityTrait,
    E::Model: Send + Sync,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let ordering = if descending { "ID_DESC" } else { "ID_ASC" };
    let total = page.total(&q, db).await?;
    let mut q = q;
    if let Some(after) = &page.after {
        let last = Cursor::decode(after, ordering)?.id;
        q = q.filter(if descending { id.lt(last) } else { id.gt(last) });
    }
    let q = if descending {
        q.order_by_desc(id)
    } else {
        q.order_by_asc(id)
    };
    let rows = q.limit(page.first + 1).all(db).await?;
    Ok(Page::from_rows(rows, page.first, total, |m| Cursor {
        o: ordering.into(),
        k: None,
        id: id_of(m),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_ordering_check() {
        let c = Cursor {
            o: "NAME_ASC".into(),
            k: Some("doe, jane".into()),
            id: 7,
        };
        let raw = c.encode();
        assert_eq!(Cursor::decode(&raw, "NAME_ASC").unwrap(), c);
        assert!(Cursor::decode(&raw, "CREATED_AT_DESC").is_err());
        assert!(Cursor::decode("garbage!", "NAME_ASC").is_err());
    }

    #[test]
    fn page_args_limits() {
        assert_eq!(PageArgs::new(None, None, 100).unwrap().first, 20);
        assert!(PageArgs::new(Some(101), None, 100).is_err());
        assert!(PageArgs::new(Some(-1), None, 100).is_err());
    }

    #[test]
    fn like_escaping() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
