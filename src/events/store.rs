//! Outbox rows and queries: recording (any module, inside its transaction),
//! sequencing and relaying (the single relay), the feed, housekeeping.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use super::EventType;
use crate::db::DbConn;
use crate::db::schema::{event_sequences, outbox, outbox_relay, outbox_state};
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::ids::{AggregateId, EventId, SupplierId};

/// An event to record. Payloads carry ids, document numbers, states and
/// quantities, never a buyer's name, address or phone.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_type: EventType,
    pub aggregate_id: AggregateId,
    /// The document number people use (SKU code, ASN number...): the
    /// CloudEvents `subject`.
    pub document_no: String,
    /// The supplier the document belongs to, if any: a supplier's feed shows
    /// only its own events.
    pub owner: Option<SupplierId>,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: EventId,
    pub position: Option<i64>,
    pub event_type: String,
    pub aggregate_kind: String,
    pub aggregate_id: AggregateId,
    pub document_no: String,
    pub owner_id: Option<SupplierId>,
    pub sequence: i64,
    pub occurred_at: Timestamp,
    pub payload: String,
    pub published_at: Option<Timestamp>,
    pub attempts: i32,
    pub next_attempt_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub parked_at: Option<Timestamp>,
}

/// `base` with the fields of `extra` added (both JSON objects): the common
/// fields of a document's events plus what this one adds.
pub fn merged(mut base: serde_json::Value, extra: serde_json::Value) -> serde_json::Value {
    if let (Some(b), serde_json::Value::Object(extra)) = (base.as_object_mut(), extra) {
        b.extend(extra);
    }
    base
}

/// Records an event in the caller's write transaction and returns its id.
/// Sequence numbers count 1, 2, 3... per aggregate; the row lock on the
/// aggregate's counter orders concurrent changes of one document.
pub fn record(tx: &mut DbConn, event: NewEvent) -> Result<EventId, AppError> {
    let kind = event.event_type.aggregate;
    let counter = event_sequences::table.find((kind, event.aggregate_id));
    let bumped = diesel::update(counter)
        .set(event_sequences::last_sequence.eq(event_sequences::last_sequence + 1))
        .execute(tx)?;
    let sequence = if bumped == 0 {
        diesel::insert_into(event_sequences::table)
            .values((
                event_sequences::aggregate_kind.eq(kind),
                event_sequences::aggregate_id.eq(event.aggregate_id),
                event_sequences::last_sequence.eq(1i64),
            ))
            .execute(tx)?;
        1
    } else {
        counter.select(event_sequences::last_sequence).first(tx)?
    };
    let row = OutboxRow {
        id: EventId::generate(),
        position: None,
        event_type: event.event_type.routing_key(),
        aggregate_kind: kind.to_owned(),
        aggregate_id: event.aggregate_id,
        document_no: event.document_no,
        owner_id: event.owner,
        sequence,
        occurred_at: Timestamp::now(),
        payload: serde_json::to_string(&event.payload).map_err(AppError::internal)?,
        published_at: None,
        attempts: 0,
        next_attempt_at: None,
        last_error: None,
        parked_at: None,
    };
    diesel::insert_into(outbox::table).values(&row).execute(tx)?;
    Ok(row.id)
}

/// Gives committed, unsequenced events their feed positions, in id order
/// but never putting a document's later event before its earlier one: the
/// slots a batch takes in id order are handed to each document's events in
/// sequence order. One statement (window functions and UPDATE ... FROM work
/// alike on PostgreSQL and SQLite). Run by the one active relay only.
/// Returns how many were sequenced.
pub fn assign_positions(tx: &mut DbConn, limit: i64) -> QueryResult<usize> {
    let n = diesel::sql_query(
        "WITH b AS (SELECT id, aggregate_kind AS k, aggregate_id AS a, sequence AS s FROM outbox \
                    WHERE position IS NULL ORDER BY id LIMIT $1), \
              slots AS (SELECT k, a, row_number() OVER (ORDER BY id) AS slot, \
                               row_number() OVER (PARTITION BY k, a ORDER BY id) AS nth FROM b), \
              seqs AS (SELECT id, k, a, row_number() OVER (PARTITION BY k, a ORDER BY s) AS nth FROM b) \
         UPDATE outbox AS o SET position = st.last + slots.slot \
         FROM seqs JOIN slots ON slots.k = seqs.k AND slots.a = seqs.a AND slots.nth = seqs.nth \
              CROSS JOIN (SELECT last_position AS last FROM outbox_state WHERE id = 1) AS st \
         WHERE o.id = seqs.id",
    )
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .execute(tx)?;
    if n > 0 {
        diesel::update(outbox_state::table.find(1))
            .set(outbox_state::last_position.eq(outbox_state::last_position + n as i64))
            .execute(tx)?;
    }
    Ok(n)
}

/// The next events to publish, in feed order: those after `after`, plus the
/// failed events whose retry is due together with the later events of their
/// documents (which waited behind them). Every event of a document behind
/// one that is parked or not yet due is held back.
pub fn claim_batch(conn: &mut DbConn, after: i64, limit: i64, now: Timestamp) -> QueryResult<Vec<OutboxRow>> {
    // Through the partial index `outbox_failed`: only failed events are read.
    type Failed = (String, AggregateId, i64, Option<Timestamp>, Option<Timestamp>);
    let failed: Vec<Failed> = outbox::table
        .filter(outbox::attempts.gt(0))
        .filter(outbox::published_at.is_null())
        .select((
            outbox::aggregate_kind,
            outbox::aggregate_id,
            outbox::sequence,
            outbox::parked_at,
            outbox::next_attempt_at,
        ))
        .load(conn)?;
    let mut first_blocked: HashMap<(String, AggregateId), i64> = HashMap::new();
    let mut due: HashMap<(String, AggregateId), i64> = HashMap::new();
    for (kind, agg, seq, parked, next) in failed {
        let target =
            if parked.is_some() || next.is_some_and(|t| t > now) { &mut first_blocked } else { &mut due };
        let e = target.entry((kind, agg)).or_insert(seq);
        *e = (*e).min(seq);
    }
    let mut rows: Vec<OutboxRow> = outbox::table
        .filter(outbox::position.gt(after))
        .filter(outbox::published_at.is_null())
        .filter(outbox::parked_at.is_null())
        .order(outbox::position)
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?;
    let mut seen: std::collections::HashSet<EventId> = rows.iter().map(|r| r.id).collect();
    for ((kind, agg), from_seq) in due {
        let retry: Vec<OutboxRow> = outbox::table
            .filter(outbox::aggregate_kind.eq(&kind))
            .filter(outbox::aggregate_id.eq(agg))
            .filter(outbox::sequence.ge(from_seq))
            .filter(outbox::published_at.is_null())
            .filter(outbox::position.is_not_null())
            .order(outbox::sequence)
            .limit(limit)
            .select(OutboxRow::as_select())
            .load(conn)?;
        rows.extend(retry.into_iter().filter(|r| seen.insert(r.id)));
    }
    rows.sort_by_key(|r| r.position);
    Ok(rows
        .into_iter()
        .filter(|r| {
            first_blocked
                .get(&(r.aggregate_kind.clone(), r.aggregate_id))
                .is_none_or(|&blocked_from| r.sequence < blocked_from)
        })
        .collect())
}

/// Every event at or below this position is published or has failed (and
/// is then found through `outbox_failed`): the relay reads on after it.
pub fn published_upto(conn: &mut DbConn) -> QueryResult<i64> {
    outbox_relay::table.find(1).select(outbox_relay::published_upto).first(conn)
}

pub fn advance_published_upto(tx: &mut DbConn, position: i64) -> QueryResult<usize> {
    diesel::update(outbox_relay::table.find(1).filter(outbox_relay::published_upto.lt(position)))
        .set(outbox_relay::published_upto.eq(position))
        .execute(tx)
}

/// Lets the current PostgreSQL transaction commit without waiting for its
/// WAL flush. Only for marking events published: if a database crash loses
/// the mark, the events are sent again, which consumers already expect
/// (at least once). SQLite in WAL mode with `synchronous=NORMAL` already
/// commits without a sync.
pub fn relax_commit(tx: &mut DbConn) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match tx {
        DbConn::Pg(pg) => pg.batch_execute("SET LOCAL synchronous_commit = off"),
        DbConn::Sqlite(_) => Ok(()),
    }
}

pub fn mark_published(tx: &mut DbConn, ids: &[EventId], now: Timestamp) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
        .set(outbox::published_at.eq(Some(now)))
        .execute(tx)
}

/// Attempts before a failing event is parked for an admin.
pub const MAX_ATTEMPTS: i32 = 8;

/// Records a failed attempt: retry later with exponential backoff (capped at
/// five minutes), or park the event after [`MAX_ATTEMPTS`].
pub fn mark_failed(tx: &mut DbConn, id: EventId, error: &str, now: Timestamp) -> QueryResult<bool> {
    let attempts: i32 = outbox::table.find(id).select(outbox::attempts).first(tx)?;
    let attempts = attempts + 1;
    let error: String = error.chars().take(1000).collect();
    let parked = attempts >= MAX_ATTEMPTS;
    let backoff = chrono::Duration::seconds((1i64 << attempts.min(8)).min(300));
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(attempts),
            outbox::last_error.eq(Some(error)),
            outbox::next_attempt_at.eq(Some(now + backoff)),
            outbox::parked_at.eq(parked.then_some(now)),
        ))
        .execute(tx)?;
    Ok(parked)
}

/// Parks an event at once (it can never be published as it is, e.g. too large).
pub fn park(tx: &mut DbConn, id: EventId, error: &str, now: Timestamp) -> QueryResult<usize> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(Some(error.to_owned())),
            outbox::parked_at.eq(Some(now)),
        ))
        .execute(tx)
}

/// Puts parked events back in line (all of them, or one).
pub fn retry_parked(tx: &mut DbConn, id: Option<EventId>) -> QueryResult<usize> {
    let mut q = diesel::update(outbox::table).filter(outbox::parked_at.is_not_null()).into_boxed();
    if let Some(id) = id {
        q = q.filter(outbox::id.eq(id));
    }
    // attempts stays above 0: the relay finds failed events through that.
    q.set((
        outbox::parked_at.eq(None::<Timestamp>),
        outbox::next_attempt_at.eq(None::<Timestamp>),
        outbox::attempts.eq(1),
    ))
    .execute(tx)
}

pub fn parked(conn: &mut DbConn) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::attempts.gt(0))
        .filter(outbox::published_at.is_null())
        .filter(outbox::parked_at.is_not_null())
        .order(outbox::position)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Deletes events past retention, oldest positions first, a chunk at a
/// time: published ones by when they were published; when no broker is
/// configured, sequenced ones by age. Returns how many were deleted.
pub fn purge(tx: &mut DbConn, cutoff: Timestamp, broker_configured: bool) -> QueryResult<usize> {
    let oldest: Vec<EventId> = outbox::table
        .filter(outbox::position.is_not_null())
        .order(outbox::position)
        .limit(5000)
        .select(outbox::id)
        .load(tx)?;
    let chunk = outbox::table.filter(outbox::id.eq_any(oldest));
    if broker_configured {
        diesel::delete(chunk.filter(outbox::published_at.lt(cutoff))).execute(tx)
    } else {
        diesel::delete(chunk.filter(outbox::occurred_at.lt(cutoff))).execute(tx)
    }
}

/// Unpublished events and the time the oldest of them happened, counted
/// through indexes only: not yet sequenced, after the relay's mark, failed.
pub fn backlog(conn: &mut DbConn) -> QueryResult<(i64, Option<Timestamp>)> {
    let upto = published_upto(conn)?;
    let unsequenced = outbox::table.filter(outbox::position.is_null());
    let ahead = outbox::table.filter(outbox::position.gt(upto)).filter(outbox::published_at.is_null());
    let failed = outbox::table
        .filter(outbox::attempts.gt(0))
        .filter(outbox::published_at.is_null())
        .filter(outbox::position.le(upto));
    let count: i64 = unsequenced.count().get_result::<i64>(conn)?
        + ahead.count().get_result::<i64>(conn)?
        + failed.count().get_result::<i64>(conn)?;
    let oldest = [
        unsequenced.order(outbox::id).select(outbox::occurred_at).first(conn).optional()?,
        ahead.order(outbox::position).select(outbox::occurred_at).first(conn).optional()?,
        failed.order(outbox::position).select(outbox::occurred_at).first(conn).optional()?,
    ]
    .into_iter()
    .flatten()
    .min();
    Ok((count, oldest))
}

/// The feed: sequenced events after `after`, in order.
pub fn feed(
    conn: &mut DbConn,
    after: i64,
    event_type: Option<&str>,
    owner: Option<SupplierId>,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let mut q = outbox::table
        .filter(outbox::position.gt(after))
        .order(outbox::position)
        .limit(limit)
        .select(OutboxRow::as_select())
        .into_boxed();
    if let Some(t) = event_type {
        q = q.filter(outbox::event_type.eq(t.to_owned()));
    }
    if let Some(o) = owner {
        q = q.filter(outbox::owner_id.eq(o));
    }
    q.load(conn)
}
