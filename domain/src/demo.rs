//! Demo data for development: created on the first start of an empty
//! database when `--demo` is given, so that a newcomer can sign in at once.

use crate::error::Result;
use crate::store::accounts::{self, NewAccount};
use crate::store::orgs::{self, NewOrg};
use crate::Domain;
use common::Role;

/// The password of every demo account. Printed at start; never use demo
/// data in production.
pub const DEMO_PASSWORD: &str = "correct-horse-battery";

/// The demo account made without a password: it signs in first through
/// an enrollment link, and can only ever use passkeys (and recovery codes).
pub const PASSKEY_ONLY_EMAIL: &str = "katherine@example.com";

/// Creates two orgs and four accounts if the database has no org yet — one
/// of them passkey-only ([`PASSKEY_ONLY_EMAIL`] in `acme`) — and returns a
/// fresh enrollment link for that account, whether or not anything was
/// created (a link lives 24 hours; each start prints a new one).
pub async fn seed(state: &Domain) -> Result<String> {
    if orgs::count(&state.db).await? == 0 {
        create(state).await?;
    }
    let client = crate::audit::Client::new(None, Some("latchkey serve --demo"));
    crate::signin::enrollment::issue_link(
        state,
        &client,
        "acme",
        PASSKEY_ONLY_EMAIL,
        crate::signin::enrollment::DEFAULT_VALID_FOR_SECS,
    )
    .await
}

async fn create(state: &Domain) -> Result<()> {
    for (short_name, name) in [("acme", "Acme Security"), ("globex", "Globex Corporation")] {
        let new = NewOrg {
            short_name: short_name.into(),
            name: name.into(),
            sso_required: false,
            require_2fa: false,
        };
        orgs::create(&state.db, &state.clock, new).await?;
    }
    // Ada has an account in both orgs: the multi-org case. She owns Acme
    // (its admin console); Grace is an admin there.
    for (org, email, name, role) in [
        ("acme", "ada@example.com", "Ada Lovelace", Role::Owner),
        ("globex", "ada@example.com", "Ada Lovelace", Role::Member),
        ("acme", "grace@example.com", "Grace Hopper", Role::Admin),
    ] {
        let new = NewAccount {
            org: org.into(),
            email: email.into(),
            display_name: name.into(),
            password: Some(DEMO_PASSWORD.into()),
        };
        let (account, _) = accounts::create(&state.db, &state.clock, &state.passwords, new).await?;
        crate::store::members::set_initial_role(&state.db, &account.id, role.as_str()).await?;
    }
    let passkey_only = NewAccount {
        org: "acme".into(),
        email: PASSKEY_ONLY_EMAIL.into(),
        display_name: "Katherine Johnson".into(),
        password: None,
    };
    accounts::create(&state.db, &state.clock, &state.passwords, passkey_only).await?;
    Ok(())
}
