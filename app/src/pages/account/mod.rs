//! `/account`: My Account — who you are, your passkeys and two-factor
//! authentication, one section each. Changes that the server refuses with
//! `reauth_required` open the one "Confirm it's you" dialog, and run again
//! once it is confirmed; each result is shown in its own section.

mod passkeys;
mod two_factor;

use crate::actions::{task, Task};
use crate::browser::webauthn;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::session::{use_session, Session, SessionState};
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
    /// The passkey list (`None` until first loaded).
    passkeys: RwSignal<Option<Result<PasskeyList, ApiError>>>,
    /// Loads the passkey list and the session's description (which
    /// carries the 2FA state): at start and after each change.
    reload: Task,
    /// Runs the change in `running`; its result goes to its section.
    change: Task,
    /// The change being run (or last run).
    running: RwSignal<Option<Change>>,
    /// The change waiting for "Confirm it's you".
    waiting: RwSignal<Option<Change>>,
    /// The dialog's purpose; `Some` opens it.
    confirming: RwSignal<Option<String>>,
    passkeys_outcome: Outcome,
    two_factor_outcome: Outcome,
    /// A TOTP secret being set up, waiting for its first code.
    totp_setup: RwSignal<Option<TotpSetup>>,
    /// The passkey just renamed: its card, drawn again with the new name,
    /// gives focus back to its Rename button.
    renamed: RwSignal<Option<String>>,
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
        self.running.set(Some(change));
        self.change.dispatch(());
    }

    /// Runs `change` unless a change is running already (a double click
    /// must not start two).
    fn run_once(&self, change: Change) {
        if !self.change.pending().get_untracked() {
            self.run(change);
        }
    }

    /// Whether `change` is running now.
    fn is_running(&self, change: &Change) -> bool {
        self.change.pending().get() && self.running.with(|c| c.as_ref() == Some(change))
    }

    /// Shows what `change` came to: its notice, the dialog when the server
    /// wants a recent sign-in first (the change then waits for it), or its
    /// error.
    fn settle(&self, change: Change, result: Result<Option<String>, ApiError>) {
        if self.passkeys.is_disposed() {
            return; // The person has left the page.
        }
        let outcome = self.outcome_of(&change);
        match result {
            Ok(notice) => {
                outcome.notice.set(notice);
                self.reload.dispatch(());
                if matches!(change, Change::DeletePasskey { .. }) {
                    // Its card, which had focus, is gone.
                    crate::browser::focus::by_id("add-passkey");
                }
            }
            Err(e) if e.code == ErrorCode::ReauthRequired => {
                self.confirming.set(Some(change.purpose()));
                self.waiting.set(Some(change));
            }
            Err(e) if e.message.is_empty() => {}
            Err(e) => outcome.error.set(Some(e.message)),
        }
    }
}

/// Registers a new passkey; `None` when the prompt was aborted, or when
/// the person left the page (`alive` false) before it could open.
async fn add_passkey(alive: impl Fn() -> bool) -> Result<Option<String>, ApiError> {
    let start = crate::api::register_start().await?;
    if !alive() {
        return Ok(None);
    }
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
        Change::AddPasskey => add_passkey(move || !totp_setup.is_disposed()).await,
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
    let passkeys = RwSignal::new(None);
    let totp_setup = RwSignal::new(None);
    let running = RwSignal::new(None::<Change>);
    let reload = task(move || async move {
        let list = crate::api::passkeys().await;
        passkeys.set(Some(list));
        if let Ok(Some(info)) = crate::api::session().await {
            if session
                .0
                .try_with_untracked(|s| s != &SessionState::SignedIn(info.clone()))
                == Some(true)
            {
                session.set_signed_in(info);
            }
        }
    });
    let account = StoredValue::new_local(None::<Account>);
    let change = task(move || {
        let change = running.get_untracked();
        let this = account.get_value();
        async move {
            let (Some(change), Some(this)) = (change, this) else {
                return;
            };
            let result = perform(change.clone(), totp_setup).await;
            this.settle(change, result);
        }
    });
    let account = {
        let built = Account {
            passkeys,
            reload,
            change,
            running,
            waiting: RwSignal::new(None),
            confirming: RwSignal::new(None),
            passkeys_outcome: Outcome::new(),
            two_factor_outcome: Outcome::new(),
            totp_setup,
            renamed: RwSignal::new(None),
            session,
        };
        account.set_value(Some(built));
        built
    };
    reload.dispatch(());
    on_cleanup(webauthn::abort_pending);
    let has_passkeys = Signal::derive(move || {
        account
            .passkeys
            .with(|l| matches!(l, Some(Ok(l)) if !l.passkeys.is_empty()))
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
        <Show when=move || account.passkeys.with(Option::is_some) fallback=|| view! { <p class="hint">"Loading…"</p> }>
            <passkeys::PasskeysSection account />
            <two_factor::TwoFactorSection account />
        </Show>
        <ConfirmDialog purpose=account.confirming on_confirmed has_passkeys fallback_focus="add-passkey" />
    }
}
