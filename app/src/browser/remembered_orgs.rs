//! Organizations this browser has signed into, offered for one click on the
//! organization step, and — with the emails used there — in the Profile
//! menu's organization switcher. Kept in localStorage: org names and the
//! emails typed to sign in (which the browser's own autofill keeps too),
//! never tokens. Logging out keeps them (see [`crate::api::logout`]).

use common::OrgSummary;
use serde::{Deserialize, Serialize};

const KEY: &str = "latchkey.orgs";
/// Enough for anyone's real list; bounds what a page reads at load.
const MAX_REMEMBERED: usize = 10;
/// Emails kept per org (several people may share a browser).
const MAX_EMAILS: usize = 5;

/// One remembered org, and the emails that signed in to it here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remembered {
    pub short_name: String,
    pub name: String,
    /// Most recent first; absent in lists written before the switcher.
    #[serde(default)]
    pub emails: Vec<String>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The remembered entries, most recently used first.
pub fn snapshot() -> Vec<Remembered> {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|text| crate::browser::json::from_str(&text))
        .unwrap_or_default()
}

/// The remembered orgs, most recently used first.
pub fn load() -> Vec<OrgSummary> {
    snapshot()
        .into_iter()
        .map(|r| OrgSummary {
            short_name: r.short_name,
            name: r.name,
        })
        .collect()
}

/// The orgs `email` has signed in to on this browser, but `except`.
pub fn of_email(email: &str, except: &str) -> Vec<OrgSummary> {
    snapshot()
        .into_iter()
        .filter(|r| {
            r.short_name != except && r.emails.iter().any(|e| e.eq_ignore_ascii_case(email))
        })
        .map(|r| OrgSummary {
            short_name: r.short_name,
            name: r.name,
        })
        .collect()
}

/// Puts `org` first in the list, with `email` first among its emails.
pub fn remember(org: &OrgSummary, email: &str) {
    let mut entries = snapshot();
    let mut emails = entries
        .iter()
        .find(|r| r.short_name == org.short_name)
        .map(|r| r.emails.clone())
        .unwrap_or_default();
    emails.retain(|e| !e.eq_ignore_ascii_case(email));
    emails.insert(0, email.to_owned());
    emails.truncate(MAX_EMAILS);
    entries.retain(|r| r.short_name != org.short_name);
    entries.insert(
        0,
        Remembered {
            short_name: org.short_name.clone(),
            name: org.name.clone(),
            emails,
        },
    );
    entries.truncate(MAX_REMEMBERED);
    keep(&entries);
}

/// Stores `entries` as the list (after logout cleared the site's storage).
pub fn keep(entries: &[Remembered]) {
    if entries.is_empty() {
        return;
    }
    if let (Some(storage), Some(json)) = (storage(), crate::browser::json::to_string(&entries)) {
        // Storage can be full or disabled; remembering is only a convenience.
        let _ = storage.set_item(KEY, &json);
    }
}
