//! The segment criteria of a contact filter (issue 19): tags, groups, interests, memberships,
//! giving, place and age, and nested `anyOf` / `noneOf` filters. One typed value serves the
//! `contacts` list, saved searches (stored as JSON), mailing audiences and the CSV export; it is
//! evaluated in SQL as conditions on the `contacts` row, every value bound as a parameter.
//!
//! [`matches`] is the same rule in plain Rust over loaded records: the property test checks the
//! SQL against it on random data.

use chrono::{Datelike, Months, NaiveDate};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, DbBackend};
use serde::{Deserialize, Serialize};

use crate::db::entities::segments::{contact_interest, contact_tag, group_member};
use crate::db::entities::{
    contact, contribution, event, event_registration, membership, membership_status,
};
use crate::domain::FieldError;
use crate::domain::contribution::ContributionStatus;
use crate::domain::event::RegistrationStatus;
use crate::services::contacts::ContactFilter;

/// Deepest nesting of `anyOf` / `noneOf`.
pub const MAX_DEPTH: usize = 3;
/// Most filters in one tree (the filter itself and every nested one).
pub const MAX_NODES: usize = 30;
/// Most ids in one list of a filter.
pub const MAX_IDS: usize = 100;
/// Longest chain of saved searches naming one another (`savedSearchId`).
pub const MAX_CHAIN: usize = 5;
/// Most values one evaluated filter may bind, its saved searches included: under SQLite's limit
/// of 32,766 parameters per statement with room for the paging and snapshot values around it.
pub const MAX_VALUES: usize = 30_000;

/// Conditions on one membership of the contact (all of them on the same membership).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MembershipCriteria {
    pub type_ids: Vec<i64>,
    pub status_ids: Vec<i64>,
    /// Whether the membership's stored status counts as current (New, Current, Grace…).
    pub current: Option<bool>,
    pub end_date_from: Option<NaiveDate>,
    pub end_date_to: Option<NaiveDate>,
    pub join_date_from: Option<NaiveDate>,
    pub join_date_to: Option<NaiveDate>,
}

/// Conditions on completed contributions in one currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GivingCriteria {
    /// ISO 4217 code the amounts are in.
    pub currency: String,
    /// A single gift received in this range (with the amount bounds below).
    pub gave_from: Option<NaiveDate>,
    pub gave_to: Option<NaiveDate>,
    pub gift_min_minor: Option<i64>,
    pub gift_max_minor: Option<i64>,
    /// Lifetime total of a donor (at least one gift) within these bounds.
    pub lifetime_min_minor: Option<i64>,
    pub lifetime_max_minor: Option<i64>,
    /// Latest gift received within this range.
    pub last_gift_from: Option<NaiveDate>,
    pub last_gift_to: Option<NaiveDate>,
    /// Gave last calendar year but not (yet) this one.
    pub lybunt: bool,
}

/// Events the contact attended (checked in).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventCriteria {
    /// Any of these events; empty: any event.
    pub event_ids: Vec<i64>,
    /// Events starting on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// Events starting on or before this day (UTC).
    pub to: Option<NaiveDate>,
    /// At least this many such events (None: one).
    pub min_count: Option<u32>,
}

/// Most events a filter may ask to have been attended.
pub const MAX_EVENT_COUNT: u32 = 1000;

impl GivingCriteria {
    fn has_gift(&self) -> bool {
        self.gave_from.is_some()
            || self.gave_to.is_some()
            || self.gift_min_minor.is_some()
            || self.gift_max_minor.is_some()
    }

    fn has_totals(&self) -> bool {
        self.lifetime_min_minor.is_some()
            || self.lifetime_max_minor.is_some()
            || self.last_gift_from.is_some()
            || self.last_gift_to.is_some()
    }
}

/// The segment part of a contact filter. Lists mean "any of"; every given criterion must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Criteria {
    pub tag_ids: Vec<i64>,
    pub group_ids: Vec<i64>,
    pub interest_ids: Vec<i64>,
    pub membership: Option<MembershipCriteria>,
    pub giving: Option<GivingCriteria>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<EventCriteria>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Compared case-insensitively by the database's `lower()` on both sides (ASCII letters only
    /// on SQLite, every letter on PostgreSQL).
    pub city: Option<String>,
    /// 1–12.
    pub birth_months: Vec<u32>,
    pub age_min: Option<u32>,
    pub age_max: Option<u32>,
    /// At least one of these filters holds.
    pub any_of: Vec<ContactFilter>,
    /// None of these filters holds.
    pub none_of: Vec<ContactFilter>,
    /// The saved search this filter narrows (outermost filter only), stored as its id so that
    /// editing that search changes every filter naming it. Brought in as `all_of` before the
    /// filter is evaluated (`saved_searches::resolve`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_search_id: Option<i64>,
    /// Every one of these holds: the saved searches named through `saved_search_id`, each checked
    /// when it was stored, so their nesting does not count against this filter's. (Filters saved
    /// before searches were stored by id hold copies here.)
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub all_of: Vec<ContactFilter>,
}

/// The latest birth date of someone at least `age` years old on `today`.
pub fn born_by(today: NaiveDate, age: u32) -> NaiveDate {
    today
        .checked_sub_months(Months::new(age.saturating_mul(12)))
        .unwrap_or(NaiveDate::MIN)
}

/// Checks a whole filter tree: sizes, depth, ranges (errors name `filter.<field>`).
pub fn check(f: &ContactFilter) -> Result<(), FieldError> {
    let mut nodes = 0;
    check_node(f, 0, &mut nodes, "filter")?;
    for (i, saved) in f.segment.all_of.iter().enumerate() {
        let mut nodes = 0;
        check_node(saved, 0, &mut nodes, &format!("filter.allOf[{i}]"))?;
    }
    Ok(())
}

fn check_node(
    f: &ContactFilter,
    depth: usize,
    nodes: &mut usize,
    path: &str,
) -> Result<(), FieldError> {
    *nodes += 1;
    let bad = |field: &str, m: String| FieldError::new(format!("{path}.{field}"), m);
    if *nodes > MAX_NODES {
        return Err(FieldError::new(
            path,
            format!("a filter holds at most {MAX_NODES} nested filters"),
        ));
    }
    if depth > 0 && (!f.segment.all_of.is_empty() || f.segment.saved_search_id.is_some()) {
        return Err(bad(
            "savedSearchId",
            "only the outermost filter may name a saved search".into(),
        ));
    }
    if depth > 0 && f.in_trash {
        return Err(bad(
            "inTrash",
            "only the outermost filter may list the trash".into(),
        ));
    }
    if f.search.as_deref().unwrap_or_default().chars().count()
        > crate::services::contacts::MAX_SEARCH_CHARS
    {
        return Err(bad("search", "at most 200 characters".into()));
    }
    crate::services::custom_values::matching(
        crate::services::custom_values::Owner::Contact,
        &f.custom_fields,
    )
    .map_err(|e| bad("customFields", e.message))?;
    let s = &f.segment;
    let mut lists: Vec<(&str, usize)> = vec![
        ("tagIds", s.tag_ids.len()),
        ("groupIds", s.group_ids.len()),
        ("interestIds", s.interest_ids.len()),
        ("birthMonths", s.birth_months.len()),
    ];
    if let Some(e) = &s.events {
        lists.push(("events.eventIds", e.event_ids.len()));
        if e.min_count
            .is_some_and(|n| !(1..=MAX_EVENT_COUNT).contains(&n))
        {
            return Err(bad(
                "events.minCount",
                format!("between 1 and {MAX_EVENT_COUNT}"),
            ));
        }
    }
    if let Some(m) = &s.membership {
        lists.push(("membership.typeIds", m.type_ids.len()));
        lists.push(("membership.statusIds", m.status_ids.len()));
    }
    for (field, n) in lists {
        if n > MAX_IDS {
            return Err(bad(field, format!("at most {MAX_IDS} values")));
        }
    }
    if s.birth_months.iter().any(|m| !(1..=12).contains(m)) {
        return Err(bad("birthMonths", "months are 1 to 12".into()));
    }
    for (age, field) in [(s.age_min, "ageMin"), (s.age_max, "ageMax")] {
        if age.is_some_and(|a| a > 150) {
            return Err(bad(field, "at most 150".into()));
        }
    }
    if let Some(g) = &s.giving {
        for (v, field) in [
            (g.gift_min_minor, "giving.giftMin"),
            (g.gift_max_minor, "giving.giftMax"),
            (g.lifetime_min_minor, "giving.lifetimeMin"),
            (g.lifetime_max_minor, "giving.lifetimeMax"),
        ] {
            if v.is_some_and(|v| v < 0) {
                return Err(bad(field, "must not be negative".into()));
            }
        }
    }
    if !(s.any_of.is_empty() && s.none_of.is_empty()) && depth + 1 > MAX_DEPTH {
        return Err(bad(
            "anyOf",
            format!("filters nest at most {MAX_DEPTH} levels deep"),
        ));
    }
    for (i, child) in s.any_of.iter().enumerate() {
        check_node(child, depth + 1, nodes, &format!("{path}.anyOf[{i}]"))?;
    }
    for (i, child) in s.none_of.iter().enumerate() {
        check_node(child, depth + 1, nodes, &format!("{path}.noneOf[{i}]"))?;
    }
    Ok(())
}

/// Checks a filter about to be evaluated: [`check`], its saved searches brought in, and the values
/// it binds within [`MAX_VALUES`] (`field` names the input in the error).
pub fn check_evaluated(
    backend: DbBackend,
    f: &ContactFilter,
    today: NaiveDate,
    field: &str,
) -> Result<(), crate::error::AppError> {
    check(f)?;
    values_within(backend, f, today, field)
}

/// Checks that a built filter (a mailing audience, which is not a filter anyone typed) binds at
/// most [`MAX_VALUES`] values and names no saved search left to bring in.
pub fn values_within(
    backend: DbBackend,
    f: &ContactFilter,
    today: NaiveDate,
    field: &str,
) -> Result<(), crate::error::AppError> {
    use sea_orm::QueryTrait;
    if f.segment.saved_search_id.is_some() {
        return Err(crate::error::AppError::internal(
            "a filter naming a saved search was evaluated before the search was brought in",
        ));
    }
    let values = crate::services::contacts::matching_ids(backend, f, today)
        .build(backend)
        .values
        .map_or(0, |v| v.0.len());
    if values > MAX_VALUES {
        return Err(crate::error::AppError::bad_input(
            field,
            format!(
                "this filter, with the saved searches it names, compares {values} values; \
                 at most {MAX_VALUES} fit in one search"
            ),
        ));
    }
    Ok(())
}

fn contact_ids_in(sub: SelectStatement) -> Condition {
    Condition::all().add(contact::Column::Id.in_subquery(sub))
}

fn birth_month(backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Postgres => {
            Expr::cust("CAST(EXTRACT(MONTH FROM contacts.birth_date) AS INTEGER)")
        }
        _ => Expr::cust("CAST(strftime('%m', contacts.birth_date) AS INTEGER)"),
    }
}

/// The segment criteria as SQL conditions on the `contacts` row; `nested` builds a whole nested
/// filter (search, kind, custom fields and its own criteria).
pub fn condition(
    backend: DbBackend,
    s: &Criteria,
    today: NaiveDate,
    nested: &dyn Fn(&ContactFilter) -> Condition,
) -> Condition {
    let mut c = Condition::all();
    if !s.tag_ids.is_empty() {
        c = c.add(contact_ids_in(
            Query::select()
                .column(contact_tag::Column::ContactId)
                .from(contact_tag::Entity)
                .and_where(contact_tag::Column::TagId.is_in(s.tag_ids.clone()))
                .to_owned(),
        ));
    }
    if !s.group_ids.is_empty() {
        c = c.add(contact_ids_in(
            Query::select()
                .column(group_member::Column::ContactId)
                .from(group_member::Entity)
                .and_where(group_member::Column::GroupId.is_in(s.group_ids.clone()))
                .to_owned(),
        ));
    }
    if !s.interest_ids.is_empty() {
        c = c.add(contact_ids_in(
            Query::select()
                .column(contact_interest::Column::ContactId)
                .from(contact_interest::Entity)
                .and_where(contact_interest::Column::InterestId.is_in(s.interest_ids.clone()))
                .to_owned(),
        ));
    }
    if let Some(m) = &s.membership {
        c = c.add(contact_ids_in(membership_query(m)));
    }
    if let Some(g) = &s.giving {
        c = giving_conditions(c, g, today);
    }
    if let Some(e) = &s.events {
        c = c.add(contact_ids_in(events_query(e)));
    }
    if let Some(country) = &s.country {
        c = c.add(contact::Column::Country.eq(country.clone()));
    }
    if let Some(city) = &s.city {
        c = c.add(
            Expr::expr(Func::lower(Expr::col((
                contact::Entity,
                contact::Column::City,
            ))))
            .eq(Expr::expr(Func::lower(Expr::val(city.clone())))),
        );
    }
    if !s.birth_months.is_empty() {
        let months: Vec<i32> = s.birth_months.iter().map(|m| *m as i32).collect();
        c = c.add(birth_month(backend).is_in(months));
    }
    if let Some(a) = s.age_min {
        c = c.add(contact::Column::BirthDate.lte(born_by(today, a)));
    }
    if let Some(a) = s.age_max {
        c = c.add(contact::Column::BirthDate.gt(born_by(today, a + 1)));
    }
    if !s.any_of.is_empty() {
        let any = s
            .any_of
            .iter()
            .fold(Condition::any(), |acc, f| acc.add(nested(f)));
        c = c.add(any);
    }
    if !s.none_of.is_empty() {
        // Not `NOT (…)`: a condition on a NULL column (a missing birth date) is NULL, and so is
        // its negation, which would drop the contact from both sides. Subtracting the contacts
        // that match keeps the logic two-valued.
        let any = s
            .none_of
            .iter()
            .fold(Condition::any(), |acc, f| acc.add(nested(f)));
        c = c.add(
            contact::Column::Id.not_in_subquery(
                Query::select()
                    .column((contact::Entity, contact::Column::Id))
                    .from(contact::Entity)
                    .cond_where(any)
                    .to_owned(),
            ),
        );
    }
    for f in &s.all_of {
        c = c.add(nested(f));
    }
    c
}

fn membership_query(m: &MembershipCriteria) -> SelectStatement {
    let mut q = Query::select()
        .column(membership::Column::ContactId)
        .from(membership::Entity)
        .to_owned();
    if !m.type_ids.is_empty() {
        q.and_where(membership::Column::MembershipTypeId.is_in(m.type_ids.clone()));
    }
    if !m.status_ids.is_empty() {
        q.and_where(membership::Column::StatusId.is_in(m.status_ids.clone()));
    }
    if let Some(current) = m.current {
        let statuses = Query::select()
            .column(membership_status::Column::Id)
            .from(membership_status::Entity)
            .and_where(membership_status::Column::IsCurrentMember.eq(true))
            .to_owned();
        q.and_where(if current {
            membership::Column::StatusId.in_subquery(statuses)
        } else {
            membership::Column::StatusId.not_in_subquery(statuses)
        });
    }
    let dates = [
        (m.end_date_from, membership::Column::EndDate, true),
        (m.end_date_to, membership::Column::EndDate, false),
        (m.join_date_from, membership::Column::JoinDate, true),
        (m.join_date_to, membership::Column::JoinDate, false),
    ];
    for (d, col, from) in dates {
        if let Some(d) = d {
            q.and_where(if from { col.gte(d) } else { col.lte(d) });
        }
    }
    q
}

/// The first instant of `day` in UTC.
fn day_start(day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

fn events_query(e: &EventCriteria) -> SelectStatement {
    use event_registration::Column as R;
    let reg = |c: R| Expr::col((event_registration::Entity, c));
    let starts = || Expr::col((event::Entity, event::Column::StartsAt));
    let mut q = Query::select()
        .expr(reg(R::ContactId))
        .from(event_registration::Entity)
        .inner_join(
            event::Entity,
            Expr::col((event::Entity, event::Column::Id))
                .equals((event_registration::Entity, R::EventId)),
        )
        .and_where(reg(R::Status).eq(RegistrationStatus::Attended.as_str()))
        .to_owned();
    if !e.event_ids.is_empty() {
        q.and_where(reg(R::EventId).is_in(e.event_ids.clone()));
    }
    if let Some(d) = e.from {
        q.and_where(starts().gte(day_start(d)));
    }
    if let Some(d) = e.to.and_then(|d| d.succ_opt()) {
        q.and_where(starts().lt(day_start(d)));
    }
    if e.min_count.is_some_and(|n| n > 1) {
        q.group_by_col((event_registration::Entity, R::ContactId))
            .and_having(
                Expr::expr(Func::count_distinct(reg(R::EventId)))
                    .gte(i64::from(e.min_count.unwrap_or(1))),
            );
    }
    q
}

fn gifts(currency: &str) -> SelectStatement {
    Query::select()
        .column(contribution::Column::ContactId)
        .from(contribution::Entity)
        .and_where(contribution::Column::Status.eq(ContributionStatus::Completed))
        .and_where(contribution::Column::Currency.eq(currency.to_string()))
        .to_owned()
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

fn giving_conditions(mut c: Condition, g: &GivingCriteria, today: NaiveDate) -> Condition {
    use contribution::Column as K;
    if g.has_gift() {
        let mut q = gifts(&g.currency);
        if let Some(d) = g.gave_from {
            q.and_where(K::ReceivedDate.gte(d));
        }
        if let Some(d) = g.gave_to {
            q.and_where(K::ReceivedDate.lte(d));
        }
        if let Some(v) = g.gift_min_minor {
            q.and_where(K::AmountMinor.gte(v));
        }
        if let Some(v) = g.gift_max_minor {
            q.and_where(K::AmountMinor.lte(v));
        }
        c = c.add(contact_ids_in(q));
    }
    if g.has_totals() {
        let mut q = gifts(&g.currency);
        q.group_by_col(K::ContactId);
        let sum = || Expr::expr(Func::sum(Expr::col(K::AmountMinor)));
        let last = || Expr::expr(Func::max(Expr::col(K::ReceivedDate)));
        if let Some(v) = g.lifetime_min_minor {
            q.and_having(sum().gte(v));
        }
        if let Some(v) = g.lifetime_max_minor {
            q.and_having(sum().lte(v));
        }
        if let Some(d) = g.last_gift_from {
            q.and_having(last().gte(d));
        }
        if let Some(d) = g.last_gift_to {
            q.and_having(last().lte(d));
        }
        c = c.add(contact_ids_in(q));
    }
    if g.lybunt {
        let (last_from, last_to) = year_bounds(today.year() - 1);
        let (this_from, this_to) = year_bounds(today.year());
        let mut gave_last = gifts(&g.currency);
        gave_last.and_where(K::ReceivedDate.between(last_from, last_to));
        let mut gave_this = gifts(&g.currency);
        gave_this.and_where(K::ReceivedDate.between(this_from, this_to));
        c = c
            .add(contact_ids_in(gave_last))
            .add(contact::Column::Id.not_in_subquery(gave_this));
    }
    c
}

/// What [`matches`] needs to know about one contact.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub tag_ids: Vec<i64>,
    pub group_ids: Vec<i64>,
    pub interest_ids: Vec<i64>,
    /// (type id, status id, status is current, join date, end date).
    pub memberships: Vec<(i64, i64, bool, NaiveDate, Option<NaiveDate>)>,
    /// Completed gifts: (currency, amount in minor units, received date).
    pub gifts: Vec<(String, i64, NaiveDate)>,
    /// Events attended: (event id, when it starts).
    pub attended: Vec<(i64, chrono::DateTime<chrono::Utc>)>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub birth_date: Option<NaiveDate>,
}

/// The segment criteria in plain Rust (for tests: the SQL must agree). `nested` decides a nested
/// filter for the same contact.
pub fn matches(
    s: &Criteria,
    f: &Facts,
    today: NaiveDate,
    nested: &dyn Fn(&ContactFilter) -> bool,
) -> bool {
    let any =
        |wanted: &[i64], has: &[i64]| wanted.is_empty() || wanted.iter().any(|w| has.contains(w));
    if !any(&s.tag_ids, &f.tag_ids)
        || !any(&s.group_ids, &f.group_ids)
        || !any(&s.interest_ids, &f.interest_ids)
    {
        return false;
    }
    if let Some(m) = &s.membership {
        let ok = f.memberships.iter().any(|(t, st, cur, join, end)| {
            (m.type_ids.is_empty() || m.type_ids.contains(t))
                && (m.status_ids.is_empty() || m.status_ids.contains(st))
                && m.current.is_none_or(|c| c == *cur)
                && m.end_date_from.is_none_or(|d| end.is_some_and(|e| e >= d))
                && m.end_date_to.is_none_or(|d| end.is_some_and(|e| e <= d))
                && m.join_date_from.is_none_or(|d| *join >= d)
                && m.join_date_to.is_none_or(|d| *join <= d)
        });
        if !ok {
            return false;
        }
    }
    if let Some(g) = &s.giving
        && !giving_matches(g, f, today)
    {
        return false;
    }
    if let Some(e) = &s.events {
        let mut events: Vec<i64> = f
            .attended
            .iter()
            .filter(|(id, starts)| {
                (e.event_ids.is_empty() || e.event_ids.contains(id))
                    && e.from.is_none_or(|d| starts.date_naive() >= d)
                    && e.to.is_none_or(|d| starts.date_naive() <= d)
            })
            .map(|(id, _)| *id)
            .collect();
        events.sort_unstable();
        events.dedup();
        if (events.len() as u64) < u64::from(e.min_count.unwrap_or(1)) {
            return false;
        }
    }
    if s.country
        .as_ref()
        .is_some_and(|c| f.country.as_ref() != Some(c))
    {
        return false;
    }
    if let Some(city) = &s.city
        && f.city.as_deref().map(str::to_lowercase) != Some(city.to_lowercase())
    {
        return false;
    }
    if !s.birth_months.is_empty()
        && !f
            .birth_date
            .is_some_and(|b| s.birth_months.contains(&b.month()))
    {
        return false;
    }
    if let Some(a) = s.age_min
        && f.birth_date.is_none_or(|b| b > born_by(today, a))
    {
        return false;
    }
    if let Some(a) = s.age_max
        && f.birth_date.is_none_or(|b| b <= born_by(today, a + 1))
    {
        return false;
    }
    if !s.any_of.is_empty() && !s.any_of.iter().any(nested) {
        return false;
    }
    !s.none_of.iter().any(nested) && s.all_of.iter().all(nested)
}

fn giving_matches(g: &GivingCriteria, f: &Facts, today: NaiveDate) -> bool {
    let mine: Vec<&(String, i64, NaiveDate)> = f
        .gifts
        .iter()
        .filter(|(c, _, _)| *c == g.currency)
        .collect();
    if g.has_gift()
        && !mine.iter().any(|(_, amount, day)| {
            g.gave_from.is_none_or(|d| *day >= d)
                && g.gave_to.is_none_or(|d| *day <= d)
                && g.gift_min_minor.is_none_or(|v| *amount >= v)
                && g.gift_max_minor.is_none_or(|v| *amount <= v)
        })
    {
        return false;
    }
    if g.has_totals() {
        if mine.is_empty() {
            return false;
        }
        let total: i64 = mine.iter().map(|(_, a, _)| *a).sum();
        let last = mine
            .iter()
            .map(|(_, _, d)| *d)
            .max()
            .unwrap_or(NaiveDate::MIN);
        if g.lifetime_min_minor.is_some_and(|v| total < v)
            || g.lifetime_max_minor.is_some_and(|v| total > v)
            || g.last_gift_from.is_some_and(|d| last < d)
            || g.last_gift_to.is_some_and(|d| last > d)
        {
            return false;
        }
    }
    if g.lybunt {
        let in_year = |y: i32| mine.iter().any(|(_, _, d)| d.year() == y);
        if !in_year(today.year() - 1) || in_year(today.year()) {
            return false;
        }
    }
    true
}
