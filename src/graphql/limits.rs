//! Query depth limit that leaves introspection alone.
//!
//! async-graphql's own depth limit also counts the nested `ofType` chains of the standard introspection
//! query (depth 13 or more), which would lock GraphiQL out at the default limit of 12. This extension
//! measures depth after parsing, skipping subtrees under `__schema` and `__type`, and follows fragment
//! spreads (guarding against cycles, which validation reports afterwards).

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

pub struct DepthLimit(pub usize);

impl ExtensionFactory for DepthLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DepthLimitExtension(self.0))
    }
}

struct DepthLimitExtension(usize);

#[async_trait::async_trait]
impl Extension for DepthLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let deepest = doc
            .operations
            .iter()
            .map(|(_, op)| depth(&op.node.selection_set.node, &doc, &mut Vec::new()))
            .max()
            .unwrap_or(0);
        if deepest > self.0 {
            return Err(ServerError::new(
                format!(
                    "the query is nested {deepest} levels deep; the limit is {}",
                    self.0
                ),
                None,
            ));
        }
        Ok(doc)
    }
}

/// Depth of a selection set: 1 for a set of leaf fields.
pub fn depth<'a>(
    set: &'a SelectionSet,
    doc: &'a ExecutableDocument,
    visiting: &mut Vec<&'a str>,
) -> usize {
    set.items
        .iter()
        .map(|sel| match &sel.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                if name == "__schema" || name == "__type" {
                    1
                } else {
                    1 + depth(&f.node.selection_set.node, doc, visiting)
                }
            }
            Selection::InlineFragment(inline) => {
                depth(&inline.node.selection_set.node, doc, visiting)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match doc.fragments.get(&spread.node.fragment_name.node) {
                    Some(frag) if !visiting.contains(&name) => {
                        visiting.push(name);
                        let d = depth(&frag.node.selection_set.node, doc, visiting);
                        visiting.pop();
                        d
                    }
                    _ => 0,
                }
            }
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(q: &str) -> usize {
        let doc = async_graphql::parser::parse_query(q).unwrap();
        doc.operations
            .iter()
            .map(|(_, op)| depth(&op.node.selection_set.node, &doc, &mut Vec::new()))
            .max()
            .unwrap()
    }

    #[test]
    fn counts_fields_and_fragments_but_not_introspection() {
        assert_eq!(measure("{ a }"), 1);
        assert_eq!(measure("{ a { b { c } } d }"), 3);
        assert_eq!(measure("{ a { ...F } } fragment F on T { b { c } }"), 3);
        assert_eq!(measure("{ a { ... on T { b } } }"), 2);
        assert_eq!(
            measure("{ __schema { types { fields { type { ofType { ofType { name } } } } } } }"),
            1
        );
        // A fragment cycle is invalid (validation says so later) but must not hang the measurement.
        assert_eq!(measure("{ a { ...F } } fragment F on T { b { ...F } }"), 2);
    }
}
