//! What segments and mailings hold about a person, for `exportPersonalData` and `eraseContact`.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::db::entities::segments::{
    consent_record, contact_interest, contact_tag, group_history, group_member, mailing_recipient,
    opt_out, subscription_request, suppression,
};
use crate::error::AppResult;

/// Tags, groups (with history), interests, consent records, the bulk-mail opt-out, the
/// mailings sent to them, and what is held under their addresses (bounces, sign-up requests).
/// Tags and groups are staff's own working lists (staff-only in the API too): a member's own
/// export (`staff` false) leaves them out; an export made by staff on request has them.
pub async fn export<C: ConnectionTrait>(
    db: &C,
    contact_id: i64,
    emails: &[String],
    staff: bool,
) -> AppResult<Value> {
    let tags: Vec<String> = contact_tag::Entity::find()
        .filter(contact_tag::Column::ContactId.eq(contact_id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.tag_id.to_string())
        .collect();
    let groups: Vec<String> = group_member::Entity::find()
        .filter(group_member::Column::ContactId.eq(contact_id))
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.group_id.to_string())
        .collect();
    let history: Vec<Value> = group_history::Entity::find()
        .filter(group_history::Column::ContactId.eq(contact_id))
        .order_by_asc(group_history::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|h| json!({ "groupId": h.group_id.to_string(), "change": h.action.as_str(), "at": h.at }))
        .collect();
    let interests: Vec<String> = contact_interest::Entity::find()
        .filter(contact_interest::Column::ContactId.eq(contact_id))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.interest_id.to_string())
        .collect();
    let consent: Vec<Value> = consent_record::Entity::find()
        .filter(consent_record::Column::ContactId.eq(contact_id))
        .order_by_asc(consent_record::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|r| {
            json!({ "interestId": r.interest_id.map(|i| i.to_string()), "action": r.action.as_str(),
                    "source": r.source.as_str(), "wordingVersion": r.wording_version, "at": r.created_at })
        })
        .collect();
    let mailings: Vec<Value> = mailing_recipient::Entity::find()
        .filter(mailing_recipient::Column::ContactId.eq(contact_id))
        .order_by_asc(mailing_recipient::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|r| json!({ "mailingId": r.mailing_id.to_string(), "status": r.status.as_str(), "skipReason": r.skip_reason }))
        .collect();
    let bounced: Vec<Value> = suppression::Entity::find()
        .filter(suppression::Column::Email.is_in(emails.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| json!({ "email": s.email, "reason": s.reason.as_str(), "at": s.created_at }))
        .collect();
    let signups: Vec<Value> = subscription_request::Entity::find()
        .filter(subscription_request::Column::Email.is_in(emails.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| json!({ "email": s.email, "createdAt": s.created_at, "confirmedAt": s.confirmed_at }))
        .collect();
    let opted_out = opt_out::Entity::find_by_id(contact_id).one(db).await?;
    let (tags, groups, history) = if staff {
        (tags, groups, history)
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    Ok(json!({
        "tagIds": tags, "groupIds": groups, "groupHistory": history, "interestIds": interests,
        "consentRecords": consent, "optedOutOfBulkMail": opted_out.map(|o| o.created_at),
        "mailings": mailings, "bouncingAddresses": bounced, "newsletterSignups": signups,
    }))
}

/// Erasure: tags, group memberships, interests and the opt-out go (the contact gets no mail of
/// any kind afterwards anyway); group history, consent records and mailing snapshots stay as
/// ids and dates only (what was done, not to whom by name); rows keyed by their addresses go.
pub async fn erase<C: ConnectionTrait>(
    db: &C,
    contact_id: i64,
    emails: &[String],
) -> AppResult<()> {
    contact_tag::Entity::delete_many()
        .filter(contact_tag::Column::ContactId.eq(contact_id))
        .exec(db)
        .await?;
    group_member::Entity::delete_many()
        .filter(group_member::Column::ContactId.eq(contact_id))
        .exec(db)
        .await?;
    contact_interest::Entity::delete_many()
        .filter(contact_interest::Column::ContactId.eq(contact_id))
        .exec(db)
        .await?;
    opt_out::Entity::delete_by_id(contact_id).exec(db).await?;
    suppression::Entity::delete_many()
        .filter(suppression::Column::Email.is_in(emails.to_vec()))
        .exec(db)
        .await?;
    subscription_request::Entity::delete_many()
        .filter(subscription_request::Column::Email.is_in(emails.to_vec()))
        .exec(db)
        .await?;
    Ok(())
}
