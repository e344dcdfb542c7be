//! Organizations this browser has signed into, offered for one click on the
//! organization step. Kept in localStorage: org names only, never tokens.

use common::OrgSummary;

const KEY: &str = "latchkey.orgs";
/// Enough for anyone's real list; bounds what a page reads at load.
const MAX_REMEMBERED: usize = 10;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The remembered orgs, most recently used first.
pub fn load() -> Vec<OrgSummary> {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|text| crate::browser::json::from_str(&text))
        .unwrap_or_default()
}

/// Puts `org` first in the list.
pub fn remember(org: &OrgSummary) {
    let mut orgs = load();
    orgs.retain(|o| o.short_name != org.short_name);
    orgs.insert(0, org.clone());
    orgs.truncate(MAX_REMEMBERED);
    keep(&orgs);
}

/// Stores `orgs` as the list (after logout cleared the site's storage).
pub fn keep(orgs: &[OrgSummary]) {
    if orgs.is_empty() {
        return;
    }
    if let (Some(storage), Some(json)) = (storage(), crate::browser::json::to_string(&orgs)) {
        // Storage can be full or disabled; remembering is only a convenience.
        let _ = storage.set_item(KEY, &json);
    }
}
