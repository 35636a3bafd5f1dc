//! The member directory as GraphQL objects: entries show only what each member chose.

use async_graphql::{InputObject, SimpleObject};

use crate::domain::directory as dd;

crate::mirror_enum!(
    /// A field a member may show in the member directory.
    DirectoryField <=> dd::DirectoryField {
        /// Their name.
        Name,
        /// Their city.
        City,
        /// Their organisation.
        Organization,
        /// Their email address.
        Email,
        /// Their phone number.
        Phone,
        /// Their photo's address.
        PhotoUrl,
    }
);

/// A custom field's answer a member shows in the directory.
#[derive(Clone, Debug, SimpleObject)]
pub struct DirectoryCustomField {
    /// The field's key.
    pub key: String,
    /// The field's label.
    pub label: String,
    /// The answer, as text.
    pub value: String,
}

/// One member in the directory: each field is null unless they chose to show it.
#[derive(Clone, Debug, SimpleObject)]
pub struct DirectoryEntry {
    /// Their name, if shown.
    pub name: Option<String>,
    /// Their city, if shown.
    pub city: Option<String>,
    /// Their organisation, if shown.
    pub organization: Option<String>,
    /// Their email address, if shown.
    pub email: Option<String>,
    /// Their phone number, if shown.
    pub phone: Option<String>,
    /// Their photo's address, if shown.
    pub photo_url: Option<String>,
    /// The custom fields they show.
    pub custom_fields: Vec<DirectoryCustomField>,
}

impl From<dd::Entry> for DirectoryEntry {
    fn from(e: dd::Entry) -> Self {
        DirectoryEntry {
            name: e.name,
            city: e.city,
            organization: e.organization,
            email: e.email,
            phone: e.phone,
            photo_url: e.photo_url,
            custom_fields: e
                .custom
                .into_iter()
                .map(|(key, label, value)| DirectoryCustomField { key, label, value })
                .collect(),
        }
    }
}

crate::connection!(
    DirectoryEntryConnection,
    DirectoryEntryEdge,
    DirectoryEntry,
    "A page of the member directory, by name.",
    "One directory entry with its cursor."
);

/// What the viewer shows in the directory (nothing chosen: not listed).
#[derive(Clone, Debug, SimpleObject)]
pub struct DirectoryListing {
    /// The fields shown.
    pub fields: Vec<DirectoryField>,
    /// The custom fields shown, by key.
    pub custom_field_keys: Vec<String>,
    /// The photo's address shown with `PHOTO_URL`.
    pub photo_url: Option<String>,
    /// Whether the viewer is listed at all.
    pub is_listed: bool,
}

impl From<crate::services::households::directory::Listing> for DirectoryListing {
    fn from(l: crate::services::households::directory::Listing) -> Self {
        DirectoryListing {
            is_listed: !(l.fields.is_empty() && l.custom_field_keys.is_empty()),
            fields: l.fields.into_iter().map(Into::into).collect(),
            custom_field_keys: l.custom_field_keys,
            photo_url: l.photo_url,
        }
    }
}

/// The viewer's directory choices; they replace the previous ones. Empty lists leave the directory.
#[derive(Debug, InputObject)]
pub struct UpdateMyDirectoryListingInput {
    /// The fields to show (none: not listed).
    pub fields: Vec<DirectoryField>,
    /// Custom fields to show, by key (each one the directory offers; default none).
    pub custom_field_keys: Option<Vec<String>>,
    /// An `https://` address of a photo, shown with `PHOTO_URL`.
    pub photo_url: Option<String>,
}

/// Narrows the directory to entries that show this city or organisation.
#[derive(Debug, Default, InputObject)]
pub struct DirectoryFilter {
    /// Entries showing this city (ignoring case and accents).
    pub city: Option<String>,
    /// Entries showing this organisation.
    pub organization: Option<String>,
}

/// The custom fields members may show in the directory.
#[derive(Debug, InputObject)]
pub struct SetDirectoryCustomFieldsInput {
    /// Custom field keys (replaces the list).
    pub keys: Vec<String>,
}
