//! The server under test, spoken to over HTTP the way the browser app does
//! (same JSON, same session cookie), with a software authenticator.

use serde_json::{json, Value};
use softauthn::SoftPasskey;
use std::time::{Duration, Instant};

/// What went wrong with one request.
#[derive(Debug)]
pub enum Failure {
    Http(String),
    Status(u16, String),
    Authenticator(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Http(e) => write!(f, "HTTP: {e}"),
            Failure::Status(code, body) => write!(f, "HTTP {code}: {body}"),
            Failure::Authenticator(e) => write!(f, "authenticator: {e}"),
        }
    }
}

impl From<softauthn::Error> for Failure {
    fn from(e: softauthn::Error) -> Self {
        Failure::Authenticator(e.to_string())
    }
}

#[derive(Clone)]
pub struct Target {
    client: reqwest::Client,
    base: String,
    /// The browser origin the server expects (`http://localhost:PORT`).
    pub origin: String,
}

/// One answered request: its body, the session cookie it set, how long it took.
pub struct Answer {
    pub body: Value,
    pub cookie: Option<String>,
    pub took: Duration,
}

impl Target {
    pub fn new(base: &str) -> Result<Self, Failure> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .build()
            .map_err(|e| Failure::Http(e.to_string()))?;
        let base = base.trim_end_matches('/').to_owned();
        Ok(Target {
            client,
            origin: base.clone(),
            base,
        })
    }

    /// POSTs `body` (or nothing) with the session `cookie`, as the app does.
    pub async fn post(
        &self,
        path: &str,
        body: Option<Value>,
        cookie: Option<&str>,
    ) -> Result<Answer, Failure> {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("origin", &self.origin)
            .header("sec-fetch-site", "same-origin");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let started = Instant::now();
        let response = request
            .send()
            .await
            .map_err(|e| Failure::Http(e.to_string()))?;
        let status = response.status();
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::Http(e.to_string()))?;
        let took = started.elapsed();
        if !status.is_success() {
            return Err(Failure::Status(
                status.as_u16(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|e| Failure::Http(e.to_string()))?
        };
        Ok(Answer { body, cookie, took })
    }

    /// A password sign-in: the session cookie and the time it took.
    pub async fn password_sign_in(&self, account: &Account) -> Result<(String, Duration), Failure> {
        let body =
            json!({ "email": account.email, "org": account.org, "password": account.password });
        let answer = self.post("/api/login/password", Some(body), None).await?;
        let cookie = answer
            .cookie
            .ok_or_else(|| Failure::Http("no session cookie".into()))?;
        Ok((cookie, answer.took))
    }

    /// Registers a new passkey on the signed-in account.
    pub async fn register(&self, cookie: &str) -> Result<SoftPasskey, Failure> {
        let start = self
            .post("/api/passkeys/register/start", None, Some(cookie))
            .await?;
        let (passkey, credential) = SoftPasskey::register(&start.body["options"], &self.origin)?;
        let body = json!({ "ceremony_id": start.body["ceremony_id"], "credential": credential });
        self.post("/api/passkeys/register/finish", Some(body), Some(cookie))
            .await?;
        Ok(passkey)
    }

    /// A discoverable passkey sign-in ("Log in with passkey"): the time of
    /// the options request and of the verification.
    pub async fn passkey_sign_in(
        &self,
        passkey: &SoftPasskey,
    ) -> Result<(Duration, Duration), Failure> {
        let start = self
            .post("/api/login/passkey/start", Some(json!({})), None)
            .await?;
        // Counter 0: like most platform authenticators, it sends none.
        let assertion = passkey.assert(&start.body["options"], 0)?;
        let body = json!({ "ceremony_id": start.body["ceremony_id"], "credential": assertion });
        let finish = self
            .post("/api/login/passkey/finish", Some(body), None)
            .await?;
        if finish.cookie.is_none() {
            return Err(Failure::Http("no session cookie".into()));
        }
        Ok((start.took, finish.took))
    }
}

/// One account, as `account import` reads it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Account {
    pub org: String,
    pub email: String,
    pub display_name: String,
    pub password: String,
}
