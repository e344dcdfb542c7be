//! The one place that calls `navigator.credentials`.
//!
//! Browsers allow one WebAuthn request at a time, and the login page keeps
//! an autofill (conditional) request waiting in the background. So every
//! call here first aborts whatever request is pending, through the single
//! AbortController this module owns, then starts its own.

use common::{
    ApiError, CreationChallengeResponse, ErrorCode, PublicKeyCredential,
    RegisterPublicKeyCredential, RequestChallengeResponse,
};
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use webauthn_rs_proto::Mediation;

thread_local! {
    /// The pending request's controller, and whether it is a conditional
    /// (autofill) request.
    static PENDING: RefCell<Option<(web_sys::AbortController, bool)>> = const { RefCell::new(None) };
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
    /// Any other failure, with the exception's name.
    Other(String),
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
fn begin(conditional: bool) -> Result<web_sys::AbortController, PasskeyError> {
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

/// WebAuthn options as the server sent them, kept as a JavaScript value:
/// what webauthn-rs-proto's types do not know survives the trip to the
/// browser — a transport newer than they are (`smart-card`) would become
/// "unknown" through them (WebAuthn §5.8.4: the transports a browser
/// reported are given back to it, so it can route to the right
/// authenticator without asking).
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub struct Options(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

impl Options {
    /// `publicKey.timeout`: how long (milliseconds) the server keeps the
    /// ceremony open.
    pub fn timeout_ms(&self) -> Option<u32> {
        js_sys::Reflect::get(&self.0, &"publicKey".into())
            .and_then(|key| js_sys::Reflect::get(&key, &"timeout".into()))
            .ok()
            .and_then(|ms| ms.as_f64())
            .map(|ms| ms as u32)
    }

    fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, PasskeyError> {
        serde_wasm_bindgen::from_value(self.0.clone())
            .map_err(|_| PasskeyError::Other("the server's passkey options are unreadable".into()))
    }

    /// Puts the transports of each entry of `publicKey.<list>` as sent
    /// onto the browser's `options`, whose entries are in the same order.
    fn keep_transports(&self, options: &JsValue, list: &str) {
        let entries = |root: &JsValue| {
            js_sys::Reflect::get(root, &"publicKey".into())
                .and_then(|key| js_sys::Reflect::get(&key, &list.into()))
                .ok()
                .and_then(|list| list.dyn_into::<js_sys::Array>().ok())
        };
        let (Some(sent), Some(made)) = (entries(&self.0), entries(options)) else {
            return;
        };
        for (sent, made) in sent.iter().zip(made.iter()) {
            if let Ok(transports) = js_sys::Reflect::get(&sent, &"transports".into()) {
                if !transports.is_undefined() {
                    let _ = js_sys::Reflect::set(&made, &"transports".into(), &transports);
                }
            }
        }
    }
}

/// A new passkey's answer (`navigator.credentials.create`), as the JSON
/// object the server reads, with the transports the browser reported
/// (`getTransports()`) as it reported them: webauthn-rs-proto's conversion
/// leaves them out, and its types would turn a newer one into "unknown".
#[derive(serde::Serialize)]
#[serde(transparent)]
pub struct Registration(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

/// Creates a passkey (registration).
pub async fn create(options: Options) -> Result<Registration, PasskeyError> {
    let container = credentials()?;
    let controller = begin(false)?;
    let sent = options;
    let options: CreationChallengeResponse = sent.parse()?;
    let timeout_ms = options.public_key.timeout;
    let options: web_sys::CredentialCreationOptions = options.into();
    sent.keep_transports(&options, "excludeCredentials");
    options.set_signal(&controller.signal());
    let promise = container.create_with_options(&options);
    let credential = credential_of(promise, &controller, timeout_ms).await?;
    let response = js_sys::Reflect::get(&credential, &"response".into()).ok();
    let transports = response.and_then(|response| {
        let get = js_sys::Reflect::get(&response, &"getTransports".into()).ok()?;
        get.dyn_ref::<js_sys::Function>()?.call0(&response).ok()
    });
    let typed = RegisterPublicKeyCredential::from(credential);
    let json = serde_wasm_bindgen::Serializer::json_compatible();
    let answer = serde::Serialize::serialize(&typed, &json)
        .map_err(|_| PasskeyError::Other("the new passkey's answer is unreadable".into()))?;
    if let (Some(transports), Ok(response)) = (
        transports,
        js_sys::Reflect::get(&answer, &"response".into()),
    ) {
        let _ = js_sys::Reflect::set(&response, &"transports".into(), &transports);
    }
    Ok(Registration(answer))
}

/// Asks for an assertion. With `conditional`, the request waits for the
/// person to pick a passkey from the email field's autofill.
pub async fn get(options: Options, conditional: bool) -> Result<PublicKeyCredential, PasskeyError> {
    let container = credentials()?;
    let controller = begin(conditional)?;
    let sent = &options;
    let mut options: RequestChallengeResponse = sent.parse()?;
    options.mediation = conditional.then_some(Mediation::Conditional);
    let timeout_ms = options.public_key.timeout;
    let options: web_sys::CredentialRequestOptions = options.into();
    sent.keep_transports(&options, "allowCredentials");
    options.set_signal(&controller.signal());
    let promise = container.get_with_options(&options);
    Ok(PublicKeyCredential::from(
        credential_of(promise, &controller, timeout_ms).await?,
    ))
}
