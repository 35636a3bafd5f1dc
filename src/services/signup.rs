//! Self-service signup: an anonymous person fills in a signup form and becomes a member — at once
//! when the membership is free, when their payment arrives otherwise — without staff.
//!
//! - Every input is checked before anything is written, and every problem is reported at once
//!   ([`AppError::InvalidFields`]), so a form can mark them all.
//! - One transaction writes the contact, the membership (Pending until paid when there is a
//!   price), the custom answers, the pending dues and donation, and an optional login.
//! - An email address Tessera already knows is matched, without telling the caller: the answer
//!   has the same shape and the same work is done (one password hash either way); the new
//!   membership goes on the known contact, whose details and earlier answers are left as they
//!   were, and the address gets an email saying it already has a record and how to sign in. A
//!   second login is never made: a known contact without a login who asked for one is sent an
//!   invitation link instead (only the mailbox's owner can use it), and the typed password is
//!   dropped.
//! - A new login is MEMBER and unverified: it may see and change its own data, and holds no
//!   permission until its verification link is opened (`access::permissions`).
//! - At most `signup.max_per_address_per_hour` signups per client address per hour, counted in
//!   the signup's own transaction under a per-address lock, so racing requests cannot pass it.

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value, json};

use crate::db::entities::{contact, payment_token, signup_attempt, user};
use crate::db::{begin_write, lock_subject};
use crate::domain::FieldError;
use crate::domain::contact::{ContactDraft, ContactFields};
use crate::domain::contribution::{Contribution, ContributionStatus};
use crate::domain::email::EmailAddress;
use crate::domain::membership::price::{Purpose, quote};
use crate::domain::membership::{Membership, MembershipType};
use crate::domain::money::{Currency, Money, format_minor};
use crate::domain::role::{Role, check_password};
use crate::domain::signup::{CustomField, FieldTarget, MAX_FIELDS, check_answer};
use crate::domain::text::Name;
use crate::error::{AppError, AppResult};
use crate::services::auth::{Viewer, hash_password, new_token, token_digest};
use crate::services::contributions::{self, NewContribution};
use crate::services::custom_values::{self, Owner};
use crate::services::memberships::{self, NewMembership};
use crate::services::signup_forms::{self, SignupForm};
use crate::services::statuses::{PENDING, Statuses};
use crate::services::{access, account, audit, contacts, membership_types, notify};
use crate::state::AppState;

/// The email to someone who signed up with an address Tessera already knows.
pub const EXISTING: &str = "signup-existing";

/// A signup as the form sent it.
#[derive(Clone, Debug, Default)]
pub struct SignUpInput {
    pub form_slug: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub password: Option<String>,
    /// None when the id could not be read (reported as a field error with the others).
    pub membership_type_id: Option<i64>,
    pub terms: Option<i32>,
    /// A JSON object: custom field key → answer.
    pub custom_fields: Option<Value>,
    /// A decimal amount in the organisation's currency.
    pub donation: Option<String>,
    /// The honeypot: a field people never see, so never fill.
    pub website: Option<String>,
}

/// The person as they signed up (what they typed, normalised): never a stored record, so the
/// answer is the same whether or not the address was known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedUpPerson {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// What a signup did.
#[derive(Clone, Debug)]
pub struct SignUpOutcome {
    pub person: SignedUpPerson,
    pub membership: Membership,
    /// The dues awaited (None when the membership is free).
    pub contribution: Option<Contribution>,
    /// The donation promised, if any.
    pub donation: Option<Contribution>,
    /// Lets the payer pay the pending contributions online without signing in (shown once).
    pub payment_token: Option<String>,
    /// Dues and donation together, in `currency`.
    pub amount_due_minor: i64,
    pub currency: String,
    pub thank_you: Option<String>,
}

/// Everything checked, ready to write.
struct Checked {
    form: SignupForm,
    names: (String, String),
    email: EmailAddress,
    phone: Option<String>,
    password: Option<String>,
    mtype: MembershipType,
    terms: u32,
    price_minor: i64,
    answers: Vec<(CustomField, Value)>,
    donation: Option<Money>,
}

/// Most problems listed for one signup (a form has at most 50 questions).
const MAX_ERRORS: usize = MAX_FIELDS + 20;

async fn check(state: &AppState, input: SignUpInput) -> AppResult<Checked> {
    let form = signup_forms::by_slug(state, &Viewer::Anonymous, &input.form_slug)
        .await
        .map_err(|e| match e {
            AppError::NotFound { entity, id, .. } => AppError::NotFound {
                entity,
                id,
                field: "formSlug".into(),
            },
            other => other,
        })?;
    let mut errors: Vec<FieldError> = Vec::new();
    let first = Name::parse(&input.first_name, "firstName")
        .map(Name::into_string)
        .map_err(|e| errors.push(e))
        .ok();
    let last = Name::parse(&input.last_name, "lastName")
        .map(Name::into_string)
        .map_err(|e| errors.push(e))
        .ok();
    let email = EmailAddress::parse(&input.email, "email")
        .map_err(|e| errors.push(e))
        .ok();
    let phone = input
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if let Some(p) = phone
        && let Err(e) = ContactDraft::parse(
            ContactFields {
                first_name: Some("x".into()),
                phone: Some(p.into()),
                ..Default::default()
            },
            state.clock.today(),
        )
    {
        errors.push(FieldError::new("phone", e.message));
    }
    let password = input.password.filter(|p| !p.is_empty());
    if let Some(p) = &password
        && let Err(e) = check_password(p, state.settings.auth.min_password_length, "password")
    {
        errors.push(e);
    }
    let types = state.reference.types(&state.db).await?;
    let mtype = match input.membership_type_id {
        Some(id) if form.membership_type_ids.contains(&id) => {
            types.iter().find(|t| t.id == id && t.is_public()).cloned()
        }
        _ => None,
    };
    if mtype.is_none() {
        errors.push(FieldError::new(
            "membershipTypeId",
            "choose one of the membership types this form offers",
        ));
    }
    let terms = match input.terms {
        None => Some(1),
        Some(t) => u32::try_from(t).ok().filter(|t| *t >= 1),
    };
    let mut price_minor = 0;
    match (&mtype, terms) {
        (_, None) => errors.push(FieldError::new("terms", "must be 1 or more")),
        (Some(t), Some(terms)) => {
            let priced = membership_types::period_rules_of(t)
                .map_err(|_| FieldError::new("membershipTypeId", "cannot be joined online"))
                .and_then(|rules| {
                    quote(
                        &t.pricing,
                        &rules,
                        Purpose::Join,
                        terms,
                        state.clock.today(),
                    )
                });
            match priced {
                Ok(q) => price_minor = q.total_minor,
                Err(e) => errors.push(e),
            }
        }
        (None, Some(_)) => {}
    }
    let answers = check_answers(&form, input.custom_fields.as_ref(), &mut errors);
    let donation = match input.donation.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(_) if !form.allow_donation => {
            errors.push(FieldError::new(
                "donation",
                "this form does not take donations",
            ));
            None
        }
        Some(raw) => {
            let currency = state.settings.organization.default_currency;
            match Money::parse(raw, currency, "donation", false) {
                Ok(m) if m.minor() > 0 => Some(m),
                Ok(_) => {
                    errors.push(FieldError::new("donation", "must be greater than zero"));
                    None
                }
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        }
    };
    if !errors.is_empty() {
        errors.truncate(MAX_ERRORS);
        return Err(AppError::InvalidFields(errors));
    }
    let (Some(first), Some(last), Some(email), Some(mtype), Some(terms)) =
        (first, last, email, mtype, terms)
    else {
        return Err(AppError::internal("signup checks passed without values"));
    };
    Ok(Checked {
        form,
        names: (first, last),
        email,
        phone: phone.map(str::to_string),
        password,
        mtype,
        terms,
        price_minor,
        answers,
        donation,
    })
}

/// Checks every answer against its question; unknown keys are errors too.
fn check_answers(
    form: &SignupForm,
    given: Option<&Value>,
    errors: &mut Vec<FieldError>,
) -> Vec<(CustomField, Value)> {
    let empty = serde_json::Map::new();
    let object = match given {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(o)) => o,
        Some(_) => {
            errors.push(FieldError::new(
                "customFields",
                "must be an object of answers by field key",
            ));
            &empty
        }
    };
    if object.len() > 2 * MAX_FIELDS {
        errors.push(FieldError::new(
            "customFields",
            format!("at most {MAX_FIELDS} answers"),
        ));
        return Vec::new();
    }
    let mut answers = Vec::new();
    for field in &form.fields {
        match check_answer(field, object.get(&field.key)) {
            Ok(Some(v)) => answers.push((field.clone(), v)),
            Ok(None) => {}
            Err(why) => errors.push(FieldError::new(format!("customFields.{}", field.key), why)),
        }
    }
    for key in object.keys() {
        if !form.fields.iter().any(|f| &f.key == key) {
            let shown: String = key.chars().take(40).collect();
            errors.push(FieldError::new(
                format!("customFields.{shown}"),
                "is not a question on this form",
            ));
        }
    }
    answers
}

/// Signs someone up through a form (anyone may; see the module doc). `client_ip` is counted
/// against the hourly limit.
#[tracing::instrument(skip(state, viewer, input), fields(form = %input.form_slug))]
pub async fn sign_up(
    state: &AppState,
    viewer: &Viewer,
    client_ip: &str,
    input: SignUpInput,
) -> AppResult<SignUpOutcome> {
    let client_ip: String = client_ip.chars().take(64).collect();
    if input
        .website
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        // A bot filled the hidden field: count it, keep nothing, say little.
        let txn = begin_write(&state.db).await?;
        count_attempt(state, &txn, &client_ip).await?;
        txn.commit().await?;
        return Err(AppError::bad_input(
            "website",
            "this signup could not be accepted",
        ));
    }
    let c = check(state, input).await?;
    let actor = access::actor(viewer);
    let email = c.email.as_str().to_string();
    // One password hash whatever the address turns out to be, so the time taken tells nothing:
    // the typed password for a new login, an unknown one for an invitation.
    let known = known_address(&state.db, &email).await?;
    // (hash, whether it is of the typed password)
    let hashed = match &c.password {
        Some(p) if !known => Some((hash_password(p).await?, true)),
        Some(_) => Some((hash_password(&new_token()).await?, false)),
        None => None,
    };
    let now = state.clock.now();
    let today = state.clock.today();
    let txn = begin_write(&state.db).await?;
    count_attempt(state, &txn, &client_ip).await?;
    // Two signups with one address take turns: the second finds the first's contact.
    lock_subject(&txn, "signup-email", &email).await?;
    let matched = contact::Entity::find()
        .filter(contact::Column::Email.eq(email.clone()))
        .filter(contact::Column::DeletedAt.is_null())
        .one(&txn)
        .await?;
    let login_for_address = user::Entity::find()
        .filter(user::Column::Email.eq(email.clone()))
        .one(&txn)
        .await?;
    let (first, last) = c.names.clone();
    let person = match &matched {
        Some(m) if !m.is_deceased => m.clone(),
        other => {
            // A new contact; a deceased contact's address stays theirs, and staff are told.
            let deceased = other.as_ref().map(|m| m.id);
            let fields = ContactFields {
                first_name: Some(first.clone()),
                last_name: Some(last.clone()),
                email: deceased.is_none().then(|| email.clone()),
                phone: c.phone.clone(),
                notes: deceased.map(|id| {
                    format!(
                        "Signed up online on {today} with {email}, the address of contact {id} \
                         (marked deceased): check who this is."
                    )
                }),
                ..Default::default()
            };
            let draft = ContactDraft::parse(fields, today)?;
            contacts::insert_draft(&txn, draft, now).await?
        }
    };
    let is_known = matched.as_ref().is_some_and(|m| !m.is_deceased);
    let statuses = Statuses::load(&txn).await?;
    let pending = (c.price_minor > 0)
        .then(|| statuses.id_of(PENDING))
        .transpose()?;
    let membership = memberships::create_in(
        state,
        &txn,
        &actor,
        NewMembership {
            contact_id: person.id,
            membership_type_id: c.mtype.id,
            join_date: None,
            start_date: None,
            end_date: None,
            terms: c.terms,
            status_override: pending,
            override_until: None,
            source: Some(format!("signup form {}", c.form.slug)),
        },
    )
    .await?;
    let (on_contact, on_membership): (Vec<_>, Vec<_>) = c
        .answers
        .iter()
        .map(|(f, v)| (f, v.clone()))
        .partition(|(f, _)| f.target.parse::<FieldTarget>().ok() != Some(FieldTarget::Membership));
    custom_values::store_in(&txn, Owner::Contact, person.id, &on_contact, is_known, now).await?;
    custom_values::store_in(
        &txn,
        Owner::Membership,
        membership.id,
        &on_membership,
        false,
        now,
    )
    .await?;
    let source = format!("signup form {}", c.form.slug);
    let dues = if c.price_minor > 0 {
        let currency = Currency::parse(&c.mtype.currency, "currency")?;
        let new = pending_contribution(
            person.id,
            "MEMBER_DUES",
            Money::from_minor(c.price_minor, currency),
            &source,
            vec![(membership.id, c.terms)],
        );
        Some(contributions::record_in(state, &txn, &actor, new).await?)
    } else {
        None
    };
    let donation = match c.donation {
        Some(m) => {
            let new = pending_contribution(person.id, "DONATION", m, &source, Vec::new());
            Some(contributions::record_in(state, &txn, &actor, new).await?)
        }
        None => None,
    };
    let awaited: Vec<&Contribution> = dues.iter().chain(donation.iter()).collect();
    let payment_token = if awaited.is_empty() {
        None
    } else {
        let token = new_token();
        for k in &awaited {
            payment_token::ActiveModel {
                contribution_id: Set(k.id),
                token_sha256: Set(token_digest(&token)),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
        Some(token)
    };
    // Logins: a new one only for a new person at a new address.
    let mut invited = false;
    if let Some((hash, typed)) = hashed {
        // The address was unknown when the password was hashed and still is: the new person's login.
        // (Had it been deleted in between, no login is made: the membership still is.)
        if !is_known && login_for_address.is_none() && typed {
            let u = user::ActiveModel {
                email: Set(email.clone()),
                password_hash: Set(hash),
                role: Set(Role::Member),
                contact_id: Set(Some(person.id)),
                disabled_at: Set(None),
                last_login_at: Set(None),
                email_verified_at: Set(None),
                verification_required: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            account::send_verification_in(state, &txn, &u).await?;
        } else if is_known && login_for_address.is_none() && !has_login(&txn, person.id).await? {
            // Never the typed password on a known record: if the address became known after the
            // hash was made (a race), hash an unknown one now.
            let hash = if typed {
                hash_password(&new_token()).await?
            } else {
                hash
            };
            account::invite_in(state, &txn, &actor, &person, hash).await?;
            invited = true;
        }
    }
    let has_any_login =
        login_for_address.is_some() || (is_known && has_login(&txn, person.id).await?);
    if is_known || login_for_address.is_some() {
        queue_existing(state, &txn, &membership, has_any_login && !invited, invited).await?;
    }
    let amount_due_minor = awaited.iter().map(|k| k.amount_minor).sum::<i64>();
    if !awaited.is_empty() {
        queue_payment(state, &txn, &membership, dues.as_ref(), donation.as_ref()).await?;
    }
    audit::record(
        &txn,
        &actor,
        "signup",
        "contact",
        person.id,
        None,
        Some(json!({
            "form": c.form.slug, "membershipId": membership.id, "knownAddress": is_known,
            "login": c.password.is_some(), "amountDue": amount_due_minor,
        })),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(SignUpOutcome {
        person: SignedUpPerson {
            first_name: first,
            last_name: last,
            email,
        },
        membership,
        currency: dues
            .as_ref()
            .map_or(c.mtype.currency.clone(), |k| k.currency.clone()),
        contribution: dues,
        donation,
        payment_token,
        amount_due_minor,
        thank_you: c.form.thank_you.clone(),
    })
}

fn pending_contribution(
    contact_id: i64,
    financial_type: &str,
    amount: Money,
    source: &str,
    memberships: Vec<(i64, u32)>,
) -> NewContribution {
    NewContribution {
        contact_id,
        financial_type: financial_type.into(),
        amount: amount.to_decimal_string(),
        currency: Some(amount.currency().code().to_string()),
        received_date: None,
        status: Some(ContributionStatus::Pending),
        payment_instrument: None,
        transaction_id: None,
        source: Some(source.into()),
        note: None,
        campaign_id: None,
        check_number: None,
        memberships,
        soft_credits: Vec::new(),
        tribute: None,
        recurring: None,
    }
}

/// Whether a live contact or a login already has this address (read before the transaction, to
/// choose what to hash; the transaction decides again under its lock).
async fn known_address<C: ConnectionTrait>(db: &C, email: &str) -> AppResult<bool> {
    let contacts = contact::Entity::find()
        .filter(contact::Column::Email.eq(email))
        .filter(contact::Column::DeletedAt.is_null())
        .filter(contact::Column::IsDeceased.eq(false))
        .count(db)
        .await?;
    let logins = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .count(db)
        .await?;
    Ok(contacts + logins > 0)
}

async fn has_login<C: ConnectionTrait>(db: &C, contact_id: i64) -> AppResult<bool> {
    Ok(user::Entity::find()
        .filter(user::Column::ContactId.eq(contact_id))
        .count(db)
        .await?
        > 0)
}

/// Counts a signup against the client address's hourly limit, under the address's lock.
pub(crate) async fn count_attempt<C: ConnectionTrait>(
    state: &AppState,
    txn: &C,
    client_ip: &str,
) -> AppResult<()> {
    let now = state.clock.now();
    let limit = u64::from(state.settings.signup.max_per_address_per_hour);
    lock_subject(txn, "signup-address", client_ip).await?;
    let recent = signup_attempt::Entity::find()
        .filter(signup_attempt::Column::ClientIp.eq(client_ip))
        .filter(signup_attempt::Column::At.gt(now - Duration::hours(1)))
        .count(txn)
        .await?;
    if recent >= limit {
        return Err(AppError::TooManyRequests(format!(
            "at most {limit} signups an hour are accepted from one address; try again later"
        )));
    }
    signup_attempt::ActiveModel {
        client_ip: Set(client_ip.to_string()),
        at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    // Rows past the window serve no purpose.
    signup_attempt::Entity::delete_many()
        .filter(signup_attempt::Column::ClientIp.eq(client_ip))
        .filter(signup_attempt::Column::At.lt(now - Duration::hours(2)))
        .exec(txn)
        .await?;
    Ok(())
}

/// "You already have a record with us", to the known address.
async fn queue_existing<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    m: &Membership,
    has_login: bool,
    invited: bool,
) -> AppResult<()> {
    let extra = json!({ "signup": { "hasLogin": has_login, "invitationSent": invited } });
    notify::queue_for(
        state,
        db,
        EXISTING,
        format!("{EXISTING}.m{}", m.id),
        m,
        extra,
    )
    .await?;
    Ok(())
}

/// How to pay the dues and donation just promised.
async fn queue_payment<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    m: &Membership,
    dues: Option<&Contribution>,
    donation: Option<&Contribution>,
) -> AppResult<()> {
    let Some(first) = dues.or(donation) else {
        return Ok(());
    };
    let exponent = contributions::exponent_of;
    let total: i64 = dues
        .iter()
        .chain(donation.iter())
        .map(|k| k.amount_minor)
        .sum();
    let same_currency = dues
        .zip(donation)
        .is_none_or(|(a, b)| a.currency == b.currency);
    let payment = json!({ "payment": {
        "isSignup": true,
        "amount": format_minor(if same_currency { total } else { first.amount_minor }, exponent(&first.currency)),
        "currency": first.currency,
        "reference": first.receipt_number(),
        "dues": dues.map(|k| format_minor(k.amount_minor, exponent(&k.currency))),
        "donation": donation.map(|k| json!({
            "amount": format_minor(k.amount_minor, exponent(&k.currency)),
            "currency": k.currency,
            "reference": k.receipt_number(),
        })),
        "separateDonation": !same_currency,
        "instructions": state.settings.organization.payment_instructions,
    }});
    notify::queue_for(
        state,
        db,
        crate::services::memberships::self_renewal::PAYMENT,
        format!("pay.k{}", first.id),
        m,
        payment,
    )
    .await?;
    Ok(())
}
