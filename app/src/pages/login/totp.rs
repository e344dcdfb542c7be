//! Step 4, for accounts with 2FA on: the code from the authenticator app.

use super::{cancel_second_step, Form};
use crate::components::form::{Field, FieldKind};
use common::TotpCode;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

#[component]
pub(super) fn TotpStep(form: Form) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let verify = crate::actions::task(move || {
        let body = TotpCode {
            code: code.get_untracked().trim().to_owned(),
        };
        async move {
            match crate::api::login_totp(&body).await {
                Ok(info) => form.finish(info),
                Err(e) => {
                    code.set(String::new());
                    form.error.set(Some(e.message));
                }
            }
        }
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        form.error.set(None);
        verify.dispatch(());
    };
    view! {
        <p class="who">{move || form.who()}</p>
        <form on:submit=submit>
            <Field
                id="totp-code"
                label="Authentication code"
                kind=FieldKind::Code
                value=code
                error=form.error
                hint="Enter the 6-digit code from your authenticator app."
                focus=true
            />
            <button type="submit" class="primary" disabled=move || verify.pending().get()>"Verify"</button>
        </form>
        <button type="button" class="link-button" on:click=move |_| cancel_second_step(form)>
            "Cancel"
        </button>
    }
}
