//! Membership types: what a member can join, for how long, at what fee, and what it grants.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::db::begin_write;
use crate::db::columns::JsonText;
use crate::db::entities::membership_type as mtype;
use crate::domain::membership::price::{PriceOption, RenewalWindow, Rounding, check_options};
use crate::domain::membership::{
    AutoRenew, DurationUnit, MembershipType, PeriodRules, PeriodType, Visibility, parse_grants,
};
use crate::domain::money::{Currency, Money};
use crate::domain::text::{Name, optional_text};
use crate::error::{AppError, AppResult};
use crate::services::access;
use crate::services::auth::Viewer;
use crate::state::AppState;

/// A membership type as entered (all fields; an update merges the stored values first).
#[derive(Clone, Debug)]
pub struct TypeFields {
    pub name: String,
    pub description: Option<String>,
    /// Decimal string, e.g. "50.00".
    pub minimum_fee: String,
    pub currency: String,
    pub duration_unit: DurationUnit,
    pub duration_interval: i64,
    pub period_type: PeriodType,
    pub fixed_period_start_day: Option<String>,
    pub fixed_period_rollover_day: Option<String>,
    pub auto_renew: AutoRenew,
    pub visibility: Visibility,
    pub is_active: bool,
    pub grants: Vec<String>,
    pub weight: i32,
    pub send_welcome: bool,
    /// Template of the welcome message for this type (default `welcome`).
    pub welcome_template_key: Option<String>,
    pub prices: PriceFields,
    /// Relationship type ids through which related contacts inherit (bundles).
    pub inherit_via: Vec<i64>,
    /// Seats for related contacts (None: no limit).
    pub max_related: Option<i32>,
}

/// A type's prices as entered: decimal strings in the type's currency.
#[derive(Clone, Debug, Default)]
pub struct PriceFields {
    /// Added once when a new member joins (default "0").
    pub joining_fee: Option<String>,
    /// The price of a renewal term (None: the fee).
    pub renewal_fee: Option<String>,
    pub prorate: bool,
    pub rounding: Option<Rounding>,
    /// (terms, price) special prices.
    pub options: Vec<(i64, String)>,
    /// Self-service renewal window (defaults 60 days before, 90 after the end date).
    pub renewal_opens_days_before: Option<i32>,
    pub renewal_closes_days_after: Option<i32>,
}

pub fn fields_of(m: &mtype::Model) -> TypeFields {
    let exponent = Currency::parse(&m.currency, "currency").map_or(2, |c| c.exponent());
    TypeFields {
        name: m.name.clone(),
        description: m.description.clone(),
        minimum_fee: crate::domain::money::format_minor(m.minimum_fee_minor, exponent),
        currency: m.currency.clone(),
        duration_unit: m.duration_unit,
        duration_interval: i64::from(m.duration_interval),
        period_type: m.period_type,
        fixed_period_start_day: m.fixed_period_start_day.clone(),
        fixed_period_rollover_day: m.fixed_period_rollover_day.clone(),
        auto_renew: m.auto_renew,
        visibility: m.visibility,
        is_active: m.is_active,
        grants: m.grants.0.clone(),
        weight: m.weight,
        send_welcome: m.send_welcome,
        welcome_template_key: m.welcome_template_key.clone(),
        prices: PriceFields {
            joining_fee: Some(crate::domain::money::format_minor(
                m.joining_fee_minor,
                exponent,
            )),
            renewal_fee: m
                .renewal_fee_minor
                .map(|r| crate::domain::money::format_minor(r, exponent)),
            prorate: m.prorate,
            rounding: Some(m.proration_rounding),
            options: m
                .price_options
                .0
                .iter()
                .map(|o| {
                    let price = crate::domain::money::format_minor(o.price_minor, exponent);
                    (i64::from(o.terms), price)
                })
                .collect(),
            renewal_opens_days_before: Some(m.renewal_opens_days_before),
            renewal_closes_days_after: Some(m.renewal_closes_days_after),
        },
        inherit_via: m
            .inherit_via
            .as_ref()
            .map(|j| j.0.clone())
            .unwrap_or_default(),
        max_related: m.max_related,
    }
}

/// The period rules of a type record.
pub fn period_rules_of(t: &MembershipType) -> AppResult<PeriodRules> {
    t.period_rules().map_err(|e| {
        AppError::internal(format!(
            "membership type {} has invalid period rules: {e}",
            t.id
        ))
    })
}

/// The period rules of a stored type.
pub fn period_rules(m: &mtype::Model) -> AppResult<PeriodRules> {
    PeriodRules::parse(
        m.duration_unit,
        i64::from(m.duration_interval),
        m.period_type,
        m.fixed_period_start_day.as_deref(),
        m.fixed_period_rollover_day.as_deref(),
    )
    .map_err(|e| {
        AppError::internal(format!(
            "membership type {} has invalid period rules: {e}",
            m.id
        ))
    })
}

fn apply(active: &mut mtype::ActiveModel, f: TypeFields) -> AppResult<()> {
    let name = Name::parse(&f.name, "name")?;
    let currency = Currency::parse(&f.currency, "currency")?;
    let fee = Money::parse(&f.minimum_fee, currency, "minimumFee", false)?;
    let rules = PeriodRules::parse(
        f.duration_unit,
        f.duration_interval,
        f.period_type,
        f.fixed_period_start_day
            .as_deref()
            .filter(|s| !s.trim().is_empty()),
        f.fixed_period_rollover_day
            .as_deref()
            .filter(|s| !s.trim().is_empty()),
    )?;
    let grants = parse_grants(&f.grants)?;
    let normalise = |s: Option<String>| {
        s.filter(|s| !s.trim().is_empty())
            .and_then(|s| crate::domain::dates::MonthDay::parse(&s, "").ok())
            .map(|md| md.to_string())
    };
    active.name = Set(name.into_string());
    active.description = Set(optional_text(
        f.description.as_deref(),
        "description",
        5000,
    )?);
    active.minimum_fee_minor = Set(fee.minor());
    active.currency = Set(currency.code().to_string());
    active.duration_unit = Set(rules.unit());
    active.duration_interval = Set(if rules.is_lifetime() {
        1
    } else {
        f.duration_interval as i32
    });
    active.period_type = Set(f.period_type);
    active.fixed_period_start_day = Set(normalise(f.fixed_period_start_day));
    active.fixed_period_rollover_day = Set(normalise(f.fixed_period_rollover_day));
    active.auto_renew = Set(f.auto_renew);
    active.visibility = Set(f.visibility);
    active.is_active = Set(f.is_active);
    active.grants = Set(JsonText(grants));
    active.weight = Set(f.weight);
    active.send_welcome = Set(f.send_welcome);
    active.welcome_template_key = Set(f.welcome_template_key.filter(|k| !k.trim().is_empty()));
    active.max_related = Set(crate::domain::household::parse_max_related(f.max_related)?);
    apply_prices(active, &f.prices, currency, &rules)
}

fn apply_prices(
    active: &mut mtype::ActiveModel,
    p: &PriceFields,
    currency: Currency,
    rules: &PeriodRules,
) -> AppResult<()> {
    let money =
        |raw: &str, field: &str| Money::parse(raw, currency, field, false).map(|m| m.minor());
    let joining = money(p.joining_fee.as_deref().unwrap_or("0"), "joiningFee")?;
    let renewal = p
        .renewal_fee
        .as_deref()
        .map(|r| money(r, "renewalFee"))
        .transpose()?;
    let mut options = Vec::new();
    for (terms, price) in &p.options {
        options.push(PriceOption {
            terms: u32::try_from(*terms).unwrap_or(0),
            price_minor: money(price, "priceOptions")?,
        });
    }
    check_options(&options)?;
    if p.prorate && rules.period_type() != PeriodType::Fixed {
        return Err(AppError::bad_input(
            "prorate",
            "only FIXED period types are prorated (rolling periods start on the joining day)",
        ));
    }
    active.joining_fee_minor = Set(joining);
    active.renewal_fee_minor = Set(renewal);
    active.prorate = Set(p.prorate);
    active.proration_rounding = Set(p.rounding.unwrap_or(Rounding::Nearest));
    active.price_options = Set(JsonText(options));
    let window = RenewalWindow::parse(
        p.renewal_opens_days_before.unwrap_or(60),
        p.renewal_closes_days_after.unwrap_or(90),
    )?;
    active.renewal_opens_days_before = Set(window.opens_days_before);
    active.renewal_closes_days_after = Set(window.closes_days_after);
    Ok(())
}

#[tracing::instrument(skip(state, f), fields(name = %f.name))]
pub async fn create(state: &AppState, f: TypeFields) -> AppResult<MembershipType> {
    let now = state.clock.now();
    let mut active = mtype::ActiveModel {
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let txn = begin_write(&state.db).await?;
    check_template(state, &txn, f.welcome_template_key.as_deref()).await?;
    let via = crate::services::households::types::check_ids(&txn, &f.inherit_via).await?;
    active.inherit_via = Set(Some(JsonText(via)));
    apply(&mut active, f)?;
    let created = active.insert(&txn).await?;
    txn.commit().await?;
    state.reference.invalidate();
    Ok(created.into())
}

/// Updates a type: `change` merges the caller's patch into the stored fields inside the write
/// transaction, so a concurrent update is never lost. Existing memberships keep their dates.
#[tracing::instrument(skip(state, change))]
pub async fn update(
    state: &AppState,
    id: i64,
    change: impl FnOnce(TypeFields) -> TypeFields,
) -> AppResult<MembershipType> {
    let txn = begin_write(&state.db).await?;
    let current = get(&txn, id, "id").await?;
    let fields = change(fields_of(&current));
    check_template(state, &txn, fields.welcome_template_key.as_deref()).await?;
    let via = crate::services::households::types::check_ids(&txn, &fields.inherit_via).await?;
    let mut active: mtype::ActiveModel = current.into();
    active.inherit_via = Set(Some(JsonText(via)));
    apply(&mut active, fields)?;
    active.updated_at = Set(state.clock.now());
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    state.reference.invalidate();
    Ok(updated.into())
}

/// A type's welcome template must exist (a file or an admin's template).
async fn check_template<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    key: Option<&str>,
) -> AppResult<()> {
    let Some(key) = key.filter(|k| !k.trim().is_empty()) else {
        return Ok(());
    };
    let renderer = crate::mail::outbox::Renderer::load(&state.templates, db, &[key]).await?;
    if !renderer.has(key) {
        return Err(AppError::bad_input(
            "welcomeTemplateKey",
            format!("there is no message template `{key}`"),
        ));
    }
    // It must render with what a welcome message has (contact, membership, organisation, links):
    // an account template such as `password-reset` needs a one-time link no membership carries.
    let mut ctx = crate::mail::templates::sample_context();
    if let Some(o) = ctx.as_object_mut() {
        for only_elsewhere in [
            "reset",
            "invitation",
            "verification",
            "contribution",
            "statement",
            "tribute",
            "payment",
            "reminder",
        ] {
            o.remove(only_elsewhere);
        }
    }
    renderer.render(key, &ctx).map(|_| ()).map_err(|_| {
        AppError::bad_input(
            "welcomeTemplateKey",
            format!(
                "template `{key}` uses values a welcome message does not have (such as a one-time link)"
            ),
        )
    })
}

pub async fn get<C: ConnectionTrait>(db: &C, id: i64, field: &str) -> AppResult<mtype::Model> {
    mtype::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("membership type", id, field))
}

/// Types in display order. Anonymous callers and members see active public types; staff see every
/// active type, and inactive ones too with `include_inactive`.
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    include_inactive: bool,
) -> AppResult<Vec<MembershipType>> {
    let staff = access::is_staff(viewer);
    let types = state.reference.types(&state.db).await?;
    Ok(types
        .iter()
        .filter(|t| {
            if staff {
                include_inactive || t.is_active
            } else {
                t.is_public()
            }
        })
        .cloned()
        .collect())
}

/// One type as the viewer may see it: outside the staff only active public types exist.
pub async fn find(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<MembershipType> {
    let t = MembershipType::from(get(&state.db, id, "id").await?);
    if !t.is_public() && !access::is_staff(viewer) {
        return Err(AppError::not_found("membership type", id, "id"));
    }
    Ok(t)
}

/// Types by id (for DataLoaders: the fields that reach a type are already visible to the viewer).
pub async fn load_many(state: &AppState, ids: &[i64]) -> AppResult<Vec<MembershipType>> {
    Ok(mtype::Entity::find()
        .filter(mtype::Column::Id.is_in(ids.to_vec()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(MembershipType::from)
        .collect())
}
