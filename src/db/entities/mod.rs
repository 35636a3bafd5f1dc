//! sea-orm entities: the database rows. They never appear in the GraphQL API (see `graphql::types`).

pub mod contact;
pub mod session;
pub mod user;
