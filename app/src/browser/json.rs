//! JSON through the browser's own `JSON` object rather than serde_json.
//!
//! The text on the wire is the same; what changes is the wasm: serde_json's
//! parser and printer, instantiated for every API type, were 8% of the
//! bundle (BENCHMARKS.md, "Page weight"). serde-wasm-bindgen, which
//! converts between serde and JavaScript values, is in the bundle anyway
//! for the WebAuthn types.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// `value` as JSON text, or `None` if it cannot be written as JSON.
pub fn to_string<T: Serialize>(value: &T) -> Option<String> {
    // Maps as plain objects and 64-bit integers as numbers, as JSON has them.
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let js = value.serialize(&serializer).ok()?;
    js_sys::JSON::stringify(&js).ok()?.as_string()
}

/// The value JSON `text` describes, or `None` if it is not JSON or not a `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    let js = js_sys::JSON::parse(text).ok()?;
    serde_wasm_bindgen::from_value(js).ok()
}
