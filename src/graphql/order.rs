//! Answers list fields in the order the query asks for them, as the GraphQL specification requires.
//!
//! async-graphql resolves the fields of an object concurrently and inserts each into the result as it
//! finishes, so a quick field can overtake a slower one written before it. The request pipeline
//! (`pipeline.rs`) keeps the parsed document and, once the answer is complete, puts every object's
//! keys back in the order its selection set gives (fragments expanded in place, the first occurrence
//! of a response key deciding its position). The order is worked out once per request and the
//! answer walked once.

use async_graphql::Name;
use async_graphql::Value;
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};

/// Puts the answer to `operation` of `doc` in the order of its selection sets.
pub fn reorder_response(data: &mut Value, doc: &ExecutableDocument, operation: Option<&str>) {
    let set = match &doc.operations {
        DocumentOperations::Single(op) => Some(&op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => operation
            .and_then(|n| ops.get(n))
            .map(|op| &op.node.selection_set.node),
    };
    if let Some(set) = set {
        reorder(data, &[set], doc);
    }
}

/// The response keys of a selection, fragments expanded, each with the plan of its own value. Built
/// once per request (its size is bounded by `graphql.max_complexity`, see `limits.rs`) and applied
/// to every element of a list.
struct Plan<'a> {
    keys: Vec<(&'a Name, Plan<'a>)>,
}

fn plan<'a>(sets: &[&'a SelectionSet], doc: &'a ExecutableDocument) -> Plan<'a> {
    let mut keys = Vec::new();
    for set in sets {
        collect(set, doc, &mut keys);
    }
    Plan {
        keys: keys
            .into_iter()
            .map(|(k, subs)| (k, plan(&subs, doc)))
            .collect(),
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
    apply(value, &plan(sets, doc));
}

fn apply(value: &mut Value, plan: &Plan) {
    match value {
        Value::List(items) => items.iter_mut().for_each(|v| apply(v, plan)),
        // An object without a selection is a scalar's value (JSON): left as it is.
        Value::Object(map) if !plan.keys.is_empty() => {
            let in_order = map.len() == plan.keys.len()
                && map.keys().zip(&plan.keys).all(|(a, (b, _))| a == *b);
            if in_order {
                for (v, (_, sub)) in map.values_mut().zip(&plan.keys) {
                    apply(v, sub);
                }
                return;
            }
            // With no keys beyond the plan's, taking them out by swapping is safe (nothing is left
            // whose place could change); otherwise the others keep their order after them.
            let extra = map.len() > plan.keys.len();
            let mut ordered = IndexMap::with_capacity(map.len());
            for (key, sub) in &plan.keys {
                let entry = if extra {
                    map.shift_remove_entry(*key)
                } else {
                    map.swap_remove_entry(*key)
                };
                if let Some((k, mut v)) = entry {
                    apply(&mut v, sub);
                    ordered.insert(k, v);
                }
            }
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
