//! My Account's Recovery codes section: how many are left, and a new set
//! on demand (shown once), which replaces the older codes.

use super::{Account, Change};
use crate::components::form::Outcome;
use leptos::prelude::*;

#[component]
pub(super) fn RecoveryCodesSection(account: Account) -> impl IntoView {
    let outcome = account.recovery_outcome;
    let left = move || match account.session.info().map(|i| i.recovery_codes_left) {
        None => String::new(),
        Some(0) => "None yet.".into(),
        Some(n) => format!("{n} of 10 unused."),
    };
    view! {
        <section class="card" aria-labelledby="recovery-heading">
            <h2 id="recovery-heading">"Recovery codes"</h2>
            <p class="hint">
                "If you lose your passkeys, a recovery code signs you in to set up a new one. Each code works once."
            </p>
            <p class="codes-left">{left}</p>
            <button
                type="button"
                class="secondary"
                aria-disabled=move || account.change.pending().get().then_some("true")
                on:click=move |_| account.run_once(Change::NewRecoveryCodes)
            >
                "Get new recovery codes"
            </button>
            <Outcome notice=outcome.notice error=outcome.error />
            {account.codes_shown(false)}
        </section>
    }
}
