//! The giving of the demo data set: dues for every paid membership term, donations with a
//! long-tailed amount distribution (many small gifts, a few large ones), monthly recurring givers,
//! three campaigns and a few refunds. Drawn from its own random stream, so adding giving leaves
//! the contacts and memberships of a seed as they were.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use sea_orm::sea_query::SimpleExpr;

use crate::db::begin_write;
use crate::domain::dates::add_months;
use crate::error::AppResult;
use crate::state::AppState;

/// Financial type ids and the currency, looked up once.
pub(super) struct GivingRefs {
    pub(super) dues: i64,
    pub(super) donation: i64,
    pub(super) currency: String,
    pub(super) campaigns: Vec<i64>,
}

#[derive(Default)]
pub(super) struct GivingRows {
    pub(super) contributions: Vec<Vec<SimpleExpr>>,
    pub(super) links: Vec<Vec<SimpleExpr>>,
    pub(super) refunds: Vec<Vec<SimpleExpr>>,
    pub(super) recurring: Vec<Vec<SimpleExpr>>,
}

pub(super) const CONTRIBUTION_COLS: [&str; 17] = [
    "id",
    "contact_id",
    "financial_type_id",
    "amount_minor",
    "currency",
    "received_date",
    "status",
    "payment_instrument",
    "source",
    "campaign_id",
    "refunded_minor",
    "recurring_gift_id",
    "due_date",
    "created_by",
    "updated_by",
    "created_at",
    "updated_at",
];
pub(super) const LINK_COLS: [&str; 4] = ["contribution_id", "membership_id", "terms", "applied_at"];
pub(super) const REFUND_COLS: [&str; 5] = [
    "contribution_id",
    "amount_minor",
    "reason",
    "refunded_at",
    "refunded_by",
];
pub(super) const RECURRING_COLS: [&str; 13] = [
    "id",
    "contact_id",
    "financial_type_id",
    "amount_minor",
    "currency",
    "frequency",
    "start_date",
    "next_due_date",
    "status",
    "payment_instrument",
    "created_by",
    "created_at",
    "updated_at",
];

/// Donation sizes in whole currency units, with weights: most gifts are small, a few are large.
const TIERS: &[(i64, u32)] = &[
    (5, 12),
    (10, 20),
    (20, 18),
    (25, 15),
    (50, 14),
    (100, 10),
    (250, 5),
    (500, 3),
    (1_000, 2),
    (5_000, 1),
];
const INSTRUMENTS: &[&str] = &["CARD", "CARD", "CARD", "BANK_TRANSFER", "CHECK", "CASH"];

fn tier(rng: &mut StdRng) -> i64 {
    let total: u32 = TIERS.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (amount, w) in TIERS {
        if roll < *w {
            return *amount * 100;
        }
        roll -= w;
    }
    500
}

fn at(d: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(10, 0, 0).unwrap_or_default())
}

/// Identity counters across batches.
pub(super) struct GivingIds {
    pub(super) contribution: i64,
    pub(super) recurring: i64,
}

pub(super) struct Payer<'a> {
    pub(super) contact_id: i64,
    /// (membership id, fee in minor units, the start of each paid term)
    pub(super) dues: Vec<(i64, i64, &'a [NaiveDate])>,
}

impl GivingRows {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        ids: &mut GivingIds,
        refs: &GivingRefs,
        contact_id: i64,
        type_id: i64,
        amount: i64,
        date: NaiveDate,
        instrument: &str,
        source: &str,
        campaign: Option<i64>,
        refunded: bool,
        recurring: Option<(i64, NaiveDate)>,
    ) -> i64 {
        let id = ids.contribution;
        ids.contribution += 1;
        let (gift, due) = recurring.unzip();
        self.contributions.push(vec![
            id.into(),
            contact_id.into(),
            type_id.into(),
            amount.into(),
            refs.currency.clone().into(),
            date.into(),
            if refunded { "REFUNDED" } else { "COMPLETED" }.into(),
            instrument.into(),
            source.into(),
            campaign.into(),
            (if refunded { amount } else { 0 }).into(),
            gift.into(),
            due.into(),
            "demo".into(),
            "demo".into(),
            at(date).into(),
            at(date).into(),
        ]);
        if refunded {
            self.refunds.push(vec![
                id.into(),
                amount.into(),
                "donor asked for it back".into(),
                at(date + Duration::days(3)).into(),
                "demo".into(),
            ]);
        }
        id
    }
}

/// One contact's giving, added to `rows`.
pub(super) fn generate_giving(
    rng: &mut StdRng,
    payer: Payer<'_>,
    as_of: NaiveDate,
    refs: &GivingRefs,
    ids: &mut GivingIds,
    rows: &mut GivingRows,
) {
    let c = payer.contact_id;
    for (membership_id, fee, terms) in payer.dues {
        for start in terms.iter().filter(|d| **d <= as_of) {
            if fee <= 0 {
                continue;
            }
            let instrument = INSTRUMENTS[rng.random_range(0..INSTRUMENTS.len())];
            let id = rows.push(
                ids, refs, c, refs.dues, fee, *start, instrument, "dues", None, false, None,
            );
            rows.links.push(vec![
                id.into(),
                membership_id.into(),
                1.into(),
                at(*start).into(),
            ]);
        }
    }
    if rng.random_bool(0.35) {
        let mut gifts = 1;
        while gifts < 12 && rng.random_bool(0.5) {
            gifts += 1;
        }
        for _ in 0..gifts {
            let date = as_of - Duration::days(rng.random_range(0..1826));
            let campaign = (rng.random_bool(0.4) && !refs.campaigns.is_empty())
                .then(|| refs.campaigns[rng.random_range(0..refs.campaigns.len())]);
            let instrument = INSTRUMENTS[rng.random_range(0..INSTRUMENTS.len())];
            let refunded = rng.random_bool(0.01);
            let amount = tier(rng);
            rows.push(
                ids,
                refs,
                c,
                refs.donation,
                amount,
                date,
                instrument,
                "donation",
                campaign,
                refunded,
                None,
            );
        }
    }
    if rng.random_bool(0.03) {
        let gift_id = ids.recurring;
        ids.recurring += 1;
        let start = as_of - Duration::days(rng.random_range(0..1095));
        let amount = [500, 1000, 1500, 2500][rng.random_range(0..4)];
        let mut n = 0;
        let mut due = start;
        while due <= as_of {
            rows.push(
                ids,
                refs,
                c,
                refs.donation,
                amount,
                due,
                "CARD",
                "recurring",
                None,
                false,
                Some((gift_id, due)),
            );
            n += 1;
            due = add_months(start, n);
        }
        let created = at(start);
        rows.recurring.push(vec![
            gift_id.into(),
            c.into(),
            refs.donation.into(),
            amount.into(),
            refs.currency.clone().into(),
            "MONTHLY".into(),
            start.into(),
            due.into(),
            "ACTIVE".into(),
            "CARD".into(),
            "demo".into(),
            created.into(),
            created.into(),
        ]);
    }
}

/// The demo's campaigns: name, goal in whole units, start (years before `as_of`).
pub(super) fn campaigns(as_of: NaiveDate) -> Vec<(String, i64, NaiveDate)> {
    let year = as_of.year();
    vec![
        (
            format!("Annual appeal {year}"),
            250_000,
            NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(as_of),
        ),
        ("New roof".into(), 80_000, as_of - Duration::days(900)),
        (
            "Youth programme".into(),
            40_000,
            as_of - Duration::days(1500),
        ),
    ]
}

/// The financial types the demo uses, and its campaigns (inserted here).
pub(super) async fn giving_refs(state: &AppState, as_of: NaiveDate) -> AppResult<GivingRefs> {
    use crate::services::contributions::financial_types::by_key_in;
    let dues = by_key_in(&state.db, "MEMBER_DUES", "financialType", false)
        .await?
        .id;
    let donation = by_key_in(&state.db, "DONATION", "financialType", false)
        .await?
        .id;
    let currency = state
        .settings
        .organization
        .default_currency
        .code()
        .to_string();
    let now = Utc::now();
    let rows: Vec<Vec<SimpleExpr>> = campaigns(as_of)
        .into_iter()
        .enumerate()
        .map(|(i, (name, goal, start))| {
            vec![
                (i as i64 + 1).into(),
                name.into(),
                (goal * 100).into(),
                currency.clone().into(),
                start.into(),
                true.into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    let cols = [
        "id",
        "name",
        "goal_minor",
        "currency",
        "start_date",
        "is_active",
        "created_at",
        "updated_at",
    ];
    let txn = begin_write(&state.db).await?;
    super::insert_rows(&txn, "campaigns", &cols, &rows).await?;
    txn.commit().await?;
    Ok(GivingRefs {
        dues,
        donation,
        currency,
        campaigns: (1..=rows.len() as i64).collect(),
    })
}
