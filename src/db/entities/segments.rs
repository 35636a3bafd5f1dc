//! The rows of segments and mailings (issue 19), one module per table.

/// An admin-defined label: `tags`.
pub mod tag {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tags")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        /// `#rrggbb`.
        pub color: Option<String>,
        pub description: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A tag on a contact: `contact_tags`.
pub mod contact_tag {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "contact_tags")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tag_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub contact_id: i64,
        pub created_at: DateTimeUtc,
        pub created_by: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A static list of contacts: `contact_groups`.
pub mod group {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "contact_groups")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub description: Option<String>,
        pub created_at: DateTimeUtc,
        /// Set when staff deleted it: out of every list, kept for its join and leave history
        /// (names are unique among live groups only).
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A contact in a group now: `contact_group_members`.
pub mod group_member {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "contact_group_members")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub group_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub contact_id: i64,
        pub added_at: DateTimeUtc,
        pub added_by: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Joins and leaves: `contact_group_history`.
pub mod group_history {
    use sea_orm::entity::prelude::*;

    use crate::domain::segment::GroupChange;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "contact_group_history")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub group_id: i64,
        pub contact_id: i64,
        pub action: GroupChange,
        pub actor: String,
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A communication topic contacts opt into: `interests`.
pub mod interest {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "interests")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub description: Option<String>,
        /// Offered to members and on the public pages (else staff-managed only).
        pub is_public: bool,
        /// False once archived (kept in step with `archived_at`).
        pub is_active: bool,
        pub created_at: DateTimeUtc,
        /// Set when an admin archived it: no longer offered, chosen or targeted; its consent
        /// records stay.
        pub archived_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A contact's current opt-in to an interest: `contact_interests`.
pub mod contact_interest {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "contact_interests")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub contact_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub interest_id: i64,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Every opt-in and opt-out: `consent_records` (append-only).
pub mod consent_record {
    use sea_orm::entity::prelude::*;

    use crate::domain::segment::{ConsentAction, ConsentSource};

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "consent_records")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub contact_id: i64,
        /// None: all bulk mail ("unsubscribe from everything" or its reversal).
        pub interest_id: Option<i64>,
        pub action: ConsentAction,
        pub source: ConsentSource,
        pub wording_version: String,
        pub actor: String,
        pub mailing_id: Option<i64>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A contact who wants no bulk mail at all: `mail_opt_outs`.
pub mod opt_out {
    use sea_orm::entity::prelude::*;

    use crate::domain::segment::ConsentSource;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mail_opt_outs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub contact_id: i64,
        pub source: ConsentSource,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An address that bounced or complained: `email_suppressions`.
pub mod suppression {
    use sea_orm::entity::prelude::*;

    use crate::domain::segment::SuppressionReason;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "email_suppressions")]
    pub struct Model {
        /// Lower case, as contacts store it.
        #[sea_orm(primary_key, auto_increment = false)]
        pub email: String,
        pub reason: SuppressionReason,
        pub detail: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A stored contact filter (smart group): `saved_searches`.
pub mod saved_search {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "saved_searches")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub description: Option<String>,
        /// The filter as JSON (`services::contacts::ContactFilter`).
        pub filter: String,
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A newsletter or appeal: `mailings`.
pub mod mailing {
    use sea_orm::entity::prelude::*;

    use crate::domain::segment::MailingStatus;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mailings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub subject: String,
        pub text_body: String,
        pub html_body: String,
        /// `services::mailings::Audience` as JSON.
        pub audience: String,
        pub status: MailingStatus,
        pub scheduled_at: Option<DateTimeUtc>,
        pub started_at: Option<DateTimeUtc>,
        /// When the audience snapshot was taken (its rows are in `mailing_recipients`).
        pub resolved_at: Option<DateTimeUtc>,
        pub finished_at: Option<DateTimeUtc>,
        pub cancelled_at: Option<DateTimeUtc>,
        /// Contacts in the snapshot who get the message.
        pub recipients: i64,
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One contact of a mailing's audience snapshot: `mailing_recipients` (unique per mailing and
/// contact).
pub mod mailing_recipient {
    use sea_orm::entity::prelude::*;

    use crate::domain::segment::RecipientStatus;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mailing_recipients")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub mailing_id: i64,
        pub contact_id: i64,
        pub status: RecipientStatus,
        pub skip_reason: Option<String>,
        pub created_at: DateTimeUtc,
        pub queued_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An anonymous newsletter sign-up awaiting its confirmation link: `subscription_requests`.
pub mod subscription_request {
    use sea_orm::entity::prelude::*;

    use crate::db::columns::JsonText;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "subscription_requests")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub email: String,
        pub interest_ids: JsonText<Vec<i64>>,
        /// SHA-256 of the token in the link (the token itself is never stored).
        pub token_sha256: String,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub confirmed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Keys made by the server itself (the unsubscribe links' HMAC key when none is configured).
pub mod signing_key {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "signing_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub secret: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
