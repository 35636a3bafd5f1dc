//! A contact checked against every rule: what creating or updating one writes.

use chrono::NaiveDate;

use super::{ContactFields, ContactKind};
use crate::domain::FieldError;
use crate::domain::country::CountryCode;
use crate::domain::email::EmailAddress;
use crate::domain::text::{Language, Name, Phone, optional_text};

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
