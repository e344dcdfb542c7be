//! Demo data for development: created on the first start of an empty
//! database when `--demo` is given, so that a newcomer can sign in at once.

use crate::error::Result;
use crate::store::accounts::{self, NewAccount};
use crate::store::orgs::{self, NewOrg};
use crate::Domain;

/// The password of every demo account. Printed at start; never use demo
/// data in production.
pub const DEMO_PASSWORD: &str = "correct-horse-battery";

/// Creates two orgs and three accounts if the database has no org yet.
/// Returns whether anything was created.
pub async fn seed(state: &Domain) -> Result<bool> {
    if orgs::count(&state.db).await? > 0 {
        return Ok(false);
    }
    for (short_name, name) in [("acme", "Acme Security"), ("globex", "Globex Corporation")] {
        let new = NewOrg {
            short_name: short_name.into(),
            name: name.into(),
            sso_required: false,
            require_2fa: false,
        };
        orgs::create(&state.db, &state.clock, new).await?;
    }
    // Ada has an account in both orgs: the multi-org case.
    for (org, email, name) in [
        ("acme", "ada@example.com", "Ada Lovelace"),
        ("globex", "ada@example.com", "Ada Lovelace"),
        ("acme", "grace@example.com", "Grace Hopper"),
    ] {
        let new = NewAccount {
            org: org.into(),
            email: email.into(),
            display_name: name.into(),
            password: DEMO_PASSWORD.into(),
        };
        accounts::create(&state.db, &state.clock, &state.passwords, new).await?;
    }
    Ok(true)
}
