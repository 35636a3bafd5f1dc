//! The GraphQL API: thin resolvers over `services`. Types here are the public contract; entities never
//! appear directly.

pub mod connection;
pub mod errors;
pub mod giving_loaders;
pub mod guards;
pub mod limits;
pub mod loaders;
pub mod mirror;
pub mod mutation;
pub mod order;
pub mod pipeline;
pub mod query;
pub mod scalars;
pub mod schema;
pub mod types;

pub use schema::{AppSchema, build_schema, sdl};

use async_graphql::ID;

use crate::error::{AppError, AppResult};

/// Reads a numeric database id out of a GraphQL `ID`; `field` names the argument or input field.
pub fn parse_id(id: &ID, field: &str) -> AppResult<i64> {
    id.as_str()
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::bad_input(field, format!("`{}` is not a valid id", id.as_str())))
}

/// Parses an optional id, naming the field when it is bad.
pub fn parse_optional_id(id: &Option<ID>, field: &str) -> AppResult<Option<i64>> {
    id.as_ref().map(|i| parse_id(i, field)).transpose()
}

/// Parses a list of ids, naming the field on the first bad one.
pub fn parse_ids(ids: &[ID], field: &str) -> AppResult<Vec<i64>> {
    ids.iter().map(|id| parse_id(id, field)).collect()
}
