//! Step 1: the email. Its field also offers this site's passkeys
//! (`autocomplete="username webauthn"`, the autofill request of
//! [`super::passkey`]).

use super::{Form, Step};
use crate::components::form::{Field, FieldKind};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

/// Whether `email` looks like an address (the server decides the rest).
fn plausible(email: &str) -> bool {
    matches!(email.split_once('@'), Some((local, domain)) if !local.is_empty() && !domain.is_empty())
}

#[component]
pub(super) fn EmailStep(form: Form) -> impl IntoView {
    // Back at the email step: autofill is armed again if it had stopped.
    form.passkey.person_acted(form);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if plausible(form.email.get_untracked().trim()) {
            form.go(if form.skip_org.get_untracked() {
                Step::Password
            } else {
                Step::Org
            });
        } else {
            form.error.set(Some(
                "Enter your email address, like name@example.com.".into(),
            ));
        }
    };
    view! {
        // Touching the field is the person's action that arms autofill
        // again after an explicit passkey request aborted it.
        <form
            on:submit=submit
            on:pointerdown=move |_| form.passkey.person_acted(form)
            on:focusin=move |_| form.passkey.person_acted(form)
            // Typing is the first sign of a sign-in on its way (the field
            // has focus from the start, so focus is not).
            on:input=|_| crate::browser::preload::console_code()
            novalidate
        >
            <Field
                id="email"
                label="Email"
                kind=FieldKind::Email("username webauthn")
                value=form.email
                error=form.error
                focus=true
            />
            <button type="submit" class="primary">"Continue"</button>
        </form>
    }
}
