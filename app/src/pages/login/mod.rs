//! `/login`: email → organization → password (then the 2FA code, or its
//! forced setup), or a passkey: the "Login" button, the email field's
//! autofill, or "Use a passkey instead" on the password step. From the
//! password step, "Forgot password?" mails a reset link, and "Use a
//! recovery code" signs in to the enrolment step, which is also where an
//! enrollment link leads: set up a passkey (or a password) to go on.
//!
//! The org is picked on the client and sent with the password in one
//! request, so no step asks the server whether an email exists: the only
//! answer the server gives is "signed in" or one generic refusal. The
//! password step asks whether the org offers single sign-on (an org that
//! does not exist answers as one without it). A failed single sign-on
//! comes back here as `?sso_error=…`, shown above the form.
//! One file per step; [`passkey`] holds the passkey ceremonies.

mod autofill;
mod email;
mod enroll;
mod org;
mod passkey;
mod password;
mod recovery;
mod totp;
mod totp_setup;

use crate::browser::{redirect, remembered_orgs, webauthn};
use crate::routes::Page;
use crate::session::{use_session, Session, SessionState};
use common::{SecondStep, SessionInfo, SsoFailure};
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_navigate, use_query_map};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Email,
    Org,
    Password,
    /// Password done; the authenticator code is next.
    Totp,
    /// Password done; the org requires 2FA, to be set up now.
    TotpSetup,
    /// A recovery code in place of the password.
    Recovery,
    /// Signed in by a recovery code or an enrollment link: a passkey (or a
    /// password) to set up before anything else.
    Enroll,
}

/// State of the sign-in form, shared by its steps.
#[derive(Clone, Copy)]
struct Form {
    step: RwSignal<Step>,
    email: RwSignal<String>,
    /// The org's short name, as typed or picked.
    org: RwSignal<String>,
    /// The org's display name, when known on this browser (picked from the
    /// remembered list): the server never says whether a typed one exists.
    org_name: RwSignal<Option<String>>,
    /// The message for the current step's field.
    error: RwSignal<Option<String>>,
    /// The org came preselected (from an emailed link): go from the email
    /// straight to the password.
    skip_org: RwSignal<bool>,
    /// The password step is showing an org that requires single sign-on:
    /// the passkey card is not offered beside it (passkeys are refused
    /// there).
    sso_only: RwSignal<bool>,
    /// Sets the session, remembers the org and goes to the console.
    finish: Callback<SessionInfo>,
    passkey: passkey::Passkey,
    /// Ends a half-finished sign-in (see [`cancel_second_step`]).
    leave: crate::actions::Task,
    session: Session,
}

impl Form {
    /// Moves to `step`, forgetting the last step's message. The new step's
    /// first field takes focus (see `Field`'s `focus`).
    fn go(&self, step: Step) {
        self.error.set(None);
        self.step.set(step);
    }

    /// Signed in: on to the console, unless the person has left the page.
    fn finish(&self, info: SessionInfo) {
        if self.alive() {
            self.finish.run(info);
        }
    }

    /// Signed in, or on to the step the server says is left.
    fn next(&self, info: SessionInfo) {
        if !self.alive() {
            return;
        }
        match info.pending {
            Some(SecondStep::Totp) => self.go(Step::Totp),
            // Not signed in yet, as far as the app is concerned (the
            // server answers `GET /api/session` with "nobody").
            Some(SecondStep::TotpSetup) => {
                self.session.set_signed_out();
                self.go(Step::TotpSetup);
            }
            Some(SecondStep::Enroll) => {
                self.session.set_signed_in(info);
                self.go(Step::Enroll);
            }
            None => self.finish(info),
        }
    }

    /// Whether the page is still shown: its signals are disposed once the
    /// person has left it, and late answers must then change nothing.
    fn alive(&self) -> bool {
        self.step.try_get_untracked().is_some()
    }

    /// "ada@example.com · Acme" for the steps after the org.
    fn who(&self) -> String {
        let org = self.org_name.get().unwrap_or_else(|| self.org.get());
        format!("{} · {}", self.email.get(), org)
    }

    /// Who is signing in — the email, or after the org step the email and
    /// org — with "Change" going back to `back`.
    fn who_line(self, back: Step) -> impl IntoView {
        let text = move || match back {
            Step::Email => self.email.get(),
            _ => self.who(),
        };
        view! {
            <p class="who">
                {text} " "
                <button type="button" class="link-button" on:click=move |_| self.go(back)>
                    "Change"
                </button>
            </p>
        }
    }
}

thread_local! {
    /// The email and org the sign-in form opens with next (see [`prefill`]).
    static PREFILL: std::cell::RefCell<Option<common::AccountHint>> = const { std::cell::RefCell::new(None) };
}

/// Opens the sign-in form, the next time it is shown, with `hint`'s email
/// typed and its org picked (the organization switcher's "another way"):
/// kept in memory, never in the address.
pub fn prefill(hint: common::AccountHint) {
    PREFILL.with(|p| *p.borrow_mut() = Some(hint));
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let finish = Callback::new(move |info: SessionInfo| {
        remembered_orgs::remember(&info.org, &info.email);
        session.set_signed_in(info);
        navigate(Page::Home.path(), Default::default());
    });
    // A link from the "list of my organizations" email preselects the org.
    let preselected = use_query_map()
        .get_untracked()
        .get("org")
        .filter(|org| !org.is_empty());
    // Back from the identity provider without signing in: why.
    let sso_failure = redirect::take_query(Page::Login, "sso_error")
        .and_then(|code| SsoFailure::parse(&code))
        .map(SsoFailure::message);
    // The organization switcher's "another way" fills in both.
    let prefill = PREFILL.with(|p| p.borrow_mut().take());
    let preselected = prefill.as_ref().map(|h| h.org.clone()).or(preselected);
    let prefilled_email = prefill.map(|h| h.email).unwrap_or_default();
    let step = RwSignal::new(Step::Email);
    let error = RwSignal::new(None);
    let form = Form {
        step,
        email: RwSignal::new(prefilled_email),
        org: RwSignal::new(preselected.clone().unwrap_or_default()),
        org_name: RwSignal::new(None),
        error,
        skip_org: RwSignal::new(preselected.is_some()),
        sso_only: RwSignal::new(false),
        finish,
        passkey: passkey::Passkey::new(finish),
        leave: crate::actions::task(move || async move {
            let _ = crate::api::logout().await;
            session.set_signed_out();
            error.set(None);
            step.set(Step::Email);
        }),
        session,
    };
    autofill::arm_autofill(form);
    on_cleanup(webauthn::abort_pending);
    // A session at its enrolment step (a reload, an enrollment link) goes
    // on there.
    Effect::new(move |_| {
        if session.enrolling().is_some() && step.get_untracked() != Step::Enroll {
            form.go(Step::Enroll);
        }
    });
    let enrolling = Memo::new(move |_| step.get() == Step::Enroll);

    view! {
        {move || {
            matches!(session.get(), SessionState::SignedIn(_))
                .then(|| view! { <Redirect path=Page::Home.path() /> })
        }}
        <main class="login-page">
            <section class="card narrow login" aria-labelledby="login-heading">
                <h1 id="login-heading">"Sign in to Latchkey"</h1>
                {move || session.ended_because().map(|why| view! { <p role="status" class="notice">{why}</p> })}
                {sso_failure.map(|why| view! { <p role="alert" class="error page-alert">{why}</p> })}
                {move || match form.step.get() {
                    Step::Email => view! { <email::EmailStep form /> }.into_any(),
                    Step::Org => view! { <org::OrgStep form /> }.into_any(),
                    Step::Password => view! { <password::PasswordStep form /> }.into_any(),
                    Step::Totp => view! { <totp::TotpStep form /> }.into_any(),
                    Step::TotpSetup => view! { <totp_setup::TotpSetupStep form /> }.into_any(),
                    Step::Recovery => view! { <recovery::RecoveryStep form /> }.into_any(),
                    Step::Enroll => view! { <enroll::EnrollStep form /> }.into_any(),
                }}
            </section>
            // Signing in to another account is not offered mid-enrolment,
            // nor a passkey beside an org that refuses them.
            {move || {
                (!enrolling.get() && !form.sso_only.get())
                    .then(|| view! { <passkey::PasskeyCard form /> })
            }}
        </main>
    }
}

/// Leaves a half-finished sign-in (after the password, before the second
/// step): ends the pending session on the server, back to the email.
fn cancel_second_step(form: Form) {
    form.leave.dispatch(());
}
