use async_graphql::InputObject;

/// Why and how to erase a contact.
#[derive(Debug, InputObject)]
pub struct EraseContactInput {
    /// Why the person's data is erased (e.g. "erasure request of 2026-11-30"); kept in the audit
    /// log, so it should not itself contain personal data.
    pub reason: String,
    /// Cancel the person's open obligations (pending contributions and payments, active or paused
    /// recurring gifts) instead of refusing with CONFLICT (default false).
    pub force: Option<bool>,
}
