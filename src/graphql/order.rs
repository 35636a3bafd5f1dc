//! Answers list fields in the order the query asks for them, as the GraphQL specification requires.
//!
//! async-graphql resolves the fields of an object concurrently and inserts each into the result as it
//! finishes, so a quick field can overtake a slower one written before it. This extension keeps the
//! parsed document and, once the answer is complete, puts every object's keys back in the order its
//! selection set gives (fragments expanded in place, the first occurrence of a response key deciding
//! its position). It walks the answer once.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{Name, Response, ServerResult, Value, Variables};

/// The schema extension.
pub struct FieldOrder;

impl ExtensionFactory for FieldOrder {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FieldOrderExtension::default())
    }
}

#[derive(Default)]
struct FieldOrderExtension {
    document: Mutex<Option<ExecutableDocument>>,
    operation: Mutex<Option<String>>,
}

#[async_trait::async_trait]
impl Extension for FieldOrderExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let doc = self.document.lock().ok().and_then(|mut d| d.take());
        let name = self.operation.lock().ok().and_then(|mut n| n.take());
        if let Some(doc) = doc {
            let set = match &doc.operations {
                DocumentOperations::Single(op) => Some(&op.node.selection_set.node),
                DocumentOperations::Multiple(ops) => name
                    .as_deref()
                    .and_then(|n| ops.get(n))
                    .map(|op| &op.node.selection_set.node),
            };
            if let Some(set) = set {
                reorder(&mut response.data, &[set], &doc);
            }
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if let Ok(mut slot) = self.document.lock() {
            *slot = Some(doc.clone());
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let (Some(name), Ok(mut slot)) = (operation_name, self.operation.lock()) {
            *slot = Some(name.to_string());
        }
        next.run(ctx, operation_name).await
    }
}

/// Response keys in the order the selection sets give them, each with the selection sets that
/// apply to its value.
fn collect<'a>(
    set: &'a SelectionSet,
    doc: &'a ExecutableDocument,
    out: &mut Vec<(&'a Name, Vec<&'a SelectionSet>)>,
) {
    for sel in &set.items {
        match &sel.node {
            Selection::Field(f) => {
                let key = f.node.response_key();
                let sub = &f.node.selection_set.node;
                match out.iter_mut().find(|(k, _)| *k == &key.node) {
                    Some((_, subs)) => subs.push(sub),
                    None => out.push((&key.node, vec![sub])),
                }
            }
            Selection::InlineFragment(i) => collect(&i.node.selection_set.node, doc, out),
            Selection::FragmentSpread(s) => {
                // Cycles were refused before execution (see `limits.rs`).
                if let Some(frag) = doc.fragments.get(&s.node.fragment_name.node) {
                    collect(&frag.node.selection_set.node, doc, out);
                }
            }
        }
    }
}

fn reorder(value: &mut Value, sets: &[&SelectionSet], doc: &ExecutableDocument) {
    match value {
        Value::List(items) => items.iter_mut().for_each(|v| reorder(v, sets, doc)),
        Value::Object(map) => {
            let mut keys = Vec::new();
            for set in sets {
                collect(set, doc, &mut keys);
            }
            let mut ordered = async_graphql::indexmap::IndexMap::with_capacity(map.len());
            for (key, subs) in keys {
                if let Some((k, mut v)) = map.shift_remove_entry(key) {
                    reorder(&mut v, &subs, doc);
                    ordered.insert(k, v);
                }
            }
            // Anything the sets did not name keeps its place after them.
            ordered.extend(map.drain(..));
            *map = ordered;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &Value) -> Vec<String> {
        match v {
            Value::Object(m) => m.keys().map(|k| k.to_string()).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn objects_follow_the_selection_order_through_lists_aliases_and_fragments() {
        let doc = async_graphql::parser::parse_query(
            "{ b: x { q p } ...F a { ... on T { r s } } } fragment F on Query { c }",
        )
        .unwrap();
        let mut value = async_graphql::value!({
            "a": [{ "s": 1, "r": 2 }],
            "c": 3,
            "b": { "p": 4, "q": 5 },
        });
        let DocumentOperations::Single(op) = &doc.operations else {
            unreachable!()
        };
        reorder(&mut value, &[&op.node.selection_set.node], &doc);
        assert_eq!(keys(&value), ["b", "c", "a"]);
        let Value::Object(m) = &value else {
            unreachable!()
        };
        assert_eq!(keys(&m["b"]), ["q", "p"]);
        let Value::List(items) = &m["a"] else {
            unreachable!()
        };
        assert_eq!(keys(&items[0]), ["r", "s"]);
    }
}
