//! One integration-test binary: the real application over HTTP, on SQLite by default or on PostgreSQL
//! when TESSERA_TEST_DATABASE_URL is set.

mod access;
mod architecture;
mod auth;
mod cli;
mod contacts;
mod contributions;
mod fake_stripe;
mod fixtures;
mod giving;
mod giving_access;
mod giving_mail;
mod giving_scale;
mod helpers;
mod hostile;
mod hostile_gen;
mod http;
mod job_runs;
mod lease;
mod letters;
mod lists;
mod mail;
mod mail_transport;
mod memberships;
mod payments;
mod portal;
mod prices;
mod reminders;
mod reports;
mod scheduler;
mod security;
mod self_renewal;
mod signup;
mod signup_forms;
mod smtp;
mod status_job;
