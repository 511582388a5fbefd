//! The API's authentication: `Authorization: Bearer <key>` resolved to a
//! [`Caller`] once per request (from the database, or from the keys
//! resolved in the last few seconds: [`crate::auth::key_cache`]).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::auth::Caller;
use crate::error::AppError;
use crate::http::AppState;

/// An authenticated API caller. Handlers take this and then check what the
/// caller may do.
#[derive(Debug, Clone)]
pub struct ApiCaller(pub Caller);

impl FromRequest for ApiCaller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    /// The caller the API's edge (`http::edge`) authenticated before any
    /// other part of the request was read; or, outside it, authenticates now.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(caller) = req.extensions().get::<Caller>().cloned() {
            return Box::pin(std::future::ready(Ok(ApiCaller(caller))));
        }
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal(anyhow::anyhow!("no app state")))?;
            let caller = authenticate(&state, header.as_deref()).await?;
            req.extensions_mut().insert(caller.clone());
            Ok(ApiCaller(caller))
        })
    }
}

/// Resolves an `Authorization` header to its caller: `401` without one, or
/// for a key that is unknown, revoked, or whose owner is suspended.
pub async fn authenticate(state: &AppState, header: Option<&str>) -> Result<Caller, AppError> {
    let Some(token) = header.and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
    else {
        return Err(AppError::Unauthorized { detail: "Send your API key as `Authorization: Bearer <key>`." });
    };
    let hash = crate::auth::domain::hash_token(token.trim());
    let caller = match state.api_keys.get(&hash) {
        Some(caller) => Some(caller),
        None => {
            let h = hash.clone();
            let caller =
                crate::db::run(&state.pool, move |c| crate::auth::service::authenticate_hashed(c, &h))
                    .await?;
            if let Some(c) = &caller {
                state.api_keys.put(hash, c.clone());
            }
            caller
        }
    };
    caller.ok_or(AppError::Unauthorized { detail: "The API key is unknown or revoked." })
}
