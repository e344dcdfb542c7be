//! The email field's autofill (WebAuthn conditional mediation): armed on
//! the sign-in page, renewed before the server forgets its ceremony (the
//! options' `timeout` is the ceremony's lifetime), and armed again after a
//! pick the server refused — at most once per action of the person, so a
//! browser that answers at once cannot make it spin.

use super::Form;
use crate::browser::webauthn::{self, PasskeyError};
use common::PasskeyLoginStart;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// The ceremony lifetime assumed when the options carry no `timeout` (the
/// server's default, milliseconds).
const DEFAULT_LIFETIME_MS: u32 = 300_000;

/// A refusal of a waiting autofill request within this many milliseconds
/// of arming it means the browser will not offer passkeys in the field; a
/// later one is the person closing a choice they opened.
const REFUSED_AT_ONCE_MS: f64 = 1_000.0;

/// Arms the background autofill request, unless one is armed already.
pub(super) fn arm_autofill(form: Form) {
    let passkey = form.passkey;
    if passkey.autofill_running.get_untracked() || !webauthn::supported() {
        return;
    }
    passkey.autofill_running.set(true);
    spawn_local(async move {
        autofill(form).await;
        passkey.autofill_running.try_set(false);
    });
}

async fn autofill(form: Form) {
    let passkey = form.passkey;
    let available = webauthn::conditional_mediation_available().await;
    passkey.autofill_available.try_set(Some(available));
    if !available {
        return;
    }
    loop {
        if !form.alive() {
            return;
        }
        let start =
            match crate::api::passkey_login_start(&PasskeyLoginStart { account: None }).await {
                Ok(start) => start,
                Err(e) => {
                    passkey.show(e.message);
                    return;
                }
            };
        // Not for a page left meanwhile, nor over a prompt the person opened.
        if !form.alive() || passkey.explicit.pending().get_untracked() {
            return;
        }
        // Renewed at four fifths of its lifetime: a pick made just before
        // must still reach the server in time.
        let lifetime = start.options.timeout_ms().unwrap_or(DEFAULT_LIFETIME_MS);
        let renewing = Rc::new(Cell::new(false));
        let timer = set_timeout_with_handle(
            {
                let renewing = renewing.clone();
                move || {
                    renewing.set(true);
                    webauthn::abort_conditional();
                }
            },
            Duration::from_millis(u64::from(lifetime) * 4 / 5),
        );
        let armed_at = js_sys::Date::now();
        let picked = webauthn::get(
            start.options,
            webauthn::Mediation::Conditional,
            webauthn::asked(),
        )
        .await;
        if let Ok(timer) = timer {
            timer.clear();
        }
        let credential = match picked {
            Ok(credential) => credential,
            Err(PasskeyError::Aborted) if renewing.get() => continue,
            // Replaced by an explicit request, or the page was left.
            Err(PasskeyError::Aborted) => return,
            // Refused at once: the browser will not offer passkeys in the
            // field, and asking again would only fail again; the card
            // says to use the Login button.
            Err(PasskeyError::Unsupported) => {
                passkey.autofill_available.try_set(Some(false));
                return;
            }
            Err(_) if js_sys::Date::now() - armed_at < REFUSED_AT_ONCE_MS => {
                passkey.autofill_available.try_set(Some(false));
                return;
            }
            // The person closed a choice they opened (another device,
            // a cancelled fingerprint): armed again at their next action.
            Err(_) => return,
        };
        let outcome = crate::api::passkey_login_finish(&start.ceremony_id, &credential).await;
        if !form.alive() {
            return;
        }
        match outcome {
            Ok(info) => return form.finish(info),
            Err(e) => {
                passkey.show(e.message);
                if passkey.rearms.get_untracked() == 0 {
                    return;
                }
                passkey.rearms.update(|n| *n -= 1);
            }
        }
    }
}
