//! The enrolment step: a session opened by a recovery code or an
//! enrollment link can only set up a way to sign in — a passkey, or where
//! allowed a password — and is then signed in. A first passkey on an
//! account without recovery codes comes with them, shown once here.

use super::{cancel_second_step, Form};
use crate::actions::task;
use crate::browser::webauthn;
use crate::components::form::{password_rule, Field, FieldKind, Outcome, PasskeyWait};
use crate::components::recovery_codes::RecoveryCodesList;
use crate::session::SessionState;
use common::{ApiError, AuthMethod, ErrorCode, NewPassword, SessionInfo};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

/// A new passkey, then the session as the server now sees it (signed in),
/// with new recovery codes if the account had none. `None`: the prompt was
/// aborted.
async fn with_passkey(
    alive: impl Fn() -> bool,
) -> Result<Option<(SessionInfo, Option<Vec<String>>)>, ApiError> {
    if crate::pages::account::add_passkey(alive).await?.is_none() {
        return Ok(None);
    }
    let mut info = crate::api::session().await?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::Unauthenticated,
            "This session has ended. Sign in again.",
        )
    })?;
    let mut codes = None;
    if info.pending.is_none() && info.recovery_codes_left == 0 {
        // Without them the person can make codes in My Account.
        if let Ok(new) = crate::api::new_recovery_codes().await {
            info.recovery_codes_left = new.codes.len() as u32;
            codes = Some(new.codes);
        }
    }
    Ok(Some((info, codes)))
}

#[component]
pub(super) fn EnrollStep(form: Form) -> impl IntoView {
    // No autofill request waits behind this step: it could only sign in
    // to another account.
    webauthn::abort_conditional();
    let Some((info, password_allowed)) = form.session.0.with_untracked(|s| match s {
        SessionState::Enrolling {
            info,
            password_allowed,
        } => Some((info.clone(), *password_allowed)),
        _ => None,
    }) else {
        return ().into_any();
    };
    let error = RwSignal::new(None::<String>);
    // The codes made with the new passkey, and the session to go on with.
    let shown = RwSignal::new(None::<(Vec<String>, SessionInfo)>);
    let create = task(move || async move {
        match with_passkey(move || !error.is_disposed()).await {
            Ok(None) => {}
            Ok(Some((info, Some(codes)))) => {
                shown.try_set(Some((codes, info)));
            }
            Ok(Some((info, None))) => form.next(info),
            Err(e) if e.message.is_empty() => {}
            Err(e) => {
                error.try_set(Some(e.message));
            }
        }
    });
    let password = RwSignal::new(String::new());
    let set_password = task(move || {
        let body = NewPassword {
            password: password.get_untracked(),
        };
        async move {
            match crate::api::set_password(&body).await {
                Ok(info) => form.next(info),
                Err(e) => {
                    form.error.try_set(Some(e.message));
                }
            }
        }
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !set_password.pending().get_untracked() {
            form.error.set(None);
            set_password.dispatch(());
        }
    };
    let supported = webauthn::supported();
    let with_password = RwSignal::new(!supported);
    let create_button = NodeRef::<leptos::html::Button>::new();
    crate::browser::focus::on_mount(create_button);
    let owner = format!("{} · {}", info.email, info.org.name);
    let intro = match info.auth_method {
        _ if info.passkey_required => format!(
            "{} requires a passkey to sign in. Create one on this device to go on: you will sign \
             in with your fingerprint, face or screen lock from now on.",
            info.org.name
        ),
        AuthMethod::RecoveryCode => format!(
            "You signed in with a recovery code ({} left). Set up a new way to sign in to go on.",
            info.recovery_codes_left
        ),
        _ => format!(
            "Welcome to {}. Set up how you will sign in from now on.",
            info.org.name
        ),
    };
    let hint = password_rule(info.totp_enabled.then_some(true));
    let email = info.email;
    view! {
        <h2>"Set up a way to sign in"</h2>
        <p class="who">{owner.clone()}</p>
        {move || shown.get().map(|(codes, info)| view! {
            <p>"Your passkey is set up. Save your recovery codes before you go on."</p>
            <RecoveryCodesList codes owner=owner.clone() />
            <button type="button" class="primary" on:click=move |_| form.finish(info.clone())>
                "Continue to the console"
            </button>
        })}
        <div hidden=move || shown.with(Option::is_some)>
            <p>{intro}</p>
            {if supported {
                view! {
                    <button
                        type="button"
                        class="primary"
                        node_ref=create_button
                        aria-disabled=move || create.pending().get().then_some("true")
                        on:click=move |_| {
                            if !create.pending().get_untracked() {
                                error.set(None);
                                create.dispatch(());
                            }
                        }
                    >
                        "Create a passkey"
                    </button>
                    <PasskeyWait waiting=create.pending() />
                    <Outcome error />
                }
                .into_any()
            } else {
                view! {
                    <p class="notice">
                        "This browser cannot create passkeys. Open this page in a browser that supports them."
                    </p>
                }
                .into_any()
            }}
            {password_allowed.then_some(move || if !with_password.get() {
                view! {
                    <button type="button" class="link-button" on:click=move |_| with_password.set(true)>
                        "Set a password instead"
                    </button>
                }
                .into_any()
            } else {
                view! {
                    <form on:submit=submit>
                        // Lets password managers file the new password under the email.
                        <input type="hidden" name="username" autocomplete="username" value=email.clone() />
                        <Field
                            id="new-password"
                            label="New password"
                            kind=FieldKind::Password("new-password")
                            value=password
                            error=form.error
                            hint=hint
                            focus=true
                        />
                        <button
                            type="submit"
                            class="primary"
                            aria-disabled=move || set_password.pending().get().then_some("true")
                        >
                            "Set password"
                        </button>
                    </form>
                }
                .into_any()
            })}
            <p>
                <button type="button" class="link-button" on:click=move |_| cancel_second_step(form)>
                    "Cancel and sign out"
                </button>
            </p>
        </div>
    }
    .into_any()
}
