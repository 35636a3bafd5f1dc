//! Building the schema with its limits, and printing its SDL.

use async_graphql::{EmptySubscription, Schema, SchemaBuilder};

use super::limits::QueryLimits;
use super::mutation::MutationRoot;
use super::query::QueryRoot;
use crate::config::GraphqlSettings;
use crate::state::AppState;

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
}

/// The limits of `[graphql]` that bound the cost of one query (see `limits.rs`).
pub fn query_limits(g: &GraphqlSettings) -> QueryLimits {
    QueryLimits {
        max_query_bytes: g.max_query_bytes,
        max_nesting: g.max_recursion,
        max_depth: g.max_depth,
        // Above what the complexity limit would allow anyway, so only expansion bombs hit it first.
        max_selections: g.max_complexity.saturating_mul(2),
    }
}

/// The schema served by `/graphql`, with the configured complexity and recursion limits; the size,
/// nesting and depth limits are checked before it runs (`pipeline.rs`).
pub fn build_schema(state: AppState) -> AppSchema {
    let g: GraphqlSettings = state.settings.graphql.clone();
    let mut b = builder()
        .limit_complexity(g.max_complexity)
        .limit_recursive_depth(g.max_recursion)
        .data(state);
    if !g.introspection {
        b = b.disable_introspection();
    }
    if !g.field_suggestions {
        b = b.disable_suggestions();
    }
    b.finish()
}

/// The SDL of the schema (what `tessera schema` prints and `schema.graphql` holds).
pub fn sdl() -> String {
    builder().finish().sdl()
}
