//! Contacts: the people, organisations and households a nonprofit knows.

use chrono::{DateTime, NaiveDate, Utc};

use super::patch::Patch;

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
    /// When its personal data was erased; an erased contact cannot be changed or restored.
    pub erased_at: Option<DateTime<Utc>>,
    /// Its id in the system it was imported from.
    pub external_id: Option<String>,
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

mod draft;

pub use draft::ContactDraft;

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
