//! Step 4, in orgs that require 2FA for an account without it: set it up
//! now to finish signing in.

use super::{cancel_second_step, Form};
use crate::components::totp_setup::TotpSetupForm;
use common::TotpEnrolment;
use leptos::prelude::*;

#[component]
pub(super) fn TotpSetupStep(form: Form) -> impl IntoView {
    let setup = LocalResource::new(crate::api::login_totp_setup);
    let confirm = Action::new_local(|body: &TotpEnrolment| {
        let body = body.clone();
        async move { crate::api::login_totp_setup_confirm(&body).await }
    });
    crate::actions::on_result(confirm, move |result| match result {
        Ok(info) => form.finish.run(info),
        Err(e) => form.error.set(Some(e.message)),
    });
    view! {
        <h2>"Set up two-factor authentication"</h2>
        <p>"Your organization requires two-factor authentication. Set it up to finish signing in."</p>
        {move || match setup.get() {
            None => view! { <p class="hint">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <p role="alert" class="error">{e.message}</p> }.into_any(),
            Some(Ok(s)) => view! {
                <TotpSetupForm
                    setup=s
                    on_submit=move |body| {
                        form.error.set(None);
                        confirm.dispatch(body);
                    }
                    on_cancel=move |()| cancel_second_step(form)
                    busy=confirm.pending()
                    error=form.error
                />
            }.into_any(),
        }}
    }
}
