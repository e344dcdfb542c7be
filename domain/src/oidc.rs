//! The OpenID Connect relying party: discovery, the authorization request
//! (code flow with PKCE), and the redemption of a code into a verified ID
//! token — with the `openidconnect` crate, which checks the signature
//! against the provider's JWKS, the issuer, the audience, the expiry and
//! the nonce (OpenID Connect Core 1.0 §3.1.3.7).
//!
//! What is ours: which algorithms count (the provider's, never `none` nor
//! a shared-secret MAC), the clock (the domain's, so tests can move it),
//! a cache of each provider's metadata, and one retry with fresh keys when
//! a token names a key we have not seen (key rotation, Core §10.1.1).

use crate::store::sso::Provider;
use openidconnect::core::{
    CoreAuthPrompt, CoreClient, CoreIdTokenClaims, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreResponseType,
};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, IssuerUrl, LoginHint, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    Scope, SignatureVerificationError, TokenResponse,
};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How long (seconds) a provider's discovered metadata and keys are used
/// before they are fetched again. A token signed with a key not among them
/// fetches them at once.
const METADATA_TTL_SECS: i64 = 60 * 60;

/// Why the provider's part of a sign-in failed. [`Failure::cause`] is the
/// audit trail's word for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Discovery, the token endpoint or the keys could not be fetched, or
    /// answered something that is not OpenID Connect (the detail is logged).
    Unreachable(String),
    /// The provider's settings cannot work: an issuer that is not a URL, no
    /// token endpoint, an endpoint that is not https, a bad redirect URI.
    Misconfigured(String),
    /// The token endpoint refused the code (expired, replayed, wrong
    /// client secret or PKCE verifier).
    CodeRefused(String),
    /// The token response had no ID token.
    NoIdToken,
    /// The ID token's signature did not verify: an unknown key, `alg:
    /// none`, a disallowed algorithm, or a forged signature.
    Signature(String),
    Audience,
    Issuer,
    Expired,
    Nonce,
    /// Any other claim the verifier refused.
    Claims(String),
}

impl Failure {
    /// The audit trail's cause.
    pub fn cause(&self) -> &'static str {
        match self {
            Failure::Unreachable(_) => "provider_unreachable",
            Failure::Misconfigured(_) => "provider_misconfigured",
            Failure::CodeRefused(_) => "code_refused",
            Failure::NoIdToken => "no_id_token",
            Failure::Signature(_) => "bad_signature",
            Failure::Audience => "wrong_audience",
            Failure::Issuer => "wrong_issuer",
            Failure::Expired => "token_expired",
            Failure::Nonce => "nonce_mismatch",
            Failure::Claims(_) => "bad_claims",
        }
    }
}

/// Who the provider says signed in: the verified ID token's claims that
/// Latchkey uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `sub`: the provider's stable id of the person.
    pub subject: String,
    pub email: Option<String>,
    /// `email_verified`; a missing claim is `false`.
    pub email_verified: bool,
    /// `name`, when the provider sends it.
    pub name: Option<String>,
    /// `auth_time` (Unix seconds): when the person last authenticated at
    /// the provider.
    pub auth_time: Option<i64>,
}

/// The secrets of one authorization request, kept server-side (in the
/// ceremony) for the callback: the `nonce` the ID token must carry, and
/// the PKCE code verifier (RFC 7636) whose S256 hash the request sends.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Secrets {
    pub nonce: String,
    pub pkce_verifier: String,
}

impl Secrets {
    /// Fresh random ones (128 bits of nonce, 256 of verifier; the crate's).
    pub fn new() -> Self {
        Secrets {
            nonce: Nonce::new_random().secret().clone(),
            pkce_verifier: PkceCodeChallenge::new_random_sha256().1.secret().clone(),
        }
    }
}

impl Default for Secrets {
    fn default() -> Self {
        Self::new()
    }
}

/// What the request asks of the provider.
pub struct Ask<'a> {
    /// `state`: the ceremony id.
    pub state: &'a str,
    /// `login_hint`: the email the person typed.
    pub login_hint: Option<&'a str>,
    /// Re-authentication: `prompt=login` and `max_age=0`, so the provider
    /// asks again (Core §3.1.2.1); the callback checks `auth_time`.
    pub again: bool,
}

struct Cached {
    metadata: CoreProviderMetadata,
    fetched_at: i64,
}

/// The relying party's HTTP client and the providers' metadata it has
/// fetched, shared by every request.
pub struct RelyingParty {
    http: reqwest::Client,
    cache: Mutex<HashMap<String, Cached>>,
}

impl RelyingParty {
    /// An HTTP client that never follows redirects (OpenID Connect
    /// endpoints answer directly; following them would let a provider
    /// point the server anywhere) and gives up after 5 seconds.
    ///
    /// Errors: the TLS backend could not start.
    pub fn new() -> crate::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| crate::Error::Internal(format!("OpenID Connect HTTP client: {e}")))?;
        Ok(RelyingParty {
            http,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The provider's metadata and keys, from the cache unless they are
    /// older than [`METADATA_TTL_SECS`] or `refresh`.
    async fn metadata(
        &self,
        issuer: &str,
        now: i64,
        refresh: bool,
    ) -> Result<CoreProviderMetadata, Failure> {
        if !refresh {
            if let Some(cached) = self.cached(issuer, now) {
                return Ok(cached);
            }
        }
        let issuer_url = IssuerUrl::new(issuer.to_owned())
            .map_err(|e| Failure::Misconfigured(format!("issuer URL: {e}")))?;
        // Discovery also fetches the JWKS and checks that the document's
        // `issuer` is exactly this one (Discovery 1.0 §4.3).
        let metadata = CoreProviderMetadata::discover_async(issuer_url, &self.http)
            .await
            .map_err(|e| Failure::Unreachable(format!("discovery: {}", chain(&e))))?;
        let endpoints = [
            Some(metadata.authorization_endpoint().url()),
            metadata.token_endpoint().map(|u| u.url()),
            Some(metadata.jwks_uri().url()),
        ];
        endpoints_allowed(issuer, endpoints.iter().flatten().copied())
            .map_err(|why| Failure::Misconfigured(format!("discovery: {why}")))?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(
                issuer.to_owned(),
                Cached {
                    metadata: metadata.clone(),
                    fetched_at: now,
                },
            );
        }
        Ok(metadata)
    }

    fn cached(&self, issuer: &str, now: i64) -> Option<CoreProviderMetadata> {
        let cache = self.cache.lock().ok()?;
        let cached = cache.get(issuer)?;
        (now - cached.fetched_at < METADATA_TTL_SECS).then(|| cached.metadata.clone())
    }

    /// Checks that `issuer` answers discovery now (the command line
    /// refuses to save a provider it cannot reach; a sign-in checks before
    /// it starts a ceremony). Cached metadata counts unless `fresh`.
    ///
    /// Errors: [`Failure::Unreachable`], [`Failure::Misconfigured`].
    pub async fn discover(&self, issuer: &str, now: i64, fresh: bool) -> Result<(), Failure> {
        self.metadata(issuer, now, fresh).await.map(|_| ())
    }

    /// The URL to send the browser to: the authorization code flow with
    /// PKCE (S256 of `secrets.pkce_verifier`), `state` and `secrets.nonce`.
    ///
    /// Errors: [`Failure::Unreachable`], [`Failure::Misconfigured`].
    pub async fn authorization_url(
        &self,
        provider: &Provider,
        redirect_uri: &str,
        now: i64,
        ask: Ask<'_>,
        secrets: &Secrets,
    ) -> Result<String, Failure> {
        let metadata = self.metadata(&provider.issuer, now, false).await?;
        let client = new_client(metadata, provider, redirect_uri)?;
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            secrets.pkce_verifier.clone(),
        ));
        let state = ask.state.to_owned();
        let nonce = secrets.nonce.clone();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .set_pkce_challenge(challenge)
            .add_scopes(
                provider
                    .scopes
                    .split_whitespace()
                    .filter(|s| *s != "openid")
                    .map(|s| Scope::new(s.to_owned())),
            );
        if let Some(hint) = ask.login_hint {
            request = request.set_login_hint(LoginHint::new(hint.to_owned()));
        }
        if ask.again {
            request = request
                .add_prompt(CoreAuthPrompt::Login)
                .set_max_age(Duration::from_secs(0));
        }
        let (url, _, _) = request.url();
        Ok(url.to_string())
    }

    /// Redeems `code` at the provider's token endpoint (with the client
    /// secret and the PKCE verifier) and verifies the ID token it returns,
    /// with `nonce`, at `now` (Unix seconds).
    ///
    /// Errors: every [`Failure`].
    pub async fn redeem(
        &self,
        provider: &Provider,
        redirect_uri: &str,
        code: &str,
        secrets: &Secrets,
        now: i64,
    ) -> Result<Identity, Failure> {
        let metadata = self.metadata(&provider.issuer, now, false).await?;
        let client = new_client(metadata.clone(), provider, redirect_uri)?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| Failure::Misconfigured(format!("no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(secrets.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(refusal) => {
                    Failure::CodeRefused(refusal.to_string())
                }
                other => Failure::Unreachable(format!("token endpoint: {}", chain(&other))),
            })?;
        let id_token = response.id_token().ok_or(Failure::NoIdToken)?;
        let nonce = Nonce::new(secrets.nonce.clone());
        let verified = verify(&client, &metadata, now, id_token, &nonce);
        let claims = match verified {
            Err(Failure::Signature(why)) if why == NO_MATCHING_KEY => {
                // The provider may have rotated its keys since we fetched
                // them: fetch them once more, and verify again.
                let metadata = self.metadata(&provider.issuer, now, true).await?;
                let client = new_client(metadata.clone(), provider, redirect_uri)?;
                verify(&client, &metadata, now, id_token, &nonce)?
            }
            other => other?,
        };
        Ok(claims)
    }
}

const NO_MATCHING_KEY: &str = "no key of the provider matches the token";

type Client = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn new_client(
    metadata: CoreProviderMetadata,
    provider: &Provider,
    redirect_uri: &str,
) -> Result<Client, Failure> {
    let redirect = RedirectUrl::new(redirect_uri.to_owned())
        .map_err(|e| Failure::Misconfigured(format!("redirect URI: {e}")))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        Some(ClientSecret::new(provider.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}

/// Verifies `id_token` with the provider's keys: only the asymmetric
/// algorithms the provider announces (`none` and shared-secret MACs are
/// refused whatever the token's header says), at the domain's `now`.
fn verify(
    client: &Client,
    metadata: &CoreProviderMetadata,
    now: i64,
    id_token: &openidconnect::core::CoreIdToken,
    nonce: &Nonce,
) -> Result<Identity, Failure> {
    let algs: Vec<CoreJwsSigningAlgorithm> = metadata
        .id_token_signing_alg_values_supported()
        .iter()
        .filter(|alg| {
            !matches!(
                alg,
                CoreJwsSigningAlgorithm::None
                    | CoreJwsSigningAlgorithm::HmacSha256
                    | CoreJwsSigningAlgorithm::HmacSha384
                    | CoreJwsSigningAlgorithm::HmacSha512
            )
        })
        .cloned()
        .collect();
    let at = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default();
    let verifier = client
        .id_token_verifier()
        .set_allowed_algs(algs)
        .set_time_fn(move || at);
    let claims: &CoreIdTokenClaims = id_token.claims(&verifier, nonce).map_err(|e| match e {
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        ) => Failure::Signature(NO_MATCHING_KEY.to_owned()),
        ClaimsVerificationError::SignatureVerification(why) => Failure::Signature(why.to_string()),
        ClaimsVerificationError::InvalidAudience(_) => Failure::Audience,
        ClaimsVerificationError::InvalidIssuer(_) => Failure::Issuer,
        ClaimsVerificationError::Expired(_) => Failure::Expired,
        ClaimsVerificationError::InvalidNonce(_) => Failure::Nonce,
        other => Failure::Claims(other.to_string()),
    })?;
    Ok(Identity {
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
        auth_time: claims.auth_time().map(|t| t.timestamp()),
    })
}

/// Whether the endpoints a discovery document names may be used: https
/// only (the token endpoint receives the client secret; the browser is
/// sent to the authorization endpoint), except for a provider whose issuer
/// is itself plain http on a loopback host (development and tests), whose
/// endpoints must stay on loopback too.
fn endpoints_allowed<'a>(
    issuer: &str,
    endpoints: impl IntoIterator<Item = &'a url::Url>,
) -> Result<(), String> {
    let issuer = url::Url::parse(issuer).map_err(|e| format!("issuer URL: {e}"))?;
    let local = issuer.scheme() == "http" && is_loopback(&issuer);
    for endpoint in endpoints {
        let allowed = match endpoint.scheme() {
            "https" => true,
            "http" => local && is_loopback(endpoint),
            _ => false,
        };
        if !allowed {
            return Err(format!("the endpoint {endpoint} is not https"));
        }
    }
    Ok(())
}

/// Whether `url` names this machine (`localhost`, 127.0.0.1 or ::1): the
/// one place plain http is allowed for a provider (development, tests).
pub fn is_loopback(url: &url::Url) -> bool {
    matches!(
        url.host(),
        Some(url::Host::Domain("localhost"))
            | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
            | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
    )
}

/// An error and its sources, on one line, for the log.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(list: &[&str]) -> Vec<url::Url> {
        list.iter().map(|u| url::Url::parse(u).unwrap()).collect()
    }

    #[test]
    fn endpoints_are_https_unless_the_provider_is_local() {
        let https = urls(&["https://idp.example/auth", "https://keys.example/jwks"]);
        assert!(endpoints_allowed("https://idp.example", &https).is_ok());
        let downgraded = urls(&["https://idp.example/auth", "http://idp.example/token"]);
        assert!(endpoints_allowed("https://idp.example", &downgraded).is_err());
        let script = urls(&["javascript:alert(1)//"]);
        assert!(endpoints_allowed("https://idp.example", &script).is_err());
        let local = urls(&["http://localhost:9000/auth", "http://127.0.0.1:9000/token"]);
        assert!(endpoints_allowed("http://localhost:9000", &local).is_ok());
        let escaping = urls(&["http://169.254.169.254/token"]);
        assert!(endpoints_allowed("http://localhost:9000", &escaping).is_err());
    }
}
