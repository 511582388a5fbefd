//! The event feed for consumers without AMQP (and for replay), and the
//! admin view of parked events.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use super::store::{self, OutboxRow};
use crate::auth::{Caller, Role};
use crate::db;
use crate::db::types::Timestamp;
use crate::error::{AppError, Problem};
use crate::http::ApiCaller;
use crate::http::AppState;
use crate::ids::{AggregateId, EventId, SupplierId};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(feed).service(parked).service(retry);
}

/// One event as the feed shows it (the same facts as the AMQP message).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedEvent {
    pub id: EventId,
    /// Pass as `after` to read on from here.
    pub position: i64,
    /// Routing key form, e.g. `sku.registered`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// CloudEvents type, e.g. `com.custody.sku.registered.v1`.
    pub cloudevents_type: String,
    pub aggregate_kind: String,
    pub aggregate_id: AggregateId,
    /// Document number (CloudEvents `subject`).
    pub subject: String,
    pub owner_id: Option<SupplierId>,
    /// 1, 2, 3... per aggregate: order by it, and a gap means a missed event.
    pub sequence: i64,
    pub time: Timestamp,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<OutboxRow> for FeedEvent {
    fn from(r: OutboxRow) -> Self {
        let cloudevents_type = super::EventType::parse(&r.event_type)
            .map(|t| t.cloudevents_type())
            .unwrap_or_else(|| format!("com.custody.{}.v1", r.event_type));
        Self {
            id: r.id,
            position: r.position.unwrap_or_default(),
            event_type: r.event_type,
            cloudevents_type,
            aggregate_kind: r.aggregate_kind,
            aggregate_id: r.aggregate_id,
            subject: r.document_no,
            owner_id: r.owner_id,
            sequence: r.sequence,
            time: r.occurred_at,
            data: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedPage {
    pub events: Vec<FeedEvent>,
    /// Position of the last event returned (or `after` when none): the next `after`.
    pub next_after: i64,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Events after this position (0 or absent: from the oldest kept).
    pub after: Option<i64>,
    /// Only this type, e.g. `sku.registered`.
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// 1 to 1000 (default 100).
    pub limit: Option<i64>,
}

/// The event feed, in order. A supplier key sees only its own events; staff
/// and the platform see all. Events are kept for the retention period.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(FeedQuery),
    responses((status = 200, body = FeedPage), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/events")]
pub async fn feed(
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<FeedQuery>,
) -> Result<web::Json<FeedPage>, AppError> {
    let q = q.into_inner();
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(AppError::invalid("after", "out_of_range", "must not be negative"));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::invalid("limit", "out_of_range", "must be 1 to 1000"));
    }
    if let Some(t) = &q.event_type
        && super::EventType::parse(t).is_none()
    {
        return Err(AppError::invalid(
            "type",
            "unknown_event_type",
            format!("{t} is not an event type (see docs/EVENTS.md)"),
        ));
    }
    let owner = match caller.0 {
        Caller::Supplier { supplier_id, .. } => Some(supplier_id),
        _ => None,
    };
    let rows =
        db::run(&state.pool, move |c| Ok(store::feed(c, after, q.event_type.as_deref(), owner, limit)?))
            .await?;
    let events: Vec<FeedEvent> = rows.into_iter().map(Into::into).collect();
    let next_after = events.last().map(|e| e.position).unwrap_or(after);
    Ok(web::Json(FeedPage { events, next_after }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ParkedEvent {
    pub id: EventId,
    #[serde(rename = "type")]
    pub event_type: String,
    pub subject: String,
    pub sequence: i64,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub parked_at: Option<Timestamp>,
}

/// Events the relay gave up on after repeated failures; they hold back their
/// document's later events. Admin.
#[utoipa::path(get, path = "/api/v1/events/parked", tag = "events",
    responses((status = 200, body = [ParkedEvent])), security(("bearer" = [])))]
#[get("/events/parked")]
pub async fn parked(
    state: web::Data<AppState>,
    caller: ApiCaller,
) -> Result<web::Json<Vec<ParkedEvent>>, AppError> {
    caller.0.require_staff(Role::Admin)?;
    let rows = db::run(&state.pool, |c| Ok(store::parked(c)?)).await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| ParkedEvent {
                id: r.id,
                event_type: r.event_type,
                subject: r.document_no,
                sequence: r.sequence,
                attempts: r.attempts,
                last_error: r.last_error,
                parked_at: r.parked_at,
            })
            .collect(),
    ))
}

/// Put a parked event back in line for the relay. Admin.
#[utoipa::path(post, path = "/api/v1/events/{id}/retry", tag = "events", params(("id" = uuid::Uuid, Path)),
    responses((status = 204, description = "queued again"), (status = 404, body = Problem)), security(("bearer" = [])))]
#[post("/events/{id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<EventId>,
    _body: crate::http::optional_json::NoBody,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Admin)?;
    let id = id.into_inner();
    let n = db::transact(&state.pool, move |tx| Ok(store::retry_parked(tx, Some(id))?)).await?;
    if n == 0 {
        return Err(AppError::not_found("parked event"));
    }
    Ok(HttpResponse::NoContent().finish())
}
