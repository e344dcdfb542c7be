//! Identity providers for the single sign-on tests.
//!
//! - [`RealIdp`]: `oidc-provider` (npm, a certified OpenID Provider), the
//!   one in `end2end/oidc/provider.mjs`, started once per test binary and
//!   driven through its login page over HTTP as a browser would.
//! - [`FakeIdp`]: a small provider of our own that signs ID tokens badly
//!   on request (`alg: none`, a forged signature, an unknown key, a wrong
//!   audience…): the hostile cases a certified provider never produces.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::BufRead;
use std::sync::{Arc, Mutex, OnceLock};

/// The test client registered at both providers.
pub const CLIENT_ID: &str = "latchkey";
pub const CLIENT_SECRET: &str = "latchkey-client-secret";

/// The query parameters of a URL.
pub fn query_of(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

// --- oidc-provider ------------------------------------------------------------

struct Running {
    issuer: String,
    // Held open for the life of the test binary: the provider exits when
    // its stdin closes, so it never outlives the tests.
    _stdin: std::process::ChildStdin,
    _child: std::process::Child,
}

static REAL: OnceLock<Running> = OnceLock::new();

/// `oidc-provider`, running (started on first use).
pub struct RealIdp;

impl RealIdp {
    /// The provider's issuer, e.g. `http://localhost:41234`.
    pub fn issuer() -> String {
        REAL.get_or_init(|| {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/oidc/provider.mjs");
            let mut child = std::process::Command::new("node")
                .arg(script)
                .env("OIDC_EXIT_WITH_STDIN", "1")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("start node end2end/oidc/provider.mjs (run `npm ci` in end2end)");
            let stdout = child.stdout.take().unwrap();
            let mut line = String::new();
            std::io::BufReader::new(stdout)
                .read_line(&mut line)
                .unwrap();
            let started: Value = serde_json::from_str(&line)
                .unwrap_or_else(|_| panic!("oidc-provider did not start: {line:?}"));
            Running {
                issuer: started["issuer"].as_str().unwrap().to_owned(),
                _stdin: child.stdin.take().unwrap(),
                _child: child,
            }
        })
        .issuer
        .clone()
    }

    /// Follows `authorize_url` through the provider's login page as a
    /// fresh browser, signing in as `login` (any name; one starting with
    /// `unverified` has an unverified email), and returns the redirect
    /// back to Latchkey (`…/api/sso/callback?code=…&state=…`).
    pub async fn sign_in(authorize_url: &str, login: &str) -> String {
        Self::walk(authorize_url, Some(login)).await
    }

    /// Follows `authorize_url` and presses "[ Cancel ]" on the login page.
    pub async fn cancel(authorize_url: &str) -> String {
        Self::walk(authorize_url, None).await
    }

    async fn walk(authorize_url: &str, login: Option<&str>) -> String {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let issuer = Self::issuer();
        let mut cookies: HashMap<String, String> = HashMap::new();
        let mut url = authorize_url.to_owned();
        let mut posted = false;
        for _ in 0..10 {
            if url.contains("/api/sso/callback") {
                return url;
            }
            let cookie_header = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let interaction = url.contains("/interaction/") && !url.ends_with("/abort");
            let request = match (interaction, posted, login) {
                (true, false, Some(login)) => {
                    posted = true;
                    http.post(&url).form(&[
                        ("prompt", "login"),
                        ("login", login),
                        ("password", "x"),
                    ])
                }
                (true, false, None) => {
                    posted = true;
                    http.get(format!("{url}/abort"))
                }
                _ => http.get(&url),
            };
            let response = request
                .header("cookie", cookie_header)
                .send()
                .await
                .unwrap();
            for set in response.headers().get_all("set-cookie") {
                let pair = set.to_str().unwrap().split(';').next().unwrap();
                if let Some((k, v)) = pair.split_once('=') {
                    cookies.insert(k.trim().to_owned(), v.to_owned());
                }
            }
            let location = response
                .headers()
                .get("location")
                .unwrap_or_else(|| panic!("no redirect from {url}: {}", response.status()))
                .to_str()
                .unwrap()
                .to_owned();
            url = if location.starts_with('/') {
                format!("{issuer}{location}")
            } else {
                location
            };
        }
        panic!("the provider never sent the browser back");
    }
}

// --- A provider of our own, for the hostile cases --------------------------------

/// How the next ID tokens are spoiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// A well-formed, well-signed token.
    Nothing,
    /// `alg: none` and no signature.
    AlgNone,
    /// A signature that does not match the token.
    ForgedSignature,
    /// Signed with a key the provider never published.
    UnknownKey,
    /// `alg: HS256`, MACed with the client secret.
    SharedSecret,
}

struct Key {
    kid: String,
    rsa: Rsa<Private>,
}

struct Grant {
    claims: Value,
    challenge: String,
}

struct Fake {
    issuer: String,
    published: Vec<Key>,
    signing: usize,
    grants: HashMap<String, Grant>,
    tamper: Tamper,
    /// Every code presented at the token endpoint.
    seen: Vec<String>,
    /// Discovery names another issuer than the provider's own.
    discovery_broken: bool,
}

/// An OpenID Provider on 127.0.0.1 serving discovery, its JWKS and a token
/// endpoint, whose tokens the test composes.
#[derive(Clone)]
pub struct FakeIdp {
    pub issuer: String,
    fake: Arc<Mutex<Fake>>,
    server: Arc<tokio::task::JoinHandle<()>>,
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn new_key(kid: &str) -> Key {
    Key {
        kid: kid.to_owned(),
        rsa: Rsa::generate(2048).unwrap(),
    }
}

fn jwk(key: &Key) -> Value {
    json!({
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": key.kid,
        "n": b64(key.rsa.n().to_vec()), "e": b64(key.rsa.e().to_vec()),
    })
}

fn rs256(key: &Rsa<Private>, input: &str) -> Vec<u8> {
    let pkey = PKey::from_rsa(key.clone()).unwrap();
    let mut signer = Signer::new(MessageDigest::sha256(), &pkey).unwrap();
    signer.update(input.as_bytes()).unwrap();
    signer.sign_to_vec().unwrap()
}

impl Fake {
    fn id_token(&self, claims: &Value) -> String {
        let key = &self.published[self.signing];
        let (alg, kid) = match self.tamper {
            Tamper::AlgNone => ("none", key.kid.as_str()),
            Tamper::SharedSecret => ("HS256", key.kid.as_str()),
            Tamper::UnknownKey => ("RS256", "never-published"),
            Tamper::Nothing | Tamper::ForgedSignature => ("RS256", key.kid.as_str()),
        };
        let header = json!({ "alg": alg, "kid": kid, "typ": "JWT" });
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let signature = match self.tamper {
            Tamper::AlgNone => Vec::new(),
            Tamper::SharedSecret => {
                let pkey = PKey::hmac(CLIENT_SECRET.as_bytes()).unwrap();
                let mut signer = Signer::new(MessageDigest::sha256(), &pkey).unwrap();
                signer.update(input.as_bytes()).unwrap();
                signer.sign_to_vec().unwrap()
            }
            Tamper::UnknownKey => rs256(&new_key("x").rsa, &input),
            Tamper::ForgedSignature => {
                let mut signature = rs256(&key.rsa, &input);
                signature[10] ^= 0x55;
                signature
            }
            Tamper::Nothing => rs256(&key.rsa, &input),
        };
        format!("{input}.{}", b64(signature))
    }
}

impl FakeIdp {
    /// A provider listening on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let fake = Arc::new(Mutex::new(Fake {
            issuer: issuer.clone(),
            published: vec![new_key("first")],
            signing: 0,
            grants: HashMap::new(),
            tamper: Tamper::Nothing,
            seen: Vec::new(),
            discovery_broken: false,
        }));
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                axum::routing::get({
                    let issuer = issuer.clone();
                    let fake = fake.clone();
                    move || async move {
                        let named = match fake.lock().unwrap().discovery_broken {
                            true => "https://impostor.example".to_owned(),
                            false => issuer.clone(),
                        };
                        axum::Json(json!({
                            "issuer": named,
                            "authorization_endpoint": format!("{issuer}/authorize"),
                            "token_endpoint": format!("{issuer}/token"),
                            "jwks_uri": format!("{issuer}/jwks"),
                            "response_types_supported": ["code"],
                            "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
                        }))
                    }
                }),
            )
            .route(
                "/jwks",
                axum::routing::get({
                    let fake = fake.clone();
                    move || async move {
                        let fake = fake.lock().unwrap();
                        let keys: Vec<Value> = fake.published.iter().map(jwk).collect();
                        axum::Json(json!({ "keys": keys }))
                    }
                }),
            )
            .route(
                "/token",
                axum::routing::post({
                    let fake = fake.clone();
                    move |headers: axum::http::HeaderMap,
                          axum::Form(form): axum::Form<HashMap<String, String>>| async move {
                        token(&fake, &headers, &form)
                    }
                }),
            );
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeIdp {
            issuer,
            fake,
            server: Arc::new(server),
        }
    }

    /// Spoils the ID tokens issued from now on.
    pub fn tamper(&self, tamper: Tamper) {
        self.fake.lock().unwrap().tamper = tamper;
    }

    /// Rotates the signing key: a new one is published and signs from now
    /// on; the old one stays published.
    pub fn rotate_keys(&self) {
        let mut fake = self.fake.lock().unwrap();
        let kid = format!("key-{}", fake.published.len());
        fake.published.push(new_key(&kid));
        fake.signing = fake.published.len() - 1;
    }

    /// Makes discovery name another issuer (a broken or hijacked document).
    pub fn break_discovery(&self) {
        self.fake.lock().unwrap().discovery_broken = true;
    }

    /// Stops answering (an outage).
    pub fn stop(&self) {
        self.server.abort();
    }

    /// The codes presented at the token endpoint so far.
    pub fn codes_seen(&self) -> Vec<String> {
        self.fake.lock().unwrap().seen.clone()
    }

    /// What the provider would do once the person signed in: a code for
    /// the request `authorize_url`, whose ID token will carry the usual
    /// claims at `now` (Unix seconds) — `sub`, a verified `email`, the
    /// request's `nonce`, `aud` = the client — overridden by `changes`
    /// (a `null` removes a claim). Returns where the browser is sent back:
    /// the request's redirect URI's path, with `code` and `state`.
    pub fn approve(
        &self,
        authorize_url: &str,
        now: i64,
        subject: &str,
        email: &str,
        changes: Value,
    ) -> String {
        let asked = query_of(authorize_url);
        assert_eq!(asked["code_challenge_method"], "S256", "PKCE with S256");
        let mut fake = self.fake.lock().unwrap();
        let mut claims = json!({
            "iss": fake.issuer, "aud": asked["client_id"], "sub": subject,
            "email": email, "email_verified": true, "name": "Ada Lovelace",
            "nonce": asked["nonce"], "iat": now, "exp": now + 300, "auth_time": now,
        });
        for (name, value) in changes.as_object().unwrap() {
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(name);
            } else {
                claims[name] = value.clone();
            }
        }
        let code = b64(uuid::Uuid::new_v4().as_bytes());
        fake.grants.insert(
            code.clone(),
            Grant {
                claims,
                challenge: asked["code_challenge"].clone(),
            },
        );
        let back = url::Url::parse(&asked["redirect_uri"]).unwrap();
        format!("{}?code={code}&state={}", back.path(), asked["state"])
    }
}

/// The token endpoint: the client must authenticate (HTTP Basic) and send
/// the PKCE verifier whose S256 hash the request carried.
fn token(
    fake: &Mutex<Fake>,
    headers: &axum::http::HeaderMap,
    form: &HashMap<String, String>,
) -> (axum::http::StatusCode, axum::Json<Value>) {
    use axum::http::StatusCode;
    let refuse = |error: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": error })),
        )
    };
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "invalid_client" })),
        );
    }
    let mut fake = fake.lock().unwrap();
    if let Some(code) = form.get("code") {
        fake.seen.push(code.clone());
    }
    let Some(grant) = form.get("code").and_then(|c| fake.grants.remove(c)) else {
        return refuse("invalid_grant");
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if b64(Sha256::digest(verifier.as_bytes())) != grant.challenge {
        return refuse("invalid_grant");
    }
    let id_token = fake.id_token(&grant.claims);
    (
        StatusCode::OK,
        axum::Json(json!({
            "access_token": "unused", "token_type": "Bearer", "expires_in": 300,
            "id_token": id_token,
        })),
    )
}
