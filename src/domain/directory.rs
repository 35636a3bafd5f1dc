//! The member directory: each member chooses which of their fields it shows. An entry is built from
//! the chosen fields only, and search and filters look at the entry, never at the record — so a
//! field not chosen can neither be read nor found by searching for it.

use super::FieldError;
use super::search::fold;

coded_enum! {
    /// A field a member may show in the directory.
    pub enum DirectoryField as "directory field" {
        Name = "NAME",
        City = "CITY",
        Organization = "ORGANIZATION",
        Email = "EMAIL",
        Phone = "PHONE",
        PhotoUrl = "PHOTO_URL",
    }
}

/// What the record holds, before any choice is applied.
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub display_name: String,
    pub city: Option<String>,
    pub organization: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub photo_url: Option<String>,
    /// (key, label, value as text) of custom fields an admin marked directory-visible.
    pub custom: Vec<(String, String, String)>,
}

/// One directory entry: only what the member chose; every other field is None.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub name: Option<String>,
    pub city: Option<String>,
    pub organization: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub photo_url: Option<String>,
    pub custom: Vec<(String, String, String)>,
}

/// The entry a record shows with the member's choices.
pub fn project(r: Record, fields: &[DirectoryField], custom_keys: &[String]) -> Entry {
    let pick = |f: DirectoryField, v: Option<String>| v.filter(|_| fields.contains(&f));
    Entry {
        name: pick(DirectoryField::Name, Some(r.display_name)),
        city: pick(DirectoryField::City, r.city),
        organization: pick(DirectoryField::Organization, r.organization),
        email: pick(DirectoryField::Email, r.email),
        phone: pick(DirectoryField::Phone, r.phone),
        photo_url: pick(DirectoryField::PhotoUrl, r.photo_url),
        custom: r
            .custom
            .into_iter()
            .filter(|(k, _, _)| custom_keys.contains(k))
            .collect(),
    }
}

impl Entry {
    /// Whether every word of `search` appears in what the entry shows (ignoring case and accents).
    pub fn matches(&self, search: &str) -> bool {
        let shown = [
            &self.name,
            &self.city,
            &self.organization,
            &self.email,
            &self.phone,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .chain(self.custom.iter().map(|(_, _, v)| v.clone()))
        .collect::<Vec<_>>()
        .join(" ");
        let hay = fold(&shown);
        fold(search).split_whitespace().all(|w| hay.contains(w))
    }

    /// Whether the entry shows nothing at all (then it is left out).
    pub fn is_empty(&self) -> bool {
        *self == Entry::default()
    }
}

/// A photo URL as entered: an `https://` address of at most 500 characters.
pub fn parse_photo_url(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(url) = raw.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let ok = url.starts_with("https://")
        && url.len() <= 500
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<');
    if ok {
        Ok(Some(url.to_string()))
    } else {
        Err(FieldError::new(
            "photoUrl",
            "must be an https:// address of at most 500 characters",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            display_name: "Zoë Łukasiewicz".into(),
            city: Some("Kraków".into()),
            organization: None,
            email: Some("zoe@example.org".into()),
            phone: Some("+48 123".into()),
            photo_url: None,
            custom: vec![("skills".into(), "Skills".into(), "welding".into())],
        }
    }

    #[test]
    fn only_chosen_fields_show_and_match() {
        let e = project(record(), &[DirectoryField::Name], &[]);
        assert_eq!(e.name.as_deref(), Some("Zoë Łukasiewicz"));
        assert_eq!(
            (e.city, e.email.clone(), e.phone.clone()),
            (None, None, None)
        );
        assert!(e.custom.is_empty());
        let e = project(record(), &[DirectoryField::Name], &[]);
        assert!(e.matches("zoe lukas"), "names match ignoring accents");
        assert!(
            !e.matches("example.org"),
            "an email not chosen is never found"
        );
        assert!(!e.matches("krakow"), "a city not chosen is never found");
        assert!(
            !e.matches("welding"),
            "a custom field not chosen is never found"
        );
        let e = project(record(), &[DirectoryField::City], &["skills".into()]);
        assert!(e.name.is_none() && e.matches("krakow welding"));
        assert!(project(record(), &[], &[]).is_empty());
    }

    #[test]
    fn photo_urls() {
        assert_eq!(parse_photo_url(Some(" ")).unwrap(), None);
        assert!(parse_photo_url(Some("https://example.org/a.jpg")).is_ok());
        for bad in [
            "http://example.org/a.jpg",
            "javascript:alert(1)",
            "https://a b",
        ] {
            assert_eq!(
                parse_photo_url(Some(bad)).unwrap_err().field,
                "photoUrl",
                "{bad}"
            );
        }
    }
}
