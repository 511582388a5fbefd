//! `Idempotency-Key` on POSTs: the first response is stored in the same
//! transaction as the work it reports, so a retried request returns that
//! response and does nothing twice, even when the retry races the original.

use crate::db::types::Timestamp;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::Duration;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::auth::Caller;
use crate::db::schema::idempotency_records as rec;
use crate::db::{self, DbConn};
use crate::error::AppError;

/// How long a stored response is replayed.
pub const RETENTION: Duration = Duration::hours(24);

#[derive(Insertable, Queryable, Selectable)]
#[diesel(table_name = rec)]
struct Record {
    scope: String,
    idempotency_key: String,
    request_hash: String,
    status_code: i32,
    response_body: String,
    created_at: Timestamp,
}

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

fn lookup(conn: &mut DbConn, scope: &str, key: &str) -> QueryResult<Option<Record>> {
    rec::table
        .find((scope, key))
        .filter(rec::created_at.gt(Timestamp::now() - RETENTION))
        .select(Record::as_select())
        .first(conn)
        .optional()
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
    Ok(Stored { status: r.status_code as u16, body: r.response_body, replayed: true })
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
    let Some(key) = key_of(req)? else {
        let value = db::transact(&state.pool, work).await?;
        return Ok(HttpResponse::build(status).json(value));
    };
    let scope = caller.scope();
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(req.path());
    hasher.update(serde_json::to_vec(request).map_err(AppError::internal)?);
    let request_hash = hex::encode(hasher.finalize());

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
            let value = work(tx)?;
            let body = serde_json::to_string(&value).map_err(AppError::internal)?;
            // A stale record of an expired key is replaced.
            diesel::delete(rec::table.find((&s, &k))).execute(tx)?;
            let record = Record {
                scope: s.clone(),
                idempotency_key: k.clone(),
                request_hash: h.clone(),
                status_code: i32::from(status.as_u16()),
                response_body: body.clone(),
                created_at: Timestamp::now(),
            };
            match diesel::insert_into(rec::table).values(&record).execute(tx) {
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
        Outcome::Done(stored) => Ok(stored.into_response()),
        Outcome::LostRace => {
            let found = db::run(&state.pool, move |c| Ok(lookup(c, &scope, &key)?)).await?;
            match found {
                Some(r) => replay(r, &request_hash).map(Stored::into_response),
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
    diesel::delete(rec::table.filter(rec::created_at.le(Timestamp::now() - RETENTION))).execute(conn)
}
