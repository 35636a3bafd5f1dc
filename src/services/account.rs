//! Self-service and login administration: profile changes, password changes and resets, portal
//! invitations, and admins' changes to logins.

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;

use crate::db::begin_write;
use crate::db::entities::{contact, password_token, user};
use crate::domain::contact::{ContactPatch, Patch};
use crate::domain::email::EmailAddress;
use crate::domain::role::{Role, check_password};
use crate::error::{AppError, AppResult};
use crate::mail::context;
use crate::mail::outbox::{OneTimeLink, Renderer, enqueue_account_message};
use crate::services::auth::{
    AuthUser, hash_password, new_token, revoke_sessions, token_digest, verify_password,
};
use crate::services::{Actor, audit, contacts};
use crate::state::AppState;

pub const RESET: &str = "RESET";
pub const INVITE: &str = "INVITE";
pub const VERIFY: &str = "VERIFY";
/// Links of any kind a login may be sent per hour (a mail-bombing guard).
const LINKS_PER_HOUR: u64 = 3;

/// What a member may change about themselves: never role, status, dates or another contact.
#[derive(Default)]
pub struct ProfileChange {
    pub first_name: Patch<String>,
    pub last_name: Patch<String>,
    pub phone: Patch<String>,
    pub street: Patch<String>,
    pub city: Patch<String>,
    pub postal_code: Patch<String>,
    pub region: Patch<String>,
    pub country: Patch<String>,
    pub preferred_language: Patch<String>,
    pub do_not_email: Option<bool>,
    pub do_not_mail: Option<bool>,
}

pub async fn update_my_profile(
    state: &AppState,
    viewer: &AuthUser,
    c: ProfileChange,
) -> AppResult<contact::Model> {
    let Some(contact_id) = viewer.contact_id else {
        return Err(AppError::Forbidden(
            "this login has no contact record to update".into(),
        ));
    };
    let patch = ContactPatch {
        first_name: c.first_name,
        last_name: c.last_name,
        phone: c.phone,
        street: c.street,
        city: c.city,
        postal_code: c.postal_code,
        region: c.region,
        country: c.country,
        preferred_language: c.preferred_language,
        do_not_email: c.do_not_email.map_or(Patch::Keep, Patch::Set),
        do_not_mail: c.do_not_mail.map_or(Patch::Keep, Patch::Set),
        ..Default::default()
    };
    let actor = Actor::User {
        id: viewer.user_id,
        email: viewer.email.clone(),
        role: viewer.role,
    };
    contacts::update(state, &actor, contact_id, patch).await
}

/// Changes the caller's password and signs out their other sessions.
pub async fn change_password(
    state: &AppState,
    viewer: &AuthUser,
    current: &str,
    new: &str,
) -> AppResult<()> {
    if viewer.api_key_id.is_some() {
        return Err(AppError::Forbidden("API keys have no password".into()));
    }
    let u = crate::services::users::get(state, viewer.user_id).await?;
    if !verify_password(current, &u.password_hash).await? {
        return Err(AppError::bad_input("currentPassword", "is not correct"));
    }
    check_password(new, state.settings.auth.min_password_length, "newPassword")?;
    let hash = hash_password(new).await?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let mut active: user::ActiveModel = u.into();
    active.password_hash = Set(hash);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    revoke_sessions(&txn, viewer.user_id, Some(viewer.session_id), now).await?;
    let actor = Actor::User {
        id: viewer.user_id,
        email: viewer.email.clone(),
        role: viewer.role,
    };
    audit::record(
        &txn,
        &actor,
        "user.password_change",
        "user",
        viewer.user_id,
        None,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Creates a single-use token and queues the message carrying its link, in the caller's transaction.
async fn send_token<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    u: &user::Model,
    purpose: &str,
) -> AppResult<()> {
    let now = state.clock.now();
    let (lifetime, template, path) = match purpose {
        INVITE => (
            Duration::days(state.settings.auth.invitation_days),
            "invitation",
            "accept-invitation",
        ),
        VERIFY => (
            Duration::days(state.settings.auth.email_verification_days),
            "verify-email",
            "verify-email",
        ),
        _ => (
            Duration::minutes(state.settings.auth.reset_token_minutes),
            "password-reset",
            "reset-password",
        ),
    };
    let token = new_token();
    let row = password_token::ActiveModel {
        user_id: Set(u.id),
        purpose: Set(purpose.into()),
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
        INVITE => json!({ "invitation": { "url": url, "expiresInDays": lifetime.num_days() } }),
        VERIFY => {
            json!({ "verification": { "url": url, "expiresInDays": lifetime.num_days() } })
        }
        _ => json!({ "reset": { "url": url, "expiresInMinutes": lifetime.num_minutes() } }),
    };
    let c = match u.contact_id {
        Some(id) => contact::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let ctx = context::for_login(&state.settings, &u.email, c.as_ref(), extra);
    let rendered = Renderer::load(state, db, &[template])
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
    send_token(state, &txn, &u, RESET).await?;
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
    send_token(state, &txn, &u, VERIFY).await?;
    txn.commit().await?;
    Ok(true)
}

/// Confirms a login's email address with the token from a verification link. The link works once;
/// confirming an address already confirmed (another link) is fine.
pub async fn verify_email(state: &AppState, token: &str) -> AppResult<user::Model> {
    let now = state.clock.now();
    let found = open_token(state, token, &[VERIFY]).await?;
    let txn = begin_write(&state.db).await?;
    let u = claim_token(&txn, &found, now, false).await?;
    let u = mark_verified(&txn, u, now).await?;
    txn.commit().await?;
    Ok(u)
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
    purposes: &[&str],
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
    let found = open_token(state, token, &[RESET, INVITE]).await?;
    let hash = hash_password(new_password).await?;
    let txn = begin_write(&state.db).await?;
    let u = claim_token(&txn, &found, now, true).await?;
    let mut active: user::ActiveModel = u.into();
    active.password_hash = Set(hash);
    active.updated_at = Set(now);
    let u = active.update(&txn).await?;
    // The link reached the login's mailbox, so the address is confirmed too.
    mark_verified(&txn, u, now).await?;
    revoke_sessions(&txn, found.user_id, None, now).await?;
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
pub async fn invite(state: &AppState, actor: &Actor, contact_id: i64) -> AppResult<user::Model> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let c = contacts::get_live_in(&txn, contact_id, "contactId").await?;
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
        .count(&txn)
        .await?;
    if taken > 0 {
        return Err(AppError::conflict(
            Some("contactId"),
            "a login already exists for this contact or address",
        ));
    }
    // Nobody knows this password: the invitation link sets the real one.
    let unusable = hash_password(&new_token()).await?;
    let u = user::ActiveModel {
        email: Set(email),
        password_hash: Set(unusable),
        role: Set(Role::Member.as_str().into()),
        contact_id: Set(Some(c.id)),
        disabled_at: Set(None),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    send_token(state, &txn, &u, INVITE).await?;
    let view = json!({ "email": u.email, "role": u.role, "contactId": u.contact_id });
    audit::record(
        &txn,
        actor,
        "user.invite",
        "user",
        u.id,
        None,
        Some(view.to_string()),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(u)
}

/// An admin's change to a login.
#[derive(Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub contact_id: Patch<i64>,
}

fn user_view(u: &user::Model) -> String {
    json!({ "email": u.email, "role": u.role, "contactId": u.contact_id, "disabled": u.disabled_at.is_some() }).to_string()
}

/// Changes a login's role, disabled flag or contact. Disabling signs it out everywhere; the last
/// active admin cannot be demoted or disabled.
pub async fn update_user(
    state: &AppState,
    actor: &Actor,
    id: i64,
    change: UserChange,
) -> AppResult<user::Model> {
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let current = user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user", id, "id"))?;
    let before = user_view(&current);
    let role = change
        .role
        .unwrap_or(current.role.parse::<Role>().map_err(AppError::internal)?);
    let disabled = change.disabled.unwrap_or(current.disabled_at.is_some());
    let contact_id = change.contact_id.apply(current.contact_id);
    if role == Role::Member && contact_id.is_none() {
        return Err(AppError::bad_input(
            "contactId",
            "a MEMBER login must be linked to a contact",
        ));
    }
    if let Some(cid) = contact_id.filter(|c| Some(*c) != current.contact_id) {
        contacts::get_live_in(&txn, cid, "contactId").await?;
    }
    let was_active_admin = current.role == Role::Admin.as_str() && current.disabled_at.is_none();
    if was_active_admin && (role != Role::Admin || disabled) {
        let admins = user::Entity::find()
            .filter(user::Column::Role.eq(Role::Admin.as_str()))
            .filter(user::Column::DisabledAt.is_null())
            .count(&txn)
            .await?;
        if admins <= 1 {
            return Err(AppError::conflict(
                None,
                "this is the last active admin; make another admin first",
            ));
        }
    }
    let disabling = disabled && current.disabled_at.is_none();
    let mut active: user::ActiveModel = current.clone().into();
    active.role = Set(role.as_str().into());
    active.contact_id = Set(contact_id);
    active.disabled_at = Set(if disabled {
        current.disabled_at.or(Some(now))
    } else {
        None
    });
    active.updated_at = Set(now);
    let updated = active.update(&txn).await.map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            AppError::conflict(Some("contactId"), "that contact already has a login")
        } else {
            e.into()
        }
    })?;
    if disabling || role != current.role.parse::<Role>().unwrap_or(role) {
        revoke_sessions(&txn, id, None, now).await?;
    }
    audit::record(
        &txn,
        actor,
        "user.update",
        "user",
        id,
        Some(before),
        Some(user_view(&updated)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
