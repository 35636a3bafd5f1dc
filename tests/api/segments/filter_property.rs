//! Property: on random contacts, tags, groups, interests, memberships, gifts and events attended,
//! the contacts a random filter selects in SQL are exactly those the same rule selects in plain
//! Rust (`segments::filter::matches`), on both databases.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tessera::db::entities::segments::{contact_interest, contact_tag, group_member};
use tessera::db::entities::{
    contact, contribution, event, event_registration, event_ticket_type, membership,
    membership_status,
};
use tessera::domain::contribution::ContributionStatus;
use tessera::domain::event::{EventStatus, EventVisibility, RegistrationStatus};
use tessera::services::contacts::{ContactFilter, matching_ids};
use tessera::services::segments::filter::{
    Criteria, EventCriteria, Facts, GivingCriteria, MembershipCriteria, check, matches,
};

use super::{create_group, create_interest, create_tag, ok};
use crate::fixtures::{create_membership, create_type, set_today};
use crate::helpers::TestApp;

fn pick<'a, T>(rng: &mut StdRng, v: &'a [T]) -> &'a T {
    v.choose(rng).unwrap()
}

fn subset(rng: &mut StdRng, v: &[i64]) -> Vec<i64> {
    v.iter().copied().filter(|_| rng.random_bool(0.4)).collect()
}

fn day(rng: &mut StdRng, from: NaiveDate, span_days: i64) -> NaiveDate {
    from + Duration::days(rng.random_range(0..span_days))
}

struct Ids {
    tags: Vec<i64>,
    groups: Vec<i64>,
    interests: Vec<i64>,
    types: Vec<i64>,
    statuses: Vec<i64>,
    events: Vec<i64>,
}

fn random_criteria(rng: &mut StdRng, ids: &Ids, depth: usize) -> ContactFilter {
    let mut s = Criteria::default();
    let today = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
    for _ in 0..rng.random_range(1..=3) {
        match rng.random_range(0..12) {
            0 => s.tag_ids = subset(rng, &ids.tags),
            1 => s.group_ids = subset(rng, &ids.groups),
            2 => s.interest_ids = subset(rng, &ids.interests),
            3 => {
                s.membership = Some(MembershipCriteria {
                    type_ids: subset(rng, &ids.types),
                    status_ids: subset(rng, &ids.statuses),
                    current: [None, Some(true), Some(false)][rng.random_range(0..3)],
                    end_date_from: rng
                        .random_bool(0.3)
                        .then(|| day(rng, today - Duration::days(400), 800)),
                    end_date_to: rng
                        .random_bool(0.3)
                        .then(|| day(rng, today - Duration::days(200), 800)),
                    join_date_from: rng
                        .random_bool(0.3)
                        .then(|| day(rng, today - Duration::days(900), 900)),
                    join_date_to: None,
                })
            }
            4 | 5 => {
                s.giving = Some(GivingCriteria {
                    currency: pick(rng, &["USD", "EUR"]).to_string(),
                    gave_from: rng
                        .random_bool(0.4)
                        .then(|| day(rng, today - Duration::days(900), 900)),
                    gave_to: rng
                        .random_bool(0.3)
                        .then(|| day(rng, today - Duration::days(500), 500)),
                    gift_min_minor: rng.random_bool(0.3).then(|| rng.random_range(0..40_000)),
                    gift_max_minor: rng.random_bool(0.2).then(|| rng.random_range(0..50_000)),
                    lifetime_min_minor: rng.random_bool(0.3).then(|| rng.random_range(0..80_000)),
                    lifetime_max_minor: rng.random_bool(0.2).then(|| rng.random_range(0..100_000)),
                    last_gift_from: rng
                        .random_bool(0.2)
                        .then(|| day(rng, today - Duration::days(900), 900)),
                    last_gift_to: rng
                        .random_bool(0.2)
                        .then(|| day(rng, today - Duration::days(600), 600)),
                    lybunt: rng.random_bool(0.3),
                })
            }
            6 => s.country = Some(pick(rng, &["GB", "FR", "DE"]).to_string()),
            7 => s.city = Some(pick(rng, &["Leeds", "LEEDS", "York"]).to_string()),
            8 => {
                s.birth_months = (0..rng.random_range(1..4))
                    .map(|_| rng.random_range(1..=12))
                    .collect()
            }
            9 => {
                s.age_min = rng.random_bool(0.7).then(|| rng.random_range(0..80));
                s.age_max = rng.random_bool(0.7).then(|| rng.random_range(10..90));
            }
            10 => {
                s.events = Some(EventCriteria {
                    event_ids: subset(rng, &ids.events),
                    from: rng
                        .random_bool(0.3)
                        .then(|| day(rng, today - Duration::days(200), 200)),
                    to: rng
                        .random_bool(0.3)
                        .then(|| day(rng, today - Duration::days(150), 200)),
                    min_count: rng.random_bool(0.4).then(|| rng.random_range(1..=3)),
                })
            }
            _ if depth < 2 => {
                let n = rng.random_range(1..=2);
                let kids: Vec<ContactFilter> = (0..n)
                    .map(|_| random_criteria(rng, ids, depth + 1))
                    .collect();
                if rng.random_bool(0.5) {
                    s.any_of = kids;
                } else {
                    s.none_of = kids;
                }
            }
            _ => {}
        }
    }
    ContactFilter {
        segment: s,
        ..Default::default()
    }
}

fn brute(f: &ContactFilter, facts: &Facts, today: NaiveDate) -> bool {
    matches(&f.segment, facts, today, &|n| brute(n, facts, today))
}

async fn facts(app: &TestApp) -> HashMap<i64, Facts> {
    let db = &app.state.db;
    let mut out: HashMap<i64, Facts> = HashMap::new();
    for c in contact::Entity::find()
        .filter(contact::Column::DeletedAt.is_null())
        .all(db)
        .await
        .unwrap()
    {
        out.insert(
            c.id,
            Facts {
                country: c.country,
                city: c.city,
                birth_date: c.birth_date,
                ..Default::default()
            },
        );
    }
    for t in contact_tag::Entity::find().all(db).await.unwrap() {
        out.get_mut(&t.contact_id).unwrap().tag_ids.push(t.tag_id);
    }
    for g in group_member::Entity::find().all(db).await.unwrap() {
        out.get_mut(&g.contact_id)
            .unwrap()
            .group_ids
            .push(g.group_id);
    }
    for i in contact_interest::Entity::find().all(db).await.unwrap() {
        out.get_mut(&i.contact_id)
            .unwrap()
            .interest_ids
            .push(i.interest_id);
    }
    let starts: HashMap<i64, chrono::DateTime<chrono::Utc>> = event::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.id, e.starts_at))
        .collect();
    for r in event_registration::Entity::find()
        .filter(event_registration::Column::Status.eq(RegistrationStatus::Attended))
        .all(db)
        .await
        .unwrap()
    {
        out.get_mut(&r.contact_id)
            .unwrap()
            .attended
            .push((r.event_id, starts[&r.event_id]));
    }
    let current: Vec<i64> = membership_status::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.is_current_member)
        .map(|s| s.id)
        .collect();
    for m in membership::Entity::find().all(db).await.unwrap() {
        let cur = current.contains(&m.status_id);
        out.get_mut(&m.contact_id).unwrap().memberships.push((
            m.membership_type_id,
            m.status_id,
            cur,
            m.join_date,
            m.end_date,
        ));
    }
    for g in contribution::Entity::find()
        .filter(contribution::Column::Status.eq(ContributionStatus::Completed))
        .all(db)
        .await
        .unwrap()
    {
        out.get_mut(&g.contact_id).unwrap().gifts.push((
            g.currency,
            g.amount_minor,
            g.received_date,
        ));
    }
    out
}

async fn insert_event(
    app: &TestApp,
    title: &str,
    starts_at: chrono::DateTime<chrono::Utc>,
    contacts: &[String],
    rng: &mut StdRng,
) -> i64 {
    use sea_orm::{ActiveModelTrait, Set};
    let db = &app.state.db;
    let e = event::ActiveModel {
        title: Set(title.into()),
        description: Set(None),
        starts_at: Set(starts_at),
        ends_at: Set(starts_at + Duration::hours(2)),
        timezone: Set("Europe/London".into()),
        location: Set(None),
        online_url: Set(None),
        capacity: Set(None),
        visibility: Set(EventVisibility::Public),
        status: Set(EventStatus::Published),
        registration_opens_at: Set(None),
        registration_closes_at: Set(None),
        member_registration_opens_at: Set(None),
        member_permission: Set("member".into()),
        requires_approval: Set(false),
        allow_guests: Set(false),
        max_guests_per_registration: Set(0),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
        created_by: Set("test".into()),
        created_at: Set(starts_at),
        updated_at: Set(starts_at),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let ticket = event_ticket_type::ActiveModel {
        event_id: Set(e.id),
        name: Set("Standard".into()),
        price_minor: Set(0),
        currency: Set("GBP".into()),
        grants: Set(tessera::db::columns::JsonText(Vec::new())),
        capacity: Set(None),
        position: Set(0),
        created_at: Set(starts_at),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let outcomes = [
        RegistrationStatus::Attended,
        RegistrationStatus::Attended,
        RegistrationStatus::Registered,
        RegistrationStatus::NoShow,
    ];
    for c in contacts {
        if !rng.random_bool(0.45) {
            continue;
        }
        event_registration::ActiveModel {
            event_id: Set(e.id),
            ticket_type_id: Set(ticket.id),
            contact_id: Set(c.parse().unwrap()),
            first_name: Set(None),
            last_name: Set(None),
            guests: Set(0),
            status: Set(*pick(rng, &outcomes)),
            contribution_id: Set(None),
            pay_by: Set(None),
            check_in_code_sha256: Set(None),
            registered_at: Set(starts_at - Duration::days(3)),
            confirmed_at: Set(None),
            checked_in_at: Set(None),
            cancelled_at: Set(None),
            created_by: Set("test".into()),
            updated_at: Set(starts_at),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
    e.id
}

#[tokio::test]
async fn saved_search_sql_equals_the_brute_force_filter_on_random_data() {
    let app = TestApp::spawn().await;
    set_today(&app, "2026-06-15");
    let today = app.clock().today();
    let admin = app.admin_token().await;
    let seed: u64 = std::env::var("SEGMENT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("segment property seed: {seed} (SEGMENT_SEED={seed} to repeat)");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut ids = Ids {
        tags: vec![],
        groups: vec![],
        interests: vec![],
        types: vec![],
        statuses: vec![],
        events: vec![],
    };
    for i in 0..3 {
        ids.tags.push(
            create_tag(&app, &admin, &format!("T{i}"))
                .await
                .parse()
                .unwrap(),
        );
        ids.groups.push(
            create_group(&app, &admin, &format!("G{i}"))
                .await
                .parse()
                .unwrap(),
        );
        ids.interests.push(
            create_interest(&app, &admin, &format!("I{i}"), true)
                .await
                .parse()
                .unwrap(),
        );
    }
    for (name, unit) in [("Yearly", "YEAR"), ("Monthly", "MONTH")] {
        let t = create_type(
            &app,
            &admin,
            json!({ "name": name, "durationUnit": unit, "minimumFee": "10.00", "currency": "USD" }),
        )
        .await;
        ids.types.push(t.parse().unwrap());
    }
    let d = ok(&app, &admin, "{ membershipStatuses { id } }", json!({})).await;
    ids.statuses = d["membershipStatuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().parse().unwrap())
        .collect();
    let mut contacts = Vec::new();
    for i in 0..36 {
        let birth = rng.random_bool(0.8).then(|| {
            day(
                &mut rng,
                NaiveDate::from_ymd_opt(1940, 1, 1).unwrap(),
                27_000,
            )
            .to_string()
        });
        let mut input =
            json!({ "firstName": format!("P{i}"), "lastName": "Prop", "birthDate": birth });
        if let Some(c) = [Some("GB"), Some("FR"), None][rng.random_range(0..3)] {
            input["country"] = json!(c);
        }
        if let Some(c) = [Some("Leeds"), Some("leeds"), Some("York"), None][rng.random_range(0..4)]
        {
            input["city"] = json!(c);
        }
        let id = crate::fixtures::contact(&app, &admin, input).await;
        contacts.push(id.clone());
        if rng.random_bool(0.6) {
            let t = ids.types[rng.random_range(0..2)];
            let start = day(&mut rng, today - Duration::days(800), 800);
            create_membership(&app, &admin, json!({ "contactId": id, "membershipTypeId": t.to_string(), "joinDate": start.to_string(), "startDate": start.to_string() })).await;
        }
        for _ in 0..rng.random_range(0..4) {
            let currency = pick(&mut rng, &["USD", "EUR"]).to_string();
            let amount = format!(
                "{}.{:02}",
                rng.random_range(1..400),
                rng.random_range(0..100)
            );
            let received = day(&mut rng, today - Duration::days(900), 900).to_string();
            let status = if rng.random_bool(0.85) {
                "COMPLETED"
            } else {
                "PENDING"
            };
            let q =
                "mutation($i: RecordContributionInput!) { recordContribution(input: $i) { id } }";
            ok(&app, &admin, q, json!({ "i": { "contactId": id, "financialType": "DONATION", "amount": amount, "currency": currency, "receivedDate": received, "status": status } })).await;
        }
    }
    let assign = [
        (
            "mutation($t: ID!, $c: [ID!]!) { tagContacts(tagId: $t, contactIds: $c) { id } }",
            &ids.tags,
        ),
        (
            "mutation($t: ID!, $c: [ID!]!) { addToGroup(groupId: $t, contactIds: $c) { id } }",
            &ids.groups,
        ),
    ];
    for (q, list) in assign {
        for t in list.iter() {
            let chosen: Vec<&String> = contacts.iter().filter(|_| rng.random_bool(0.4)).collect();
            if !chosen.is_empty() {
                ok(&app, &admin, q, json!({ "t": t.to_string(), "c": chosen })).await;
            }
        }
    }
    for c in &contacts {
        let chosen: Vec<String> = ids
            .interests
            .iter()
            .filter(|_| rng.random_bool(0.4))
            .map(|i| i.to_string())
            .collect();
        let q = "mutation($c: ID!, $i: [ID!]!) { setContactInterests(contactId: $c, interestIds: $i) { id } }";
        ok(&app, &admin, q, json!({ "c": c, "i": chosen })).await;
    }
    // Events (written directly: the criterion reads registrations, not how they came about), each
    // contact registered at some, with every kind of outcome.
    for (i, start) in ["2026-01-10", "2026-03-05", "2026-05-20"]
        .iter()
        .enumerate()
    {
        let at = NaiveDate::parse_from_str(start, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(23, 30, 0)
            .unwrap()
            .and_utc();
        ids.events
            .push(insert_event(&app, &format!("E{i}"), at, &contacts, &mut rng).await);
    }
    let facts = facts(&app).await;
    assert_eq!(facts.len(), 36);
    let backend = app.state.db.get_database_backend();
    let (mut nonempty, mut partial) = (0, 0);
    for case in 0..300 {
        let f = random_criteria(&mut rng, &ids, 0);
        check(&f).unwrap();
        let mut sql: Vec<i64> = matching_ids(backend, &f, today)
            .into_tuple::<i64>()
            .all(&app.state.db)
            .await
            .unwrap();
        sql.sort_unstable();
        let mut expected: Vec<i64> = facts
            .iter()
            .filter(|(_, facts)| brute(&f, facts, today))
            .map(|(id, _)| *id)
            .collect();
        expected.sort_unstable();
        assert_eq!(sql, expected, "case {case} (seed {seed}): {f:?}");
        nonempty += usize::from(!sql.is_empty());
        partial += usize::from(!sql.is_empty() && sql.len() < 36);
    }
    // The random filters are not all trivially empty or full.
    assert!(
        nonempty > 60 && partial > 60,
        "{nonempty} non-empty, {partial} partial"
    );
    // A saved search stores the filter and counts the same contacts live.
    let q = "mutation($i: CreateSavedSearchInput!) { createSavedSearch(input: $i) { id count filter } }";
    let d = ok(&app, &admin, q, json!({ "i": { "name": "Leeds donors", "filter": { "city": "leeds", "giving": { "currency": "USD", "lifetimeMin": "50" } } } })).await;
    let f = ContactFilter {
        segment: Criteria {
            city: Some("leeds".into()),
            giving: Some(GivingCriteria {
                currency: "USD".into(),
                lifetime_min_minor: Some(5000),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let expected = facts.values().filter(|x| brute(&f, x, today)).count();
    assert_eq!(d["createSavedSearch"]["count"], expected as u64);
    let id = d["createSavedSearch"]["id"].as_str().unwrap();
    let listed = super::listed(&app, &admin, json!({ "savedSearchId": id })).await;
    assert_eq!(listed.len(), expected);
}
