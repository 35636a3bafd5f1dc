//! A mailing's audience: groups, saved searches, interests and tags (anyone in any of them), minus
//! excluded groups and tags — one contact filter, evaluated once when sending starts into a
//! snapshot (`mailing_recipients`), from which contacts who must not get bulk mail are marked
//! SKIPPED with the reason.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{ConnectionTrait, QueryFilter, QueryTrait};
use serde::{Deserialize, Serialize};

use crate::db::entities::segments::mailing_recipient as recipient;
use crate::db::sql::Sql;
use crate::domain::segment::RecipientStatus;
use crate::error::{AppError, AppResult};
use crate::services::contacts::{ContactFilter, matching_ids};
use crate::services::segments::filter::Criteria;
use crate::services::segments::saved_searches;

/// Most ids in each list of an audience.
const MAX_IDS: usize = 100;

/// Who a mailing goes to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Audience {
    pub group_ids: Vec<i64>,
    pub saved_search_ids: Vec<i64>,
    pub interest_ids: Vec<i64>,
    pub tag_ids: Vec<i64>,
    pub exclude_group_ids: Vec<i64>,
    pub exclude_tag_ids: Vec<i64>,
}

impl Audience {
    /// Checks sizes and that there is someone to send to; errors name `audience.<field>`.
    pub fn check(&self) -> AppResult<()> {
        let lists = [
            (&self.group_ids, "groupIds"),
            (&self.saved_search_ids, "savedSearchIds"),
            (&self.interest_ids, "interestIds"),
            (&self.tag_ids, "tagIds"),
            (&self.exclude_group_ids, "excludeGroupIds"),
            (&self.exclude_tag_ids, "excludeTagIds"),
        ];
        for (ids, field) in lists {
            if ids.len() > MAX_IDS {
                return Err(AppError::bad_input(
                    format!("audience.{field}"),
                    format!("at most {MAX_IDS} ids"),
                ));
            }
        }
        if self.group_ids.is_empty()
            && self.saved_search_ids.is_empty()
            && self.interest_ids.is_empty()
            && self.tag_ids.is_empty()
        {
            return Err(AppError::bad_input(
                "audience",
                "choose at least one group, saved search, interest or tag",
            ));
        }
        Ok(())
    }

    /// The audience as one contact filter (saved searches read now).
    pub async fn filter<C: ConnectionTrait>(&self, db: &C) -> AppResult<ContactFilter> {
        let part = |s: Criteria| ContactFilter {
            segment: s,
            ..Default::default()
        };
        let mut any = Vec::new();
        if !self.group_ids.is_empty() {
            any.push(part(Criteria {
                group_ids: self.group_ids.clone(),
                ..Default::default()
            }));
        }
        if !self.tag_ids.is_empty() {
            any.push(part(Criteria {
                tag_ids: self.tag_ids.clone(),
                ..Default::default()
            }));
        }
        if !self.interest_ids.is_empty() {
            any.push(part(Criteria {
                interest_ids: self.interest_ids.clone(),
                ..Default::default()
            }));
        }
        for id in &self.saved_search_ids {
            let named = ContactFilter {
                segment: Criteria {
                    saved_search_id: Some(*id),
                    ..Default::default()
                },
                ..Default::default()
            };
            any.push(saved_searches::resolve(db, named, "audience.savedSearchIds").await?);
        }
        let mut none = Vec::new();
        if !self.exclude_group_ids.is_empty() {
            none.push(part(Criteria {
                group_ids: self.exclude_group_ids.clone(),
                ..Default::default()
            }));
        }
        if !self.exclude_tag_ids.is_empty() {
            none.push(part(Criteria {
                tag_ids: self.exclude_tag_ids.clone(),
                ..Default::default()
            }));
        }
        Ok(part(Criteria {
            any_of: any,
            none_of: none,
            ..Default::default()
        }))
    }

    /// [`Self::filter`], checked for evaluation: within the values one statement may bind.
    pub async fn evaluated_filter<C: ConnectionTrait>(
        &self,
        db: &C,
        today: NaiveDate,
    ) -> AppResult<ContactFilter> {
        let f = self.filter(db).await?;
        crate::services::segments::filter::values_within(
            db.get_database_backend(),
            &f,
            today,
            "audience.savedSearchIds",
        )?;
        Ok(f)
    }
}

/// Why a contact in the snapshot gets nothing, in the order they are checked (the first reason
/// found is kept): (reason, condition on the audience's `contacts` row).
const SKIPS: &[(&str, &str)] = &[
    ("the contact is deceased", "contacts.is_deceased = TRUE"),
    (
        "the contact asked not to receive email",
        "contacts.do_not_email = TRUE",
    ),
    (
        "the contact has no email address",
        "(contacts.email IS NULL OR contacts.email = '')",
    ),
    (
        "the contact unsubscribed from bulk mail",
        "contacts.id IN (SELECT contact_id FROM mail_opt_outs)",
    ),
    (
        "the address bounced or was reported as spam",
        "contacts.email IN (SELECT email FROM email_suppressions)",
    ),
];

/// `value(reason)` for the first reason of [`SKIPS`] that holds, else `otherwise`.
fn first_skip(value: impl Fn(&'static str) -> Expr, otherwise: Expr) -> Expr {
    let (why, cond) = SKIPS[0];
    let mut case = Expr::case(Expr::cust(cond), value(why));
    for (why, cond) in &SKIPS[1..] {
        case = case.case(Expr::cust(*cond), value(why));
    }
    case.finally(otherwise).into()
}

/// How many live contacts `audience` matches now, and how many of them could get bulk mail now
/// (none of the reasons a snapshot skips someone applies): the size of a mailing before it is sent.
pub async fn count_now<C: ConnectionTrait>(
    db: &C,
    audience: &Audience,
    today: NaiveDate,
) -> AppResult<(i64, i64)> {
    let backend = db.get_database_backend();
    let filter = audience.evaluated_filter(db, today).await?;
    let matching = matching_ids(backend, &filter, today);
    let mut out = [0i64; 2];
    for (i, reachable) in [false, true].into_iter().enumerate() {
        let mut q = matching.clone();
        if reachable {
            for (_, cond) in SKIPS {
                q = q.filter(Expr::cust(format!("NOT ({cond})")));
            }
        }
        let count = Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from_subquery(q.into_query(), Alias::new("m"))
            .to_owned();
        if let Some(r) = db.query_one(&count).await? {
            out[i] = r.try_get_by_index::<i64>(0)?;
        }
    }
    Ok((out[0], out[1]))
}

/// Takes the snapshot of `mailing_id` inside the caller's transaction; returns how many
/// recipients get the message. Taking it again adds nobody twice.
pub async fn snapshot<C: ConnectionTrait>(
    db: &C,
    mailing_id: i64,
    audience: &Audience,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let backend = db.get_database_backend();
    let filter = audience.evaluated_filter(db, today).await?;
    // Who gets nothing, and why, is decided in the same statement: one pass over the audience.
    let mut select = matching_ids(backend, &filter, today).into_query();
    select
        .expr(Expr::val(mailing_id))
        .expr(first_skip(
            |_| Expr::val(RecipientStatus::Skipped.as_str()),
            Expr::val(RecipientStatus::Pending.as_str()),
        ))
        .expr(first_skip(Expr::val, Expr::val(Option::<String>::None)))
        .expr(Expr::val(now));
    let insert = Query::insert()
        .into_table(recipient::Entity)
        .columns([
            recipient::Column::ContactId,
            recipient::Column::MailingId,
            recipient::Column::Status,
            recipient::Column::SkipReason,
            recipient::Column::CreatedAt,
        ])
        .select_from(select)
        .map_err(|e| AppError::internal_from("building the audience snapshot", e))?
        .on_conflict(
            OnConflict::columns([recipient::Column::MailingId, recipient::Column::ContactId])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    db.execute(&insert).await?;
    let mut count = Sql::new(backend);
    count
        .push("SELECT COUNT(*) FROM mailing_recipients WHERE mailing_id = ")
        .bind(mailing_id)
        .push(" AND status = ")
        .bind(RecipientStatus::Pending.as_str());
    Ok(match db.query_one_raw(count.statement()).await? {
        Some(r) => r.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}
