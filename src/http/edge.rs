//! The API's edge, in front of every `/api/v1` handler, in this order:
//!
//! 1. **Who**: the `Authorization` key is resolved to its caller, or the
//!    request ends with `401`, before anything else of it is read (a bad
//!    query or body of an unknown caller is that caller's business, not an
//!    answer that tells it about our routes).
//! 2. **Form**: a body is JSON (`text/csv` for the bins import; a JPEG,
//!    PNG or WebP image for `POST .../photos`, read and checked by its
//!    handler up to the photo limit) or `415`; it is read up to
//!    `CUSTODY_MAX_BODY_BYTES`, beyond which `413` (problem+json like every
//!    error); JSON must parse (`400 malformed_json`) even where the
//!    endpoint takes no body.
//! 3. **Characters**: control characters are refused with `422` wherever text
//!    comes in: in the path and the query (percent-decoded), and in a body
//!    (a NUL byte anywhere; in JSON, escaped controls `\u0000`-`\u001f`,
//!    `\b` and `\f`; tab, line feed and carriage return are text). They are
//!    never data here, PostgreSQL refuses NUL in text (a 500 once), and a
//!    BEL printed on a label is nobody's address. The error says where,
//!    never echoing what was sent.
//!
//! Handlers then extract as usual; `ApiCaller` takes the caller found here.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};
use futures_util::StreamExt;

use super::AppState;
use crate::error::{AppError, FieldError};

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let refuse = |req: ServiceRequest, e: AppError| Ok(req.into_response(e.error_response()));
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return refuse(req, AppError::internal(anyhow::anyhow!("no app state")));
    };
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match super::caller::authenticate(&state, header.as_deref()).await {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
        }
        Err(e) => return refuse(req, e),
    }
    if let Some(e) = url_problem(req.path(), req.query_string()) {
        return refuse(req, e);
    }
    if super::optional_json::has_body(req.request()) {
        let content_type = req.content_type().to_ascii_lowercase();
        let json = content_type == "application/json" || content_type.ends_with("+json");
        // A photo is bytes, not text: its own limit, no text checks; the
        // handler checks it is the image it says it is.
        if is_photo_upload(req.method(), req.path()) {
            if !crate::returns::photos::MediaType::ACCEPTED.contains(&content_type.as_str()) {
                return refuse(
                    req,
                    AppError::UnsupportedMediaType { expected: crate::returns::photos::EXPECTED },
                );
            }
            return Ok(next.call(req).await?.map_into_boxed_body());
        }
        if !json && content_type != "text/csv" {
            return refuse(req, AppError::NOT_JSON);
        }
        let limit = state.config.max_body_bytes;
        let mut payload = req.take_payload();
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => return refuse(req, AppError::bad_request("unreadable_body", e.to_string())),
            };
            if body.len() + chunk.len() > limit {
                return refuse(req, AppError::PayloadTooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        if let Some(e) = body_problem(&body, json) {
            return refuse(req, e);
        }
        // Present JSON parses, whether or not the endpoint reads a body: a
        // garbled body never passes for no body.
        if json && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
            return refuse(
                req,
                AppError::bad_request("malformed_json", format!("The body is not valid JSON: {e}")),
            );
        }
        req.set_payload(actix_web::dev::Payload::from(body.freeze()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// `POST .../photos`: the only requests whose body is an image.
fn is_photo_upload(method: &actix_web::http::Method, path: &str) -> bool {
    method == actix_web::http::Method::POST && path.trim_end_matches('/').ends_with("/photos")
}

fn control(field: &str) -> AppError {
    AppError::Validation {
        code: "validation_failed",
        detail: format!("{field}: control characters are not accepted"),
        errors: vec![FieldError::new(
            field,
            "control_character",
            "must not contain control characters (U+0000 to U+001F, U+007F)",
        )],
    }
}

/// A control character in the percent-decoded path or query.
pub fn url_problem(path: &str, query: &str) -> Option<AppError> {
    if decoded_has_control(path) {
        return Some(control("path"));
    }
    if decoded_has_control(query) {
        return Some(control("query"));
    }
    None
}

fn decoded_has_control(s: &str) -> bool {
    let b = s.as_bytes();
    let bad = |c: u8| c < 0x20 || c == 0x7f;
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(h), Some(l)) =
                (b.get(i + 1).and_then(|c| hex(*c)), b.get(i + 2).and_then(|c| hex(*c)))
        {
            if bad(h * 16 + l) {
                return true;
            }
            i += 3;
            continue;
        }
        if bad(b[i]) {
            return true;
        }
        i += 1;
    }
    false
}

/// A NUL byte anywhere in a body; in JSON, an escaped control character
/// other than tab, line feed and carriage return.
pub fn body_problem(body: &[u8], json: bool) -> Option<AppError> {
    if body.contains(&0) {
        return Some(control("body"));
    }
    if !json {
        return None;
    }
    let hex = |c: u8| (c as char).to_digit(16);
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            i += 1;
            continue;
        }
        // An escape: `\\`, `\"`, `\n`... or `\uXXXX`.
        match body.get(i + 1) {
            Some(b'b' | b'f') => return Some(control("body")),
            Some(b'u') => {
                let code = body
                    .get(i + 2..i + 6)
                    .and_then(|d| d.iter().try_fold(0u32, |acc, c| hex(*c).map(|v| acc * 16 + v)));
                if code.is_some_and(|c| (c < 0x20 && !matches!(c, 0x09 | 0x0a | 0x0d)) || c == 0x7f) {
                    return Some(control("body"));
                }
                i += 6;
            }
            _ => i += 2,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_in_urls_are_found_encoded_or_not() {
        assert!(url_problem("/api/v1/skus", "sku_code=%00").is_some());
        assert!(url_problem("/api/v1/skus", "sku_code=a%07b").is_some());
        assert!(url_problem("/api/v1/bins/A%0A", "").is_some());
        assert!(url_problem("/api/v1/skus", "sku_code=%7f").is_some());
        assert!(url_problem("/api/v1/skus", "sku_code=%E4%B8%AD&limit=5").is_none(), "UTF-8 is text");
        assert!(url_problem("/api/v1/skus", "q=100%25").is_none());
        assert!(url_problem("/api/v1/skus", "q=%").is_none(), "a lone % is not a control");
    }

    #[test]
    fn controls_in_json_bodies_are_found_but_text_escapes_are_not() {
        let bad = |s: &str| body_problem(s.as_bytes(), true).is_some();
        assert!(bad(r#"{"note":"a\u0000b"}"#));
        assert!(bad(r#"{"note":"ring \u0007"}"#));
        assert!(bad(r#"{"note":"\u001F"}"#));
        assert!(bad(r#"{"note":"\b"}"#));
        assert!(bad("{\"note\":\"a\0\"}"));
        assert!(!bad(r#"{"note":"line\nnext\ttab\r\u000a \u00e9 \u4e2d"}"#));
        assert!(!bad(r#"{"note":"a backslash then u0000: \\u0000"}"#), "an escaped backslash is text");
        assert!(!bad(r#"{"note":"\"quoted\""}"#));
        assert!(body_problem(b"code,bin_type\nA,storage\r\n", false).is_none());
        assert!(body_problem(b"code\0", false).is_some());
    }
}
