//! Showing a new TOTP secret (QR code and text) and confirming it with a
//! first code: used after the password in orgs that require 2FA, and in My
//! Account.

use common::TotpSetup;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

/// `on_code` is called with the code typed; the caller confirms it.
#[component]
pub fn TotpSetupForm(
    setup: TotpSetup,
    #[prop(into)] on_code: Callback<String>,
    busy: RwSignal<bool>,
    /// Where the code mailed to the account goes, when one was mailed
    /// (the session proved a password alone).
    #[prop(optional_no_strip)]
    email_code: Option<RwSignal<String>>,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        on_code.run(code.get_untracked().trim().to_owned());
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
                {email_code.map(|email_code| view! {
                    <label for="totp-email-code">"Code from the email"</label>
                    <p class="hint" id="totp-email-code-hint">"We emailed a 6-digit code to your address to confirm it's you."</p>
                    <input
                        id="totp-email-code"
                        type="text"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        pattern="[0-9]{6}"
                        maxlength="6"
                        aria-describedby="totp-email-code-hint"
                        required
                        bind:value=email_code
                    />
                })}
                <label for="totp-setup-code">"Code from the app"</label>
                <input
                    id="totp-setup-code"
                    type="text"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    pattern="[0-9]{6}"
                    maxlength="6"
                    required
                    bind:value=code
                />
                <button type="submit" class="primary" disabled=move || busy.get()>
                    "Turn on two-factor authentication"
                </button>
            </form>
        </div>
    }
}
