//! Step 3: the password (or a passkey of this account instead).

use super::{passkey::PasskeyInstead, Form, Step};
use crate::actions::task;
use crate::components::form::{Field, FieldKind};
use common::{PasswordLoginRequest, SecondStep};
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
                Ok(info) => match info.pending {
                    Some(SecondStep::Totp) => form.go(Step::Totp),
                    Some(SecondStep::TotpSetup) => form.go(Step::TotpSetup),
                    None => form.finish(info),
                },
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
        <p class="who">
            {move || form.who()} " "
            <button type="button" class="link-button" on:click=move |_| form.go(Step::Org)>
                "Change"
            </button>
        </p>
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
    }
}
