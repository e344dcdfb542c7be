//! My Account's two-factor authentication section: its state, turning it
//! on (secret, QR code, first code) and off.

use super::{Account, Change};
use crate::components::form::Outcome;
use crate::components::totp_setup::TotpSetupForm;
use common::{ErrorCode, TotpEnrolment};
use leptos::prelude::*;

#[component]
pub(super) fn TwoFactorSection(account: Account) -> impl IntoView {
    let outcome = account.two_factor_outcome;
    let code_error = RwSignal::new(None::<String>);
    let entered = RwSignal::new(None::<TotpEnrolment>);
    let confirm = crate::actions::task(move || {
        let body = entered.get_untracked();
        async move {
            let Some(body) = body else { return };
            match crate::api::totp_setup_confirm(&body).await {
                Ok(()) => {
                    account.totp_setup.set(None);
                    let on = Some("Two-factor authentication is on.".to_owned());
                    account.settle(Change::TurnOnTotp, Ok(on));
                }
                // The dialog, then setting up again from the start.
                Err(e) if e.code == ErrorCode::ReauthRequired => {
                    account.totp_setup.set(None);
                    account.settle(Change::TurnOnTotp, Err(e));
                }
                Err(e) => code_error.set(Some(e.message)),
            }
        }
    });
    let state = move || {
        match (account.session.info(), account.totp_setup.get()) {
        (None, _) => ().into_any(),
        (Some(_), Some(setup)) => view! {
            <TotpSetupForm
                setup
                on_submit=move |body| {
                    code_error.set(None);
                    entered.set(Some(body));
                    confirm.dispatch(());
                }
                on_cancel=move |()| account.totp_setup.set(None)
                busy=confirm.pending()
                error=code_error
            />
        }
        .into_any(),
        (Some(info), None) if info.totp_enabled => view! {
            <p>"On: signing in with your password also asks for a code from your authenticator app."</p>
            {if info.org_requires_2fa {
                view! { <p class="hint">"Your organization requires it, so it cannot be turned off."</p> }.into_any()
            } else {
                view! {
                    <button type="button" class="secondary" on:click=move |_| account.run_once(Change::TurnOffTotp)>
                        "Turn off two-factor authentication"
                    </button>
                }
                .into_any()
            }}
        }
        .into_any(),
        (Some(_), None) => view! {
            <p>
                "Off. With it on, signing in with your password also asks for a code from an authenticator app. "
                "Signing in with a passkey never does: a passkey is two factors already."
            </p>
            <button type="button" class="primary" on:click=move |_| account.run_once(Change::TurnOnTotp)>
                "Turn on two-factor authentication"
            </button>
        }
        .into_any(),
    }
    };
    view! {
        <section class="card" aria-labelledby="two-factor-heading">
            <h2 id="two-factor-heading">"Two-factor authentication"</h2>
            {state}
            <Outcome notice=outcome.notice error=outcome.error />
        </section>
    }
}
