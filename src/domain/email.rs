//! Email addresses: trimmed, lower-cased, and checked for a plausible shape (RFC 5321 lengths, one `@`,
//! a dotted domain of valid labels). Deliverability is the mail server's business, not ours.

use super::FieldError;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

const LOCAL_SPECIALS: &str = "!#$%&'*+/=?^_`{|}~.-";

impl EmailAddress {
    /// Parses and normalises; `field` is the input field named in the error.
    pub fn parse(raw: &str, field: &str) -> Result<Self, FieldError> {
        let bad = |why: &str| FieldError::new(field, format!("not a valid email address: {why}"));
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(bad("it is empty"));
        }
        if email.len() > 254 {
            return Err(bad("longer than 254 characters"));
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(|| bad("it has no @"))?;
        if local.is_empty() || local.len() > 64 {
            return Err(bad("the part before @ must have 1 to 64 characters"));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(bad("misplaced dot before @"));
        }
        if !local
            .chars()
            .all(|c| c.is_alphanumeric() || LOCAL_SPECIALS.contains(c))
        {
            return Err(bad("unexpected character before @"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(bad("the domain needs a dot, as in example.org"));
        }
        for label in &labels {
            let ok = !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-');
            if !ok {
                return Err(bad("the domain is malformed"));
            }
        }
        if labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(bad("the domain is malformed"));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        for (input, expected) in [
            ("jane@example.org", "jane@example.org"),
            ("  Jane.Doe@Example.ORG ", "jane.doe@example.org"),
            ("a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk"),
            ("o'brien@example.ie", "o'brien@example.ie"),
            ("jürgen@bücher.de", "jürgen@bücher.de"),
        ] {
            assert_eq!(
                EmailAddress::parse(input, "email").unwrap().as_str(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_with_the_field_name() {
        for input in [
            "",
            "   ",
            "plainaddress",
            "@example.org",
            "jane@",
            "jane@localhost",
            "jane@@example.org",
            "jane..doe@example.org",
            ".jane@example.org",
            "jane@-example.org",
            "jane@example..org",
            "jane doe@example.org",
            "jane@example.123",
            "jane@exa_mple.org",
        ] {
            let err = EmailAddress::parse(input, "email").unwrap_err();
            assert_eq!(err.field, "email", "{input}");
        }
        let long = format!("{}@example.org", "a".repeat(65));
        assert!(EmailAddress::parse(&long, "email").is_err());
    }
}
