//! `/account`: My Account — who you are, your passkeys, recovery codes,
//! password and two-factor authentication, where you are signed in and
//! your security activity, one section each. Changes that
//! the server refuses with `reauth_required` open the one "Confirm it's
//! you" dialog, and run again once it is confirmed; each result is shown in
//! its own section.

mod activity;
mod passkeys;
mod password;
mod recovery_codes;
mod sessions;
mod two_factor;

use crate::actions::{task, Task};
use crate::browser::{redirect, webauthn};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::form::Outcome as FormOutcome;
use crate::components::recovery_codes::RecoveryCodesList;
use crate::routes::Page;
use crate::session::{use_session, Session, SessionState};
use common::{
    ApiError, AuthMethod, ErrorCode, NewPassword, PasskeyInfo, PasskeyList, SsoFailure, TotpSetup,
};
use leptos::prelude::*;

/// A change to the account's sign-in methods.
#[derive(Debug, Clone, PartialEq)]
enum Change {
    AddPasskey,
    /// With `anyway`, the person agreed that their recovery codes become
    /// their only way back in (the server asked: `confirmation_required`).
    DeletePasskey {
        id: String,
        name: String,
        anyway: bool,
    },
    TurnOnTotp,
    TurnOffTotp,
    /// The password typed in the Password section (`replacing` one).
    SetPassword {
        replacing: bool,
    },
    RemovePassword,
    NewRecoveryCodes,
}

impl Change {
    /// What the change is for, finishing "To …, confirm it's you".
    fn purpose(&self) -> String {
        match self {
            Change::AddPasskey => "add a passkey".into(),
            Change::DeletePasskey { name, .. } => format!("delete the passkey “{name}”"),
            Change::TurnOnTotp => "turn on two-factor authentication".into(),
            Change::TurnOffTotp => "turn off two-factor authentication".into(),
            Change::SetPassword { replacing: true } => "change your password".into(),
            Change::SetPassword { replacing: false } => "set a password".into(),
            Change::RemovePassword => "remove your password".into(),
            Change::NewRecoveryCodes => "get new recovery codes".into(),
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
    password_outcome: Outcome,
    recovery_outcome: Outcome,
    /// The new password being typed, and the message for its field.
    new_password: RwSignal<String>,
    password_error: RwSignal<Option<String>>,
    /// Recovery codes just made, shown once: under the first passkey's
    /// result (`true`), or in their own section.
    fresh_codes: RwSignal<Option<(Vec<String>, bool)>>,
    /// A deletion of the last passkey the server wants confirmed: the
    /// account's recovery codes would be its only way back in.
    delete_anyway: RwSignal<Option<Change>>,
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
            Change::SetPassword { .. } | Change::RemovePassword => self.password_outcome,
            Change::NewRecoveryCodes => self.recovery_outcome,
        }
    }

    /// The recovery codes just made, where `with_first_passkey` says.
    fn codes_shown(&self, with_first_passkey: bool) -> impl IntoView + use<> {
        let (fresh, session) = (self.fresh_codes, self.session);
        move || {
            let codes = fresh
                .get()
                .filter(|(_, first)| *first == with_first_passkey)?
                .0;
            let owner = session
                .info()
                .map(|i| format!("{} · {}", i.email, i.org.name))
                .unwrap_or_default();
            Some(view! { <RecoveryCodesList codes owner reveal=!with_first_passkey /> })
        }
    }

    /// Whether the account has a passkey (tracked).
    /// Whether the org requires single sign-on (the passkey list says so).
    fn sso_required(&self) -> bool {
        self.passkeys
            .with(|l| matches!(l, Some(Ok(l)) if l.sso_required))
    }

    fn has_passkeys(&self) -> bool {
        self.passkeys
            .with(|l| matches!(l, Some(Ok(l)) if !l.passkeys.is_empty()))
    }

    /// Runs `change`, its result shown in its section.
    fn run(&self, change: Change) {
        self.outcome_of(&change).clear();
        self.delete_anyway.set(None);
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
        if let Change::SetPassword { .. } = change {
            self.password_error.set(None);
        }
        match result {
            Ok(notice) => {
                outcome.notice.set(notice);
                self.reload.dispatch(());
                if matches!(change, Change::DeletePasskey { .. }) {
                    // Its card, which had focus, is gone.
                    crate::browser::focus::by_id("add-passkey");
                }
            }
            // The change waits first: the dialog reads it (to offer only
            // a passkey for removing the password) as it opens.
            Err(e) if e.code == ErrorCode::ReauthRequired => {
                let purpose = change.purpose();
                self.waiting.set(Some(change));
                self.confirming.set(Some(purpose));
            }
            // The last passkey, with recovery codes left: asked on its card.
            Err(e) if e.code == ErrorCode::ConfirmationRequired => {
                if let Change::DeletePasskey { id, name, .. } = change {
                    self.delete_anyway.set(Some(Change::DeletePasskey {
                        id,
                        name,
                        anyway: true,
                    }));
                }
            }
            // A password the rules refuse: said at its field.
            Err(e)
                if e.code == ErrorCode::BadRequest
                    && matches!(change, Change::SetPassword { .. }) =>
            {
                self.password_error.set(Some(e.message))
            }
            Err(e) if e.message.is_empty() => {}
            Err(e) => outcome.error.set(Some(e.message)),
        }
    }
}

/// Registers a new passkey (My Account, and the enrolment step of a
/// sign-in); `None` when the prompt was aborted, or when the person left
/// the page (`alive` false) before it could open.
pub(crate) async fn add_passkey(alive: impl Fn() -> bool) -> Result<Option<PasskeyInfo>, ApiError> {
    let asked = webauthn::asked();
    let start = crate::api::register_start().await?;
    if !alive() {
        return Ok(None);
    }
    let credential = match webauthn::create(start.options, asked).await {
        Err(webauthn::PasskeyError::Aborted) => return Ok(None),
        other => other?,
    };
    crate::api::register_finish(&start.ceremony_id, &credential)
        .await
        .map(Some)
}

/// Carries out `change`: the notice to show, if any. Signals are read
/// with `try_`: the person may have left the page.
async fn perform(change: Change, this: Account) -> Result<Option<String>, ApiError> {
    let totp_setup = this.totp_setup;
    match change {
        Change::AddPasskey => {
            // The first passkey of an account without recovery codes
            // comes with them (shown once).
            let first = this
                .passkeys
                .try_with_untracked(|l| matches!(l, Some(Ok(l)) if l.passkeys.is_empty()))
                == Some(true)
                && this.session.0.try_with_untracked(
                    |s| matches!(s, SessionState::SignedIn(i) if i.recovery_codes_left == 0),
                ) == Some(true);
            let Some(added) = add_passkey(move || !totp_setup.is_disposed()).await? else {
                return Ok(None);
            };
            if first {
                match crate::api::new_recovery_codes().await {
                    Ok(codes) => {
                        this.fresh_codes.try_set(Some((codes.codes, true)));
                    }
                    Err(e) => {
                        this.recovery_outcome.error.try_set(Some(e.message));
                    }
                }
            }
            Ok(Some(format!("Passkey “{}” added.", added.name)))
        }
        Change::DeletePasskey { id, name, anyway } => crate::api::delete_passkey(&id, anyway)
            .await
            .map(|()| Some(format!("Passkey “{name}” deleted."))),
        Change::TurnOnTotp => crate::api::totp_setup().await.map(|setup| {
            totp_setup.set(Some(setup));
            None
        }),
        Change::TurnOffTotp => crate::api::totp_disable()
            .await
            .map(|()| Some("Two-factor authentication is off.".into())),
        Change::SetPassword { replacing } => {
            let body = NewPassword {
                password: this.new_password.try_get_untracked().unwrap_or_default(),
            };
            crate::api::set_password(&body).await?;
            this.new_password.try_set(String::new());
            let done = if replacing { "changed" } else { "set" };
            Ok(Some(format!(
                "Password {done}. Every other session of your account was signed out."
            )))
        }
        Change::RemovePassword => crate::api::remove_password()
            .await
            .map(|_| Some("Password removed. You sign in with your passkeys from now on.".into())),
        Change::NewRecoveryCodes => crate::api::new_recovery_codes().await.map(|codes| {
            this.fresh_codes.try_set(Some((codes.codes, false)));
            None
        }),
    }
}

/// How a session was signed in, in words.
pub(crate) fn describe(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::Password => "Password",
        AuthMethod::PasswordTotp => "Password and authenticator code",
        AuthMethod::Passkey => "Passkey",
        AuthMethod::EmailLink => "Email link",
        AuthMethod::RecoveryCode => "Recovery code",
        AuthMethod::EnrollmentLink => "Enrollment link",
        AuthMethod::Sso => "Single sign-on",
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
            let result = perform(change.clone(), this).await;
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
            password_outcome: Outcome::new(),
            recovery_outcome: Outcome::new(),
            new_password: RwSignal::new(String::new()),
            password_error: RwSignal::new(None),
            fresh_codes: RwSignal::new(None),
            delete_anyway: RwSignal::new(None),
            totp_setup,
            renamed: RwSignal::new(None),
            session,
        };
        account.set_value(Some(built));
        built
    };
    reload.dispatch(());
    on_cleanup(webauthn::abort_pending);
    let has_passkeys = Signal::derive(move || account.has_passkeys());
    // A memo: the sections below are made again only when this changes,
    // not at every reload of the passkey list (which would reset them).
    let sso_required = Memo::new(move |_| account.sso_required());
    // Only a passkey proves enough to remove the password.
    let passkey_only = Signal::derive(move || {
        account
            .waiting
            .with(|c| c.as_ref() == Some(&Change::RemovePassword))
    });
    let on_confirmed = move |()| {
        if let Some(change) = account.waiting.get_untracked() {
            account.waiting.set(None);
            account.run(change);
        }
    };
    // Back from "Confirm it's you" at the identity provider.
    let sso_answer = redirect::take_query(Page::Account, "sso_error")
        .map(|code| {
            let why = SsoFailure::parse(&code).map(|f| f.message().to_owned());
            (None, why)
        })
        .or_else(|| {
            redirect::take_query(Page::Account, "sso").map(|_| {
                let done = "You confirmed it's you through single sign-on: make your change now.";
                (Some(done.to_owned()), None)
            })
        });
    view! {
        <h1>"My Account"</h1>
        {sso_answer.map(|(notice, error)| view! { <FormOutcome notice error /> })}
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
            // Where the org requires single sign-on, its identity provider
            // is the only way in: no recovery codes, password or 2FA to
            // manage here (the server refuses them), only the note above.
            {move || (!sso_required.get()).then(|| view! {
                <recovery_codes::RecoveryCodesSection account />
                <password::PasswordSection account />
                <two_factor::TwoFactorSection account />
            })}
            <sessions::SessionsSection account />
            <activity::ActivitySection account />
        </Show>
        <ConfirmDialog purpose=account.confirming on_confirmed has_passkeys passkey_only fallback_focus="add-passkey" />
    }
}
