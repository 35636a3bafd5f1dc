//! sea-orm entities: the database rows. They never appear in the GraphQL API (see `graphql::types`).

pub mod api_key;
pub mod audit_entry;
pub mod campaign;
pub mod contact;
pub mod contribution;
pub mod contribution_membership;
pub mod contribution_refund;
pub mod contribution_soft_credit;
pub mod financial_type;
pub mod job_lease;
pub mod job_run;
pub mod login_attempt;
pub mod membership;
pub mod membership_history;
pub mod membership_status;
pub mod membership_type;
pub mod message_template;
pub mod outbound_message;
pub mod password_token;
pub mod recurring_gift;
pub mod resource;
pub mod scheduled_reminder;
pub mod session;
pub mod signup_form;
pub mod user;
