//! Signup forms: what an organisation asks people who join, checked when the form is saved and
//! again for every answer. Pure: the answer checks are table tests.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::FieldError;
use super::text::Name;

coded_enum! {
    /// The kind of answer a custom field takes.
    pub enum FieldType as "field type" {
        Text = "TEXT",
        Number = "NUMBER",
        Date = "DATE",
        Boolean = "BOOLEAN",
        Select = "SELECT",
        MultiSelect = "MULTI_SELECT",
    }
}

coded_enum! {
    /// Where an answer is kept.
    pub enum FieldTarget as "field target" {
        Contact = "CONTACT",
        Membership = "MEMBERSHIP",
    }
}

/// Most fields on one form, options per field, characters of a text answer.
pub const MAX_FIELDS: usize = 50;
pub const MAX_OPTIONS: usize = 100;
pub const MAX_TEXT: usize = 2000;

/// One question on a form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomField {
    pub key: String,
    pub label: String,
    pub field_type: String,
    pub required: bool,
    #[serde(default)]
    pub options: Vec<String>,
    pub help_text: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub max_length: Option<u32>,
    pub pattern: Option<String>,
    pub target: String,
}

impl CustomField {
    pub fn kind(&self) -> FieldType {
        self.field_type.parse().unwrap_or(FieldType::Text)
    }
}

/// A URL-safe form slug: lower-case letters and digits in words joined by `-`, at most 64.
pub fn parse_slug(raw: &str, field: &str) -> Result<String, FieldError> {
    let slug = raw.trim();
    let ok = (1..=64).contains(&slug.len())
        && slug.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if ok {
        Ok(slug.to_string())
    } else {
        Err(FieldError::new(
            field,
            "use lower-case letters and digits, words joined by `-`, e.g. `join-2026`",
        ))
    }
}

fn valid_key(key: &str) -> bool {
    (1..=40).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks a form's field definitions (errors name `fields`).
pub fn check_fields(fields: &[CustomField]) -> Result<(), FieldError> {
    let bad = |why: String| Err(FieldError::new("fields", why));
    if fields.len() > MAX_FIELDS {
        return bad(format!("at most {MAX_FIELDS} fields"));
    }
    for (i, f) in fields.iter().enumerate() {
        if !valid_key(&f.key) {
            return bad(format!(
                "key `{}`: lower-case letters, digits and `_`, starting with a letter, at most 40",
                f.key.chars().take(40).collect::<String>()
            ));
        }
        if fields[..i].iter().any(|g| g.key == f.key) {
            return bad(format!("key `{}` is used twice", f.key));
        }
        Name::parse(&f.label, "fields")
            .map_err(|e| FieldError::new("fields", format!("`{}` label {}", f.key, e.message)))?;
        let kind: FieldType = f
            .field_type
            .parse()
            .map_err(|e| FieldError::new("fields", format!("`{}`: {e}", f.key)))?;
        f.target
            .parse::<FieldTarget>()
            .map_err(|e| FieldError::new("fields", format!("`{}`: {e}", f.key)))?;
        let choice = matches!(kind, FieldType::Select | FieldType::MultiSelect);
        if choice && (f.options.is_empty() || f.options.len() > MAX_OPTIONS) {
            return bad(format!("`{}` needs 1 to {MAX_OPTIONS} options", f.key));
        }
        if !choice && !f.options.is_empty() {
            return bad(format!(
                "`{}`: only SELECT and MULTI_SELECT fields have options",
                f.key
            ));
        }
        for (j, o) in f.options.iter().enumerate() {
            if o.trim().is_empty() || o.chars().count() > 200 || f.options[..j].contains(o) {
                return bad(format!(
                    "`{}`: options are 1 to 200 characters, each once",
                    f.key
                ));
            }
        }
        if let (Some(min), Some(max)) = (f.min, f.max)
            && min > max
        {
            return bad(format!("`{}`: min is above max", f.key));
        }
        if (f.min.is_some() || f.max.is_some()) && kind != FieldType::Number {
            return bad(format!("`{}`: min and max are for NUMBER fields", f.key));
        }
        if let Some(p) = &f.pattern {
            if kind != FieldType::Text || p.len() > 200 {
                return bad(format!(
                    "`{}`: a pattern (at most 200 characters) is for TEXT fields",
                    f.key
                ));
            }
            regex::Regex::new(p).map_err(|_| {
                FieldError::new(
                    "fields",
                    format!("`{}`: the pattern is not a valid regular expression", f.key),
                )
            })?;
        }
        if f.help_text
            .as_ref()
            .is_some_and(|h| h.chars().count() > 1000)
        {
            return bad(format!("`{}`: help text is at most 1000 characters", f.key));
        }
    }
    Ok(())
}

/// Checks one answer against its field; returns the value to keep (JSON: a string, number, date
/// string, boolean or list of strings), None when an optional field was left empty.
pub fn check_answer(f: &CustomField, value: Option<&Value>) -> Result<Option<Value>, String> {
    let empty = match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    };
    if empty {
        return if f.required {
            Err("is required".into())
        } else {
            Ok(None)
        };
    }
    let v = value.unwrap_or(&Value::Null);
    match f.kind() {
        FieldType::Text => {
            let s = v.as_str().ok_or("must be text")?.trim();
            let max = f
                .max_length
                .map_or(MAX_TEXT, |m| (m as usize).min(MAX_TEXT));
            if s.chars().count() > max {
                return Err(format!("must be at most {max} characters"));
            }
            if let Some(p) = &f.pattern {
                let re =
                    regex::Regex::new(&format!("^(?:{p})$")).map_err(|_| "cannot be checked")?;
                if !re.is_match(s) {
                    return Err("is not in the expected format".into());
                }
            }
            Ok(Some(Value::String(s.to_string())))
        }
        FieldType::Number => {
            let n = match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|n| n.is_finite())
            .ok_or("must be a number")?;
            if f.min.is_some_and(|m| n < m) {
                return Err(format!("must be at least {}", f.min.unwrap_or_default()));
            }
            if f.max.is_some_and(|m| n > m) {
                return Err(format!("must be at most {}", f.max.unwrap_or_default()));
            }
            // Whole numbers stay integers (`18`, not `18.0`), so they read and filter as typed.
            if n.fract() == 0.0 && n.abs() < 1e15 {
                Ok(Some(serde_json::json!(n as i64)))
            } else {
                Ok(Some(serde_json::json!(n)))
            }
        }
        FieldType::Date => {
            let s = v.as_str().ok_or("must be a date YYYY-MM-DD")?;
            let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| "must be a date YYYY-MM-DD")?;
            if !super::dates::in_range(d) {
                return Err("must be between 1800 and 2999".into());
            }
            Ok(Some(Value::String(d.to_string())))
        }
        FieldType::Boolean => {
            let b = v.as_bool().ok_or("must be true or false")?;
            if f.required && !b {
                // A required checkbox (terms accepted, consent given) must be ticked.
                return Err("must be accepted".into());
            }
            Ok(Some(Value::Bool(b)))
        }
        FieldType::Select => {
            let s = v.as_str().ok_or("must be one of the options")?;
            if !f.options.iter().any(|o| o == s) {
                return Err("must be one of the options".into());
            }
            Ok(Some(Value::String(s.to_string())))
        }
        FieldType::MultiSelect => {
            let items = v.as_array().ok_or("must be a list of options")?;
            let mut chosen = Vec::new();
            for item in items {
                let s = item
                    .as_str()
                    .filter(|s| f.options.iter().any(|o| o == s))
                    .ok_or("must be a list of options")?;
                if !chosen.contains(&s) {
                    chosen.push(s);
                }
            }
            Ok(Some(serde_json::json!(chosen)))
        }
    }
}

/// The text an answer (as [`check_answer`] returns it) is kept and filtered as: one entry per
/// chosen option of a MULTI_SELECT, one otherwise.
pub fn answer_texts(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Bool(b) => vec![b.to_string()],
        Value::Number(n) => vec![n.to_string()],
        Value::Array(items) => items.iter().flat_map(answer_texts).collect(),
        Value::Null | Value::Object(_) => Vec::new(),
    }
}

/// The filter text of a value a client looks for (`18`, `"18"`, `true`, `"a"` alike).
pub fn filter_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some((f as i64).to_string()),
            _ => Some(n.to_string()),
        },
        Value::String(s) => Some(s.trim().to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The answer back from its kept texts, typed by the field's type.
pub fn answer_from_texts(kind: FieldType, texts: &[String]) -> Value {
    let first = texts.first().cloned().unwrap_or_default();
    match kind {
        FieldType::MultiSelect => serde_json::json!(texts),
        FieldType::Boolean => Value::Bool(first == "true"),
        FieldType::Number => first
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| first.parse::<f64>().map(Value::from))
            .unwrap_or(Value::String(first)),
        _ => Value::String(first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(t: &str) -> CustomField {
        CustomField {
            key: "q".into(),
            label: "Question".into(),
            field_type: t.into(),
            required: true,
            options: if t.contains("SELECT") {
                vec!["a".into(), "b".into()]
            } else {
                vec![]
            },
            help_text: None,
            min: None,
            max: None,
            max_length: None,
            pattern: None,
            target: "CONTACT".into(),
        }
    }

    #[test]
    fn answers_table() {
        let number = CustomField {
            min: Some(1.0),
            max: Some(10.0),
            ..field("NUMBER")
        };
        let text = CustomField {
            max_length: Some(5),
            pattern: Some("[A-Z]+".into()),
            ..field("TEXT")
        };
        let optional = CustomField {
            required: false,
            ..field("TEXT")
        };
        for (why, f, v, ok) in [
            ("required and missing", field("TEXT"), None, false),
            (
                "required and blank",
                field("TEXT"),
                Some(json!("  ")),
                false,
            ),
            ("optional and missing", optional.clone(), None, true),
            ("text in pattern", text.clone(), Some(json!("ABC")), true),
            ("text off pattern", text.clone(), Some(json!("abc")), false),
            ("text too long", text, Some(json!("ABCDEF")), false),
            ("number in range", number.clone(), Some(json!(5)), true),
            ("number as string", number.clone(), Some(json!("7.5")), true),
            ("number below min", number.clone(), Some(json!(0)), false),
            ("number above max", number.clone(), Some(json!(11)), false),
            ("not a number", number, Some(json!("many")), false),
            ("date", field("DATE"), Some(json!("2001-02-03")), true),
            ("bad date", field("DATE"), Some(json!("2001-02-30")), false),
            (
                "date out of range",
                field("DATE"),
                Some(json!("1700-01-01")),
                false,
            ),
            (
                "required box ticked",
                field("BOOLEAN"),
                Some(json!(true)),
                true,
            ),
            (
                "required box not ticked",
                field("BOOLEAN"),
                Some(json!(false)),
                false,
            ),
            (
                "boolean as text",
                field("BOOLEAN"),
                Some(json!("yes")),
                false,
            ),
            ("select option", field("SELECT"), Some(json!("a")), true),
            ("select other", field("SELECT"), Some(json!("c")), false),
            (
                "multi options",
                field("MULTI_SELECT"),
                Some(json!(["a", "b", "a"])),
                true,
            ),
            (
                "multi with other",
                field("MULTI_SELECT"),
                Some(json!(["a", "z"])),
                false,
            ),
            (
                "multi not a list",
                field("MULTI_SELECT"),
                Some(json!("a")),
                false,
            ),
        ] {
            assert_eq!(check_answer(&f, v.as_ref()).is_ok(), ok, "{why}");
        }
        let multi = check_answer(&field("MULTI_SELECT"), Some(&json!(["a", "b", "a"]))).unwrap();
        assert_eq!(multi, Some(json!(["a", "b"])));
    }

    #[test]
    fn definitions_and_slugs() {
        assert!(
            check_fields(&[
                field("TEXT"),
                CustomField {
                    key: "r".into(),
                    ..field("SELECT")
                }
            ])
            .is_ok()
        );
        for (why, fields) in [
            ("duplicate key", vec![field("TEXT"), field("DATE")]),
            (
                "bad key",
                vec![CustomField {
                    key: "Bad Key".into(),
                    ..field("TEXT")
                }],
            ),
            ("unknown type", vec![field("COLOUR")]),
            (
                "select without options",
                vec![CustomField {
                    options: vec![],
                    ..field("SELECT")
                }],
            ),
            (
                "options on text",
                vec![CustomField {
                    options: vec!["x".into()],
                    ..field("TEXT")
                }],
            ),
            (
                "min above max",
                vec![CustomField {
                    min: Some(5.0),
                    max: Some(1.0),
                    ..field("NUMBER")
                }],
            ),
            (
                "bad pattern",
                vec![CustomField {
                    pattern: Some("(".into()),
                    ..field("TEXT")
                }],
            ),
            (
                "bad target",
                vec![CustomField {
                    target: "USER".into(),
                    ..field("TEXT")
                }],
            ),
        ] {
            assert_eq!(
                check_fields(&fields).map_err(|e| e.field),
                Err("fields".into()),
                "{why}"
            );
        }
        assert_eq!(parse_slug(" join-2026 ", "slug").unwrap(), "join-2026");
        for bad in ["", "Join", "a--b", "-a", "a b", &"a".repeat(65)] {
            assert!(parse_slug(bad, "slug").is_err(), "{bad}");
        }
    }

    #[test]
    fn answers_keep_their_type_through_their_texts() {
        let cases = [
            ("NUMBER", json!(18), vec!["18"]),
            ("NUMBER", json!(7.5), vec!["7.5"]),
            ("BOOLEAN", json!(true), vec!["true"]),
            ("TEXT", json!("Oslo"), vec!["Oslo"]),
            ("DATE", json!("2001-02-03"), vec!["2001-02-03"]),
            ("MULTI_SELECT", json!(["a", "b"]), vec!["a", "b"]),
        ];
        for (t, value, texts) in cases {
            let kept = answer_texts(&value);
            assert_eq!(kept, texts, "{t}");
            let kind: FieldType = t.parse().unwrap();
            assert_eq!(answer_from_texts(kind, &kept), value, "{t}");
        }
        // A whole number typed as text or with a fraction of zero is kept as an integer.
        let f = CustomField {
            min: None,
            max: None,
            ..field("NUMBER")
        };
        assert_eq!(check_answer(&f, Some(&json!("18.0"))), Ok(Some(json!(18))));
        assert_eq!(filter_text(&json!(18.0)), Some("18".into()));
        assert_eq!(filter_text(&json!(" x ")), Some("x".into()));
        assert_eq!(filter_text(&json!([1])), None);
    }
}
