//! `/login`: email → organization → password.
//!
//! The org is picked on the client and sent with the password in one
//! request, so no step asks the server whether an email or an org exists:
//! the only answer the server gives is "signed in" or one generic refusal.

use crate::components::totp_setup::TotpSetupForm;
use crate::passkey_sign_in::{sign_in, SignInFailure};
use crate::remembered_orgs;
use crate::session::{use_session, SessionState};
use crate::webauthn;
use common::{
    AccountHint, OrgListRequest, OrgSummary, PasswordLoginRequest, SecondStep, SessionInfo,
    TotpCode, TotpEnrolment,
};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_navigate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Email,
    Org,
    Password,
    /// Password done; the authenticator code is next.
    Totp,
    /// Password done; the org requires 2FA, to be set up now.
    TotpSetup,
}

/// State of the sign-in form, shared by its steps.
#[derive(Clone, Copy)]
struct Form {
    step: RwSignal<Step>,
    email: RwSignal<String>,
    org: RwSignal<String>,
    password: RwSignal<String>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    /// How many more times a failed autofill request may re-arm itself
    /// before the person does something: a browser whose autofill answers
    /// at once must not loop.
    autofill_rearms: RwSignal<u8>,
    /// The org came preselected (from an emailed link): go from the email
    /// straight to the password.
    skip_org: RwSignal<bool>,
}

impl Form {
    fn go(&self, step: Step) {
        self.error.set(None);
        self.step.set(step);
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let form = Form {
        step: RwSignal::new(Step::Email),
        email: RwSignal::new(String::new()),
        org: RwSignal::new(String::new()),
        password: RwSignal::new(String::new()),
        error: RwSignal::new(None),
        busy: RwSignal::new(false),
        autofill_rearms: RwSignal::new(1),
        skip_org: RwSignal::new(false),
    };
    // A link from the "list of my organizations" email preselects the org.
    let preselected = leptos_router::hooks::use_query_map()
        .get_untracked()
        .get("org")
        .filter(|org| !org.is_empty());
    if let Some(org) = &preselected {
        form.org.set(org.clone());
    }
    form.skip_org.set(preselected.is_some());
    let navigate = use_navigate();
    let done = move |info: SessionInfo| {
        remembered_orgs::remember(&info.org);
        session.set_signed_in(info);
        navigate("/", Default::default());
    };
    provide_context(Finish(std::sync::Arc::new(done)));
    arm_autofill(form);
    on_cleanup(webauthn::abort_pending);

    view! {
        {move || {
            matches!(session.get(), SessionState::SignedIn(_)).then(|| view! { <Redirect path="/" /> })
        }}
        <div class="card narrow login">
            <h1>"Sign in to Latchkey"</h1>
            {move || session.ended_because().map(|why| view! { <p role="status" class="notice">{why}</p> })}
            {move || match form.step.get() {
                Step::Email => view! { <EmailStep form /> }.into_any(),
                Step::Org => view! { <OrgStep form /> }.into_any(),
                Step::Password => view! { <PasswordStep form /> }.into_any(),
                Step::Totp => view! { <TotpStep form /> }.into_any(),
                Step::TotpSetup => view! { <TotpSetupStep form /> }.into_any(),
            }}
            {move || form.error.get().map(|e| view! { <p role="alert" class="error">{e}</p> })}
        </div>
        <PasskeyButton form />
    }
}

/// What to do once signed in (set the session, remember the org, go home).
#[derive(Clone)]
struct Finish(std::sync::Arc<dyn Fn(SessionInfo) + Send + Sync>);

fn use_finish() -> Finish {
    expect_context::<Finish>()
}

/// Starts the background autofill request, when the browser supports it.
fn arm_autofill(form: Form) {
    let finish = use_finish();
    spawn_local(async move {
        if !webauthn::conditional_mediation_available().await {
            return;
        }
        match sign_in(None, true).await {
            Ok(info) => (finish.0)(info),
            Err(SignInFailure::Aborted | SignInFailure::Cancelled(_)) => {}
            Err(SignInFailure::Failed(message)) => {
                form.error.set(Some(message));
                if form.autofill_rearms.get_untracked() > 0 {
                    form.autofill_rearms.update(|n| *n -= 1);
                    arm_autofill(form);
                }
            }
        }
    });
}

/// Runs an explicit (modal) passkey sign-in, then re-arms autofill if it
/// did not sign in.
fn explicit_sign_in(form: Form, account: Option<AccountHint>) {
    let finish = use_finish();
    form.error.set(None);
    form.busy.set(true);
    form.autofill_rearms.set(1);
    spawn_local(async move {
        let result = sign_in(account, false).await;
        form.busy.set(false);
        match result {
            Ok(info) => (finish.0)(info),
            Err(SignInFailure::Aborted) => {}
            Err(SignInFailure::Cancelled(message) | SignInFailure::Failed(message)) => {
                form.error.set(Some(message));
                arm_autofill(form);
            }
        }
    });
}

/// The "Log in with passkey" section: any passkey of this site, no email.
#[component]
fn PasskeyButton(form: Form) -> impl IntoView {
    view! {
        <section class="card narrow passkey-login" aria-labelledby="passkey-login">
            <h2 id="passkey-login">"Log in with passkey"</h2>
            <p class="hint">"Use the passkey saved on this device, your phone or a security key."</p>
            <button
                type="button"
                class="primary"
                disabled=move || form.busy.get()
                on:click=move |_| explicit_sign_in(form, None)
            >
                "Login"
            </button>
        </section>
    }
}

#[component]
fn EmailStep(form: Form) -> impl IntoView {
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let email = form.email.get_untracked();
        let email = email.trim();
        if email.contains('@') && !email.starts_with('@') && !email.ends_with('@') {
            form.go(if form.skip_org.get_untracked() {
                Step::Password
            } else {
                Step::Org
            });
        } else {
            form.error.set(Some(
                "Enter your email address, like name@example.com.".into(),
            ));
        }
    };
    view! {
        <form on:submit=submit novalidate>
            <label for="email">"Email"</label>
            <input
                id="email"
                name="email"
                type="email"
                autocomplete="username webauthn"
                required
                autofocus
                bind:value=form.email
            />
            <button type="submit" class="primary">"Continue"</button>
        </form>
    }
}

#[component]
fn OrgStep(form: Form) -> impl IntoView {
    let remembered = remembered_orgs::load();
    let pick = move |short_name: String| {
        form.org.set(short_name);
        form.go(Step::Password);
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let org = form.org.get_untracked().trim().to_lowercase();
        if org.is_empty() {
            form.error
                .set(Some("Enter your organization's short name.".into()));
        } else {
            pick(org);
        }
    };
    let remembered_list = (!remembered.is_empty()).then(|| {
        view! {
            <section aria-labelledby="remembered-orgs" class="remembered">
                <h2 id="remembered-orgs">"Recently used on this browser"</h2>
                <ul>
                    {remembered
                        .into_iter()
                        .map(|OrgSummary { short_name, name }| {
                            let label = format!("{name} ({short_name})");
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class="org-choice"
                                        on:click=move |_| pick(short_name.clone())
                                    >
                                        {label}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        }
    });
    view! {
        <p class="who">
            {move || form.email.get()} " "
            <button type="button" class="link-button" on:click=move |_| form.go(Step::Email)>
                "Change"
            </button>
        </p>
        {remembered_list}
        <form on:submit=submit novalidate>
            <label for="org">"Organization"</label>
            <p class="hint" id="org-hint">"The short name of your organization, like acme."</p>
            <input
                id="org"
                name="org"
                type="text"
                autocomplete="organization"
                autocapitalize="none"
                spellcheck="false"
                aria-describedby="org-hint"
                required
                autofocus
                bind:value=form.org
            />
            <button type="submit" class="primary">"Continue"</button>
        </form>
        <OrgListButton form />
    }
}

/// "Email me a list of my organizations": the list goes to the mailbox, so
/// the page says the same whether or not the email has accounts.
#[component]
fn OrgListButton(form: Form) -> impl IntoView {
    let sent = RwSignal::new(None::<String>);
    let send = move |_| {
        let email = form.email.get_untracked().trim().to_owned();
        form.error.set(None);
        spawn_local(async move {
            match crate::api::org_list(&OrgListRequest {
                email: email.clone(),
            })
            .await
            {
                Ok(()) => sent.set(Some(email)),
                Err(e) => form.error.set(Some(e.message)),
            }
        });
    };
    view! {
        {move || match sent.get() {
            Some(email) => {
                view! {
                    <p role="status" class="notice">
                        "If " {email}
                        " has accounts, we have emailed it a list of their organizations."
                    </p>
                }
                    .into_any()
            }
            None => {
                view! {
                    <button type="button" class="link-button" on:click=send>
                        "Email me a list of my organizations"
                    </button>
                }
                    .into_any()
            }
        }}
    }
}

#[component]
fn PasswordStep(form: Form) -> impl IntoView {
    let finish = use_finish();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        let request = PasswordLoginRequest {
            email: form.email.get_untracked().trim().to_owned(),
            org: form.org.get_untracked().trim().to_lowercase(),
            password: form.password.get_untracked(),
        };
        form.busy.set(true);
        form.error.set(None);
        let finish = finish.clone();
        spawn_local(async move {
            let result = crate::api::login_password(&request).await;
            form.busy.set(false);
            match result {
                Ok(info) => {
                    form.password.set(String::new());
                    match info.pending {
                        Some(SecondStep::Totp) => form.go(Step::Totp),
                        Some(SecondStep::TotpSetup) => form.go(Step::TotpSetup),
                        None => (finish.0)(info),
                    }
                }
                Err(e) => {
                    form.password.set(String::new());
                    form.error.set(Some(e.message));
                }
            }
        });
    };
    view! {
        <p class="who">
            {move || form.email.get()} " · " {move || form.org.get()} " "
            <button type="button" class="link-button" on:click=move |_| form.go(Step::Org)>
                "Change"
            </button>
        </p>
        <form on:submit=submit>
            // Lets password managers pair the password with the email.
            <input type="hidden" name="username" autocomplete="username" prop:value=move || form.email.get() />
            <label for="password">"Password"</label>
            <input
                id="password"
                name="password"
                type="password"
                autocomplete="current-password"
                required
                autofocus
                bind:value=form.password
            />
            <button type="submit" class="primary" disabled=move || form.busy.get()>
                {move || if form.busy.get() { "Signing in…" } else { "Sign in" }}
            </button>
        </form>
        <button
            type="button"
            class="secondary"
            disabled=move || form.busy.get()
            on:click=move |_| {
                let account = AccountHint {
                    email: form.email.get_untracked().trim().to_owned(),
                    org: form.org.get_untracked().trim().to_lowercase(),
                };
                explicit_sign_in(form, Some(account));
            }
        >
            "Use a passkey instead"
        </button>
    }
}

/// Leaves a half-finished sign-in: ends the pending session on the server.
fn cancel_second_step(form: Form) {
    spawn_local(async move {
        let _ = crate::api::logout().await;
        form.go(Step::Email);
    });
}

/// The 6-digit code after a right password, for accounts with 2FA on.
#[component]
fn TotpStep(form: Form) -> impl IntoView {
    let finish = use_finish();
    let code = RwSignal::new(String::new());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let body = TotpCode {
            code: code.get_untracked().trim().to_owned(),
        };
        form.busy.set(true);
        form.error.set(None);
        let finish = finish.clone();
        spawn_local(async move {
            let result = crate::api::login_totp(&body).await;
            form.busy.set(false);
            code.set(String::new());
            match result {
                Ok(info) => (finish.0)(info),
                Err(e) => form.error.set(Some(e.message)),
            }
        });
    };
    view! {
        <p class="who">{move || form.email.get()} " · " {move || form.org.get()}</p>
        <form on:submit=submit>
            <label for="totp-code">"Authentication code"</label>
            <p class="hint" id="totp-hint">"Enter the 6-digit code from your authenticator app."</p>
            <input
                id="totp-code"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                maxlength="6"
                aria-describedby="totp-hint"
                required
                autofocus
                bind:value=code
            />
            <button type="submit" class="primary" disabled=move || form.busy.get()>"Verify"</button>
        </form>
        <button type="button" class="link-button" on:click=move |_| cancel_second_step(form)>
            "Cancel"
        </button>
    }
}

/// Forced setup of 2FA right after the password, in orgs that require it.
#[component]
fn TotpSetupStep(form: Form) -> impl IntoView {
    let finish = use_finish();
    let setup = RwSignal::new(None);
    let email_code = RwSignal::new(String::new());
    spawn_local(async move {
        match crate::api::login_totp_setup().await {
            Ok(s) => setup.set(Some(s)),
            Err(e) => form.error.set(Some(e.message)),
        }
    });
    let confirm = move |code: String| {
        form.busy.set(true);
        form.error.set(None);
        let finish = finish.clone();
        spawn_local(async move {
            let body = TotpEnrolment {
                code,
                email_code: email_code.get_untracked().trim().to_owned(),
            };
            let result = crate::api::login_totp_setup_confirm(&body).await;
            form.busy.set(false);
            match result {
                Ok(info) => (finish.0)(info),
                Err(e) => form.error.set(Some(e.message)),
            }
        });
    };
    view! {
        <h2>"Set up two-factor authentication"</h2>
        <p>"Your organization requires two-factor authentication. Set it up to finish signing in."</p>
        {move || setup.get().map(|s| view! { <TotpSetupForm setup=s on_code=confirm.clone() busy=form.busy email_code=Some(email_code) /> })}
        <button type="button" class="link-button" on:click=move |_| cancel_second_step(form)>
            "Cancel"
        </button>
    }
}
