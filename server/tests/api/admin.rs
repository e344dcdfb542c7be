//! The org admin console's API: who may call it, inside which org, and
//! what each operation does.

use crate::support::{find_after, TestApp, START};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

/// Acme (owner Ada, admin Grace, member Carl) and Globex (admin Bob).
async fn two_orgs() -> TestApp {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme").await;
    app.create_org("globex", "Globex").await;
    for (org, email, role) in [
        ("acme", "ada@example.com", "owner"),
        ("acme", "grace@example.com", "admin"),
        ("acme", "carl@example.com", "member"),
        ("globex", "bob@example.com", "admin"),
    ] {
        app.create_account(org, email).await;
        app.exec(&format!(
            "UPDATE accounts SET role = '{role}' WHERE email = '{email}'"
        ))
        .await;
    }
    app
}

pub(crate) async fn id_of(app: &TestApp, email: &str) -> String {
    domain::with_pool!(&app.state.db, pool =>
        sqlx::query_scalar::<_, String>("SELECT id FROM accounts WHERE email = $1")
            .bind(email)
            .fetch_one(pool)
            .await)
    .unwrap()
}

/// Every account's (email, role), for "nothing changed" checks.
async fn roles(app: &TestApp) -> Vec<(String, String)> {
    domain::with_pool!(&app.state.db, pool =>
        sqlx::query_as::<_, (String, String)>("SELECT email, role FROM accounts ORDER BY email")
            .fetch_all(pool)
            .await)
    .unwrap()
}

/// `POST /api/admin/invitations` with `body`, as the session `who`.
async fn invite(app: &TestApp, who: String, body: Value) -> crate::support::Reply {
    app.send(
        Method::POST,
        "/api/admin/invitations",
        Some(body),
        Some(&who),
    )
    .await
}

pub(crate) fn emails(page: &Value) -> Vec<String> {
    page["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn members_are_refused_and_an_admin_sees_only_their_own_org() {
    let app = two_orgs().await;
    let carl = app.login_ok("carl@example.com", "acme").await;
    let refused = app
        .send(Method::GET, "/api/admin/members", None, Some(&carl))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body["code"], "forbidden");

    let bob = app.login_ok("bob@example.com", "globex").await;
    let globex = app
        .send(Method::GET, "/api/admin/members", None, Some(&bob))
        .await;
    assert_eq!(globex.status, StatusCode::OK);
    assert_eq!(emails(&globex.body), ["bob@example.com"]);

    let ada = app.login_ok("ada@example.com", "acme").await;
    let acme = app
        .send(Method::GET, "/api/admin/members", None, Some(&ada))
        .await;
    assert_eq!(
        emails(&acme.body),
        ["ada@example.com", "carl@example.com", "grace@example.com"]
    );
    let first = &acme.body["members"][0];
    assert_eq!(first["role"], "owner");
    assert_eq!(first["has_password"], true);
    assert_eq!(first["passkeys"], 0);
    assert_eq!(first["last_sign_in_method"], "password");
    assert_eq!(first["last_sign_in_at"], START);
    assert_eq!(acme.body["members"][2]["last_sign_in_at"], Value::Null);
    assert_eq!(
        (acme.body["total"].clone(), acme.body["page"].clone()),
        (json!(3), json!(1))
    );
}

#[tokio::test]
async fn the_members_list_searches_and_pages() {
    let app = two_orgs().await;
    // 60 more members, straight into the table (no password to hash).
    for i in 0..60 {
        app.exec(&format!(
            "INSERT INTO accounts (id, org_id, email, display_name, password_hash, created_at) \
             SELECT 'extra-{i:02}', id, 'person{i:02}@example.com', 'Person {i:02}', '', 0 \
             FROM orgs WHERE short_name = 'acme'"
        ))
        .await;
    }
    let ada = app.login_ok("ada@example.com", "acme").await;
    let get = |query: &'static str| {
        let ada = ada.clone();
        let app = &app;
        async move {
            app.send(
                Method::GET,
                &format!("/api/admin/members{query}"),
                None,
                Some(&ada),
            )
            .await
        }
    };
    let first = get("").await;
    assert_eq!(first.body["total"], 63);
    assert_eq!(first.body["members"].as_array().unwrap().len(), 50);
    let second = get("?page=2").await;
    assert_eq!(second.body["members"].as_array().unwrap().len(), 13);
    assert_eq!(second.body["members"][12]["email"], "person59@example.com");

    // By email or name, in any case; `%` and `_` are themselves.
    assert_eq!(emails(&get("?q=GRACE").await.body), ["grace@example.com"]);
    assert_eq!(
        emails(&get("?q=person%205").await.body),
        (50..60)
            .map(|i| format!("person{i}@example.com"))
            .collect::<Vec<_>>()
    );
    assert_eq!(get("?q=%25").await.body["total"], 0);
    assert_eq!(get("?q=_").await.body["total"], 0);
    let bad = get("?page=two").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["code"], "bad_request");
}

#[tokio::test]
async fn the_admin_console_asks_a_stale_admin_to_confirm_and_refuses_a_member_outright() {
    let app = two_orgs().await;
    let ada = app.login_ok("ada@example.com", "acme").await;
    let carl = app.login_ok("carl@example.com", "acme").await;
    app.clock.advance(301);
    let stale = app
        .send(Method::GET, "/api/admin/coverage", None, Some(&ada))
        .await;
    assert_eq!(stale.body["code"], "reauth_required");
    let member = app
        .send(Method::GET, "/api/admin/coverage", None, Some(&carl))
        .await;
    assert_eq!(member.body["code"], "forbidden");
    let nobody = app
        .send(Method::GET, "/api/admin/coverage", None, None)
        .await;
    assert_eq!(nobody.body["code"], "unauthenticated");
}

#[tokio::test]
async fn roles_change_within_the_rules_and_an_org_keeps_an_owner() {
    let app = two_orgs().await;
    let (ada_id, carl_id) = (
        id_of(&app, "ada@example.com").await,
        id_of(&app, "carl@example.com").await,
    );
    let grace = app.login_ok("grace@example.com", "acme").await;
    let ada = app.login_ok("ada@example.com", "acme").await;
    let bob = app.login_ok("bob@example.com", "globex").await;
    let set = |who: &str, id: &str, role: &str| {
        let (who, path) = (who.to_owned(), format!("/api/admin/members/{id}/role"));
        let body = json!({ "role": role });
        let app = &app;
        async move { app.send(Method::PUT, &path, Some(body), Some(&who)).await }
    };

    // An admin makes a member an admin; the member hears of it.
    assert_eq!(
        set(&grace, &carl_id, "admin").await.status,
        StatusCode::NO_CONTENT
    );
    let notice = app
        .mail_with("Your role in your organization changed")
        .await;
    assert!(notice.contains("To: carl@example.com"));
    assert!(notice.contains("an administrator"));
    // Owners are made and unmade by owners only.
    assert_eq!(
        set(&grace, &carl_id, "owner").await.body["code"],
        "forbidden"
    );
    assert_eq!(
        set(&grace, &ada_id, "member").await.body["code"],
        "forbidden"
    );
    // Another org's admin reaches nobody here, as for an unknown id.
    let elsewhere = set(&bob, &carl_id, "member").await;
    let unknown = set(&bob, "no-such-account", "member").await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    assert_eq!(elsewhere.body, unknown.body);
    // The last owner stays one…
    assert_eq!(set(&ada, &ada_id, "admin").await.body["code"], "conflict");
    // …until there is another.
    assert_eq!(
        set(&ada, &carl_id, "owner").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        set(&ada, &ada_id, "member").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        roles(&app).await,
        [
            ("ada@example.com".to_owned(), "member".to_owned()),
            ("bob@example.com".to_owned(), "admin".to_owned()),
            ("carl@example.com".to_owned(), "owner".to_owned()),
            ("grace@example.com".to_owned(), "admin".to_owned()),
        ]
    );
    // Ada is a member now: the console refuses her at once.
    let refused = app
        .send(Method::GET, "/api/admin/members", None, Some(&ada))
        .await;
    assert_eq!(refused.body["code"], "forbidden");
    // The trail names who changed whom.
    let audited = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE event = 'admin.role_changed' \
             AND outcome = 'success' AND account_id = '{carl_id}' \
             AND actor_id = (SELECT id FROM accounts WHERE email = 'grace@example.com')"
        ))
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn removing_a_member_takes_their_sessions_and_passkeys_with_them() {
    let app = two_orgs().await;
    let (ada_id, carl_id, bob_id) = (
        id_of(&app, "ada@example.com").await,
        id_of(&app, "carl@example.com").await,
        id_of(&app, "bob@example.com").await,
    );
    let carl = app.login_ok("carl@example.com", "acme").await;
    let ada = app.login_ok("ada@example.com", "acme").await;
    let grace = app.login_ok("grace@example.com", "acme").await;
    app.exec(&format!(
        "INSERT INTO passkeys (id, account_id, credential_id, credential, name, aaguid, \
         backup_eligible, backed_up, transports, sign_count, created_at) \
         VALUES ('pk', '{carl_id}', 'cred', '{{}}', 'Key', '', FALSE, FALSE, '[]', 0, 0)"
    ))
    .await;
    let remove = |who: &str, id: &str| {
        let (who, path) = (who.to_owned(), format!("/api/admin/members/{id}"));
        let app = &app;
        async move { app.send(Method::DELETE, &path, None, Some(&who)).await }
    };
    assert_eq!(
        remove(&ada, &ada_id).await.body["code"],
        "conflict",
        "not oneself"
    );
    assert_eq!(
        remove(&grace, &ada_id).await.body["code"],
        "forbidden",
        "an owner"
    );
    assert_eq!(
        remove(&ada, &bob_id).await.body["code"],
        "forbidden",
        "another org's"
    );

    assert_eq!(
        remove(&grace, &carl_id).await.status,
        StatusCode::NO_CONTENT
    );
    let gone = app
        .send(Method::GET, "/api/session", None, Some(&carl))
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "signed out");
    assert_eq!(
        app.count(&format!(
            "SELECT (SELECT COUNT(*) FROM accounts WHERE id = '{carl_id}') \
                  + (SELECT COUNT(*) FROM sessions WHERE account_id = '{carl_id}') \
                  + (SELECT COUNT(*) FROM passkeys WHERE account_id = '{carl_id}')"
        ))
        .await,
        0
    );
    let notice = app.mail_with("Your Acme account was removed").await;
    assert!(notice.contains("To: carl@example.com"));
    assert_eq!(
        app.login("carl@example.com", "acme", crate::support::PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE event = 'admin.member_removed' \
             AND outcome = 'success' AND account_id = '{carl_id}'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn an_invitation_mails_an_enrollment_link_for_a_new_member() {
    let app = two_orgs().await;
    let ada = app.login_ok("ada@example.com", "acme").await;
    let grace = app.login_ok("grace@example.com", "acme").await;
    let invite = |who: &str, body: Value| invite(&app, who.to_owned(), body);
    let dora = json!({ "email": "Dora@Example.com", "display_name": "Dora Explorer" });
    let invited = invite(&grace, dora.clone()).await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
    assert_eq!(invited.body["email"], "dora@example.com");
    assert_eq!(invited.body["role"], "member");
    let mail = app.mail_with("You are invited to Acme").await;
    assert!(mail.contains("To: dora@example.com"));
    let first = find_after(&mail, "/enroll#token=").unwrap();

    // Invited again before setting anything up: a new link, the old one dead.
    assert_eq!(invite(&grace, dora).await.status, StatusCode::CREATED);
    let again = app.nth_mail_with("You are invited to Acme", 2).await;
    let second = find_after(&again, "/enroll#token=").unwrap();
    assert_ne!(first, second);
    let describe = |token: String| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                "/api/enroll/describe",
                Some(json!({ "token": token })),
                None,
            )
            .await
        }
    };
    assert_eq!(describe(first).await.body["code"], "link_invalid");
    let described = describe(second).await;
    assert_eq!(described.status, StatusCode::OK, "{:?}", described.body);

    // Someone who can sign in already, and owners by non-owners: refused.
    let ada_again = json!({ "email": "ada@example.com", "display_name": "Ada" });
    assert_eq!(invite(&ada, ada_again).await.body["code"], "conflict");
    let owner = json!({ "email": "olga@example.com", "display_name": "Olga", "role": "owner" });
    assert_eq!(
        invite(&grace, owner.clone()).await.body["code"],
        "forbidden"
    );
    assert_eq!(invite(&ada, owner).await.body["role"], "owner");
    let bad = json!({ "email": "not an email", "display_name": "X" });
    assert_eq!(invite(&ada, bad).await.body["code"], "bad_request");
}

#[tokio::test]
async fn coverage_counts_members_by_passkey_and_sign_ins_by_day() {
    let app = two_orgs().await;
    // Ada: a device-bound passkey and a synced one; Grace: synced only;
    // Carl: none.
    for (n, email, synced) in [
        (1, "ada@example.com", false),
        (2, "ada@example.com", true),
        (3, "grace@example.com", true),
    ] {
        app.exec(&format!(
            "INSERT INTO passkeys (id, account_id, credential_id, credential, name, aaguid, \
             backup_eligible, backed_up, transports, sign_count, created_at) \
             SELECT 'pk{n}', id, 'cred{n}', '{{}}', 'Key {n}', '', {synced}, {synced}, '[]', 0, 0 \
             FROM accounts WHERE email = '{email}'"
        ))
        .await;
    }
    app.login_ok("carl@example.com", "acme").await;
    app.clock.advance(86_400);
    let ada = app.login_ok("ada@example.com", "acme").await;
    app.login_ok("bob@example.com", "globex").await;
    let coverage = app
        .send(Method::GET, "/api/admin/coverage", None, Some(&ada))
        .await;
    assert_eq!(coverage.status, StatusCode::OK, "{:?}", coverage.body);
    let body = &coverage.body;
    assert_eq!(
        (
            &body["members"],
            &body["with_device_bound_passkey"],
            &body["with_synced_passkeys_only"],
            &body["without_passkey"]
        ),
        (&json!(3), &json!(1), &json!(1), &json!(1))
    );
    let days = body["sign_ins"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[29]["day"], "2026-01-02");
    assert_eq!(days[28]["day"], "2026-01-01");
    // Acme's sign-ins only: Carl yesterday, Ada today (Bob is Globex's).
    assert_eq!(
        (&days[28]["password"], &days[29]["password"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(days[0]["day"], "2025-12-04");
}

/// Every operation under the OpenAPI tag `admin`, called as a member and
/// as another org's admin: refused (403), or — for what acts on one's own
/// org — never touching Acme. Nothing of Acme changes either way.
#[tokio::test]
async fn every_admin_operation_refuses_members_and_other_orgs_admins() {
    let app = two_orgs().await;
    let carl_id = id_of(&app, "carl@example.com").await;
    let carl = app.login_ok("carl@example.com", "acme").await;
    let bob = app.login_ok("bob@example.com", "globex").await;
    let spec = app
        .send(Method::GET, "/api/openapi.json", None, None)
        .await
        .body;
    let before = roles(&app).await;
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !op["tags"]
                .as_array()
                .is_some_and(|t| t.contains(&json!("admin")))
            {
                continue;
            }
            operations += 1;
            let url = format!("/api{}", path.replace("{id}", &carl_id));
            let body =
                match op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str() {
                    None => None,
                    // Roles an admin may give: what refuses them here is the
                    // org they are in, not the owner rule.
                    Some("#/components/schemas/RoleChange") => Some(json!({ "role": "member" })),
                    Some("#/components/schemas/Invitation") => {
                        Some(json!({ "email": "eve@example.com", "display_name": "Eve" }))
                    }
                    Some("#/components/schemas/OrgPolicySettings") => Some(json!({
                        "sso_required": false, "require_2fa": true, "lockout_attempts": 3,
                        "lockout_secs": 600, "max_session_secs": 3600, "idle_timeout_secs": 600
                    })),
                    Some("#/components/schemas/SsoProviderChange") => Some(json!({
                        "issuer": "https://idp.example.com", "client_id": "x", "client_secret": "y"
                    })),
                    Some(other) => panic!("{method} {path}: give this test a body for {other}"),
                };
            let method: Method = method.to_uppercase().parse().unwrap();
            let as_member = app
                .send(method.clone(), &url, body.clone(), Some(&carl))
                .await;
            assert_eq!(
                (as_member.status, &as_member.body["code"]),
                (StatusCode::FORBIDDEN, &json!("forbidden")),
                "{method} {path} as a member"
            );
            let as_outsider = app.send(method.clone(), &url, body, Some(&bob)).await;
            if path.contains("{id}") {
                assert_eq!(
                    (as_outsider.status, &as_outsider.body["code"]),
                    (StatusCode::FORBIDDEN, &json!("forbidden")),
                    "{method} {path} as another org's admin"
                );
            } else {
                let text = as_outsider.body.to_string();
                assert!(
                    !text.contains("acme") && !text.contains("carl@") && !text.contains("ada@"),
                    "{method} {path} as another org's admin: {text}"
                );
            }
        }
    }
    assert!(
        operations >= 5,
        "the admin operations are in the description"
    );
    let after: Vec<_> = roles(&app)
        .await
        .into_iter()
        .filter(|(email, _)| email != "eve@example.com")
        .collect();
    assert_eq!(after, before, "nothing of Acme changed");
    assert_eq!(app.count("SELECT COUNT(*) FROM org_sso").await, 0);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM orgs WHERE short_name = 'acme' AND NOT require_2fa \
                   AND lockout_attempts = 6"
        )
        .await,
        1,
        "Acme's policy neither"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts a JOIN orgs o ON o.id = a.org_id \
                   WHERE a.email = 'eve@example.com' AND o.short_name = 'acme'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn the_security_log_shows_the_orgs_trail_in_words_filtered_and_exported() {
    let app = two_orgs().await;
    let carl_id = id_of(&app, "carl@example.com").await;
    app.login_ok("carl@example.com", "acme").await;
    app.clock.advance(60);
    let wrong = app
        .login("carl@example.com", "acme", "not the password")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    app.login_ok("bob@example.com", "globex").await;
    app.clock.advance(60);
    let ada = app.login_ok("ada@example.com", "acme").await;
    // Entries of one second have no order among themselves.
    app.clock.advance(1);
    let path = format!("/api/admin/members/{carl_id}/role");
    let promoted = app
        .send(
            Method::PUT,
            &path,
            Some(json!({ "role": "admin" })),
            Some(&ada),
        )
        .await;
    assert_eq!(promoted.status, StatusCode::NO_CONTENT);
    let log = |query: String| {
        let (ada, app) = (ada.clone(), &app);
        async move {
            app.send(
                Method::GET,
                &format!("/api/admin/security-log{query}"),
                None,
                Some(&ada),
            )
            .await
        }
    };

    let all = log(String::new()).await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    let entries = all.body["entries"].as_array().unwrap();
    assert_eq!(
        all.body["total"], 4,
        "Acme's four, not Globex's: {entries:#?}"
    );
    let newest = &entries[0];
    assert_eq!(newest["event"], "admin.role_changed");
    assert_eq!(
        newest["words"],
        "Had their role changed by an administrator"
    );
    assert_eq!(newest["member_email"], "carl@example.com");
    assert_eq!(newest["actor_email"], "ada@example.com");
    assert!(
        !all.body.to_string().contains("latchkey-tests"),
        "no raw user agent"
    );

    let failures = log("?outcome=failure".into()).await;
    assert_eq!(failures.body["total"], 1);
    assert_eq!(failures.body["entries"][0]["cause"], "wrong_password");
    assert_eq!(
        failures.body["entries"][0]["member_email"],
        "carl@example.com"
    );
    let carls = log(format!("?member={carl_id}&event=sign_in.password")).await;
    assert_eq!(carls.body["total"], 2);
    let early = log(format!("?to={}", START + 60)).await;
    assert_eq!(early.body["total"], 2, "Carl's two attempts");
    assert_eq!(
        log("?event=sign_in.magic".into()).await.body["code"],
        "bad_request"
    );
    assert_eq!(
        log(format!("?from={}&to={}", START + 1, START)).await.body["code"],
        "bad_request"
    );

    // The export: the same entries as CSV, a header first.
    let csv = app
        .send(
            Method::GET,
            "/api/admin/security-log/export?outcome=success",
            None,
            Some(&ada),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let content_type = csv.headers["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let text = csv.body.as_str().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "time,event,what,outcome,cause,member,by,address,browser"
    );
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(lines[1].starts_with("2026-01-01T00:02:01Z,admin.role_changed,"));
    assert!(lines[1].contains(",carl@example.com,ada@example.com,"));
}

#[tokio::test]
async fn an_org_without_an_owner_still_changes_roles() {
    // Globex has an admin and no owner (made before roles, say).
    let app = two_orgs().await;
    app.create_account("globex", "dave@example.com").await;
    let dave = id_of(&app, "dave@example.com").await;
    let bob = app.login_ok("bob@example.com", "globex").await;
    let path = format!("/api/admin/members/{dave}/role");
    let promoted = app
        .send(
            Method::PUT,
            &path,
            Some(json!({ "role": "admin" })),
            Some(&bob),
        )
        .await;
    assert_eq!(
        promoted.status,
        StatusCode::NO_CONTENT,
        "{:?}",
        promoted.body
    );
    // The same role again changes nothing and mails nothing.
    let again = app
        .send(
            Method::PUT,
            &path,
            Some(json!({ "role": "admin" })),
            Some(&bob),
        )
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let notices = app
        .mail(1)
        .await
        .iter()
        .filter(|m| m.contains("Your role in your organization changed"))
        .count();
    assert_eq!(notices, 1);
}

#[tokio::test]
async fn an_invitation_never_changes_an_existing_account() {
    let app = two_orgs().await;
    let ada = app.login_ok("ada@example.com", "acme").await;
    let grace = app.login_ok("grace@example.com", "acme").await;
    let invite = |who: &str, body: Value| invite(&app, who.to_owned(), body);
    // An owner invited, not yet set up: an admin's new invitation cannot
    // make them a member.
    let olga = json!({ "email": "olga@example.com", "display_name": "Olga", "role": "owner" });
    assert_eq!(invite(&ada, olga).await.status, StatusCode::CREATED);
    let demoting = json!({ "email": "olga@example.com", "display_name": "Olga" });
    assert_eq!(invite(&grace, demoting).await.body["code"], "conflict");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts WHERE email = 'olga@example.com' AND role = 'owner'"
        )
        .await,
        1
    );
    // Someone linked to the identity provider can sign in: no link by mail.
    let sam = json!({ "email": "sam@example.com", "display_name": "Sam" });
    assert_eq!(
        invite(&grace, sam.clone()).await.status,
        StatusCode::CREATED
    );
    app.exec(
        "INSERT INTO sso_identities (org_id, issuer, subject, account_id, created_at) \
         SELECT org_id, 'https://idp.example', 'sub-sam', id, 0 FROM accounts \
         WHERE email = 'sam@example.com'",
    )
    .await;
    assert_eq!(invite(&grace, sam).await.body["code"], "conflict");
    // Three invitations a day per address.
    let dora = json!({ "email": "dora@example.com", "display_name": "Dora" });
    for _ in 0..3 {
        assert_eq!(
            invite(&grace, dora.clone()).await.status,
            StatusCode::CREATED
        );
    }
    assert_eq!(invite(&grace, dora).await.body["code"], "rate_limited");
}

#[tokio::test]
async fn two_owners_demoting_each_other_at_once_leave_one_owner() {
    let app = two_orgs().await;
    app.exec("UPDATE accounts SET role = 'owner' WHERE email = 'carl@example.com'")
        .await;
    let (ada_id, carl_id) = (
        id_of(&app, "ada@example.com").await,
        id_of(&app, "carl@example.com").await,
    );
    let ada = app.login_ok("ada@example.com", "acme").await;
    let carl = app.login_ok("carl@example.com", "acme").await;
    let demote = |who: String, id: String| {
        let app = &app;
        async move {
            app.send(
                Method::PUT,
                &format!("/api/admin/members/{id}/role"),
                Some(json!({ "role": "admin" })),
                Some(&who),
            )
            .await
            .status
        }
    };
    let (a, b) = tokio::join!(demote(ada, carl_id), demote(carl, ada_id));
    let mut outcomes = [a, b];
    outcomes.sort();
    // The second is refused as the last owner's demotion (409), or — when
    // its session was read after the first committed — as a non-owner
    // touching an owner (403).
    assert_eq!(outcomes[0], StatusCode::NO_CONTENT, "{outcomes:?}");
    assert!(
        [StatusCode::FORBIDDEN, StatusCode::CONFLICT].contains(&outcomes[1]),
        "{outcomes:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE role = 'owner'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_policy_change_says_what_it_ends_before_it_is_made() {
    let app = two_orgs().await;
    let ada = app.login_ok("ada@example.com", "acme").await;
    let carl = app.login_ok("carl@example.com", "acme").await;
    app.login_ok("bob@example.com", "globex").await;
    let current = app
        .send(Method::GET, "/api/admin/policy", None, Some(&ada))
        .await;
    assert_eq!(current.status, StatusCode::OK);
    assert_eq!(
        current.body,
        json!({
            "sso_required": false, "sso_available": false, "require_2fa": false,
            "lockout_attempts": 6, "lockout_secs": 900,
            "max_session_secs": 5_184_000, "idle_timeout_secs": 604_800,
            "passkeys": "offered", "passkeys_required_from": 0, "device_bound_only": false
        })
    );
    let mut wanted = current.body.clone();
    wanted["require_2fa"] = json!(true);
    let put = |query: &'static str, body: Value| {
        let (ada, app) = (ada.clone(), &app);
        async move {
            app.send(
                Method::PUT,
                &format!("/api/admin/policy{query}"),
                Some(body),
                Some(&ada),
            )
            .await
        }
    };
    // Previewed: Ada's and Carl's password sessions would end (not Bob's,
    // in Globex); nothing changes yet.
    let preview = put("?preview=true", wanted.clone()).await;
    assert_eq!(preview.status, StatusCode::OK, "{:?}", preview.body);
    assert_eq!(preview.body["sessions_ending"], 2);
    assert_eq!(preview.body["ends_your_session"], true);
    assert_eq!(preview.body["applied"], false);
    let unchanged = app
        .send(Method::GET, "/api/sessions", None, Some(&carl))
        .await;
    assert_eq!(unchanged.status, StatusCode::OK);

    // Out of bounds, or SSO without a provider: refused, nothing changed.
    for (field, value) in [
        ("lockout_attempts", json!(0)),
        ("idle_timeout_secs", json!(10)),
        ("max_session_secs", json!(60)),
        ("sso_required", json!(true)),
    ] {
        let mut bad = wanted.clone();
        bad[field] = value;
        assert_eq!(put("", bad).await.body["code"], "bad_request", "{field}");
    }

    // Made: the sessions it named end at their next request.
    let made = put("", wanted).await;
    assert_eq!(made.body["applied"], true);
    assert_eq!(made.body["settings"]["require_2fa"], true);
    let ended = app
        .send(Method::GET, "/api/sessions", None, Some(&carl))
        .await;
    assert_eq!(ended.body["code"], "session_ended");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE event = 'admin.policy_changed' \
             AND outcome = 'success' AND actor_id = \
             (SELECT id FROM accounts WHERE email = 'ada@example.com')"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn coverage_lists_who_has_no_passkey_and_asks_them_to_add_one() {
    let app = two_orgs().await;
    app.exec(
        "INSERT INTO passkeys (id, account_id, credential_id, credential, name, aaguid, \
         backup_eligible, backed_up, transports, sign_count, created_at) \
         SELECT 'pk1', id, 'cred1', '{}', 'Key 1', '', false, false, '[]', 0, 0 \
         FROM accounts WHERE email = 'ada@example.com'",
    )
    .await;
    let grace = app.login_ok("grace@example.com", "acme").await;
    let without = app
        .send(
            Method::GET,
            "/api/admin/members?without_passkey=true",
            None,
            Some(&grace),
        )
        .await;
    assert_eq!(without.status, StatusCode::OK, "{:?}", without.body);
    assert_eq!(
        emails(&without.body),
        ["carl@example.com", "grace@example.com"]
    );
    assert_eq!(without.body["total"], 2);

    // Carl can sign in: he is asked to add one in My Account, no link.
    let ask = |id: String| {
        let (app, grace) = (&app, grace.clone());
        async move {
            app.send(
                Method::POST,
                &format!("/api/admin/members/{id}/passkey-request"),
                None,
                Some(&grace),
            )
            .await
        }
    };
    let carl = id_of(&app, "carl@example.com").await;
    let asked = ask(carl.clone()).await;
    assert_eq!(asked.status, StatusCode::NO_CONTENT, "{:?}", asked.body);
    let mail = app.mail_with("Acme asks you to add a passkey").await;
    assert!(mail.contains("To: carl@example.com"));
    assert!(!mail.contains("token="), "no link signs anyone in");
    let log = app
        .send(
            Method::GET,
            &format!("/api/admin/security-log?member={carl}&event=admin.passkey_requested"),
            None,
            Some(&grace),
        )
        .await;
    assert_eq!(log.body["total"], 1, "{:?}", log.body);
    assert_eq!(log.body["entries"][0]["actor_email"], "grace@example.com");
    // The filter's event list names every event, this one too.
    assert!(log.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["name"] == "admin.passkey_requested"));

    // Three a day per member.
    for _ in 0..2 {
        assert_eq!(ask(carl.clone()).await.status, StatusCode::NO_CONTENT);
    }
    assert_eq!(ask(carl).await.body["code"], "rate_limited");

    // A member with a passkey, and another org's member: refused.
    let ada = id_of(&app, "ada@example.com").await;
    assert_eq!(ask(ada).await.body["code"], "conflict");
    let bob = id_of(&app, "bob@example.com").await;
    assert_eq!(ask(bob).await.body["code"], "forbidden");

    // An invitation not taken up yet: a new enrollment link instead.
    let dora = json!({ "email": "dora@example.com", "display_name": "Dora" });
    assert_eq!(
        invite(&app, grace.clone(), dora).await.status,
        StatusCode::CREATED
    );
    let dora = id_of(&app, "dora@example.com").await;
    assert_eq!(ask(dora).await.status, StatusCode::NO_CONTENT);
    let again = app.nth_mail_with("You are invited to Acme", 2).await;
    assert!(find_after(&again, "/enroll#token=").is_some());
}

#[tokio::test]
async fn the_session_says_the_role_the_console_shows() {
    let app = two_orgs().await;
    for (email, role) in [
        ("ada@example.com", "owner"),
        ("grace@example.com", "admin"),
        ("carl@example.com", "member"),
    ] {
        let session = app.login_ok(email, "acme").await;
        let info = app
            .send(Method::GET, "/api/session", None, Some(&session))
            .await;
        assert_eq!(info.body["role"], role, "{email}");
    }
}

#[tokio::test]
async fn a_reset_takes_a_members_passkeys_sessions_codes_and_2fa_and_mails_a_link() {
    let app = two_orgs().await;
    let carl_session = app.login_ok("carl@example.com", "acme").await;
    crate::passkeys::register(&app, &carl_session).await;
    let codes = app
        .send(
            Method::POST,
            "/api/account/recovery-codes",
            None,
            Some(&carl_session),
        )
        .await;
    assert_eq!(codes.status, StatusCode::OK, "{:?}", codes.body);
    app.exec(
        "UPDATE accounts SET totp_secret = 'JBSWY3DPEHPK3PXP' WHERE email = 'carl@example.com'",
    )
    .await;
    let carl = id_of(&app, "carl@example.com").await;
    let asked = app
        .send(
            Method::POST,
            "/api/password/reset/start",
            Some(json!({ "email": "carl@example.com", "org": "acme" })),
            None,
        )
        .await;
    assert!(asked.status.is_success(), "{:?}", asked.body);
    app.until_count(
        &format!("SELECT COUNT(*) FROM email_tokens WHERE account_id = '{carl}'"),
        1,
    )
    .await;
    let owned = |table: &str| format!("SELECT COUNT(*) FROM {table} WHERE account_id = '{carl}'");
    let ada = app.login_ok("ada@example.com", "acme").await;
    let grace = app.login_ok("grace@example.com", "acme").await;
    let reset = |who: String, id: String| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                &format!("/api/admin/members/{id}/reset"),
                None,
                Some(&who),
            )
            .await
        }
    };

    // Refused: oneself, an owner by an admin, another org's member.
    let grace_id = id_of(&app, "grace@example.com").await;
    assert_eq!(
        reset(grace.clone(), grace_id).await.body["code"],
        "conflict"
    );
    let ada_id = id_of(&app, "ada@example.com").await;
    assert_eq!(reset(grace.clone(), ada_id).await.body["code"], "forbidden");
    let bob = id_of(&app, "bob@example.com").await;
    assert_eq!(reset(ada.clone(), bob).await.body["code"], "forbidden");
    assert_eq!(app.count(&owned("passkeys")).await, 1);

    let done = reset(grace.clone(), carl.clone()).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:?}", done.body);
    for table in ["passkeys", "sessions", "recovery_codes"] {
        assert_eq!(app.count(&owned(table)).await, 0, "{table}");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM accounts WHERE id = '{carl}' AND totp_secret IS NULL \
             AND password_hash = ''"
        ))
        .await,
        1,
        "2FA off, and the password gone: a stolen one signs in no more"
    );
    assert_eq!(
        app.login("carl@example.com", "acme", crate::support::PASSWORD)
            .await
            .body["code"],
        "invalid_credentials"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM email_tokens WHERE account_id = '{carl}' AND purpose <> 'enrollment'"
        ))
        .await,
        0
    );
    // Signed out: the session is gone.
    assert_eq!(
        app.session_status(&carl_session).await,
        StatusCode::NO_CONTENT
    );
    let mail = app.mail_with("Your Acme sign-in was reset").await;
    assert!(mail.contains("To: carl@example.com"));
    let token = find_after(&mail, "/enroll#token=").unwrap();
    let described = app
        .send(
            Method::POST,
            "/api/enroll/describe",
            Some(json!({ "token": token })),
            None,
        )
        .await;
    assert_eq!(described.status, StatusCode::OK, "{:?}", described.body);
    let log = app
        .send(
            Method::GET,
            &format!("/api/admin/security-log?member={carl}&event=admin.member_reset"),
            None,
            Some(&ada),
        )
        .await;
    assert_eq!(log.body["total"], 1, "{:?}", log.body);
    assert_eq!(log.body["entries"][0]["actor_email"], "grace@example.com");
}
