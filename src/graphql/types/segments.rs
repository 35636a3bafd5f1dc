//! Segments (issue 19): tags, groups, interests, consent records, saved searches, and the segment
//! part of `ContactFilter` with its conversion to the service's typed filter.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, Result};

use super::contact::ContactFilter;
use crate::domain::money::{Currency, Money};
use crate::error::{AppError, AppResult};
use crate::graphql::guards;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::{parse_id, parse_ids};
use crate::services::contacts::ContactFilter as Filter;
use crate::services::segments::filter::{
    Criteria, EventCriteria, GivingCriteria, MembershipCriteria,
};
use crate::services::segments::{consent, groups, interests, saved_searches, tags};
use crate::state::AppState;

crate::mirror_enum!(
    /// A change of group membership.
    GroupChange <=> crate::domain::segment::GroupChange {
        /// The contact joined the group.
        Added,
        /// The contact left the group.
        Removed,
    }
);

crate::mirror_enum!(
    /// A consent event.
    ConsentAction <=> crate::domain::segment::ConsentAction {
        /// Agreed to receive it.
        OptIn,
        /// Asked to stop receiving it.
        OptOut,
    }
);

crate::mirror_enum!(
    /// Where a consent event came from.
    ConsentSource <=> crate::domain::segment::ConsentSource {
        /// Recorded by staff (`setContactInterests`).
        Staff,
        /// Chosen by the member in the portal (`updateMyPreferences`).
        MemberPortal,
        /// The public preferences page reached from a mailing.
        PreferencesPage,
        /// A mailbox provider's one-click unsubscribe (RFC 8058).
        OneClick,
        /// A newsletter sign-up confirmed by its email link (double opt-in).
        SubscribeForm,
        /// A spam complaint reported by the email provider.
        Complaint,
    }
);

/// Conditions on one of the contact's memberships (all on the same membership).
#[derive(Debug, Default, InputObject)]
pub struct MembershipCriteriaInput {
    /// Of any of these membership types.
    pub type_ids: Option<Vec<ID>>,
    /// With any of these stored statuses.
    pub status_ids: Option<Vec<ID>>,
    /// Whose stored status counts as current (true) or not (false).
    pub current: Option<bool>,
    /// Ending on or after this day (lifetime memberships never match an end-date bound).
    pub end_date_from: Option<Date>,
    /// Ending on or before this day.
    pub end_date_to: Option<Date>,
    /// Joined on or after this day.
    pub join_date_from: Option<Date>,
    /// Joined on or before this day.
    pub join_date_to: Option<Date>,
}

/// Conditions on the events a contact attended (was checked in at).
#[derive(Debug, Default, InputObject)]
pub struct EventCriteriaInput {
    /// Any of these events (at most 100); omitted: any event.
    pub event_ids: Option<Vec<ID>>,
    /// Events starting on or after this day (UTC).
    pub from: Option<Date>,
    /// Events starting on or before this day (UTC).
    pub to: Option<Date>,
    /// At least this many such events (1 to 1000; default 1).
    pub min_count: Option<i32>,
}

/// Conditions on completed contributions in one currency.
#[derive(Debug, Default, InputObject)]
pub struct GivingCriteriaInput {
    /// ISO 4217 currency of the amounts and gifts considered (default: the organisation's).
    pub currency: Option<String>,
    /// Gave a single gift received on or after this day (with the other gift bounds).
    pub gave_from: Option<Date>,
    /// … on or before this day.
    pub gave_to: Option<Date>,
    /// … of at least this amount.
    pub gift_min: Option<Decimal>,
    /// … of at most this amount.
    pub gift_max: Option<Decimal>,
    /// Donors whose lifetime total is at least this.
    pub lifetime_min: Option<Decimal>,
    /// Donors whose lifetime total is at most this.
    pub lifetime_max: Option<Decimal>,
    /// Donors whose latest gift was received on or after this day.
    pub last_gift_from: Option<Date>,
    /// Donors whose latest gift was received on or before this day.
    pub last_gift_to: Option<Date>,
    /// Gave last calendar year but not this year (LYBUNT).
    #[graphql(default)]
    pub lybunt: bool,
}

fn ids(v: Option<Vec<ID>>, field: &str) -> AppResult<Vec<i64>> {
    parse_ids(&v.unwrap_or_default(), field)
}

fn date(d: Option<Date>) -> Option<chrono::NaiveDate> {
    d.map(|d| d.0)
}

fn amount(v: Option<Decimal>, currency: Currency, field: &str) -> AppResult<Option<i64>> {
    v.map(|d| Ok(Money::parse(&d.0, currency, field, false)?.minor()))
        .transpose()
}

fn giving(state: &AppState, g: GivingCriteriaInput) -> AppResult<GivingCriteria> {
    let currency = match g.currency {
        Some(code) => Currency::parse(&code, "filter.giving.currency")?,
        None => state.settings.organization.default_currency,
    };
    Ok(GivingCriteria {
        currency: currency.code().to_string(),
        gave_from: date(g.gave_from),
        gave_to: date(g.gave_to),
        gift_min_minor: amount(g.gift_min, currency, "filter.giving.giftMin")?,
        gift_max_minor: amount(g.gift_max, currency, "filter.giving.giftMax")?,
        lifetime_min_minor: amount(g.lifetime_min, currency, "filter.giving.lifetimeMin")?,
        lifetime_max_minor: amount(g.lifetime_max, currency, "filter.giving.lifetimeMax")?,
        last_gift_from: date(g.last_gift_from),
        last_gift_to: date(g.last_gift_to),
        lybunt: g.lybunt,
    })
}

fn non_negative(v: Option<i32>, field: &str) -> AppResult<Option<u32>> {
    v.map(|n| u32::try_from(n).map_err(|_| AppError::bad_input(field, "must not be negative")))
        .transpose()
}

/// The service's filter from the API's, without saved searches (see [`contact_filter`]).
fn convert(state: &AppState, f: ContactFilter, depth: usize) -> AppResult<Filter> {
    if depth > crate::services::segments::filter::MAX_DEPTH {
        return Err(AppError::bad_input(
            "filter.anyOf",
            "filters nest at most 3 levels deep",
        ));
    }
    if depth > 0 && f.saved_search_id.is_some() {
        return Err(AppError::bad_input(
            "filter.savedSearchId",
            "only the outermost filter may name a saved search",
        ));
    }
    let many = |v: Option<Vec<ContactFilter>>| -> AppResult<Vec<Filter>> {
        let v = v.unwrap_or_default();
        if v.len() > crate::services::segments::filter::MAX_NODES {
            return Err(AppError::bad_input(
                "filter.anyOf",
                "too many nested filters",
            ));
        }
        v.into_iter()
            .map(|c| convert(state, c, depth + 1))
            .collect()
    };
    let membership = f
        .membership
        .map(|m| -> AppResult<MembershipCriteria> {
            Ok(MembershipCriteria {
                type_ids: ids(m.type_ids, "filter.membership.typeIds")?,
                status_ids: ids(m.status_ids, "filter.membership.statusIds")?,
                current: m.current,
                end_date_from: date(m.end_date_from),
                end_date_to: date(m.end_date_to),
                join_date_from: date(m.join_date_from),
                join_date_to: date(m.join_date_to),
            })
        })
        .transpose()?;
    let country = f
        .country
        .map(|c| {
            crate::domain::country::CountryCode::parse(&c, "filter.country")
                .map(|c| c.as_str().to_string())
        })
        .transpose()?;
    let birth_months = f
        .birth_months
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            u32::try_from(m)
                .map_err(|_| AppError::bad_input("filter.birthMonths", "months are 1 to 12"))
        })
        .collect::<AppResult<Vec<u32>>>()?;
    Ok(Filter {
        search: f.search,
        kind: f.kind.map(Into::into),
        created_from: f.created_from.map(|d| d.0),
        created_to: f.created_to.map(|d| d.0),
        in_trash: f.in_trash,
        custom_fields: super::signup::custom_filters(f.custom_fields),
        segment: Criteria {
            tag_ids: ids(f.tag_ids, "filter.tagIds")?,
            group_ids: ids(f.group_ids, "filter.groupIds")?,
            interest_ids: ids(f.interest_ids, "filter.interestIds")?,
            membership,
            giving: f.giving.map(|g| giving(state, g)).transpose()?,
            events: f
                .events
                .map(|e| -> AppResult<EventCriteria> {
                    Ok(EventCriteria {
                        event_ids: ids(e.event_ids, "filter.events.eventIds")?,
                        from: date(e.from),
                        to: date(e.to),
                        min_count: e
                            .min_count
                            .map(|n| {
                                u32::try_from(n).map_err(|_| {
                                    AppError::bad_input(
                                        "filter.events.minCount",
                                        "between 1 and 1000",
                                    )
                                })
                            })
                            .transpose()?,
                    })
                })
                .transpose()?,
            country,
            city: f
                .city
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
            birth_months,
            age_min: non_negative(f.age_min, "filter.ageMin")?,
            age_max: non_negative(f.age_max, "filter.ageMax")?,
            any_of: many(f.any_of)?,
            none_of: many(f.none_of)?,
            saved_search_id: None,
            all_of: Vec::new(),
        },
    })
}

/// The service's filter from the API's, naming its saved search by id (for storing; see
/// [`evaluated_filter`] for evaluating).
pub async fn contact_filter(state: &AppState, f: ContactFilter) -> AppResult<Filter> {
    let saved = f
        .saved_search_id
        .as_ref()
        .map(|id| parse_id(id, "filter.savedSearchId"))
        .transpose()?;
    let mut out = convert(state, f, 0)?;
    out.segment.saved_search_id = saved;
    Ok(out)
}

/// The service's filter from the API's, ready to evaluate: the saved search it names (and any
/// that one names) read now.
pub async fn evaluated_filter(state: &AppState, f: ContactFilter) -> AppResult<Filter> {
    let f = contact_filter(state, f).await?;
    saved_searches::resolve(&state.db, f, "filter.savedSearchId").await
}

/// A coloured label staff put on contacts.
#[derive(Clone, Debug)]
pub struct Tag(pub tags::Tag);

/// A coloured label staff put on contacts.
#[Object]
impl Tag {
    /// Identifier of the tag.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Name, unique.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Colour as `#rrggbb`.
    async fn color(&self) -> Option<&str> {
        self.0.color.as_deref()
    }
    /// What the tag means.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// How many live contacts carry it.
    async fn contact_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(tags::count(&guards::state(ctx)?.db, self.0.id).await?)
    }
}

/// A static list of contacts (they join and leave; each change is kept).
#[derive(Clone, Debug)]
pub struct Group(pub groups::Group);

/// A static list of contacts (they join and leave; each change is kept).
#[Object]
impl Group {
    /// Identifier of the group.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Name, unique.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the group is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// How many live contacts are in it now (list them with `contacts(filter: { groupIds })`).
    async fn member_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(groups::count(&guards::state(ctx)?.db, self.0.id).await?)
    }
    /// When staff deleted it (`deleteGroup`); null while it is in use. A deleted group is in no
    /// list, but `group(id)` still shows it for the join and leave history that names it.
    async fn deleted_at(&self) -> Option<DateTime> {
        self.0.deleted_at.map(Into::into)
    }
}

/// A contact joining or leaving a group.
#[derive(Clone, Debug)]
pub struct GroupHistoryEntry(pub groups::GroupHistoryEntry);

/// A contact joining or leaving a group.
#[Object]
impl GroupHistoryEntry {
    /// The group's id.
    async fn group_id(&self) -> ID {
        ID(self.0.group_id.to_string())
    }
    /// Joined or left.
    async fn change(&self) -> GroupChange {
        self.0.change.into()
    }
    /// Who made the change (`user:12`, `cli`, …).
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// When.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
}

/// A communication topic contacts choose (e.g. "Newsletter", "Volunteering").
#[derive(Clone, Debug)]
pub struct Interest(pub interests::Interest);

/// A communication topic contacts choose (e.g. "Newsletter", "Volunteering").
#[Object]
impl Interest {
    /// Identifier of the interest.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Name, unique.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What subscribers get.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Offered to members and on the public pages (otherwise managed by staff only).
    async fn is_public(&self) -> bool {
        self.0.is_public
    }
    /// Still offered (false once archived).
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// When an admin archived it (`archiveInterest`); null while it is offered. An archived
    /// interest is shown to staff only, and its consent records stay.
    async fn archived_at(&self) -> Option<DateTime> {
        self.0.archived_at.map(Into::into)
    }
}

/// One opt-in or opt-out, as kept for auditors.
#[derive(Clone, Debug)]
pub struct ConsentRecord(pub consent::ConsentRecord);

/// One opt-in or opt-out, as kept for auditors.
#[Object]
impl ConsentRecord {
    /// Identifier of the record.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The interest concerned; null: all bulk mail ("unsubscribe from everything" or its reversal).
    async fn interest_id(&self) -> Option<ID> {
        self.0.interest_id.map(|i| ID(i.to_string()))
    }
    /// Opt-in or opt-out.
    async fn action(&self) -> ConsentAction {
        self.0.action.into()
    }
    /// Where it came from.
    async fn source(&self) -> ConsentSource {
        self.0.source.into()
    }
    /// The version of the consent wording the person saw.
    async fn wording_version(&self) -> &str {
        &self.0.wording_version
    }
    /// Who recorded it (`user:12`, `anonymous` for a link in an email, …).
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The mailing whose link was used, if any.
    async fn mailing_id(&self) -> Option<ID> {
        self.0.mailing_id.map(|i| ID(i.to_string()))
    }
    /// When.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// A named contact filter (smart group), evaluated whenever it is used.
#[derive(Clone, Debug)]
pub struct SavedSearch(pub saved_searches::SavedSearch);

/// A named contact filter (smart group), evaluated whenever it is used.
#[Object]
impl SavedSearch {
    /// Identifier of the saved search.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Name, unique.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What it is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The stored filter as JSON (the `ContactFilter` fields, amounts in minor units).
    async fn filter(&self) -> Json<serde_json::Value> {
        Json(serde_json::to_value(&self.0.filter).unwrap_or_default())
    }
    /// How many live contacts match it now.
    async fn count(&self, ctx: &Context<'_>) -> Result<u64> {
        let state = guards::state(ctx)?;
        Ok(saved_searches::count(state, guards::viewer(ctx), self.0.filter.clone()).await?)
    }
    /// Who created it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it was last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

/// A new tag.
#[derive(Debug, InputObject)]
pub struct CreateTagInput {
    /// Name, unique.
    pub name: String,
    /// Colour as `#rrggbb`.
    pub color: Option<String>,
    /// What the tag means.
    pub description: Option<String>,
}

/// A new group.
#[derive(Debug, InputObject)]
pub struct CreateGroupInput {
    /// Name, unique.
    pub name: String,
    /// What the group is for.
    pub description: Option<String>,
}

/// A new interest.
#[derive(Debug, InputObject)]
pub struct CreateInterestInput {
    /// Name, unique, as members see it.
    pub name: String,
    /// What subscribers get.
    pub description: Option<String>,
    /// Offered to members and on the public pages (default true).
    pub is_public: Option<bool>,
}

/// Changes to a tag: each field left out stays as it is.
#[derive(Debug, InputObject)]
pub struct UpdateTagInput {
    /// New name, unique (1–100 characters, one line).
    pub name: Option<String>,
    /// New colour as `#rrggbb`; null removes it.
    pub color: MaybeUndefined<String>,
    /// New description; null or empty removes it.
    pub description: MaybeUndefined<String>,
}

/// Changes to a group: each field left out stays as it is.
#[derive(Debug, InputObject)]
pub struct UpdateGroupInput {
    /// New name, unique among live groups.
    pub name: Option<String>,
    /// New description; null or empty removes it.
    pub description: MaybeUndefined<String>,
}

/// Changes to an interest: each field left out stays as it is.
#[derive(Debug, InputObject)]
pub struct UpdateInterestInput {
    /// New name, unique, as members and the public pages show it.
    pub name: Option<String>,
    /// New description of what subscribers get; null or empty removes it.
    pub description: MaybeUndefined<String>,
    /// Whether it is offered to members and on the public pages.
    pub is_public: Option<bool>,
}

/// A new saved search.
#[derive(Debug, InputObject)]
pub struct CreateSavedSearchInput {
    /// Name, unique.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// The filter (live contacts only; `inTrash` is refused).
    pub filter: ContactFilter,
}

/// Changes to a saved search.
#[derive(Debug, InputObject)]
pub struct UpdateSavedSearchInput {
    /// New name.
    pub name: Option<String>,
    /// New filter (replaces the stored one).
    pub filter: Option<ContactFilter>,
}

/// A member's choices.
#[derive(Debug, InputObject)]
pub struct UpdateMyPreferencesInput {
    /// The public interests wanted (replaces the current choice among public interests; left out:
    /// unchanged).
    pub interest_ids: Option<Vec<ID>>,
    /// True: no bulk mail at all; false: bulk mail again. Left out: unchanged.
    pub unsubscribe_from_all: Option<bool>,
}
