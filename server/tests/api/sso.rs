//! Single sign-on through an org's OpenID Connect provider: the real one
//! (`oidc-provider`) for the flows people go through, our own hostile one
//! for the tokens a real provider never sends. Every failure must end on
//! the sign-in page with the reason, with the ceremony used up and nothing
//! else stored.

use crate::idp::{query_of, FakeIdp, RealIdp, Tamper, CLIENT_ID, CLIENT_SECRET};
use crate::support::{TestApp, PASSWORD, USER_AGENT};
use axum::http::{Method, StatusCode};
use common::SsoMode;
use domain::sso_settings::{self, NewProvider};
use serde_json::{json, Value};

struct Sso<'a> {
    app: &'a TestApp,
}

/// What a callback answered: where it sends the browser, and the session
/// cookie it set, if any.
struct Landing {
    location: String,
    session: Option<String>,
}

impl<'a> Sso<'a> {
    /// Connects `org` to the provider at `issuer`.
    async fn connect(
        app: &'a TestApp,
        org: &str,
        issuer: &str,
        mode: SsoMode,
        jit: &[&str],
    ) -> Self {
        save_provider(app, org, issuer, mode, jit).await.unwrap();
        Sso { app }
    }

    /// "Continue with single sign-on": the authorization URL and this
    /// browser's binding cookie.
    async fn start(&self, email: &str, org: &str) -> (String, String) {
        let body = json!({ "email": email, "org": org });
        let reply = self
            .app
            .send(Method::POST, "/api/login/sso/start", Some(body), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        let url = reply.body["authorize_url"].as_str().unwrap().to_owned();
        (url, binding_cookie(&reply))
    }

    /// The provider's redirect back (`back`: a path and query, or a URL of
    /// this origin), arriving in the browser holding `binding` (a
    /// top-level navigation from the provider's site).
    async fn callback(&self, back: &str, binding: Option<&str>) -> Landing {
        let mut headers = vec![
            ("sec-fetch-site", "cross-site".to_owned()),
            ("user-agent", USER_AGENT.to_owned()),
        ];
        if let Some(value) = binding {
            headers.push(("cookie", format!("latchkey_sso={value}")));
        }
        let path = back.strip_prefix(self.app.origin.as_str()).unwrap_or(back);
        assert!(path.starts_with("/api/sso/callback/"), "{path}");
        let reply = self.app.send_with(Method::GET, path, None, &headers).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{:?}", reply.body);
        let cookies: Vec<String> = reply
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert!(
            cookies.iter().any(|c| c.starts_with("latchkey_sso=;")),
            "the binding cookie is cleared: {cookies:?}"
        );
        let session = cookies
            .iter()
            .find_map(|c| c.strip_prefix("latchkey_session="))
            .and_then(|c| c.split(';').next())
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        Landing {
            location: reply.headers["location"].to_str().unwrap().to_owned(),
            session,
        }
    }

    /// The real provider: start, sign in there as `login`, come back.
    async fn through_real(&self, email: &str, org: &str, login: &str) -> Landing {
        let (url, binding) = self.start(email, org).await;
        let back = RealIdp::sign_in(&url, login).await;
        self.callback(&back, Some(&binding)).await
    }

    /// Ada starts at acme, and the fake provider approves with the usual
    /// claims now, changed by `changes`: where it sends the browser back,
    /// and the browser's binding cookie.
    async fn at_fake(&self, idp: &FakeIdp, changes: Value) -> (String, String) {
        let (url, binding) = self.start("ada@example.com", "acme").await;
        let now = self.app.clock.now();
        (
            idp.approve(&url, now, "ada-sub", "ada@example.com", changes),
            binding,
        )
    }

    async fn sessions(&self) -> i64 {
        self.app.count("SELECT COUNT(*) FROM sessions").await
    }

    async fn ceremonies(&self) -> i64 {
        self.app.count("SELECT COUNT(*) FROM ceremonies").await
    }

    async fn audited(&self, event: &str, cause: Option<&str>) -> i64 {
        let cause = match cause {
            Some(cause) => format!("outcome = 'failure' AND cause = '{cause}'"),
            None => "outcome = 'success'".to_owned(),
        };
        self.app
            .count(&format!(
                "SELECT COUNT(*) FROM audit_events WHERE event = '{event}' AND {cause}"
            ))
            .await
    }
}

/// `sso_settings::set` for `org`: the test client at `issuer`.
async fn save_provider(
    app: &TestApp,
    org: &str,
    issuer: &str,
    mode: SsoMode,
    jit: &[&str],
) -> domain::Result<domain::store::orgs::Org> {
    let new = NewProvider {
        issuer: issuer.to_owned(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        scopes: vec![],
        jit_domains: jit.iter().map(|d| d.to_string()).collect(),
        mode: Some(mode),
    };
    sso_settings::set(&app.state.db, &app.clock, &app.state.oidc, org, new).await
}

/// Org acme with Ada's account (a password, no single sign-on yet).
async fn acme_with_ada() -> TestApp {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme").await;
    app.create_account("acme", "ada@example.com").await;
    app
}

/// Ada signs in to acme at the fake provider; her session cookie.
async fn fake_sign_in(sso: &Sso<'_>, idp: &FakeIdp) -> String {
    let (back, binding) = sso.at_fake(idp, json!({})).await;
    sso.callback(&back, Some(&binding)).await.session.unwrap()
}

fn binding_cookie(reply: &crate::support::Reply) -> String {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .find_map(|v| {
            let v = v.to_str().unwrap();
            v.strip_prefix("latchkey_sso=")
                .map(|rest| rest.split(';').next().unwrap().to_owned())
        })
        .expect("the binding cookie")
}

async fn session_of(app: &TestApp, token: &str) -> Value {
    let reply = app
        .send(Method::GET, "/api/session", None, Some(token))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body
}

#[tokio::test]
async fn a_person_in_an_sso_required_org_signs_in_through_the_real_provider() {
    let app = acme_with_ada().await;
    let sso = Sso::connect(&app, "acme", &RealIdp::issuer(), SsoMode::Required, &[]).await;

    let landing = sso
        .through_real("ada@example.com", "acme", "ada@example.com")
        .await;
    assert_eq!(landing.location, "/");
    let token = landing.session.expect("a session cookie");
    let session = session_of(&app, &token).await;
    assert_eq!(session["auth_method"], "sso");
    assert_eq!(session["email"], "ada@example.com");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sso_identities WHERE subject = 'ada@example.com'")
            .await,
        1,
        "linked by the verified email"
    );
    assert_eq!(sso.audited("sso.linked", None).await, 1);
    assert_eq!(sso.audited("sign_in.sso", None).await, 1);
    assert_eq!(sso.ceremonies().await, 0, "the ceremony is used up");

    // The second time, the subject finds the account.
    let again = sso
        .through_real("ada@example.com", "acme", "ada@example.com")
        .await;
    assert!(again.session.is_some());
    assert_eq!(sso.audited("sso.linked", None).await, 1);

    // Passwords stay refused there (passkeys too: `policies.rs`).
    let refused = app.login("ada@example.com", "acme", PASSWORD).await;
    assert_eq!(refused.body["code"], "sso_required");
}

#[tokio::test]
async fn the_sign_in_page_learns_what_an_org_offers_and_nothing_about_unknown_ones() {
    let app = TestApp::new().await;
    for org in ["acme", "globex", "initech"] {
        app.create_org(org, org).await;
    }
    Sso::connect(&app, "acme", &RealIdp::issuer(), SsoMode::Required, &[]).await;
    Sso::connect(&app, "globex", &RealIdp::issuer(), SsoMode::Offered, &[]).await;
    for (org, mode) in [
        ("acme", "required"),
        ("GLOBEX ", "offered"),
        ("initech", "off"),
        ("no-such-org", "off"),
    ] {
        let reply = app
            .send(
                Method::POST,
                "/api/login/org",
                Some(json!({ "org": org })),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body["single_sign_on"], mode, "{org}");
    }
    // Starting where there is no provider stores nothing.
    for org in ["initech", "no-such-org"] {
        let body = json!({ "email": "ada@example.com", "org": org });
        let reply = app
            .send(Method::POST, "/api/login/sso/start", Some(body), None)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            reply.body["message"],
            "Single sign-on is not set up for this organization."
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM ceremonies").await, 0);
}

#[tokio::test]
async fn declining_at_the_provider_leads_back_with_the_reason_and_stores_nothing() {
    let app = acme_with_ada().await;
    let sso = Sso::connect(&app, "acme", &RealIdp::issuer(), SsoMode::Required, &[]).await;
    let (url, binding) = sso.start("ada@example.com", "acme").await;
    let back = RealIdp::cancel(&url).await;
    assert!(back.contains("error=access_denied"), "{back}");
    let landing = sso.callback(&back, Some(&binding)).await;
    assert_eq!(landing.location, "/login?sso_error=denied");
    assert!(landing.session.is_none());
    assert_eq!(sso.sessions().await, 0);
    assert_eq!(sso.ceremonies().await, 0);
    assert_eq!(sso.audited("sign_in.sso", Some("access_denied")).await, 1);
}

#[tokio::test]
async fn the_provider_must_vouch_for_the_email_and_an_account_must_exist() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme").await;
    app.create_account("acme", "unverified-ada@example.com")
        .await;
    let sso = Sso::connect(&app, "acme", &RealIdp::issuer(), SsoMode::Offered, &[]).await;

    let landing = sso
        .through_real(
            "unverified-ada@example.com",
            "acme",
            "unverified-ada@example.com",
        )
        .await;
    assert_eq!(landing.location, "/login?sso_error=email_unverified");
    assert_eq!(
        sso.audited("sign_in.sso", Some("email_unverified")).await,
        1
    );

    let landing = sso
        .through_real("bob@example.com", "acme", "bob@example.com")
        .await;
    assert_eq!(landing.location, "/login?sso_error=no_account");
    assert_eq!(sso.audited("sign_in.sso", Some("no_account")).await, 1);

    assert_eq!(sso.sessions().await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM sso_identities").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts").await,
        1,
        "no account was made"
    );
}

#[tokio::test]
async fn a_listed_email_domain_gets_an_account_at_its_first_sign_in() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme").await;
    let sso = Sso::connect(
        &app,
        "acme",
        &RealIdp::issuer(),
        SsoMode::Required,
        &["Example.COM"],
    )
    .await;
    let landing = sso
        .through_real("bob@example.com", "acme", "bob@example.com")
        .await;
    let token = landing.session.expect("signed in");
    let session = session_of(&app, &token).await;
    assert_eq!(session["email"], "bob@example.com");
    assert_eq!(session["display_name"], "bob");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts WHERE email = 'bob@example.com' AND password_hash = ''"
        )
        .await,
        1,
        "made without a password: the provider is its way in"
    );
    assert_eq!(sso.audited("sso.account_created", None).await, 1);
    // Other domains still need an account.
    let landing = sso
        .through_real("eve@evil.example", "acme", "eve@evil.example")
        .await;
    assert_eq!(landing.location, "/login?sso_error=no_account");
}

#[tokio::test]
async fn re_authentication_goes_through_the_provider_again() {
    let app = acme_with_ada().await;
    let sso = Sso::connect(&app, "acme", &RealIdp::issuer(), SsoMode::Offered, &[]).await;
    let token = sso
        .through_real("ada@example.com", "acme", "ada@example.com")
        .await
        .session
        .unwrap();
    // Past the re-authentication window, a sensitive change is refused…
    app.clock.advance(app.state.reauth_window_secs + 1);
    let add_passkey = || {
        let body = Some(json!({}));
        app.send(
            Method::POST,
            "/api/passkeys/register/start",
            body,
            Some(&token),
        )
    };
    let register = add_passkey().await;
    assert_eq!(register.body["code"], "reauth_required");
    // …until the provider has asked the person again.
    let reply = app
        .send(Method::POST, "/api/reauth/sso/start", None, Some(&token))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let url = reply.body["authorize_url"].as_str().unwrap().to_owned();
    let asked = query_of(&url);
    assert_eq!(asked["prompt"], "login");
    assert_eq!(asked["max_age"], "0");
    let back = RealIdp::sign_in(&url, "ada@example.com").await;
    let landing = sso.callback(&back, Some(&binding_cookie(&reply))).await;
    assert_eq!(landing.location, "/account?sso=confirmed");
    assert!(landing.session.is_none(), "the same session goes on");
    let register = add_passkey().await;
    assert_eq!(register.status, StatusCode::OK, "{:?}", register.body);
    assert_eq!(sso.audited("reauth.sso", None).await, 1);

    // Another person at the provider cannot confirm for this session.
    let reply = app
        .send(Method::POST, "/api/reauth/sso/start", None, Some(&token))
        .await;
    let url = reply.body["authorize_url"].as_str().unwrap().to_owned();
    let back = RealIdp::sign_in(&url, "mallory@example.com").await;
    let landing = sso.callback(&back, Some(&binding_cookie(&reply))).await;
    assert_eq!(landing.location, "/account?sso_error=other_identity");
    assert_eq!(sso.audited("reauth.sso", Some("other_identity")).await, 1);
}

#[tokio::test]
async fn a_token_that_does_not_verify_signs_nobody_in() {
    let app = acme_with_ada().await;
    let idp = FakeIdp::start().await;
    let sso = Sso::connect(&app, "acme", &idp.issuer, SsoMode::Required, &[]).await;
    let now = app.clock.now();
    let cases: Vec<(&str, Tamper, Value)> = vec![
        ("alg_none", Tamper::AlgNone, json!({})),
        ("shared_secret", Tamper::SharedSecret, json!({})),
        ("forged_signature", Tamper::ForgedSignature, json!({})),
        ("unknown_key", Tamper::UnknownKey, json!({})),
        (
            "wrong_audience",
            Tamper::Nothing,
            json!({ "aud": "latchkey-other" }),
        ),
        (
            "wrong_issuer",
            Tamper::Nothing,
            json!({ "iss": "https://evil.example" }),
        ),
        ("expired", Tamper::Nothing, json!({ "exp": now - 1 })),
        (
            "nonce_mismatch",
            Tamper::Nothing,
            json!({ "nonce": "replayed" }),
        ),
        ("no_nonce", Tamper::Nothing, json!({ "nonce": null })),
    ];
    for (case, tamper, changes) in cases {
        idp.tamper(tamper);
        let (query, binding) = sso.at_fake(&idp, changes).await;
        let landing = sso.callback(&query, Some(&binding)).await;
        assert_eq!(landing.location, "/login?sso_error=not_verified", "{case}");
        assert!(landing.session.is_none(), "{case}");
        assert_eq!(sso.sessions().await, 0, "{case}");
        assert_eq!(sso.ceremonies().await, 0, "{case}");
    }
    for cause in [
        "bad_signature",
        "wrong_audience",
        "wrong_issuer",
        "token_expired",
        "nonce_mismatch",
    ] {
        assert!(
            sso.audited("sign_in.sso", Some(cause)).await >= 1,
            "{cause}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM sso_identities").await, 0);

    // The same provider, behaving: the account signs in.
    idp.tamper(Tamper::Nothing);
    let (query, binding) = sso.at_fake(&idp, json!({})).await;
    assert!(sso.callback(&query, Some(&binding)).await.session.is_some());
}

#[tokio::test]
async fn a_rotated_signing_key_is_fetched_when_a_token_names_it() {
    let app = acme_with_ada().await;
    let idp = FakeIdp::start().await;
    let sso = Sso::connect(&app, "acme", &idp.issuer, SsoMode::Required, &[]).await;
    let now = app.clock.now();
    let (url, binding) = sso.start("ada@example.com", "acme").await;
    // The keys were fetched for the start; the provider rotates meanwhile.
    idp.rotate_keys();
    let query = idp.approve(&url, now, "ada-sub", "ada@example.com", json!({}));
    let landing = sso.callback(&query, Some(&binding)).await;
    assert_eq!(landing.location, "/");
    assert!(landing.session.is_some());
}

#[tokio::test]
async fn a_state_is_used_once_and_only_by_the_browser_that_started_it() {
    let app = acme_with_ada().await;
    let idp = FakeIdp::start().await;
    let sso = Sso::connect(&app, "acme", &idp.issuer, SsoMode::Required, &[]).await;
    let now = app.clock.now();

    // Another browser (no cookie, or another sign-in's) gets nowhere, and
    // the sign-in it intercepted is spent.
    let (url, binding) = sso.start("ada@example.com", "acme").await;
    let (_, other_binding) = sso.start("ada@example.com", "acme").await;
    let query = idp.approve(&url, now, "ada-sub", "ada@example.com", json!({}));
    for intruder in [None, Some(other_binding.as_str())] {
        let landing = sso.callback(&query, intruder).await;
        assert_eq!(landing.location, "/login?sso_error=expired");
        assert!(landing.session.is_none());
    }
    assert_eq!(sso.audited("sign_in.sso", Some("other_browser")).await, 1);
    let landing = sso.callback(&query, Some(&binding)).await;
    assert_eq!(landing.location, "/login?sso_error=expired", "spent");

    // A state used once is refused the second time; an unknown one too.
    let (query, binding) = sso.at_fake(&idp, json!({})).await;
    assert!(sso.callback(&query, Some(&binding)).await.session.is_some());
    let replay = sso.callback(&query, Some(&binding)).await;
    assert_eq!(replay.location, "/login?sso_error=expired");
    let unknown = sso
        .callback(
            "/api/sso/callback/acme?code=x&state=made-up",
            Some(&binding),
        )
        .await;
    assert_eq!(unknown.location, "/login?sso_error=expired");
    assert!(sso.audited("sign_in.sso", Some("state_invalid")).await >= 2);
    assert_eq!(sso.sessions().await, 1);

    // Ten minutes later the sign-in has expired.
    let (url, binding) = sso.start("ada@example.com", "acme").await;
    app.clock.advance(domain::signin::sso::CEREMONY_SECS + 1);
    let query = idp.approve(
        &url,
        app.clock.now(),
        "ada-sub",
        "ada@example.com",
        json!({}),
    );
    let late = sso.callback(&query, Some(&binding)).await;
    assert_eq!(late.location, "/login?sso_error=expired");
}

#[tokio::test]
async fn an_unreachable_provider_is_a_clear_error_with_nothing_half_made() {
    let app = acme_with_ada().await;
    let idp = FakeIdp::start().await;
    let sso = Sso::connect(&app, "acme", &idp.issuer, SsoMode::Required, &[]).await;
    let (query, binding) = sso.at_fake(&idp, json!({})).await;

    // Down between the redirect and the callback: the code cannot be redeemed.
    idp.stop();
    let landing = sso.callback(&query, Some(&binding)).await;
    assert_eq!(landing.location, "/login?sso_error=unavailable");
    assert_eq!(
        sso.audited("sign_in.sso", Some("provider_unreachable"))
            .await,
        1
    );

    // Down at the start, once the cached discovery has aged: no ceremony.
    app.clock.advance(2 * 60 * 60);
    let body = json!({ "email": "ada@example.com", "org": "acme" });
    let reply = app
        .send(Method::POST, "/api/login/sso/start", Some(body), None)
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.body["code"], "sso_unavailable");
    assert!(reply.body["message"]
        .as_str()
        .unwrap()
        .contains("could not be reached"));
    assert_eq!(sso.ceremonies().await, 0);
    assert_eq!(sso.sessions().await, 0);

    // A provider that was never reachable cannot be saved.
    let refused = save_provider(&app, "acme", "http://127.0.0.1:9", SsoMode::Offered, &[]).await;
    assert!(
        matches!(refused, Err(domain::Error::BadRequest(m)) if m.contains("nothing was saved"))
    );
}

#[tokio::test]
async fn an_sso_session_stands_when_the_org_requires_sso_and_others_end() {
    let app = acme_with_ada().await;
    let password_session = app.login_ok("ada@example.com", "acme").await;
    let sso = Sso::connect(&app, "acme", &RealIdp::issuer(), SsoMode::Offered, &[]).await;
    let sso_session = sso
        .through_real("ada@example.com", "acme", "ada@example.com")
        .await
        .session
        .unwrap();
    Sso::connect(&app, "acme", &RealIdp::issuer(), SsoMode::Required, &[]).await;
    assert_eq!(app.session_status(&sso_session).await, StatusCode::OK);
    let ended = app
        .send(Method::GET, "/api/session", None, Some(&password_session))
        .await;
    assert_eq!(ended.body["code"], "session_ended");
}

/// The mix-up attack (RFC 9700 §4.4): org "evil"'s provider sends the
/// victim on to org "acme"'s provider with the attacker's acme request and
/// the victim's evil `state`. With one callback per org, acme's answer comes
/// back to acme's callback, does not match the evil ceremony, and its code
/// never reaches evil's token endpoint.
#[tokio::test]
async fn a_code_from_one_orgs_provider_never_reaches_another_orgs() {
    let app = TestApp::new().await;
    app.create_org("acme", "Acme").await;
    app.create_org("evil", "Evil").await;
    app.create_account("acme", "ada@example.com").await;
    let honest = FakeIdp::start().await;
    let attacker = FakeIdp::start().await;
    let sso = Sso::connect(&app, "acme", &honest.issuer, SsoMode::Required, &[]).await;
    Sso::connect(&app, "evil", &attacker.issuer, SsoMode::Offered, &[]).await;
    let now = app.clock.now();

    let (attackers_request, attackers_binding) = sso.start("mallory@example.com", "acme").await;
    let (victims_request, victims_binding) = sso.start("ada@example.com", "evil").await;
    let victims_state = query_of(&victims_request)["state"].clone();
    let mut mixed = url::Url::parse(&attackers_request).unwrap();
    let pairs: Vec<(String, String)> = mixed
        .query_pairs()
        .map(|(k, v)| match k.as_ref() {
            "state" => (k.into_owned(), victims_state.clone()),
            _ => (k.into_owned(), v.into_owned()),
        })
        .collect();
    mixed.query_pairs_mut().clear().extend_pairs(pairs);
    let back = honest.approve(mixed.as_str(), now, "ada-sub", "ada@example.com", json!({}));
    assert!(back.starts_with("/api/sso/callback/acme?"), "{back}");
    let landing = sso.callback(&back, Some(&victims_binding)).await;
    assert_eq!(landing.location, "/login?sso_error=not_verified");
    assert!(attacker.codes_seen().is_empty(), "the code went nowhere");
    assert!(honest.codes_seen().is_empty());
    assert_eq!(sso.audited("sign_in.sso", Some("wrong_callback")).await, 1);

    // The attacker's own acme ceremony is untouched, but the code it would
    // need was never given to them; the victim's evil ceremony is spent.
    let attackers_state = query_of(&attackers_request)["state"].clone();
    let guess = format!("/api/sso/callback/acme?code=stolen&state={attackers_state}");
    let landing = sso.callback(&guess, Some(&attackers_binding)).await;
    assert!(landing.session.is_none());
    assert_eq!(sso.sessions().await, 0);
}

#[tokio::test]
async fn an_answer_from_another_issuer_or_with_doubled_parameters_is_refused() {
    let app = acme_with_ada().await;
    let idp = FakeIdp::start().await;
    let sso = Sso::connect(&app, "acme", &idp.issuer, SsoMode::Required, &[]).await;

    // RFC 9207: an `iss` that is not the provider's.
    let (back, binding) = sso.at_fake(&idp, json!({})).await;
    let landing = sso
        .callback(
            &format!("{back}&iss=https%3A%2F%2Fevil.example"),
            Some(&binding),
        )
        .await;
    assert_eq!(landing.location, "/login?sso_error=not_verified");
    assert_eq!(sso.audited("sign_in.sso", Some("issuer_mismatch")).await, 1);

    // A parameter given twice is ambiguous: refused like an unknown state.
    let (back, binding) = sso.at_fake(&idp, json!({})).await;
    let landing = sso
        .callback(&format!("{back}&state=other"), Some(&binding))
        .await;
    assert_eq!(landing.location, "/login?sso_error=expired");

    // The right issuer, said: signed in.
    let (back, binding) = sso.at_fake(&idp, json!({})).await;
    let iss = url::form_urlencoded::byte_serialize(idp.issuer.as_bytes()).collect::<String>();
    let landing = sso
        .callback(&format!("{back}&iss={iss}"), Some(&binding))
        .await;
    assert!(landing.session.is_some());
    assert_eq!(sso.sessions().await, 1);
}

#[tokio::test]
async fn removing_or_replacing_the_provider_ends_the_sessions_it_opened() {
    let app = acme_with_ada().await;
    let password_session = app.login_ok("ada@example.com", "acme").await;
    let idp = FakeIdp::start().await;
    let sso = Sso::connect(&app, "acme", &idp.issuer, SsoMode::Offered, &[]).await;
    let first = fake_sign_in(&sso, &idp).await;
    // The owner heard of the link.
    let mail = app
        .mail_with("Your Latchkey account was linked to single sign-on")
        .await;
    assert!(mail.contains(&idp.issuer), "{mail}");

    // Saving the same provider again ends nothing.
    Sso::connect(&app, "acme", &idp.issuer, SsoMode::Offered, &[]).await;
    assert_eq!(app.session_status(&first).await, StatusCode::OK);
    // Another issuer: the old one's sessions end; others stay.
    let other = FakeIdp::start().await;
    Sso::connect(&app, "acme", &other.issuer, SsoMode::Offered, &[]).await;
    assert_eq!(app.session_status(&first).await, StatusCode::NO_CONTENT);
    assert_eq!(app.session_status(&password_session).await, StatusCode::OK);

    // Removed: likewise.
    Sso::connect(&app, "acme", &idp.issuer, SsoMode::Offered, &[]).await;
    let second = fake_sign_in(&sso, &idp).await;
    let removed = sso_settings::remove(&app.state.db, "acme").await.unwrap();
    assert_eq!(removed.sessions_ended, 1);
    assert_eq!(removed.stranded_accounts, 0, "Ada still has her password");
    assert_eq!(app.session_status(&second).await, StatusCode::NO_CONTENT);
    assert_eq!(app.session_status(&password_session).await, StatusCode::OK);
}

#[tokio::test]
async fn callbacks_and_org_lookups_count_against_the_clients_ceremony_limit() {
    let app = TestApp::with_limits(domain::limits::RateLimits::per_minute(3, 30)).await;
    let sso = Sso { app: &app };
    for i in 0..3 {
        let landing = sso
            .callback(&format!("/api/sso/callback/acme?code=x&state=s{i}"), None)
            .await;
        assert_eq!(landing.location, "/login?sso_error=expired");
    }
    let landing = sso
        .callback("/api/sso/callback/acme?code=x&state=s4", None)
        .await;
    assert_eq!(landing.location, "/login?sso_error=rate_limited");
    let reply = app
        .send(
            Method::POST,
            "/api/login/org",
            Some(json!({ "org": "acme" })),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_broken_discovery_document_is_an_outage_with_nothing_stored() {
    let app = acme_with_ada().await;
    let idp = FakeIdp::start().await;
    let sso = Sso::connect(&app, "acme", &idp.issuer, SsoMode::Required, &[]).await;
    // The document names another issuer: once the cached one has aged,
    // nothing starts.
    idp.break_discovery();
    app.clock.advance(2 * 60 * 60);
    let body = json!({ "email": "ada@example.com", "org": "acme" });
    let reply = app
        .send(Method::POST, "/api/login/sso/start", Some(body), None)
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.body["code"], "sso_unavailable");
    assert_eq!(sso.ceremonies().await, 0);
    // Nor can such a provider be saved.
    let refused = save_provider(&app, "acme", &idp.issuer, SsoMode::Required, &[]).await;
    assert!(
        matches!(refused, Err(domain::Error::BadRequest(m)) if m.contains("nothing was saved"))
    );
}

/// An org admin connects the provider from the admin console — only an
/// issuer the operator allows (the server fetches what it names), the
/// secret never shown back — and people then sign in through it; the
/// admin can disconnect it, which ends its sessions.
#[tokio::test]
async fn an_admin_connects_an_allowed_provider_and_never_another() {
    let issuer = RealIdp::issuer();
    let app = TestApp::with_sso_issuers(&[&issuer]).await;
    app.create_org("acme", "Acme Security").await;
    app.create_account("acme", "ada@example.com").await;
    app.exec("UPDATE accounts SET role = 'owner'").await;
    let ada = app.login_ok("ada@example.com", "acme").await;
    let settings = app
        .send(Method::GET, "/api/admin/sso", None, Some(&ada))
        .await;
    assert_eq!(settings.status, StatusCode::OK, "{:?}", settings.body);
    assert_eq!(settings.body["provider"], Value::Null);
    assert_eq!(settings.body["can_change"], true);
    assert_eq!(settings.body["allowed_issuers"], json!([issuer]));
    assert_eq!(
        settings.body["redirect_uri"],
        "http://localhost:3000/api/sso/callback/acme"
    );
    let put = |body: Value| {
        let (app, ada) = (&app, ada.clone());
        async move {
            app.send(Method::PUT, "/api/admin/sso", Some(body), Some(&ada))
                .await
        }
    };

    // Another issuer (an internal address, say): refused before any fetch.
    let other = put(json!({
        "issuer": "https://169.254.169.254/latest",
        "client_id": "latchkey", "client_secret": "s"
    }))
    .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{:?}", other.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM org_sso").await, 0);
    // A new client without its secret: refused.
    let no_secret = put(json!({ "issuer": issuer, "client_id": "latchkey" })).await;
    assert_eq!(no_secret.body["code"], "bad_request");

    let connected = put(json!({
        "issuer": issuer, "client_id": "latchkey", "client_secret": "latchkey-client-secret",
        "jit_domains": ["example.com"]
    }))
    .await;
    assert_eq!(connected.status, StatusCode::OK, "{:?}", connected.body);
    assert_eq!(connected.body["provider"]["issuer"], issuer);
    assert_eq!(connected.body["provider"]["required"], false);
    assert!(!connected
        .body
        .to_string()
        .contains("latchkey-client-secret"));
    // Changed without a secret: the stored one is kept.
    let changed =
        put(json!({ "issuer": issuer, "client_id": "latchkey", "jit_domains": [] })).await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM org_sso WHERE client_secret = 'latchkey-client-secret'")
            .await,
        1
    );

    // An admin who is not an owner can neither connect nor disconnect it:
    // the provider can sign in as anyone it links by email.
    app.create_account("acme", "grace@example.com").await;
    app.exec("UPDATE accounts SET role = 'admin' WHERE email = 'grace@example.com'")
        .await;
    let grace = app.login_ok("grace@example.com", "acme").await;
    let seen_by_admin = app
        .send(Method::GET, "/api/admin/sso", None, Some(&grace))
        .await;
    assert_eq!(seen_by_admin.body["can_change"], false);
    let by_admin = app
        .send(
            Method::PUT,
            "/api/admin/sso",
            Some(json!({ "issuer": issuer, "client_id": "x" })),
            Some(&grace),
        )
        .await;
    assert_eq!(
        by_admin.status,
        StatusCode::FORBIDDEN,
        "{:?}",
        by_admin.body
    );
    let by_admin = app
        .send(Method::DELETE, "/api/admin/sso", None, Some(&grace))
        .await;
    assert_eq!(
        by_admin.status,
        StatusCode::FORBIDDEN,
        "{:?}",
        by_admin.body
    );

    // Offered: Ada signs in through it.
    let sso = Sso { app: &app };
    let landing = sso
        .through_real("ada@example.com", "acme", "ada@example.com")
        .await;
    let by_sso = landing.session.expect("a session cookie");
    assert_eq!(session_of(&app, &by_sso).await["auth_method"], "sso");

    // Required: the provider is neither changed nor disconnected (a wrong
    // one would let nobody in).
    app.exec("UPDATE orgs SET sso_required = TRUE").await;
    let while_required = app
        .send(
            Method::PUT,
            "/api/admin/sso",
            Some(json!({ "issuer": issuer, "client_id": "another" })),
            Some(&by_sso),
        )
        .await;
    assert_eq!(
        while_required.body["code"], "conflict",
        "{:?}",
        while_required.body
    );
    let while_required = app
        .send(Method::DELETE, "/api/admin/sso", None, Some(&by_sso))
        .await;
    assert_eq!(while_required.body["code"], "conflict");
    app.exec("UPDATE orgs SET sso_required = FALSE").await;

    // Never disconnected by an owner it alone lets in.
    app.exec(
        "UPDATE accounts SET display_name = password_hash, password_hash = '' \
         WHERE email = 'ada@example.com'",
    )
    .await;
    let stranding = app
        .send(Method::DELETE, "/api/admin/sso", None, Some(&by_sso))
        .await;
    assert_eq!(stranding.body["code"], "conflict", "{:?}", stranding.body);
    app.exec(
        "UPDATE accounts SET password_hash = display_name, display_name = 'Ada' \
         WHERE email = 'ada@example.com'",
    )
    .await;

    // Disconnected: its session ends.
    let removed = app
        .send(Method::DELETE, "/api/admin/sso", None, Some(&by_sso))
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.body);
    assert_eq!(removed.body["sessions_ended"], 1);
    assert_eq!(app.session_status(&by_sso).await, StatusCode::NO_CONTENT);
    let ada = app.login_ok("ada@example.com", "acme").await;
    let log = app
        .send(
            Method::GET,
            "/api/admin/security-log?event=admin.sso_changed&outcome=success",
            None,
            Some(&ada),
        )
        .await;
    assert_eq!(log.body["total"], 2, "{:?}", log.body);
}

/// A provider the operator connected (its issuer is not on the list admins
/// may use) is not the owner's to disconnect.
#[tokio::test]
async fn an_owner_cannot_disconnect_the_operators_provider() {
    let app = acme_with_ada().await;
    app.exec("UPDATE accounts SET role = 'owner'").await;
    Sso::connect(&app, "acme", &RealIdp::issuer(), SsoMode::Offered, &[]).await;
    let ada = app.login_ok("ada@example.com", "acme").await;
    let refused = app
        .send(Method::DELETE, "/api/admin/sso", None, Some(&ada))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM org_sso").await, 1);
    let seen = app
        .send(Method::GET, "/api/admin/sso", None, Some(&ada))
        .await;
    assert_eq!(seen.body["provider"]["issuer"], RealIdp::issuer());
}
