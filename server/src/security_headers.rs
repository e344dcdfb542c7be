//! Security headers on every response.
//!
//! The Content-Security-Policy allows scripts only from this origin, plus
//! the shell's inline loader script by its SHA-256 hash (the shell is
//! rendered once at start, so the hash is known), and WebAssembly
//! compilation (`'wasm-unsafe-eval'`). No inline script can run, and no
//! other site can frame the pages (clickjacking).

use axum::extract::{Request, State};
use axum::http::header::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The headers, computed once.
#[derive(Clone)]
pub struct SecurityHeaders(Arc<Vec<(HeaderName, HeaderValue)>>);

impl SecurityHeaders {
    /// `shell` is the HTML page whose inline scripts the policy must allow;
    /// `extra_connect` is added to `connect-src` (the live-reload socket of
    /// `cargo leptos watch`); `https` adds HSTS.
    pub fn new(shell: &str, extra_connect: Option<&str>, https: bool) -> Self {
        let hashes: String = inline_scripts(shell)
            .map(|script| {
                format!(
                    " 'sha256-{}'",
                    STANDARD.encode(Sha256::digest(script.as_bytes()))
                )
            })
            .collect();
        let connect = extra_connect.map(|c| format!(" {c}")).unwrap_or_default();
        let csp = format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; \
             img-src 'self' data:; connect-src 'self'{connect}; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'"
        );
        let mut headers = vec![
            ("content-security-policy", csp),
            ("x-content-type-options", "nosniff".to_owned()),
            ("referrer-policy", "no-referrer".to_owned()),
            ("x-frame-options", "DENY".to_owned()),
            ("cross-origin-opener-policy", "same-origin".to_owned()),
            (
                "permissions-policy",
                "publickey-credentials-get=(self), publickey-credentials-create=(self), \
                 camera=(), microphone=(), geolocation=(), payment=()"
                    .to_owned(),
            ),
        ];
        if https {
            headers.push((
                "strict-transport-security",
                "max-age=63072000; includeSubDomains".to_owned(),
            ));
        }
        Self(Arc::new(
            headers
                .into_iter()
                .filter_map(|(name, value)| {
                    Some((
                        HeaderName::from_static(name),
                        HeaderValue::from_str(&value).ok()?,
                    ))
                })
                .collect(),
        ))
    }
}

/// The bodies of the inline `<script>` elements of `html`.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, body) = rest.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        Some(body.split_once("</script>")?.0)
    })
}

/// Middleware: adds the headers unless a handler set its own.
pub async fn add(State(headers): State<SecurityHeaders>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    for (name, value) in headers.0.iter() {
        if !response.headers().contains_key(name) {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_found_and_external_ones_skipped() {
        let html = r#"<script type="module">a()</script><script src="/x.js"></script><script>b()</script>"#;
        assert_eq!(inline_scripts(html).collect::<Vec<_>>(), ["a()", "b()"]);
    }
}
