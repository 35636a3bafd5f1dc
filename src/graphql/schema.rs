//! Building the schema with its limits, and printing its SDL.

use async_graphql::{EmptySubscription, Schema, SchemaBuilder};

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

/// The schema served by `/graphql`, with the configured depth (introspection exempt), complexity and
/// recursion limits.
pub fn build_schema(state: AppState) -> AppSchema {
    let g: GraphqlSettings = state.settings.graphql.clone();
    let mut b = builder()
        .extension(super::limits::DepthLimit(g.max_depth))
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
