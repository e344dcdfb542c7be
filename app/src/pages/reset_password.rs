//! `/reset-password#token=…`: the page a "Forgot password?" email opens.
//! Opening it changes nothing (the token is in the fragment, and the page
//! only asks whose link it is); "Set new password" does. Setting it ends
//! every session of the account and never signs in: the person then signs
//! in with the new password.

use crate::actions::task;
use crate::browser::fragment::take_token;
use crate::browser::webauthn;
use crate::components::form::{password_rule, Field, FieldKind};
use crate::routes::Page;
use common::{ApiError, ErrorCode, LinkAccount, LinkToken, PasswordResetFinish};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A link that cannot be used, in words, with the way to the sign-in page.
pub(crate) fn link_failed(message: String) -> impl IntoView {
    view! {
        <p role="alert" class="error">{message}</p>
        <p><a href=Page::Login.path()>"Go to the sign-in page"</a></p>
    }
}

/// What a link's page knows: `None` while asking whose link it is.
pub(crate) type Described = Option<Result<LinkAccount, String>>;

/// Asks the server whose link `token` is (this changes nothing).
pub(crate) fn describe(token: Option<String>, reset: bool, into: RwSignal<Described>) {
    let Some(token) = token else {
        into.set(Some(Err(
            "This link is incomplete. Open the link from the email again.".into(),
        )));
        return;
    };
    spawn_local(async move {
        let body = LinkToken { token };
        let found = if reset {
            crate::api::password_reset_describe(&body).await
        } else {
            crate::api::enroll_describe(&body).await
        };
        into.try_set(Some(found.map_err(|e| e.message)));
    });
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = StoredValue::new(take_token(Page::ResetPassword));
    let link = RwSignal::new(None);
    describe(token.get_value(), true, link);
    let done = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let password_error = RwSignal::new(None::<String>);
    let code_error = RwSignal::new(None::<String>);
    // The outcome, with the code or passkey or password it is about.
    let settle = move |outcome: Result<(), ApiError>| match outcome {
        Ok(()) => {
            done.try_set(true);
        }
        // A passkey prompt closed by the page: nothing to say.
        Err(e) if e.message.is_empty() => {}
        Err(e) => {
            code.try_set(String::new());
            let at = match e.code {
                ErrorCode::LinkInvalid => {
                    link.try_set(Some(Err(e.message)));
                    return;
                }
                ErrorCode::InvalidCode
                | ErrorCode::LockedOut
                | ErrorCode::PasskeyRefused
                | ErrorCode::PasskeyUnknown
                | ErrorCode::UserNotVerified
                | ErrorCode::CeremonyInvalid => code_error,
                _ => password_error,
            };
            at.try_set(Some(e.message));
        }
    };
    let finish = task(move || {
        let needs_code = link.with_untracked(|l| matches!(l, Some(Ok(a)) if a.needs_code));
        let body = token.get_value().map(|token| PasswordResetFinish {
            token,
            password: password.get_untracked(),
            code: needs_code.then(|| code.get_untracked().trim().to_owned()),
            passkey: None,
        });
        async move {
            let Some(body) = body else { return };
            settle(crate::api::password_reset_finish(&body).await);
        }
    });
    // The 2FA code's alternative: one of the account's passkeys.
    let with_passkey = task(move || {
        let (token, new_password) = (token.get_value(), password.get_untracked());
        async move {
            let Some(token) = token else { return };
            let body = LinkToken {
                token: token.clone(),
            };
            // The request and the prompt fail at the code's field (the
            // code is what the passkey stands in for); the finish as any.
            let asked = webauthn::asked();
            let start = match crate::api::password_reset_passkey_start(&body).await {
                Ok(start) => start,
                Err(e) => {
                    code_error.try_set(Some(e.message));
                    return;
                }
            };
            let answer = match webauthn::get(start.options, webauthn::Mediation::Modal, asked).await
            {
                Ok(answer) => answer,
                Err(e) => {
                    code_error.try_set(e.message());
                    return;
                }
            };
            let outcome = crate::api::password_reset_finish_with_passkey(
                &token,
                &new_password,
                &start.ceremony_id,
                &answer,
            );
            settle(outcome.await);
        }
    });
    let use_passkey = move |_| {
        if with_passkey.pending().get_untracked() || finish.pending().get_untracked() {
            return;
        }
        password_error.set(None);
        code_error.set(None);
        with_passkey.dispatch(());
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if finish.pending().get_untracked() {
            return;
        }
        password_error.set(None);
        code_error.set(None);
        finish.dispatch(());
    };
    let form = move |account: LinkAccount| {
        view! {
            <p>
                "For " <strong>{account.email.clone()}</strong> " in " <strong>{account.org.name}</strong>
                " (" {account.org.short_name} ")."
            </p>
            <form on:submit=submit>
                // Lets password managers file the new password under the email.
                <input type="hidden" name="username" autocomplete="username" value=account.email />
                <Field
                    id="new-password"
                    label="New password"
                    kind=FieldKind::Password("new-password")
                    value=password
                    error=password_error
                    hint=password_rule(account.needs_code.then_some(true))
                    focus=true
                />
                {account.needs_code.then(|| view! {
                    <Field
                        id="reset-code"
                        label="Authentication code"
                        kind=FieldKind::Code
                        value=code
                        error=code_error
                        hint="Your account has two-factor authentication: the 6-digit code from your authenticator app, or one of its passkeys."
                    />
                    <button
                        type="button"
                        class="secondary"
                        on:click=use_passkey
                        aria-disabled=move || with_passkey.pending().get().then_some("true")
                    >
                        "Use a passkey instead of the code"
                    </button>
                })}
                <button
                    type="submit"
                    class="primary"
                    aria-disabled=move || finish.pending().get().then_some("true")
                >
                    "Set new password"
                </button>
            </form>
        }
    };
    view! {
        <main class="login-page">
            <div class="card narrow">
                <h1>"Set a new password"</h1>
                {move || match (done.get(), link.get()) {
                    (true, _) => view! {
                        <p role="status">"Your password was changed. Every session of the account was signed out."</p>
                        <p><a href=Page::Login.path()>"Sign in"</a></p>
                    }
                    .into_any(),
                    (false, None) => view! { <p class="hint">"Loading…"</p> }.into_any(),
                    (false, Some(Err(message))) => link_failed(message).into_any(),
                    (false, Some(Ok(account))) => form(account).into_any(),
                }}
            </div>
        </main>
    }
}
