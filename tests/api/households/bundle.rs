//! A bundle's life: inherited memberships follow the primary through renewals, lapses, the status
//! job and cancellations; the seat limit; ending a relationship; reports and permissions.

use serde_json::json;

use super::{
    RUN, assert_bundles_agree, family_type, membership_of, person, relate, relationship_type,
};
use crate::fixtures::set_today;
use crate::helpers::{PASSWORD, TestApp, code, field};

const BUNDLE: &str = "query($id: ID!) { membership(id: $id) { endDate status { code } bundleMembers { displayName isActive membership { id endDate inheritEndedOn status { code } inheritedFrom { id } } } } }";

async fn bundle(app: &TestApp, admin: &str, id: &str) -> serde_json::Value {
    let body = app.gql(admin, BUNDLE, json!({ "id": id })).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["membership"].clone()
}

#[tokio::test]
async fn households_bundle_follows_its_primary_through_renewals_lapses_and_cancellation() {
    let app = TestApp::spawn().await;
    set_today(&app, "2026-01-15");
    let admin = app.admin_token().await;
    let parent = relationship_type(&app, &admin, "Parent of", "Child of").await;
    let family = family_type(&app, &admin, &parent, Some(2)).await;
    let [ann, bob, cy, dee] = [
        person(&app, &admin, "Ann").await,
        person(&app, &admin, "Bob").await,
        person(&app, &admin, "Cy").await,
        person(&app, &admin, "Dee").await,
    ];
    let primary = membership_of(&app, &admin, &ann, &family).await;
    let mut rels = Vec::new();
    for kid in [&bob, &cy] {
        let body = relate(&app, &admin, &ann, kid, &parent).await;
        rels.push(
            body["data"]["createRelationship"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let b = bundle(&app, &admin, &primary).await;
    let people = b["bundleMembers"].as_array().unwrap();
    assert_eq!(people.len(), 2, "{b}");
    assert_eq!(people[0]["displayName"], "Bob Example");
    assert_eq!(
        people[0]["membership"]["inheritedFrom"]["id"],
        primary.as_str()
    );
    assert_eq!(people[0]["membership"]["endDate"], "2027-01-14");
    assert_eq!(people[1]["membership"]["status"]["code"], "NEW");
    let bob_m = people[0]["membership"]["id"].as_str().unwrap().to_string();

    // A third seat is refused, naming the limit; nothing is written.
    let (rels_before, members_before) = (
        app.count("relationships").await,
        app.count("memberships").await,
    );
    let body = relate(&app, &admin, &ann, &dee, &parent).await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "maxRelated"),
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("maxRelated = 2"),
        "{body}"
    );
    assert_eq!(app.count("relationships").await, rels_before);
    assert_eq!(app.count("memberships").await, members_before);

    // The status job lapses them together.
    for (as_of, status) in [("2027-02-01", "GRACE"), ("2027-03-01", "EXPIRED")] {
        let run = app.gql(&admin, RUN, json!({ "d": as_of })).await;
        assert_eq!(run["data"]["runJob"]["status"], "SUCCEEDED", "{run}");
        let b = bundle(&app, &admin, &primary).await;
        assert_eq!(b["status"]["code"], status);
        for p in b["bundleMembers"].as_array().unwrap() {
            assert_eq!(p["membership"]["status"]["code"], status, "{b}");
        }
        assert_eq!(assert_bundles_agree(&app).await, 2);
    }

    // Renewing the primary renews them; cancelling cancels them; renewing again revives them.
    set_today(&app, "2027-03-01");
    let admin = app.admin_token().await;
    let renew = "mutation($id: ID!) { renewMembership(id: $id) { endDate } }";
    let body = app.gql(&admin, renew, json!({ "id": primary })).await;
    let end = body["data"]["renewMembership"]["endDate"].clone();
    assert_eq!(end, "2028-02-29", "{body}");
    assert_eq!(
        bundle(&app, &admin, &primary).await["bundleMembers"][1]["membership"]["endDate"],
        end
    );
    let cancel = "mutation($id: ID!) { cancelMembership(id: $id) { status { code } } }";
    app.gql(&admin, cancel, json!({ "id": primary })).await;
    assert_eq!(
        bundle(&app, &admin, &primary).await["bundleMembers"][0]["membership"]["status"]["code"],
        "CANCELLED"
    );
    assert_eq!(assert_bundles_agree(&app).await, 2);
    app.gql(&admin, renew, json!({ "id": primary })).await;
    assert_eq!(
        bundle(&app, &admin, &primary).await["bundleMembers"][0]["membership"]["status"]["code"],
        "CURRENT"
    );
    assert_eq!(assert_bundles_agree(&app).await, 2);

    // An inherited membership is not written directly: its primary carries it.
    for q in [renew, cancel] {
        let body = app.gql(&admin, q, json!({ "id": bob_m })).await;
        assert_eq!(
            (code(&body), field(&body)),
            ("BAD_USER_INPUT", "id"),
            "{body}"
        );
    }

    // Ending Bob's relationship ends his inherited membership and frees his seat for Dee.
    let end_rel = "mutation($id: ID!) { endRelationship(id: $id) { isActive } }";
    app.gql(&admin, end_rel, json!({ "id": rels[0] })).await;
    let b = bundle(&app, &admin, &primary).await;
    assert_eq!(b["bundleMembers"][0]["isActive"], false, "{b}");
    assert_eq!(
        b["bundleMembers"][0]["membership"]["status"]["code"],
        "CANCELLED"
    );
    assert_eq!(
        b["bundleMembers"][0]["membership"]["inheritEndedOn"],
        "2027-03-01"
    );
    let body = relate(&app, &admin, &ann, &dee, &parent).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(assert_bundles_agree(&app).await, 2);

    // Reports and permissions count inherited members as members.
    let body = app
        .gql(
            &admin,
            "query($d: Date!) { membershipSummary(asOf: $d) { currentMembers } }",
            json!({ "d": "2027-03-02" }),
        )
        .await;
    assert_eq!(
        body["data"]["membershipSummary"]["currentMembers"], 3,
        "Ann, Cy and Dee: {body}"
    );
    app.gql(&admin, "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        json!({ "i": { "email": "cy@example.org", "password": PASSWORD, "role": "MEMBER", "contactId": cy } })).await;
    let cy_token = app.login("cy@example.org", PASSWORD).await;
    let body = app
        .gql(&cy_token, "{ viewer { permissions } }", json!({}))
        .await;
    assert_eq!(
        body["data"]["viewer"]["permissions"],
        json!(["members-area"]),
        "{body}"
    );
}

#[tokio::test]
async fn households_a_new_primary_seats_existing_relations_and_a_future_end_is_applied_by_the_job()
{
    let app = TestApp::spawn().await;
    set_today(&app, "2026-05-01");
    let admin = app.admin_token().await;
    let employer = relationship_type(&app, &admin, "Employer of", "Employee of").await;
    let org_type = family_type(&app, &admin, &employer, None).await;
    let acme = crate::fixtures::contact(
        &app,
        &admin,
        json!({ "kind": "ORGANIZATION", "organizationName": "Acme" }),
    )
    .await;
    let eve = person(&app, &admin, "Eve").await;
    let rel = relate(&app, &admin, &acme, &eve, &employer).await;
    let rel = rel["data"]["createRelationship"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The organisation joins after the relationship exists: Eve is seated at once.
    let primary = membership_of(&app, &admin, &acme, &org_type).await;
    assert_eq!(
        bundle(&app, &admin, &primary).await["bundleMembers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // An end date in the future leaves her seated until the job runs past it.
    let body = app.gql(&admin, "mutation($id: ID!) { endRelationship(id: $id, input: { endDate: \"2026-06-30\" }) { isActive } }", json!({ "id": rel })).await;
    assert_eq!(body["data"]["endRelationship"]["isActive"], true, "{body}");
    app.gql(&admin, RUN, json!({ "d": "2026-06-30" })).await;
    assert_eq!(
        bundle(&app, &admin, &primary).await["bundleMembers"][0]["isActive"],
        true
    );
    app.gql(&admin, RUN, json!({ "d": "2026-07-01" })).await;
    let b = bundle(&app, &admin, &primary).await;
    assert_eq!(b["bundleMembers"][0]["isActive"], false, "{b}");
    assert_eq!(
        b["bundleMembers"][0]["membership"]["status"]["code"],
        "CANCELLED"
    );
}
