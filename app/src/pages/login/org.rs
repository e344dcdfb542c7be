//! Step 2: the organization, typed or picked from the ones this browser
//! signed into before; or "Email me a list of my organizations".

use super::{Form, Step};
use crate::browser::remembered_orgs;
use crate::components::form::{Field, FieldKind, Outcome};
use common::{OrgListRequest, OrgSummary};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

#[component]
pub(super) fn OrgStep(form: Form) -> impl IntoView {
    let remembered = remembered_orgs::load();
    let pick = move |short_name: String, name: Option<String>| {
        form.org.set(short_name);
        form.org_name.set(name);
        form.go(Step::Password);
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let org = form.org.get_untracked().trim().to_lowercase();
        if org.is_empty() {
            form.error
                .set(Some("Enter your organization's short name.".into()));
        } else {
            let known = remembered_orgs::load()
                .into_iter()
                .find(|o| o.short_name == org)
                .map(|o| o.name);
            pick(org, known);
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
                                        on:click=move |_| pick(short_name.clone(), Some(name.clone()))
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
        {form.who_line(Step::Email)}
        {remembered_list}
        <form on:submit=submit novalidate>
            <Field
                id="org"
                label="Organization"
                kind=FieldKind::Text("off")
                value=form.org
                error=form.error
                hint="The short name of your organization, like acme."
                focus=true
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
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let send = crate::actions::task(move || {
        let email = form.email.get_untracked().trim().to_owned();
        async move {
            match crate::api::org_list(&OrgListRequest {
                email: email.clone(),
            })
            .await
            {
                Ok(()) => notice.set(Some(format!(
                    "If {email} has accounts, we have emailed it a list of their organizations."
                ))),
                Err(e) => error.set(Some(e.message)),
            }
        }
    });
    view! {
        <button
            type="button"
            class="link-button"
            disabled=move || send.pending().get()
            on:click=move |_| {
                error.set(None);
                send.dispatch(());
            }
        >
            "Email me a list of my organizations"
        </button>
        <Outcome notice error />
    }
}
