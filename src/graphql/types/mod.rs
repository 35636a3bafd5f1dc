//! GraphQL object, input and enum types. Each wraps service results; none derives from an entity.

pub mod account;
pub mod common;
pub mod contact;
pub mod contact_giving;
pub mod contribution;
pub mod contribution_inputs;
pub mod directory;
pub mod event;
pub mod event_inputs;
pub mod giving;
pub mod household;
pub mod import;
pub mod job;
pub mod mailing;
pub mod membership;
pub mod membership_inputs;
pub mod message;
pub mod privacy;
pub mod reminder;
pub mod renewal;
pub mod report;
pub mod segments;
pub mod signup;
pub mod user;
