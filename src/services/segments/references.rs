//! Who uses a tag, group or interest: mailings still to be sent (their audience, stored as JSON)
//! and saved searches (their filter, stored as JSON, walked at every depth). Removing a tag or
//! group, or archiving an interest, that one of them names would silently change who they reach
//! (a saved search naming a deleted tag matches nobody), so those changes are refused while
//! anything names it, with a message that says what does.
//!
//! Mailings that are SENT or CANCELLED keep their audience as it was (their recipients are a
//! snapshot) and do not count.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::entities::segments::{interest, mailing, saved_search};
use crate::domain::segment::MailingStatus;
use crate::error::{AppError, AppResult};
use crate::services::contacts::ContactFilter;
use crate::services::mailings::audience::Audience;

/// A segment that mailings and saved searches name by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    Tag(i64),
    Group(i64),
    Interest(i64),
    SavedSearch(i64),
}

/// Whether a filter names the segment, in its own lists or in any nested filter (`anyOf`,
/// `noneOf`, and the saved searches copied into `allOf`), however deep.
pub fn filter_names(f: &ContactFilter, s: Segment) -> bool {
    let c = &f.segment;
    let here = match s {
        Segment::Tag(id) => c.tag_ids.contains(&id),
        Segment::Group(id) => c.group_ids.contains(&id),
        Segment::Interest(id) => c.interest_ids.contains(&id),
        Segment::SavedSearch(id) => c.saved_search_id == Some(id),
    };
    here || c
        .any_of
        .iter()
        .chain(&c.none_of)
        .chain(&c.all_of)
        .any(|n| filter_names(n, s))
}

/// Whether a mailing audience names the segment directly (to include or to exclude). Saved
/// searches it names are checked as saved searches.
pub fn audience_names(a: &Audience, s: Segment) -> bool {
    match s {
        Segment::Tag(id) => a.tag_ids.contains(&id) || a.exclude_tag_ids.contains(&id),
        Segment::Group(id) => a.group_ids.contains(&id) || a.exclude_group_ids.contains(&id),
        Segment::Interest(id) => a.interest_ids.contains(&id),
        Segment::SavedSearch(id) => a.saved_search_ids.contains(&id),
    }
}

/// Something that names a segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Use {
    Mailing {
        id: i64,
        subject: String,
        status: MailingStatus,
    },
    SavedSearch {
        id: i64,
        name: String,
    },
}

impl std::fmt::Display for Use {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Use::Mailing {
                id,
                subject,
                status,
            } => write!(f, "{status} mailing {id} (\"{subject}\")"),
            Use::SavedSearch { id, name } => write!(f, "saved search {id} (\"{name}\")"),
        }
    }
}

/// A mailing not sent yet and its audience.
pub struct OpenMailing {
    pub id: i64,
    pub subject: String,
    pub status: MailingStatus,
    pub audience: Audience,
}

/// Mailings whose audience is still to be resolved (DRAFT, SCHEDULED), in id order: a SENDING
/// mailing's recipients are a snapshot already.
pub async fn open_mailings<C: ConnectionTrait>(db: &C) -> AppResult<Vec<OpenMailing>> {
    let open = [MailingStatus::Draft, MailingStatus::Scheduled];
    mailing::Entity::find()
        .filter(mailing::Column::Status.is_in(open))
        .order_by_asc(mailing::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            let audience = serde_json::from_str(&m.audience)
                .map_err(|e| AppError::internal_from(format!("mailing {} audience", m.id), e))?;
            Ok(OpenMailing {
                id: m.id,
                subject: m.subject,
                status: m.status,
                audience,
            })
        })
        .collect()
}

/// Mailings not started yet (DRAFT, SCHEDULED) and saved searches that name `s`, in id order
/// (a saved search does not count as using itself).
pub async fn uses<C: ConnectionTrait>(db: &C, s: Segment) -> AppResult<Vec<Use>> {
    let mut out = Vec::new();
    for m in open_mailings(db).await? {
        if audience_names(&m.audience, s) {
            out.push(Use::Mailing {
                id: m.id,
                subject: m.subject,
                status: m.status,
            });
        }
    }
    let searches = saved_search::Entity::find()
        .order_by_asc(saved_search::Column::Id)
        .all(db)
        .await?;
    for r in searches {
        let f: ContactFilter = serde_json::from_str(&r.filter).map_err(|e| {
            AppError::internal_from(format!("saved search {} holds no valid filter", r.id), e)
        })?;
        if filter_names(&f, s) && s != Segment::SavedSearch(r.id) {
            out.push(Use::SavedSearch {
                id: r.id,
                name: r.name,
            });
        }
    }
    Ok(out)
}

/// Most uses named in one error message.
const NAMED: usize = 5;

/// The CONFLICT (on `id`) for `what` (e.g. `tag "VIP"`) being used, naming the first few uses.
pub fn in_use(what: &str, doing: &str, uses: &[Use]) -> AppError {
    let mut named: Vec<String> = uses.iter().take(NAMED).map(ToString::to_string).collect();
    if uses.len() > NAMED {
        named.push(format!("{} more", uses.len() - NAMED));
    }
    AppError::conflict(
        Some("id"),
        format!(
            "{what} cannot be {doing}: it is named by {}; take it out of {} first",
            named.join(", "),
            if uses.len() == 1 { "it" } else { "them" }
        ),
    )
}

/// Refuses (CONFLICT) while anything names `s`; call inside the writing transaction.
pub async fn refuse_if_used<C: ConnectionTrait>(
    db: &C,
    s: Segment,
    what: &str,
    doing: &str,
) -> AppResult<()> {
    super::lock_definitions(db).await?;
    let found = uses(db, s).await?;
    if found.is_empty() {
        Ok(())
    } else {
        Err(in_use(what, doing, &found))
    }
}

/// Refuses (BAD_USER_INPUT on `field`) a filter that is to be stored and names an archived
/// interest anywhere in its tree: an archived interest cannot be newly targeted.
pub async fn refuse_archived_interests<C: ConnectionTrait>(
    db: &C,
    f: &ContactFilter,
    field: &str,
) -> AppResult<()> {
    let mut ids = Vec::new();
    collect_interests(f, &mut ids);
    if ids.is_empty() {
        return Ok(());
    }
    ids.sort_unstable();
    ids.dedup();
    let archived = interest::Entity::find()
        .filter(interest::Column::Id.is_in(ids))
        .filter(interest::Column::ArchivedAt.is_not_null())
        .order_by_asc(interest::Column::Id)
        .one(db)
        .await?;
    match archived {
        Some(i) => Err(AppError::bad_input(
            field,
            format!("interest {} (\"{}\") is archived", i.id, i.name),
        )),
        None => Ok(()),
    }
}

/// Refuses (NOT_FOUND naming `filter.tagIds` / `filter.groupIds` / `filter.interestIds`) a filter
/// to be stored that names a tag, group or interest that does not exist (or a deleted group): the saved search would silently
/// match nobody (or, in `noneOf`, everybody).
pub async fn refuse_missing_segments<C: ConnectionTrait>(
    db: &C,
    f: &ContactFilter,
) -> AppResult<()> {
    use crate::db::entities::segments::{group, tag};
    let (mut tags, mut groups) = (Vec::new(), Vec::new());
    collect(f, &mut |c| {
        tags.extend(&c.tag_ids);
        groups.extend(&c.group_ids);
    });
    for ids in [&mut tags, &mut groups] {
        ids.sort_unstable();
        ids.dedup();
    }
    for chunk in tags.chunks(super::CHUNK) {
        let found: Vec<i64> = tag::Entity::find()
            .select_only()
            .column(tag::Column::Id)
            .filter(tag::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        if let Some(missing) = chunk.iter().find(|id| !found.contains(id)) {
            return Err(AppError::not_found("tag", *missing, "filter.tagIds"));
        }
    }
    let mut interests = Vec::new();
    collect_interests(f, &mut interests);
    interests.sort_unstable();
    interests.dedup();
    for chunk in interests.chunks(super::CHUNK) {
        let found: Vec<i64> = interest::Entity::find()
            .select_only()
            .column(interest::Column::Id)
            .filter(interest::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        if let Some(missing) = chunk.iter().find(|id| !found.contains(id)) {
            return Err(AppError::not_found(
                "interest",
                *missing,
                "filter.interestIds",
            ));
        }
    }
    for chunk in groups.chunks(super::CHUNK) {
        let found: Vec<i64> = group::Entity::find()
            .select_only()
            .column(group::Column::Id)
            .filter(group::Column::Id.is_in(chunk.to_vec()))
            .filter(group::Column::DeletedAt.is_null())
            .into_tuple()
            .all(db)
            .await?;
        if let Some(missing) = chunk.iter().find(|id| !found.contains(id)) {
            return Err(AppError::not_found("group", *missing, "filter.groupIds"));
        }
    }
    Ok(())
}

/// Calls `each` on the criteria of every filter in the tree.
fn collect(f: &ContactFilter, each: &mut dyn FnMut(&crate::services::segments::filter::Criteria)) {
    each(&f.segment);
    let c = &f.segment;
    for n in c.any_of.iter().chain(&c.none_of).chain(&c.all_of) {
        collect(n, each);
    }
}

fn collect_interests(f: &ContactFilter, out: &mut Vec<i64>) {
    let c = &f.segment;
    out.extend(&c.interest_ids);
    for n in c.any_of.iter().chain(&c.none_of).chain(&c.all_of) {
        collect_interests(n, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::segments::filter::Criteria;

    fn node(segment: Criteria) -> ContactFilter {
        ContactFilter {
            segment,
            ..Default::default()
        }
    }

    fn tags(ids: &[i64]) -> ContactFilter {
        node(Criteria {
            tag_ids: ids.to_vec(),
            ..Default::default()
        })
    }

    #[test]
    fn a_filter_names_a_segment_at_any_depth() {
        let deep = node(Criteria {
            none_of: vec![node(Criteria {
                any_of: vec![tags(&[7])],
                ..Default::default()
            })],
            ..Default::default()
        });
        let saved = node(Criteria {
            all_of: vec![node(Criteria {
                group_ids: vec![3],
                interest_ids: vec![5],
                ..Default::default()
            })],
            ..Default::default()
        });
        let cases = [
            ("its own list", tags(&[1, 2]), Segment::Tag(2), true),
            ("another id", tags(&[1, 2]), Segment::Tag(3), false),
            (
                "a tag id is not a group id",
                tags(&[2]),
                Segment::Group(2),
                false,
            ),
            (
                "inside noneOf inside anyOf",
                deep.clone(),
                Segment::Tag(7),
                true,
            ),
            ("not in the deep tree", deep, Segment::Tag(8), false),
            (
                "a saved search copied in",
                saved.clone(),
                Segment::Group(3),
                true,
            ),
            (
                "an interest in a saved search",
                saved,
                Segment::Interest(5),
                true,
            ),
            (
                "an empty filter",
                ContactFilter::default(),
                Segment::Interest(5),
                false,
            ),
        ];
        for (why, f, s, expected) in cases {
            assert_eq!(filter_names(&f, s), expected, "{why}");
        }
    }

    #[test]
    fn an_audience_names_what_it_includes_and_excludes() {
        let a = Audience {
            group_ids: vec![1],
            exclude_group_ids: vec![2],
            tag_ids: vec![3],
            exclude_tag_ids: vec![4],
            interest_ids: vec![5],
            saved_search_ids: vec![6],
        };
        let cases = [
            (Segment::Group(1), true),
            (Segment::Group(2), true),
            (Segment::Tag(3), true),
            (Segment::Tag(4), true),
            (Segment::Interest(5), true),
            (Segment::Tag(5), false),
            (Segment::Group(6), false),
        ];
        for (s, expected) in cases {
            assert_eq!(audience_names(&a, s), expected, "{s:?}");
        }
    }

    #[test]
    fn the_conflict_names_the_first_uses() {
        let uses: Vec<Use> = (1..=7)
            .map(|id| Use::SavedSearch {
                id,
                name: format!("S{id}"),
            })
            .collect();
        let e = in_use("tag \"VIP\"", "deleted", &uses);
        let text = e.to_string();
        assert!(text.contains("saved search 1 (\"S1\")"), "{text}");
        assert!(text.contains("2 more"), "{text}");
        assert!(!text.contains("S6"), "{text}");
    }
}
