use async_graphql::{Context, ID, Object, Result, SimpleObject};

use crate::domain::dates::{self as dates, Unit};
use crate::domain::membership as dm;
use crate::domain::money::format_minor;
use crate::domain::status::{self as ds, Event};
use crate::graphql::guards;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::types::contact::Contact;
use crate::services::access;

crate::mirror_enum!(
    /// The unit a membership's duration is counted in.
    DurationUnit <=> dm::DurationUnit {
        /// Days.
        Day,
        /// Calendar months (end dates clamp to the month's last day).
        Month,
        /// Years.
        Year,
        /// Never ends.
        Lifetime,
    }
);

crate::mirror_enum!(
    /// How periods are laid out.
    PeriodType <=> dm::PeriodType {
        /// Each membership runs from its own start date.
        Rolling,
        /// Everyone shares a calendar period starting on `fixedPeriodStartDay`.
        Fixed,
    }
);

crate::mirror_enum!(
    /// Whether members renew automatically.
    AutoRenew <=> dm::AutoRenew {
        /// Never.
        No,
        /// The member may choose.
        Optional,
        /// Always.
        Required,
    }
);

crate::mirror_enum!(
    /// Who may see a membership type.
    Visibility <=> dm::Visibility {
        /// Everyone, including sign-up forms.
        Public,
        /// Staff only (back-office types).
        Admin,
    }
);

crate::mirror_enum!(
    /// How a prorated price is rounded to the currency's smallest unit.
    ProrationRounding <=> crate::domain::membership::price::Rounding {
        /// To the nearest unit (halves up).
        Nearest,
        /// Up.
        Up,
        /// Down.
        Down,
    }
);

crate::mirror_enum!(
    /// Whether a price is for joining or for renewing.
    PricePurpose <=> crate::domain::membership::price::Purpose {
        /// A new member's first membership of the type (joining fee and proration apply).
        Join,
        /// A renewal.
        Renew,
    }
);

crate::mirror_enum!(
    /// What a line of a price quote is for.
    PriceLineKind <=> crate::domain::membership::price::LineKind {
        /// Terms of membership.
        Membership,
        /// The joining fee.
        JoiningFee,
    }
);

/// A special price for several terms at once.
#[derive(Clone, Debug, SimpleObject)]
pub struct PriceOption {
    /// Terms covered.
    pub terms: i32,
    /// The price for all of them.
    pub price: Decimal,
}

/// One line of a price quote.
#[derive(Clone, Debug, SimpleObject)]
pub struct PriceLine {
    /// What it is for.
    pub kind: PriceLineKind,
    /// In words, e.g. "first term, 6 of 12 months".
    pub description: String,
    /// The amount.
    pub amount: Decimal,
}

/// What joining or renewing costs, line by line, in the type's currency.
#[derive(Clone, Debug, SimpleObject)]
pub struct PriceQuote {
    /// The total to pay.
    pub total: Decimal,
    /// ISO 4217 currency.
    pub currency: String,
    /// Terms priced.
    pub terms: i32,
    /// The lines that make up the total.
    pub lines: Vec<PriceLine>,
}

crate::mirror_enum!(
    /// The membership date a status boundary is counted from.
    StatusEvent <=> Event {
        /// "Member since".
        #[graphql(name = "JOIN_DATE")]
        Join,
        /// Start of the current period.
        #[graphql(name = "START_DATE")]
        Start,
        /// End of the current period.
        #[graphql(name = "END_DATE")]
        End,
    }
);

crate::mirror_enum!(
    /// A unit of time for offsets.
    OffsetUnit <=> Unit {
        /// Days.
        Day,
        /// Weeks.
        Week,
        /// Calendar months (clamped to the month's last day).
        Month,
        /// Years.
        Year,
    }
);

/// A kind of membership members can hold: its period rules, fee and what it grants.
#[derive(Clone, Debug)]
pub struct MembershipType(pub dm::MembershipType);

/// A kind of membership members can hold: its period rules, fee and what it grants.
#[Object]
impl MembershipType {
    /// Identifier of the type.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Name shown to members, e.g. "Individual" or "Family".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Longer description for sign-up pages.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The fee per period, in `currency`.
    async fn minimum_fee(&self) -> Decimal {
        let exp = crate::domain::money::Currency::parse(&self.0.currency, "currency")
            .map_or(2, |c| c.exponent());
        Decimal(format_minor(self.0.minimum_fee_minor, exp))
    }
    /// ISO 4217 currency of the fee.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Unit of the period length.
    async fn duration_unit(&self) -> DurationUnit {
        self.0.duration_unit.into()
    }
    /// Number of units per period.
    async fn duration_interval(&self) -> i32 {
        self.0.duration_interval
    }
    /// Rolling (from each member's start) or fixed (shared calendar period).
    async fn period_type(&self) -> PeriodType {
        self.0.period_type.into()
    }
    /// First day of a fixed period, `MM-DD`.
    async fn fixed_period_start_day(&self) -> Option<&str> {
        self.0.fixed_period_start_day.as_deref()
    }
    /// From this day (`MM-DD`) of a fixed period, new members also get the next whole period.
    async fn fixed_period_rollover_day(&self) -> Option<&str> {
        self.0.fixed_period_rollover_day.as_deref()
    }
    /// Whether members renew automatically.
    async fn auto_renew(&self) -> AutoRenew {
        self.0.auto_renew.into()
    }
    /// Who may see this type.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// Whether new memberships of this type can be taken out.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// Permissions a current member of this type holds, e.g. `members-area`.
    async fn grants(&self) -> &[String] {
        &self.0.grants
    }
    /// Relationship types through which contacts related to a member inherit the membership
    /// (a family or organisation bundle); empty for a membership of one.
    async fn inherit_via(&self) -> Vec<ID> {
        self.0
            .inherit_via
            .iter()
            .map(|id| ID(id.to_string()))
            .collect()
    }
    /// Seats for related contacts in one bundle; null: no limit.
    async fn max_related(&self) -> Option<i32> {
        self.0.max_related
    }
    /// Display order (smaller first).
    async fn weight(&self) -> i32 {
        self.0.weight
    }
    /// Whether a welcome email goes out when a membership of this type is created.
    async fn send_welcome(&self) -> bool {
        self.0.send_welcome
    }
    /// Template of this type's welcome email.
    async fn welcome_template_key(&self) -> &str {
        self.0.welcome_template_key.as_deref().unwrap_or("welcome")
    }
    /// Added once when a new member joins.
    async fn joining_fee(&self) -> Decimal {
        self.money(self.0.pricing.joining_fee_minor)
    }
    /// The price of a renewal term (null: `minimumFee`).
    async fn renewal_fee(&self) -> Option<Decimal> {
        self.0.pricing.renewal_fee_minor.map(|r| self.money(r))
    }
    /// Whether a new member of this FIXED type pays only for the months left of the first period.
    async fn prorate(&self) -> bool {
        self.0.pricing.prorate
    }
    /// How prorated prices are rounded.
    async fn proration_rounding(&self) -> ProrationRounding {
        self.0.pricing.rounding.into()
    }
    /// Special prices for several terms at once.
    async fn price_options(&self) -> Vec<PriceOption> {
        self.0
            .pricing
            .options
            .iter()
            .map(|o| PriceOption {
                terms: o.terms as i32,
                price: self.money(o.price_minor),
            })
            .collect()
    }
    /// Members may renew by themselves from this many days before the end date.
    async fn renewal_opens_days_before(&self) -> i32 {
        self.0.renewal_window.opens_days_before
    }
    /// …until this many days after it.
    async fn renewal_closes_days_after(&self) -> i32 {
        self.0.renewal_window.closes_days_after
    }
    /// What joining (or renewing) costs for `terms` terms on a date (default today): the price a
    /// sign-up form shows and charges.
    async fn price(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Terms (default 1).", default = 1)] terms: i32,
        #[graphql(desc = "JOIN (default) or RENEW.", default_with = "PricePurpose::Join")]
        purpose: PricePurpose,
        #[graphql(desc = "The day joining or renewing (default today).")] on: Option<Date>,
    ) -> Result<PriceQuote> {
        let state = guards::state(ctx)?;
        let on = on.map_or_else(|| state.clock.today(), |d| d.0);
        let rules = crate::services::membership_types::period_rules_of(&self.0)?;
        let terms_u = u32::try_from(terms).unwrap_or(0);
        let q = crate::domain::membership::price::quote(
            &self.0.pricing,
            &rules,
            purpose.into(),
            terms_u,
            on,
        )
        .map_err(crate::error::AppError::from)?;
        Ok(PriceQuote {
            total: self.money(q.total_minor),
            currency: self.0.currency.clone(),
            terms,
            lines: q
                .lines
                .into_iter()
                .map(|l| PriceLine {
                    kind: l.kind.into(),
                    description: l.description,
                    amount: self.money(l.amount_minor),
                })
                .collect(),
        })
    }
}

impl MembershipType {
    fn money(&self, minor: i64) -> Decimal {
        let exp = crate::domain::money::Currency::parse(&self.0.currency, "currency")
            .map_or(2, |c| c.exponent());
        Decimal(format_minor(minor, exp))
    }
}

/// A signed offset from an event, e.g. +1 MONTH.
#[derive(Clone, Debug, SimpleObject)]
pub struct Offset {
    /// How many units (negative: before the event).
    pub amount: i32,
    /// The unit.
    pub unit: OffsetUnit,
}

/// A membership status and the rule that computes it: the status holds from `startEvent + startOffset`
/// through `endEvent + endOffset` (inclusive); the first rule by `weight` that holds wins.
#[derive(Clone, Debug)]
pub struct MembershipStatus(pub ds::MembershipStatus);

fn offset(o: dates::Offset) -> Offset {
    Offset {
        // Offsets are checked to lie within ±1000 units when saved.
        amount: i32::try_from(o.amount).unwrap_or(i32::MAX),
        unit: o.unit.into(),
    }
}

/// A membership status and the rule that computes it: the status holds from `startEvent + startOffset`
/// through `endEvent + endOffset` (inclusive); the first rule by `weight` that holds wins.
#[Object]
impl MembershipStatus {
    /// Identifier of the status.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Name, e.g. "Current".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Stable code of a built-in status (NEW, CURRENT, GRACE, EXPIRED, PENDING, CANCELLED, DECEASED);
    /// null for statuses added by admins.
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    /// Whether members with this status count as current (they hold their type's grants).
    async fn is_current_member(&self) -> bool {
        self.0.is_current_member
    }
    /// Admin-only statuses are set by hand or by workflows, never computed from dates.
    async fn is_admin(&self) -> bool {
        self.0.is_admin
    }
    /// Inactive rules are skipped when computing statuses.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// Order in which rules are tried (smaller first).
    async fn weight(&self) -> i32 {
        self.0.weight
    }
    /// The event the status starts from (null for admin-only statuses).
    async fn start_event(&self) -> Option<StatusEvent> {
        self.0.start_event.map(Into::into)
    }
    /// Offset from the start event.
    async fn start_offset(&self) -> Offset {
        offset(self.0.start_offset)
    }
    /// The event the status ends at (null: open-ended).
    async fn end_event(&self) -> Option<StatusEvent> {
        self.0.end_event.map(Into::into)
    }
    /// Offset from the end event.
    async fn end_offset(&self) -> Offset {
        offset(self.0.end_offset)
    }
}

/// A contact's membership of one type: its dates, its stored status, and its history.
#[derive(Clone, Debug)]
pub struct Membership(pub dm::Membership);

/// A contact's membership of one type: its dates, its stored status, and its history.
#[Object]
impl Membership {
    /// Identifier of the membership.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The member.
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        access::require_self_or_staff(guards::viewer(ctx), self.0.contact_id)?;
        Ok(guards::loaders(ctx)?
            .contact(self.0.contact_id)
            .await?
            .map(Contact))
    }
    /// The type of membership.
    async fn membership_type(&self, ctx: &Context<'_>) -> Result<Option<MembershipType>> {
        type_by_id(ctx, self.0.membership_type_id).await
    }
    /// The stored status: computed when the membership last changed and rewritten by the
    /// `update-statuses` job, or held when set by hand (`isOverride`).
    async fn status(&self, ctx: &Context<'_>) -> Result<Option<MembershipStatus>> {
        status_by_id(ctx, self.0.status_id).await
    }
    /// "Member since": kept across renewals.
    async fn join_date(&self) -> Date {
        self.0.join_date.into()
    }
    /// First day of the current period.
    async fn start_date(&self) -> Date {
        self.0.start_date.into()
    }
    /// Last day of the current period (inclusive); null for lifetime memberships.
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }
    /// Whether the status is held (set by hand or by a workflow); the status job leaves it alone.
    async fn is_override(&self) -> bool {
        self.0.is_override
    }
    /// Last day a held status holds; afterwards the status job computes it again.
    async fn override_until(&self) -> Option<Date> {
        self.0.override_until.map(Date)
    }
    /// Where the membership came from (e.g. "sign-up form", "import").
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
    /// Why it was cancelled.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }
    /// When the membership was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
    /// Whether the member opted in to automatic renewal (`setMyAutoRenew`).
    async fn auto_renew(&self, ctx: &Context<'_>) -> Result<bool> {
        let on = guards::loaders(ctx)?
            .giving
            .auto_renew
            .load_one(self.0.id)
            .await?;
        Ok(on.unwrap_or(false))
    }
    /// Answers given on the signup form, kept on the membership (staff, or the member themself).
    async fn custom_fields(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::signup::CustomFieldValue>> {
        access::require_self_or_staff(guards::viewer(ctx), self.0.contact_id)?;
        let found = guards::loaders(ctx)?
            .giving
            .custom_of_memberships
            .load_one(self.0.id)
            .await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
    /// The primary membership this one is inherited from (a family or organisation bundle): it
    /// follows that one's dates and status. Null for a primary membership.
    async fn inherited_from(&self, ctx: &Context<'_>) -> Result<Option<Membership>> {
        let Some(id) = self.0.inherited_from_id else {
            return Ok(None);
        };
        let state = guards::state(ctx)?;
        let found = crate::services::memberships::get_in(&state.db, id).await?;
        Ok(Some(Membership(found.into())))
    }
    /// The day an inherited membership stopped following its primary (the relationship ended, the
    /// person left the bundle); null while it follows, and for a primary membership.
    async fn inherit_ended_on(&self) -> Option<Date> {
        self.0.inherit_ended_on.map(Date)
    }
    /// The people of this membership's bundle, oldest first (staff, or the primary member).
    async fn bundle_members(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::household::BundleMember>> {
        let state = guards::state(ctx)?;
        let people =
            crate::services::households::portal::people(state, guards::viewer(ctx), self.0.id)
                .await?;
        Ok(people
            .into_iter()
            .map(|m| super::household::BundleMember {
                contact_id: m.contact_id,
                membership: m.into(),
            })
            .collect())
    }
    /// Every change, oldest first, with who made it and staff notes (staff, or the member
    /// themself: a bundle's people reach each other's memberships, not their histories).
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<MembershipHistoryEntry>> {
        access::require_self_or_staff(guards::viewer(ctx), self.0.contact_id)?;
        Ok(guards::loaders(ctx)?
            .history_of(self.0.id)
            .await?
            .into_iter()
            .map(MembershipHistoryEntry)
            .collect())
    }
}

pub(crate) async fn status_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<MembershipStatus>> {
    let status = guards::loaders(ctx)?.status(id).await?;
    Ok(status.map(MembershipStatus))
}

pub(crate) async fn type_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<MembershipType>> {
    let t = guards::loaders(ctx)?.membership_type(id).await?;
    Ok(t.map(MembershipType))
}

/// One change of a membership: what it became, when, and who did it.
#[derive(Clone, Debug)]
pub struct MembershipHistoryEntry(pub dm::HistoryEntry);

/// One change of a membership: what it became, when, and who did it.
#[Object]
impl MembershipHistoryEntry {
    /// What happened: CREATED, UPDATED, RENEWED, STATUS_CHANGED, OVERRIDE_SET, OVERRIDE_ENDED,
    /// CANCELLED or DECEASED.
    async fn change(&self) -> &str {
        &self.0.change
    }
    /// The status after the change.
    async fn status(&self, ctx: &Context<'_>) -> Result<Option<MembershipStatus>> {
        status_by_id(ctx, self.0.status_id).await
    }
    /// The type after the change.
    async fn membership_type(&self, ctx: &Context<'_>) -> Result<Option<MembershipType>> {
        type_by_id(ctx, self.0.membership_type_id).await
    }
    /// Join date after the change.
    async fn join_date(&self) -> Date {
        self.0.join_date.into()
    }
    /// Start date after the change.
    async fn start_date(&self) -> Date {
        self.0.start_date.into()
    }
    /// End date after the change.
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }
    /// When the change happened.
    async fn changed_at(&self) -> DateTime {
        self.0.changed_at.into()
    }
    /// Who changed it: `user:<id>`, `job:<name>` or `cli`.
    async fn changed_by(&self) -> &str {
        &self.0.changed_by
    }
    /// A note, e.g. the cancellation reason.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

crate::connection!(
    MembershipConnection,
    MembershipEdge,
    Membership,
    "A page of memberships: the items, their cursors, whether more follow, and how many match in all.",
    "One membership in a list, with its cursor."
);
