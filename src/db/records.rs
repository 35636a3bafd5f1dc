//! Rows become domain records here, so the API and the rules read the same structs and a column
//! rename stays inside the database layer. Columns are typed (`columns.rs`): nothing is parsed here.

use super::entities::{
    api_key, audit_entry, contact, job_run, membership, membership_history, membership_status,
    membership_type, outbound_message, resource, scheduled_reminder, user,
};
use crate::domain::account::{ApiKey, User};
use crate::domain::audit::AuditEntry;
use crate::domain::contact::Contact;
use crate::domain::dates::Offset;
use crate::domain::job::JobRun;
use crate::domain::membership::{HistoryEntry, Membership, MembershipType};
use crate::domain::message::OutboundMessage;
use crate::domain::reminder::ScheduledReminder;
use crate::domain::resource::Resource;
use crate::domain::status::MembershipStatus;

impl From<contact::Model> for Contact {
    fn from(m: contact::Model) -> Self {
        Contact {
            id: m.id,
            kind: m.kind,
            first_name: m.first_name,
            last_name: m.last_name,
            organization_name: m.organization_name,
            display_name: m.display_name,
            sort_name: m.sort_name,
            email: m.email,
            phone: m.phone,
            street: m.street,
            city: m.city,
            postal_code: m.postal_code,
            region: m.region,
            country: m.country,
            birth_date: m.birth_date,
            preferred_language: m.preferred_language,
            do_not_email: m.do_not_email,
            do_not_mail: m.do_not_mail,
            is_deceased: m.is_deceased,
            notes: m.notes,
            created_at: m.created_at,
            updated_at: m.updated_at,
            deleted_at: m.deleted_at,
            erased_at: m.erased_at,
            external_id: m.external_id,
        }
    }
}

impl From<membership_type::Model> for MembershipType {
    fn from(m: membership_type::Model) -> Self {
        MembershipType {
            id: m.id,
            name: m.name,
            description: m.description,
            minimum_fee_minor: m.minimum_fee_minor,
            currency: m.currency,
            duration_unit: m.duration_unit,
            duration_interval: m.duration_interval,
            period_type: m.period_type,
            fixed_period_start_day: m.fixed_period_start_day,
            fixed_period_rollover_day: m.fixed_period_rollover_day,
            auto_renew: m.auto_renew,
            visibility: m.visibility,
            is_active: m.is_active,
            grants: m.grants.0,
            weight: m.weight,
            send_welcome: m.send_welcome,
            welcome_template_key: m.welcome_template_key,
            pricing: crate::domain::membership::price::Pricing {
                fee_minor: m.minimum_fee_minor,
                joining_fee_minor: m.joining_fee_minor,
                renewal_fee_minor: m.renewal_fee_minor,
                options: m.price_options.0,
                prorate: m.prorate,
                rounding: m.proration_rounding,
            },
            renewal_window: crate::domain::membership::price::RenewalWindow {
                opens_days_before: m.renewal_opens_days_before,
                closes_days_after: m.renewal_closes_days_after,
            },
            inherit_via: m.inherit_via.map(|j| j.0).unwrap_or_default(),
            max_related: m.max_related,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl From<membership_status::Model> for MembershipStatus {
    fn from(m: membership_status::Model) -> Self {
        MembershipStatus {
            id: m.id,
            code: m.code,
            name: m.name,
            start_event: m.start_event,
            start_offset: Offset::new(i64::from(m.start_offset_amount), m.start_offset_unit),
            end_event: m.end_event,
            end_offset: Offset::new(i64::from(m.end_offset_amount), m.end_offset_unit),
            is_current_member: m.is_current_member,
            is_admin: m.is_admin,
            is_active: m.is_active,
            weight: m.weight,
        }
    }
}

impl From<membership::Model> for Membership {
    fn from(m: membership::Model) -> Self {
        Membership {
            id: m.id,
            contact_id: m.contact_id,
            membership_type_id: m.membership_type_id,
            status_id: m.status_id,
            join_date: m.join_date,
            start_date: m.start_date,
            end_date: m.end_date,
            is_override: m.is_override,
            override_until: m.override_until,
            source: m.source,
            cancel_reason: m.cancel_reason,
            created_at: m.created_at,
            updated_at: m.updated_at,
            inherited_from_id: m.inherited_from_id,
            inherit_ended_on: m.inherit_ended_on,
        }
    }
}

impl From<membership_history::Model> for HistoryEntry {
    fn from(m: membership_history::Model) -> Self {
        HistoryEntry {
            id: m.id,
            membership_id: m.membership_id,
            change: m.change,
            status_id: m.status_id,
            membership_type_id: m.membership_type_id,
            join_date: m.join_date,
            start_date: m.start_date,
            end_date: m.end_date,
            changed_at: m.changed_at,
            changed_by: m.changed_by,
            note: m.note,
        }
    }
}

impl From<user::Model> for User {
    fn from(m: user::Model) -> Self {
        User {
            id: m.id,
            email: m.email,
            role: m.role,
            contact_id: m.contact_id,
            disabled_at: m.disabled_at,
            last_login_at: m.last_login_at,
            email_verified_at: m.email_verified_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl From<api_key::Model> for ApiKey {
    fn from(m: api_key::Model) -> Self {
        ApiKey {
            id: m.id,
            name: m.name,
            role: m.role,
            prefix: m.prefix,
            created_by: m.created_by,
            created_at: m.created_at,
            last_used_at: m.last_used_at,
            revoked_at: m.revoked_at,
        }
    }
}

impl From<audit_entry::Model> for AuditEntry {
    fn from(m: audit_entry::Model) -> Self {
        AuditEntry {
            id: m.id,
            actor: m.actor,
            action: m.action,
            entity: m.entity,
            entity_id: m.entity_id,
            before: m.before.map(|j| j.0),
            after: m.after.map(|j| j.0),
            at: m.at,
        }
    }
}

impl From<resource::Model> for Resource {
    fn from(m: resource::Model) -> Self {
        Resource {
            id: m.id,
            title: m.title,
            summary: m.summary,
            body: m.body,
            url: m.url,
            required_permission: m.required_permission,
            is_published: m.is_published,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl From<outbound_message::Model> for OutboundMessage {
    fn from(m: outbound_message::Model) -> Self {
        OutboundMessage {
            id: m.id,
            dedupe_key: m.dedupe_key,
            template_key: m.template_key,
            recipient: m.recipient,
            subject: m.subject,
            text_body: m.text_body,
            html_body: m.html_body,
            contact_id: m.contact_id,
            membership_id: m.membership_id,
            status: m.status,
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error,
            sent_at: m.sent_at,
            created_at: m.created_at,
        }
    }
}

impl From<job_run::Model> for JobRun {
    fn from(m: job_run::Model) -> Self {
        JobRun {
            id: m.id,
            name: m.name,
            as_of: m.as_of,
            triggered_by: m.triggered_by,
            status: m.status,
            started_at: m.started_at,
            finished_at: m.finished_at,
            processed: m.processed,
            changed: m.changed,
            details: m.details.map(|d| d.0),
            error: m.error,
        }
    }
}

impl From<scheduled_reminder::Model> for ScheduledReminder {
    fn from(m: scheduled_reminder::Model) -> Self {
        ScheduledReminder {
            id: m.id,
            name: m.name,
            template_key: m.template_key,
            anchor: m.anchor,
            offset: i64::from(m.offset_amount),
            unit: m.offset_unit,
            direction: m.direction,
            membership_type_ids: m.membership_type_ids.0,
            status_ids: m.status_ids.0,
            repeat_every: m.repeat_every.map(i64::from),
            repeat_until: m.repeat_until.map(i64::from),
            is_active: m.is_active,
            event_id: m.event_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}
