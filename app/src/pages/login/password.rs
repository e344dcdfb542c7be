//! Step 3: the password (or a passkey of this account instead); or
//! "Forgot password?", or a recovery code.

use super::{passkey::PasskeyInstead, Form, Step};
use crate::actions::task;
use crate::components::form::{Field, FieldKind, Outcome};
use common::{PasswordLoginRequest, PasswordResetRequest};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

#[component]
pub(super) fn PasswordStep(form: Form) -> impl IntoView {
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
        {form.who_line(Step::Org)}
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
        <PasskeyInstead form />
        <OtherWays form />
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
