//! Showing a new TOTP secret (QR code and text) and confirming it with a
//! first code (RFC 6238): after the password in orgs that require 2FA, and
//! in My Account.

use crate::components::form::{Field, FieldKind, Outcome};
use common::{TotpEnrolment, TotpSetup};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

/// `on_submit` gets the codes typed (the app's, and the emailed one when
/// `setup.email_code_sent`); the caller confirms them and puts a refusal
/// in `error`, shown under the form (the server's message says which code
/// was wrong). `on_cancel` leaves the setup.
#[component]
pub fn TotpSetupForm(
    setup: TotpSetup,
    #[prop(into)] on_submit: Callback<TotpEnrolment>,
    #[prop(into)] on_cancel: Callback<()>,
    #[prop(into)] busy: Signal<bool>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let email_code = RwSignal::new(String::new());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        on_submit.run(TotpEnrolment {
            code: code.get_untracked().trim().to_owned(),
            email_code: email_code.get_untracked().trim().to_owned(),
        });
    };
    view! {
        <div class="totp-setup">
            <p>
                "Scan this QR code with an authenticator app (such as Google Authenticator, 1Password or Authy), "
                "or type in the key below. Then enter the 6-digit code the app shows."
            </p>
            <div class="qr" role="img" aria-label="QR code of the authenticator key" inner_html=setup.qr_svg></div>
            <p class="hint">"Key: " <code class="totp-secret">{setup.secret}</code></p>
            <form on:submit=submit>
                {setup.email_code_sent.then(|| view! {
                    <Field
                        id="totp-email-code"
                        label="Code from the email"
                        kind=FieldKind::Code
                        value=email_code
                        hint="We emailed a 6-digit code to your address to confirm it's you."
                        focus=true
                    />
                })}
                <Field
                    id="totp-setup-code"
                    label="Code from the app"
                    kind=FieldKind::Code
                    value=code
                    focus=!setup.email_code_sent
                />
                <div class="button-row">
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        "Verify code"
                    </button>
                    <button type="button" class="link-button" on:click=move |_| on_cancel.run(())>
                        "Cancel"
                    </button>
                </div>
            </form>
            <Outcome error />
        </div>
    }
}
