//! Self-service renewal: the quote and the result.

use async_graphql::{InputObject, SimpleObject};

use super::contribution::Contribution;
use super::membership::{Membership, PriceLine, PriceQuote};
use crate::domain::money::format_minor;
use crate::graphql::scalars::{Date, Decimal};
use crate::services::memberships::self_renewal::{RenewalQuote as Quote, SelfRenewal};

/// What renewing a membership would cost today, and when its member may renew it online.
#[derive(Clone, Debug, SimpleObject)]
pub struct RenewalQuote {
    /// The membership.
    pub membership: Membership,
    /// The price, line by line.
    pub price: PriceQuote,
    /// The first day the member may renew online.
    pub opens_on: Date,
    /// The last day the member may renew online.
    pub closes_on: Date,
    /// Whether today is inside that window.
    pub is_open: bool,
}

impl From<Quote> for RenewalQuote {
    fn from(q: Quote) -> Self {
        let exp = crate::services::contributions::exponent_of(&q.currency);
        let money = |m: i64| Decimal(format_minor(m, exp));
        RenewalQuote {
            price: PriceQuote {
                total: money(q.quote.total_minor),
                currency: q.currency.clone(),
                terms: q.terms as i32,
                lines: q
                    .quote
                    .lines
                    .into_iter()
                    .map(|l| PriceLine {
                        kind: l.kind.into(),
                        description: l.description,
                        amount: money(l.amount_minor),
                    })
                    .collect(),
            },
            membership: Membership(q.membership),
            opens_on: q.opens_on.into(),
            closes_on: q.closes_on.into(),
            is_open: q.is_open,
        }
    }
}

/// How many terms to renew for.
#[derive(Debug, Default, InputObject)]
pub struct RenewMyMembershipInput {
    /// Terms (default 1).
    pub terms: Option<i32>,
}

/// What renewing online did.
#[derive(Clone, Debug, SimpleObject)]
pub struct RenewMyMembershipResult {
    /// The membership: already renewed when the renewal was free, otherwise as it was until the
    /// payment is completed.
    pub membership: Membership,
    /// The PENDING dues payment that renews it when completed (null when it was free). Asking again
    /// before paying returns the same one.
    pub contribution: Option<Contribution>,
}

impl From<SelfRenewal> for RenewMyMembershipResult {
    fn from(r: SelfRenewal) -> Self {
        RenewMyMembershipResult {
            membership: Membership(r.membership),
            contribution: r.contribution.map(Contribution),
        }
    }
}
