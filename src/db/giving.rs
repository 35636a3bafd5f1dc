//! Rows of the giving tables become domain records here (see `records.rs`).

use super::entities::{
    campaign, contribution, contribution_membership, contribution_refund, contribution_soft_credit,
    financial_type, recurring_gift,
};
use crate::domain::contribution::{
    Campaign, Contribution, FinancialType, PaidMembership, RecurringGift, Refund, SoftCredit,
    Tribute,
};

impl From<financial_type::Model> for FinancialType {
    fn from(m: financial_type::Model) -> Self {
        FinancialType {
            id: m.id,
            key: m.key,
            name: m.name,
            is_deductible: m.is_deductible,
            sends_receipt: m.sends_receipt,
            is_active: m.is_active,
        }
    }
}

impl From<campaign::Model> for Campaign {
    fn from(m: campaign::Model) -> Self {
        Campaign {
            id: m.id,
            name: m.name,
            description: m.description,
            goal_minor: m.goal_minor,
            currency: m.currency,
            start_date: m.start_date,
            end_date: m.end_date,
            is_active: m.is_active,
        }
    }
}

impl From<contribution::Model> for Contribution {
    fn from(m: contribution::Model) -> Self {
        let tribute = match (m.tribute_kind, m.tribute_name) {
            (Some(kind), Some(name)) => Some(Tribute {
                kind,
                name,
                contact_id: m.tribute_contact_id,
                notify_contact_id: m.notify_contact_id,
            }),
            _ => None,
        };
        Contribution {
            id: m.id,
            contact_id: m.contact_id,
            financial_type_id: m.financial_type_id,
            amount_minor: m.amount_minor,
            currency: m.currency,
            received_date: m.received_date,
            status: m.status,
            payment_instrument: m.payment_instrument,
            transaction_id: m.transaction_id,
            source: m.source,
            note: m.note,
            campaign_id: m.campaign_id,
            check_number: m.check_number,
            refunded_minor: m.refunded_minor,
            recurring_gift_id: m.recurring_gift_id,
            tribute,
            created_by: m.created_by,
            updated_by: m.updated_by,
            created_at: m.created_at,
            updated_at: m.updated_at,
            completed_at: m.completed_at,
        }
    }
}

impl From<contribution_membership::Model> for PaidMembership {
    fn from(m: contribution_membership::Model) -> Self {
        PaidMembership {
            contribution_id: m.contribution_id,
            membership_id: m.membership_id,
            terms: m.terms,
            applied_at: m.applied_at,
        }
    }
}

impl From<contribution_soft_credit::Model> for SoftCredit {
    fn from(m: contribution_soft_credit::Model) -> Self {
        SoftCredit {
            contribution_id: m.contribution_id,
            contact_id: m.contact_id,
            amount_minor: m.amount_minor,
            kind: m.kind,
        }
    }
}

impl From<contribution_refund::Model> for Refund {
    fn from(m: contribution_refund::Model) -> Self {
        Refund {
            id: m.id,
            contribution_id: m.contribution_id,
            amount_minor: m.amount_minor,
            reason: m.reason,
            cancelled_memberships: m.cancelled_memberships,
            refunded_at: m.refunded_at,
            refunded_by: m.refunded_by,
        }
    }
}

impl From<recurring_gift::Model> for RecurringGift {
    fn from(m: recurring_gift::Model) -> Self {
        RecurringGift {
            id: m.id,
            contact_id: m.contact_id,
            financial_type_id: m.financial_type_id,
            campaign_id: m.campaign_id,
            amount_minor: m.amount_minor,
            currency: m.currency,
            frequency: m.frequency,
            start_date: m.start_date,
            end_date: m.end_date,
            next_due_date: m.next_due_date,
            status: m.status,
            payment_instrument: m.payment_instrument,
            created_at: m.created_at,
        }
    }
}
