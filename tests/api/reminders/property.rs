//! The set-based selection agrees with a brute-force evaluation of every membership: random
//! memberships, contacts (birthdays on Feb 29, contacts in the trash), reminders and dates.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, Set};
use serde_json::json;
use tessera::db::entities::{contact, membership};
use tessera::domain::dates::{Unit, add, add_months};
use tessera::domain::reminder::{Anchor, Direction, ScheduledReminder, Window};
use tessera::jobs::send_reminders::due_items;
use tessera::services::reminders::{ReminderFields, create};
use tessera::services::statuses::Statuses;

use super::{contact as new_contact, quiet_type, run_reminders};
use crate::fixtures::{d, set_today};
use crate::helpers::TestApp;

fn random_date(rng: &mut StdRng, from: &str, days: i64) -> NaiveDate {
    d(from) + chrono::Duration::days(rng.random_range(0..days))
}

/// Contacts over the API (some born on Feb 29, some without a birth date, some in the trash).
async fn seed_contacts(app: &TestApp, admin: &str, rng: &mut StdRng) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..80 {
        let birth = match rng.random_range(0..10) {
            0 => Some(format!("{}-02-29", 1944 + 4 * rng.random_range(0..15))),
            1 | 2 => None,
            _ => Some(random_date(rng, "1940-01-01", 65 * 365).to_string()),
        };
        let id = new_contact(app, admin, json!({ "lastName": format!("P{i}"), "email": format!("p{i}@example.org"), "birthDate": birth })).await;
        if rng.random_bool(0.1) {
            app.gql(
                admin,
                "mutation($id: ID!) { deleteContact(id: $id) }",
                json!({ "id": id }),
            )
            .await;
        }
        ids.push(id.parse().unwrap());
    }
    ids
}

async fn seed_memberships(
    app: &TestApp,
    rng: &mut StdRng,
    contacts: &[i64],
    types: &[i64],
    statuses: &[i64],
) {
    let now = chrono::Utc::now();
    let mut rows = Vec::new();
    for _ in 0..3000 {
        let join = random_date(rng, "2019-01-01", 8 * 365);
        let start = if rng.random_bool(0.6) {
            join
        } else {
            join + chrono::Duration::days(rng.random_range(0..400))
        };
        let end = match rng.random_range(0..10) {
            0 => None,
            1..=4 => Some(add_months(start, 12) - chrono::Duration::days(1)),
            _ => Some(start + chrono::Duration::days(rng.random_range(0..900))),
        };
        rows.push(membership::ActiveModel {
            contact_id: Set(contacts[rng.random_range(0..contacts.len())]),
            membership_type_id: Set(types[rng.random_range(0..types.len())]),
            status_id: Set(statuses[rng.random_range(0..statuses.len())]),
            join_date: Set(join),
            start_date: Set(start),
            end_date: Set(end),
            is_override: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    for chunk in rows.chunks(500) {
        membership::Entity::insert_many(chunk.to_vec())
            .exec(&app.state.db)
            .await
            .unwrap();
    }
}

fn fields(
    name: &str,
    anchor: Anchor,
    offset: i64,
    unit: Unit,
    direction: Direction,
) -> ReminderFields {
    ReminderFields {
        name: name.into(),
        template_key: "renewal-reminder".into(),
        anchor,
        offset,
        unit,
        direction,
        membership_type_ids: vec![],
        status_ids: vec![],
        repeat_every: None,
        repeat_until: None,
        is_active: true,
        event_id: None,
    }
}

fn reminder_set(rng: &mut StdRng, types: &[i64], statuses: &Statuses) -> Vec<ReminderFields> {
    use Anchor::*;
    use Direction::*;
    let lapsed: Vec<i64> = statuses
        .statuses
        .iter()
        .filter(|s| !s.is_current_member)
        .map(|s| s.id)
        .collect();
    let mut out = vec![
        fields("end", EndDate, 30, Unit::Day, Before),
        ReminderFields {
            status_ids: lapsed,
            repeat_every: Some(1),
            repeat_until: Some(3),
            ..fields("lapsed", EndDate, 1, Unit::Month, After)
        },
        ReminderFields {
            membership_type_ids: vec![types[0]],
            ..fields("start", StartDate, 2, Unit::Week, After)
        },
        ReminderFields {
            repeat_every: Some(10),
            repeat_until: Some(40),
            ..fields("join", JoinDate, 0, Unit::Day, After)
        },
        ReminderFields {
            status_ids: statuses.statuses.iter().map(|s| s.id).collect(),
            ..fields("birthday", BirthDate, 3, Unit::Day, Before)
        },
        fields("anniversary", JoinAnniversary, 1, Unit::Month, Before),
    ];
    let anchors = [JoinDate, StartDate, EndDate, BirthDate, JoinAnniversary];
    let units = [Unit::Day, Unit::Week, Unit::Month];
    for i in 0..6 {
        let direction = if rng.random_bool(0.5) { Before } else { After };
        let offset = rng.random_range(0..20);
        let mut f = fields(
            &format!("random {i}"),
            anchors[rng.random_range(0..5)],
            offset,
            units[rng.random_range(0..3)],
            direction,
        );
        if rng.random_bool(0.4) && (direction == After || offset > 0) {
            f.repeat_every = Some(rng.random_range(1..4));
            f.repeat_until = Some(match direction {
                After => offset + rng.random_range(1..8),
                Before => rng.random_range(0..offset),
            });
        }
        out.push(f);
    }
    out
}

/// Every dedupe key a reminder is due to send in `window`, found by trying every membership.
fn brute_force(
    r: &ScheduledReminder,
    f: &ReminderFields,
    world: &World,
    window: Window,
) -> BTreeSet<String> {
    let sign = if f.direction == Direction::Before {
        -1
    } else {
        1
    };
    let steps: Vec<i64> = match (f.repeat_every, f.repeat_until) {
        (Some(every), Some(until)) => (0..)
            .map(|k| sign * f.offset + k * every)
            .take_while(|s| *s <= sign * until)
            .collect(),
        _ => vec![sign * f.offset],
    };
    let statuses = match r.status_ids.clone() {
        ids if ids.is_empty() => world.statuses.current_ids(),
        ids => ids,
    };
    let types = r.membership_type_ids.clone();
    let mut birthday_member: BTreeMap<i64, i64> = BTreeMap::new();
    let mut keys = BTreeSet::new();
    for m in &world.memberships {
        let c = &world.contacts[&m.contact_id];
        let passes = c.deleted_at.is_none()
            && statuses.contains(&m.status_id)
            && (types.is_empty() || types.contains(&m.membership_type_id));
        if !passes {
            continue;
        }
        let (who, stored) = match f.anchor {
            Anchor::JoinDate | Anchor::JoinAnniversary => (format!("m{}", m.id), Some(m.join_date)),
            Anchor::StartDate => (format!("m{}", m.id), Some(m.start_date)),
            Anchor::EndDate => (format!("m{}", m.id), m.end_date),
            Anchor::BirthDate => {
                // One greeting per contact: only their first qualifying membership counts.
                if *birthday_member.entry(c.id).or_insert(m.id) != m.id {
                    continue;
                }
                (format!("c{}", c.id), c.birth_date)
            }
            // Event reminders go to registrations, not memberships: never in this set.
            Anchor::EventStart => continue,
        };
        let Some(stored) = stored else { continue };
        let anchors: Vec<NaiveDate> = if f.anchor.is_yearly() {
            (1..=120).map(|n| add_months(stored, 12 * n)).collect()
        } else {
            vec![stored]
        };
        for (k, s) in steps.iter().enumerate() {
            for a in &anchors {
                if window.contains(add(*a, *s, f.unit)) {
                    let suffix = if k > 0 {
                        format!(".{k}")
                    } else {
                        String::new()
                    };
                    keys.insert(format!("reminder.r{}.{who}.{a}{suffix}", r.id));
                }
            }
        }
    }
    keys
}

struct World {
    memberships: Vec<membership::Model>,
    contacts: HashMap<i64, contact::Model>,
    statuses: Statuses,
}

#[tokio::test]
async fn the_selection_agrees_with_brute_force_on_thousands_of_memberships() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2025-01-01");
    let mut rng = StdRng::seed_from_u64(314);
    let types: Vec<i64> = vec![
        quiet_type(&app, &admin, "A").await.parse().unwrap(),
        quiet_type(&app, &admin, "B").await.parse().unwrap(),
    ];
    let statuses = Statuses::load(&app.state.db).await.unwrap();
    let contacts = seed_contacts(&app, &admin, &mut rng).await;
    let status_ids: Vec<i64> = statuses.statuses.iter().map(|s| s.id).collect();
    seed_memberships(&app, &mut rng, &contacts, &types, &status_ids).await;
    let mut reminders = Vec::new();
    for f in reminder_set(&mut rng, &types, &statuses) {
        reminders.push((create(&app.state, f.clone()).await.unwrap(), f));
    }
    let world = World {
        memberships: membership::Entity::find()
            .order_by_asc(membership::Column::Id)
            .all(&app.state.db)
            .await
            .unwrap(),
        contacts: contact::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c))
            .collect(),
        statuses,
    };
    let mut compared = 0;
    // Random dates, and the ones around February 28 and New Year where month-day ranges are subtle.
    let mut dates: Vec<NaiveDate> = [
        "2025-02-25",
        "2025-02-28",
        "2026-03-02",
        "2026-01-28",
        "2025-12-30",
        "2026-01-02",
    ]
    .map(d)
    .to_vec();
    dates.extend((0..20).map(|_| random_date(&mut rng, "2024-06-01", 3 * 365)));
    for as_of in dates {
        let window = Window::catching_up(as_of, rng.random_range(0..10));
        for (r, f) in &reminders {
            let (candidates, items) = due_items(&app.state.db, r, &world.statuses, window)
                .await
                .unwrap();
            let got: BTreeSet<String> = items.iter().map(|i| i.dedupe_key.clone()).collect();
            assert_eq!(got.len(), items.len(), "no duplicates");
            let expected = brute_force(r, f, &world, window);
            assert_eq!(
                got, expected,
                "{} as of {as_of} ({window:?}): {f:?}",
                r.name
            );
            assert!(
                candidates >= items.len() / steps_max(f) && candidates <= world.memberships.len()
            );
            compared += expected.len();
        }
    }
    assert!(
        compared > 500,
        "the dates must hit enough occurrences to mean something: {compared}"
    );

    // The whole job queues exactly the brute-force set (the catch-up setting's window).
    let as_of = "2025-11-15";
    run_reminders(&app, as_of).await;
    let window = Window::catching_up(d(as_of), app.state.settings.jobs.reminder_catch_up_days);
    let expected: BTreeSet<String> = reminders
        .iter()
        .flat_map(|(r, f)| brute_force(r, f, &world, window))
        .collect();
    let rows = app
        .state
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT dedupe_key FROM outbound_messages WHERE dedupe_key LIKE 'reminder.%'",
        ))
        .await
        .unwrap();
    let queued: BTreeSet<String> = rows
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(queued, expected);
}

/// Occurrences per membership at most (a candidate yields at most this many items).
fn steps_max(f: &ReminderFields) -> usize {
    match (f.repeat_every, f.repeat_until) {
        (Some(every), Some(until)) => {
            ((until - f.offset).unsigned_abs() / every as u64) as usize + 1
        }
        _ => 1,
    }
}
