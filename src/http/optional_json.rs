//! A JSON body that may be absent. Absent means no body at all (no bytes);
//! a body that is present must be JSON, say so in its content type, and
//! match the schema, or the request is refused and nothing is done. (An
//! `Option<web::Json<T>>` took any unreadable body as absent and ran the
//! default action: a cut-off `{"quantity": 1` cancelled a whole line.)

use std::future::{Future, Ready, ready};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

pub struct OptionalJson<T>(pub Option<T>);

impl<T> OptionalJson<T> {
    pub fn into_inner(self) -> Option<T> {
        self.0
    }
}

/// Whether the request carries body bytes.
pub fn has_body(req: &HttpRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(actix_web::http::header::TRANSFER_ENCODING)
        || headers
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > 0)
}

pub enum Extract<T: DeserializeOwned + 'static> {
    Absent(Ready<Result<OptionalJson<T>, actix_web::Error>>),
    Present(Pin<Box<dyn Future<Output = Result<OptionalJson<T>, actix_web::Error>>>>),
}

impl<T: DeserializeOwned + 'static> Future for Extract<T> {
    type Output = Result<OptionalJson<T>, actix_web::Error>;
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        match self.get_mut() {
            Extract::Absent(r) => Pin::new(r).poll(cx),
            Extract::Present(f) => f.as_mut().poll(cx),
        }
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = Extract<T>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !has_body(req) {
            return Extract::Absent(ready(Ok(OptionalJson(None))));
        }
        // Present: read exactly as a required body (content type, size,
        // syntax, schema; the app's JSON error handler words the refusal).
        let json = web::Json::<T>::from_request(req, payload);
        Extract::Present(Box::pin(async move { Ok(OptionalJson(Some(json.await?.into_inner()))) }))
    }
}

/// The body of an action that takes none (cancel, accept, approve...):
/// no body, or an empty JSON object. Anything else is refused
/// (`422 unexpected_body`) and nothing is done: a client that sends
/// `{"quantity": 1}` to cancel one unit must not cancel the whole order
/// because this endpoint never read what it asked for.
pub struct NoBody;

impl FromRequest for NoBody {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<NoBody, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !has_body(req) {
            return Box::pin(ready(Ok(NoBody)));
        }
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            // `{}` and nothing else (not `[]`, which serde would take for
            // an empty struct).
            match json.await?.into_inner() {
                serde_json::Value::Object(m) if m.is_empty() => Ok(NoBody),
                _ => Err(crate::error::AppError::Validation {
                    code: "unexpected_body",
                    detail: "This action takes no body: send none, or {}.".into(),
                    errors: vec![],
                }
                .into()),
            }
        })
    }
}
