//! Limits that make the cost of a request proportional to its size, checked before the engine does
//! any recursive work on it.
//!
//! 1. Before parsing: the query text is at most `graphql.max_query_bytes`, and a
//!    linear scan refuses brackets, braces and parentheses nested deeper than `graphql.max_recursion`.
//!    The parser recurses once per nesting level, so a few kilobytes of `[[[[…` would otherwise
//!    overflow a worker thread's stack and abort the process.
//! 2. Parsing is done here (and the document handed to async-graphql) rather than by async-graphql, whose recursion-depth check
//!    walks every fragment spread again each time it is reached: a chain of fragments that each spread
//!    the previous one twice costs it time doubling per level. Here the recursion depth, the selection
//!    depth (introspection exempt, so GraphiQL keeps working) and the number of selections once every
//!    spread is expanded are computed once per fragment (memoised), in time linear in the text, and
//!    the document is refused before async-graphql's validators expand it (they expand spreads too).

use std::collections::HashMap;

use async_graphql::parser::Positioned;
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Request, ServerError, ServerResult};
use async_graphql_value::{ConstValue, Value as GqlValue};

/// The limits, from `[graphql]` settings.
#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    /// Longest query text in bytes.
    pub max_query_bytes: usize,
    /// Deepest nesting of `{`, `[` and `(` in the query text.
    pub max_nesting: usize,
    /// Deepest selection nesting, introspection exempt.
    pub max_depth: usize,
    /// Most selections (fields, spreads, inline fragments) once fragments are expanded.
    pub max_selections: usize,
}

/// The request-level checks: the text's size and nesting, and no NUL in the
/// variables.
pub fn check_request(request: &Request, limits: &QueryLimits) -> ServerResult<()> {
    check_text(&request.query, limits).map_err(|m| ServerError::new(m, None))?;
    if request.variables.values().any(const_has_nul) {
        return Err(ServerError::new(NUL_MESSAGE, None));
    }
    Ok(())
}

/// Parses the query and checks the document, replacing async-graphql's own parse,
/// whose recursion check is exponential in chained fragments.
pub fn parse_checked(query: &str, limits: &QueryLimits) -> ServerResult<ExecutableDocument> {
    let doc = async_graphql::parser::parse_query(query)?;
    check_document(&doc, limits).map_err(|m| ServerError::new(m, None))?;
    Ok(doc)
}

/// Refuses a query text that is too long or nested too deeply, in one pass over its bytes.
pub fn check_text(query: &str, limits: &QueryLimits) -> Result<(), String> {
    if query.len() > limits.max_query_bytes {
        return Err(format!(
            "the query is {} bytes long; the limit is {} (graphql.max_query_bytes)",
            query.len(),
            limits.max_query_bytes
        ));
    }
    let deepest = nesting(query.as_bytes(), limits.max_nesting);
    if deepest > limits.max_nesting {
        return Err(format!(
            "the query nests brackets more than {} levels deep (graphql.max_recursion)",
            limits.max_nesting
        ));
    }
    Ok(())
}

/// The deepest nesting of `{ [ (` outside strings and comments; stops counting past `stop`.
fn nesting(text: &[u8], stop: usize) -> usize {
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < text.len() {
        match text[i] {
            b'#' => {
                while i < text.len() && text[i] != b'\n' && text[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if text[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < text.len() && !text[i..].starts_with(b"\"\"\"") {
                    // `\"""` is an escaped triple quote inside a block string.
                    i += if text[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < text.len() && text[i] != b'"' && text[i] != b'\n' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > stop {
                    return deepest;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// Text may not carry U+0000: PostgreSQL cannot store it, and no name, address or note needs it.
const NUL_MESSAGE: &str = "text may not contain the character U+0000 (NUL)";

fn const_has_nul(v: &ConstValue) -> bool {
    match v {
        ConstValue::String(s) => s.contains('\0'),
        ConstValue::List(items) => items.iter().any(const_has_nul),
        ConstValue::Object(map) => map.values().any(const_has_nul),
        _ => false,
    }
}

fn value_has_nul(v: &GqlValue) -> bool {
    match v {
        GqlValue::String(s) => s.contains('\0'),
        GqlValue::List(items) => items.iter().any(value_has_nul),
        GqlValue::Object(map) => map.values().any(value_has_nul),
        _ => false,
    }
}

/// Whether any argument in a selection set (not following spreads: each fragment is checked where
/// it is defined) carries a NUL.
fn set_has_nul(set: &SelectionSet) -> bool {
    let directives_nul = |ds: &[Positioned<Directive>]| {
        ds.iter()
            .any(|d| d.node.arguments.iter().any(|(_, v)| value_has_nul(&v.node)))
    };
    set.items.iter().any(|sel| match &sel.node {
        Selection::Field(f) => {
            f.node.arguments.iter().any(|(_, v)| value_has_nul(&v.node))
                || directives_nul(&f.node.directives)
                || set_has_nul(&f.node.selection_set.node)
        }
        Selection::InlineFragment(i) => {
            directives_nul(&i.node.directives) || set_has_nul(&i.node.selection_set.node)
        }
        Selection::FragmentSpread(s) => directives_nul(&s.node.directives),
    })
}

fn document_has_nul(doc: &ExecutableDocument) -> bool {
    doc.operations.iter().any(|(_, op)| {
        op.node.variable_definitions.iter().any(|d| {
            d.node
                .default_value
                .as_ref()
                .is_some_and(|v| const_has_nul(&v.node))
        }) || set_has_nul(&op.node.selection_set.node)
    }) || doc
        .fragments
        .values()
        .any(|f| set_has_nul(&f.node.selection_set.node))
}

/// Refuses a parsed document that is nested too deeply or too large once fragments are expanded,
/// or that carries a NUL character.
pub fn check_document(doc: &ExecutableDocument, limits: &QueryLimits) -> Result<(), String> {
    let mut measure = Measure {
        doc,
        fragments: HashMap::new(),
        cycle: None,
    };
    let mut deepest = 0;
    let mut nesting = 0;
    let mut selections = 0usize;
    for (_, op) in doc.operations.iter() {
        let size = measure.set(&op.node.selection_set.node);
        deepest = deepest.max(size.depth);
        nesting = nesting.max(size.nesting);
        selections = selections.saturating_add(size.selections);
    }
    // Validators also walk each fragment definition on its own, expanding its spreads, so unused
    // fragments count too.
    for name in doc.fragments.keys() {
        let size = measure.fragment(name.as_str());
        nesting = nesting.max(size.nesting + 1);
        selections = selections.saturating_add(size.selections);
    }
    // Refused here because async-graphql's validators that expand fragments would recurse around the
    // cycle until the stack overflows (its own cycle check reports but does not stop them).
    if let Some(name) = measure.cycle {
        return Err(format!(
            "fragment `{name}` spreads itself (directly or through other fragments)"
        ));
    }
    if nesting > limits.max_nesting {
        return Err(format!(
            "the query nests selections and fragments more than {} levels deep (graphql.max_recursion)",
            limits.max_nesting
        ));
    }
    if deepest > limits.max_depth {
        return Err(format!(
            "the query is nested {deepest} levels deep; the limit is {} (graphql.max_depth)",
            limits.max_depth
        ));
    }
    if selections > limits.max_selections {
        return Err(format!(
            "the query selects more than {} fields once its fragments are expanded",
            limits.max_selections
        ));
    }
    // After the depth checks, so this walk is bounded too.
    if document_has_nul(doc) {
        return Err(NUL_MESSAGE.into());
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Size {
    /// 1 for a set of leaf fields.
    depth: usize,
    /// Like `depth`, but fragments, inline fragments and introspection count as levels too.
    nesting: usize,
    /// Selections once spreads are expanded (saturating).
    selections: usize,
}

/// Measures selection sets, each fragment once.
struct Measure<'a> {
    doc: &'a ExecutableDocument,
    /// Finished fragments, and `None` for one being measured.
    fragments: HashMap<&'a str, Option<Size>>,
    /// A fragment found spreading itself.
    cycle: Option<&'a str>,
}

impl<'a> Measure<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Size {
        let mut total = Size::default();
        for sel in &set.items {
            let (depth, inner) = match &sel.node {
                Selection::Field(f) => {
                    let name = f.node.name.node.as_str();
                    let s = self.set(&f.node.selection_set.node);
                    if name == "__schema" || name == "__type" {
                        (1, Size { depth: 0, ..s })
                    } else {
                        (1 + s.depth, s)
                    }
                }
                Selection::InlineFragment(inline) => {
                    let s = self.set(&inline.node.selection_set.node);
                    (s.depth, s)
                }
                Selection::FragmentSpread(spread) => {
                    let s = self.fragment(spread.node.fragment_name.node.as_str());
                    (s.depth, s)
                }
            };
            let nests = !matches!(&sel.node, Selection::Field(f) if f.node.selection_set.node.items.is_empty());
            total.depth = total.depth.max(depth);
            total.nesting = total.nesting.max(inner.nesting + usize::from(nests));
            total.selections = total
                .selections
                .saturating_add(1)
                .saturating_add(inner.selections);
        }
        total
    }

    fn fragment(&mut self, name: &'a str) -> Size {
        match self.fragments.get_key_value(name) {
            Some((_, Some(size))) => return *size,
            Some((key, None)) => {
                self.cycle.get_or_insert(key);
                return Size::default();
            }
            None => {}
        }
        let Some((key, frag)) = self.doc.fragments.get_key_value(name) else {
            return Size::default();
        };
        self.fragments.insert(key.as_str(), None);
        let size = self.set(&frag.node.selection_set.node);
        self.fragments.insert(key.as_str(), Some(size));
        size
    }
}

#[cfg(test)]
mod tests;
