//! `/admin/…`: the org admin console — members, policies, the security
//! log and passkey coverage, one tab each. The navigation shows it to
//! admins and owners only; the server refuses everyone else on every
//! request (`OrgAdmin`), whatever this page shows.
//!
//! Every admin request needs a recent sign-in ("Confirm it's you"): a
//! refusal with `reauth_required` opens the one dialog, and once it is
//! confirmed the refused change runs again and the tab's lists reload.

mod coverage;
mod members;
mod policy;
mod security_log;
mod sso;

use crate::actions::Task;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::routes::{AdminSection, Page};
use crate::session::use_session;
use common::{ApiError, ErrorCode};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// What every tab shares: the "Confirm it's you" gate, and a revision
/// that the tabs' loads follow (bumped after a confirmation).
#[derive(Clone, Copy)]
pub(crate) struct Gate {
    /// The dialog's purpose; `Some` opens it.
    confirming: RwSignal<Option<String>>,
    /// The change to run again once confirmed (`None`: reload only).
    again: RwSignal<Option<Task>>,
    /// Whether a request was refused for want of a recent sign-in and
    /// nothing has been confirmed since: the page says so, with a button.
    needed: RwSignal<bool>,
    /// Bumped after each confirmation; loads track it.
    revision: RwSignal<u32>,
}

impl Gate {
    /// What to show for `error`: nothing when the server wants a recent
    /// sign-in — the dialog opens, and `again` (a change) runs once it is
    /// confirmed — else the error's message.
    pub(crate) fn shown(&self, error: ApiError, again: Option<Task>) -> Option<String> {
        if error.code == ErrorCode::ReauthRequired {
            self.again.try_set(again);
            self.needed.try_set(true);
            self.confirming
                .try_set(Some("manage your organization".to_owned()));
            None
        } else {
            Some(error.message)
        }
    }

    /// Tracks the revision: a load calling this runs again after a
    /// confirmation.
    pub(crate) fn track(&self) {
        self.revision.track();
    }

    /// Loads the tab's lists again (after a change that alters them).
    pub(crate) fn reload(&self) {
        self.revision.try_update(|r| *r += 1);
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let section =
        Memo::new(move |_| params.with(|p| AdminSection::parse(p.get("section").as_deref())));
    let gate = Gate {
        confirming: RwSignal::new(None),
        again: RwSignal::new(None),
        needed: RwSignal::new(false),
        revision: RwSignal::new(0),
    };
    // Whether "Confirm it's you" may offer a passkey.
    let has_passkeys = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        if let Ok(list) = crate::api::passkeys().await {
            has_passkeys.try_set(!list.passkeys.is_empty());
        }
    });
    let on_confirmed = move |()| {
        gate.needed.set(false);
        if let Some(again) = gate.again.get_untracked() {
            gate.again.set(None);
            again.dispatch(());
        }
        gate.revision.update(|r| *r += 1);
    };
    let administers = move || session.info().is_some_and(|i| i.role.administers());
    view! {
        <h1 id="admin-heading" tabindex="-1">"Organization admin"</h1>
        <Show
            when=administers
            fallback=|| view! {
                <p role="alert" class="error page-alert">
                    "Only your organization's administrators can use the admin console."
                </p>
            }
        >
            <nav class="tabs" aria-label="Admin sections">
                {AdminSection::ALL
                    .into_iter()
                    .map(|s| view! {
                        <a
                            href=Page::Admin(s).path()
                            aria-current=move || (section.get() == Some(s)).then_some("page")
                        >
                            {s.title()}
                        </a>
                    })
                    .collect_view()}
            </nav>
            <Show when=move || gate.needed.get()>
                <div class="notice gate" role="status">
                    <p>"The admin console needs a recent sign-in."</p>
                    <button
                        type="button"
                        class="primary"
                        on:click=move |_| gate.confirming.set(Some("manage your organization".into()))
                    >
                        "Confirm it's you"
                    </button>
                </div>
            </Show>
            {move || match section.get() {
                Some(AdminSection::Members) => view! { <members::MembersTab gate /> }.into_any(),
                Some(AdminSection::Policy) => view! { <policy::PolicyTab gate /> }.into_any(),
                Some(AdminSection::SecurityLog) => view! { <security_log::SecurityLogTab gate /> }.into_any(),
                Some(AdminSection::Coverage) => view! { <coverage::CoverageTab gate /> }.into_any(),
                None => view! { <p role="alert" class="error page-alert">"There is no such admin page."</p> }.into_any(),
            }}
        </Show>
        <ConfirmDialog
            purpose=gate.confirming
            on_confirmed
            has_passkeys
            passkey_only=Signal::derive(|| false)
            fallback_focus="admin-heading"
        />
    }
}

/// "Page 2 of 5 · 230 members", with Previous and Next.
#[component]
pub(crate) fn Pager(
    page: RwSignal<i64>,
    #[prop(into)] total: Signal<i64>,
    page_size: i64,
    noun: &'static str,
) -> impl IntoView {
    let pages = move || ((total.get() + page_size - 1) / page_size).max(1);
    view! {
        <div class="pager">
            <button
                type="button"
                disabled=move || page.get() <= 1
                on:click=move |_| page.update(|p| *p = (*p - 1).max(1))
            >
                "Previous"
            </button>
            <span>{move || format!("Page {} of {} · {} {noun}", page.get(), pages(), total.get())}</span>
            <button
                type="button"
                disabled=move || { page.get() >= pages() }
                on:click=move |_| page.update(|p| *p += 1)
            >
                "Next"
            </button>
        </div>
    }
}
