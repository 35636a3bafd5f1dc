//! Benchmark of a mailing (issue 19; not a test): 100,000 contacts with email addresses, a saved
//! search "current members or Newsletter readers, not tagged Staff" that selects most of them, a
//! few per cent who must not get bulk mail (deceased, do-not-email, unsubscribed, bouncing), and
//! one mailing whose audience is that saved search. Times, separately:
//!
//! 1. the saved search's live count, and the audience resolution — `sendMailing`'s snapshot of
//!    the recipients (one INSERT … SELECT of the filter, then the exclusions marked SKIPPED);
//! 2. queueing: the `send-mailings` job rendering every message and inserting it in the outbox;
//! 3. the re-run of `send-mailings`, which must queue nothing (exactly once);
//! 4. delivery: `deliver-mail` to an in-process SMTP sink over loopback.
//!
//! Every count is checked against what the seeding implies (computed here, contact by contact).
//! `mailings.send_rate_per_minute` is 6,000,000 (a 10 µs gap) for the run, so the rate is applied
//! (each batch reads the mailing's latest send time) yet every message is due by the time
//! `deliver-mail` runs; the report says what the default rate would take. Run it with `bench/mailing.sh` (release). SQLite always; PostgreSQL too when
//! `BENCH_PG_ADMIN_URL` is set (a user that may create databases; the bench uses
//! `tessera_bench_mailing`). `BENCH_MAILING_CONTACTS` changes the count. Figures go to stdout and
//! `bench/mailing-results.md`.

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/api/smtp.rs"]
mod smtp;

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};
use tessera::clock::Clock;
use tessera::config::Settings;
use tessera::db::entities::segments::mailing as mailing_row;
use tessera::domain::segment::{MailingStatus, RecipientStatus};
use tessera::services::contacts::{ContactFilter, matching_ids};
use tessera::services::mailings::audience::Audience;
use tessera::services::mailings::{manage, stats};
use tessera::services::segments::filter::{Criteria, MembershipCriteria};
use tessera::services::segments::{interests, saved_searches, tags};
use tessera::services::{Actor, statuses};
use tessera::state::AppState;

use common::{insert_rows, settings, timed_job};

/// mimalloc, as in the server binary and the reminder benchmark.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PG_DATABASE: &str = "tessera_bench_mailing";
const SEED_CHUNK: usize = 20_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Membership {
    Current,
    Lapsed,
    Never,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Exclusion {
    Deceased,
    DoNotEmail,
    Unsubscribed,
    Bouncing,
}

/// One contact of the seed, decided by its id alone.
#[derive(Clone, Copy)]
struct Profile {
    membership: Membership,
    /// Opted in to the "Newsletter" interest.
    newsletter: bool,
    /// Tagged "Staff" (the saved search leaves them out).
    staff: bool,
    exclusion: Option<Exclusion>,
}

/// 60 % current members, 25 % lapsed, 15 % never members; Newsletter for the lapsed 60–74 and the
/// non-members 85–89 of each hundred, and for every fourth current member (both sides of the OR);
/// 2 % tagged Staff; and, on a different cycle (97) so that they fall in every kind, one contact in
/// 97 each deceased, do-not-email, unsubscribed and bouncing.
fn profile(id: i64) -> Profile {
    let m = id % 100;
    Profile {
        membership: match m {
            0..=59 => Membership::Current,
            60..=84 => Membership::Lapsed,
            _ => Membership::Never,
        },
        newsletter: (60..=74).contains(&m) || (85..=89).contains(&m) || (m < 60 && m % 4 == 0),
        staff: m == 7 || m == 61,
        exclusion: match id % 97 {
            0 => Some(Exclusion::Deceased),
            1 => Some(Exclusion::DoNotEmail),
            2 => Some(Exclusion::Unsubscribed),
            3 => Some(Exclusion::Bouncing),
            _ => None,
        },
    }
}

/// What the saved search selects, in plain Rust.
fn selected(p: &Profile) -> bool {
    (p.membership == Membership::Current || p.newsletter) && !p.staff
}

/// What the seeding implies: (contacts the saved search selects, of them skipped by the
/// exclusions, recipients).
fn expected(n: usize) -> (i64, i64, i64) {
    let (mut sel, mut skip) = (0, 0);
    for id in 1..=n as i64 {
        let p = profile(id);
        if selected(&p) {
            sel += 1;
            if p.exclusion.is_some() {
                skip += 1;
            }
        }
    }
    (sel, skip, sel - skip)
}

const FIRST: [&str; 8] = [
    "Amara", "Ben", "Chloé", "Dmitri", "Eilidh", "Farid", "Grace", "Hiroshi",
];
const LAST: [&str; 6] = ["Okafor", "Smith", "Nowak", "García", "Müller", "Patel"];

fn email(id: i64) -> String {
    format!("contact{id}@example.org")
}

/// Ids of the segment records the seed refers to.
struct Segments {
    membership_type: i64,
    current: i64,
    expired: i64,
    newsletter: i64,
    staff: i64,
}

/// `n` contacts as [`profile`] says, in bulk: explicit ids, multi-row INSERTs, one transaction per
/// 20,000 contacts (as `tessera demo` does). Tags and interests are made through the services.
async fn seed(state: &AppState, n: usize, as_of: NaiveDate) -> Segments {
    let actor = Actor::Cli;
    let newsletter = interests::create(state, &actor, "Newsletter", Some("News of the park"), true)
        .await
        .expect("interest")
        .id;
    let staff = tags::create(
        state,
        &actor,
        tags::TagInput {
            name: "Staff".into(),
            color: Some("#336699".into()),
            description: None,
        },
    )
    .await
    .expect("tag")
    .id;
    let status = |code| async move {
        statuses::by_code(&state.db, code)
            .await
            .expect("a status")
            .id
    };
    let s = Segments {
        membership_type: common::individual_type(state).await,
        current: status(statuses::CURRENT).await,
        expired: status(statuses::EXPIRED).await,
        newsletter,
        staff,
    };
    let now = Utc::now();
    for first in (1..=n).step_by(SEED_CHUNK) {
        let ids: Vec<i64> = (first..=(first + SEED_CHUNK - 1).min(n))
            .map(|i| i as i64)
            .collect();
        let txn = tessera::db::begin_write(&state.db).await.expect("begin");
        seed_chunk(&txn, &s, &ids, as_of, now).await;
        txn.commit().await.expect("commit");
    }
    common::reset_sequences(state, &["contacts", "memberships"]).await;
    s
}

async fn seed_chunk<C: ConnectionTrait>(
    db: &C,
    s: &Segments,
    ids: &[i64],
    as_of: NaiveDate,
    now: DateTime<Utc>,
) {
    let (mut contacts, mut memberships, mut likes, mut tagged, mut opt_outs, mut bounced) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for &id in ids {
        let p = profile(id);
        let (f, l) = (FIRST[id as usize % 8], LAST[id as usize % 6]);
        let row: Vec<SimpleExpr> = vec![
            id.into(),
            "INDIVIDUAL".into(),
            f.into(),
            l.into(),
            format!("{f} {l}").into(),
            format!("{l}, {f}").to_lowercase().into(),
            email(id).into(),
            (p.exclusion == Some(Exclusion::DoNotEmail)).into(),
            (p.exclusion == Some(Exclusion::Deceased)).into(),
            now.into(),
            now.into(),
        ];
        contacts.push(row);
        let (status, start, end) = match p.membership {
            Membership::Current => (
                s.current,
                as_of - Duration::days(200),
                as_of + Duration::days(165),
            ),
            Membership::Lapsed => (
                s.expired,
                as_of - Duration::days(425),
                as_of - Duration::days(60),
            ),
            Membership::Never => (0, as_of, as_of),
        };
        if p.membership != Membership::Never {
            memberships.push(vec![
                id.into(),
                id.into(),
                s.membership_type.into(),
                status.into(),
                start.into(),
                start.into(),
                end.into(),
                false.into(),
                now.into(),
                now.into(),
            ]);
        }
        if p.newsletter {
            likes.push(vec![id.into(), s.newsletter.into(), now.into()]);
        }
        if p.staff {
            tagged.push(vec![s.staff.into(), id.into(), now.into(), "cli".into()]);
        }
        match p.exclusion {
            Some(Exclusion::Unsubscribed) => {
                opt_outs.push(vec![id.into(), "ONE_CLICK".into(), now.into()]);
            }
            Some(Exclusion::Bouncing) => bounced.push(vec![
                email(id).into(),
                "BOUNCE".into(),
                "550 5.1.1 user unknown".into(),
                now.into(),
            ]),
            _ => {}
        }
    }
    let contact_cols = [
        "id",
        "kind",
        "first_name",
        "last_name",
        "display_name",
        "sort_name",
        "email",
        "do_not_email",
        "is_deceased",
        "created_at",
        "updated_at",
    ];
    insert_rows(db, "contacts", &contact_cols, contacts).await;
    let membership_cols = [
        "id",
        "contact_id",
        "membership_type_id",
        "status_id",
        "join_date",
        "start_date",
        "end_date",
        "is_override",
        "created_at",
        "updated_at",
    ];
    insert_rows(db, "memberships", &membership_cols, memberships).await;
    let interest_cols = ["contact_id", "interest_id", "created_at"];
    insert_rows(db, "contact_interests", &interest_cols, likes).await;
    let tag_cols = ["tag_id", "contact_id", "created_at", "created_by"];
    insert_rows(db, "contact_tags", &tag_cols, tagged).await;
    insert_rows(
        db,
        "mail_opt_outs",
        &["contact_id", "source", "created_at"],
        opt_outs,
    )
    .await;
    let bounce_cols = ["email", "reason", "detail", "created_at"];
    insert_rows(db, "email_suppressions", &bounce_cols, bounced).await;
}

/// The saved search: current members, or anyone who opted in to the Newsletter; never Staff.
fn audience_filter(s: &Segments) -> ContactFilter {
    let part = |c: Criteria| ContactFilter {
        segment: c,
        ..Default::default()
    };
    part(Criteria {
        any_of: vec![
            part(Criteria {
                membership: Some(MembershipCriteria {
                    current: Some(true),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            part(Criteria {
                interest_ids: vec![s.newsletter],
                ..Default::default()
            }),
        ],
        none_of: vec![part(Criteria {
            tag_ids: vec![s.staff],
            ..Default::default()
        })],
        ..Default::default()
    })
}

const SUBJECT: &str = "{{contact.firstName}}, spring news from {{organization.name}}";

const TEXT: &str = "Dear {{contact.firstName}},

Spring has come to the park, and so has a busy season for {{organization.name}}.

THE NEW POND
The restoration of the east pond is finished: the reed beds are back, the dragonflies with them,
and the path around it is open again, with two new benches paid for by members like you.

VOLUNTEER DAYS
Every second Saturday from April to September we plant, weed and repair. Bring gloves and a
friend; tea and cake are on us. Tell us you are coming by replying to this message.

THE ANNUAL MEETING
Members meet on 14 May at 7 pm in the pavilion. The accounts, the plans for the orchard and the
election of the committee are on the agenda. Every member may vote.

Thank you for being part of this, {{contact.displayName}}.

{{organization.name}}
{{organization.address}}

You get this message as {{contact.email}}. Choose what we send you: {{links.preferences}}
Unsubscribe from everything: {{links.unsubscribe}}
";

const HTML: &str = "<h1>Spring news</h1>
<p>Dear {{contact.firstName}},</p>
<p>Spring has come to the park, and so has a busy season for <strong>{{organization.name}}</strong>.</p>
<h2>The new pond</h2>
<p>The restoration of the east pond is finished: the reed beds are back, the dragonflies with them,
and the path around it is open again, with two new benches paid for by members like you.</p>
<h2>Volunteer days</h2>
<p>Every second Saturday from April to September we plant, weed and repair. Bring gloves and a
friend; tea and cake are on us. Tell us you are coming by replying to this message.</p>
<h2>The annual meeting</h2>
<p>Members meet on <strong>14 May at 7 pm</strong> in the pavilion. The accounts, the plans for the
orchard and the election of the committee are on the agenda. Every member may vote.</p>
<p>Thank you for being part of this, {{contact.displayName}}.</p>
<p>{{organization.name}}<br>{{organization.address}}</p>
<p style=\"font-size: small\">You get this message as {{contact.email}}.
<a href=\"{{links.preferences}}\">Choose what we send you</a> or
<a href=\"{{links.unsubscribe}}\">unsubscribe from everything</a>.</p>
";

/// What one database's run measured.
struct Figures {
    backend: &'static str,
    contacts: usize,
    seed_secs: f64,
    /// The saved search's live count, and the time it took.
    selected: i64,
    count_secs: f64,
    /// `sendMailing`: the snapshot.
    resolve_secs: f64,
    recipients: i64,
    skipped: i64,
    queue_secs: f64,
    queued: i64,
    rerun_secs: f64,
    /// Average rendered size (text plus HTML body) in bytes.
    message_bytes: i64,
    deliver_secs: f64,
    sent: i64,
    /// `send-mailings` after a simulated crash that lost every recipient's QUEUED mark.
    resume_secs: f64,
    /// What that run reported as queued: 0, the outbox gained nothing (both asserted).
    resume_reported: i64,
}

async fn scalar(state: &AppState, sql: &str) -> i64 {
    let backend = state.db.get_database_backend();
    let row = state
        .db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index(0).expect("a number")
}

/// Messages per minute: a 10 µs gap between send times.
const BENCH_RATE: u32 = 6_000_000;

async fn run_suite(backend: &'static str, url: &str, n: usize) -> Figures {
    let sink = smtp::SmtpSink::start().await;
    sink.discard_messages();
    let mut s = settings(url, &sink.url());
    // A rate so high that every message is due by the time delivery starts, so deliver-mail's own
    // speed is measured, while queueing still pays for keeping to a rate.
    s.mailings.send_rate_per_minute = BENCH_RATE;
    let state = tessera::connect_state(s, Clock::system())
        .await
        .expect("connect and migrate");
    let as_of = state.clock.today();
    let (want_selected, want_skipped, want_recipients) = expected(n);
    let started = Instant::now();
    let segments = seed(&state, n, as_of).await;
    let seed_secs = started.elapsed().as_secs_f64();
    eprintln!("{backend}: seeded {n} contacts in {seed_secs:.1} s");
    let actor = Actor::Cli;
    let search = saved_searches::create(
        &state,
        &actor,
        "Members and Newsletter readers",
        Some("Current members or Newsletter subscribers, staff excepted"),
        audience_filter(&segments),
    )
    .await
    .expect("saved search");
    let started = Instant::now();
    let selected = matching_ids(state.db.get_database_backend(), &search.filter, as_of)
        .count(&state.db)
        .await
        .expect("live count") as i64;
    let count_secs = started.elapsed().as_secs_f64();
    assert_eq!(selected, want_selected, "the saved search's live count");
    let mailing = manage::create(
        &state,
        &actor,
        manage::MailingInput {
            subject: SUBJECT.into(),
            text_body: TEXT.into(),
            html_body: HTML.into(),
            audience: Audience {
                saved_search_ids: vec![search.id],
                ..Default::default()
            },
        },
    )
    .await
    .expect("mailing");
    let started = Instant::now();
    let sending = manage::send_now(&state, &actor, mailing.id)
        .await
        .expect("send now");
    let resolve_secs = started.elapsed().as_secs_f64();
    assert_eq!(sending.status, MailingStatus::Sending);
    assert_eq!(
        sending.recipients, want_recipients,
        "recipients in the snapshot"
    );
    let skipped = scalar(
        &state,
        &format!(
            "SELECT COUNT(*) FROM mailing_recipients WHERE mailing_id = {} AND status = '{}'",
            mailing.id,
            RecipientStatus::Skipped.as_str()
        ),
    )
    .await;
    assert_eq!(skipped, want_skipped, "skipped in the snapshot");
    let (queue_secs, queued) = timed_job(&state, "send-mailings", as_of).await;
    assert_eq!(queued, want_recipients, "queued == audience");
    let (rerun_secs, requeued) = timed_job(&state, "send-mailings", as_of).await;
    assert_eq!(requeued, 0, "a re-run queues nothing");
    let m = mailing_row::Entity::find_by_id(mailing.id)
        .one(&state.db)
        .await
        .expect("mailing row")
        .expect("the mailing");
    assert_eq!(m.status, MailingStatus::Sent);
    assert_eq!(m.recipients, want_recipients);
    let outbox = format!(
        "SELECT COUNT(*) FROM outbound_messages WHERE mailing_id = {}",
        mailing.id
    );
    assert_eq!(
        scalar(&state, &outbox).await,
        want_recipients,
        "one message each"
    );
    let message_bytes = scalar(
        &state,
        "SELECT CAST(AVG(LENGTH(text_body) + LENGTH(html_body)) AS BIGINT) FROM outbound_messages",
    )
    .await;
    let (deliver_secs, sent) = timed_job(&state, "deliver-mail", as_of).await;
    assert_eq!(sent, want_recipients, "delivered == queued");
    assert_eq!(sink.accepted() as i64, sent, "the sink got every message");
    let st = stats::of(&state.db, mailing.id, m.recipients)
        .await
        .expect("stats");
    assert_eq!(
        (st.recipients, st.skipped, st.queued, st.sent, st.failed),
        (want_recipients, want_skipped, 0, want_recipients, 0),
        "mailing stats"
    );
    let (resume_secs, resume_reported) = resume_after_crash(&state, mailing.id, as_of).await;
    assert_eq!(
        resume_reported, 0,
        "a resumed run counts only the messages it added"
    );
    assert_eq!(
        scalar(&state, &outbox).await,
        want_recipients,
        "still one message each"
    );
    let (_, resent) = timed_job(&state, "deliver-mail", as_of).await;
    assert_eq!(resent, 0, "nothing delivered twice");
    assert_eq!(
        sink.accepted() as i64,
        want_recipients,
        "the sink got nothing more"
    );
    state.db.close_by_ref().await.ok();
    Figures {
        backend,
        contacts: n,
        seed_secs,
        selected,
        count_secs,
        resolve_secs,
        recipients: sending.recipients,
        skipped,
        queue_secs,
        queued,
        rerun_secs,
        message_bytes,
        deliver_secs,
        sent,
        resume_secs,
        resume_reported,
    }
}

/// The worst crash: every recipient looks PENDING again and the mailing SENDING, as if the
/// process had died after inserting every batch's messages but before recording any of them.
/// `send-mailings` renders them all again and the outbox's unique dedupe key refuses each copy.
/// (seconds, what the job reported as queued).
async fn resume_after_crash(state: &AppState, mailing_id: i64, as_of: NaiveDate) -> (f64, i64) {
    for sql in [
        format!(
            "UPDATE mailing_recipients SET status = '{}', queued_at = NULL WHERE mailing_id = {mailing_id} AND status = '{}'",
            RecipientStatus::Pending.as_str(),
            RecipientStatus::Queued.as_str()
        ),
        format!(
            "UPDATE mailings SET status = '{}', finished_at = NULL WHERE id = {mailing_id}",
            MailingStatus::Sending.as_str()
        ),
    ] {
        state
            .db
            .execute_unprepared(&sql)
            .await
            .expect("simulate a crash");
    }
    timed_job(state, "send-mailings", as_of).await
}

fn report(figures: &[Figures]) -> String {
    let mut out = String::from("# Mailing benchmark (issue 19)\n\n");
    out.push_str(&format!(
        "Command: `bench/mailing.sh` (= `cargo bench --bench mailing`{})\n\n",
        if figures.len() > 1 {
            ", with `BENCH_PG_ADMIN_URL` set"
        } else {
            ""
        }
    ));
    out.push_str(&format!("Machine: {}\n\n", common::machine()));
    let defaults = Settings::default().mailings;
    out.push_str(&format!(
        "Contacts: 60 % current members, 25 % lapsed, 15 % never members; Newsletter interest on some; 2 % tagged Staff; one in 97 each deceased, do-not-email, unsubscribed (opt-out) and bouncing (suppressed address). Saved search \"current member OR Newsletter, NOT tagged Staff\"; the mailing's audience is that saved search. *Live count*: the saved search's count. *Resolve*: `sendMailing` (the snapshot: INSERT … SELECT of the filter into `mailing_recipients`, exclusions marked SKIPPED, status SENDING). *send-mailings*: renders (subject, text, HTML) and queues every recipient in batches of {} per transaction. *Re-run*: the job again (must queue 0). *deliver-mail*: over loopback SMTP to an in-process sink (pooled connections, unsubscribe link signed per message). *Resume after crash*: every recipient set back to PENDING and the mailing to SENDING, `send-mailings` again: it renders everyone again, the outbox refuses every copy (asserted: no new row, and `deliver-mail` then sends nothing). `mailings.send_rate_per_minute` = 6,000,000 for this run (a 10 µs gap: the rate is kept, each batch reads the mailing's latest send time, and every message is due before delivery starts); every count is asserted against the seed.\n\n",
        defaults.batch_size
    ));
    out.push_str("| database | contacts | seed | live count | resolve (snapshot) | recipients / skipped | send-mailings | queued/s | re-run | avg. text + HTML | deliver-mail | sent/s | resume after crash |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for f in figures {
        out.push_str(&format!(
            "| {} | {} | {:.1} s | {:.3} s ({} match) | {:.2} s | {} / {} | {:.2} s ({} queued) | {:.0} | {:.3} s | {} bytes | {:.2} s ({} sent) | {:.0} | {:.2} s ({} queued) |\n",
            f.backend,
            f.contacts,
            f.seed_secs,
            f.count_secs,
            f.selected,
            f.resolve_secs,
            f.recipients,
            f.skipped,
            f.queue_secs,
            f.queued,
            f.queued as f64 / f.queue_secs,
            f.rerun_secs,
            f.message_bytes,
            f.deliver_secs,
            f.sent,
            f.sent as f64 / f.deliver_secs,
            f.resume_secs,
            f.resume_reported
        ));
    }
    if let (Some(f), rate) = (figures.first(), defaults.send_rate_per_minute)
        && rate > 0
    {
        let minutes = f.recipients as f64 / f64::from(rate);
        out.push_str(&format!(
            "\nWith the default `send_rate_per_minute = {rate}` the same {} messages would be spread over {:.0} minutes ({:.1} messages/s): the rate limit, not Tessera, sets the pace.\n",
            f.recipients,
            minutes,
            f64::from(rate) / 60.0
        ));
    }
    out
}

async fn postgres(admin_url: &str, n: usize) -> Figures {
    let (admin, url) = common::create_database(admin_url, PG_DATABASE).await;
    let figures = run_suite("PostgreSQL", &url, n).await;
    common::drop_database(&admin, PG_DATABASE).await;
    figures
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; this harness takes no arguments.
    let n: usize = std::env::var("BENCH_MAILING_CONTACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (url, file) = common::sqlite_file("mailing");
    let mut figures = vec![run_suite("SQLite", &url, n).await];
    drop(file);
    if let Ok(admin_url) = std::env::var("BENCH_PG_ADMIN_URL") {
        figures.push(postgres(&admin_url, n).await);
    }
    let text = report(&figures);
    println!("{text}");
    let out = std::env::var("BENCH_MAILING_RESULTS")
        .unwrap_or_else(|_| "bench/mailing-results.md".into());
    std::fs::write(&out, text).expect("write the results file");
    eprintln!("written to {out}");
}
