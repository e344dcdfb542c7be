//! The admin command line: good input changes the database; bad input exits
//! non-zero with a one-line reason and changes nothing.

use crate::support::TestApp;
use axum::http::StatusCode;
use std::io::Write;
use std::process::{Command, Stdio};

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn latchkey(app: &TestApp, args: &[&str], password: Option<&str>, stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_latchkey"));
    cmd.args(args)
        .env("DATABASE_URL", &app.db_url)
        .env_remove("LATCHKEY_PASSWORD")
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(password) = password {
        cmd.env("LATCHKEY_PASSWORD", password);
    }
    let mut child = cmd.spawn().expect("run latchkey");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

fn assert_refused(run: &Run, reason: &str) {
    assert!(!run.ok, "should fail: {}", run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {:?}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{:?}", run.stderr);
    assert!(
        run.stderr.contains(reason),
        "{:?} should mention {reason:?}",
        run.stderr
    );
}

#[tokio::test]
async fn the_cli_creates_orgs_and_accounts_that_can_sign_in() {
    let app = TestApp::new().await;
    let run = latchkey(
        &app,
        &[
            "org",
            "create",
            "--short-name",
            "acme",
            "--name",
            "Acme Security",
        ],
        None,
        None,
    );
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), "created org acme (Acme Security)");

    let run = latchkey(
        &app,
        &[
            "account",
            "create",
            "--org",
            "acme",
            "--email",
            "ada@example.com",
            "--name",
            "Ada Lovelace",
        ],
        None,
        Some("from stdin 123456\n"),
    );
    assert!(run.ok, "{}", run.stderr);
    let reply = app
        .login("ada@example.com", "acme", "from stdin 123456")
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "password read from stdin, newline dropped"
    );

    let run = latchkey(
        &app,
        &[
            "account",
            "create",
            "--org",
            "acme",
            "--email",
            "grace@example.com",
            "--name",
            "Grace",
        ],
        Some("from the environment"),
        None,
    );
    assert!(run.ok, "{}", run.stderr);
    let reply = app
        .login("grace@example.com", "acme", "from the environment")
        .await;
    assert_eq!(reply.status, StatusCode::OK);

    let run = latchkey(
        &app,
        &[
            "org",
            "update",
            "acme",
            "--sso-required",
            "true",
            "--name",
            "Acme Inc",
            "--lockout-attempts",
            "3",
        ],
        None,
        None,
    );
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM orgs WHERE sso_required AND name = 'Acme Inc' AND lockout_attempts = 3")
            .await,
        1
    );
}

#[tokio::test]
async fn bad_cli_input_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    let account = |org: &'static str, email: &'static str| {
        vec![
            "account", "create", "--org", org, "--email", email, "--name", "Someone",
        ]
    };
    let long = Some("long enough password");

    assert_refused(
        &latchkey(&app, &account("nosuch", "bob@example.com"), long, None),
        "no organization 'nosuch'",
    );
    assert_refused(
        &latchkey(&app, &account("acme", "ada@example.com"), long, None),
        "already exists",
    );
    assert_refused(
        &latchkey(
            &app,
            &account("acme", "bob@example.com"),
            Some("short"),
            None,
        ),
        "too short",
    );
    assert_refused(
        &latchkey(&app, &account("acme", "not-an-email"), long, None),
        "not a valid email",
    );
    assert_refused(
        &latchkey(&app, &account("acme", "bob@example.com"), None, Some("")),
        "too short",
    );
    assert_refused(
        &latchkey(
            &app,
            &["org", "create", "--short-name", "acme", "--name", "Again"],
            None,
            None,
        ),
        "already exists",
    );
    assert_refused(
        &latchkey(
            &app,
            &["org", "create", "--short-name", "acme corp", "--name", "X"],
            None,
            None,
        ),
        "not a valid short name",
    );
    let zero = latchkey(
        &app,
        &["org", "update", "acme", "--lockout-attempts", "0"],
        None,
        None,
    );
    assert!(!zero.ok, "a lockout needs at least one attempt");
    assert_refused(
        &latchkey(
            &app,
            &["org", "update", "nosuch", "--require-2fa", "true"],
            None,
            None,
        ),
        "no organization",
    );

    assert_eq!(app.count("SELECT COUNT(*) FROM orgs").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 1);
}

#[tokio::test]
async fn a_passkey_only_account_and_its_enrollment_link_come_from_the_cli() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    let create = [
        "account",
        "create",
        "--org",
        "acme",
        "--email",
        "kj@example.com",
        "--name",
        "KJ",
        "--no-password",
    ];
    let run = latchkey(&app, &create, None, None);
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE password_hash = ''")
            .await,
        1,
        "no password read, none stored"
    );
    let link_args = |valid_for: &'static str| {
        [
            "account",
            "enroll-link",
            "--org",
            "acme",
            "--email",
            "KJ@example.com",
            "--valid-for",
            valid_for,
        ]
    };
    let bad = latchkey(&app, &link_args("31d"), None, None);
    assert!(!bad.ok);
    assert!(bad.stderr.contains("30 days"), "{}", bad.stderr);
    let run = latchkey(&app, &link_args("90m"), None, None);
    assert!(run.ok, "{}", run.stderr);
    let link = run.stdout.trim();
    assert!(link.contains("/enroll#token="), "{link}");
    let token = crate::support::find_after(link, "#token=").unwrap();
    let expires = app
        .count("SELECT MAX(expires_at - created_at) FROM email_tokens WHERE purpose = 'enrollment'")
        .await;
    assert_eq!(expires, 90 * 60);
    let body = serde_json::json!({ "token": token });
    let reply = app
        .send(
            axum::http::Method::POST,
            "/api/enroll/describe",
            Some(body),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["email"], "kj@example.com");
    let unknown = latchkey(
        &app,
        &[
            "account",
            "enroll-link",
            "--org",
            "acme",
            "--email",
            "nobody@example.com",
        ],
        None,
        None,
    );
    assert!(!unknown.ok);
    assert!(unknown.stderr.contains("no account"), "{}", unknown.stderr);
}

#[tokio::test]
async fn the_cli_connects_an_identity_provider_and_never_shows_its_secret() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme").await;
    let issuer = crate::idp::RealIdp::issuer();
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("client-secret");
    std::fs::write(&secret_file, format!("{}\n", crate::idp::CLIENT_SECRET)).unwrap();
    let secret_path = secret_file.to_str().unwrap();
    let set = |org: &str, issuer: &str| {
        latchkey(
            &app,
            &[
                "org",
                "sso",
                "set",
                org,
                "--issuer",
                issuer,
                "--client-id",
                "latchkey",
                "--client-secret-file",
                secret_path,
                "--jit-domain",
                "Example.com",
                "--required",
            ],
            None,
            None,
        )
    };
    let run = set("acme", &issuer);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.contains("single sign-on required"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(crate::idp::CLIENT_SECRET));
    assert!(!run.stderr.contains(crate::idp::CLIENT_SECRET));
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM org_sso WHERE client_secret = 'latchkey-client-secret' \
             AND jit_domains = 'example.com' AND scopes = 'email profile'"
        )
        .await,
        1,
        "the secret file's line, trimmed; the domain in canonical form"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM orgs WHERE sso_required")
            .await,
        1
    );

    // Nothing is saved for a provider that does not answer, an unknown org,
    // or an issuer that is not https.
    assert_refused(&set("acme", "http://127.0.0.1:9"), "nothing was saved");
    assert_refused(&set("nope", &issuer), "no organization");
    assert_refused(&set("acme", "http://login.example.com"), "use https");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM org_sso WHERE issuer = '{issuer}'"
        ))
        .await,
        1
    );

    let run = latchkey(&app, &["org", "sso", "remove", "acme"], None, None);
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(app.count("SELECT COUNT(*) FROM org_sso").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM orgs WHERE sso_required")
            .await,
        0
    );
    assert_refused(
        &latchkey(&app, &["org", "sso", "remove", "acme"], None, None),
        "has no identity provider",
    );
}

/// `latchkey backup FILE` while the server holds the database (this test
/// instance), then the README's restore: the copy put in place of the
/// database, and the server started on it.
#[tokio::test]
async fn a_backup_taken_while_serving_restores_every_account_and_session() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latchkey-backup.db");
    let file_arg = file.to_str().unwrap();
    if app.db_url.starts_with("postgres") {
        let run = latchkey(&app, &["backup", file_arg], None, None);
        assert_refused(&run, "pg_dump");
        return;
    }
    app.create_org("acme", "Acme").await;
    app.create_account("acme", "ada@example.com").await;
    app.login_ok("ada@example.com", "acme").await;

    let run = latchkey(&app, &["backup", file_arg], None, None);
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout.contains("backed up the database"),
        "{}",
        run.stdout
    );
    // The server went on writing meanwhile, and a backup never overwrites.
    app.create_account("acme", "grace@example.com").await;
    assert_refused(
        &latchkey(&app, &["backup", file_arg], None, None),
        "already exists",
    );

    // Restore: the copy becomes the database of a server started on it.
    let restored = dir.path().join("restored.db");
    std::fs::copy(&file, &restored).unwrap();
    let url = format!("sqlite://{}", restored.display());
    let db = domain::store::db::Db::connect(&url).await.unwrap();
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            domain::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await)
                .unwrap()
        }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM accounts").await,
        1,
        "as of the backup"
    );
    assert_eq!(count("SELECT COUNT(*) FROM sessions").await, 1);
    let check =
        domain::with_pool!(&db, pool => sqlx::query_scalar::<_, String>("PRAGMA integrity_check")
        .fetch_one(pool)
        .await)
        .unwrap();
    assert_eq!(check, "ok");
    db.close().await;
    let out = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .args([
            "org",
            "create",
            "--short-name",
            "globex",
            "--name",
            "Globex",
        ])
        .env("DATABASE_URL", &url)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn roles_are_given_at_creation_and_changed_from_the_cli_keeping_an_owner() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme Security").await;
    let create = |email: &str, role: &str| {
        latchkey(
            &app,
            &[
                "account", "create", "--org", "acme", "--email", email, "--name", "N", "--role",
                role,
            ],
            Some(crate::support::PASSWORD),
            None,
        )
    };
    assert!(create("ada@example.com", "owner").ok);
    assert!(create("grace@example.com", "admin").ok);
    let unknown = create("eve@example.com", "root");
    assert!(
        !unknown.ok
            && unknown
                .stderr
                .contains("possible values: member, admin, owner")
    );
    let role_of = |email: &'static str| {
        let app = &app;
        async move {
            app.count(&format!(
                "SELECT COUNT(*) FROM accounts WHERE email = '{email}' AND role = 'owner'"
            ))
            .await
        }
    };
    assert_eq!(role_of("ada@example.com").await, 1);
    let set = |email: &str, role: &str| {
        latchkey(
            &app,
            &[
                "account", "set-role", "--org", "acme", "--email", email, "--role", role,
            ],
            None,
            None,
        )
    };
    assert_refused(&set("ada@example.com", "admin"), "at least one owner");
    let promoted = set("grace@example.com", "owner");
    assert!(promoted.ok, "{}", promoted.stderr);
    assert!(promoted
        .stdout
        .contains("grace@example.com is now owner of acme"));
    assert!(set("ada@example.com", "member").ok);
    assert_eq!(role_of("ada@example.com").await, 0);
    assert_refused(&set("nobody@example.com", "admin"), "no account");
}
