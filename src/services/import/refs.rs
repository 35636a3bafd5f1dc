//! How an imported membership or contribution names its contact: by the contact's external id or
//! email, looked up for a whole batch at once among live, unerased contacts.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::source::Cells;
use crate::db::entities::contact;
use crate::domain::FieldError;
use crate::error::AppResult;

/// A row's reference to its contact.
pub(super) struct ContactRef {
    pub external_id: Option<String>,
    pub email: Option<String>,
}

impl ContactRef {
    pub fn read(c: &mut Cells<'_>, ext: &str, email: &str) -> Self {
        let r = Self {
            external_id: c.text(ext),
            email: c.text(email).map(|e| e.trim().to_lowercase()),
        };
        if r.external_id.is_none() && r.email.is_none() {
            c.fail(
                email,
                None,
                "the row names no contact (contact id or email)",
            );
        }
        r
    }
}

/// Live contacts the rows name, by external id and by email.
#[derive(Default)]
pub(super) struct Contacts {
    by_external: HashMap<String, contact::Model>,
    by_email: HashMap<String, contact::Model>,
}

impl Contacts {
    pub async fn load<'a, C: ConnectionTrait>(
        db: &C,
        refs: impl Iterator<Item = &'a ContactRef>,
    ) -> AppResult<Self> {
        let (mut ext, mut emails) = (Vec::new(), Vec::new());
        for r in refs {
            ext.extend(r.external_id.clone());
            emails.extend(r.email.clone());
        }
        let mut out = Self::default();
        if ext.is_empty() && emails.is_empty() {
            return Ok(out);
        }
        // One query per key, each served by its index (an OR of both scans the table).
        let mut found = Vec::new();
        for cond in [
            contact::Column::ExternalId.is_in(ext),
            contact::Column::Email.is_in(emails),
        ] {
            found.extend(
                contact::Entity::find()
                    .filter(contact::Column::DeletedAt.is_null())
                    .filter(contact::Column::ErasedAt.is_null())
                    .filter(cond)
                    .all(db)
                    .await?,
            );
        }
        for m in found {
            if let Some(e) = m.external_id.clone() {
                out.by_external.insert(e, m.clone());
            }
            if let Some(e) = m.email.clone() {
                out.by_email.insert(e, m);
            }
        }
        Ok(out)
    }

    pub fn find(&self, r: &ContactRef) -> Result<&contact::Model, FieldError> {
        if let Some(e) = &r.external_id {
            return self.by_external.get(e).ok_or_else(|| {
                FieldError::new(
                    "contactExternalId",
                    "no live contact has this external id (import the contacts first)",
                )
            });
        }
        let email = r.email.as_deref().unwrap_or_default();
        self.by_email.get(email).ok_or_else(|| {
            FieldError::new(
                "contactEmail",
                "no live contact has this email (import the contacts first)",
            )
        })
    }
}
