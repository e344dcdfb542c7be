//! Step 4, in orgs that require 2FA for an account without it: set it up
//! now to finish signing in.

use super::{cancel_second_step, Form};
use crate::actions::task;
use crate::components::totp_setup::TotpSetupForm;
use common::{TotpEnrolment, TotpSetup};
use leptos::prelude::*;

#[component]
pub(super) fn TotpSetupStep(form: Form) -> impl IntoView {
    // The new secret (and the code mailed to the account): asked once.
    let setup = RwSignal::new(None::<Result<TotpSetup, String>>);
    let load = task(move || async move {
        let result = crate::api::login_totp_setup().await.map_err(|e| e.message);
        setup.set(Some(result));
    });
    load.dispatch(());
    let entered = RwSignal::new(None::<TotpEnrolment>);
    let confirm = task(move || {
        let body = entered.get_untracked();
        async move {
            let Some(body) = body else { return };
            match crate::api::login_totp_setup_confirm(&body).await {
                Ok(info) => form.finish(info),
                Err(e) => form.error.set(Some(e.message)),
            }
        }
    });
    view! {
        <h2>"Set up two-factor authentication"</h2>
        <p>"Your organization requires two-factor authentication. Set it up to finish signing in."</p>
        {move || match setup.get() {
            None => view! { <p class="hint">"Loading…"</p> }.into_any(),
            Some(Err(message)) => view! { <p role="alert" class="error">{message}</p> }.into_any(),
            Some(Ok(s)) => view! {
                <TotpSetupForm
                    setup=s
                    on_submit=move |body| {
                        form.error.set(None);
                        entered.set(Some(body));
                        confirm.dispatch(());
                    }
                    on_cancel=move |()| cancel_second_step(form)
                    busy=confirm.pending()
                    error=form.error
                />
            }.into_any(),
        }}
    }
}
