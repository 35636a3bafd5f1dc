//! Mutation root, split per aggregate. Each mutation is one service call, hence one transaction.

mod account;
mod auth;
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
mod payments;
mod privacy;
mod reminders;
mod resources;
mod segments;
mod settings;
mod signup;
mod users;

use async_graphql::MergedObject;

/// Everything that changes data. Each mutation runs in one transaction: when it fails, nothing is written.
#[derive(Default, MergedObject)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    auth::AuthMutation,
    contacts::ContactMutation,
    memberships::MembershipMutation,
    contributions::ContributionMutation,
    settings::SettingsMutation,
    signup::SignupMutation,
    payments::PaymentMutation,
    privacy::PrivacyMutation,
    import::ImportMutation,
    households::HouseholdMutation,
    directory::DirectoryMutation,
    events::EventMutation,
    jobs::JobMutation,
    messages::MessageMutation,
    reminders::ReminderMutation,
    mailings::MailingMutation,
    segments::SegmentMutation,
    users::UserMutation,
    account::AccountMutation,
    resources::ResourceMutation,
);
