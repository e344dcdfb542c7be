//! The WebAuthn Signal API (WebAuthn Level 3 §5.1.10): telling the
//! browser's password manager which passkeys this site still accepts, so
//! that a deleted passkey stops being offered in autofill and a renamed
//! account shows its new name.
//!
//! Every call is feature-detected and fire-and-forget: a browser without
//! the API (or one that refuses) changes nothing, and sign-in never waits
//! for it. The user handle scopes each signal to one account: one
//! person's accounts in other orgs have other user handles, so their
//! passkeys are never touched.

use common::CredentialSignals;
use wasm_bindgen::{JsCast, JsValue};

/// Calls `PublicKeyCredential[method](argument)` if the browser has it; its
/// promise's rejection is caught, never reported.
fn signal(method: &str, argument: &js_sys::Object) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(pkc) = js_sys::Reflect::get(&window, &"PublicKeyCredential".into()) else {
        return;
    };
    let Ok(function) = js_sys::Reflect::get(&pkc, &method.into()) else {
        return;
    };
    let Some(function) = function.dyn_ref::<js_sys::Function>() else {
        return;
    };
    if let Ok(promise) = function.call1(&pkc, argument) {
        if let Ok(promise) = promise.dyn_into::<js_sys::Promise>() {
            // A rejected signal (say, an rpId the browser disagrees with)
            // is nothing the person can act on: awaited, and dropped.
            wasm_bindgen_futures::spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            });
        }
    }
}

/// A plain object with these string members.
fn object(members: &[(&str, JsValue)]) -> js_sys::Object {
    let object = js_sys::Object::new();
    for (name, value) in members {
        // Only fails on a frozen object, which a new one is not.
        let _ = js_sys::Reflect::set(&object, &(*name).into(), value);
    }
    object
}

/// `signalUnknownCredential`: the server does not know the passkey that
/// just answered (`credential_id`, base64url), so the authenticator may
/// forget it. The relying party id is this page's host, as the server's is.
pub fn unknown_credential(credential_id: &str) {
    let Some(rp_id) = web_sys::window().and_then(|w| w.location().hostname().ok()) else {
        return;
    };
    signal(
        "signalUnknownCredential",
        &object(&[
            ("rpId", rp_id.into()),
            ("credentialId", credential_id.into()),
        ]),
    );
}

/// `signalAllAcceptedCredentials` and `signalCurrentUserDetails` for one
/// account: its passkeys the authenticator should keep (the others of
/// that user handle may go), and its names as registration sets them.
pub fn account_passkeys(signals: &CredentialSignals) {
    let ids: js_sys::Array = signals
        .accepted_credential_ids
        .iter()
        .map(|id| JsValue::from_str(id))
        .collect();
    signal(
        "signalAllAcceptedCredentials",
        &object(&[
            ("rpId", signals.rp_id.as_str().into()),
            ("userId", signals.user_id.as_str().into()),
            ("allAcceptedCredentialIds", ids.into()),
        ]),
    );
    signal(
        "signalCurrentUserDetails",
        &object(&[
            ("rpId", signals.rp_id.as_str().into()),
            ("userId", signals.user_id.as_str().into()),
            ("name", signals.name.as_str().into()),
            ("displayName", signals.display_name.as_str().into()),
        ]),
    );
}
