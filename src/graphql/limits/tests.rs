use super::*;

const LIMITS: QueryLimits = QueryLimits {
    max_query_bytes: 100_000,
    max_nesting: 32,
    max_depth: 12,
    max_selections: 2_000,
};

fn measure(q: &str) -> Size {
    let doc = async_graphql::parser::parse_query(q).unwrap();
    let mut m = Measure {
        doc: &doc,
        fragments: HashMap::new(),
        cycle: None,
    };
    let mut out = Size::default();
    for (_, op) in doc.operations.iter() {
        let s = m.set(&op.node.selection_set.node);
        out.depth = out.depth.max(s.depth);
        out.nesting = out.nesting.max(s.nesting);
        out.selections += s.selections;
    }
    out
}

#[test]
fn nesting_counts_every_level_introspection_and_fragments_included() {
    assert_eq!(measure("{ a }").nesting, 0);
    assert_eq!(measure("{ a { b } }").nesting, 1);
    assert_eq!(
        measure("{ a { ...F } } fragment F on T { b { c } }").nesting,
        3
    );
    assert_eq!(measure("{ __schema { types { name } } }").nesting, 2);
}

#[test]
fn depth_counts_fields_and_fragments_but_not_introspection() {
    assert_eq!(measure("{ a }").depth, 1);
    assert_eq!(measure("{ a { b { c } } d }").depth, 3);
    assert_eq!(
        measure("{ a { ...F } } fragment F on T { b { c } }").depth,
        3
    );
    assert_eq!(measure("{ a { ... on T { b } } }").depth, 2);
    let introspection = "{ __schema { types { fields { type { ofType { ofType { name } } } } } } }";
    assert_eq!(measure(introspection).depth, 1);
    // A fragment cycle must not hang the measurement.
    assert_eq!(
        measure("{ a { ...F } } fragment F on T { b { ...F } }").depth,
        2
    );
}

#[test]
fn fragment_cycles_are_refused() {
    for q in [
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        "{ a { ...F } } fragment F on T { b { ...F } }",
    ] {
        let doc = async_graphql::parser::parse_query(q).unwrap();
        let err = check_document(&doc, &LIMITS).unwrap_err();
        assert!(err.contains("spreads itself"), "{err}");
    }
    let doc = async_graphql::parser::parse_query(
        "{ ...A ...B } fragment A on Query { ...B } fragment B on Query { a }",
    )
    .unwrap();
    check_document(&doc, &LIMITS).unwrap();
    // Unused fragments are walked by the validators too.
    let doc = async_graphql::parser::parse_query(
        "{ a } fragment A on Query { ...B } fragment B on Query { ...A }",
    )
    .unwrap();
    assert!(check_document(&doc, &LIMITS).is_err());
}

#[test]
fn selections_count_expanded_fragments() {
    assert_eq!(measure("{ a b { c } }").selections, 3);
    // a, the spread, and F's two fields.
    assert_eq!(measure("{ a ...F } fragment F on T { b c }").selections, 4);
    assert_eq!(
        measure("{ ...F ...F } fragment F on T { b c }").selections,
        6
    );
}

/// Each fragment spreads the previous one twice: 2^25 selections once expanded, measured at once.
#[test]
fn a_doubling_fragment_chain_is_measured_in_linear_time_and_refused() {
    let mut q = String::from("{ ...F25 } fragment F0 on Query { a }\n");
    for i in 1..=25 {
        q.push_str(&format!(
            "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
            i - 1,
            i - 1
        ));
    }
    let doc = async_graphql::parser::parse_query(&q).unwrap();
    let started = std::time::Instant::now();
    let err = check_document(&doc, &LIMITS).unwrap_err();
    assert!(err.contains("fragments are expanded"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    // The same chain, unused, is refused as well.
    let unused = q.replacen("{ ...F25 }", "{ a }", 1);
    let doc = async_graphql::parser::parse_query(&unused).unwrap();
    assert!(check_document(&doc, &LIMITS).is_err());
}

#[test]
fn nesting_ignores_strings_and_comments() {
    assert_eq!(nesting(b"{ a(x: [1, [2]]) { b } }", 99), 4);
    assert_eq!(nesting(b"{ a(x: \"[[[[{{{{\") }", 99), 2);
    assert_eq!(nesting(b"{ a(x: \"\\\"[[[[\") }", 99), 2);
    assert_eq!(nesting(b"{ a(x: \"\"\"[[[\\\"\"\"[[[\"\"\") }", 99), 2);
    assert_eq!(nesting(b"# {{{{{{\n{ a }", 99), 1);
    assert_eq!(nesting(b"}}}]]] { a }", 99), 1);
}

#[test]
fn nul_characters_are_refused_in_literals_and_variables() {
    for q in [
        "{ a(x: \"a\\u0000b\") }",
        "{ a(x: [{ y: \"\\u0000\" }]) }",
        "{ a @skip(if: \"\\u0000\") }",
        "{ ...F } fragment F on Query { a(x: \"\\u0000\") }",
        "query($v: String = \"\\u0000\") { a(x: $v) }",
    ] {
        let doc = async_graphql::parser::parse_query(q).unwrap();
        let err = check_document(&doc, &LIMITS).unwrap_err();
        assert!(err.contains("U+0000"), "{q}: {err}");
    }
    let doc = async_graphql::parser::parse_query("{ a(x: \"fine\\u0041\") }").unwrap();
    check_document(&doc, &LIMITS).unwrap();
    let v = ConstValue::List(vec![ConstValue::String("a\0".into())]);
    assert!(const_has_nul(&v));
}

#[test]
fn deep_or_long_texts_are_refused_before_parsing() {
    let deep = format!("{{ a(x: {}1{}) }}", "[".repeat(5_000), "]".repeat(5_000));
    let err = check_text(&deep, &LIMITS).unwrap_err();
    assert!(err.contains("graphql.max_recursion"), "{err}");
    let long = format!("{{ a{} }}", " b".repeat(60_000));
    let err = check_text(&long, &LIMITS).unwrap_err();
    assert!(err.contains("graphql.max_query_bytes"), "{err}");
    check_text("{ a(x: [[1]]) { b { c } } }", &LIMITS).unwrap();
}
