//! Contacts: the people, organisations and households a nonprofit knows.

use chrono::{DateTime, NaiveDate, Utc};

use super::FieldError;
use super::country::CountryCode;
use super::email::EmailAddress;
use super::patch::Patch;
use super::text::{Language, Name, Phone, optional_text};

coded_enum! {
    /// What kind of party a contact is.
    pub enum ContactKind as "contact kind" {
        Individual = "INDIVIDUAL",
        Organization = "ORGANIZATION",
        Household = "HOUSEHOLD",
    }
}

/// A contact as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub id: i64,
    pub kind: ContactKind,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization_name: Option<String>,
    /// "First Last", or the organisation or household name.
    pub display_name: String,
    /// "Last, First" or the organisation name: what lists sort by.
    pub sort_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub preferred_language: Option<String>,
    pub do_not_email: bool,
    pub do_not_mail: bool,
    pub is_deceased: bool,
    /// For staff only.
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set while the contact is in the trash.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Contact {
    /// The fields as a client would send them, so an update re-checks the whole contact.
    pub fn fields(&self) -> ContactFields {
        ContactFields {
            kind: Some(self.kind),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            organization_name: self.organization_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            street: self.street.clone(),
            city: self.city.clone(),
            postal_code: self.postal_code.clone(),
            region: self.region.clone(),
            country: self.country.clone(),
            birth_date: self.birth_date,
            preferred_language: self.preferred_language.clone(),
            do_not_email: Some(self.do_not_email),
            do_not_mail: Some(self.do_not_mail),
            is_deceased: Some(self.is_deceased),
            notes: self.notes.clone(),
        }
    }

    /// Why the contact gets no email, if they get none.
    pub fn no_email_reason(&self) -> Option<&'static str> {
        if self.is_deceased {
            Some("the contact is deceased")
        } else if self.do_not_email {
            Some("the contact asked not to receive email")
        } else if self.email.as_deref().is_none_or(str::is_empty) {
            Some("the contact has no email address")
        } else if self.deleted_at.is_some() {
            Some("the contact is in the trash")
        } else {
            None
        }
    }

    /// Whether the contact can be sent a letter: alive, not opted out of post, not in the trash,
    /// and with at least a street and a city.
    pub fn can_post(&self) -> bool {
        let filled = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        !self.is_deceased
            && !self.do_not_mail
            && self.deleted_at.is_none()
            && filled(&self.street)
            && filled(&self.city)
    }
}

/// Contact fields as a client sent them (or as stored), before any rule is applied.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContactFields {
    pub kind: Option<ContactKind>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub preferred_language: Option<String>,
    pub do_not_email: Option<bool>,
    pub do_not_mail: Option<bool>,
    pub is_deceased: Option<bool>,
    pub notes: Option<String>,
}

/// A partial update: every field may be kept, cleared or set.
#[derive(Clone, Debug, Default)]
pub struct ContactPatch {
    pub kind: Patch<ContactKind>,
    pub first_name: Patch<String>,
    pub last_name: Patch<String>,
    pub organization_name: Patch<String>,
    pub email: Patch<String>,
    pub phone: Patch<String>,
    pub street: Patch<String>,
    pub city: Patch<String>,
    pub postal_code: Patch<String>,
    pub region: Patch<String>,
    pub country: Patch<String>,
    pub birth_date: Patch<NaiveDate>,
    pub preferred_language: Patch<String>,
    pub do_not_email: Patch<bool>,
    pub do_not_mail: Patch<bool>,
    pub is_deceased: Patch<bool>,
    pub notes: Patch<String>,
}

impl ContactFields {
    /// The fields after a partial update.
    pub fn patched(self, p: ContactPatch) -> Self {
        Self {
            kind: p.kind.apply(self.kind),
            first_name: p.first_name.apply(self.first_name),
            last_name: p.last_name.apply(self.last_name),
            organization_name: p.organization_name.apply(self.organization_name),
            email: p.email.apply(self.email),
            phone: p.phone.apply(self.phone),
            street: p.street.apply(self.street),
            city: p.city.apply(self.city),
            postal_code: p.postal_code.apply(self.postal_code),
            region: p.region.apply(self.region),
            country: p.country.apply(self.country),
            birth_date: p.birth_date.apply(self.birth_date),
            preferred_language: p.preferred_language.apply(self.preferred_language),
            do_not_email: p.do_not_email.apply(self.do_not_email),
            do_not_mail: p.do_not_mail.apply(self.do_not_mail),
            is_deceased: p.is_deceased.apply(self.is_deceased),
            notes: p.notes.apply(self.notes),
        }
    }
}

/// A contact that satisfies every rule; only [`ContactDraft::parse`] makes one.
#[derive(Clone, Debug, PartialEq)]
pub struct ContactDraft {
    pub kind: ContactKind,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization_name: Option<String>,
    pub display_name: String,
    pub sort_name: String,
    pub email: Option<EmailAddress>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub preferred_language: Option<String>,
    pub do_not_email: bool,
    pub do_not_mail: bool,
    pub is_deceased: bool,
    pub notes: Option<String>,
    sealed: Sealed,
}

/// Keeps [`ContactDraft`] from being built anywhere but [`ContactDraft::parse`].
#[derive(Clone, Debug, PartialEq)]
struct Sealed;

fn optional_name(raw: Option<&str>, field: &str) -> Result<Option<String>, FieldError> {
    raw.map(|n| Name::parse(n, field).map(Name::into_string))
        .transpose()
}

fn blank_to_none(raw: Option<String>) -> Option<String> {
    raw.filter(|s| !s.trim().is_empty())
}

impl ContactDraft {
    /// Applies every contact rule; `today` bounds the birth date.
    pub fn parse(f: ContactFields, today: NaiveDate) -> Result<Self, FieldError> {
        let kind = f.kind.unwrap_or(ContactKind::Individual);
        let first_name = optional_name(f.first_name.as_deref(), "firstName")?;
        let last_name = optional_name(f.last_name.as_deref(), "lastName")?;
        let organization_name = optional_name(f.organization_name.as_deref(), "organizationName")?;
        let (display_name, sort_name) = match kind {
            ContactKind::Individual => {
                let display = [first_name.as_deref(), last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                if display.is_empty() {
                    return Err(FieldError::new(
                        "lastName",
                        "an individual needs a first name or a last name",
                    ));
                }
                let sort = match (&last_name, &first_name) {
                    (Some(l), Some(fi)) => format!("{l}, {fi}"),
                    _ => display.clone(),
                };
                (display, sort)
            }
            ContactKind::Organization | ContactKind::Household => {
                let name = organization_name.clone().ok_or_else(|| {
                    FieldError::new(
                        "organizationName",
                        "an organisation or household needs a name",
                    )
                })?;
                (name.clone(), name)
            }
        };
        let email = blank_to_none(f.email)
            .map(|e| EmailAddress::parse(&e, "email"))
            .transpose()?;
        let phone = blank_to_none(f.phone)
            .map(|p| Phone::parse(&p, "phone").map(Phone::into_string))
            .transpose()?;
        let country = blank_to_none(f.country)
            .map(|c| CountryCode::parse(&c, "country").map(|c| c.as_str().to_string()))
            .transpose()?;
        let preferred_language = blank_to_none(f.preferred_language)
            .map(|l| Language::parse(&l, "preferredLanguage").map(Language::into_string))
            .transpose()?;
        if let Some(birth) = f.birth_date {
            if birth > today {
                return Err(FieldError::new("birthDate", "must not be in the future"));
            }
            if birth < NaiveDate::from_ymd_opt(1880, 1, 1).unwrap_or(NaiveDate::MIN) {
                return Err(FieldError::new("birthDate", "must be after 1880"));
            }
        }
        Ok(Self {
            kind,
            first_name,
            last_name,
            organization_name,
            sort_name: sort_name.to_lowercase(),
            display_name,
            email,
            phone,
            street: optional_text(f.street.as_deref(), "street", 300)?,
            city: optional_text(f.city.as_deref(), "city", 200)?,
            postal_code: optional_text(f.postal_code.as_deref(), "postalCode", 20)?,
            region: optional_text(f.region.as_deref(), "region", 200)?,
            country,
            birth_date: f.birth_date,
            preferred_language,
            do_not_email: f.do_not_email.unwrap_or(false),
            do_not_mail: f.do_not_mail.unwrap_or(false),
            is_deceased: f.is_deceased.unwrap_or(false),
            notes: optional_text(f.notes.as_deref(), "notes", 20_000)?,
            sealed: Sealed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn person(first: &str, last: &str) -> ContactFields {
        ContactFields {
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            ..Default::default()
        }
    }

    #[test]
    fn display_and_sort_names() {
        let d = ContactDraft::parse(person("Jane", "Doe"), today()).unwrap();
        assert_eq!(
            (d.display_name.as_str(), d.sort_name.as_str()),
            ("Jane Doe", "doe, jane")
        );
        let only_last = ContactFields {
            last_name: Some("Cher".into()),
            ..Default::default()
        };
        assert_eq!(
            ContactDraft::parse(only_last, today())
                .unwrap()
                .display_name,
            "Cher"
        );
        let org = ContactFields {
            kind: Some(ContactKind::Organization),
            organization_name: Some(" Friends  of the Park ".into()),
            ..Default::default()
        };
        let d = ContactDraft::parse(org, today()).unwrap();
        assert_eq!(d.display_name, "Friends of the Park");
        assert_eq!(d.sort_name, "friends of the park");
    }

    #[test]
    fn each_rule_names_its_field() {
        let cases: Vec<(&str, ContactFields)> = vec![
            ("lastName", ContactFields::default()),
            ("firstName", person("  ", "Doe")),
            (
                "email",
                ContactFields {
                    email: Some("nope".into()),
                    ..person("A", "B")
                },
            ),
            (
                "phone",
                ContactFields {
                    phone: Some("abc".into()),
                    ..person("A", "B")
                },
            ),
            (
                "country",
                ContactFields {
                    country: Some("UK".into()),
                    ..person("A", "B")
                },
            ),
            (
                "preferredLanguage",
                ContactFields {
                    preferred_language: Some("english".into()),
                    ..person("A", "B")
                },
            ),
            (
                "birthDate",
                ContactFields {
                    birth_date: NaiveDate::from_ymd_opt(2026, 11, 25),
                    ..person("A", "B")
                },
            ),
            (
                "organizationName",
                ContactFields {
                    kind: Some(ContactKind::Household),
                    ..person("A", "B")
                },
            ),
            (
                "postalCode",
                ContactFields {
                    postal_code: Some("1".repeat(21)),
                    ..person("A", "B")
                },
            ),
        ];
        for (field, fields) in cases {
            assert_eq!(
                ContactDraft::parse(fields, today()).unwrap_err().field,
                field
            );
        }
    }

    #[test]
    fn blank_optional_values_are_cleared() {
        let f = ContactFields {
            email: Some("  ".into()),
            country: Some("".into()),
            ..person("A", "B")
        };
        let d = ContactDraft::parse(f, today()).unwrap();
        assert_eq!((d.email, d.country), (None, None));
    }

    #[test]
    fn patch_keeps_clears_and_sets() {
        let base = ContactFields {
            phone: Some("555 1234".into()),
            city: Some("Oslo".into()),
            ..person("A", "B")
        };
        let patch = ContactPatch {
            phone: Patch::Clear,
            first_name: Patch::Set("Ann".into()),
            ..Default::default()
        };
        let out = base.patched(patch);
        assert_eq!(out.phone, None);
        assert_eq!(out.first_name.as_deref(), Some("Ann"));
        assert_eq!(out.city.as_deref(), Some("Oslo"));
    }
}
