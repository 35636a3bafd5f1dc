use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::domain::account::User as UserRecord;
use crate::domain::role::Role as DomainRole;
use crate::graphql::guards;
use crate::graphql::scalars::DateTime;
use crate::services::access;

crate::mirror_enum!(
    /// What a login may do.
    Role <=> DomainRole {
        /// Everything, including settings and logins.
        Admin,
        /// Contacts, memberships, contributions, events and reports; not settings.
        Staff,
        /// Their own data through `viewer` and `updateMyProfile`.
        Member,
    }
);

#[derive(Clone, Debug)]
pub struct User(pub UserRecord);

/// A login: an email and password with a role, optionally linked to a contact.
#[Object]
impl User {
    /// Identifier of the login.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Email used to sign in.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// What the login may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// Whether the login is disabled (it cannot sign in).
    async fn is_disabled(&self) -> bool {
        self.0.disabled_at.is_some()
    }
    /// Whether the login's email address is confirmed: by a verification link, or by setting the
    /// password through an invitation or reset link sent to it.
    async fn email_verified(&self) -> bool {
        self.0.email_verified_at.is_some()
    }
    /// When the email address was confirmed.
    async fn email_verified_at(&self) -> Option<DateTime> {
        self.0.email_verified_at.map(DateTime)
    }
    /// Last successful sign-in.
    async fn last_login_at(&self) -> Option<DateTime> {
        self.0.last_login_at.map(DateTime)
    }
    /// When the login was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// The contact this login belongs to (members always have one).
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<super::contact::Contact>> {
        let Some(contact_id) = self.0.contact_id else {
            return Ok(None);
        };
        access::require_self_or_staff(guards::viewer(ctx), contact_id)?;
        Ok(guards::loaders(ctx)?
            .contact(contact_id)
            .await?
            .map(super::contact::Contact))
    }
}

/// A new login.
#[derive(Debug, InputObject)]
pub struct CreateUserInput {
    /// Email used to sign in; unique.
    pub email: String,
    /// Initial password (at least the configured minimum length, 10 by default).
    pub password: String,
    /// What the login may do.
    pub role: Role,
    /// The contact the login belongs to; required for MEMBER logins.
    pub contact_id: Option<ID>,
}

/// A new session.
#[derive(Debug, SimpleObject)]
pub struct LoginResult {
    /// Bearer token: send it as `Authorization: Bearer <token>`. Shown once; only its hash is stored.
    pub token: String,
    /// When the token stops working.
    pub expires_at: DateTime,
    /// The signed-in login.
    pub user: User,
}

crate::connection!(
    UserConnection,
    UserEdge,
    User,
    "A page of logins: the items, their cursors, whether more follow, and how many match in all.",
    "One login in a list, with its cursor."
);
