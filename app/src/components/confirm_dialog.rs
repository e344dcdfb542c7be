//! "Confirm it's you": the one re-authentication dialog, used by every
//! change the server refuses with `reauth_required` (OWASP ASVS 3.7.1:
//! sensitive changes need a recent proof). A native modal `<dialog>`:
//! focus moves into it and stays there, Esc cancels, and focus goes back
//! to the control that opened it.
//!
//! The person proves it with their password (and 2FA code, when on), one
//! of their passkeys, or an emailed link confirmed on any device (only a
//! passkey for removing the password); the dialog then closes and the
//! caller retries the change. A session that signed in through single
//! sign-on confirms at the identity provider instead, which sends the
//! browser back to My Account.

use crate::actions::task;
use crate::browser::{focus, redirect, webauthn};
use crate::components::form::{Field, FieldKind, Outcome, PasskeyWait};
use crate::session::use_session;
use common::{ApiError, AuthMethod, ReauthPassword};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Asks the server for a fresh proof with an assertion from one of the
/// session's passkeys. No prompt opens if the dialog was closed while the
/// start was on its way.
async fn with_passkey(purpose: RwSignal<Option<String>>) -> Result<(), ApiError> {
    let asked = webauthn::asked();
    let start = crate::api::reauth_passkey_start().await?;
    if purpose.try_with_untracked(Option::is_some) != Some(true) {
        return Err(webauthn::PasskeyError::Aborted.into());
    }
    let credential = webauthn::get(start.options, webauthn::Mediation::Modal, asked).await?;
    crate::api::reauth_passkey_finish(&start.ceremony_id, &credential).await
}

/// The dialog. It is open while `purpose` holds what the confirmation is
/// for, in words that finish "To …, confirm it's you" (e.g. "add a
/// passkey"); closing it (Cancel, Esc) sets it back to `None`.
/// `on_confirmed` runs once the server has the fresh proof.
#[component]
pub fn ConfirmDialog(
    purpose: RwSignal<Option<String>>,
    #[prop(into)] on_confirmed: Callback<()>,
    /// Whether to offer "Use a passkey" (the account has one).
    #[prop(into)]
    has_passkeys: Signal<bool>,
    /// Whether only a passkey can confirm it (removing the password: the
    /// password cannot vouch for its own removal, nor can a mailbox).
    #[prop(into)]
    passkey_only: Signal<bool>,
    /// The id of the element to focus on closing when the control that
    /// opened the dialog is no longer in the page.
    fallback_focus: &'static str,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    // A refused password belongs to the password field; other failures
    // (passkey, email) to the dialog's outcome line.
    let password_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let session = use_session();
    let needs_code = move || session.info().is_some_and(|i| i.totp_enabled);
    // Signed in through the identity provider: it confirms, not a password.
    let via_sso = move || {
        session
            .info()
            .is_some_and(|i| i.auth_method == AuthMethod::Sso)
    };

    // Whether the emailed link is out, waiting to be confirmed.
    let link_sent = RwSignal::new(false);
    // A proof that arrives after the dialog was cancelled changes nothing:
    // the person cancelled the change.
    let confirmed = move || {
        if purpose.try_with_untracked(Option::is_some) != Some(true) {
            return;
        }
        link_sent.set(false);
        purpose.set(None);
        // try_: the page may have been left while the proof was on its way.
        let _ = on_confirmed.try_run(());
    };
    // A refusal is shown where it belongs; an aborted passkey request
    // (empty message) has nothing to say.
    let settle =
        move |result: Result<(), ApiError>, shown_at: RwSignal<Option<String>>| match result {
            Ok(()) => confirmed(),
            Err(e) if !e.message.is_empty() => shown_at.set(Some(e.message)),
            Err(_) => {}
        };
    let by_password = task(move || {
        let body = ReauthPassword {
            password: password.get_untracked(),
            code: Some(code.get_untracked().trim().to_owned()).filter(|c| !c.is_empty()),
        };
        async move { settle(crate::api::reauth_password(&body).await, password_error) }
    });
    let by_passkey = task(move || async move { settle(with_passkey(purpose).await, error) });
    let by_sso = task(move || async move {
        match crate::api::reauth_sso_start().await {
            Ok(to) => redirect::leave_for(&to.authorize_url),
            Err(e) => {
                error.try_set(Some(e.message));
            }
        }
    });
    let by_email = task(move || async move {
        match crate::api::reauth_email_start().await {
            Ok(()) => {
                link_sent.set(true);
                notice.set(Some(
                    "We sent you an email with a link. Open it on any device and confirm: this continues by itself."
                        .into(),
                ));
            }
            Err(e) => error.set(Some(e.message)),
        }
    });
    // Opens and closes the native dialog with `purpose`.
    Effect::new(move |_| {
        let open = purpose.with(Option::is_some);
        let Some(dialog) = dialog.get() else { return };
        if open && !dialog.open() {
            opener.set_value(focus::active());
            password_error.set(None);
            error.set(None);
            notice.set(None);
            let _ = dialog.show_modal();
        } else if !open && dialog.open() {
            dialog.close();
        }
    });
    // Every way of closing (Cancel, Esc, a confirmation) ends here, and
    // focus goes back to the control that opened the dialog.
    let on_close = move |_| {
        link_sent.set(false);
        if by_passkey.pending().get_untracked() {
            webauthn::cancel();
        }
        password.set(String::new());
        code.set(String::new());
        purpose.set(None);
        match opener.get_value() {
            Some(opener) if opener.is_connected() => {
                let _ = opener.focus();
            }
            // The control that opened it is gone (a deleted passkey's
            // card): the caller's fallback takes focus.
            _ => focus::by_id(fallback_focus),
        }
    };
    // Once the link is mailed, ask every two seconds whether it was
    // confirmed (on this device or another).
    let poll = set_interval_with_handle(
        move || {
            if purpose.with_untracked(Option::is_none) || !link_sent.get_untracked() {
                return;
            }
            spawn_local(async move {
                if let Ok(list) = crate::api::passkeys().await {
                    if list.fresh && purpose.try_with_untracked(Option::is_some) == Some(true) {
                        confirmed();
                    }
                }
            });
        },
        std::time::Duration::from_secs(2),
    );
    on_cleanup(move || {
        if let Ok(handle) = poll {
            handle.clear();
        }
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        password_error.set(None);
        error.set(None);
        by_password.dispatch(());
    };
    view! {
        <dialog
            node_ref=dialog
            class="confirm-dialog"
            aria-labelledby="confirm-heading"
            on:close=on_close
            on:keydown=move |ev| {
                if let Some(dialog) = dialog.get_untracked() {
                    focus::keep_tab_within(&ev, &dialog);
                }
            }
        >
            <h2 id="confirm-heading">"Confirm it's you"</h2>
            <p>
                "To " {move || purpose.get().unwrap_or_default()}
                ", confirm it's you"
                {move || if passkey_only.get() { " with one of your passkeys." } else { "." }}
            </p>
            {move || (via_sso() && !passkey_only.get()).then(|| view! {
                <p class="hint">"Your identity provider asks you to sign in again, then brings you back here to make the change."</p>
                <button
                    type="button"
                    class="primary"
                    aria-disabled=move || by_sso.pending().get().then_some("true")
                    on:click=move |_| {
                        if !by_sso.pending().get_untracked() {
                            error.set(None);
                            by_sso.dispatch(());
                        }
                    }
                >
                    "Continue with single sign-on"
                </button>
            })}
            <form on:submit=submit hidden=move || passkey_only.get() || via_sso()>
                <Field
                    id="reauth-password"
                    label="Current password"
                    kind=FieldKind::Password("current-password")
                    value=password
                    error=password_error
                />
                {move || needs_code().then(|| view! {
                    <Field
                        id="reauth-code"
                        label="Authentication code"
                        kind=FieldKind::Code
                        value=code
                        hint="The 6-digit code from your authenticator app."
                    />
                })}
                <button type="submit" class="primary" disabled=move || by_password.pending().get()>
                    "Confirm"
                </button>
            </form>
            <div class="button-row">
                {move || (has_passkeys.get() && webauthn::supported()).then(|| view! {
                    <button
                        type="button"
                        class="secondary"
                        disabled=move || by_passkey.pending().get()
                        on:click=move |_| {
                            error.set(None);
                            by_passkey.dispatch(());
                        }
                    >
                        "Use a passkey"
                    </button>
                })}
                <button
                    type="button"
                    class="secondary"
                    hidden=move || passkey_only.get() || via_sso()
                    disabled=move || by_email.pending().get()
                    on:click=move |_| {
                        error.set(None);
                        by_email.dispatch(());
                    }
                >
                    "Verify through an email link"
                </button>
            </div>
            <PasskeyWait waiting=by_passkey.pending() />
            <Outcome notice error />
            <button type="button" class="link-button" on:click=move |_| purpose.set(None)>
                "Cancel"
            </button>
        </dialog>
    }
}
