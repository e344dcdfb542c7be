//! A recovery code in place of the password (for a person who lost their
//! passkeys): it signs in to the enrolment step only.

use super::{Form, Step};
use crate::actions::task;
use crate::components::form::{Field, FieldKind};
use common::RecoveryLogin;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

#[component]
pub(super) fn RecoveryStep(form: Form) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let sign_in = task(move || {
        let request = RecoveryLogin {
            email: form.email.get_untracked().trim().to_owned(),
            org: form.org.get_untracked().trim().to_lowercase(),
            code: code.get_untracked().trim().to_owned(),
        };
        async move {
            let result = crate::api::login_recovery(&request).await;
            code.try_set(String::new());
            match result {
                Ok(info) => form.next(info),
                Err(e) => {
                    form.error.try_set(Some(e.message));
                }
            }
        }
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !sign_in.pending().get_untracked() {
            form.error.set(None);
            sign_in.dispatch(());
        }
    };
    view! {
        {form.who_line(Step::Org)}
        <form on:submit=submit>
            // Not a one-time code from an app: no autofill, no spelling help.
            <Field
                id="recovery-code"
                label="Recovery code"
                kind=FieldKind::Text("off")
                value=code
                error=form.error
                hint="One of the codes you saved, like k7pq2-mxd9h. Each code works once."
                focus=true
            />
            <button
                type="submit"
                class="primary"
                aria-disabled=move || sign_in.pending().get().then_some("true")
            >
                "Sign in with the code"
            </button>
        </form>
        <button type="button" class="link-button" on:click=move |_| form.go(Step::Password)>
            "Use your password instead"
        </button>
    }
}
