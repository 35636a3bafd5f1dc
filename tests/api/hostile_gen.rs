//! Random and adversarial GraphQL requests, generated from the schema's own SDL: well-formed
//! operations with hostile values, deep nesting of every kind, huge lists, fragment graphs, unicode
//! edge cases, extreme numbers and dates, and plain garbage. Shared by the hostile-input test
//! (`tests/api/hostile.rs`) and the million-case benchmark (`benches/hostile.rs`), which includes
//! this file by path. Deterministic for a seed, so a failure can be replayed.

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, FieldDefinition, Type, TypeKind, TypeSystemDefinition,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tessera::config::Settings;

/// Mutations that would sign the fuzzing login out or change it; everything else is fair game.
const SPARED: [&str; 3] = ["logout", "changePassword", "updateUser"];
/// Past this many bytes a generated list stops growing: four times the default body limit, so
/// oversized bodies are still sent and refused.
const MAX_LIST_BYTES: usize = 4 << 20;

#[derive(Clone, Debug)]
struct Field {
    name: String,
    args: Vec<(String, Type)>,
    ty: Type,
}

#[derive(Clone, Debug)]
enum Def {
    Object(Vec<Field>),
    Input(Vec<(String, Type)>),
    Enum(Vec<String>),
    Scalar,
}

/// What the generator knows of the schema.
pub struct SchemaInfo {
    types: HashMap<String, Def>,
}

impl SchemaInfo {
    pub fn from_sdl(sdl: &str) -> Self {
        let doc = async_graphql::parser::parse_schema(sdl).expect("the SDL parses");
        let mut types = HashMap::new();
        for def in doc.definitions {
            let TypeSystemDefinition::Type(t) = def else {
                continue;
            };
            let t = t.node;
            let def = match t.kind {
                TypeKind::Object(o) => {
                    Def::Object(o.fields.into_iter().map(|f| field(f.node)).collect())
                }
                TypeKind::Interface(i) => {
                    Def::Object(i.fields.into_iter().map(|f| field(f.node)).collect())
                }
                TypeKind::InputObject(i) => Def::Input(
                    i.fields
                        .into_iter()
                        .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                        .collect(),
                ),
                TypeKind::Enum(e) => Def::Enum(
                    e.values
                        .into_iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect(),
                ),
                _ => Def::Scalar,
            };
            types.insert(t.name.node.to_string(), def);
        }
        Self { types }
    }
}

fn field(f: FieldDefinition) -> Field {
    Field {
        name: f.name.node.to_string(),
        args: f
            .arguments
            .into_iter()
            .map(|a| (a.node.name.node.to_string(), a.node.ty.node))
            .collect(),
        ty: f.ty.node,
    }
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// One generated request.
pub struct Case {
    pub query: String,
    pub variables: Value,
    /// Send it as GET (queries only).
    pub use_get: bool,
}

pub struct Generator<'a> {
    rng: StdRng,
    schema: &'a SchemaInfo,
}

const STRINGS: &[&str] = &[
    "",
    " ",
    "a",
    "Zoë O'Brien-Łukasiewicz",
    "\u{0}",
    "\u{202E}evil\u{202C}",
    "👩‍👩‍👧‍👦🏳️‍🌈",
    "e\u{301}\u{301}\u{301}\u{301}",
    "\u{FEFF}bom",
    "%_%\\",
    "'; DROP TABLE contacts; --",
    "<script>alert(1)</script>",
    "{{#each this}}{{/each}}",
    "{{> layout}}{{lookup . \"constructor\"}}",
    "../../../../etc/passwd",
    "null",
    "members-area",
    "welcome",
    "password-reset",
    "x@example.org",
    "ADMIN@EXAMPLE.ORG ",
    "\t\n\r",
];

const IDS: &[&str] = &[
    "1",
    "2",
    "3",
    "0",
    "-1",
    "999999999999999999999",
    "1e3",
    "abc",
    " 1",
    "9223372036854775807",
];

const DATES: &[&str] = &[
    "2026-11-30",
    "2024-02-29",
    "2023-02-29",
    "0000-00-00",
    "1799-12-31",
    "1800-01-01",
    "2999-12-31",
    "3000-01-01",
    "9999-12-31",
    "+10000-01-01",
    "-0001-01-01",
    "2026-13-01",
    "26-1-1",
    "2026-11-30T00:00:00Z",
];

const DATETIMES: &[&str] = &[
    "2026-11-30T12:00:00Z",
    "2026-11-30T12:00:00+14:00",
    "9999-12-31T23:59:59Z",
    "1970-01-01T00:00:00Z",
    "2026-11-30",
    "2026-11-30T25:00:00Z",
];

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "1e308",
    "1e400",
    "0.1",
    "-1.5e-300",
    "100000000000000000000000000000000000",
];

impl<'a> Generator<'a> {
    pub fn new(schema: &'a SchemaInfo, seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            schema,
        }
    }

    fn pick<'b, T>(&mut self, items: &'b [T]) -> &'b T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.rng.random_range(0..items.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    /// The next request: mostly schema-shaped operations with hostile values, the rest adversarial
    /// shapes and garbage.
    pub fn case(&mut self) -> Case {
        let roll = self.rng.random_range(0..100);
        let (query, variables) = match roll {
            0..=44 => self.operation("Query"),
            45..=69 => self.operation("Mutation"),
            70..=84 => (self.adversarial(), json!({})),
            85..=92 => {
                let (q, v) = self.operation("Query");
                (self.mangle(&q), v)
            }
            _ => (self.garbage(), self.json_value(3)),
        };
        // URLs stay short enough for clients and proxies; long documents go by POST.
        let use_get = !query.trim_start().starts_with("mutation")
            && query.len() + variables.to_string().len() < 2_000
            && self.chance(0.15);
        Case {
            query,
            variables,
            use_get,
        }
    }

    fn operation(&mut self, root: &str) -> (String, Value) {
        let Some(Def::Object(fields)) = self.schema.types.get(root) else {
            return ("{ __typename }".into(), json!({}));
        };
        let fields: Vec<Field> = fields
            .iter()
            .filter(|f| !SPARED.contains(&f.name.as_str()))
            .cloned()
            .collect();
        let mut vars = Vars::default();
        let count = if root == "Mutation" {
            1
        } else {
            self.rng.random_range(1..=3)
        };
        let mut body = String::new();
        for i in 0..count {
            let f = self.pick(&fields).clone();
            if self.chance(0.3) {
                body.push_str(&format!("a{i}: "));
            }
            body.push_str(&self.field_call(&f, &mut vars, 0));
            body.push(' ');
        }
        let keyword = if root == "Mutation" {
            "mutation"
        } else {
            "query"
        };
        let mut fragments = String::new();
        if self.chance(0.1) {
            body.push_str("...Frag ");
            fragments = format!("fragment Frag on {root} {{ __typename }}");
        }
        let query = format!("{keyword} Fuzz{} {{ {body}}} {fragments}", vars.header());
        (query, vars.values)
    }

    fn field_call(&mut self, f: &Field, vars: &mut Vars, depth: usize) -> String {
        let mut out = f.name.clone();
        let mut args: Vec<String> = Vec::new();
        for (name, ty) in &f.args {
            if ty.nullable && self.chance(0.5) {
                continue;
            }
            let value = if self.chance(0.3) {
                let v = self.json_for(ty, 0);
                vars.add(ty, v)
            } else {
                self.literal_for(ty, 0)
            };
            args.push(format!("{name}: {value}"));
        }
        if !args.is_empty() {
            out.push_str(&format!("({})", args.join(", ")));
        }
        if self.chance(0.05) {
            out.push_str(" @skip(if: false)");
        }
        let inner = named(&f.ty).to_string();
        if let Some(Def::Object(fields)) = self.schema.types.get(&inner) {
            let fields = fields.clone();
            let n = if depth > 5 {
                1
            } else {
                self.rng.random_range(1..=4)
            };
            let mut parts = Vec::new();
            for _ in 0..n {
                let sub = self.pick(&fields).clone();
                let is_object =
                    matches!(self.schema.types.get(named(&sub.ty)), Some(Def::Object(_)));
                if depth > 5 && is_object {
                    parts.push("__typename".to_string());
                } else {
                    parts.push(self.field_call(&sub, vars, depth + 1));
                }
            }
            out.push_str(&format!(" {{ {} }}", parts.join(" ")));
        }
        out
    }

    /// A GraphQL literal for a type: usually of the right shape, sometimes not.
    fn literal_for(&mut self, ty: &Type, depth: usize) -> String {
        if ty.nullable && self.chance(0.05) {
            return "null".into();
        }
        if self.chance(0.04) {
            return self.any_literal(depth);
        }
        match &ty.base {
            BaseType::List(inner) => {
                let n = if self.chance(0.05) {
                    self.rng.random_range(100..3_000)
                } else {
                    self.rng.random_range(0..4)
                };
                let mut items: Vec<String> = Vec::new();
                let mut size = 0;
                for _ in 0..n {
                    let item = self.literal_for(inner, depth + 1);
                    size += item.len();
                    items.push(item);
                    if size > MAX_LIST_BYTES {
                        break;
                    }
                }
                format!("[{}]", items.join(", "))
            }
            BaseType::Named(name) => self.named_literal(name.as_str(), depth),
        }
    }

    fn named_literal(&mut self, name: &str, depth: usize) -> String {
        match name {
            "Int" => self.pick_str(NUMBERS).to_string(),
            "Float" => self.pick_str(NUMBERS).to_string(),
            "Boolean" => self.pick_str(&["true", "false"]).to_string(),
            "String" => gql_string(&self.string()),
            "ID" => gql_string(self.pick_str(IDS)),
            "Date" => gql_string(self.pick_str(DATES)),
            "DateTime" => gql_string(self.pick_str(DATETIMES)),
            "Decimal" => gql_string(self.pick_str(&[
                "50.00",
                "0",
                "-5",
                "1e9",
                "0.001",
                "99999999999999999999.99",
                "abc",
                "",
            ])),
            "JSON" => self.any_literal(depth),
            other => match self.schema.types.get(other).cloned() {
                Some(Def::Enum(values)) => {
                    if self.chance(0.9) {
                        self.pick(&values).clone()
                    } else {
                        "NOT_A_VALUE".into()
                    }
                }
                Some(Def::Input(fields)) if depth < 4 => {
                    let mut parts: Vec<String> = Vec::new();
                    for (n, ty) in &fields {
                        if ty.nullable && self.chance(0.5) {
                            continue;
                        }
                        parts.push(format!("{n}: {}", self.literal_for(ty, depth + 1)));
                    }
                    format!("{{ {} }}", parts.join(", "))
                }
                _ => "{}".into(),
            },
        }
    }

    fn any_literal(&mut self, depth: usize) -> String {
        match self.rng.random_range(0..6) {
            0 => self.pick_str(NUMBERS).to_string(),
            1 => gql_string(&self.string()),
            2 if depth < 4 => format!("[{}]", self.any_literal(depth + 1)),
            3 if depth < 4 => format!("{{ k: {} }}", self.any_literal(depth + 1)),
            4 => "null".into(),
            _ => "true".into(),
        }
    }

    /// A JSON variable value for a type (the same hostility as literals).
    fn json_for(&mut self, ty: &Type, depth: usize) -> Value {
        if ty.nullable && self.chance(0.05) {
            return Value::Null;
        }
        if self.chance(0.04) {
            return self.json_value(2);
        }
        match &ty.base {
            BaseType::List(inner) => {
                let n = if self.chance(0.03) {
                    self.rng.random_range(100..5_000)
                } else {
                    self.rng.random_range(0..4)
                };
                // A long list of large items would build a body of hundreds of megabytes, which
                // the server refuses by size as it would one of a few: stop past a few megabytes.
                let mut items = Vec::new();
                let mut size = 0;
                for _ in 0..n {
                    let item = self.json_for(inner, depth + 1);
                    size += item.to_string().len();
                    items.push(item);
                    if size > MAX_LIST_BYTES {
                        break;
                    }
                }
                Value::Array(items)
            }
            BaseType::Named(name) => match name.as_str() {
                "Int" | "Float" => serde_json::from_str(self.pick_str(NUMBERS)).unwrap_or(json!(1)),
                "Boolean" => json!(self.chance(0.5)),
                "String" => json!(self.string()),
                "ID" => json!(self.pick_str(IDS)),
                "Date" => json!(self.pick_str(DATES)),
                "DateTime" => json!(self.pick_str(DATETIMES)),
                "Decimal" => json!(self.pick_str(&["12.50", "-1", "1e400", "0.0001", ""])),
                "JSON" => self.json_value(3),
                other => match self.schema.types.get(other).cloned() {
                    Some(Def::Enum(values)) => json!(self.pick(&values)),
                    Some(Def::Input(fields)) if depth < 4 => {
                        let mut map = serde_json::Map::new();
                        for (n, ty) in fields {
                            if !ty.nullable || self.chance(0.5) {
                                map.insert(n, self.json_for(&ty, depth + 1));
                            }
                        }
                        Value::Object(map)
                    }
                    _ => json!({}),
                },
            },
        }
    }

    fn json_value(&mut self, depth: usize) -> Value {
        match self.rng.random_range(0..7) {
            0 => json!(self.string()),
            1 => serde_json::from_str(self.pick_str(NUMBERS)).unwrap_or(json!(0)),
            2 if depth > 0 => Value::Array((0..3).map(|_| self.json_value(depth - 1)).collect()),
            3 if depth > 0 => {
                let mut m = serde_json::Map::new();
                for i in 0..3 {
                    m.insert(format!("k{i}"), self.json_value(depth - 1));
                }
                Value::Object(m)
            }
            4 => Value::Null,
            5 => json!(self.chance(0.5)),
            _ => json!(self.pick_str(IDS)),
        }
    }

    fn string(&mut self) -> String {
        match self.rng.random_range(0..10) {
            0 => "x".repeat(self.rng.random_range(1_000..100_000)),
            1 => (0..self.rng.random_range(1..40))
                .map(|_| char::from_u32(self.rng.random_range(0..0x11_0000)).unwrap_or('\u{FFFD}'))
                .collect(),
            _ => self.pick_str(STRINGS).to_string(),
        }
    }

    /// Shapes that attack the parser, validator and limits rather than the resolvers.
    fn adversarial(&mut self) -> String {
        let n = *self.pick(&[10usize, 31, 33, 100, 1_000, 5_000]);
        match self.rng.random_range(0..12) {
            0 => format!("{{ hasPermission(name: {}\"x\"{}) }}", "[".repeat(n), "]".repeat(n)),
            1 => format!(
                "{{ viewer @skip(if: {}true{}) {{ permissions }} }}",
                "{a: ".repeat(n),
                "}".repeat(n)
            ),
            2 => format!("{}{}", "{ viewer ".repeat(n), "}".repeat(n)),
            3 => format!("{{ contacts{} }}", "(".repeat(n)),
            4 => {
                let levels = self.rng.random_range(5..40);
                let mut q = format!("{{ ...F{levels} }} fragment F0 on Query {{ __typename }}\n");
                for i in 1..=levels {
                    q.push_str(&format!("fragment F{i} on Query {{ ...F{} ...F{} }}\n", i - 1, i - 1));
                }
                q
            }
            5 => "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }".into(),
            6 => {
                let aliases: Vec<String> = (0..n.min(5_000)).map(|i| format!("a{i}: __typename")).collect();
                format!("{{ {} }}", aliases.join(" "))
            }
            7 => {
                let aliases: Vec<String> = (0..n.min(3_000))
                    .map(|i| format!("c{i}: contacts(first: 100) {{ nodes {{ memberships {{ history {{ status {{ name }} }} }} }} }}"))
                    .collect();
                format!("{{ {} }}", aliases.join(" "))
            }
            8 => format!("{{ __typename {} }}", "@skip(if: false) ".repeat(n)),
            9 => format!("query({}) {{ __typename }}", (0..n).map(|i| format!("$v{i}: Int")).collect::<Vec<_>>().join(", ")),
            10 => format!("{{ hasPermission(name: \"{}\") }}", "\\u0000".repeat(n)),
            _ => "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }".into(),
        }
    }

    /// A query cut, duplicated or spliced at random places.
    fn mangle(&mut self, q: &str) -> String {
        let chars: Vec<char> = q.chars().collect();
        if chars.is_empty() {
            return String::new();
        }
        let at = self.rng.random_range(0..chars.len());
        match self.rng.random_range(0..4) {
            0 => chars[..at].iter().collect(),
            1 => {
                let mut s: String = chars[..at].iter().collect();
                s.push_str(&chars[at..].iter().collect::<String>().repeat(2));
                s
            }
            2 => {
                let mut c = chars.clone();
                c[at] = *self.pick(&['{', '}', '(', ')', '"', '$', '@', '#', '\u{0}', '…']);
                c.into_iter().collect()
            }
            _ => {
                let mut c = chars.clone();
                c.remove(at);
                c.into_iter().collect()
            }
        }
    }

    fn garbage(&mut self) -> String {
        let tokens = [
            "{", "}", "(", ")", "[", "]", ":", "$", "@", "...", "on", "query", "mutation",
            "fragment", "\"", "\"\"\"", "#", "\n", "x", "1", "-", "!", "=", "|", "&", ",",
        ];
        let n = self.rng.random_range(0..200);
        (0..n)
            .map(|_| self.pick_str(&tokens))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Declared variables of an operation, with their values.
#[derive(Default)]
struct Vars {
    decls: Vec<String>,
    values: Value,
}

impl Vars {
    fn add(&mut self, ty: &Type, value: Value) -> String {
        let name = format!("v{}", self.decls.len());
        self.decls.push(format!("${name}: {ty}"));
        if !self.values.is_object() {
            self.values = json!({});
        }
        self.values[&name] = value;
        format!("${name}")
    }

    fn header(&self) -> String {
        if self.decls.is_empty() {
            String::new()
        } else {
            format!("({})", self.decls.join(", "))
        }
    }
}

/// A GraphQL string literal.
fn gql_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Sends one case and returns the HTTP status and the JSON body.
pub async fn send(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    case: &Case,
) -> Result<(u16, Value), String> {
    let url = format!("{base}/graphql");
    let body = json!({ "query": case.query, "variables": case.variables }).to_string();
    // A body over the server's limit is refused with 413 as soon as the limit is passed; under load
    // the server may close the connection while the client is still sending the rest, which the
    // client sees as a failed send. Either way it was refused, as it should be.
    let oversized = !case.use_get && body.len() > Settings::default().server.max_body_bytes;
    let mut req = if case.use_get {
        let vars = case.variables.to_string();
        client
            .get(&url)
            .query(&[("query", case.query.as_str()), ("variables", vars.as_str())])
    } else {
        client
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
    };
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(_) if oversized => {
            let refused = json!({ "errors": [{
                "message": "connection closed while sending a body over the limit",
                "extensions": { "code": "BAD_USER_INPUT" },
            }] });
            return Ok((413, refused));
        }
        Err(e) => {
            // The causes too: reqwest's own message does not say what the connection did.
            let mut text = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                text.push_str(&format!(": {c}"));
                cause = c.source();
            }
            // The end says why (the beginning is the URL, long for a GET).
            let skip = text.chars().count().saturating_sub(300);
            let text: String = text.chars().skip(skip).collect();
            return Err(format!("no answer: …{text}"));
        }
    };
    let status = resp.status().as_u16();
    let text = resp.text().await.map_err(|e| format!("no body: {e}"))?;
    let body =
        serde_json::from_str(&text).map_err(|_| format!("HTTP {status}, not JSON: {text:.200}"))?;
    Ok((status, body))
}

/// What is wrong with an answer, if anything.
pub fn judge(status: u16, body: &Value) -> Option<String> {
    if ![200, 400, 405, 413].contains(&status) {
        return Some(format!("HTTP {status}"));
    }
    let errors: Vec<Value> = match body {
        Value::Array(items) => items
            .iter()
            .flat_map(|b| b["errors"].as_array().cloned().unwrap_or_default())
            .collect(),
        b => b["errors"].as_array().cloned().unwrap_or_default(),
    };
    for e in errors {
        match e["extensions"]["code"].as_str() {
            None => return Some(format!("an error without a code: {e}")),
            Some("INTERNAL") => return Some(format!("INTERNAL: {e}")),
            Some(_) => {}
        }
    }
    None
}
