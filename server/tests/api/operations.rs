//! What runs the server asks of it: health and readiness probes, and the
//! well-known passkey endpoints password managers read.

use crate::support::{TestApp, ORIGIN, START};
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn health_and_readiness_answer_and_readiness_follows_the_database() {
    let app = TestApp::new().await;
    let health = app.send(Method::GET, "/healthz", None, None).await;
    assert_eq!(
        (health.status, health.body),
        (StatusCode::OK, json!({ "status": "ok" }))
    );
    let ready = app.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(
        (ready.status, ready.body),
        (StatusCode::OK, json!({ "status": "ready" }))
    );
    // A migration this build knows, missing from the database: not ready.
    app.exec(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .await;
    let missing = app.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(missing.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        missing.body,
        json!({ "status": "unavailable" }),
        "no detail to the prober"
    );
    // The database gone: not ready, and the process still healthy; a
    // request that needs the database is told to try again (503
    // `unavailable`), not that the server broke.
    app.state.db.close().await;
    let closed = app.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(closed.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = json!({ "email": "ada@example.com", "org": "acme", "password": "x" });
    let refused = app
        .send(Method::POST, "/api/login/password", Some(body), None)
        .await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.body["code"], "unavailable");
    assert_eq!(
        app.send(Method::GET, "/healthz", None, None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_passkey_endpoints_name_my_account_on_the_configured_origin() {
    let app = TestApp::new().await;
    let reply = app
        .send_with(
            Method::GET,
            "/.well-known/passkey-endpoints",
            None,
            &[("host", "evil.example".to_owned())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.headers["content-type"].to_str().unwrap(),
        "application/json"
    );
    let account = format!("{ORIGIN}/account");
    assert_eq!(reply.body, json!({ "enroll": account, "manage": account }));
}

#[tokio::test]
async fn a_missing_bundle_file_is_404_and_any_other_path_the_shell() {
    let app = TestApp::new().await;
    // An older release's chunk, after an upgrade: never the HTML shell,
    // which would be cached under the wasm's name.
    let old = app
        .send(
            Method::GET,
            "/pkg/split___console_route_view_1.Old.wasm",
            None,
            None,
        )
        .await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
    let page = app.send(Method::GET, "/admin/policy", None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
}

/// A `latchkey serve` process on a free port of 127.0.0.1, on the test
/// instance's database, with `env` set; its standard error collected.
struct Served {
    child: std::process::Child,
    base: String,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Served {
    /// Waits (up to 30 s) until it answers `/healthz`. A port taken
    /// meanwhile by another test (`free_port` only finds one that was free)
    /// makes the process exit: it is started again on another port.
    async fn start(app: &TestApp, env: &[(&str, &str)]) -> Self {
        for _ in 0..3 {
            let mut served = Self::spawn(app, env).await;
            if served.child.try_wait().unwrap().is_none() {
                return served;
            }
        }
        panic!("`latchkey serve` did not start");
    }

    async fn spawn(app: &TestApp, env: &[(&str, &str)]) -> Self {
        use std::io::BufRead;
        let port = crate::smtp::free_port();
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"))
            .arg("serve")
            .env("DATABASE_URL", &app.db_url)
            .env("LATCHKEY_DATA_DIR", dir.path())
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", dir.path())
            .env("LEPTOS_OUTPUT_NAME", "latchkey")
            .env("RUST_LOG", "info,sqlx=warn")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let lines = std::io::BufReader::new(child.stderr.take().unwrap());
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if http.get(format!("{base}/healthz")).send().await.is_ok()
                || child.try_wait().unwrap().is_some()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Served {
            child,
            base,
            stderr,
            _dir: dir,
        }
    }

    /// Stops the server and returns what it wrote to standard error.
    fn stop(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(std::time::Duration::from_millis(100));
        let lines = self.stderr.lock().unwrap().clone();
        lines
    }
}

#[tokio::test]
async fn json_logs_name_each_request_by_the_id_it_was_answered_with() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme").await;
    app.create_account("acme", "ada@example.com").await;
    let served = Served::start(&app, &[("LATCHKEY_LOG_FORMAT", "json")]).await;
    let http = reqwest::Client::new();
    let signed_in = http
        .post(format!("{}/api/login/password", served.base))
        .header("x-request-id", "forged-by-the-client")
        .json(&json!({ "email": "ada@example.com", "org": "acme", "password": crate::support::PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let id = signed_in.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        uuid::Uuid::parse_str(&id).is_ok(),
        "our own id, not the client's: {id}"
    );
    let other = http
        .get(format!("{}/healthz", served.base))
        .send()
        .await
        .unwrap();
    assert_ne!(other.headers()["x-request-id"].to_str().unwrap(), id);

    let lines = served.stop();
    let entries: Vec<serde_json::Value> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert!(entries
        .iter()
        .all(|e| e["level"].is_string() && e["timestamp"].is_string()));
    let opened = entries
        .iter()
        .find(|e| e["fields"]["message"] == "session opened")
        .expect("a line for the session opened");
    assert_eq!(opened["span"]["request_id"], id);
    assert_eq!(opened["span"]["path"], "/api/login/password");
    assert!(!lines.iter().any(|l| l.contains("forged")));
}

#[tokio::test]
async fn an_unknown_log_format_is_refused_at_start() {
    let app = TestApp::new().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .arg("serve")
        .env("DATABASE_URL", &app.db_url)
        .env("LATCHKEY_LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("use text or json"));
}

/// The Prometheus text served at `addr`'s `/metrics`.
async fn scrape(http: &reqwest::Client, addr: &str) -> String {
    http.get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The line of `metrics` (Prometheus text) for `name` with all of
/// `labels`, and its value.
fn metric(metrics: &str, name: &str, labels: &[&str]) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let named = series == name || series.starts_with(&format!("{name}{{"));
        (named && labels.iter().all(|l| series.contains(l))).then(|| value.parse().ok())?
    })
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address_only_when_asked_for() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme").await;
    app.create_account("acme", "ada@example.com").await;
    let metrics_port = crate::smtp::free_port();
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let served = Served::start(&app, &[("LATCHKEY_METRICS_ADDR", &metrics_addr)]).await;
    let http = reqwest::Client::new();
    let login = |password: &'static str| {
        let http = http.clone();
        let url = format!("{}/api/login/password", served.base);
        async move {
            http.post(url)
                .json(&json!({ "email": "ada@example.com", "org": "acme", "password": password }))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(login(crate::support::PASSWORD).await, 200);
    assert_eq!(login("wrong password").await, 401);
    http.get(format!("{}/api/passkeys/some-id", served.base))
        .send()
        .await
        .unwrap();

    let text = scrape(&http, &metrics_addr).await;
    let requests = "latchkey_http_requests_total";
    let login_route = r#"route="/api/login/password""#;
    assert_eq!(
        metric(&text, requests, &[login_route, r#"status="200""#]),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        metric(&text, requests, &[login_route, r#"status="401""#]),
        Some(1.0)
    );
    // Routes by their template, never the raw path.
    assert!(
        metric(&text, requests, &[r#"route="/api/passkeys/{id}""#]).is_some(),
        "{text}"
    );
    assert!(!text.contains("some-id"));
    let histogram = "latchkey_http_request_duration_seconds_count";
    assert_eq!(metric(&text, histogram, &[login_route]), Some(2.0));
    let audit = "latchkey_audit_events_total";
    let password = r#"event="sign_in.password""#;
    assert_eq!(
        metric(&text, audit, &[password, r#"outcome="success""#]),
        Some(1.0)
    );
    assert_eq!(
        metric(
            &text,
            audit,
            &[
                password,
                r#"outcome="failure""#,
                r#"cause="wrong_password""#
            ]
        ),
        Some(1.0)
    );
    assert!(metric(&text, "latchkey_db_connections", &[r#"state="open""#]).unwrap() >= 1.0);

    // Not on the public port.
    let public = http
        .get(format!("{}/metrics", served.base))
        .send()
        .await
        .unwrap();
    assert!(!public
        .text()
        .await
        .unwrap()
        .contains("latchkey_http_requests_total"));
    served.stop();

    // Off unless asked for: nothing listens there.
    let served = Served::start(&app, &[]).await;
    assert!(http
        .get(format!("http://{metrics_addr}/metrics"))
        .send()
        .await
        .is_err());
    served.stop();
}

#[tokio::test]
async fn mail_queued_before_a_sigkill_is_delivered_after_the_restart() {
    let mut app = TestApp::new().await;
    // Only the `latchkey serve` processes below send this database's mail.
    app.stop_mail_sender().await;
    app.create_org("acme", "Acme").await;
    app.create_account("acme", "ada@example.com").await;
    let smtp_port = crate::smtp::free_port().to_string();
    let metrics_addr = format!("127.0.0.1:{}", crate::smtp::free_port());
    let env = [
        ("LATCHKEY_SMTP_HOST", "127.0.0.1"),
        ("LATCHKEY_SMTP_PORT", smtp_port.as_str()),
        ("LATCHKEY_SMTP_TLS", "none"),
        ("LATCHKEY_METRICS_ADDR", metrics_addr.as_str()),
    ];
    let http = reqwest::Client::new();

    // The mail server is down: the change commits, its message waits.
    let served = Served::start(&app, &env).await;
    let asked = http
        .post(format!("{}/api/login/org-list", served.base))
        .json(&json!({ "email": "ada@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 202);
    let failed = "SELECT COUNT(*) FROM mail_queue WHERE attempts >= 1 AND last_error IS NOT NULL";
    app.until_count(failed, 1).await;
    let mut text = String::new();
    for _ in 0..30 {
        // The depth gauge is set after each look at the queue.
        text = scrape(&http, &metrics_addr).await;
        if metric(&text, "latchkey_mail_queue_depth", &[]) == Some(1.0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        metric(&text, "latchkey_mail_queue_depth", &[]),
        Some(1.0),
        "{text}"
    );
    assert!(metric(&text, "latchkey_mail_total", &[r#"outcome="retried""#]) >= Some(1.0));

    // Killed (SIGKILL: no shutdown of any kind), the mail server back, a
    // new process: the message goes out, once.
    served.stop();
    let smtp = crate::smtp::Smtp::start(smtp_port.parse().unwrap());
    let served = Served::start(&app, &env).await;
    let arrived = smtp.wait_for(1).await;
    assert!(arrived[0].contains("To: ada@example.com"));
    app.until_count("SELECT COUNT(*) FROM mail_queue", 0).await;
    served.stop();
    assert_eq!(smtp.messages().len(), 1, "once");
}

/// Runs `sql` on the database's writing connection, giving its error back.
async fn try_exec(app: &TestApp, sql: &str) -> Result<(), sqlx::Error> {
    domain::with_pool!(&app.state.db, pool => sqlx::query(sql).execute(pool).await.map(|_| ()))
}

#[tokio::test]
async fn an_sqlite_disk_that_is_full_or_read_only_refuses_changes_whole_and_recovers() {
    let app = TestApp::new().await;
    if app.db_url.starts_with("postgres") {
        return; // SQLite's own failure modes; PostgreSQL's outage has scripts/outage.sh.
    }
    app.create_org("acme", "Acme").await;
    app.create_account("acme", "ada@example.com").await;
    let session = app.login_ok("ada@example.com", "acme").await;
    let _other = app.login_ok("ada@example.com", "acme").await;
    let state = || async {
        let hash = domain::with_pool!(&app.state.db, pool =>
            sqlx::query_scalar::<_, String>("SELECT password_hash FROM accounts")
                .fetch_one(pool)
                .await)
        .unwrap();
        (
            app.count("SELECT COUNT(*) FROM sessions").await,
            app.count("SELECT COUNT(*) FROM mail_queue").await,
            hash,
        )
    };
    let before = state().await;
    let change = |password: &'static str| {
        app.send(
            Method::POST,
            "/api/account/password",
            Some(json!({ "password": password })),
            Some(&session),
        )
    };

    // The disk is full: SQLite's page limit is the file's size now, and
    // the mail queue's pages are packed to the last byte.
    let pages = app.count("PRAGMA page_count").await;
    try_exec(&app, &format!("PRAGMA max_page_count = {pages}"))
        .await
        .unwrap();
    for size in [2000, 200, 20, 1] {
        let filler = format!(
            "INSERT INTO mail_queue (id, recipient, subject, text_body, html_body, created_at, \
             next_attempt_at, given_up_at) VALUES (lower(hex(randomblob(8))), '', \
             substr(hex(zeroblob({size})), 1, {size}), '', '', {START}, {START}, {START})"
        );
        while try_exec(&app, &filler).await.is_ok() {}
    }
    let full = app
        .count(&format!(
            "SELECT COUNT(*) FROM mail_queue WHERE given_up_at = {START}"
        ))
        .await;
    let before = (before.0, before.1 + full, before.2);
    assert!(full > 0);
    let refused = change("a passphrase for a full disk").await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.body["code"], "unavailable");
    assert!(refused.body["message"]
        .as_str()
        .unwrap()
        .contains("Nothing was changed"));
    assert_eq!(
        state().await,
        before,
        "no password, no ended session, no notice"
    );
    // Room again: the same change goes through.
    try_exec(
        &app,
        &format!("DELETE FROM mail_queue WHERE given_up_at = {START}"),
    )
    .await
    .unwrap();
    try_exec(&app, "PRAGMA max_page_count = 1073741823")
        .await
        .unwrap();
    let before = state().await;
    assert_eq!(
        change("a passphrase once there is room").await.status,
        StatusCode::OK
    );
    let after = state().await;
    assert_eq!(after.0, before.0 - 1, "the other session ended");
    assert_ne!(after.2, before.2, "the new password");
    // Its notice delivered, the queue is empty again.
    app.mail_with("Your Latchkey password was changed").await;
    app.until_count("SELECT COUNT(*) FROM mail_queue", 0).await;
    let before = state().await;
    assert_eq!(before.1, 0);

    // Read-only (a file system remounted read-only answers SQLite the
    // same way: SQLITE_READONLY).
    try_exec(&app, "PRAGMA query_only = ON").await.unwrap();
    let refused = change("a passphrase for a read-only disk").await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.body["code"], "unavailable");
    assert_eq!(state().await, before);
    try_exec(&app, "PRAGMA query_only = OFF").await.unwrap();
    assert_eq!(
        change("a passphrase when writable").await.status,
        StatusCode::OK
    );
}
