//! Demo families and organisations: relationship types, a Family type that takes in up to five
//! household members, an Organisation type with ten seats, and bundles built through the same
//! services as the API (so the inherited memberships follow their primaries like any others).

use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::entities::{contact, membership};
use crate::domain::contact::{ContactFields, ContactKind};
use crate::error::AppResult;
use crate::services::households::relationships::{NewRelationship, create};
use crate::services::households::types::{TypeInput, create as create_type};
use crate::services::memberships::{self, NewMembership};
use crate::services::statuses::Statuses;
use crate::services::{Actor, contacts, membership_types};
use crate::state::AppState;

const ORGANISATIONS: [&str; 3] = [
    "Riverside Rowing Club",
    "Acme Engineering",
    "Northwind Books",
];

/// Adds the families and organisations; returns how many relationships were made.
pub async fn load(state: &AppState, seed: u64, as_of: NaiveDate) -> AppResult<u64> {
    // Written as of the demo's date, like the rest of the demo (statuses and history agree with
    // the reports for that day).
    let mut dated = state.clone();
    dated.clock =
        crate::clock::Clock::fixed(as_of.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc());
    let state = &dated;
    let actor = Actor::Cli;
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0fa1_11e5);
    let rt = |a: &str, b: &str| TypeInput {
        name_a_to_b: a.into(),
        name_b_to_a: Some(b.into()),
        description: None,
    };
    let head = create_type(
        state,
        &actor,
        rt("Head of household of", "Household member of"),
    )
    .await?;
    let employer = create_type(state, &actor, rt("Employer of", "Employee of")).await?;
    create_type(state, &actor, rt("Spouse of", "Spouse of")).await?;
    let types = state.reference.types(&state.db).await?;
    let Some(family) = types.iter().find(|t| t.name == "Family").map(|t| t.id) else {
        return Ok(0);
    };
    membership_types::update(state, family, |mut f| {
        f.inherit_via = vec![head.id];
        f.max_related = Some(5);
        f
    })
    .await?;
    let mut org_fields =
        membership_types::fields_of(&membership_types::get(&state.db, family, "id").await?);
    org_fields.name = "Organisation".into();
    org_fields.description = Some("Ten seats for an organisation's people.".into());
    org_fields.minimum_fee = "400.00".into();
    org_fields.duration_interval = 1;
    org_fields.inherit_via = vec![employer.id];
    org_fields.max_related = Some(10);
    let org_type = membership_types::create(state, org_fields).await?;

    // People without a membership of their own join households and organisations.
    // A subquery, not a list of ids: a demo of a million members must not bind a million values.
    let free: Vec<i64> = contact::Entity::find()
        .filter(sea_orm::sea_query::Expr::cust(
            "NOT EXISTS (SELECT 1 FROM memberships m WHERE m.contact_id = contacts.id)",
        ))
        .filter(contact::Column::Kind.eq(ContactKind::Individual))
        .order_by_asc(contact::Column::Id)
        .limit(200)
        .select_only()
        .column(contact::Column::Id)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut free = free.into_iter();
    let statuses = Statuses::load(&state.db).await?;
    let primaries = membership::Entity::find()
        .filter(membership::Column::MembershipTypeId.eq(family))
        .filter(membership::Column::StatusId.is_in(statuses.current_ids()))
        .order_by_asc(membership::Column::Id)
        .limit(25)
        .all(&state.db)
        .await?;
    let mut made = 0;
    for p in primaries {
        for _ in 0..rng.random_range(1..=3) {
            let Some(kin) = free.next() else { break };
            let new = relation(p.contact_id, kin, head.id, as_of - Duration::days(30));
            create(state, &actor, new).await?;
            made += 1;
        }
    }
    for name in ORGANISATIONS {
        let fields = ContactFields {
            kind: Some(ContactKind::Organization),
            organization_name: Some(name.into()),
            city: Some("Leeds".into()),
            ..Default::default()
        };
        let org = contacts::create(state, &actor, fields).await?;
        let joined = as_of - Duration::days(rng.random_range(30..300));
        let m = NewMembership {
            contact_id: org.id,
            membership_type_id: org_type.id,
            join_date: Some(joined),
            start_date: None,
            end_date: None,
            terms: 1,
            status_override: None,
            override_until: None,
            source: Some("demo".into()),
        };
        memberships::create(state, &actor, m).await?;
        for _ in 0..rng.random_range(2..=8) {
            let Some(staff) = free.next() else { break };
            create(state, &actor, relation(org.id, staff, employer.id, joined)).await?;
            made += 1;
        }
    }
    Ok(made)
}

fn relation(a: i64, b: i64, rtype: i64, start: NaiveDate) -> NewRelationship {
    NewRelationship {
        contact_a_id: a,
        contact_b_id: b,
        relationship_type_id: rtype,
        start_date: Some(start),
    }
}
