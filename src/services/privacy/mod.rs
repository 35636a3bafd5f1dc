//! Personal data: everything held about a person as one JSON document (`export`), irreversible
//! anonymisation that keeps the books (`erase`), and erasure of contacts left in the trash for
//! longer than `privacy.erase_trashed_after_days` (`purge`, run by the `purge-trash` job).
//!
//! The lists below name every column that reaches a person, so export and erasure cannot silently
//! miss a table: a test reads the database schema and fails when a column that points at a contact
//! (`contact_id`, `*_contact_id`), at one of their records (`user_id`, `membership_id`,
//! `contribution_id`, `recurring_gift_id`), an owner kind and id (`entity`/`entity_id`) or an email
//! address is not listed here — and so not handled by `export` and `erase`.

mod erase;
mod export;
mod export_giving;
mod obligations;
mod purge;
mod scrub;
mod subject;

pub use erase::{EraseOutcome, erase};
pub use export::export;
pub use purge::{PurgeTally, purge_trash};

use crate::error::AppResult;
use crate::services::access;
use crate::services::auth::{AuthUser, Viewer};

/// Columns holding a contact's id: (table, column). Each is read by `export` and scrubbed or kept
/// on purpose by `erase`.
pub const CONTACT_REFERENCES: &[(&str, &str)] = &[
    ("users", "contact_id"),
    ("memberships", "contact_id"),
    ("contributions", "contact_id"),
    ("contributions", "tribute_contact_id"),
    ("contributions", "notify_contact_id"),
    ("contribution_soft_credits", "contact_id"),
    ("recurring_gifts", "contact_id"),
    ("outbound_messages", "contact_id"),
    ("payment_methods", "contact_id"),
    ("directory_listings", "contact_id"),
    ("event_registrations", "contact_id"),
    // Segments and mailings (issue 19): see `services::segments::privacy`.
    ("contact_tags", "contact_id"),
    ("contact_group_members", "contact_id"),
    ("contact_group_history", "contact_id"),
    ("contact_interests", "contact_id"),
    ("consent_records", "contact_id"),
    ("mail_opt_outs", "contact_id"),
    ("mailing_recipients", "contact_id"),
];

/// The reports' precomputed data (`services::reports::spans` and `rollups`): ids and dates derived
/// from memberships and contributions, no personal data of their own. Erasure keeps those records
/// (anonymised), so these rows stay true; they are recomputed whenever the records change.
pub const DERIVED_REFERENCES: &[(&str, &str)] = &[
    ("report_membership_spans", "contact_id"),
    ("report_membership_spans", "membership_id"),
    ("report_member_spans", "contact_id"),
    ("report_renewals", "contact_id"),
    ("report_renewals", "membership_id"),
    ("report_donor_years", "contact_id"),
    ("report_donor_totals", "contact_id"),
    ("report_dirty_donors", "contact_id"),
    ("report_dirty", "membership_id"),
];

/// Columns holding the id of one of the person's records (logins, memberships, contributions,
/// recurring gifts): (table, column).
pub const RECORD_REFERENCES: &[(&str, &str)] = &[
    ("sessions", "user_id"),
    ("password_tokens", "user_id"),
    ("api_keys", "created_by"),
    ("membership_history", "membership_id"),
    ("membership_auto_renew", "membership_id"),
    ("contribution_memberships", "membership_id"),
    ("outbound_messages", "membership_id"),
    ("contribution_memberships", "contribution_id"),
    ("contribution_soft_credits", "contribution_id"),
    ("contribution_refunds", "contribution_id"),
    ("payments", "contribution_id"),
    ("payment_tokens", "contribution_id"),
    ("contributions", "recurring_gift_id"),
    ("event_registrations", "contribution_id"),
];

/// Tables that point at a contact or one of their records through an owner kind and id:
/// (table, kind column, id column).
pub const OWNER_REFERENCES: &[(&str, &str, &str)] = &[
    ("custom_values", "entity", "entity_id"),
    ("audit_log", "entity", "entity_id"),
];

/// Columns holding an email address, which reach a person without an id: (table, column).
pub const EMAIL_REFERENCES: &[(&str, &str)] = &[
    ("contacts", "email"),
    ("users", "email"),
    ("login_attempts", "email"),
    ("outbound_messages", "recipient"),
    ("email_suppressions", "email"),
    ("subscription_requests", "email"),
];

/// Who may export a person's data: staff and admins anyone's, a signed-in member only their own
/// contact (FORBIDDEN for any other id, whether or not it exists). GraphQL and the download
/// endpoint both ask here.
pub fn may_export(viewer: &Viewer, contact_id: i64) -> AppResult<&AuthUser> {
    access::require_self_or_staff(viewer, contact_id)
}
