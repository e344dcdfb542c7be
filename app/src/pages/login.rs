//! `/login`: email → organization → password.
//!
//! The org is picked on the client and sent with the password in one
//! request, so no step asks the server whether an email or an org exists:
//! the only answer the server gives is "signed in" or one generic refusal.

use crate::remembered_orgs;
use crate::session::{use_session, SessionState};
use common::{OrgSummary, PasswordLoginRequest};
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
    };

    view! {
        {move || {
            matches!(session.get(), SessionState::SignedIn(_)).then(|| view! { <Redirect path="/" /> })
        }}
        <div class="card narrow login">
            <h1>"Sign in to Latchkey"</h1>
            {move || match form.step.get() {
                Step::Email => view! { <EmailStep form /> }.into_any(),
                Step::Org => view! { <OrgStep form /> }.into_any(),
                Step::Password => view! { <PasswordStep form /> }.into_any(),
            }}
            {move || form.error.get().map(|e| view! { <p role="alert" class="error">{e}</p> })}
        </div>
    }
}

#[component]
fn EmailStep(form: Form) -> impl IntoView {
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let email = form.email.get_untracked();
        let email = email.trim();
        if email.contains('@') && !email.starts_with('@') && !email.ends_with('@') {
            form.go(Step::Org);
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
    }
}

#[component]
fn PasswordStep(form: Form) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
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
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = crate::api::login_password(&request).await;
            form.busy.set(false);
            match result {
                Ok(info) => {
                    remembered_orgs::remember(&info.org);
                    form.password.set(String::new());
                    session.set_signed_in(info);
                    navigate("/", Default::default());
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
    }
}
