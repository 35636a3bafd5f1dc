use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};

use crate::domain::contact::{
    Contact as ContactRecord, ContactFields, ContactKind as DomainKind, ContactPatch,
};
use crate::graphql::guards;
use crate::graphql::scalars::{Date, DateTime};
use crate::graphql::types::common::{SortDirection, patch, patch_required};
use crate::services::access;

crate::mirror_enum!(
    /// What kind of party a contact is.
    ContactKind <=> DomainKind {
        /// A person.
        Individual,
        /// A company, foundation, school or other organisation.
        Organization,
        /// A household (a family sharing one membership or address).
        Household,
    }
);

#[derive(Clone, Debug)]
pub struct Contact(pub ContactRecord);

/// A person, organisation or household the nonprofit knows: members, donors, volunteers.
#[Object]
impl Contact {
    /// Identifier of the contact.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Individual, organisation or household.
    async fn kind(&self) -> ContactKind {
        self.0.kind.into()
    }
    /// Given name (individuals).
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }
    /// Family name (individuals).
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }
    /// Name of the organisation or household.
    async fn organization_name(&self) -> Option<&str> {
        self.0.organization_name.as_deref()
    }
    /// Name to show: "First Last" for individuals, the organisation or household name otherwise.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Email address, normalised to lower case; unique among contacts not in the trash.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Its id in the system it was imported from (`tessera import`), which a re-import matches.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// Phone number as entered.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Street address (may span lines).
    async fn street(&self) -> Option<&str> {
        self.0.street.as_deref()
    }
    /// City or town.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    /// Postal or ZIP code.
    async fn postal_code(&self) -> Option<&str> {
        self.0.postal_code.as_deref()
    }
    /// State, province or region.
    async fn region(&self) -> Option<&str> {
        self.0.region.as_deref()
    }
    /// Country as an ISO 3166-1 alpha-2 code, e.g. `US`.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// Date of birth.
    async fn birth_date(&self) -> Option<Date> {
        self.0.birth_date.map(Date)
    }
    /// Preferred language for messages (BCP 47 tag such as `en` or `pt-BR`).
    async fn preferred_language(&self) -> Option<&str> {
        self.0.preferred_language.as_deref()
    }
    /// The contact asked not to receive email.
    async fn do_not_email(&self) -> bool {
        self.0.do_not_email
    }
    /// The contact asked not to receive postal mail.
    async fn do_not_mail(&self) -> bool {
        self.0.do_not_mail
    }
    /// The person has died; no messages go to them.
    async fn is_deceased(&self) -> bool {
        self.0.is_deceased
    }
    /// Free-form notes for staff: staff and admins only, also where a member reaches their own
    /// contact (`viewer { contact { notes } }` is FORBIDDEN for a member).
    async fn notes(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        access::require_staff_field(guards::viewer(ctx), "notes")?;
        Ok(self.0.notes.as_deref())
    }
    /// When the contact was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When the contact was last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
    /// When the contact was moved to the trash; null for live contacts.
    async fn deleted_at(&self) -> Option<DateTime> {
        self.0.deleted_at.map(DateTime)
    }
    /// When the contact's personal data was erased (`eraseContact`); null unless erased. An erased
    /// contact keeps its memberships and contributions but can no longer be changed or restored.
    async fn erased_at(&self) -> Option<DateTime> {
        self.0.erased_at.map(DateTime)
    }
    /// The contact's memberships, oldest first (staff, or the member themself).
    async fn memberships(&self, ctx: &Context<'_>) -> Result<Vec<super::membership::Membership>> {
        access::require_self_or_staff(guards::viewer(ctx), self.0.id)?;
        let loaders = guards::loaders(ctx)?;
        Ok(loaders
            .memberships_of(self.0.id)
            .await?
            .into_iter()
            .map(super::membership::Membership)
            .collect())
    }
    /// The contact's event registrations, newest first (staff, or the contact themself).
    async fn event_registrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
    ) -> Result<super::event::RegistrationConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let found =
            crate::services::events::list::of_contact(state, guards::viewer(ctx), self.0.id, page)
                .await?;
        Ok(super::event::RegistrationConnection::from_page(
            found,
            super::event::Registration::new,
        ))
    }
    /// How many events the contact attended (checked in; staff, or the contact themself).
    async fn events_attended(&self, ctx: &Context<'_>) -> Result<i64> {
        let state = guards::state(ctx)?;
        let n =
            crate::services::events::list::attended_count(state, guards::viewer(ctx), self.0.id)
                .await?;
        Ok(n as i64)
    }
    /// Relationships with other contacts (either side), oldest first (staff, or the contact
    /// themself).
    async fn relationships(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::household::Relationship>> {
        let state = guards::state(ctx)?;
        let found = crate::services::households::relationships::of_contact(
            state,
            guards::viewer(ctx),
            self.0.id,
        )
        .await?;
        Ok(found
            .into_iter()
            .map(super::household::Relationship)
            .collect())
    }
    /// A household's or organisation's members: the contacts related to it today (staff only).
    /// Empty for an individual.
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<Contact>> {
        access::require_staff_field(guards::viewer(ctx), "members")?;
        if self.0.kind == crate::domain::contact::ContactKind::Individual {
            return Ok(Vec::new());
        }
        let state = guards::state(ctx)?;
        let ids = crate::services::households::relationships::members_of(
            state,
            guards::viewer(ctx),
            self.0.id,
        )
        .await?;
        let loaders = guards::loaders(ctx)?;
        let mut out = Vec::new();
        for id in ids {
            if let Some(c) = loaders.contact(id).await? {
                out.push(Contact(c));
            }
        }
        Ok(out)
    }
    /// The household's members who live at its address (staff): when the address changes,
    /// `updateHouseholdAddress` can move them with it.
    async fn members_sharing_address(&self, ctx: &Context<'_>) -> Result<Vec<Contact>> {
        let state = guards::state(ctx)?;
        let ids =
            crate::services::households::address::sharing(state, guards::viewer(ctx), self.0.id)
                .await?;
        let loaders = guards::loaders(ctx)?;
        let mut out = Vec::new();
        for id in ids {
            if let Some(c) = loaders.contact(id).await? {
                out.push(Contact(c));
            }
        }
        Ok(out)
    }
    /// Answers given on signup forms, kept on the person (staff, or the member themself).
    async fn custom_fields(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::signup::CustomFieldValue>> {
        access::require_self_or_staff(guards::viewer(ctx), self.0.id)?;
        let found = guards::loaders(ctx)?
            .giving
            .custom_of_contacts
            .load_one(self.0.id)
            .await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
    /// The contact's contributions, newest first (staff, or the member themself; at most 100 —
    /// the `contributions` list pages through more).
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (default 20, at most 100).")] first: Option<i32>,
    ) -> Result<Vec<super::contribution::Contribution>> {
        super::contact_giving::contributions_of(ctx, self.0.id, first).await
    }
    /// Giving per currency: totals, first, last and largest gift (staff, or the member themself).
    async fn donor_summary(&self, ctx: &Context<'_>) -> Result<Vec<super::giving::DonorSummary>> {
        super::contact_giving::donor_summary_of(ctx, self.0.id).await
    }
    /// Recurring gifts, newest first (staff, or the member themself).
    async fn recurring_gifts(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::giving::RecurringGift>> {
        super::contact_giving::recurring_gifts_of(ctx, self.0.id).await
    }
    /// Gifts by others credited to this contact, newest first (staff, or the member themself).
    async fn soft_credits(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::contribution::SoftCredit>> {
        super::contact_giving::soft_credits_to(ctx, self.0.id).await
    }
    /// Gifts made in honour or memory of this contact (staff only).
    async fn tribute_gifts(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::contribution::Contribution>> {
        super::contact_giving::tributes_to(ctx, self.0.id).await
    }
    /// Tags on the contact, by name (staff only).
    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<super::segments::Tag>> {
        let state = guards::state(ctx)?;
        let found =
            crate::services::segments::tags::of_contact(state, guards::viewer(ctx), self.0.id)
                .await?;
        Ok(found.into_iter().map(super::segments::Tag).collect())
    }
    /// Groups the contact is in now, by name (staff only).
    async fn groups(&self, ctx: &Context<'_>) -> Result<Vec<super::segments::Group>> {
        let state = guards::state(ctx)?;
        let found =
            crate::services::segments::groups::of_contact(state, guards::viewer(ctx), self.0.id)
                .await?;
        Ok(found.into_iter().map(super::segments::Group).collect())
    }
    /// Every group join and leave, oldest first (staff only).
    async fn group_history(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::segments::GroupHistoryEntry>> {
        let state = guards::state(ctx)?;
        let found = crate::services::segments::groups::history_of_contact(
            state,
            guards::viewer(ctx),
            self.0.id,
        )
        .await?;
        Ok(found
            .into_iter()
            .map(super::segments::GroupHistoryEntry)
            .collect())
    }
    /// Interests the contact chose (staff, or the contact themself).
    async fn interests(&self, ctx: &Context<'_>) -> Result<Vec<super::segments::Interest>> {
        let state = guards::state(ctx)?;
        let found =
            crate::services::segments::interests::of_contact(state, guards::viewer(ctx), self.0.id)
                .await?;
        Ok(found.into_iter().map(super::segments::Interest).collect())
    }
    /// Every opt-in and opt-out with its source, time and wording version, oldest first (staff, or
    /// the contact themself).
    async fn consent_history(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::segments::ConsentRecord>> {
        let state = guards::state(ctx)?;
        let found =
            crate::services::segments::consent::history(state, guards::viewer(ctx), self.0.id)
                .await?;
        Ok(found
            .into_iter()
            .map(super::segments::ConsentRecord)
            .collect())
    }
    /// The contact asked for no bulk mail at all (newsletters, appeals); transactional mail still
    /// goes (staff, or the contact themself).
    async fn unsubscribed_from_all(&self, ctx: &Context<'_>) -> Result<bool> {
        access::require_self_or_staff(guards::viewer(ctx), self.0.id)?;
        let state = guards::state(ctx)?;
        Ok(crate::services::segments::consent::opted_out(&state.db, self.0.id).await?)
    }
    /// The contact's email address bounced for good or was reported as spam: no bulk mail goes
    /// to it until the address changes (staff, or the contact themself).
    async fn email_bouncing(&self, ctx: &Context<'_>) -> Result<bool> {
        access::require_self_or_staff(guards::viewer(ctx), self.0.id)?;
        let state = guards::state(ctx)?;
        Ok(
            crate::services::mailings::bounces::is_suppressed(&state.db, self.0.email.as_deref())
                .await?,
        )
    }
    /// The login linked to this contact, if any (staff only).
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<super::user::User>> {
        let state = guards::state(ctx)?;
        Ok(
            crate::services::users::find_by_contact(state, guards::viewer(ctx), self.0.id)
                .await?
                .map(super::user::User),
        )
    }
}

/// A new contact. Individuals need a first or last name; organisations and households need
/// `organizationName`.
#[derive(Debug, InputObject)]
pub struct CreateContactInput {
    /// Individual (default), organisation or household.
    pub kind: Option<ContactKind>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Name of the organisation or household.
    pub organization_name: Option<String>,
    /// Email address; unique among contacts not in the trash.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Street address.
    pub street: Option<String>,
    /// City or town.
    pub city: Option<String>,
    /// Postal or ZIP code.
    pub postal_code: Option<String>,
    /// State, province or region.
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    pub country: Option<String>,
    /// Date of birth; not in the future.
    pub birth_date: Option<Date>,
    /// Preferred language (BCP 47), e.g. `en`.
    pub preferred_language: Option<String>,
    /// Do not send email (default false).
    pub do_not_email: Option<bool>,
    /// Do not send postal mail (default false).
    pub do_not_mail: Option<bool>,
    /// The person has died (default false).
    pub is_deceased: Option<bool>,
    /// Notes for staff.
    pub notes: Option<String>,
}

impl From<CreateContactInput> for ContactFields {
    fn from(i: CreateContactInput) -> Self {
        ContactFields {
            kind: i.kind.map(Into::into),
            first_name: i.first_name,
            last_name: i.last_name,
            organization_name: i.organization_name,
            email: i.email,
            phone: i.phone,
            street: i.street,
            city: i.city,
            postal_code: i.postal_code,
            region: i.region,
            country: i.country,
            birth_date: i.birth_date.map(|d| d.0),
            preferred_language: i.preferred_language,
            do_not_email: i.do_not_email,
            do_not_mail: i.do_not_mail,
            is_deceased: i.is_deceased,
            notes: i.notes,
        }
    }
}

/// A partial update: fields left out keep their value; `null` clears an optional field.
#[derive(Debug, InputObject)]
pub struct UpdateContactInput {
    /// Individual, organisation or household.
    pub kind: Option<ContactKind>,
    /// Given name.
    pub first_name: MaybeUndefined<String>,
    /// Family name.
    pub last_name: MaybeUndefined<String>,
    /// Name of the organisation or household.
    pub organization_name: MaybeUndefined<String>,
    /// Email address.
    pub email: MaybeUndefined<String>,
    /// Phone number.
    pub phone: MaybeUndefined<String>,
    /// Street address.
    pub street: MaybeUndefined<String>,
    /// City or town.
    pub city: MaybeUndefined<String>,
    /// Postal or ZIP code.
    pub postal_code: MaybeUndefined<String>,
    /// State, province or region.
    pub region: MaybeUndefined<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: MaybeUndefined<String>,
    /// Date of birth.
    pub birth_date: MaybeUndefined<Date>,
    /// Preferred language (BCP 47).
    pub preferred_language: MaybeUndefined<String>,
    /// Do not send email.
    pub do_not_email: Option<bool>,
    /// Do not send postal mail.
    pub do_not_mail: Option<bool>,
    /// The person has died; their memberships move to Deceased.
    pub is_deceased: Option<bool>,
    /// Notes for staff.
    pub notes: MaybeUndefined<String>,
}

impl From<UpdateContactInput> for ContactPatch {
    fn from(i: UpdateContactInput) -> Self {
        let id = |s: String| s;
        ContactPatch {
            kind: patch_required(i.kind.map(Into::into)),
            first_name: patch(i.first_name, id),
            last_name: patch(i.last_name, id),
            organization_name: patch(i.organization_name, id),
            email: patch(i.email, id),
            phone: patch(i.phone, id),
            street: patch(i.street, id),
            city: patch(i.city, id),
            postal_code: patch(i.postal_code, id),
            region: patch(i.region, id),
            country: patch(i.country, id),
            birth_date: patch(i.birth_date, |d| d.0),
            preferred_language: patch(i.preferred_language, id),
            do_not_email: patch_required(i.do_not_email),
            do_not_mail: patch_required(i.do_not_mail),
            is_deceased: patch_required(i.is_deceased),
            notes: patch(i.notes, id),
        }
    }
}

/// Narrows the contact list.
#[derive(Debug, Default, InputObject)]
pub struct ContactFilter {
    /// Words that must all appear in the name or email (case-insensitive).
    pub search: Option<String>,
    /// Only contacts of this kind.
    pub kind: Option<ContactKind>,
    /// Created at or after this instant.
    pub created_from: Option<DateTime>,
    /// Created before this instant.
    pub created_to: Option<DateTime>,
    /// List the trash (deleted contacts) instead of live ones.
    #[graphql(default)]
    pub in_trash: bool,
    /// Only contacts who gave these answers on a signup form (all of them; at most 5).
    pub custom_fields: Option<Vec<super::signup::CustomFieldFilter>>,
    /// Only contacts carrying any of these tags (at most 100 ids).
    pub tag_ids: Option<Vec<ID>>,
    /// Only contacts in any of these groups now.
    pub group_ids: Option<Vec<ID>>,
    /// Only contacts who chose any of these interests.
    pub interest_ids: Option<Vec<ID>>,
    /// Only contacts the saved search matches too (outermost filter only).
    pub saved_search_id: Option<ID>,
    /// Only contacts holding a membership that meets all of these.
    pub membership: Option<super::segments::MembershipCriteriaInput>,
    /// Only donors meeting all of these (completed contributions in one currency).
    pub giving: Option<super::segments::GivingCriteriaInput>,
    /// Only contacts in this country (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    /// Only contacts in this city (case-insensitive).
    pub city: Option<String>,
    /// Only contacts born in any of these months (1–12).
    pub birth_months: Option<Vec<i32>>,
    /// Only contacts at least this old today (a birth date is needed).
    pub age_min: Option<i32>,
    /// Only contacts at most this old today.
    pub age_max: Option<i32>,
    /// Only contacts who attended (were checked in at) events meeting all of these.
    pub events: Option<super::segments::EventCriteriaInput>,
    /// Only contacts matching at least one of these filters (nesting at most 3 deep, 30 filters
    /// in all).
    pub any_of: Option<Vec<ContactFilter>>,
    /// Only contacts matching none of these filters.
    pub none_of: Option<Vec<ContactFilter>>,
}

/// What to sort contacts by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Enum)]
pub enum ContactOrderField {
    /// Sort name: last name then first name, or the organisation name.
    #[default]
    Name,
    /// Creation time.
    CreatedAt,
    /// How well a contact matches `filter.search` (surname starting with the first word, then any
    /// word starting with it, then the rest), then name; the default when searching. Ascending only.
    Relevance,
}

/// The order of the contact list.
#[derive(Debug, Default, InputObject)]
pub struct ContactOrderBy {
    /// What to sort by.
    #[graphql(default)]
    pub field: ContactOrderField,
    /// Ascending (default) or descending.
    #[graphql(default)]
    pub direction: SortDirection,
}

crate::connection!(
    ContactConnection,
    ContactEdge,
    Contact,
    "A page of contacts: the items, their cursors, whether more follow, and how many match in all.",
    "One contact in a list, with its cursor."
);
