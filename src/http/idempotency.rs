//! `Idempotency-Key` on POSTs: the first response is stored in the same
//! transaction as the work it reports, so a retried request returns that
//! response and does nothing twice, even when the retry races the original.

mod store;

use crate::db::types::Timestamp;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::Duration;
use diesel::QueryResult;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::error::AppError;
use store::Record;

/// How long a stored response is replayed.
pub const RETENTION: Duration = Duration::hours(24);

fn key_of(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(v) = req.headers().get("idempotency-key") else { return Ok(None) };
    let s = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| (0x21..0x7f).contains(&b)));
    match s {
        Some(s) => Ok(Some(s.to_owned())),
        None => Err(AppError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
        )),
    }
}

/// The key's record, unless it is past its retention.
fn lookup(conn: &mut DbConn, scope: &str, key: &str) -> QueryResult<Option<Record>> {
    store::record_since(conn, scope, key, Timestamp::now() - RETENTION)
}

/// A response as stored: status and JSON body. Built into an `HttpResponse`
/// only back on the async side (responses are not `Send`).
struct Stored {
    status: u16,
    body: String,
    replayed: bool,
}

impl Stored {
    fn into_response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut resp = HttpResponse::build(status);
        resp.content_type("application/json");
        if self.replayed {
            resp.insert_header(("Idempotent-Replayed", "true"));
        }
        resp.body(self.body)
    }
}

fn replay(r: Record, request_hash: &str) -> Result<Stored, AppError> {
    if r.request_hash != request_hash {
        return Err(AppError::Validation {
            code: "idempotency_key_reused",
            detail: "This Idempotency-Key was used for a different request.".into(),
            errors: vec![],
        });
    }
    if r.status_code == PENDING {
        return Err(in_progress());
    }
    Ok(Stored { status: r.status_code as u16, body: r.response_body, replayed: true })
}

/// The status of a record whose request is still being worked on (the
/// order intake, which answers after its own transaction).
const PENDING: i32 = 0;

/// A pending record older than this belonged to a process that died with
/// it: a retry takes it over (order intake is idempotent on the platform's
/// ids, so running it again is safe).
const ABANDONED_AFTER: Duration = Duration::seconds(60);

fn in_progress() -> AppError {
    AppError::conflict(
        "idempotency_conflict",
        "A request with this Idempotency-Key is being processed; retry.",
    )
}

fn request_hash(req: &HttpRequest, request: &impl Serialize) -> Result<String, AppError> {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(req.path());
    hasher.update(serde_json::to_vec(request).map_err(AppError::internal)?);
    Ok(hex::encode(hasher.finalize()))
}

/// `Idempotency-Key` around work that commits on its own (order intake,
/// written by the intake queue's writers): the key is claimed first (a
/// pending record, its own transaction), the work runs, and its response
/// is stored; a retry replays it. A retry while the first is still working
/// is `409 idempotency_conflict`; a failed first attempt leaves nothing, so
/// that a retry runs anew.
pub async fn around<T, Fut>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    request: &impl Serialize,
    work: Fut,
) -> Result<HttpResponse, AppError>
where
    Fut: std::future::Future<Output = Result<(T, StatusCode), AppError>>,
    T: Serialize,
{
    let Some(key) = key_of(req)? else {
        let (value, status) = work.await?;
        return Ok(HttpResponse::build(status).json(value));
    };
    let (scope, hash) = (caller.scope(), request_hash(req, request)?);
    let (s, k, h) = (scope.clone(), key.clone(), hash.clone());
    let claimed = db::transact(&state.pool, move |tx| {
        db::lock_key(tx, &format!("idempotency\n{s}\n{k}"))?;
        let now = Timestamp::now();
        match lookup(tx, &s, &k)? {
            Some(found) if found.status_code == PENDING && found.created_at < now - ABANDONED_AFTER => {
                if found.request_hash != h {
                    return replay(found, &h).map(Some);
                }
                store::renew(tx, &s, &k, now)?;
                Ok(None)
            }
            Some(found) => replay(found, &h).map(Some),
            None => {
                store::delete(tx, &s, &k)?;
                let pending = Record {
                    scope: s.clone(),
                    idempotency_key: k.clone(),
                    request_hash: h.clone(),
                    status_code: PENDING,
                    response_body: String::new(),
                    created_at: now,
                };
                store::insert(tx, &pending)?;
                Ok(None)
            }
        }
    })
    .await?;
    if let Some(stored) = claimed {
        return Ok(stored.into_response());
    }
    let (s, k) = (scope, key);
    match work.await {
        Ok((value, status)) => {
            let body = serde_json::to_string(&value).map_err(AppError::internal)?;
            let stored = body.clone();
            db::transact(&state.pool, move |tx| {
                store::complete(tx, &s, &k, i32::from(status.as_u16()), &stored)?;
                Ok(())
            })
            .await?;
            Ok(Stored { status: status.as_u16(), body, replayed: false }.into_response())
        }
        Err(e) => {
            // Nothing was done: the key is free for a retry.
            let forget = db::transact(&state.pool, move |tx| {
                store::delete_if_status(tx, &s, &k, PENDING)?;
                Ok(())
            })
            .await;
            if let Err(f) = forget {
                tracing::warn!(error = %f, "could not free an Idempotency-Key after a failed request");
            }
            Err(e)
        }
    }
}

enum Outcome {
    Done(Stored),
    LostRace,
}

/// Runs `work` in one write transaction and answers `status` with its JSON.
/// With an `Idempotency-Key`, the response is recorded in that transaction
/// and replayed for a retry with the same key and the same request.
pub async fn write<T, F>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    request: &impl Serialize,
    status: StatusCode,
    work: F,
) -> Result<HttpResponse, AppError>
where
    F: Fn(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Serialize + Send + 'static,
{
    write_with_status(state, req, caller, request, move |tx| work(tx).map(|v| (v, status))).await
}

/// [`write`] for work that says its own status (201 created, 200 found).
pub async fn write_with_status<T, F>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    request: &impl Serialize,
    work: F,
) -> Result<HttpResponse, AppError>
where
    F: Fn(&mut DbConn) -> Result<(T, StatusCode), AppError> + Send + 'static,
    T: Serialize + Send + 'static,
{
    write_stored(state, req, caller, request, work).await.map(Stored::into_response)
}

/// [`write_with_status`] for a create whose `201` names what it made in
/// `Location`: the `href` of the response body, so that a replayed `201`
/// carries the same header as the first.
pub async fn write_located<T, F>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    request: &impl Serialize,
    work: F,
) -> Result<HttpResponse, AppError>
where
    F: Fn(&mut DbConn) -> Result<(T, StatusCode), AppError> + Send + 'static,
    T: Serialize + Send + 'static,
{
    let stored = write_stored(state, req, caller, request, work).await?;
    let href = (stored.status == StatusCode::CREATED.as_u16())
        .then(|| serde_json::from_str::<serde_json::Value>(&stored.body).ok())
        .flatten()
        .and_then(|v| v.get("href").and_then(|h| h.as_str()).map(str::to_owned));
    let mut resp = stored.into_response();
    if let Some(href) = href {
        let value = actix_web::http::header::HeaderValue::from_str(&href).map_err(AppError::internal)?;
        resp.headers_mut().insert(actix_web::http::header::LOCATION, value);
    }
    Ok(resp)
}

async fn write_stored<T, F>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    request: &impl Serialize,
    work: F,
) -> Result<Stored, AppError>
where
    F: Fn(&mut DbConn) -> Result<(T, StatusCode), AppError> + Send + 'static,
    T: Serialize + Send + 'static,
{
    let Some(key) = key_of(req)? else {
        let (value, status) = db::transact(&state.pool, work).await?;
        let body = serde_json::to_string(&value).map_err(AppError::internal)?;
        return Ok(Stored { status: status.as_u16(), body, replayed: false });
    };
    let scope = caller.scope();
    let request_hash = request_hash(req, request)?;

    let (s, k, h) = (scope.clone(), key.clone(), request_hash.clone());
    let outcome = db::run(&state.pool, move |conn| {
        // Retried on a conflict like every other write (db::transact).
        db::transact_blocking(conn, |tx| {
            // Retries of one key wait for each other: on PostgreSQL with a
            // transaction-scoped advisory lock on the key, on SQLite because
            // BEGIN IMMEDIATE admits one writer at a time.
            db::lock_key(tx, &format!("idempotency\n{s}\n{k}"))?;
            if let Some(found) = lookup(tx, &s, &k)? {
                return replay(found, &h).map(Outcome::Done);
            }
            let (value, status) = work(tx)?;
            let body = serde_json::to_string(&value).map_err(AppError::internal)?;
            // A stale record of an expired key is replaced.
            store::delete(tx, &s, &k)?;
            let record = Record {
                scope: s.clone(),
                idempotency_key: k.clone(),
                request_hash: h.clone(),
                status_code: i32::from(status.as_u16()),
                response_body: body.clone(),
                created_at: Timestamp::now(),
            };
            match store::insert(tx, &record) {
                Ok(_) => Ok(Outcome::Done(Stored { status: status.as_u16(), body, replayed: false })),
                // Another request with this key committed first: undo ours.
                Err(e) if db::is_unique_violation(&e) => Err(AppError::conflict("lost_race", "")),
                Err(e) => Err(e.into()),
            }
        })
        .or_else(|e| match e {
            AppError::Conflict { code: "lost_race", .. } => Ok(Outcome::LostRace),
            e => Err(e),
        })
    })
    .await?;
    match outcome {
        Outcome::Done(stored) => Ok(stored),
        Outcome::LostRace => {
            let found = db::run(&state.pool, move |c| Ok(lookup(c, &scope, &key)?)).await?;
            match found {
                Some(r) => replay(r, &request_hash),
                None => Err(AppError::conflict(
                    "idempotency_conflict",
                    "A request with this Idempotency-Key is being processed; retry.",
                )),
            }
        }
    }
}

/// Drops records past their retention (called by the housekeeping task).
pub fn purge_expired(conn: &mut DbConn) -> QueryResult<usize> {
    store::delete_up_to(conn, Timestamp::now() - RETENTION)
}
