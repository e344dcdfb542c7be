//! Step 3: the password (or a passkey of this account instead); or
//! "Forgot password?", or a recovery code. An org with single sign-on adds
//! "Continue with single sign-on"; one that requires it shows only that.

use super::{passkey::PasskeyInstead, Form, Step};
use crate::actions::task;
use crate::browser::redirect;
use crate::components::form::{Field, FieldKind, Outcome};
use common::{OrgSignInRequest, PasswordLoginRequest, PasswordResetRequest, SsoMode, SsoStart};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

#[component]
pub(super) fn PasswordStep(form: Form) -> impl IntoView {
    // What the org offers, asked once: `None` while the answer is on its
    // way (an unreachable server reads as "no single sign-on"; the
    // password is then refused with the server's own words).
    let mode = RwSignal::new(None::<SsoMode>);
    let ask = task(move || {
        let request = OrgSignInRequest {
            org: form.org.get_untracked().trim().to_lowercase(),
        };
        async move {
            let answer = crate::api::org_sign_in(&request).await;
            let mode_now = answer.map_or(SsoMode::Off, |a| a.single_sign_on);
            mode.try_set(Some(mode_now));
            form.sso_only.try_set(mode_now == SsoMode::Required);
        }
    });
    ask.dispatch(());
    on_cleanup(move || {
        form.sso_only.try_set(false);
    });
    view! {
        {form.who_line(Step::Org)}
        {move || match mode.get() {
            None => ().into_any(),
            Some(SsoMode::Required) => view! { <SingleSignOn form required=true /> }.into_any(),
            Some(mode) => view! {
                <PasswordForm form />
                {(mode == SsoMode::Offered).then(|| view! { <SingleSignOn form required=false /> })}
                <PasskeyInstead form />
                <OtherWays form />
            }
            .into_any(),
        }}
    }
}

/// "Continue with single sign-on": off to the org's identity provider,
/// which sends the browser back to the server, then to the console (or
/// here, with the reason it failed).
#[component]
fn SingleSignOn(form: Form, required: bool) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let go = task(move || {
        let request = SsoStart {
            email: form.email.get_untracked().trim().to_owned(),
            org: form.org.get_untracked().trim().to_lowercase(),
        };
        async move {
            match crate::api::sso_start(&request).await {
                Ok(to) => redirect::leave_for(&to.authorize_url),
                Err(e) => {
                    error.try_set(Some(e.message));
                }
            }
        }
    });
    view! {
        {required.then(|| view! {
            <p>"Your organization signs you in through its identity provider."</p>
        })}
        <button
            type="button"
            class=if required { "primary" } else { "secondary" }
            aria-disabled=move || go.pending().get().then_some("true")
            on:click=move |_| {
                if !go.pending().get_untracked() {
                    error.set(None);
                    go.dispatch(());
                }
            }
        >
            {move || if go.pending().get() { "Opening your identity provider…" } else { "Continue with single sign-on" }}
        </button>
        <Outcome error />
    }
}

/// The password form itself.
#[component]
fn PasswordForm(form: Form) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let sign_in = task(move || {
        let request = PasswordLoginRequest {
            email: form.email.get_untracked().trim().to_owned(),
            org: form.org.get_untracked().trim().to_lowercase(),
            password: password.get_untracked(),
        };
        async move {
            let result = crate::api::login_password(&request).await;
            password.set(String::new());
            match result {
                Ok(info) => form.next(info),
                Err(e) => form.error.set(Some(e.message)),
            }
        }
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if sign_in.pending().get_untracked() {
            return;
        }
        form.error.set(None);
        sign_in.dispatch(());
    };
    view! {
        <form on:submit=submit>
            // Lets password managers pair the password with the email.
            <input type="hidden" name="username" autocomplete="username" prop:value=move || form.email.get() />
            <Field
                id="password"
                label="Password"
                kind=FieldKind::Password("current-password")
                value=password
                error=form.error
                focus=true
            />
            <button type="submit" class="primary" disabled=move || sign_in.pending().get()>
                {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in" }}
            </button>
        </form>
    }
}

/// "Forgot password?" (a reset link to the mailbox, with the same answer
/// whether or not the account exists) and "Use a recovery code".
#[component]
fn OtherWays(form: Form) -> impl IntoView {
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let send = task(move || {
        let request = PasswordResetRequest {
            email: form.email.get_untracked().trim().to_owned(),
            org: form.org.get_untracked().trim().to_lowercase(),
        };
        async move {
            let shown = format!(
                "If an account for {} exists in {}, we sent it a link to reset the password. It works for 30 minutes.",
                request.email, request.org
            );
            match crate::api::password_reset_start(&request).await {
                Ok(()) => notice.try_set(Some(shown)),
                Err(e) => error.try_set(Some(e.message)),
            };
        }
    });
    view! {
        <div class="button-row">
            <button
                type="button"
                class="link-button"
                aria-disabled=move || send.pending().get().then_some("true")
                on:click=move |_| {
                    if !send.pending().get_untracked() {
                        notice.set(None);
                        error.set(None);
                        send.dispatch(());
                    }
                }
            >
                "Forgot password?"
            </button>
            <button type="button" class="link-button" on:click=move |_| form.go(Step::Recovery)>
                "Use a recovery code"
            </button>
        </div>
        <Outcome notice error />
    }
}
