//! Query root, split per aggregate.

mod admin;
mod contacts;
mod jobs;
mod memberships;
mod messages;
mod reminders;
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
    jobs::JobQuery,
    messages::MessageQuery,
    reminders::ReminderQuery,
    users::UserQuery,
    admin::AdminQuery,
);

/// The permissions the caller holds through current memberships (none for anonymous callers and
/// logins without a contact).
pub async fn viewer_permissions(
    ctx: &async_graphql::Context<'_>,
) -> async_graphql::Result<Vec<String>> {
    let Some(contact_id) = super::guards::user_opt(ctx).and_then(|u| u.contact_id) else {
        return Ok(Vec::new());
    };
    let state = super::guards::state(ctx)?;
    Ok(crate::services::memberships::permissions_of(state, contact_id).await?)
}
