//! Query root, split per aggregate.

mod admin;
mod contacts;
mod contributions;
mod directory;
mod events;
mod households;
mod import;
mod jobs;
mod mailings;
mod memberships;
mod messages;
mod privacy;
mod reminders;
mod reports;
mod segments;
mod signup;
mod users;
mod viewer;

use async_graphql::MergedObject;

/// Everything that can be read. Most lists need a STAFF or ADMIN login; see each field.
#[derive(Default, MergedObject)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    viewer::ViewerQuery,
    contacts::ContactQuery,
    memberships::MembershipQuery,
    contributions::ContributionQuery,
    import::ImportQuery,
    households::HouseholdQuery,
    directory::DirectoryQuery,
    events::EventQuery,
    jobs::JobQuery,
    messages::MessageQuery,
    privacy::PrivacyQuery,
    reminders::ReminderQuery,
    reports::ReportQuery,
    signup::SignupQuery,
    mailings::MailingQuery,
    segments::SegmentQuery,
    users::UserQuery,
    admin::AdminQuery,
);
