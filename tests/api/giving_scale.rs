//! Giving at scale: the demo data set's giving, and (PostgreSQL) the plans of the contribution list
//! and the donor summary, which must come from indexes.

use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::contributions::record_ok;
use crate::helpers::TestApp;

#[tokio::test]
async fn the_demo_gives_and_new_contributions_follow_it() {
    let app = TestApp::spawn().await;
    let opts = tessera::demo::DemoOptions {
        contacts: 400,
        seed: 7,
        as_of: crate::fixtures::d("2025-11-24"),
    };
    let summary = tessera::demo::load(&app.state, &opts).await.unwrap();
    assert!(summary.contributions > 800, "{summary:?}");
    assert_eq!(
        app.count("contributions").await as u64,
        summary.contributions
    );
    assert!(
        app.count("contributions WHERE status = 'REFUNDED'").await
            <= app.count("contribution_refunds").await
    );
    assert!(app.count("recurring_gifts").await > 0);
    let dues = app.count("contributions c JOIN financial_types t ON t.id = c.financial_type_id WHERE t.key = 'MEMBER_DUES'").await;
    assert_eq!(
        dues,
        app.count("contribution_memberships").await,
        "each dues payment pays a membership"
    );
    // Ids continue after the demo's explicit ones (PostgreSQL sequences were moved past them).
    let admin = app.admin_token().await;
    let c = record_ok(
        &app,
        &admin,
        json!({ "contactId": "1", "financialType": "DONATION", "amount": "12.34" }),
    )
    .await;
    assert_eq!(
        c["id"].as_str().unwrap().parse::<u64>().unwrap(),
        summary.contributions + 1
    );
    let body = app
        .gql(&admin, "{ campaigns { name raised goal } }", json!({}))
        .await;
    let campaigns = body["data"]["campaigns"].as_array().unwrap();
    assert_eq!(campaigns.len(), 3, "{body}");
    assert!(campaigns.iter().any(|c| c["raised"] != "0.00"), "{body}");
}

/// PostgreSQL: pages of contributions and donor summaries are answered from indexes: a sequential
/// scan over contributions would grow with a million rows.
#[tokio::test]
async fn contribution_pages_and_summaries_are_served_by_indexes() {
    let app = TestApp::spawn().await;
    if !tessera::db::is_postgres(&app.state.db) {
        return;
    }
    let admin = app.admin_token().await;
    let c = crate::fixtures::new_contact(&app, &admin, "Planned").await;
    record_ok(
        &app,
        &admin,
        json!({ "contactId": c, "financialType": "DONATION", "amount": "5" }),
    )
    .await;
    let captured: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut db = app.state.db.clone();
    let sink = captured.clone();
    db.set_metric_callback(move |info| {
        if let Ok(mut s) = sink.lock() {
            s.push(info.statement.to_string());
        }
    });
    let state = tessera::state::AppState {
        db,
        ..app.state.clone()
    };
    let viewer = tessera::services::auth::authenticate(&state, &admin)
        .await
        .unwrap();
    use tessera::services::contributions::{self as k, ContributionFilter, ContributionOrder};
    let page = || {
        tessera::services::pagination::PageArgs::new(Some(50), None, 100)
            .unwrap()
            .counting(false)
    };
    let contact_id: i64 = c.parse().unwrap();
    for (filter, order) in [
        (
            ContributionFilter::default(),
            ContributionOrder::ReceivedDesc,
        ),
        (ContributionFilter::default(), ContributionOrder::AmountDesc),
        (
            ContributionFilter {
                contact_id: Some(contact_id),
                ..Default::default()
            },
            ContributionOrder::ReceivedDesc,
        ),
        (
            ContributionFilter {
                campaign_id: Some(1),
                ..Default::default()
            },
            ContributionOrder::CreatedDesc,
        ),
    ] {
        k::list(&state, &viewer, &filter, order, page())
            .await
            .unwrap();
    }
    k::donor_summaries(&state, &[contact_id], crate::fixtures::d("2026-01-01"))
        .await
        .unwrap();
    k::for_contacts(&state, &[contact_id], 20).await.unwrap();
    let statements = captured.lock().unwrap().clone();
    use sea_orm::ConnectionTrait;
    let txn = sea_orm::TransactionTrait::begin(&app.state.db)
        .await
        .unwrap();
    txn.execute_unprepared("SET LOCAL enable_seqscan = off")
        .await
        .unwrap();
    let mut checked = 0;
    for sql in statements
        .iter()
        .filter(|s| s.contains("contributions") && s.starts_with("SELECT"))
    {
        let rows = txn
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!("EXPLAIN {sql}"),
            ))
            .await
            .unwrap();
        let plan: Vec<String> = rows
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect();
        assert!(
            !plan.iter().any(|l| l.contains("Seq Scan on contributions")),
            "a sequential scan on contributions for\n{sql}\n{}",
            plan.join("\n")
        );
        checked += 1;
    }
    assert!(checked >= 6, "{statements:?}");
}
