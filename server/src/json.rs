//! A JSON extractor whose rejections use the API's error body.

use crate::error::Error;
use axum::extract::FromRequest;
use axum::response::{IntoResponse, Response};

/// Like `axum::Json`, but a malformed body answers with [`Error::BadRequest`]
/// in the usual `{code, message}` shape instead of axum's plain text.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
