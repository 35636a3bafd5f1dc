//! Segments mutations: tags and interests (admins define, rename, delete or archive them),
//! tagging, groups and saved searches (staff), and communication preferences (members their own,
//! staff anyone's).

use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard, SignedIn};
use crate::graphql::types::common::patch;
use crate::graphql::types::contact::Contact;
use crate::graphql::types::segments::{
    self, CreateGroupInput, CreateInterestInput, CreateSavedSearchInput, CreateTagInput, Group,
    Interest, SavedSearch, Tag, UpdateGroupInput, UpdateInterestInput, UpdateMyPreferencesInput,
    UpdateSavedSearchInput, UpdateTagInput,
};
use crate::graphql::{parse_id, parse_ids};
use crate::services::segments::{groups, interests, saved_searches, tags};

#[derive(Default)]
pub struct SegmentMutation;

#[Object]
impl SegmentMutation {
    /// Creates a tag (admins).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new tag.")] input: CreateTagInput,
    ) -> Result<Tag> {
        let state = guards::state(ctx)?;
        let new = tags::TagInput {
            name: input.name,
            color: input.color,
            description: input.description,
        };
        Ok(Tag(tags::create(state, &guards::actor(ctx), new).await?))
    }

    /// Renames, recolours or redescribes a tag (admins). The name stays unique (CONFLICT on
    /// `name`). Returns the tag.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag.")] id: ID,
        #[graphql(desc = "What changes.")] input: UpdateTagInput,
    ) -> Result<Tag> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let changes = tags::TagChanges {
            name: input.name,
            color: patch(input.color, |c| c),
            description: patch(input.description, |d| d),
        };
        Ok(Tag(
            tags::update(state, &guards::actor(ctx), id, changes).await?
        ))
    }

    /// Deletes a tag and takes it off every contact (admins); the audit log keeps what it was.
    /// Refused (CONFLICT, naming them) while a mailing not started yet (draft or scheduled)
    /// or a saved search names it. Returns the id.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn delete_tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag.")] id: ID,
    ) -> Result<ID> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let deleted = tags::delete(state, &guards::actor(ctx), id).await?;
        Ok(ID(deleted.to_string()))
    }

    /// Puts a tag on contacts (staff); at most 10,000 ids at once. Returns the tag.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn tag_contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag.")] tag_id: ID,
        #[graphql(desc = "The contacts (live ones).")] contact_ids: Vec<ID>,
    ) -> Result<Tag> {
        let state = guards::state(ctx)?;
        let tag = parse_id(&tag_id, "tagId")?;
        let ids = parse_ids(&contact_ids, "contactIds")?;
        Ok(Tag(tags::tag_contacts(
            state,
            &guards::actor(ctx),
            tag,
            &ids,
        )
        .await?))
    }

    /// Takes a tag off contacts (staff); at most 10,000 ids at once. Returns the tag.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn untag_contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag.")] tag_id: ID,
        #[graphql(desc = "The contacts.")] contact_ids: Vec<ID>,
    ) -> Result<Tag> {
        let state = guards::state(ctx)?;
        let tag = parse_id(&tag_id, "tagId")?;
        let ids = parse_ids(&contact_ids, "contactIds")?;
        Ok(Tag(tags::untag_contacts(
            state,
            &guards::actor(ctx),
            tag,
            &ids,
        )
        .await?))
    }

    /// Creates a group (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn create_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new group.")] input: CreateGroupInput,
    ) -> Result<Group> {
        let state = guards::state(ctx)?;
        let actor = guards::actor(ctx);
        let created =
            groups::create(state, &actor, &input.name, input.description.as_deref()).await?;
        Ok(Group(created))
    }

    /// Renames or redescribes a group (staff). The name stays unique among live groups (CONFLICT
    /// on `name`). Returns the group.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn update_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group (a live one).")] id: ID,
        #[graphql(desc = "What changes.")] input: UpdateGroupInput,
    ) -> Result<Group> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let actor = guards::actor(ctx);
        let description = patch(input.description, |d| d);
        let updated = groups::update(state, &actor, id, input.name.as_deref(), description).await?;
        Ok(Group(updated))
    }

    /// Deletes a group (staff). Every contact in it leaves first, each leave recorded in their
    /// `groupHistory` as `removeFromGroup` records it; the group then leaves every list and its
    /// name is free again, while `group(id)` still shows it (with `deletedAt`) for that history.
    /// Refused (CONFLICT, naming them) while a mailing not started yet (draft or scheduled)
    /// or a saved search names it. Returns the id.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn delete_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group (a live one).")] id: ID,
    ) -> Result<ID> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let deleted = groups::delete(state, &guards::actor(ctx), id).await?;
        Ok(ID(deleted.to_string()))
    }

    /// Adds contacts to a group (staff); at most 10,000 ids at once. Each join is kept in the
    /// contact's `groupHistory`. Returns the group.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn add_to_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group.")] group_id: ID,
        #[graphql(desc = "The contacts (live ones).")] contact_ids: Vec<ID>,
    ) -> Result<Group> {
        let state = guards::state(ctx)?;
        let group = parse_id(&group_id, "groupId")?;
        let ids = parse_ids(&contact_ids, "contactIds")?;
        Ok(Group(
            groups::add(state, &guards::actor(ctx), group, &ids).await?,
        ))
    }

    /// Removes contacts from a group (staff); each leave is kept. Returns the group.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn remove_from_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group.")] group_id: ID,
        #[graphql(desc = "The contacts.")] contact_ids: Vec<ID>,
    ) -> Result<Group> {
        let state = guards::state(ctx)?;
        let group = parse_id(&group_id, "groupId")?;
        let ids = parse_ids(&contact_ids, "contactIds")?;
        Ok(Group(
            groups::remove(state, &guards::actor(ctx), group, &ids).await?,
        ))
    }

    /// Saves a contact filter by name (staff): a smart group whose count is always live.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn create_saved_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new saved search.")] input: CreateSavedSearchInput,
    ) -> Result<SavedSearch> {
        let state = guards::state(ctx)?;
        let filter = segments::contact_filter(state, input.filter).await?;
        let actor = guards::actor(ctx);
        let description = input.description.as_deref();
        let created =
            saved_searches::create(state, &actor, &input.name, description, filter).await?;
        Ok(SavedSearch(created))
    }

    /// Renames a saved search or replaces its filter (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn update_saved_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved search.")] id: ID,
        #[graphql(desc = "What changes.")] input: UpdateSavedSearchInput,
    ) -> Result<SavedSearch> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let filter = match input.filter {
            Some(f) => Some(segments::contact_filter(state, f).await?),
            None => None,
        };
        let actor = guards::actor(ctx);
        let updated =
            saved_searches::update(state, &actor, id, input.name.as_deref(), filter).await?;
        Ok(SavedSearch(updated))
    }

    /// Deletes a saved search (staff); returns its id. Refused (CONFLICT) while another saved
    /// search names it or a mailing not started yet (draft or scheduled) takes its audience from it.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn delete_saved_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The saved search.")] id: ID,
    ) -> Result<ID> {
        let state = guards::state(ctx)?;
        let parsed = parse_id(&id, "id")?;
        saved_searches::delete(state, &guards::actor(ctx), parsed).await?;
        Ok(id)
    }

    /// Creates an interest (admins).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_interest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new interest.")] input: CreateInterestInput,
    ) -> Result<Interest> {
        let state = guards::state(ctx)?;
        let actor = guards::actor(ctx);
        let public = input.is_public.unwrap_or(true);
        let created = interests::create(
            state,
            &actor,
            &input.name,
            input.description.as_deref(),
            public,
        )
        .await?;
        Ok(Interest(created))
    }

    /// Renames or redescribes an interest, or changes whether it is offered to members (admins);
    /// archived ones too. The name is what members and the public pages show: it is checked as a
    /// new one is and stays unique (CONFLICT on `name`). Contacts' choices stay. Returns it.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_interest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The interest.")] id: ID,
        #[graphql(desc = "What changes.")] input: UpdateInterestInput,
    ) -> Result<Interest> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let changes = interests::InterestChanges {
            name: input.name,
            description: patch(input.description, |d| d),
            is_public: input.is_public,
        };
        Ok(Interest(
            interests::update(state, &guards::actor(ctx), id, changes).await?,
        ))
    }

    /// Archives an interest (admins) instead of deleting it: its consent records must stay for
    /// auditors. It leaves members' choices (`interests`, `updateMyPreferences`), the public
    /// preferences page and `subscribe`, and can no longer be chosen or targeted by a mailing or
    /// saved search; contacts who chose it keep that record, and staff still see it with
    /// `archivedAt`. Refused (CONFLICT, naming them) while a mailing not started yet (draft or
    /// scheduled) or a saved search names it. Archiving it again changes nothing.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn archive_interest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The interest.")] id: ID,
    ) -> Result<Interest> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Interest(
            interests::archive(state, &guards::actor(ctx), id).await?,
        ))
    }

    /// The signed-in member chooses their interests among the public ones, and may unsubscribe
    /// from (or back into) all bulk mail. Each change is a consent record. Returns their contact.
    #[graphql(guard = "SignedIn")]
    async fn update_my_preferences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The choices.")] input: UpdateMyPreferencesInput,
    ) -> Result<Contact> {
        let state = guards::state(ctx)?;
        let ids = input
            .interest_ids
            .as_ref()
            .map(|v| parse_ids(v, "interestIds"))
            .transpose()?;
        let updated = interests::update_mine(
            state,
            guards::viewer(ctx),
            ids.as_deref(),
            input.unsubscribe_from_all,
        )
        .await?;
        Ok(Contact(updated))
    }

    /// Staff set a contact's interests (replacing them; public or not), e.g. from a paper form,
    /// naming the wording version it used (default: `mailings.consent_wording_version`). Each
    /// change is a consent record with source STAFF. An archived interest is neither added nor
    /// taken away: naming one the contact does not hold is BAD_USER_INPUT. Returns the contact.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn set_contact_interests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact.")] contact_id: ID,
        #[graphql(desc = "The interests the contact wants (all of them).")] interest_ids: Vec<ID>,
        #[graphql(desc = "The consent wording version the contact agreed to.")]
        wording_version: Option<String>,
    ) -> Result<Contact> {
        let state = guards::state(ctx)?;
        let contact = parse_id(&contact_id, "contactId")?;
        let ids = parse_ids(&interest_ids, "interestIds")?;
        let actor = guards::actor(ctx);
        let updated =
            interests::set_for_contact(state, &actor, contact, &ids, wording_version.as_deref())
                .await?;
        Ok(Contact(updated))
    }
}
