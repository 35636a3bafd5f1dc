//! Single-use links: password resets, portal invitations and email verification. A link is a random
//! token of which only the digest is stored; its message carries the token only in the outbox row's
//! secret (see `mail::outbox::OneTimeLink`). A link works once; using one closes the login's others.

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;

use crate::db::begin_write;
use crate::db::entities::{contact, password_token, user};
use crate::domain::account::{TokenPurpose, User};
use crate::domain::contact::Contact;
use crate::domain::email::EmailAddress;
use crate::domain::role::{Role, check_password};
use crate::error::{AppError, AppResult};
use crate::mail::context;
use crate::mail::outbox::{OneTimeLink, Renderer, enqueue_account_message};
use crate::services::auth::{AuthUser, hash_password, new_token, revoke_sessions, token_digest};
use crate::services::{Actor, audit, contacts};
use crate::state::AppState;

/// Links of any kind a login may be sent per hour (a mail-bombing guard).
const LINKS_PER_HOUR: u64 = 3;

/// Creates a single-use token and queues the message carrying its link, in the caller's transaction.
async fn send_token<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    u: &user::Model,
    purpose: TokenPurpose,
) -> AppResult<()> {
    let now = state.clock.now();
    let (lifetime, template, path) = match purpose {
        TokenPurpose::Invite => (
            Duration::days(state.settings.auth.invitation_days),
            "invitation",
            "accept-invitation",
        ),
        TokenPurpose::Verify => (
            Duration::days(state.settings.auth.email_verification_days),
            "verify-email",
            "verify-email",
        ),
        TokenPurpose::Reset => (
            Duration::minutes(state.settings.auth.reset_token_minutes),
            "password-reset",
            "reset-password",
        ),
    };
    let token = new_token();
    let row = password_token::ActiveModel {
        user_id: Set(u.id),
        purpose: Set(purpose),
        token_sha256: Set(token_digest(&token)),
        expires_at: Set(now + lifetime),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let link = OneTimeLink::new(&state.settings.server.public_url, path, token);
    let url = link.url();
    let extra = match purpose {
        TokenPurpose::Invite => {
            json!({ "invitation": { "url": url, "expiresInDays": lifetime.num_days() } })
        }
        TokenPurpose::Verify => {
            json!({ "verification": { "url": url, "expiresInDays": lifetime.num_days() } })
        }
        TokenPurpose::Reset => {
            json!({ "reset": { "url": url, "expiresInMinutes": lifetime.num_minutes() } })
        }
    };
    let c: Option<Contact> = match u.contact_id {
        Some(id) => contact::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(Into::into),
        None => None,
    };
    let ctx = context::for_login(&state.settings, &u.email, c.as_ref(), extra);
    let rendered = Renderer::load(&state.templates, db, &[template])
        .await?
        .render(template, &ctx)?;
    let key = format!("{}.u{}.t{}", template, u.id, row.id);
    enqueue_account_message(
        db,
        key,
        template,
        &u.email,
        u.contact_id,
        rendered,
        link,
        now,
    )
    .await
}

/// Starts a password reset. Answers the same whether or not the account exists (the work happens in
/// the background, so the time does not tell either); at most three links an hour per account.
pub async fn request_password_reset(state: &AppState, email: &str) {
    let state = state.clone();
    let email = email.to_string();
    tokio::spawn(async move {
        if let Err(e) = reset_link(&state, &email).await {
            tracing::error!(error = %e, "password reset request failed");
        }
    });
}

async fn reset_link(state: &AppState, email: &str) -> AppResult<()> {
    let Ok(email) = EmailAddress::parse(email, "email") else {
        return Ok(());
    };
    let Some(u) = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&state.db)
        .await?
    else {
        return Ok(());
    };
    if u.disabled_at.is_some() {
        return Ok(());
    }
    if links_in_last_hour(state, u.id).await? >= LINKS_PER_HOUR {
        tracing::warn!(
            user = u.id,
            "password reset requested too often; no new link sent"
        );
        return Ok(());
    }
    let txn = begin_write(&state.db).await?;
    send_token(state, &txn, &u, TokenPurpose::Reset).await?;
    txn.commit().await?;
    Ok(())
}

/// How many links (reset, invitation, verification) the login was sent in the last hour.
async fn links_in_last_hour(state: &AppState, user_id: i64) -> AppResult<u64> {
    let hour_ago = state.clock.now() - Duration::hours(1);
    Ok(password_token::Entity::find()
        .filter(password_token::Column::UserId.eq(user_id))
        .filter(password_token::Column::CreatedAt.gte(hour_ago))
        .count(&state.db)
        .await?)
}

/// Emails the caller a link confirming their login's address. Returns false, sending nothing, when
/// the address is already confirmed. Self-service sign-up sends the same link.
pub async fn request_email_verification(state: &AppState, viewer: &AuthUser) -> AppResult<bool> {
    if viewer.api_key_id.is_some() {
        return Err(AppError::Forbidden(
            "an API key has no email address to confirm; sign in as the login instead".into(),
        ));
    }
    let u = user::Entity::find_by_id(viewer.user_id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    if u.email_verified_at.is_some() {
        return Ok(false);
    }
    if links_in_last_hour(state, u.id).await? >= LINKS_PER_HOUR {
        return Err(AppError::TooManyRequests(format!(
            "at most {LINKS_PER_HOUR} links an hour are sent to one login; use the last one or try again later"
        )));
    }
    let txn = begin_write(&state.db).await?;
    send_token(state, &txn, &u, TokenPurpose::Verify).await?;
    txn.commit().await?;
    Ok(true)
}

/// Confirms a login's email address with the token from a verification link. The link works once;
/// confirming an address already confirmed (another link) is fine.
pub async fn verify_email(state: &AppState, token: &str) -> AppResult<User> {
    let now = state.clock.now();
    let found = open_token(state, token, &[TokenPurpose::Verify]).await?;
    let txn = begin_write(&state.db).await?;
    let u = claim_token(&txn, &found, now, false).await?;
    let u = mark_verified(&txn, u, now).await?;
    txn.commit().await?;
    Ok(u.into())
}

fn bad_link() -> AppError {
    AppError::bad_input(
        "token",
        "this link is invalid, already used or expired; ask for a new one",
    )
}

/// The unused, unexpired token of a link, if it serves one of `purposes`.
async fn open_token(
    state: &AppState,
    token: &str,
    purposes: &[TokenPurpose],
) -> AppResult<password_token::Model> {
    let found = password_token::Entity::find()
        .filter(password_token::Column::TokenSha256.eq(token_digest(token.trim())))
        .filter(password_token::Column::Purpose.is_in(purposes.iter().copied()))
        .one(&state.db)
        .await?
        .ok_or_else(bad_link)?;
    if found.used_at.is_some() || found.expires_at <= state.clock.now() {
        return Err(bad_link());
    }
    Ok(found)
}

/// Marks the token used in `txn` — conditioned on it being unused, so of two concurrent uses one
/// fails — and with `every_link` the login's other open links too. Returns the login.
async fn claim_token<C: ConnectionTrait>(
    txn: &C,
    found: &password_token::Model,
    now: chrono::DateTime<chrono::Utc>,
    every_link: bool,
) -> AppResult<user::Model> {
    let used = || {
        password_token::Entity::update_many()
            .col_expr(
                password_token::Column::UsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(password_token::Column::UsedAt.is_null())
    };
    let claimed = used()
        .filter(password_token::Column::Id.eq(found.id))
        .exec(txn)
        .await?
        .rows_affected;
    if claimed == 0 {
        return Err(bad_link());
    }
    if every_link {
        used()
            .filter(password_token::Column::UserId.eq(found.user_id))
            .exec(txn)
            .await?;
    }
    user::Entity::find_by_id(found.user_id)
        .one(txn)
        .await?
        .ok_or_else(bad_link)
}

/// Records that the login's address is confirmed (once), with an audit entry.
async fn mark_verified<C: ConnectionTrait>(
    db: &C,
    u: user::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<user::Model> {
    if u.email_verified_at.is_some() {
        return Ok(u);
    }
    let id = u.id;
    let mut active: user::ActiveModel = u.into();
    active.email_verified_at = Set(Some(now));
    let updated = active.update(db).await?;
    audit::record(
        db,
        &Actor::Anonymous,
        "user.email_verified",
        "user",
        id,
        None,
        None,
        now,
    )
    .await?;
    Ok(updated)
}

/// Sets a new password with a reset or invitation link's token; the token works once, every other
/// open link of the login stops working, and every session is signed out.
pub async fn reset_password(state: &AppState, token: &str, new_password: &str) -> AppResult<()> {
    check_password(
        new_password,
        state.settings.auth.min_password_length,
        "newPassword",
    )?;
    let now = state.clock.now();
    // A verification link only confirms an address: it never sets a password.
    let found = open_token(state, token, &[TokenPurpose::Reset, TokenPurpose::Invite]).await?;
    let hash = hash_password(new_password).await?;
    let txn = begin_write(&state.db).await?;
    let u = claim_token(&txn, &found, now, true).await?;
    let mut active: user::ActiveModel = u.into();
    active.password_hash = Set(hash);
    active.updated_at = Set(now);
    let u = active.update(&txn).await?;
    // The link reached the login's mailbox, so the address is confirmed too.
    mark_verified(&txn, u, now).await?;
    revoke_sessions(state, &txn, found.user_id, None, now).await?;
    let actor = Actor::Anonymous;
    audit::record(
        &txn,
        &actor,
        "user.password_reset",
        "user",
        found.user_id,
        None,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Creates a MEMBER login for a contact and emails an invitation to set a password.
pub async fn invite(state: &AppState, actor: &Actor, contact_id: i64) -> AppResult<User> {
    let txn = begin_write(&state.db).await?;
    let c = contacts::get_live_in(&txn, contact_id, "contactId").await?;
    contacts::refuse_erased(&c)?;
    // Nobody knows this password: the invitation link sets the real one.
    let unusable = hash_password(&new_token()).await?;
    let u = invite_in(state, &txn, actor, &c, unusable).await?;
    txn.commit().await?;
    Ok(u)
}

/// [`invite`] inside the caller's transaction (self-service signup invites a known contact who
/// asked for a login, rather than taking a password from an anonymous request). `unusable_hash`
/// is the hash of a password nobody knows (hashed before the transaction: it is slow).
pub async fn invite_in<C: ConnectionTrait>(
    state: &AppState,
    txn: &C,
    actor: &Actor,
    c: &contact::Model,
    unusable_hash: String,
) -> AppResult<User> {
    let now = state.clock.now();
    if c.is_deceased {
        return Err(AppError::bad_input(
            "contactId",
            "this contact is marked deceased",
        ));
    }
    let Some(email) = c.email.clone() else {
        return Err(AppError::bad_input(
            "contactId",
            "the contact has no email address to invite",
        ));
    };
    let taken = user::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(user::Column::ContactId.eq(c.id))
                .add(user::Column::Email.eq(email.clone())),
        )
        .count(txn)
        .await?;
    if taken > 0 {
        return Err(AppError::conflict(
            Some("contactId"),
            "a login already exists for this contact or address",
        ));
    }
    let u = user::ActiveModel {
        email: Set(email),
        password_hash: Set(unusable_hash),
        role: Set(Role::Member),
        contact_id: Set(Some(c.id)),
        disabled_at: Set(None),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        verification_required: Set(false),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    send_token(state, txn, &u, TokenPurpose::Invite).await?;
    let view = json!({ "email": u.email, "role": u.role.as_str(), "contactId": u.contact_id });
    audit::record(
        txn,
        actor,
        "user.invite",
        "user",
        u.id,
        None,
        Some(view),
        now,
    )
    .await?;
    Ok(u.into())
}

/// Queues a verification link for a new login, inside the caller's transaction (signup).
pub async fn send_verification_in<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    u: &user::Model,
) -> AppResult<()> {
    send_token(state, db, u, TokenPurpose::Verify).await
}
