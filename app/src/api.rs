//! Typed client for the JSON API: one function per endpoint.
//!
//! Every failure becomes a [`common::ApiError`], so pages handle one error
//! type whether the server refused, the network failed or the answer was
//! unreadable.

use crate::browser::{json, webauthn};
use common::{
    Activity, ApiError, CeremonyStart, Coverage, EmailLinkConfirm, EmailLinkRequester, ErrorCode,
    Invitation, LinkAccount, LinkToken, Member, MemberPage, NewPassword, NudgeAnswer, NudgeReply,
    OrgListRequest, OrgPolicySettings, OrgSignIn, OrgSignInRequest, PasskeyInfo, PasskeyList,
    PasskeyLoginStart, PasskeyNudge, PasswordLoginRequest, PasswordResetFinish,
    PasswordResetRequest, PolicyChange, ReauthPassword, RecoveryCodes, RecoveryLogin,
    RenamePasskey, RoleChange, SecurityLogPage, SessionInfo, SessionList, SsoProviderChange,
    SsoRedirect, SsoRemoved, SsoSettings, SsoStart, TotpCode, TotpEnrolment, TotpSetup,
};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

fn network_error() -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        "The server could not be reached. Check your connection and try again.",
    )
}

/// The answer's body read as a `T`, if it is one.
async fn body_of<T: DeserializeOwned>(response: Response) -> Option<T> {
    json::from_str(&response.text().await.ok()?)
}

/// Turns a non-2xx answer into the server's error body (or a generic one).
async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    body_of::<ApiError>(response).await.unwrap_or_else(|| {
        ApiError::new(
            ErrorCode::Internal,
            format!("The server answered with an unexpected error ({status})."),
        )
    })
}

/// The request with `body` as its JSON body.
fn with_json<B: Serialize>(request: RequestBuilder, body: &B) -> Result<Request, ApiError> {
    let text = json::to_string(body).ok_or_else(network_error)?;
    request
        .header("content-type", "application/json")
        .body(text)
        .map_err(|_| network_error())
}

async fn json_of<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
) -> Result<T, ApiError> {
    let response = response.map_err(|_| network_error())?;
    if !response.ok() {
        return Err(error_of(response).await);
    }
    body_of(response).await.ok_or_else(network_error)
}

/// `text` as one component of a path or query (`encodeURIComponent`).
fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

async fn empty_of(response: Result<Response, gloo_net::Error>) -> Result<(), ApiError> {
    let response = response.map_err(|_| network_error())?;
    if response.ok() {
        Ok(())
    } else {
        Err(error_of(response).await)
    }
}

/// `GET /api/session`: the signed-in session, or `None` when signed out
/// (204, so that being signed out logs no error in the console).
pub async fn session() -> Result<Option<SessionInfo>, ApiError> {
    let response = Request::get("/api/session")
        .send()
        .await
        .map_err(|_| network_error())?;
    if response.status() == 204 {
        return Ok(None);
    }
    json_of(Ok(response)).await.map(Some)
}

/// `POST /api/login/password`.
pub async fn login_password(body: &PasswordLoginRequest) -> Result<SessionInfo, ApiError> {
    let request = with_json(Request::post("/api/login/password"), body)?;
    json_of(request.send().await).await
}

/// `POST /api/logout`. Its answer clears this site's storage
/// (`Clear-Site-Data`); the organizations remembered for one-click sign-in
/// are written back, as the sign-in page promises to offer them.
pub async fn logout() -> Result<(), ApiError> {
    let remembered = crate::browser::remembered_orgs::snapshot();
    let result = empty_of(Request::post("/api/logout").send().await).await;
    crate::browser::remembered_orgs::keep(&remembered);
    result
}

async fn post_json<B: serde::Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let request = with_json(Request::post(path), body)?;
    json_of(request.send().await).await
}

async fn post_empty_reply<B: serde::Serialize>(path: &str, body: &B) -> Result<(), ApiError> {
    let request = with_json(Request::post(path), body)?;
    empty_of(request.send().await).await
}

/// `POST /api/login/org`: whether the org offers single sign-on.
pub async fn org_sign_in(body: &OrgSignInRequest) -> Result<OrgSignIn, ApiError> {
    post_json("/api/login/org", body).await
}

/// `POST /api/login/sso/start`: where to send the browser.
pub async fn sso_start(body: &SsoStart) -> Result<SsoRedirect, ApiError> {
    post_json("/api/login/sso/start", body).await
}

/// `POST /api/reauth/sso/start`: "Confirm it's you" at the provider.
pub async fn reauth_sso_start() -> Result<SsoRedirect, ApiError> {
    json_of(Request::post("/api/reauth/sso/start").send().await).await
}

/// `POST /api/login/passkey/start`.
pub async fn passkey_login_start(
    body: &PasskeyLoginStart,
) -> Result<CeremonyStart<webauthn::Options>, ApiError> {
    post_json("/api/login/passkey/start", body).await
}

/// Why an explicit passkey sign-in ended without a session.
#[derive(Debug)]
pub enum SignInError {
    /// An immediate request found no passkey on this device (or the person
    /// closed its choice): the page falls back to the email field.
    NoPasskeyHere,
    /// Any other failure, in words; an empty message is an abort, not
    /// shown.
    Failed(ApiError),
}

impl From<ApiError> for SignInError {
    fn from(err: ApiError) -> Self {
        SignInError::Failed(err)
    }
}

impl From<webauthn::PasskeyError> for SignInError {
    fn from(err: webauthn::PasskeyError) -> Self {
        match err {
            webauthn::PasskeyError::NoneHere => SignInError::NoPasskeyHere,
            other => SignInError::Failed(other.into()),
        }
    }
}

/// One explicit passkey sign-in: start, the browser's prompt, finish —
/// for `account` (a request limited to its passkeys) or any ("Login").
/// `alive` is asked before the prompt opens: no prompt for a page the
/// person has left while the start was on its way.
pub async fn passkey_sign_in(
    account: Option<common::AccountHint>,
    mediation: webauthn::Mediation,
    alive: &dyn Fn() -> bool,
) -> Result<SessionInfo, SignInError> {
    let asked = webauthn::asked();
    let start = passkey_login_start(&PasskeyLoginStart { account }).await?;
    if !alive() {
        return Err(webauthn::PasskeyError::Aborted.into());
    }
    let credential = webauthn::get(start.options, mediation, asked).await?;
    Ok(passkey_login_finish(&start.ceremony_id, &credential).await?)
}

/// `AssertionFinish` / `RegisterFinish`: a ceremony's id and the
/// browser's answer, as WebAuthn JSON.
#[derive(Serialize)]
struct Finish<'a> {
    ceremony_id: &'a str,
    credential: &'a webauthn::Answer,
}

/// `POST /api/login/passkey/finish`.
pub async fn passkey_login_finish(
    ceremony_id: &str,
    credential: &webauthn::Answer,
) -> Result<SessionInfo, ApiError> {
    let body = Finish {
        ceremony_id,
        credential,
    };
    post_json("/api/login/passkey/finish", &body)
        .await
        .inspect_err(|e| forget_if_unknown(e, credential))
}

/// Tells the password manager to forget `credential` when the server says
/// it is not registered (deleted, or its account removed).
fn forget_if_unknown(error: &ApiError, credential: &webauthn::Answer) {
    if error.code == ErrorCode::PasskeyUnknown {
        crate::browser::signals::unknown_credential(&credential.credential_id());
    }
}

/// `GET /api/passkeys`. Each time the list loads, the password manager
/// is told which of this account's passkeys still exist, and its names.
pub async fn passkeys() -> Result<PasskeyList, ApiError> {
    let list: PasskeyList = json_of(Request::get("/api/passkeys").send().await).await?;
    if let Some(signals) = &list.signals {
        crate::browser::signals::account_passkeys(signals);
    }
    Ok(list)
}

/// `POST /api/passkeys/register/start`.
pub async fn register_start() -> Result<CeremonyStart<webauthn::Options>, ApiError> {
    json_of(Request::post("/api/passkeys/register/start").send().await).await
}

/// `POST /api/passkeys/register/finish`.
pub async fn register_finish(
    ceremony_id: &str,
    credential: &webauthn::Answer,
) -> Result<PasskeyInfo, ApiError> {
    let body = Finish {
        ceremony_id,
        credential,
    };
    post_json("/api/passkeys/register/finish", &body).await
}

/// `DELETE /api/passkeys/{id}`; with `anyway`, the person has agreed that
/// their recovery codes become their only way back in
/// (`?rely_on_recovery_codes=true`, after a `confirmation_required`).
pub async fn delete_passkey(id: &str, anyway: bool) -> Result<(), ApiError> {
    let query = if anyway {
        "?rely_on_recovery_codes=true"
    } else {
        ""
    };
    empty_of(
        Request::delete(&format!("/api/passkeys/{id}{query}"))
            .send()
            .await,
    )
    .await
}

/// `PATCH /api/passkeys/{id}`.
pub async fn rename_passkey(id: &str, body: &RenamePasskey) -> Result<(), ApiError> {
    let request = with_json(Request::patch(&format!("/api/passkeys/{id}")), body)?;
    empty_of(request.send().await).await
}

/// `POST /api/reauth/password`.
pub async fn reauth_password(body: &ReauthPassword) -> Result<(), ApiError> {
    post_empty_reply("/api/reauth/password", body).await
}

/// `POST /api/reauth/passkey/start`.
pub async fn reauth_passkey_start() -> Result<CeremonyStart<webauthn::Options>, ApiError> {
    json_of(Request::post("/api/reauth/passkey/start").send().await).await
}

/// `POST /api/reauth/passkey/finish`.
pub async fn reauth_passkey_finish(
    ceremony_id: &str,
    credential: &webauthn::Answer,
) -> Result<(), ApiError> {
    let body = Finish {
        ceremony_id,
        credential,
    };
    post_empty_reply("/api/reauth/passkey/finish", &body)
        .await
        .inspect_err(|e| forget_if_unknown(e, credential))
}

/// `POST /api/reauth/email/start`.
pub async fn reauth_email_start() -> Result<(), ApiError> {
    empty_of(Request::post("/api/reauth/email/start").send().await).await
}

/// `POST /api/reauth/email/describe`: the session that asked for a link.
pub async fn reauth_email_describe(
    body: &EmailLinkConfirm,
) -> Result<EmailLinkRequester, ApiError> {
    post_json("/api/reauth/email/describe", body).await
}

/// `POST /api/reauth/email/deny`: "This wasn't me".
pub async fn reauth_email_deny(body: &EmailLinkConfirm) -> Result<(), ApiError> {
    post_empty_reply("/api/reauth/email/deny", body).await
}

/// `POST /api/reauth/email/confirm`.
pub async fn reauth_email_confirm(body: &EmailLinkConfirm) -> Result<(), ApiError> {
    post_empty_reply("/api/reauth/email/confirm", body).await
}

/// `POST /api/login/org-list`.
pub async fn org_list(body: &OrgListRequest) -> Result<(), ApiError> {
    post_empty_reply("/api/login/org-list", body).await
}

/// `POST /api/login/totp`.
pub async fn login_totp(body: &TotpCode) -> Result<SessionInfo, ApiError> {
    post_json("/api/login/totp", body).await
}

/// `POST /api/login/totp/setup` (forced setup after the password).
pub async fn login_totp_setup() -> Result<TotpSetup, ApiError> {
    json_of(Request::post("/api/login/totp/setup").send().await).await
}

/// `POST /api/login/totp/setup/confirm`.
pub async fn login_totp_setup_confirm(body: &TotpEnrolment) -> Result<SessionInfo, ApiError> {
    post_json("/api/login/totp/setup/confirm", body).await
}

/// `POST /api/totp/setup` (My Account).
pub async fn totp_setup() -> Result<TotpSetup, ApiError> {
    json_of(Request::post("/api/totp/setup").send().await).await
}

/// `POST /api/totp/setup/confirm`.
pub async fn totp_setup_confirm(body: &TotpEnrolment) -> Result<(), ApiError> {
    post_empty_reply("/api/totp/setup/confirm", body).await
}

/// `DELETE /api/totp`.
pub async fn totp_disable() -> Result<(), ApiError> {
    empty_of(Request::delete("/api/totp").send().await).await
}

/// `POST /api/account/password`: set or change the password (a fresh
/// session, or one at its enrolment step).
pub async fn set_password(body: &NewPassword) -> Result<SessionInfo, ApiError> {
    post_json("/api/account/password", body).await
}

/// `DELETE /api/account/password` (the last proof must be a passkey).
pub async fn remove_password() -> Result<SessionInfo, ApiError> {
    json_of(Request::delete("/api/account/password").send().await).await
}

/// `POST /api/account/recovery-codes`: ten new codes, replacing the older.
pub async fn new_recovery_codes() -> Result<RecoveryCodes, ApiError> {
    json_of(Request::post("/api/account/recovery-codes").send().await).await
}

/// `POST /api/login/recovery`: a session at its enrolment step.
pub async fn login_recovery(body: &RecoveryLogin) -> Result<SessionInfo, ApiError> {
    post_json("/api/login/recovery", body).await
}

/// `POST /api/password/reset/start`: "Forgot password?".
pub async fn password_reset_start(body: &PasswordResetRequest) -> Result<(), ApiError> {
    post_empty_reply("/api/password/reset/start", body).await
}

/// `POST /api/password/reset/describe`: whose link it is (changes nothing).
pub async fn password_reset_describe(body: &LinkToken) -> Result<LinkAccount, ApiError> {
    post_json("/api/password/reset/describe", body).await
}

/// `POST /api/password/reset/finish`: never signs in.
pub async fn password_reset_finish(body: &PasswordResetFinish) -> Result<(), ApiError> {
    post_empty_reply("/api/password/reset/finish", body).await
}

/// `POST /api/password/reset/passkey`: a passkey instead of the 2FA code.
pub async fn password_reset_passkey_start(
    body: &LinkToken,
) -> Result<CeremonyStart<webauthn::Options>, ApiError> {
    post_json("/api/password/reset/passkey", body).await
}

/// `POST /api/password/reset/finish` with a passkey's answer instead of
/// the 2FA code (`PasswordResetFinish.passkey`).
pub async fn password_reset_finish_with_passkey(
    token: &str,
    password: &str,
    ceremony_id: &str,
    credential: &webauthn::Answer,
) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct Body<'a> {
        token: &'a str,
        password: &'a str,
        passkey: Finish<'a>,
    }
    let passkey = Finish {
        ceremony_id,
        credential,
    };
    let body = Body {
        token,
        password,
        passkey,
    };
    post_empty_reply("/api/password/reset/finish", &body).await
}

/// `POST /api/enroll/describe`: whose link it is (changes nothing).
pub async fn enroll_describe(body: &LinkToken) -> Result<LinkAccount, ApiError> {
    post_json("/api/enroll/describe", body).await
}

/// `POST /api/enroll/redeem`: uses the link up; a session at its
/// enrolment step.
pub async fn enroll_redeem(body: &LinkToken) -> Result<SessionInfo, ApiError> {
    post_json("/api/enroll/redeem", body).await
}

/// `GET /api/sessions`: the account's live sessions, the current first.
pub async fn sessions() -> Result<SessionList, ApiError> {
    json_of(Request::get("/api/sessions").send().await).await
}

/// `DELETE /api/sessions/{id}`: signs out another session of the account.
pub async fn end_session(id: &str) -> Result<(), ApiError> {
    let path = format!("/api/sessions/{}", encode(id));
    empty_of(Request::delete(&path).send().await).await
}

/// `POST /api/sessions/end-others`: "Sign out everywhere else".
pub async fn end_other_sessions() -> Result<(), ApiError> {
    empty_of(Request::post("/api/sessions/end-others").send().await).await
}

/// `GET /api/account/activity`: the account's events of the last 90 days.
pub async fn activity() -> Result<Activity, ApiError> {
    json_of(Request::get("/api/account/activity").send().await).await
}

/// `GET /api/admin/members?q=…&page=N[&without_passkey=true]`.
pub async fn admin_members(
    search: &str,
    page: i64,
    without_passkey: bool,
) -> Result<MemberPage, ApiError> {
    let mut path = format!("/api/admin/members?q={}&page={page}", encode(search));
    if without_passkey {
        path.push_str("&without_passkey=true");
    }
    json_of(Request::get(&path).send().await).await
}

/// `PUT /api/admin/members/{id}/role`.
pub async fn admin_set_role(id: &str, body: &RoleChange) -> Result<(), ApiError> {
    let path = format!("/api/admin/members/{}/role", encode(id));
    let request = with_json(Request::put(&path), body)?;
    empty_of(request.send().await).await
}

/// `DELETE /api/admin/members/{id}`.
pub async fn admin_remove_member(id: &str) -> Result<(), ApiError> {
    let path = format!("/api/admin/members/{}", encode(id));
    empty_of(Request::delete(&path).send().await).await
}

/// `POST /api/admin/invitations`.
pub async fn admin_invite(body: &Invitation) -> Result<Member, ApiError> {
    post_json("/api/admin/invitations", body).await
}

/// `GET /api/admin/coverage`.
pub async fn admin_coverage() -> Result<Coverage, ApiError> {
    json_of(Request::get("/api/admin/coverage").send().await).await
}

/// `GET /api/admin/policy`.
pub async fn admin_policy() -> Result<OrgPolicySettings, ApiError> {
    json_of(Request::get("/api/admin/policy").send().await).await
}

/// `PUT /api/admin/policy[?preview=true]`.
pub async fn admin_change_policy(
    body: &OrgPolicySettings,
    preview: bool,
) -> Result<PolicyChange, ApiError> {
    let path = if preview {
        "/api/admin/policy?preview=true"
    } else {
        "/api/admin/policy"
    };
    let request = with_json(Request::put(path), body)?;
    json_of(request.send().await).await
}

/// The security log's query (`member=…&event=…&outcome=…&from=…&to=…`),
/// shared by the page and its CSV export.
pub fn security_log_query(filter: &LogFilter) -> String {
    let mut query = format!(
        "member={}&event={}&outcome={}",
        encode(&filter.member),
        encode(&filter.event),
        encode(&filter.outcome)
    );
    for (name, value) in [("from", filter.from), ("to", filter.to)] {
        if let Some(value) = value {
            query.push_str(&format!("&{name}={value}"));
        }
    }
    query
}

/// `GET /api/admin/security-log?…&page=N`.
pub async fn admin_security_log(
    filter: &LogFilter,
    page: i64,
) -> Result<SecurityLogPage, ApiError> {
    let path = format!(
        "/api/admin/security-log?{}&page={page}",
        security_log_query(filter)
    );
    json_of(Request::get(&path).send().await).await
}

/// The security log's filters, as the page holds them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogFilter {
    /// A member's account id, or empty.
    pub member: String,
    /// A stored event name, or empty.
    pub event: String,
    /// `success`, `failure`, or empty.
    pub outcome: String,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// `POST /api/admin/members/{id}/passkey-request`: mails the member a
/// request to add a passkey (an enrollment link if they never set up).
pub async fn admin_ask_for_passkey(id: &str) -> Result<(), ApiError> {
    let path = format!("/api/admin/members/{}/passkey-request", encode(id));
    empty_of(Request::post(&path).send().await).await
}

/// `POST /api/admin/members/{id}/reset`: "Reset sign-in".
pub async fn admin_reset_member(id: &str) -> Result<(), ApiError> {
    let path = format!("/api/admin/members/{}/reset", encode(id));
    empty_of(Request::post(&path).send().await).await
}

/// `GET /api/account/passkey-nudge`.
pub async fn passkey_nudge() -> Result<PasskeyNudge, ApiError> {
    json_of(Request::get("/api/account/passkey-nudge").send().await).await
}

/// `PUT /api/account/passkey-nudge`: "Not now" or "Don't ask again".
pub async fn answer_passkey_nudge(answer: NudgeAnswer) -> Result<PasskeyNudge, ApiError> {
    let request = with_json(
        Request::put("/api/account/passkey-nudge"),
        &NudgeReply { answer },
    )?;
    json_of(request.send().await).await
}

/// `GET /api/admin/sso`.
pub async fn admin_sso() -> Result<SsoSettings, ApiError> {
    json_of(Request::get("/api/admin/sso").send().await).await
}

/// `PUT /api/admin/sso`: connect or change the org's identity provider.
pub async fn admin_set_sso(body: &SsoProviderChange) -> Result<SsoSettings, ApiError> {
    let request = with_json(Request::put("/api/admin/sso"), body)?;
    json_of(request.send().await).await
}

/// `DELETE /api/admin/sso`: disconnect it.
pub async fn admin_remove_sso() -> Result<SsoRemoved, ApiError> {
    json_of(Request::delete("/api/admin/sso").send().await).await
}
