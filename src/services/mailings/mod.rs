//! Mailings (issue 19): newsletters and appeals written as handlebars templates, sent to an
//! audience snapshot through the outbox, with signed unsubscribe links, bounce handling and double
//! opt-in sign-ups.

pub mod audience;
pub mod bounces;
pub mod links;
pub mod manage;
pub mod render;
pub mod send;
pub mod stats;
pub mod subscribe;
pub mod unsubscribe;
