//! Signup forms (admins define them; anyone reads an active one by its slug).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::db::begin_write;
use crate::db::columns::JsonText;
use crate::db::entities::signup_form as form;
use crate::domain::money::Money;
use crate::domain::role::Role;
use crate::domain::signup::{CustomField, check_fields, parse_slug};
use crate::domain::text::{Name, optional_text};
use crate::error::{AppError, AppResult};
use crate::services::auth::Viewer;
use crate::services::{access, audit, membership_types};
use crate::state::AppState;

/// A form as the API shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct SignupForm {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub intro: Option<String>,
    pub thank_you: Option<String>,
    pub membership_type_ids: Vec<i64>,
    pub allow_donation: bool,
    pub suggested_donations: Vec<i64>,
    pub fields: Vec<CustomField>,
    pub is_active: bool,
}

impl From<form::Model> for SignupForm {
    fn from(m: form::Model) -> Self {
        SignupForm {
            id: m.id,
            slug: m.slug,
            title: m.title,
            intro: m.intro,
            thank_you: m.thank_you,
            membership_type_ids: m.membership_type_ids.0,
            allow_donation: m.allow_donation,
            suggested_donations: m.suggested_donations.0,
            fields: m.fields.0,
            is_active: m.is_active,
        }
    }
}

/// A form as entered; on update, `None` keeps the stored value.
#[derive(Default)]
pub struct FormInput {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub intro: Option<Option<String>>,
    pub thank_you: Option<Option<String>>,
    pub membership_type_ids: Option<Vec<i64>>,
    pub allow_donation: Option<bool>,
    /// Decimal strings in the organisation's currency.
    pub suggested_donations: Option<Vec<String>>,
    pub fields: Option<Vec<CustomField>>,
    pub is_active: Option<bool>,
}

fn view(m: &form::Model) -> serde_json::Value {
    serde_json::json!({
        "slug": m.slug, "title": m.title, "membershipTypeIds": m.membership_type_ids.0,
        "allowDonation": m.allow_donation, "fields": m.fields.0.len(), "isActive": m.is_active,
    })
}

/// Offered types must exist and be public and active.
async fn check_types<C: ConnectionTrait>(db: &C, ids: &[i64]) -> AppResult<()> {
    if ids.is_empty() || ids.len() > 20 {
        return Err(AppError::bad_input(
            "membershipTypeIds",
            "offer 1 to 20 membership types",
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(AppError::bad_input(
                "membershipTypeIds",
                "a type is named twice",
            ));
        }
        let t: crate::domain::membership::MembershipType =
            membership_types::get(db, *id, "membershipTypeIds")
                .await?
                .into();
        if !t.is_public() {
            return Err(AppError::bad_input(
                "membershipTypeIds",
                format!(
                    "`{}` is not active and public, so no one could join it here",
                    t.name
                ),
            ));
        }
    }
    Ok(())
}

/// Creates (`id` None) or changes a form (admins).
pub async fn save(
    state: &AppState,
    viewer: &Viewer,
    id: Option<i64>,
    input: FormInput,
) -> AppResult<SignupForm> {
    access::require_role(viewer, Role::Admin)?;
    let now = state.clock.now();
    let txn = begin_write(&state.db).await?;
    let current = match id {
        Some(id) => Some(
            form::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(|| AppError::not_found("signup form", id, "id"))?,
        ),
        None => None,
    };
    let before = current.as_ref().map(view);
    let mut active: form::ActiveModel = match current.clone() {
        Some(c) => c.into(),
        None => form::ActiveModel {
            created_at: Set(now),
            ..Default::default()
        },
    };
    let slug = match (&input.slug, &current) {
        (Some(s), _) => parse_slug(s, "slug")?,
        (None, Some(c)) => c.slug.clone(),
        (None, None) => return Err(AppError::bad_input("slug", "is required")),
    };
    let taken = form::Entity::find()
        .filter(form::Column::Slug.eq(slug.clone()))
        .filter(form::Column::Id.ne(id.unwrap_or(0)))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(AppError::conflict(
            Some("slug"),
            "another form has this slug",
        ));
    }
    active.slug = Set(slug);
    let title = match (&input.title, &current) {
        (Some(t), _) => Name::parse(t, "title")?.into_string(),
        (None, Some(c)) => c.title.clone(),
        (None, None) => return Err(AppError::bad_input("title", "must not be empty")),
    };
    active.title = Set(title);
    let text = |v: &Option<Option<String>>, cur: Option<String>, field: &str| match v {
        Some(v) => optional_text(v.as_deref(), field, 5000),
        None => Ok(cur),
    };
    active.intro = Set(text(
        &input.intro,
        current.as_ref().and_then(|c| c.intro.clone()),
        "intro",
    )?);
    active.thank_you = Set(text(
        &input.thank_you,
        current.as_ref().and_then(|c| c.thank_you.clone()),
        "thankYou",
    )?);
    let types = match (input.membership_type_ids, &current) {
        (Some(ids), _) => ids,
        (None, Some(c)) => c.membership_type_ids.0.clone(),
        (None, None) => Vec::new(),
    };
    check_types(&txn, &types).await?;
    active.membership_type_ids = Set(JsonText(types));
    if let Some(a) = input.allow_donation {
        active.allow_donation = Set(a);
    } else if current.is_none() {
        active.allow_donation = Set(false);
    }
    if let Some(amounts) = input.suggested_donations {
        if amounts.len() > 10 {
            return Err(AppError::bad_input(
                "suggestedDonations",
                "at most 10 amounts",
            ));
        }
        let currency = state.settings.organization.default_currency;
        let mut minor = Vec::new();
        for a in &amounts {
            let m = Money::parse(a, currency, "suggestedDonations", false)?.minor();
            if m <= 0 {
                return Err(AppError::bad_input(
                    "suggestedDonations",
                    "amounts are greater than zero",
                ));
            }
            minor.push(m);
        }
        active.suggested_donations = Set(JsonText(minor));
    } else if current.is_none() {
        active.suggested_donations = Set(JsonText(Vec::new()));
    }
    if let Some(fields) = input.fields {
        check_fields(&fields)?;
        active.fields = Set(JsonText(fields));
    } else if current.is_none() {
        active.fields = Set(JsonText(Vec::new()));
    }
    if let Some(a) = input.is_active {
        active.is_active = Set(a);
    } else if current.is_none() {
        active.is_active = Set(true);
    }
    active.updated_at = Set(now);
    let saved = match id {
        Some(_) => active.update(&txn).await?,
        None => active.insert(&txn).await?,
    };
    let actor = access::actor(viewer);
    let action = if id.is_some() {
        "signup_form.update"
    } else {
        "signup_form.create"
    };
    audit::record(
        &txn,
        &actor,
        action,
        "signup_form",
        saved.id,
        before,
        Some(view(&saved)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved.into())
}

/// Every form (admins).
pub async fn list(state: &AppState, viewer: &Viewer) -> AppResult<Vec<SignupForm>> {
    access::require_role(viewer, Role::Admin)?;
    Ok(form::Entity::find()
        .order_by_asc(form::Column::Slug)
        .all(&state.db)
        .await?
        .into_iter()
        .map(SignupForm::from)
        .collect())
}

/// An active form by its slug, for anyone (admins also find inactive ones, to preview them).
/// Unknown and inactive slugs are NOT_FOUND alike.
pub async fn by_slug(state: &AppState, viewer: &Viewer, slug: &str) -> AppResult<SignupForm> {
    let found = form::Entity::find()
        .filter(form::Column::Slug.eq(slug.trim().chars().take(64).collect::<String>()))
        .one(&state.db)
        .await?
        .filter(|f| f.is_active || viewer.user().is_some_and(|u| u.role.at_least(Role::Admin)))
        .ok_or_else(|| {
            AppError::not_found(
                "signup form",
                slug.chars().take(64).collect::<String>(),
                "slug",
            )
        })?;
    Ok(found.into())
}
