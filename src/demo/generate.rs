//! The people and memberships of the demo data set: names, places, and five years of joining,
//! renewing and lapsing, computed with the domain rules.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use sea_orm::sea_query::SimpleExpr;

use crate::domain::membership::{Period, PeriodRules};
use crate::domain::status::MembershipDates;
use crate::error::{AppError, AppResult};
use crate::services::memberships::{change, computed_status};
use crate::services::statuses::{CANCELLED, DECEASED, Statuses};

use super::giving::{GivingIds, GivingRefs, GivingRows, Payer, generate_giving};

const FIRST: &[&str] = &[
    "Ada", "Amir", "Ana", "Ben", "Chen", "Chloe", "Daniel", "Elena", "Emma", "Fatima", "Femi",
    "Grace", "Hana", "Hugo", "Ines", "Isaac", "Jana", "Jonas", "Kai", "Lars", "Leila", "Lucas",
    "Maria", "Mei", "Mohammed", "Nia", "Noah", "Olga", "Omar", "Paula", "Priya", "Rafael", "Rosa",
    "Sam", "Sara", "Sofia", "Tariq", "Tom", "Uma", "Victor", "Wen", "Yara", "Yusuf", "Zoe",
];
const LAST: &[&str] = &[
    "Adeyemi", "Andersen", "Bauer", "Brown", "Chen", "Costa", "Dubois", "Evans", "Fischer",
    "Garcia", "Haddad", "Hansen", "Ito", "Jones", "Kim", "Kowalski", "Larsen", "Lopez", "Martin",
    "Meyer", "Moreau", "Müller", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Patel",
    "Rossi", "Santos", "Schmidt", "Silva", "Smith", "Suzuki", "Taylor", "Wang", "Williams",
    "Wilson", "Yilmaz", "Zhang",
];
const PLACES: &[(&str, &str, &str)] = &[
    ("Springfield", "US", "en"),
    ("Portland", "US", "en"),
    ("Leeds", "GB", "en"),
    ("Bristol", "GB", "en"),
    ("Lyon", "FR", "fr"),
    ("Montréal", "CA", "fr"),
    ("Hamburg", "DE", "de"),
    ("Wien", "AT", "de"),
    ("Valencia", "ES", "es"),
    ("Rotterdam", "NL", "nl"),
    ("Porto", "PT", "pt"),
    ("Bologna", "IT", "it"),
];
const ORGS: &[&str] = &[
    "Foundation",
    "Trust",
    "Cooperative",
    "Library",
    "School",
    "Garden Club",
    "Choir",
];

pub(super) struct DemoType {
    pub(super) id: i64,
    pub(super) rules: PeriodRules,
    pub(super) weight: u32,
    pub(super) fee_minor: i64,
}

#[derive(Default)]
pub(super) struct Batch {
    pub(super) contacts: Vec<Vec<SimpleExpr>>,
    pub(super) memberships: Vec<DemoMembership>,
    pub(super) giving: GivingRows,
}

/// What the giving of a batch draws from: its own random stream, the ids, the reference rows.
pub(super) struct GivingState {
    pub(super) rng: StdRng,
    pub(super) refs: GivingRefs,
    pub(super) ids: GivingIds,
}

pub(super) struct DemoMembership {
    pub(super) id: i64,
    pub(super) contact_id: i64,
    pub(super) type_id: i64,
    pub(super) status_id: i64,
    pub(super) join: NaiveDate,
    pub(super) period: Period,
    pub(super) held: bool,
    /// Its history, oldest first: joining, each renewal, and a cancellation or death.
    pub(super) history: Vec<DemoChange>,
    pub(super) cancel_reason: Option<&'static str>,
    /// The day each paid term began (joining, then each renewal).
    pub(super) terms: Vec<NaiveDate>,
    pub(super) fee_minor: i64,
}

/// One row of a demo membership's history: what changed on which day, and the record after it.
pub(super) struct DemoChange {
    pub(super) change: &'static str,
    pub(super) on: NaiveDate,
    pub(super) period: Period,
    pub(super) status_id: i64,
}

fn pick_type<'a>(rng: &mut StdRng, types: &'a [DemoType]) -> &'a DemoType {
    let total: u32 = types.iter().map(|t| t.weight).sum();
    let mut roll = rng.random_range(0..total);
    for t in types {
        if roll < t.weight {
            return t;
        }
        roll -= t.weight;
    }
    &types[0]
}

/// One contact's row and memberships, added to `batch`.
#[allow(clippy::too_many_arguments)]
pub(super) fn generate_contact(
    rng: &mut StdRng,
    id: i64,
    as_of: NaiveDate,
    types: &[DemoType],
    statuses: &Statuses,
    next_membership_id: &mut i64,
    batch: &mut Batch,
    giving: &mut GivingState,
) -> AppResult<()> {
    let (row, deceased) = contact_row(rng, id, as_of);
    batch.contacts.push(row);
    let count = match rng.random_range(0..100) {
        0..=6 => 0,
        7..=91 => 1,
        _ => 2,
    };
    for _ in 0..count {
        let t = pick_type(rng, types);
        let mut m = membership(rng, as_of, t, statuses, deceased)?;
        m.id = *next_membership_id;
        m.contact_id = id;
        batch.memberships.push(m);
        *next_membership_id += 1;
    }
    let first = batch.memberships.len() - count;
    let payer = Payer {
        contact_id: id,
        dues: batch.memberships[first..]
            .iter()
            .map(|m| (m.id, m.fee_minor, m.terms.as_slice()))
            .collect(),
    };
    generate_giving(
        &mut giving.rng,
        payer,
        as_of,
        &giving.refs,
        &mut giving.ids,
        &mut batch.giving,
    );
    Ok(())
}

/// A person (or, now and then, an organisation) somewhere in `PLACES`, as INSERT values, and
/// whether they have died.
fn contact_row(rng: &mut StdRng, id: i64, as_of: NaiveDate) -> (Vec<SimpleExpr>, bool) {
    let (city, country, lang) = PLACES[rng.random_range(0..PLACES.len())];
    let deceased = rng.random_bool(0.003);
    let organization = rng.random_bool(0.04);
    let (first, last) = (
        FIRST[rng.random_range(0..FIRST.len())],
        LAST[rng.random_range(0..LAST.len())],
    );
    let (kind, first_name, last_name, org_name, display, sort) = if organization {
        let name = format!("{city} {last} {}", ORGS[rng.random_range(0..ORGS.len())]);
        let sort = name.to_lowercase();
        ("ORGANIZATION", None, None, Some(name.clone()), name, sort)
    } else {
        (
            "INDIVIDUAL",
            Some(first.to_string()),
            Some(last.to_string()),
            None,
            format!("{first} {last}"),
            format!("{last}, {first}").to_lowercase(),
        )
    };
    let email = format!(
        "{}.{}.{id}@example.org",
        first.to_lowercase(),
        last.to_lowercase()
    )
    .replace('ü', "ue");
    let birth = (!organization && rng.random_bool(0.6))
        .then(|| {
            NaiveDate::from_ymd_opt(
                rng.random_range(1940..2008),
                rng.random_range(1..=12),
                rng.random_range(1..=28),
            )
        })
        .flatten();
    let created = Utc.from_utc_datetime(
        &(as_of - Duration::days(rng.random_range(0..1826)))
            .and_hms_opt(12, 0, 0)
            .unwrap_or_default(),
    );
    let key = crate::domain::search::contact_key(&sort, &display, Some(&email));
    let row = vec![
        id.into(),
        kind.into(),
        first_name.into(),
        last_name.into(),
        org_name.into(),
        display.into(),
        sort.into(),
        Some(email).into(),
        city.into(),
        country.into(),
        birth.into(),
        lang.into(),
        rng.random_bool(0.03).into(),
        deceased.into(),
        created.into(),
        created.into(),
        Some(key).into(),
    ];
    (row, deceased)
}

/// A membership of type `t` joined within the last five years (about 1% sign up for a date just
/// ahead), renewed on time with a fixed probability each period. Ids are filled in by the caller.
fn membership(
    rng: &mut StdRng,
    as_of: NaiveDate,
    t: &DemoType,
    statuses: &Statuses,
    deceased: bool,
) -> AppResult<DemoMembership> {
    let join = if rng.random_bool(0.01) {
        as_of + Duration::days(rng.random_range(1..30))
    } else {
        as_of - Duration::days(rng.random_range(0..1826))
    };
    let broken = |e: crate::domain::FieldError| AppError::internal(e.to_string());
    let mut period = t
        .rules
        .initial_period(join, None, None, 1)
        .map_err(broken)?;
    let mut terms = vec![join];
    let mut periods = vec![period];
    while let Some(end) = period.end {
        if end >= as_of || !rng.random_bool(0.72) {
            break;
        }
        period = t.rules.renew(period, end, true, 1).map_err(broken)?;
        terms.push(end);
        periods.push(period);
    }
    let status_on = |period: Period, on: NaiveDate| {
        let dates = MembershipDates {
            join,
            start: period.start,
            end: period.end,
        };
        computed_status(statuses, &dates, on)
    };
    let mut history = Vec::with_capacity(periods.len() + 1);
    for (i, (on, p)) in terms.iter().zip(&periods).enumerate() {
        history.push(DemoChange {
            change: if i == 0 {
                change::CREATED
            } else {
                change::RENEWED
            },
            on: *on,
            period: *p,
            status_id: status_on(*p, *on)?,
        });
    }
    let cancelled = !deceased && rng.random_bool(0.02);
    let last_term = *terms.last().unwrap_or(&join);
    let status_id = if deceased || cancelled {
        // Ended by hand some day between the last term's start and today.
        let span = (as_of - last_term).num_days().max(0);
        let on = last_term + Duration::days(rng.random_range(0..=span));
        let (change, status) = if deceased {
            (change::DECEASED, statuses.id_of(DECEASED)?)
        } else {
            (change::CANCELLED, statuses.id_of(CANCELLED)?)
        };
        history.push(DemoChange {
            change,
            on,
            period,
            status_id: status,
        });
        status
    } else {
        status_on(period, as_of)?
    };
    Ok(DemoMembership {
        id: 0,
        contact_id: 0,
        type_id: t.id,
        status_id,
        join,
        period,
        held: deceased || cancelled,
        history,
        cancel_reason: cancelled.then_some("moved away"),
        terms,
        fee_minor: t.fee_minor,
    })
}
