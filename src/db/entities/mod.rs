//! sea-orm entities: the database rows. They never appear in the GraphQL API (see `graphql::types`).

pub mod contact;
pub mod job_lease;
pub mod job_run;
pub mod membership;
pub mod membership_history;
pub mod membership_status;
pub mod membership_type;
pub mod message_template;
pub mod outbound_message;
pub mod scheduled_reminder;
pub mod session;
pub mod user;
