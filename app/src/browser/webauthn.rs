//! The one place that calls `navigator.credentials`.
//!
//! Browsers allow one WebAuthn request at a time, and the login page keeps
//! an autofill (conditional) request waiting in the background. So every
//! call here first aborts whatever request is pending, through the single
//! AbortController this module owns, then starts its own.

use common::{ApiError, ErrorCode};
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

thread_local! {
    /// The pending request's controller, and whether it is a conditional
    /// (autofill) request.
    static PENDING: RefCell<Option<(web_sys::AbortController, bool)>> = const { RefCell::new(None) };
    /// How many times the person pressed Cancel ([`cancel`]).
    static CANCELS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// When an explicit request was asked for: taken before its ceremony's
/// start goes to the server, so that a Cancel pressed while the start is
/// on its way ends the request before its prompt opens ([`cancel`]).
#[derive(Debug, Clone, Copy)]
pub struct Asked(u64);

/// Now, for a request about to be asked for (see [`Asked`]).
pub fn asked() -> Asked {
    Asked(CANCELS.with(std::cell::Cell::get))
}

/// The person's Cancel: aborts the pending request, and an explicit one
/// whose ceremony start is still on its way (it ends as aborted instead of
/// opening its prompt).
pub fn cancel() {
    CANCELS.with(|c| c.set(c.get() + 1));
    abort_pending();
}

/// Why a WebAuthn request did not produce a credential: one variant per
/// outcome the person should hear about in its own words (the
/// `DOMException` names of WebAuthn §5.1.3 and §5.1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasskeyError {
    /// Another request, the page's Cancel or leaving the page aborted this
    /// one (`AbortError`): not an error to show.
    Aborted,
    /// `NotAllowedError` before the timeout: the person closed the prompt,
    /// picked no passkey, or the authenticator could not verify them.
    NotAllowed,
    /// `NotAllowedError` once the request's timeout had passed.
    TimedOut,
    /// `InvalidStateError` at registration: the authenticator already holds
    /// a passkey for this account (it was in `excludeCredentials`).
    AlreadyRegistered,
    /// `SecurityError`: the page's address is not one passkeys of this
    /// relying party may be used on.
    WrongAddress,
    /// No WebAuthn in this browser, or `NotSupportedError`.
    Unsupported,
    /// `NotAllowedError` of an immediate request ([`Mediation::Immediate`]):
    /// this device offered no passkey for the site, or the person closed
    /// the choice. Browsers do not tell the two apart, on purpose (WebAuthn
    /// §14.5.2, credential ID privacy).
    NoneHere,
    /// Any other failure, with the exception's name.
    Other(String),
}

/// How a sign-in request reaches the person (Credential Management
/// `mediation` and `uiMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mediation {
    /// The browser's prompt: passkeys on this device, a phone or a
    /// security key.
    Modal,
    /// The email field's autofill (`mediation: "conditional"`): waits for
    /// the person to pick a passkey there.
    Conditional,
    /// `uiMode: "immediate"`: the prompt shows only when this device holds
    /// a passkey for the site; otherwise the request fails at once
    /// ([`PasskeyError::NoneHere`]) without showing anything. Needs the
    /// click's user activation, names no account (no `allowCredentials`),
    /// and never reaches phones or security keys. Offered where
    /// `getClientCapabilities()` reports `immediateGet`
    /// ([`immediate_available`]).
    Immediate,
}

impl PasskeyError {
    /// The sentence to show, or `None` when nothing should be shown.
    pub fn message(&self) -> Option<String> {
        let text = match self {
            PasskeyError::Aborted => return None,
            PasskeyError::NotAllowed => {
                "No passkey was used: the request was closed, or your device could not confirm it's you \
                 with its screen lock, fingerprint or face. Try again, or sign in another way."
            }
            PasskeyError::TimedOut => "The passkey request timed out. Try again when you are ready.",
            PasskeyError::AlreadyRegistered => {
                "This device or security key already has a passkey for this account. \
                 Use another one, or keep using the passkey you have."
            }
            PasskeyError::WrongAddress => {
                "Passkeys cannot be used at this address. Open the console at its usual address and try again."
            }
            PasskeyError::Unsupported => {
                "This browser or device cannot use passkeys here. Sign in with your password, \
                 or use a browser that supports passkeys."
            }
            PasskeyError::NoneHere => {
                "No passkey on this device was used. Sign in with your email above, \
                 or use a passkey on your phone or a security key."
            }
            PasskeyError::Other(name) => {
                return Some(format!("The passkey request failed ({name}). Try again, or sign in another way."))
            }
        };
        Some(text.to_owned())
    }

    /// The outcome of an exception from `navigator.credentials`, for a
    /// request that waited `waited_ms` of its `timeout_ms`.
    fn from_js(err: JsValue, waited_ms: f64, timeout_ms: Option<u32>) -> Self {
        let name = err.dyn_ref::<web_sys::DomException>().map(|e| e.name());
        match name.as_deref() {
            Some("AbortError") => PasskeyError::Aborted,
            // Browsers report a timeout as NotAllowedError too (§5.1.4.1
            // step 21): told apart by how long the request waited.
            Some("NotAllowedError")
                if timeout_ms.is_some_and(|t| waited_ms + 1_000.0 >= f64::from(t)) =>
            {
                PasskeyError::TimedOut
            }
            Some("NotAllowedError") => PasskeyError::NotAllowed,
            Some("InvalidStateError") => PasskeyError::AlreadyRegistered,
            Some("SecurityError") => PasskeyError::WrongAddress,
            Some("NotSupportedError") => PasskeyError::Unsupported,
            Some(name) => PasskeyError::Other(name.to_owned()),
            None => PasskeyError::Other("unknown".to_owned()),
        }
    }
}

/// A failed request as an API error, so that a ceremony (start, prompt,
/// finish) has one error type. An aborted request has an empty message:
/// callers show nothing for it.
impl From<PasskeyError> for ApiError {
    fn from(err: PasskeyError) -> Self {
        ApiError::new(ErrorCode::BadRequest, err.message().unwrap_or_default())
    }
}

/// Whether this browser has WebAuthn at all. Pages that offer passkeys say
/// so instead of offering a button that can only fail.
pub fn supported() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"PublicKeyCredential".into()).ok())
        .is_some_and(|v| !v.is_undefined())
}

/// Aborts the pending WebAuthn request, if any.
pub fn abort_pending() {
    PENDING.with(|p| {
        if let Some((controller, _)) = p.borrow_mut().take() {
            controller.abort();
        }
    });
}

/// Aborts the pending request if it is an autofill one (to renew it),
/// never an explicit request the person is answering.
pub fn abort_conditional() {
    let conditional = PENDING.with(|p| p.borrow().as_ref().is_some_and(|(_, c)| *c));
    if conditional {
        abort_pending();
    }
}

/// Aborts the pending request and returns the controller of a new one. An
/// autofill request never replaces a prompt the person opened: it is
/// refused (as aborted) while one is pending.
fn begin(conditional: bool, asked: Asked) -> Result<web_sys::AbortController, PasskeyError> {
    if !conditional && CANCELS.with(std::cell::Cell::get) != asked.0 {
        return Err(PasskeyError::Aborted);
    }
    let explicit_pending = PENDING.with(|p| p.borrow().as_ref().is_some_and(|(_, c)| !*c));
    if conditional && explicit_pending {
        return Err(PasskeyError::Aborted);
    }
    abort_pending();
    let controller = web_sys::AbortController::new().map_err(|_| PasskeyError::Unsupported)?;
    PENDING.with(|p| *p.borrow_mut() = Some((controller.clone(), conditional)));
    Ok(controller)
}

/// Forgets `controller` once its request has settled, unless another
/// request has replaced it meanwhile.
fn settled(controller: &web_sys::AbortController) {
    PENDING.with(|p| {
        let mut pending = p.borrow_mut();
        if pending.as_ref().is_some_and(|(c, _)| {
            AsRef::<JsValue>::as_ref(c) == AsRef::<JsValue>::as_ref(controller)
        }) {
            *pending = None;
        }
    });
}

fn credentials() -> Result<web_sys::CredentialsContainer, PasskeyError> {
    let window = web_sys::window().ok_or(PasskeyError::Unsupported)?;
    if !supported() {
        return Err(PasskeyError::Unsupported);
    }
    Ok(window.navigator().credentials())
}

/// Whether the browser can offer passkeys in the email field's autofill.
pub async fn conditional_mediation_available() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Ok(pkc) = js_sys::Reflect::get(&window, &"PublicKeyCredential".into()) else {
        return false;
    };
    let Ok(check) = js_sys::Reflect::get(&pkc, &"isConditionalMediationAvailable".into()) else {
        return false;
    };
    let Some(check) = check.dyn_ref::<js_sys::Function>() else {
        return false;
    };
    let Ok(promise) = check.call0(&pkc) else {
        return false;
    };
    match JsFuture::from(promise.unchecked_into::<js_sys::Promise>()).await {
        Ok(v) => v.as_bool().unwrap_or(false),
        Err(_) => false,
    }
}

/// Whether the browser supports immediate requests ([`Mediation::Immediate`]):
/// `PublicKeyCredential.getClientCapabilities()` reports `immediateGet`
/// (WebAuthn Level 3 §5.1.7). False where the method is missing or fails.
pub async fn immediate_available() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let pkc = member(&window, "PublicKeyCredential");
    let Some(promise) = call(&pkc, "getClientCapabilities") else {
        return false;
    };
    let Ok(promise) = promise.dyn_into::<js_sys::Promise>() else {
        return false;
    };
    match JsFuture::from(promise).await {
        Ok(capabilities) => member(&capabilities, "immediateGet").as_bool() == Some(true),
        Err(_) => false,
    }
}

/// Whether the page has the transient activation of a recent click
/// (`navigator.userActivation.isActive`); true where the browser does not
/// say, so that the request decides.
fn user_activation_active() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    member(&member(&window.navigator(), "userActivation"), "isActive")
        .as_bool()
        .unwrap_or(true)
}

/// Waits for the browser's answer and checks it is a public-key credential.
async fn credential_of(
    promise: Result<js_sys::Promise, JsValue>,
    controller: &web_sys::AbortController,
    timeout_ms: Option<u32>,
) -> Result<web_sys::PublicKeyCredential, PasskeyError> {
    let answer = answer_of(promise, timeout_ms).await;
    settled(controller);
    answer
}

async fn answer_of(
    promise: Result<js_sys::Promise, JsValue>,
    timeout_ms: Option<u32>,
) -> Result<web_sys::PublicKeyCredential, PasskeyError> {
    let started = js_sys::Date::now();
    let outcome = |err| PasskeyError::from_js(err, js_sys::Date::now() - started, timeout_ms);
    let value = JsFuture::from(promise.map_err(outcome)?)
        .await
        .map_err(outcome)?;
    value
        .dyn_into::<web_sys::PublicKeyCredential>()
        .map_err(|_| PasskeyError::Other("not a public-key credential".to_owned()))
}

/// WebAuthn options as the server sent them (`{publicKey: …}` in WebAuthn
/// JSON, bytes in base64url), kept as a JavaScript value and handed to the
/// browser with only the bytes converted: every member the server sent
/// reaches the browser as sent — a transport newer than any Rust type
/// knows (`smart-card`) included (WebAuthn §5.8.4: the transports a
/// browser reported are given back to it, so it can route to the right
/// authenticator without asking).
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub struct Options(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

/// `Reflect::get`, undefined when missing.
fn member(target: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(target, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn set(target: &JsValue, name: &str, value: &JsValue) {
    // Only fails on a frozen object or a non-object, which these are not.
    let _ = js_sys::Reflect::set(target, &name.into(), value);
}

/// `target.name()`, if `target` has such a method and it returns.
fn call(target: &JsValue, name: &str) -> Option<JsValue> {
    let method = member(target, name).dyn_into::<js_sys::Function>().ok()?;
    method.call0(target).ok()
}

/// A copy of JSON-compatible `value` (what `JSON` can write and read back).
fn json_copy(value: &JsValue) -> JsValue {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|text| js_sys::JSON::parse(&String::from(text)).ok())
        .unwrap_or(JsValue::UNDEFINED)
}

/// Replaces the base64url string `target[name]` with its bytes.
fn to_bytes(target: &JsValue, name: &str) -> Result<(), PasskeyError> {
    let text = member(target, name);
    let Some(text) = text.as_string() else {
        return Ok(());
    };
    let bytes = super::base64url::decode(&text)
        .ok_or_else(|| PasskeyError::Other("the server's passkey options are unreadable".into()))?;
    set(target, name, &js_sys::Uint8Array::from(bytes.as_slice()));
    Ok(())
}

/// `target[name]` (an `ArrayBuffer`, or null) as base64url, or null.
fn from_bytes(target: &JsValue, name: &str) -> JsValue {
    let value = member(target, name);
    if value.is_null() || value.is_undefined() {
        return JsValue::NULL;
    }
    let bytes = js_sys::Uint8Array::new(&value).to_vec();
    super::base64url::encode(&bytes).into()
}

impl Options {
    /// `publicKey.timeout`: how long (milliseconds) the server keeps the
    /// ceremony open.
    pub fn timeout_ms(&self) -> Option<u32> {
        member(&member(&self.0, "publicKey"), "timeout")
            .as_f64()
            .map(|ms| ms as u32)
    }

    /// The options the browser takes: a copy, its bytes as bytes.
    fn for_browser(&self) -> Result<JsValue, PasskeyError> {
        let options = json_copy(&self.0);
        let key = member(&options, "publicKey");
        if !key.is_object() {
            return Err(PasskeyError::Other(
                "the server's passkey options are unreadable".into(),
            ));
        }
        to_bytes(&key, "challenge")?;
        to_bytes(&member(&key, "user"), "id")?;
        for list in ["allowCredentials", "excludeCredentials"] {
            if let Ok(entries) = member(&key, list).dyn_into::<js_sys::Array>() {
                for entry in entries.iter() {
                    to_bytes(&entry, "id")?;
                }
            }
        }
        Ok(options)
    }
}

/// A passkey's answer as the WebAuthn JSON the server reads
/// (`PublicKeyCredential.toJSON()`'s shape): `response_members` of its
/// response as base64url, the transports the browser reported at
/// registration as reported, and the client extension results.
fn answer_json(credential: &web_sys::PublicKeyCredential, response_members: &[&str]) -> JsValue {
    let answer = js_sys::Object::new();
    let raw_id = js_sys::Uint8Array::new(&credential.raw_id()).to_vec();
    set(&answer, "id", &credential.id().into());
    set(&answer, "rawId", &super::base64url::encode(&raw_id).into());
    set(&answer, "type", &"public-key".into());
    let browser_response = member(credential, "response");
    let response = js_sys::Object::new();
    for name in response_members {
        set(&response, name, &from_bytes(&browser_response, name));
    }
    if let Some(transports) = call(&browser_response, "getTransports") {
        set(&response, "transports", &transports);
    }
    set(&answer, "response", &response);
    let extensions = call(credential, "getClientExtensionResults").unwrap_or_default();
    set(&answer, "clientExtensionResults", &json_copy(&extensions));
    answer.into()
}

/// A passkey's answer (`navigator.credentials.create` or `.get`) as the
/// WebAuthn JSON object the server reads, posted as it is.
#[derive(serde::Serialize)]
#[serde(transparent)]
pub struct Answer(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

impl Answer {
    /// The credential's id (base64url).
    pub fn credential_id(&self) -> String {
        member(&self.0, "id").as_string().unwrap_or_default()
    }
}

/// Creates a passkey (registration), unless Cancel was pressed since it
/// was `asked` for.
pub async fn create(options: Options, asked: Asked) -> Result<Answer, PasskeyError> {
    let container = credentials()?;
    let controller = begin(false, asked)?;
    let timeout_ms = options.timeout_ms();
    let options: web_sys::CredentialCreationOptions = options.for_browser()?.unchecked_into();
    options.set_signal(&controller.signal());
    let promise = container.create_with_options(&options);
    let credential = credential_of(promise, &controller, timeout_ms).await?;
    Ok(Answer(answer_json(
        &credential,
        &["clientDataJSON", "attestationObject"],
    )))
}

/// Asks for an assertion, shown to the person as `mediation` says, unless
/// Cancel was pressed since it was `asked` for (autofill requests ignore
/// Cancel: they wait in the background).
pub async fn get(
    options: Options,
    mediation: Mediation,
    asked: Asked,
) -> Result<Answer, PasskeyError> {
    let container = credentials()?;
    let controller = begin(mediation == Mediation::Conditional, asked)?;
    let timeout_ms = options.timeout_ms();
    let request = options.for_browser()?;
    // An immediate request needs the click's activation, which lasts a few
    // seconds (HTML "transient activation"): after a slow start it would
    // fail as if this device had no passkey, so it becomes the prompt.
    let mediation = match mediation {
        Mediation::Immediate if !user_activation_active() => Mediation::Modal,
        other => other,
    };
    match mediation {
        Mediation::Modal => {}
        Mediation::Conditional => set(&request, "mediation", &"conditional".into()),
        // Chromium's shape (`uiMode`, CredentialRequestOptions); an earlier
        // draft's `mediation: "immediate"` is refused there as a TypeError.
        Mediation::Immediate => set(&request, "uiMode", &"immediate".into()),
    }
    let request: web_sys::CredentialRequestOptions = request.unchecked_into();
    request.set_signal(&controller.signal());
    let promise = container.get_with_options(&request);
    let credential = match credential_of(promise, &controller, timeout_ms).await {
        Err(PasskeyError::NotAllowed | PasskeyError::TimedOut)
            if mediation == Mediation::Immediate =>
        {
            return Err(PasskeyError::NoneHere)
        }
        other => other?,
    };
    Ok(Answer(answer_json(
        &credential,
        &[
            "clientDataJSON",
            "authenticatorData",
            "signature",
            "userHandle",
        ],
    )))
}
