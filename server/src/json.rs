//! A JSON extractor whose rejections use the API's error body.

use crate::error::Error;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// Like `axum::Json`, but a malformed body answers with `bad_request`
/// in the usual `{code, message}` shape instead of axum's plain text, and
/// the body must be a JSON object, as every request body of the API is.
///
/// serde reads a struct from an array as well (`[null]` for
/// `{"account": null}`), which the API description does not allow; the
/// schemathesis run found it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Error> {
        if !is_json(request.headers()) {
            return Err(Error::bad_request(
                "Invalid request body: expected `Content-Type: application/json`.",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| Error::bad_request(format!("Invalid request body: {}", e.body_text())))?;
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(Error::bad_request(
                "Invalid request body: expected a JSON object.",
            ));
        }
        let axum::Json(value) = axum::Json::from_bytes(&bytes)?;
        Ok(Json(value))
    }
}

/// `application/json`, or another `application/…+json` type, as axum accepts.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    // Compared without allocating: this runs on every request with a body.
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype.len() > 5
                && subtype.as_bytes()[subtype.len() - 5..].eq_ignore_ascii_case(b"+json"))
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    #[derive(serde::Deserialize)]
    struct Hint {
        #[allow(dead_code)]
        account: Option<String>,
    }

    async fn extract(content_type: &str, body: &'static str) -> Result<Json<Hint>, Error> {
        let request = Request::builder()
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        Json::<Hint>::from_request(request, &()).await
    }

    #[tokio::test]
    async fn only_a_json_object_is_a_request_body() {
        assert!(extract("application/json", r#" {"account": null}"#)
            .await
            .is_ok());
        assert!(extract("application/json; charset=utf-8", "{}")
            .await
            .is_ok());
        assert!(extract("application/problem+json", "{}").await.is_ok());
        assert!(extract("Application/JSON", "{}").await.is_ok());
        for (content_type, body) in [
            ("application/json", "[null]"),
            ("application/json", "null"),
            ("application/json", "\"text\""),
            ("application/json", ""),
            ("application/json", "{"),
            ("text/plain", "{}"),
            ("text/json-ish", "{}"),
            ("application/+json", "{}"),
        ] {
            let refused = extract(content_type, body).await;
            assert!(
                matches!(refused, Err(Error(domain::Error::BadRequest(_)))),
                "{content_type} {body:?}"
            );
        }
    }
}
