//! Keeping text the page shows once (recovery codes): the clipboard, and a
//! file to download.

use wasm_bindgen_futures::JsFuture;

/// Copies `text` to the clipboard; whether the browser accepted it.
pub async fn copy(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    JsFuture::from(promise).await.is_ok()
}

/// A `blob:` address of `text` as a plain-text file, for a link with a
/// `download` name. Release it with [`release`] when the link goes.
pub fn file_url(text: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// Frees the file behind a [`file_url`] address.
pub fn release(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}
