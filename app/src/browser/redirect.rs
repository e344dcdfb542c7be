//! Leaving for the identity provider, and the answer it sends back in the
//! address (`?sso_error=…`).

use crate::routes::Page;

/// Sends the browser to `url` (the provider's authorization endpoint): a
/// full navigation, as OpenID Connect expects.
pub fn leave_for(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(url);
    }
}

/// The value of `name` in the address's query, which is then removed
/// (the address becomes `page`'s path), so that a reload does not show
/// the same message again.
pub fn take_query(page: Page, name: &str) -> Option<String> {
    let window = web_sys::window()?;
    let search = window.location().search().ok()?;
    let value = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))?
        .to_owned();
    super::replace_address(page);
    Some(value)
}
