//! Small text values: names, phone numbers, language tags, free text.

use super::FieldError;

/// A required, trimmed, single-line name of bounded length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub const MAX: usize = 200;

    pub fn parse(raw: &str, field: &str) -> Result<Self, FieldError> {
        let name = collapse_spaces(raw);
        if name.is_empty() {
            return Err(FieldError::new(field, "must not be empty"));
        }
        if name.chars().count() > Self::MAX {
            return Err(FieldError::new(
                field,
                format!("must be at most {} characters", Self::MAX),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                "must not contain control characters",
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Trims and collapses runs of whitespace into one space.
fn collapse_spaces(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A phone number as people write it: digits with optional `+`, spaces, dots, dashes, parentheses and
/// an extension. Stored as entered (trimmed); at least 3 digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str, field: &str) -> Result<Self, FieldError> {
        let phone = collapse_spaces(raw);
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = |c: char| c.is_ascii_digit() || " +-.()/".contains(c) || "extEXT".contains(c);
        if digits < 3 || phone.len() > 40 || !phone.chars().all(allowed) {
            return Err(FieldError::new(
                field,
                "not a valid phone number (digits, spaces, + - . ( ) and ext are allowed)",
            ));
        }
        if phone[1..].contains('+') {
            return Err(FieldError::new(field, "`+` may only start a phone number"));
        }
        Ok(Self(phone))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A language tag such as `en`, `fr` or `pt-BR` (BCP 47 subset: language plus optional region or
/// script), normalised to `ll` / `ll-RR` / `ll-Ssss`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Language(String);

impl Language {
    pub fn parse(raw: &str, field: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::new(field, "not a language tag such as en, fr or pt-BR");
        let raw = raw.trim().replace('_', "-");
        let mut parts = raw.split('-');
        let lang = parts.next().ok_or_else(bad)?;
        if !(2..=3).contains(&lang.len()) || !lang.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(bad());
        }
        let mut tag = lang.to_ascii_lowercase();
        for part in parts {
            let normalised = match part.len() {
                2 if part.chars().all(|c| c.is_ascii_alphabetic()) => part.to_ascii_uppercase(),
                3 if part.chars().all(|c| c.is_ascii_digit()) => part.to_string(),
                4 if part.chars().all(|c| c.is_ascii_alphabetic()) => {
                    let mut s = part.to_ascii_lowercase();
                    s[..1].make_ascii_uppercase();
                    s
                }
                _ => return Err(bad()),
            };
            tag.push('-');
            tag.push_str(&normalised);
        }
        Ok(Self(tag))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Optional free text of bounded length: trimmed, empty becomes `None`.
pub fn optional_text(
    raw: Option<&str>,
    field: &str,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) if text.chars().count() > max => Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        )),
        Some(text) => Ok(Some(text.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            Name::parse("  Jane   Ann ", "firstName").unwrap().as_str(),
            "Jane Ann"
        );
        assert_eq!(Name::parse("", "firstName").unwrap_err().field, "firstName");
        assert!(Name::parse("   ", "lastName").is_err());
        assert!(Name::parse(&"x".repeat(201), "lastName").is_err());
        assert!(Name::parse("a\u{7}b", "lastName").is_err());
    }

    #[test]
    fn phones() {
        for ok in [
            "+44 20 7946 0958",
            "(555) 123-4567",
            "555.123.4567 ext 12",
            "112",
        ] {
            assert!(Phone::parse(ok, "phone").is_ok(), "{ok}");
        }
        for bad in ["12", "call me", "+1 +2 345", "555-CALL-NOW"] {
            assert!(Phone::parse(bad, "phone").is_err(), "{bad}");
        }
    }

    #[test]
    fn languages() {
        for (input, expected) in [
            ("EN", "en"),
            ("pt_br", "pt-BR"),
            ("zh-hant", "zh-Hant"),
            ("es-419", "es-419"),
        ] {
            assert_eq!(
                Language::parse(input, "language").unwrap().into_string(),
                expected
            );
        }
        for bad in ["", "e", "english", "en-US-x-whatever!", "12"] {
            assert!(Language::parse(bad, "language").is_err(), "{bad}");
        }
    }

    #[test]
    fn optional_texts() {
        assert_eq!(optional_text(Some("  "), "notes", 10).unwrap(), None);
        assert_eq!(
            optional_text(Some(" hi "), "notes", 10).unwrap(),
            Some("hi".into())
        );
        assert!(optional_text(Some("12345678901"), "notes", 10).is_err());
    }
}
