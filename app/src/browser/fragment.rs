//! Tokens of emailed and printed links (`…#token=…`). The fragment is
//! never sent to the server, so fetching a link changes nothing; the page
//! reads the token and removes it from the address bar (and history).

use crate::routes::Page;

/// The token from the address's fragment, which is then removed (the
/// address becomes `page`'s path).
pub fn take_token(page: Page) -> Option<String> {
    let window = web_sys::window()?;
    let hash = window.location().hash().ok()?;
    let token = hash.strip_prefix("#token=")?.to_owned();
    super::replace_address(page);
    (!token.is_empty()).then_some(token)
}
