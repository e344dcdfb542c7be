//! Signing in with a passkey, the explicit way: the "Log in with passkey"
//! card's Login button and "Use a passkey instead", one ceremony each from
//! start to session; and the state shared with the email field's autofill
//! ([`super::autofill`]).
//!
//! Where the browser supports immediate requests, "Login" asks with
//! [`Mediation::Immediate`]: a person whose device holds no passkey for
//! this site is sent straight to the email field instead of a prompt that
//! can only wait for a phone or a security key, which stay one click away
//! ("Use a phone or security key").

use super::Form;
use crate::actions::{task, Task};
use crate::api::SignInError;
use crate::browser::webauthn::{self, Mediation};
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
    /// How the explicit request asks the browser.
    pub(super) mediation: RwSignal<Mediation>,
    /// The explicit request's failure, in words.
    pub(super) error: RwSignal<Option<String>>,
    /// Whether this browser supports immediate requests (found out once,
    /// when the page opens).
    pub(super) immediate_available: RwSignal<bool>,
    /// An immediate "Login" found no passkey on this device: the card
    /// offers phones and security keys, and the email field has focus.
    pub(super) none_here: RwSignal<bool>,
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
        let mediation = RwSignal::new(Mediation::Modal);
        let error = RwSignal::new(None);
        let none_here = RwSignal::new(false);
        let immediate_available = RwSignal::new(false);
        leptos::task::spawn_local(async move {
            let available = webauthn::immediate_available().await;
            immediate_available.try_set(available);
        });
        // Signed in, or the failure in words next to the button that
        // started it. Autofill, which the request aborted, is armed again
        // at the person's next touch of the email field.
        let explicit = task(move || {
            let named = account.get_untracked();
            let how = mediation.get_untracked();
            async move {
                let alive = move || !error.is_disposed();
                match crate::api::passkey_sign_in(named, how, &alive).await {
                    Ok(info) => {
                        let _ = finish.try_run(info);
                    }
                    Err(SignInError::NoPasskeyHere) => {
                        none_here.try_set(true);
                        // Once this request has ended, so that the field's
                        // focus arms autofill (phones' passkeys are there).
                        set_timeout(
                            || crate::browser::focus::by_id("email"),
                            std::time::Duration::ZERO,
                        );
                    }
                    // Empty: aborted (Cancel, or the page is being left).
                    Err(SignInError::Failed(e)) if e.message.is_empty() => {}
                    Err(SignInError::Failed(e)) => {
                        error.try_set(Some(e.message));
                    }
                }
            }
        });
        Passkey {
            explicit,
            account,
            from_password_step: RwSignal::new(false),
            mediation,
            error,
            immediate_available,
            none_here,
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
        self.none_here.try_set(false);
        self.from_password_step.try_set(false);
        self.error.try_set(Some(message));
    }

    /// Starts the explicit request for `account` (or any account), as an
    /// immediate request where that is possible and not `modal`.
    fn start(&self, account: Option<AccountHint>, modal: bool) {
        crate::browser::preload::console_code();
        let immediate = account.is_none() && !modal && self.immediate_available.get_untracked();
        self.error.set(None);
        self.none_here.set(false);
        self.from_password_step.set(account.is_some());
        self.account.set(account);
        self.mediation.set(if immediate {
            Mediation::Immediate
        } else {
            Mediation::Modal
        });
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
                    }), true)
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
                on:click=move |_| passkey.start(None, false)
            >
                "Login"
            </button>
            <PasskeyWait waiting=Signal::derive(move || here() && passkey.explicit.pending().get()) />
            <Outcome
                notice=Signal::derive(move || {
                    (here() && passkey.none_here.get())
                        .then(|| webauthn::PasskeyError::NoneHere.message())
                        .flatten()
                })
                error=Signal::derive(move || passkey.error.get().filter(|_| here()))
            />
            {move || passkey.none_here.get().then(|| view! {
                <button
                    type="button"
                    class="secondary"
                    disabled=move || passkey.explicit.pending().get()
                    on:click=move |_| passkey.start(None, true)
                >
                    "Use a phone or security key"
                </button>
            })}
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
