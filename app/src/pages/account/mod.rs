//! `/account`: My Account — who you are, your passkeys and two-factor
//! authentication, one section each. Changes that the server refuses with
//! `reauth_required` open the one "Confirm it's you" dialog, and run again
//! once it is confirmed; each result is shown in its own section.

mod passkeys;
mod two_factor;

use crate::browser::webauthn;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::session::{use_session, Session};
use common::{ApiError, AuthMethod, ErrorCode, PasskeyList, RegisterFinish, TotpSetup};
use leptos::prelude::*;

/// A change to the account's sign-in methods.
#[derive(Debug, Clone, PartialEq)]
enum Change {
    AddPasskey,
    DeletePasskey { id: String, name: String },
    TurnOnTotp,
    TurnOffTotp,
}

impl Change {
    /// What the change is for, finishing "To …, confirm it's you".
    fn purpose(&self) -> String {
        match self {
            Change::AddPasskey => "add a passkey".into(),
            Change::DeletePasskey { name, .. } => format!("delete the passkey “{name}”"),
            Change::TurnOnTotp => "turn on two-factor authentication".into(),
            Change::TurnOffTotp => "turn off two-factor authentication".into(),
        }
    }
}

/// A section's result line.
#[derive(Clone, Copy)]
struct Outcome {
    notice: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
}

impl Outcome {
    fn new() -> Self {
        Outcome {
            notice: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }
    fn clear(&self) {
        self.notice.set(None);
        self.error.set(None);
    }
}

/// State shared by My Account's sections.
#[derive(Clone, Copy)]
struct Account {
    /// Bumped after each change: the passkey list and the session reload.
    reloads: RwSignal<u32>,
    passkeys: LocalResource<Result<PasskeyList, ApiError>>,
    /// Runs a change; its value is the change and its result (a notice).
    change: Action<Change, (Change, Result<Option<String>, ApiError>)>,
    /// The change waiting for "Confirm it's you".
    waiting: RwSignal<Option<Change>>,
    /// The dialog's purpose; `Some` opens it.
    confirming: RwSignal<Option<String>>,
    passkeys_outcome: Outcome,
    two_factor_outcome: Outcome,
    /// A TOTP secret being set up, waiting for its first code.
    totp_setup: RwSignal<Option<TotpSetup>>,
    session: Session,
}

impl Account {
    fn outcome_of(&self, change: &Change) -> Outcome {
        match change {
            Change::AddPasskey | Change::DeletePasskey { .. } => self.passkeys_outcome,
            Change::TurnOnTotp | Change::TurnOffTotp => self.two_factor_outcome,
        }
    }

    /// Runs `change`, its result shown in its section.
    fn run(&self, change: Change) {
        self.outcome_of(&change).clear();
        self.change.dispatch(change);
    }

    /// Reloads what a change may have changed: the passkeys and the
    /// session's description (which carries the 2FA state).
    fn reload(&self) {
        self.reloads.update(|n| *n += 1);
        let session = self.session;
        leptos::task::spawn_local(async move {
            if let Ok(Some(info)) = crate::api::session().await {
                if session.info().as_ref() != Some(&info) {
                    session.set_signed_in(info);
                }
            }
        });
    }
}

/// Registers a new passkey; `None` when the prompt was aborted.
async fn add_passkey() -> Result<Option<String>, ApiError> {
    let start = crate::api::register_start().await?;
    let credential = match webauthn::create(start.options).await {
        Err(webauthn::PasskeyError::Aborted) => return Ok(None),
        other => other?,
    };
    let info = crate::api::register_finish(&RegisterFinish {
        ceremony_id: start.ceremony_id,
        credential,
    })
    .await?;
    Ok(Some(format!("Passkey “{}” added.", info.name)))
}

/// Carries out `change`: the notice to show, if any.
async fn perform(
    change: Change,
    totp_setup: RwSignal<Option<TotpSetup>>,
) -> Result<Option<String>, ApiError> {
    match change {
        Change::AddPasskey => add_passkey().await,
        Change::DeletePasskey { id, name } => crate::api::delete_passkey(&id)
            .await
            .map(|()| Some(format!("Passkey “{name}” deleted."))),
        Change::TurnOnTotp => crate::api::totp_setup().await.map(|setup| {
            totp_setup.set(Some(setup));
            None
        }),
        Change::TurnOffTotp => crate::api::totp_disable()
            .await
            .map(|()| Some("Two-factor authentication is off.".into())),
    }
}

/// How a session was signed in, in words.
pub(crate) fn describe(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::Password => "Password",
        AuthMethod::PasswordTotp => "Password and authenticator code",
        AuthMethod::Passkey => "Passkey",
        AuthMethod::EmailLink => "Email link",
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_session();
    let reloads = RwSignal::new(0u32);
    let totp_setup = RwSignal::new(None);
    let account = Account {
        reloads,
        passkeys: LocalResource::new(move || {
            reloads.track();
            crate::api::passkeys()
        }),
        change: Action::new_local(move |change: &Change| {
            let change = change.clone();
            async move { (change.clone(), perform(change, totp_setup).await) }
        }),
        waiting: RwSignal::new(None),
        confirming: RwSignal::new(None),
        passkeys_outcome: Outcome::new(),
        two_factor_outcome: Outcome::new(),
        totp_setup,
        session,
    };
    // The change's result goes to its section; a refusal for want of a
    // recent sign-in opens the dialog, and the change waits for it.
    crate::actions::on_result(account.change, move |(change, result)| {
        let outcome = account.outcome_of(&change);
        match result {
            Ok(notice) => {
                outcome.notice.set(notice);
                account.reload();
            }
            Err(e) if e.code == ErrorCode::ReauthRequired => {
                account.confirming.set(Some(change.purpose()));
                account.waiting.set(Some(change));
            }
            Err(e) if e.message.is_empty() => {}
            Err(e) => outcome.error.set(Some(e.message)),
        }
    });
    on_cleanup(webauthn::abort_pending);
    let has_passkeys = Signal::derive(move || {
        account
            .passkeys
            .get()
            .and_then(Result::ok)
            .is_some_and(|l| !l.passkeys.is_empty())
    });
    let on_confirmed = move |()| {
        if let Some(change) = account.waiting.get_untracked() {
            account.waiting.set(None);
            account.run(change);
        }
    };
    view! {
        <h1>"My Account"</h1>
        {move || session.info().map(|info| view! {
            <section class="card" aria-labelledby="account-details">
                <h2 id="account-details">"Account"</h2>
                <dl class="details">
                    <dt>"Name"</dt>
                    <dd>{info.display_name}</dd>
                    <dt>"Email"</dt>
                    <dd>{info.email}</dd>
                    <dt>"Organization"</dt>
                    <dd>{info.org.name} " (" {info.org.short_name} ")"</dd>
                    <dt>"Signed in with"</dt>
                    <dd>{describe(info.auth_method)}</dd>
                </dl>
            </section>
        })}
        // Both sections appear together once the list is in: a section
        // growing from "Loading…" pushed the one below it down (CLS 0.14).
        <Show when=move || account.passkeys.get().is_some() fallback=|| view! { <p class="hint">"Loading…"</p> }>
            <passkeys::PasskeysSection account />
            <two_factor::TwoFactorSection account />
        </Show>
        <ConfirmDialog purpose=account.confirming on_confirmed has_passkeys />
    }
}
