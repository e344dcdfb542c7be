//! The one place that calls `navigator.credentials`.
//!
//! Browsers allow one WebAuthn request at a time, and the login page keeps
//! an autofill (conditional) request waiting in the background. So every
//! call here first aborts whatever request is pending, through the single
//! AbortController this module owns, then starts its own.

use common::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use webauthn_rs_proto::Mediation;

thread_local! {
    static PENDING: RefCell<Option<web_sys::AbortController>> = const { RefCell::new(None) };
}

/// Why a WebAuthn request did not produce a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasskeyError {
    /// Another request (or leaving the page) aborted this one: not an error
    /// to show.
    Aborted,
    /// The person cancelled, or the prompt timed out.
    Cancelled,
    /// The authenticator already holds a passkey for this account.
    AlreadyRegistered,
    /// This browser cannot do it.
    Unsupported,
    Other(String),
}

impl PasskeyError {
    /// The sentence to show, or `None` when nothing should be shown.
    pub fn message(&self) -> Option<String> {
        match self {
            PasskeyError::Aborted => None,
            PasskeyError::Cancelled => {
                Some("The passkey request was cancelled or timed out.".into())
            }
            PasskeyError::AlreadyRegistered => {
                Some("This authenticator already has a passkey for this account.".into())
            }
            PasskeyError::Unsupported => Some("This browser does not support passkeys.".into()),
            PasskeyError::Other(m) => Some(m.clone()),
        }
    }

    fn from_js(err: JsValue) -> Self {
        match err.dyn_ref::<web_sys::DomException>().map(|e| e.name()) {
            Some(name) if name == "AbortError" => PasskeyError::Aborted,
            Some(name) if name == "NotAllowedError" => PasskeyError::Cancelled,
            Some(name) if name == "InvalidStateError" => PasskeyError::AlreadyRegistered,
            Some(name) if name == "NotSupportedError" => PasskeyError::Unsupported,
            Some(name) => PasskeyError::Other(format!("The passkey request failed ({name}).")),
            None => PasskeyError::Other("The passkey request failed.".into()),
        }
    }
}

/// Aborts the pending WebAuthn request, if any.
pub fn abort_pending() {
    PENDING.with(|p| {
        if let Some(controller) = p.borrow_mut().take() {
            controller.abort();
        }
    });
}

/// Aborts the pending request and returns the signal for a new one.
fn begin() -> Result<web_sys::AbortSignal, PasskeyError> {
    abort_pending();
    let controller = web_sys::AbortController::new().map_err(|_| PasskeyError::Unsupported)?;
    let signal = controller.signal();
    PENDING.with(|p| *p.borrow_mut() = Some(controller));
    Ok(signal)
}

fn credentials() -> Result<web_sys::CredentialsContainer, PasskeyError> {
    let window = web_sys::window().ok_or(PasskeyError::Unsupported)?;
    if js_sys::Reflect::get(&window, &"PublicKeyCredential".into())
        .map_or(true, |v| v.is_undefined())
    {
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
) -> Result<web_sys::PublicKeyCredential, PasskeyError> {
    let value = JsFuture::from(promise.map_err(PasskeyError::from_js)?)
        .await
        .map_err(PasskeyError::from_js)?;
    value
        .dyn_into::<web_sys::PublicKeyCredential>()
        .map_err(|_| PasskeyError::Cancelled)
}

/// Creates a passkey (registration).
pub async fn create(
    options: CreationChallengeResponse,
) -> Result<RegisterPublicKeyCredential, PasskeyError> {
    let container = credentials()?;
    let signal = begin()?;
    let options: web_sys::CredentialCreationOptions = options.into();
    options.set_signal(&signal);
    let promise = container.create_with_options(&options);
    Ok(RegisterPublicKeyCredential::from(
        credential_of(promise).await?,
    ))
}

/// Asks for an assertion. With `conditional`, the request waits for the
/// person to pick a passkey from the email field's autofill.
pub async fn get(
    mut options: RequestChallengeResponse,
    conditional: bool,
) -> Result<PublicKeyCredential, PasskeyError> {
    let container = credentials()?;
    let signal = begin()?;
    options.mediation = conditional.then_some(Mediation::Conditional);
    let options: web_sys::CredentialRequestOptions = options.into();
    options.set_signal(&signal);
    let promise = container.get_with_options(&options);
    Ok(PublicKeyCredential::from(credential_of(promise).await?))
}
