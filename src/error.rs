//! The one error type at the HTTP edge, rendered as `application/problem+json`
//! (RFC 9457) with a stable machine-readable `code`. A 500 says nothing about
//! its cause; the log keeps the whole chain.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// A field-level validation failure, listed in a 422 body.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON pointer-like path of the offending field, e.g. `barcode`.
    pub field: String,
    /// Stable code, e.g. `invalid_check_digit`.
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("conflict {code}: {detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("validation failed: {detail}")]
    Validation { code: &'static str, detail: String, errors: Vec<FieldError> },
    #[error("bad request {code}: {detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("payload too large")]
    PayloadTooLarge,
    /// The body is of a type this endpoint does not take; `expected` names
    /// the ones it does (`application/json` nearly everywhere).
    #[error("unsupported media type")]
    UnsupportedMediaType { expected: &'static str },
    /// The path exists, not with this method: 405 with `Allow`.
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    #[error("authentication required")]
    Unauthorized { detail: &'static str },
    #[error("forbidden")]
    Forbidden { detail: &'static str },
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable: {detail}")]
    Unavailable { detail: &'static str },
    /// More work waits than the server takes on: 503 `overloaded` with
    /// `Retry-After`, and nothing of the request was done.
    #[error("overloaded: {detail}")]
    Overloaded { detail: &'static str, retry_after_secs: u64 },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    /// `415`: the body must be JSON.
    pub const NOT_JSON: Self = Self::UnsupportedMediaType { expected: "application/json" };

    pub fn not_found(what: &'static str) -> Self {
        Self::NotFound { what }
    }
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict { code, detail: detail.into() }
    }
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail =
            errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
        Self::Validation { code: "validation_failed", detail, errors }
    }
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest { code, detail: detail.into() }
    }
    pub fn forbidden(detail: &'static str) -> Self {
        Self::Forbidden { detail }
    }
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }
    pub fn pool(e: r2d2::Error) -> Self {
        tracing::warn!(error = %e, "no database connection available");
        Self::Unavailable { detail: "The database is not reachable right now; retry shortly." }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not_found",
            Self::Conflict { code, .. } => code,
            Self::Validation { code, .. } => code,
            Self::BadRequest { code, .. } => code,
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType { .. } => "unsupported_media_type",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Unauthorized { .. } => "unauthorized",
            Self::Forbidden { .. } => "forbidden",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Unavailable { .. } => "unavailable",
            Self::Overloaded { .. } => "overloaded",
            Self::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "Not found",
            Self::Conflict { .. } => "Conflict",
            Self::Validation { .. } => "Invalid input",
            Self::BadRequest { .. } => "Bad request",
            Self::PayloadTooLarge => "Payload too large",
            Self::UnsupportedMediaType { .. } => "Unsupported media type",
            Self::MethodNotAllowed { .. } => "Method not allowed",
            Self::Unauthorized { .. } => "Authentication required",
            Self::Forbidden { .. } => "Forbidden",
            Self::TooManyRequests { .. } => "Too many requests",
            Self::Unavailable { .. } => "Service unavailable",
            Self::Overloaded { .. } => "Overloaded",
            Self::Internal(_) => "Internal server error",
        }
    }

    /// What the client may read. Never the cause of a 500.
    pub fn public_detail(&self) -> String {
        match self {
            Self::NotFound { what } => format!("No {what} with that identifier exists."),
            Self::Conflict { detail, .. }
            | Self::Validation { detail, .. }
            | Self::BadRequest { detail, .. } => detail.clone(),
            Self::PayloadTooLarge => "The request body is larger than this endpoint accepts.".into(),
            Self::UnsupportedMediaType { expected } => format!("Send the body as {expected}."),
            Self::Unauthorized { detail } | Self::Forbidden { detail } => (*detail).into(),
            Self::MethodNotAllowed { allow } => format!("This path answers {allow} only."),
            Self::TooManyRequests { retry_after_secs } => {
                format!("Too many attempts; retry in {retry_after_secs} s.")
            }
            Self::Unavailable { detail } => (*detail).into(),
            Self::Overloaded { detail, retry_after_secs } => {
                format!("{detail} Nothing was taken in; retry in {retry_after_secs} s.")
            }
            Self::Internal(_) => "Something went wrong on our side; it has been logged.".into(),
        }
    }
}

impl AppError {
    /// A value in the database this build does not know (a status written by
    /// a newer version, or by hand): an internal error that names the row
    /// and the value, so that it is found, instead of a guess.
    pub fn unknown_stored(what: &str, row: &str, value: &str) -> Self {
        Self::internal(anyhow::anyhow!("{row}: unknown {what} {value:?} in the database"))
    }

    /// Whether the database aborted the transaction because another one
    /// conflicted with it (SQLSTATE 40001, serialization failure: also what
    /// a deadlock while taking the advisory locks is reported as, see
    /// `custody_lock_keys`): it had no effect, and running it again is safe.
    /// Recognised by the code diesel reads from the server, not by the
    /// message's words.
    pub fn is_retryable(&self) -> bool {
        let Self::Internal(e) = self else { return false };
        e.chain().any(|c| {
            matches!(
                c.downcast_ref::<diesel::result::Error>(),
                Some(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::SerializationFailure,
                    _
                ))
            )
        })
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Self::NotFound { what: "record" },
            e if crate::db::is_unique_violation(&e) => {
                Self::conflict("conflict", "A record with the same unique value already exists.")
            }
            e => Self::Internal(anyhow::Error::new(e).context("database error")),
        }
    }
}

/// The problem+json body (RFC 9457).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type: `about:blank` or a code URN.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    /// Stable machine-readable code, e.g. `barcode_taken`.
    pub code: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } | Self::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let Self::Internal(e) = self {
            tracing::error!(error = ?e, "request failed");
        }
        let body = Problem {
            type_: format!("urn:custody:problem:{}", self.code()),
            title: self.title().into(),
            status: status.as_u16(),
            code: self.code().into(),
            detail: self.public_detail(),
            errors: match self {
                Self::Validation { errors, .. } => errors.clone(),
                _ => Vec::new(),
            },
        };
        let mut resp = HttpResponse::build(status);
        resp.content_type("application/problem+json");
        if let Self::MethodNotAllowed { allow } = self {
            resp.insert_header(("Allow", allow.as_str()));
        }
        if let Self::Unauthorized { .. } = self {
            resp.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let Self::TooManyRequests { retry_after_secs } | Self::Overloaded { retry_after_secs, .. } = self {
            resp.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        resp.json(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn render(e: AppError) -> (u16, serde_json::Value) {
        let resp = e.error_response();
        let status = resp.status().as_u16();
        let ct = resp.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
        assert_eq!(ct, "application/problem+json");
        let bytes = resp.into_body().try_into_bytes().unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn each_error_maps_to_its_status_and_stable_code() {
        let cases = [
            (AppError::not_found("sku"), 404, "not_found"),
            (AppError::conflict("barcode_taken", "x"), 409, "barcode_taken"),
            (AppError::invalid("barcode", "invalid_check_digit", "bad"), 422, "validation_failed"),
            (AppError::bad_request("malformed_json", "x"), 400, "malformed_json"),
            (AppError::Unauthorized { detail: "x" }, 401, "unauthorized"),
            (AppError::forbidden("x"), 403, "forbidden"),
            (AppError::Unavailable { detail: "x" }, 503, "unavailable"),
            (AppError::PayloadTooLarge, 413, "payload_too_large"),
        ];
        for (err, status, code) in cases {
            let (s, body) = render(err);
            assert_eq!(s, status);
            assert_eq!(body["code"], code);
            assert_eq!(body["status"], status);
        }
    }

    #[test]
    fn a_500_reveals_nothing_internal() {
        let (s, body) =
            render(AppError::internal(anyhow::anyhow!("relation \"secret_table\" does not exist")));
        assert_eq!(s, 500);
        let text = body.to_string();
        assert!(!text.contains("secret_table"), "{text}");
        assert_eq!(body["code"], "internal_error");
    }

    #[test]
    fn diesel_not_found_and_unique_violations_are_not_500s() {
        let e: AppError = diesel::result::Error::NotFound.into();
        assert_eq!(e.status_code(), StatusCode::NOT_FOUND);
    }
}
