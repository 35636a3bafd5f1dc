//! Signup forms as clients render them.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, Result, SimpleObject};

use super::contribution::Contribution;
use super::membership::{Membership, MembershipType};
use crate::domain::money::format_minor;
use crate::domain::signup::{self as ds, CustomField};
use crate::graphql::guards;
use crate::graphql::scalars::Decimal;
use crate::services::custom_values::{self, CustomValue};
use crate::services::signup::SignUpOutcome;
use crate::services::signup_forms::SignupForm as Form;

crate::mirror_enum!(
    /// The kind of answer a custom field takes.
    FieldType <=> ds::FieldType {
        /// Free text (see `maxLength` and `pattern`).
        Text,
        /// A number (see `min` and `max`).
        Number,
        /// A date, `YYYY-MM-DD`.
        Date,
        /// Yes or no; a required one must be ticked (consent, terms).
        Boolean,
        /// One of `options`.
        Select,
        /// Any of `options`.
        MultiSelect,
    }
);

crate::mirror_enum!(
    /// Where an answer is kept.
    FieldTarget <=> ds::FieldTarget {
        /// On the person (e.g. "How did you hear of us?").
        Contact,
        /// On the membership taken out (e.g. "Which branch?").
        Membership,
    }
);

/// One question on a signup form.
#[derive(Clone, Debug, SimpleObject)]
pub struct SignupField {
    /// Key of the answer in `signUp`'s `customFields`.
    pub key: String,
    /// The question as shown.
    pub label: String,
    /// The kind of answer.
    #[graphql(name = "type")]
    pub field_type: FieldType,
    /// Whether an answer is required.
    pub required: bool,
    /// The choices of SELECT and MULTI_SELECT fields.
    pub options: Vec<String>,
    /// A hint shown under the field.
    pub help_text: Option<String>,
    /// NUMBER: the smallest accepted.
    pub min: Option<f64>,
    /// NUMBER: the largest accepted.
    pub max: Option<f64>,
    /// TEXT: the longest answer accepted.
    pub max_length: Option<i32>,
    /// TEXT: a regular expression the whole answer must match.
    pub pattern: Option<String>,
    /// Where the answer is kept.
    pub target: FieldTarget,
}

impl From<&CustomField> for SignupField {
    fn from(f: &CustomField) -> Self {
        SignupField {
            key: f.key.clone(),
            label: f.label.clone(),
            field_type: f.kind().into(),
            required: f.required,
            options: f.options.clone(),
            help_text: f.help_text.clone(),
            min: f.min,
            max: f.max,
            max_length: f.max_length.map(|m| m as i32),
            pattern: f.pattern.clone(),
            target: f
                .target
                .parse::<ds::FieldTarget>()
                .map_or(FieldTarget::Contact, Into::into),
        }
    }
}

/// A signup form: the membership types it offers, its questions, and an optional donation.
#[derive(Clone, Debug)]
pub struct SignupForm(pub Form);

/// A signup form: the membership types it offers, its questions, and an optional donation.
#[Object]
impl SignupForm {
    /// Identifier of the form.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its address, e.g. `join` in `https://example.org/join`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Heading.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Text above the form.
    async fn intro(&self) -> Option<&str> {
        self.0.intro.as_deref()
    }
    /// Text shown after signing up.
    async fn thank_you(&self) -> Option<&str> {
        self.0.thank_you.as_deref()
    }
    /// The membership types offered, in order; each has its `price` for joining today. Types made
    /// inactive or non-public since are left out.
    async fn membership_types(&self, ctx: &Context<'_>) -> Result<Vec<MembershipType>> {
        let state = guards::state(ctx)?;
        let types = state.reference.types(&state.db).await?;
        Ok(self
            .0
            .membership_type_ids
            .iter()
            .filter_map(|id| types.iter().find(|t| t.id == *id && t.is_public()))
            .cloned()
            .map(MembershipType)
            .collect())
    }
    /// Whether a donation may be added.
    async fn allow_donation(&self) -> bool {
        self.0.allow_donation
    }
    /// Suggested donation amounts, in `currency`.
    async fn suggested_donations(&self, ctx: &Context<'_>) -> Result<Vec<Decimal>> {
        let c = guards::state(ctx)?.settings.organization.default_currency;
        Ok(self
            .0
            .suggested_donations
            .iter()
            .map(|m| Decimal(format_minor(*m, c.exponent())))
            .collect())
    }
    /// ISO 4217 currency of donations.
    async fn currency(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(guards::state(ctx)?
            .settings
            .organization
            .default_currency
            .code()
            .to_string())
    }
    /// The questions, in order.
    async fn fields(&self) -> Vec<SignupField> {
        self.0.fields.iter().map(SignupField::from).collect()
    }
    /// Whether the form takes signups.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
}

/// One question of a form being saved.
#[derive(Debug, InputObject)]
pub struct SignupFieldInput {
    /// Key of the answer: lower-case letters, digits and `_`, starting with a letter.
    pub key: String,
    /// The question as shown.
    pub label: String,
    /// The kind of answer.
    #[graphql(name = "type")]
    pub field_type: FieldType,
    /// Whether an answer is required (default false).
    #[graphql(default)]
    pub required: bool,
    /// The choices of SELECT and MULTI_SELECT fields.
    pub options: Option<Vec<String>>,
    /// A hint shown under the field.
    pub help_text: Option<String>,
    /// NUMBER: the smallest accepted.
    pub min: Option<f64>,
    /// NUMBER: the largest accepted.
    pub max: Option<f64>,
    /// TEXT: the longest answer accepted (at most 2000).
    pub max_length: Option<i32>,
    /// TEXT: a regular expression the whole answer must match.
    pub pattern: Option<String>,
    /// Where the answer is kept (default CONTACT).
    pub target: Option<FieldTarget>,
}

impl SignupFieldInput {
    pub fn into_field(self) -> CustomField {
        CustomField {
            key: self.key.trim().to_string(),
            label: self.label,
            field_type: ds::FieldType::from(self.field_type).as_str().into(),
            required: self.required,
            options: self.options.unwrap_or_default(),
            help_text: self.help_text.filter(|h| !h.trim().is_empty()),
            min: self.min,
            max: self.max,
            max_length: self.max_length.map(|m| m.clamp(0, 2000) as u32),
            pattern: self.pattern.filter(|p| !p.is_empty()),
            target: ds::FieldTarget::from(self.target.unwrap_or(FieldTarget::Contact))
                .as_str()
                .into(),
        }
    }
}

/// A new signup form.
#[derive(Debug, InputObject)]
pub struct CreateSignupFormInput {
    /// Its address: lower-case letters and digits, words joined by `-` (unique).
    pub slug: String,
    /// Heading.
    pub title: String,
    /// Text above the form.
    pub intro: Option<String>,
    /// Text shown after signing up.
    pub thank_you: Option<String>,
    /// The membership types offered (active and public), in order.
    pub membership_type_ids: Vec<ID>,
    /// Whether a donation may be added (default false).
    pub allow_donation: Option<bool>,
    /// Suggested donation amounts.
    pub suggested_donations: Option<Vec<Decimal>>,
    /// The questions, in order.
    pub fields: Option<Vec<SignupFieldInput>>,
    /// Whether it takes signups (default true).
    pub is_active: Option<bool>,
}

/// Changes to a signup form; fields left out keep their value. Stored answers keep their labels,
/// so changing the questions never breaks them.
#[derive(Debug, InputObject)]
pub struct UpdateSignupFormInput {
    /// Its address.
    pub slug: Option<String>,
    /// Heading.
    pub title: Option<String>,
    /// Text above the form; `null` removes it.
    pub intro: MaybeUndefined<String>,
    /// Text shown after signing up; `null` removes it.
    pub thank_you: MaybeUndefined<String>,
    /// The membership types offered (replaces the list).
    pub membership_type_ids: Option<Vec<ID>>,
    /// Whether a donation may be added.
    pub allow_donation: Option<bool>,
    /// Suggested donation amounts (replaces the list).
    pub suggested_donations: Option<Vec<Decimal>>,
    /// The questions (replaces the list).
    pub fields: Option<Vec<SignupFieldInput>>,
    /// Whether it takes signups.
    pub is_active: Option<bool>,
}

/// A signup from a website or app (anyone may send one). Every problem is reported at once:
/// `BAD_USER_INPUT` with `extensions.fields: [{ field, message }]`, custom fields named
/// `customFields.<key>`.
#[derive(Debug, InputObject)]
pub struct SignUpInput {
    /// The form's slug.
    pub form_slug: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Email address (a known one is matched; see `signUp`).
    pub email: String,
    /// Phone number.
    pub phone: Option<String>,
    /// A password for an online account (optional; the account must confirm its address before
    /// it holds any member permission).
    pub password: Option<String>,
    /// One of the form's membership types.
    pub membership_type_id: ID,
    /// Terms paid for at once (default 1; see the type's `priceOptions`).
    pub terms: Option<i32>,
    /// Answers: a JSON object of field key → answer (text, number, `YYYY-MM-DD`, boolean, option,
    /// or a list of options).
    pub custom_fields: Option<Json<serde_json::Value>>,
    /// A donation to add, in the form's `currency` (when the form allows one).
    pub donation: Option<Decimal>,
    /// Leave empty: a field hidden from people (bots fill it, and their signup is refused).
    pub website: Option<String>,
}

/// The person as they signed up: what they typed, never a stored record (so the answer is the same
/// whether or not the address was already known).
#[derive(Clone, Debug, SimpleObject)]
pub struct SignedUpContact {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Email address, normalised.
    pub email: String,
    /// The name as shown.
    pub display_name: String,
}

/// What a signup did.
pub struct SignUpResult(pub SignUpOutcome);

/// What a signup did: the membership (Pending until paid when it has a price), the payments
/// awaited, and a token to pay them online without signing in.
#[Object]
impl SignUpResult {
    /// The person who signed up.
    async fn contact(&self) -> SignedUpContact {
        let p = &self.0.person;
        SignedUpContact {
            first_name: p.first_name.clone(),
            last_name: p.last_name.clone(),
            email: p.email.clone(),
            display_name: format!("{} {}", p.first_name, p.last_name),
        }
    }
    /// The new membership: active at once when free, Pending until its dues are paid otherwise.
    async fn membership(&self) -> Membership {
        Membership(self.0.membership.clone())
    }
    /// The dues awaited (PENDING), when the membership has a price.
    async fn contribution(&self) -> Option<Contribution> {
        self.0.contribution.clone().map(Contribution)
    }
    /// The donation promised (PENDING), if one was added.
    async fn donation(&self) -> Option<Contribution> {
        self.0.donation.clone().map(Contribution)
    }
    /// Lets the payer pay these contributions online without signing in (shown only here; null
    /// when nothing is due).
    async fn payment_token(&self) -> Option<&str> {
        self.0.payment_token.as_deref()
    }
    /// Dues and donation together, in `currency`.
    async fn amount_due(&self) -> Decimal {
        let exponent = crate::services::contributions::exponent_of(&self.0.currency);
        Decimal(format_minor(self.0.amount_due_minor, exponent))
    }
    /// ISO 4217 currency of `amountDue`.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// The form's thank-you text.
    async fn thank_you(&self) -> Option<&str> {
        self.0.thank_you.as_deref()
    }
}

/// An answer to a signup form's question, kept on a contact or a membership. It keeps the label
/// and type it was given with, however the form changes later.
#[derive(Clone, Debug, SimpleObject)]
pub struct CustomFieldValue {
    /// The field's key.
    pub key: String,
    /// The question as it was asked.
    pub label: String,
    /// The kind of answer.
    #[graphql(name = "type")]
    pub field_type: FieldType,
    /// The answer: text, number, `YYYY-MM-DD`, boolean, or a list of options.
    pub value: Json<serde_json::Value>,
}

impl From<CustomValue> for CustomFieldValue {
    fn from(v: CustomValue) -> Self {
        CustomFieldValue {
            key: v.key,
            label: v.label,
            field_type: v.field_type.into(),
            value: Json(v.value),
        }
    }
}

/// A list condition on a custom field: the answer to `key` is `value` (for MULTI_SELECT: `value`
/// is among the options chosen). Values compare as text: `18`, `"18"` alike; `true`/`false`.
#[derive(Debug, InputObject)]
pub struct CustomFieldFilter {
    /// The field's key.
    pub key: String,
    /// The answer looked for (a string, number or boolean).
    pub value: Json<serde_json::Value>,
}

/// Custom-field conditions as the service takes them.
pub fn custom_filters(f: Option<Vec<CustomFieldFilter>>) -> Vec<custom_values::CustomFieldFilter> {
    f.unwrap_or_default()
        .into_iter()
        .map(|c| custom_values::CustomFieldFilter {
            key: c.key,
            value: c.value.0,
        })
        .collect()
}
