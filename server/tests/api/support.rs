//! A test instance of the app: fresh database, manual clock, and helpers to
//! send requests the way a browser would.

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use domain::clock::Clock;
use domain::limits::RateLimits;
use domain::store::accounts::{self, NewAccount};
use domain::store::db::Db;
use domain::store::orgs::{self, NewOrg};
use domain::{Domain, WebConfig};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use server::state::AppState;
use tower::ServiceExt;

pub const ORIGIN: &str = "http://localhost:3000";
/// What the test client calls itself (and the audit trail records).
pub const USER_AGENT: &str = "latchkey-tests/1";
pub const PASSWORD: &str = "correct horse battery";
/// 2026-01-01T00:00:00Z: tests start at a fixed, known time.
pub const START: i64 = 1_767_225_600;

pub struct TestApp {
    pub state: AppState,
    pub clock: Clock,
    /// The database URL, for running the binary against the same database.
    pub db_url: String,
    /// Where the mailer writes `.eml` files.
    pub outbox: std::path::PathBuf,
    /// The public origin this instance serves (and its test client claims).
    pub origin: String,
    /// The SMTP server (on 127.0.0.1) mail goes to instead of the outbox.
    pub smtp_port: Option<u16>,
    router: Router,
    mail_sender: Option<domain::mail::sender::Sender>,
    _dir: tempfile::TempDir,
}

/// A response, with the body parsed as JSON (`Value::Null` when empty).
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The value of the session cookie this response set, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookie_header()
            .and_then(|c| c.split(';').next().map(str::to_owned))
            .and_then(|pair| pair.split_once('=').map(|(_, v)| v.to_owned()))
            .filter(|v| !v.is_empty())
    }

    pub fn set_cookie_header(&self) -> Option<String> {
        self.headers
            .get(header::SET_COOKIE)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

async fn fresh_database_url(dir: &tempfile::TempDir) -> String {
    match std::env::var("LATCHKEY_TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            use sqlx::Connection;
            let name = format!("latchkey_test_{}", uuid::Uuid::new_v4().simple());
            let mut admin = sqlx::PgConnection::connect(&base)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("create test database");
            let mut url = url::Url::parse(&base).unwrap();
            url.set_path(&name);
            url.to_string()
        }
        _ => format!("sqlite://{}", dir.path().join("test.db").display()),
    }
}

/// How a test instance differs from the default one.
struct Setup {
    clock: Clock,
    limits: RateLimits,
    origin: String,
    /// `LATCHKEY_TRUSTED_PROXIES` syntax.
    trusted_proxies: String,
    /// Seconds; the server's default.
    ceremony_lifetime_secs: i64,
    /// Mail goes to this SMTP port of 127.0.0.1 (no TLS), not the outbox.
    smtp_port: Option<u16>,
    /// `LATCHKEY_SSO_ISSUERS`.
    sso_issuers: Vec<String>,
    /// `LATCHKEY_RELATED_ORIGINS`.
    related_origins: Vec<String>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            clock: Clock::manual(START),
            limits: RateLimits::default(),
            origin: ORIGIN.to_owned(),
            trusted_proxies: String::new(),
            ceremony_lifetime_secs: 300,
            smtp_port: None,
            sso_issuers: Vec::new(),
            related_origins: Vec::new(),
        }
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::fresh(Setup::default()).await
    }

    /// A test instance with its own per-address rate limits.
    pub async fn with_limits(limits: RateLimits) -> Self {
        Self::fresh(Setup {
            limits,
            ..Setup::default()
        })
        .await
    }

    /// A test instance whose org admins may connect these issuers.
    pub async fn with_sso_issuers(issuers: &[&str]) -> Self {
        Self::fresh(Setup {
            sso_issuers: issuers.iter().map(|i| (*i).to_owned()).collect(),
            ..Setup::default()
        })
        .await
    }

    /// A test instance serving another public origin (an https one, say).
    pub async fn with_origin(origin: &str) -> Self {
        Self::fresh(Setup {
            origin: origin.to_owned(),
            ..Setup::default()
        })
        .await
    }

    /// A test instance serving `origin` and, with the same passkeys, the
    /// `related` origins (`LATCHKEY_RELATED_ORIGINS`).
    pub async fn with_related_origins(origin: &str, related: &[&str]) -> Self {
        Self::fresh(Setup {
            origin: origin.to_owned(),
            related_origins: related.iter().map(|o| (*o).to_owned()).collect(),
            ..Setup::default()
        })
        .await
    }

    /// A test instance whose WebAuthn ceremonies can be finished for
    /// `secs` seconds (`LATCHKEY_CEREMONY_LIFETIME_SECS`).
    pub async fn with_ceremony_lifetime(secs: i64) -> Self {
        Self::fresh(Setup {
            ceremony_lifetime_secs: secs,
            ..Setup::default()
        })
        .await
    }

    /// A test instance behind the given trusted proxies
    /// (`LATCHKEY_TRUSTED_PROXIES` syntax).
    pub async fn behind_proxies(trusted_proxies: &str) -> Self {
        Self::fresh(Setup {
            trusted_proxies: trusted_proxies.to_owned(),
            ..Setup::default()
        })
        .await
    }

    /// A test instance that mails through the SMTP server on `port` of
    /// 127.0.0.1 (which may not be listening yet).
    pub async fn with_smtp(port: u16) -> Self {
        Self::fresh(Setup {
            smtp_port: Some(port),
            ..Setup::default()
        })
        .await
    }

    /// A second server instance on this one's database, clock and mail
    /// server, as when several instances run behind a load balancer.
    pub async fn second_instance(&self) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let setup = Setup {
            clock: self.clock.clone(),
            limits: self.state.limits,
            origin: self.origin.clone(),
            ceremony_lifetime_secs: self.state.ceremony_lifetime_secs,
            smtp_port: self.smtp_port,
            ..Setup::default()
        };
        Self::instance(dir, self.db_url.clone(), setup).await
    }

    /// An instance on a fresh database.
    async fn fresh(setup: Setup) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db_url = fresh_database_url(&dir).await;
        Self::instance(dir, db_url, setup).await
    }

    async fn instance(dir: tempfile::TempDir, db_url: String, setup: Setup) -> Self {
        let trusted_proxies = server::auth::parse_trusted_proxies(&setup.trusted_proxies).unwrap();
        let db = Db::connect(&db_url).await.expect("connect and migrate");
        let leptos = leptos::config::LeptosOptions::builder()
            .output_name("latchkey")
            .site_root(dir.path().to_string_lossy().to_string())
            .build();
        let web = WebConfig::from_origin(&setup.origin)
            .and_then(|web| {
                web.with_related_origins(setup.related_origins.iter().map(String::as_str))
            })
            .unwrap();
        let clock = setup.clock;
        let domain = Domain::new(
            db,
            domain::Config {
                web,
                clock: clock.clone(),
                hash_threads: 2,
                reauth_window_secs: 300,
                ceremony_lifetime_secs: setup.ceremony_lifetime_secs,
                limits: setup.limits,
                mailer: match setup.smtp_port {
                    None => domain::mail::Mailer::outbox(&dir.path().join("outbox")).unwrap(),
                    Some(port) => {
                        let config = domain::mail::MailConfig {
                            smtp_host: Some("127.0.0.1".into()),
                            smtp_port: Some(port),
                            smtp_tls: "none".into(),
                            mail_from: "Latchkey <no-reply@localhost>".into(),
                            ..Default::default()
                        };
                        // The tests' silent server is given up on in 2 s.
                        domain::mail::Mailer::new(&config, dir.path())
                            .unwrap()
                            .with_send_deadline(std::time::Duration::from_secs(2))
                    }
                },
                admin_sso_issuers: setup.sso_issuers.clone(),
            },
        )
        .await
        .expect("the domain");
        let mail_sender = domain::mail::sender::Sender::spawn(&domain);
        let state = AppState {
            domain,
            trusted_proxies: trusted_proxies.into(),
            leptos,
        };
        let router = server::app(state.clone());
        let outbox = dir.path().join("outbox");
        Self {
            state,
            clock,
            db_url,
            outbox,
            origin: setup.origin,
            smtp_port: setup.smtp_port,
            router,
            mail_sender: Some(mail_sender),
            _dir: dir,
        }
    }

    /// Stops this instance's mail sender (for tests where another process
    /// sends this database's mail).
    pub async fn stop_mail_sender(&mut self) {
        if let Some(sender) = self.mail_sender.take() {
            sender.stop().await;
        }
    }

    pub async fn create_org(&self, short_name: &str, name: &str) {
        let new = NewOrg {
            short_name: short_name.into(),
            name: name.into(),
            sso_required: false,
            require_2fa: false,
        };
        orgs::create(&self.state.db, &self.clock, new)
            .await
            .unwrap();
    }

    pub async fn create_account(&self, org: &str, email: &str) {
        let new = NewAccount {
            org: org.into(),
            email: email.into(),
            display_name: "Test Person".into(),
            password: Some(PASSWORD.into()),
        };
        accounts::create(&self.state.db, &self.clock, &self.state.passwords, new)
            .await
            .unwrap();
    }

    /// Sends a request as this site's own page would (same-origin headers).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        cookie: Option<&str>,
    ) -> Reply {
        let mut headers = vec![
            ("sec-fetch-site", "same-origin".to_owned()),
            ("origin", self.origin.clone()),
            ("user-agent", USER_AGENT.to_owned()),
        ];
        if let Some(token) = cookie {
            let name = server::auth::cookie_name(&self.state.web);
            headers.push(("cookie", format!("{name}={token}")));
        }
        self.send_with(method, path, body, &headers).await
    }

    /// Sends a request with exactly the given extra headers.
    pub async fn send_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, String)],
    ) -> Reply {
        let loopback = std::net::IpAddr::from([127, 0, 0, 1]);
        self.send_from(loopback, method, path, body, headers).await
    }

    /// Sends a request over a connection from `peer`, with exactly the
    /// given extra headers.
    pub async fn send_from(
        &self,
        peer: std::net::IpAddr,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, String)],
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request = match body {
            Some(json) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap();
        // As `serve` does: the client's address, for rate limits and the audit trail.
        let mut request = request;
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                peer, 50_000,
            )));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Posts a ceremony finish to `path`: the ceremony id from `start` (a
    /// start's answer body) and `credential`, as the browser would.
    pub async fn finish(
        &self,
        path: &str,
        start: &Value,
        credential: &Value,
        token: Option<&str>,
    ) -> Reply {
        let body = json!({ "ceremony_id": start["ceremony_id"], "credential": credential });
        self.send(Method::POST, path, Some(body), token).await
    }

    /// Starts a discoverable passkey sign-in ("Log in with passkey"),
    /// whatever the answer.
    pub async fn passkey_start(&self) -> Reply {
        let body = json!({});
        self.send(Method::POST, "/api/login/passkey/start", Some(body), None)
            .await
    }

    pub async fn login(&self, email: &str, org: &str, password: &str) -> Reply {
        let body = json!({ "email": email, "org": org, "password": password });
        self.send(Method::POST, "/api/login/password", Some(body), None)
            .await
    }

    /// Signs in with the test password and returns the session token.
    pub async fn login_ok(&self, email: &str, org: &str) -> String {
        let reply = self.login(email, org, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        reply.session_cookie().expect("a session cookie")
    }

    /// `GET /api/session` with `token`: 200 signed in, 204 not.
    pub async fn session_status(&self, token: &str) -> StatusCode {
        self.send(Method::GET, "/api/session", None, Some(token))
            .await
            .status
    }

    /// The decoded messages in the outbox, waiting up to 5 s for `at_least`
    /// of them (mail is sent in the background).
    pub async fn mail(&self, at_least: usize) -> Vec<String> {
        for _ in 0..50 {
            let messages = read_outbox(&self.outbox);
            if messages.len() >= at_least {
                return messages;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        read_outbox(&self.outbox)
    }

    /// The newest complete message whose subject starts with `subject`,
    /// waiting up to 5 s for it (mail is sent in the background, and a
    /// file may be read while it is still being written).
    pub async fn mail_with(&self, subject: &str) -> String {
        self.nth_mail_with(subject, 1).await
    }

    /// The newest complete message whose subject starts with `subject`,
    /// once at least `at_least` such messages are there (up to 5 s).
    pub async fn nth_mail_with(&self, subject: &str, at_least: usize) -> String {
        let header = format!("Subject: {subject}");
        for _ in 0..50 {
            let mut found: Vec<(std::time::SystemTime, String)> = read_outbox_timed(&self.outbox)
                .into_iter()
                .filter(|(_, m)| m.contains(&header) && m.trim_end().ends_with("--"))
                .collect();
            if found.len() >= at_least {
                found.sort_by_key(|(at, _)| *at);
                return found.pop().map(|(_, m)| m).unwrap_or_default();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "fewer than {at_least} messages '{subject}' in {:?}",
            read_outbox(&self.outbox)
        );
    }

    /// Runs one SQL COUNT against the test database.
    pub async fn count(&self, sql: &str) -> i64 {
        domain::with_pool!(&self.state.db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await).unwrap()
    }

    /// Waits (up to 10 s) until `sql` counts `expected`, then asserts it:
    /// for what the background mail sender does.
    pub async fn until_count(&self, sql: &str, expected: i64) {
        for _ in 0..100 {
            if self.count(sql).await == expected {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(self.count(sql).await, expected, "{sql}");
    }

    /// Runs one SQL statement against the test database.
    pub async fn exec(&self, sql: &str) {
        domain::with_pool!(&self.state.db, pool => sqlx::query(sql).execute(pool).await.map(|_| ()))
            .unwrap()
    }
}

fn read_outbox(dir: &std::path::Path) -> Vec<String> {
    read_outbox_timed(dir).into_iter().map(|(_, m)| m).collect()
}

/// The decoded messages with the time each file was last written.
fn read_outbox_timed(dir: &std::path::Path) -> Vec<(std::time::SystemTime, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter_map(|e| {
            let at = e.metadata().and_then(|m| m.modified()).ok()?;
            let text = std::fs::read_to_string(e.path()).ok()?;
            Some((at, decode_quoted_printable(&text)))
        })
        .collect()
}

/// Undoes quoted-printable (soft line breaks and =XX escapes), enough to
/// read the messages as text.
pub fn decode_quoted_printable(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The text after `marker` in `text`, up to the first character that
/// cannot be part of a URL token.
pub fn find_after(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    Some(
        text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}
