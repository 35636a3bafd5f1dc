//! Who may call what, for every query and mutation in the schema. The operations are read from the
//! schema itself, so a new operation that is missing from the table below fails this test until
//! someone decides (and the guard enforces) who may call it.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::helpers::TestApp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in login.
    SignedIn,
    /// Logins linked to a contact (members acting on themselves).
    OwnContact,
    /// Staff, or a member acting on their own records (dummy ids are never theirs).
    SelfOrStaff,
    Staff,
    Admin,
    /// Checked elsewhere (credentials decide, not roles).
    Credentials,
}

fn table() -> BTreeMap<&'static str, Access> {
    use Access::*;
    BTreeMap::from([
        // Queries
        ("viewer", Public),
        ("hasPermission", Public),
        ("membershipTypes", Public),
        ("membershipType", Public),
        ("resources", Public),
        ("resource", Public),
        ("membershipStatuses", SignedIn),
        ("contact", SelfOrStaff),
        ("membership", SelfOrStaff),
        ("contacts", Staff),
        ("memberships", Staff),
        ("jobRuns", Staff),
        ("importJob", Staff),
        ("outboundMessages", Staff),
        ("outboundMessage", Staff),
        ("printableLetters", Staff),
        ("messageTemplates", Admin),
        ("previewMessageTemplate", Admin),
        ("users", Admin),
        ("user", Admin),
        ("auditLog", Admin),
        ("apiKeys", Admin),
        // Mutations
        ("login", Credentials),
        ("logout", SignedIn),
        ("requestPasswordReset", Public),
        ("resetPassword", Public),
        ("changePassword", SignedIn),
        ("requestEmailVerification", SignedIn),
        ("verifyEmail", Public),
        ("updateMyProfile", OwnContact),
        ("createContact", Staff),
        ("updateContact", Staff),
        ("deleteContact", Staff),
        ("restoreContact", Staff),
        // Privacy
        ("exportPersonalData", SelfOrStaff),
        ("eraseContact", Admin),
        ("createMembership", Staff),
        ("updateMembership", Staff),
        ("renewMembership", Staff),
        ("cancelMembership", Staff),
        ("inviteContact", Staff),
        ("retryMessage", Staff),
        ("cancelMessage", Staff),
        ("markLettersPrinted", Staff),
        ("createResource", Staff),
        ("updateResource", Staff),
        ("createMembershipType", Admin),
        ("updateMembershipType", Admin),
        ("createMembershipStatus", Admin),
        ("updateMembershipStatus", Admin),
        ("updateMessageTemplate", Admin),
        ("resetMessageTemplate", Admin),
        ("runJob", Admin),
        ("importCsv", Staff),
        ("createUser", Admin),
        ("updateUser", Admin),
        ("createApiKey", Admin),
        ("revokeApiKey", Admin),
        ("createScheduledReminder", Admin),
        ("updateScheduledReminder", Admin),
        ("scheduledReminders", Staff),
        ("scheduledReminder", Staff),
        // Giving
        ("contribution", SelfOrStaff),
        ("contributions", Staff),
        ("financialTypes", SignedIn),
        ("campaigns", Staff),
        ("campaign", Staff),
        ("recurringGifts", Staff),
        ("recurringGift", SelfOrStaff),
        ("recordContribution", Staff),
        ("updateContribution", Staff),
        ("refundContribution", Staff),
        ("cancelContribution", Staff),
        ("createCampaign", Staff),
        ("updateCampaign", Staff),
        ("createRecurringGift", Staff),
        ("pauseRecurringGift", SelfOrStaff),
        ("resumeRecurringGift", SelfOrStaff),
        ("cancelRecurringGift", SelfOrStaff),
        ("createFinancialType", Admin),
        ("updateFinancialType", Admin),
        ("sendAnnualStatements", Admin),
        // Signup
        ("signupForm", Public),
        ("signupForms", Admin),
        ("createSignupForm", Admin),
        ("signUp", Public),
        ("updateSignupForm", Admin),
        ("renewalQuote", SelfOrStaff),
        ("renewMyMembership", SelfOrStaff),
        // Reports
        ("contributionSummary", Staff),
        ("membershipSummary", Staff),
        ("retention", Staff),
        ("membershipTrends", Staff),
        ("lapsedMembers", Staff),
        ("lybunt", Staff),
        ("sybunt", Staff),
        ("donorRetention", Staff),
        ("topDonors", Staff),
        ("mailingStats", Staff),
        ("cohortRetention", Staff),
        // Households
        ("relationshipTypes", SignedIn),
        ("createRelationshipType", Admin),
        ("createRelationship", Staff),
        ("endRelationship", Staff),
        ("addBundleMember", SelfOrStaff),
        ("removeBundleMember", SelfOrStaff),
        ("updateHouseholdAddress", Staff),
        ("memberDirectory", SelfOrStaff),
        ("myDirectoryListing", OwnContact),
        ("directoryCustomFields", SignedIn),
        ("updateMyDirectoryListing", OwnContact),
        ("setDirectoryCustomFields", Admin),
        // Events
        ("events", Public),
        ("event", Public),
        ("registrations", Staff),
        ("registration", SignedIn),
        ("eventStats", Staff),
        ("createEvent", Staff),
        ("updateEvent", Staff),
        ("publishEvent", Staff),
        ("cancelEvent", Staff),
        ("registerForEvent", Public),
        ("registerContact", Staff),
        ("approveRegistration", Staff),
        ("cancelRegistration", Staff),
        ("cancelMyRegistration", SignedIn),
        ("checkIn", Staff),
        ("checkInByCode", Staff),
        ("markNoShows", Staff),
        // Segments and mailings
        ("tags", Staff),
        ("groups", Staff),
        ("group", Staff),
        ("interests", Public),
        ("savedSearches", Staff),
        ("savedSearch", Staff),
        ("countContacts", Staff),
        ("createTag", Admin),
        ("updateTag", Admin),
        ("deleteTag", Admin),
        ("tagContacts", Staff),
        ("untagContacts", Staff),
        ("createGroup", Staff),
        ("updateGroup", Staff),
        ("deleteGroup", Staff),
        ("addToGroup", Staff),
        ("removeFromGroup", Staff),
        ("createSavedSearch", Staff),
        ("updateSavedSearch", Staff),
        ("deleteSavedSearch", Staff),
        ("createInterest", Admin),
        ("updateInterest", Admin),
        ("archiveInterest", Admin),
        ("updateMyPreferences", OwnContact),
        ("setContactInterests", Staff),
        ("mailings", Staff),
        ("mailing", Staff),
        ("previewMailing", Staff),
        ("createMailing", Staff),
        ("updateMailing", Staff),
        ("sendMailing", Staff),
        ("scheduleMailing", Staff),
        ("cancelMailing", Staff),
        ("sendTestMailing", Staff),
        ("subscribe", Public),
        // Payments
        ("startPayment", Credentials),
        ("setMyAutoRenew", SelfOrStaff),
    ])
}

const INTROSPECTION: &str = r#"{
  __schema {
    queryType { fields { name args { name type { ...T } } type { ...T } } }
    mutationType { fields { name args { name type { ...T } } type { ...T } } }
    types { name kind enumValues { name } inputFields { name type { ...T } } }
  }
}
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"#;

struct Schema {
    types: BTreeMap<String, Value>,
}

impl Schema {
    /// A value of the given type, with every required input field filled in.
    fn sample(&self, ty: &Value) -> Value {
        match ty["kind"].as_str().unwrap_or_default() {
            "NON_NULL" => self.sample(&ty["ofType"]),
            "LIST" => json!([self.sample(&ty["ofType"])]),
            "ENUM" => self.types[ty["name"].as_str().unwrap()]["enumValues"][0]["name"].clone(),
            "INPUT_OBJECT" => {
                let def = &self.types[ty["name"].as_str().unwrap()];
                let mut obj = Map::new();
                for f in def["inputFields"].as_array().unwrap() {
                    if f["type"]["kind"] == "NON_NULL" {
                        obj.insert(f["name"].as_str().unwrap().into(), self.sample(&f["type"]));
                    }
                }
                Value::Object(obj)
            }
            _ => match ty["name"].as_str().unwrap_or_default() {
                "ID" => json!("999999"),
                "Int" => json!(1),
                "Float" => json!(1.0),
                "Boolean" => json!(false),
                "Date" => json!("2024-01-01"),
                "DateTime" => json!("2024-01-01T00:00:00Z"),
                "Decimal" => json!("1"),
                "JSON" => json!({}),
                _ => json!("x"),
            },
        }
    }
}

/// The type as written in a variable definition, e.g. `[ID!]!`.
fn type_ref(ty: &Value) -> String {
    match ty["kind"].as_str().unwrap_or_default() {
        "NON_NULL" => format!("{}!", type_ref(&ty["ofType"])),
        "LIST" => format!("[{}]", type_ref(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap().to_string(),
    }
}

fn returns_object(ty: &Value) -> bool {
    match ty["kind"].as_str().unwrap_or_default() {
        "NON_NULL" | "LIST" => returns_object(&ty["ofType"]),
        "OBJECT" => true,
        _ => false,
    }
}

/// Builds `query|mutation($a: T!) { field(a: $a) { __typename } }` with sample variables.
fn operation(schema: &Schema, kind: &str, field: &Value) -> (String, Value) {
    let mut defs = vec![];
    let mut args = vec![];
    let mut vars = Map::new();
    for a in field["args"].as_array().unwrap() {
        if a["type"]["kind"] != "NON_NULL" {
            continue;
        }
        let name = a["name"].as_str().unwrap();
        defs.push(format!("${name}: {}", type_ref(&a["type"])));
        args.push(format!("{name}: ${name}"));
        vars.insert(name.into(), schema.sample(&a["type"]));
    }
    let name = field["name"].as_str().unwrap();
    let defs = if defs.is_empty() {
        String::new()
    } else {
        format!("({})", defs.join(", "))
    };
    let args = if args.is_empty() {
        String::new()
    } else {
        format!("({})", args.join(", "))
    };
    let selection = if returns_object(&field["type"]) {
        " { __typename }"
    } else {
        ""
    };
    (
        format!("{kind}{defs} {{ {name}{args}{selection} }}"),
        Value::Object(vars),
    )
}

fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errs| {
            errs.iter()
                .filter_map(|e| e["extensions"]["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Caller {
    Anonymous,
    Member,
    Staff,
    Admin,
}

/// Whether `caller` may use an operation with `access` (None: either outcome is acceptable).
fn allowed(access: Access, caller: Caller) -> Option<bool> {
    use Caller::*;
    match access {
        Access::Public => Some(true),
        Access::Credentials => None,
        Access::SignedIn => Some(caller != Anonymous),
        Access::OwnContact => Some(caller == Member),
        Access::SelfOrStaff => match caller {
            Anonymous => Some(false),
            Member => None,
            _ => Some(true),
        },
        Access::Staff => Some(matches!(caller, Staff | Admin)),
        Access::Admin => Some(caller == Admin),
    }
}

#[tokio::test]
async fn every_operation_has_a_rule_and_the_guards_enforce_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let intro = app.gql(&admin, INTROSPECTION, json!({})).await;
    let s = &intro["data"]["__schema"];
    let schema = Schema {
        types: s["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_string(), t.clone()))
            .collect(),
    };
    let table = table();
    let shared = [
        (Caller::Member, app.token_for("MEMBER").await.0),
        (Caller::Staff, app.token_for("STAFF").await.0),
        (Caller::Admin, app.admin_token().await),
    ];
    let mut seen = vec![];
    let mut failures = vec![];
    for (kind, root) in [("query", &s["queryType"]), ("mutation", &s["mutationType"])] {
        for field in root["fields"].as_array().unwrap() {
            let name = field["name"].as_str().unwrap();
            seen.push(name.to_string());
            let Some(&access) = table.get(name) else {
                failures.push(format!(
                    "{name}: not in the access table — decide who may call it"
                ));
                continue;
            };
            let (doc, vars) = operation(&schema, kind, field);
            for caller in [
                Caller::Anonymous,
                Caller::Member,
                Caller::Staff,
                Caller::Admin,
            ] {
                // logout ends the session it is called with: give it a fresh one.
                let token = match caller {
                    Caller::Anonymous => None,
                    _ if name == "logout" => Some(match caller {
                        Caller::Member => app.token_for("MEMBER").await.0,
                        Caller::Staff => app.token_for("STAFF").await.0,
                        _ => app.admin_token().await,
                    }),
                    _ => shared
                        .iter()
                        .find(|(c, _)| *c == caller)
                        .map(|(_, t)| t.clone()),
                };
                let body = app.gql_with(token.as_deref(), &doc, vars.clone()).await;
                let got = codes(&body);
                let denied = got
                    .iter()
                    .any(|c| c == "UNAUTHENTICATED" || c == "FORBIDDEN");
                match allowed(access, caller) {
                    Some(true) if denied => {
                        failures.push(format!("{name} as {caller:?}: denied ({got:?})"))
                    }
                    Some(false) if !denied => {
                        failures.push(format!("{name} as {caller:?}: allowed ({body})"))
                    }
                    Some(false)
                        if caller == Caller::Anonymous
                            && !got.iter().any(|c| c == "UNAUTHENTICATED") =>
                    {
                        failures.push(format!(
                            "{name} as anonymous: expected UNAUTHENTICATED, got {got:?}"
                        ))
                    }
                    _ => {}
                }
            }
        }
    }
    for name in table.keys() {
        if !seen.iter().any(|s| s == name) {
            failures.push(format!("{name}: in the table but not in the schema"));
        }
    }
    assert!(
        failures.is_empty(),
        "access rules broken:\n{}",
        failures.join("\n")
    );
    assert!(
        seen.len() > 40,
        "read the operations from the schema: {seen:?}"
    );
}
