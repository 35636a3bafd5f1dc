//! Job leases against the real database (SQLite, or PostgreSQL with TESSERA_TEST_DATABASE_URL):
//! compare-and-set claims that hold under concurrency, expire, and refuse a tick already run.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::EntityTrait;
use tessera::db::entities::job_lease;
use tessera::jobs::lease::Lease;

use crate::helpers::TestApp;

const JOB: &str = "test-job";

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap() + Duration::seconds(secs)
}

fn lease(holder: &str) -> Lease {
    Lease::new(JOB, holder, Duration::seconds(60))
}

async fn row(app: &TestApp) -> job_lease::Model {
    job_lease::Entity::find_by_id(JOB)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("lease row")
}

#[tokio::test]
async fn of_many_holders_racing_for_one_tick_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let holders: Vec<Lease> = (0..6).map(|i| lease(&format!("replica-{i}"))).collect();
    let db = &app.state.db;
    let won = futures::future::join_all(holders.iter().map(|l| l.try_acquire(db, t(0), t(0))))
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .filter(|w| *w)
        .count();
    assert_eq!(won, 1);
    let winner = row(&app).await.holder.expect("held");
    assert!(winner.starts_with("replica-"));
    assert_eq!(row(&app).await.last_tick, Some(t(0)));
    // While the winner holds it, nobody gets the next tick either.
    for l in holders.iter().filter(|l| l.holder != winner) {
        assert!(!l.try_acquire(db, t(1), t(1)).await.unwrap());
    }
}

#[tokio::test]
async fn a_tick_runs_once_even_after_release() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let (a, b) = (lease("a"), lease("b"));
    assert!(a.try_acquire(db, t(10), t(10)).await.unwrap());
    assert!(a.release(db, t(11)).await.unwrap());
    assert_eq!(row(&app).await.holder, None);
    // Free again, but this tick (or an earlier one fired late) is done.
    assert!(!b.try_acquire(db, t(10), t(12)).await.unwrap());
    assert!(!b.try_acquire(db, t(5), t(12)).await.unwrap());
    assert!(!a.try_acquire(db, t(10), t(12)).await.unwrap());
    // The next tick is fine, for either holder.
    assert!(b.try_acquire(db, t(20), t(20)).await.unwrap());
    assert_eq!(row(&app).await.holder.as_deref(), Some("b"));
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_holder_cannot_touch_it() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let (a, b) = (lease("a"), lease("b"));
    assert!(a.try_acquire(db, t(0), t(0)).await.unwrap());
    // a stops renewing (crashed); before the expiry b must wait.
    assert!(!b.try_acquire(db, t(30), t(30)).await.unwrap());
    assert!(!b.try_acquire(db, t(60), t(60)).await.unwrap());
    assert!(b.try_acquire(db, t(61), t(61)).await.unwrap());
    assert_eq!(row(&app).await.holder.as_deref(), Some("b"));
    // a comes back: it neither renews nor frees what b now holds.
    assert!(!a.renew(db, t(62)).await.unwrap());
    assert!(!a.release(db, t(62)).await.unwrap());
    let r = row(&app).await;
    assert_eq!(r.holder.as_deref(), Some("b"));
    assert_eq!(r.expires_at, t(61) + Duration::seconds(60));
}

#[tokio::test]
async fn renewing_keeps_a_long_run_s_lease() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let (a, b) = (lease("a"), lease("b"));
    assert!(a.try_acquire(db, t(0), t(0)).await.unwrap());
    assert!(a.renew(db, t(50)).await.unwrap());
    // Without the renewal the lease would have expired at t(60).
    assert!(!b.try_acquire(db, t(70), t(70)).await.unwrap());
    assert!(b.try_acquire(db, t(111), t(111)).await.unwrap());
}

#[tokio::test]
async fn only_the_holder_releases() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let (a, b) = (lease("a"), lease("b"));
    assert!(a.try_acquire(db, t(0), t(0)).await.unwrap());
    assert!(!b.release(db, t(1)).await.unwrap());
    assert_eq!(row(&app).await.holder.as_deref(), Some("a"));
    assert!(!b.try_acquire(db, t(1), t(1)).await.unwrap());
    assert!(a.release(db, t(2)).await.unwrap());
    assert!(!a.release(db, t(2)).await.unwrap(), "already released");
    assert!(b.try_acquire(db, t(3), t(3)).await.unwrap());
}

#[tokio::test]
async fn ensuring_the_row_twice_is_harmless() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let a = lease("a");
    a.ensure(db).await.unwrap();
    assert!(a.try_acquire(db, t(0), t(0)).await.unwrap());
    a.ensure(db).await.unwrap();
    assert_eq!(row(&app).await.holder.as_deref(), Some("a"));
    assert_eq!(app.count("job_leases").await, 1);
}
