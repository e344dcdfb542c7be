//! Signing in with a passkey, the explicit way: the "Log in with passkey"
//! card's Login button and "Use a passkey instead", one ceremony each from
//! start to session; and the state shared with the email field's autofill
//! ([`super::autofill`]).

use super::Form;
use crate::actions::{task, Task};
use crate::browser::webauthn;
use crate::components::form::{Outcome, PasskeyWait};
use common::{AccountHint, SessionInfo};
use leptos::prelude::*;

/// Passkey state of the sign-in page.
#[derive(Clone, Copy)]
pub(super) struct Passkey {
    /// The explicit request, for the account in `account`.
    pub(super) explicit: Task,
    /// The account the explicit request names ("Use a passkey instead"),
    /// or none ("Login").
    pub(super) account: RwSignal<Option<AccountHint>>,
    /// Whether the explicit request came from the password step (its
    /// outcome is shown there) or from the "Log in with passkey" card.
    pub(super) from_password_step: RwSignal<bool>,
    /// The explicit request's failure, in words.
    pub(super) error: RwSignal<Option<String>>,
    /// Whether an autofill request is armed (or being armed).
    pub(super) autofill_running: RwSignal<bool>,
    /// How many more times a failed autofill may arm itself again before
    /// the person does something.
    pub(super) rearms: RwSignal<u8>,
    /// `Some(false)`: this browser offers no passkeys in autofill.
    pub(super) autofill_available: RwSignal<Option<bool>>,
}

impl Passkey {
    pub(super) fn new(finish: Callback<SessionInfo>) -> Self {
        let account = RwSignal::new(None);
        let error = RwSignal::new(None);
        // Signed in, or the failure in words next to the button that
        // started it. Autofill, which the request aborted, is armed again
        // at the person's next touch of the email field.
        let explicit = task(move || {
            let named = account.get_untracked();
            async move {
                match crate::api::passkey_sign_in(named, &move || !error.is_disposed()).await {
                    Ok(info) => {
                        let _ = finish.try_run(info);
                    }
                    // Empty: aborted (Cancel, or the page is being left).
                    Err(e) if e.message.is_empty() => {}
                    Err(e) => {
                        error.set(Some(e.message));
                    }
                }
            }
        });
        Passkey {
            explicit,
            account,
            from_password_step: RwSignal::new(false),
            error,
            autofill_running: RwSignal::new(false),
            rearms: RwSignal::new(1),
            autofill_available: RwSignal::new(None),
        }
    }

    /// The person did something (a click, a step): autofill may arm
    /// itself again after a failure, and is armed if it stopped.
    pub(super) fn person_acted(&self, form: Form) {
        self.rearms.set(1);
        if !self.autofill_running.get_untracked()
            && !self.explicit.pending().get_untracked()
            && self.autofill_available.get_untracked() != Some(false)
        {
            super::autofill::arm_autofill(form);
        }
    }

    /// Shows an autofill failure in the "Log in with passkey" card: the
    /// one place for the outcome of a passkey sign-in that names no account.
    pub(super) fn show(&self, message: String) {
        self.from_password_step.try_set(false);
        self.error.try_set(Some(message));
    }

    fn start(&self, account: Option<AccountHint>) {
        self.error.set(None);
        self.from_password_step.set(account.is_some());
        self.account.set(account);
        self.explicit.dispatch(());
    }
}

/// "Use a passkey instead", on the password step: a request limited to
/// the named account's passkeys, with its wait and outcome under it.
#[component]
pub(super) fn PasskeyInstead(form: Form) -> impl IntoView {
    let passkey = form.passkey;
    let here = move || passkey.from_password_step.get();
    view! {
        {webauthn::supported().then(|| view! {
            <button
                type="button"
                class="secondary"
                disabled=move || passkey.explicit.pending().get()
                on:click=move |_| {
                    passkey.start(Some(AccountHint {
                        email: form.email.get_untracked().trim().to_owned(),
                        org: form.org.get_untracked().trim().to_lowercase(),
                    }))
                }
            >
                "Use a passkey instead"
            </button>
            <PasskeyWait waiting=Signal::derive(move || here() && passkey.explicit.pending().get()) />
            <Outcome error=Signal::derive(move || passkey.error.get().filter(|_| here())) />
        })}
    }
}

/// The "Log in with passkey" card: any passkey of this site, no email.
#[component]
pub(super) fn PasskeyCard(form: Form) -> impl IntoView {
    let passkey = form.passkey;
    let here = move || !passkey.from_password_step.get();
    let body = if webauthn::supported() {
        view! {
            <p class="hint">"Use the passkey saved on this device, your phone or a security key."</p>
            <button
                type="button"
                class="primary"
                disabled=move || passkey.explicit.pending().get()
                on:click=move |_| passkey.start(None)
            >
                "Login"
            </button>
            <PasskeyWait waiting=Signal::derive(move || here() && passkey.explicit.pending().get()) />
            <Outcome error=Signal::derive(move || passkey.error.get().filter(|_| here())) />
            {move || (passkey.autofill_available.get() == Some(false)).then(|| view! {
                <p class="hint">
                    "This browser does not suggest passkeys in the email field: use the Login button."
                </p>
            })}
        }
        .into_any()
    } else {
        view! {
            <p class="notice">
                "This browser cannot use passkeys. Sign in with your email and password above, "
                "or open the console in a browser that supports passkeys."
            </p>
        }
        .into_any()
    };
    view! {
        <section class="card narrow passkey-login" aria-labelledby="passkey-login">
            <h2 id="passkey-login">"Log in with passkey"</h2>
            {body}
        </section>
    }
}
