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
    use diesel::upsert::excluded;
    // The document's counter, bumped (or started at 1) and read back in one
    // statement.
    let bump = diesel::insert_into(event_sequences::table)
        .values((
            event_sequences::aggregate_kind.eq(event.event_type.aggregate),
            event_sequences::aggregate_id.eq(event.aggregate_id),
            event_sequences::last_sequence.eq(1i64),
        ))
        .on_conflict((event_sequences::aggregate_kind, event_sequences::aggregate_id))
        .do_update()
        .set(
            event_sequences::last_sequence
                .eq(event_sequences::last_sequence + excluded(event_sequences::last_sequence)),
        )
        .returning(event_sequences::last_sequence);
    let sequence: i64 = match tx {
        DbConn::Pg(c) => bump.get_result(c)?,
        DbConn::Sqlite(c) => bump.get_result(c)?,
    };
    insert_event(tx, event, sequence)
}

/// Records many events in the caller's write transaction, each document's
/// in the order given. On PostgreSQL in two statements whatever their
/// number (the documents' counters bumped in one, sorted so that two
/// writers take them in the same order; the rows inserted in the other):
/// a batch of carriers' events shares its round trips. On SQLite one by one.
pub fn record_many(tx: &mut DbConn, events: Vec<NewEvent>) -> Result<(), AppError> {
    use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
    if events.is_empty() {
        return Ok(());
    }
    let DbConn::Pg(pg) = tx else {
        for e in events {
            record(tx, e)?;
        }
        return Ok(());
    };
    let mut counts: std::collections::BTreeMap<(String, uuid::Uuid), i64> = std::collections::BTreeMap::new();
    for e in &events {
        *counts.entry((e.event_type.aggregate.to_owned(), e.aggregate_id.0)).or_default() += 1;
    }
    #[derive(QueryableByName)]
    struct Bumped {
        #[diesel(sql_type = Text)]
        aggregate_kind: String,
        #[diesel(sql_type = SqlUuid)]
        aggregate_id: uuid::Uuid,
        #[diesel(sql_type = BigInt)]
        last_sequence: i64,
    }
    let kinds: Vec<String> = counts.keys().map(|k| k.0.clone()).collect();
    let ids: Vec<uuid::Uuid> = counts.keys().map(|k| k.1).collect();
    let ns: Vec<i64> = counts.values().copied().collect();
    let bumped: Vec<Bumped> = diesel::sql_query(
        "INSERT INTO event_sequences (aggregate_kind, aggregate_id, last_sequence) \
         SELECT * FROM unnest($1, $2, $3) \
         ON CONFLICT (aggregate_kind, aggregate_id) \
         DO UPDATE SET last_sequence = event_sequences.last_sequence + excluded.last_sequence \
         RETURNING aggregate_kind, aggregate_id, last_sequence",
    )
    .bind::<Array<Text>, _>(kinds)
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<BigInt>, _>(ns)
    .load(pg)?;
    // The next sequence of each document: its last minus what this batch adds.
    let mut next: HashMap<(String, uuid::Uuid), i64> = bumped
        .into_iter()
        .map(|b| {
            let n = counts[&(b.aggregate_kind.clone(), b.aggregate_id)];
            ((b.aggregate_kind, b.aggregate_id), b.last_sequence - n + 1)
        })
        .collect();
    let now = Timestamp::now();
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        let key = (e.event_type.aggregate.to_owned(), e.aggregate_id.0);
        let seq = next.get_mut(&key).ok_or_else(|| AppError::internal(anyhow::anyhow!("no counter")))?;
        rows.push(outbox_row(e, *seq, now)?);
        *seq += 1;
    }
    let col = |f: &dyn Fn(&OutboxRow) -> String| rows.iter().map(f).collect::<Vec<String>>();
    diesel::sql_query(
        "INSERT INTO outbox (id, event_type, aggregate_kind, aggregate_id, document_no, owner_id, sequence, \
         occurred_at, payload, attempts) SELECT *, 0 FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind::<Array<SqlUuid>, _>(rows.iter().map(|r| r.id.0).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(col(&|r| r.event_type.clone()))
    .bind::<Array<Text>, _>(col(&|r| r.aggregate_kind.clone()))
    .bind::<Array<SqlUuid>, _>(rows.iter().map(|r| r.aggregate_id.0).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(col(&|r| r.document_no.clone()))
    .bind::<Array<Nullable<SqlUuid>>, _>(rows.iter().map(|r| r.owner_id.map(|o| o.0)).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.sequence).collect::<Vec<_>>())
    .bind::<Array<Timestamptz>, _>(rows.iter().map(|r| r.occurred_at.0).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(col(&|r| r.payload.clone()))
    .execute(pg)?;
    Ok(())
}

fn insert_event(tx: &mut DbConn, event: NewEvent, sequence: i64) -> Result<EventId, AppError> {
    let row = outbox_row(event, sequence, Timestamp::now())?;
    diesel::insert_into(outbox::table).values(&row).execute(tx)?;
    Ok(row.id)
}

/// The outbox row of a new event: number `sequence` of its document,
/// waiting for its feed position and its relay.
pub fn outbox_row(event: NewEvent, sequence: i64, now: Timestamp) -> Result<OutboxRow, AppError> {
    Ok(OutboxRow {
        id: EventId::generate(),
        position: None,
        event_type: event.event_type.routing_key(),
        aggregate_kind: event.event_type.aggregate.to_owned(),
        aggregate_id: event.aggregate_id,
        document_no: event.document_no,
        owner_id: event.owner,
        sequence,
        occurred_at: now,
        payload: serde_json::to_string(&event.payload).map_err(AppError::internal)?,
        published_at: None,
        attempts: 0,
        next_attempt_at: None,
        last_error: None,
        parked_at: None,
    })
}

/// Writes events made with [`outbox_row`] and sets their documents'
/// counters to the last sequence each used (`counters`: kind, document,
/// last sequence), row by row: the set-based writers call this on SQLite.
pub fn insert_rows(
    tx: &mut DbConn,
    rows: &[OutboxRow],
    counters: &[(String, AggregateId, i64)],
) -> QueryResult<()> {
    use diesel::upsert::excluded;
    for row in rows {
        diesel::insert_into(outbox::table).values(row).execute(tx)?;
    }
    for (kind, aggregate, last) in counters {
        let q = diesel::insert_into(event_sequences::table)
            .values((
                event_sequences::aggregate_kind.eq(kind),
                event_sequences::aggregate_id.eq(aggregate),
                event_sequences::last_sequence.eq(last),
            ))
            .on_conflict((event_sequences::aggregate_kind, event_sequences::aggregate_id))
            .do_update()
            .set(event_sequences::last_sequence.eq(excluded(event_sequences::last_sequence)));
        match tx {
            DbConn::Pg(c) => q.execute(c)?,
            DbConn::Sqlite(c) => q.execute(c)?,
        };
    }
    Ok(())
}

/// Gives committed, unsequenced events their feed positions, in id order
/// but never putting a document's later event before its earlier one: the
/// slots a chunk takes in id order are handed to each document's events in
/// sequence order (`feed_positions`). Run by the one active relay only.
/// Returns how many were sequenced.
///
/// The chunk is read through the partial index `outbox_unsequenced` and
/// ordered here, not in SQL: window functions over the chunk (two sorts on
/// text and uuid keys) cost PostgreSQL as much as the update itself, and
/// the sequencer runs beside every writer of events.
pub fn assign_positions(tx: &mut DbConn, limit: i64) -> QueryResult<usize> {
    // The last position first, locked: should a second sequencer ever run,
    // it waits here and reads its chunk once this one has committed (on
    // SQLite the write transaction already admits one writer).
    let last: i64 = match tx {
        DbConn::Pg(pg) => {
            outbox_state::table.find(1).select(outbox_state::last_position).for_update().first(pg)?
        }
        DbConn::Sqlite(_) => outbox_state::table.find(1).select(outbox_state::last_position).first(tx)?,
    };
    let chunk: Vec<(EventId, String, AggregateId, i64)> = outbox::table
        .filter(outbox::position.is_null())
        .order(outbox::id)
        .limit(limit)
        .select((outbox::id, outbox::aggregate_kind, outbox::aggregate_id, outbox::sequence))
        .load(tx)?;
    if chunk.is_empty() {
        return Ok(0);
    }
    let positions = feed_positions(&chunk, last);
    diesel::update(outbox_state::table.find(1))
        .set(outbox_state::last_position.eq(last + chunk.len() as i64))
        .execute(tx)?;
    match tx {
        DbConn::Pg(pg) => {
            // One statement; each row found through the primary key (left
            // to itself, the planner may hash the chunk and scan the whole
            // outbox, which holds every event still kept).
            use diesel::connection::SimpleConnection;
            use diesel::sql_types::{Array, BigInt, Uuid};
            pg.batch_execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")?;
            diesel::sql_query(
                "UPDATE outbox AS o SET position = u.p FROM unnest($1, $2) AS u (id, p) WHERE o.id = u.id",
            )
            .bind::<Array<Uuid>, _>(chunk.iter().map(|e| e.0.0).collect::<Vec<_>>())
            .bind::<Array<BigInt>, _>(&positions)
            .execute(pg)?;
        }
        DbConn::Sqlite(_) => {
            for ((id, ..), position) in chunk.iter().zip(&positions) {
                diesel::update(outbox::table.find(id)).set(outbox::position.eq(position)).execute(tx)?;
            }
        }
    }
    Ok(chunk.len())
}

/// The positions after `last` of a chunk of events (id, document kind,
/// document, sequence) read in id order: the i-th event takes slot
/// `last + i` (from 1), except that the slots of each document's events go
/// to them in sequence order, so that a document's events are fed in the
/// order they happened even if their ids (made by different processes, or
/// clocks) are not.
fn feed_positions(chunk: &[(EventId, String, AggregateId, i64)], last: i64) -> Vec<i64> {
    let mut slots: HashMap<(&str, AggregateId), Vec<usize>> = HashMap::new();
    for (i, (_, kind, document, _)) in chunk.iter().enumerate() {
        slots.entry((kind.as_str(), *document)).or_default().push(i);
    }
    let mut positions = vec![0; chunk.len()];
    for taken in slots.values() {
        let mut by_sequence = taken.clone();
        by_sequence.sort_by_key(|&i| chunk[i].3);
        for (&slot, event) in taken.iter().zip(by_sequence) {
            positions[event] = last + 1 + slot as i64;
        }
    }
    positions
}

/// A part claimed for publishing.
#[derive(Debug, Default)]
pub struct Claim {
    /// The events to send, in feed order.
    pub rows: Vec<OutboxRow>,
    /// Events in the part's range held back behind an earlier event of their
    /// document that failed and is not due yet (or is parked): marked held
    /// when the part settles, so that the relay's mark may pass them.
    pub held: Vec<EventId>,
    /// The highest position the part covers (sent or held): the relay's
    /// mark moves here when the part settles.
    pub upto: Option<i64>,
}

/// Events the relay has sent and not settled yet (or is settling now).
#[derive(Debug, Default)]
pub struct OnTheWay {
    pub ids: std::collections::HashSet<EventId>,
    /// Their documents.
    pub docs: std::collections::HashSet<(String, AggregateId)>,
}

/// The next events to publish, in feed order: those after `after`, plus the
/// events of documents in recovery (a failed event, or events held behind
/// one) whose turn has come. Every event of a document behind one that is
/// parked or not yet due is held back.
///
/// A document in recovery goes out one step at a time, so that a broker
/// that keeps refusing gets one event per document per retry and never a
/// flood of the document's later events: nothing of it is claimed while any
/// of its events is on its way; a refused or returned event is retried
/// alone (its later events follow once it is taken); events that only waited
/// behind it go out together. Events in `on_the_way` are never claimed again.
pub fn claim_batch(
    conn: &mut DbConn,
    after: i64,
    limit: i64,
    on_the_way: &OnTheWay,
    now: Timestamp,
) -> QueryResult<Claim> {
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
    // Per document in recovery, the sequence from which its events wait.
    let mut hold_from: HashMap<(String, AggregateId), i64> = HashMap::new();
    let mut due: HashMap<(String, AggregateId), i64> = HashMap::new();
    for (kind, agg, seq, parked, next) in failed {
        let key = (kind, agg);
        if on_the_way.docs.contains(&key) {
            // Its turn comes once what is on its way is settled.
            hold_from.insert(key, i64::MIN);
            continue;
        }
        let target =
            if parked.is_some() || next.is_some_and(|t| t > now) { &mut hold_from } else { &mut due };
        let e = target.entry(key).or_insert(seq);
        *e = (*e).min(seq);
    }
    // Positions are handed out without gaps, so the next part is the next
    // `limit` positions: a range that costs the same whatever the planner
    // believes about the rows ahead (with a large backlog and stale
    // statistics, an open-ended range read the whole backlog to sort it).
    // Only if that range holds nothing to send is the rest searched.
    let ahead = || {
        outbox::table
            .filter(outbox::position.gt(after))
            .filter(outbox::published_at.is_null())
            .filter(outbox::parked_at.is_null())
            .order(outbox::position)
            .limit(limit)
            .select(OutboxRow::as_select())
    };
    let mut rows: Vec<OutboxRow> = ahead().filter(outbox::position.le(after + limit)).load(conn)?;
    if rows.is_empty() {
        rows = ahead().load(conn)?;
    }
    // The part ends at its last row (or where it started): a retried
    // document's later events beyond it wait for a later part, or the mark
    // would pass events that were not sent. That holds whether the part is
    // full, or the sequencer (which runs beside) gave out more positions
    // after this statement read the part.
    let bound = rows.last().and_then(|r| r.position).unwrap_or(after);
    let mut seen: std::collections::HashSet<EventId> = rows.iter().map(|r| r.id).collect();
    seen.extend(on_the_way.ids.iter().copied());
    for (key, from_seq) in due {
        if hold_from.get(&key).is_some_and(|&h| h <= from_seq) {
            continue;
        }
        let retry: Vec<OutboxRow> = outbox::table
            .filter(outbox::aggregate_kind.eq(&key.0))
            .filter(outbox::aggregate_id.eq(key.1))
            .filter(outbox::sequence.ge(from_seq))
            .filter(outbox::published_at.is_null())
            .filter(outbox::position.is_not_null())
            .filter(outbox::position.le(bound))
            .order(outbox::sequence)
            .limit(limit)
            .select(OutboxRow::as_select())
            .load(conn)?;
        let Some(head) = retry.first() else { continue };
        // A refused or returned event goes alone; events that only waited
        // behind an event now published go together.
        let alone = head.next_attempt_at.is_some();
        if alone {
            let after_head = head.sequence + 1;
            let e = hold_from.entry(key).or_insert(after_head);
            *e = (*e).min(after_head);
        }
        let take = if alone { 1 } else { retry.len() };
        rows.extend(retry.into_iter().take(take).filter(|r| seen.insert(r.id)));
    }
    rows.sort_by_key(|r| r.position);
    let upto = rows.iter().filter_map(|r| r.position).max();
    let (rows, blocked): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| {
        hold_from.get(&(r.aggregate_kind.clone(), r.aggregate_id)).is_none_or(|&from| r.sequence < from)
    });
    let held = blocked.into_iter().filter(|r| r.attempts == 0).map(|r| r.id).collect();
    Ok(Claim { rows, held, upto })
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

/// Marks events published one by one. The relay's mark (`published_upto`)
/// already says so for every event at or below it that never failed, so
/// only retried events, and events of a part whose mark cannot move (its
/// other confirms were lost), are marked this way.
pub fn mark_published(tx: &mut DbConn, ids: &[EventId], now: Timestamp) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
        .set(outbox::published_at.eq(Some(now)))
        .execute(tx)
}

/// Marks events that waited behind an earlier, failed event of their
/// document as failed too (one attempt, due at once), so that the relay's
/// mark may pass them: they are found through `outbox_failed` and go out
/// right after the event they wait for.
pub fn mark_held(tx: &mut DbConn, ids: &[EventId]) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(ids)).filter(outbox::attempts.eq(0)))
        .set((
            outbox::attempts.eq(1),
            outbox::last_error.eq(Some("waiting behind an earlier event of its document")),
        ))
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

/// Records a refusal (a nack: the broker could not take the event now, e.g.
/// a full queue): retry with exponential backoff capped at thirty seconds,
/// for as long as it takes. Never parked: nothing is wrong with the event.
pub fn mark_refused(tx: &mut DbConn, id: EventId, error: &str, now: Timestamp) -> QueryResult<bool> {
    let attempts: i32 = outbox::table.find(id).select(outbox::attempts).first(tx)?;
    let attempts = attempts.saturating_add(1);
    let backoff = chrono::Duration::milliseconds((500i64 << (attempts.clamp(1, 7) - 1)).min(30_000));
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(attempts),
            outbox::last_error.eq(Some(error.chars().take(1000).collect::<String>())),
            outbox::next_attempt_at.eq(Some(now + backoff)),
        ))
        .execute(tx)?;
    Ok(false)
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
/// time. With a broker: published events, by when they happened (an event
/// at or below the relay's mark that never failed is published) or, for
/// events marked one by one, by when they were published. Without one:
/// sequenced events by age. Returns how many were deleted.
pub fn purge(tx: &mut DbConn, cutoff: Timestamp, broker_configured: bool) -> QueryResult<usize> {
    let oldest: Vec<EventId> = outbox::table
        .filter(outbox::position.is_not_null())
        .order(outbox::position)
        .limit(5000)
        .select(outbox::id)
        .load(tx)?;
    let chunk = outbox::table.filter(outbox::id.eq_any(oldest));
    if broker_configured {
        let upto = published_upto(tx)?;
        let by_mark =
            outbox::position.le(upto).and(outbox::attempts.eq(0)).and(outbox::occurred_at.lt(cutoff));
        diesel::delete(chunk.filter(by_mark.or(outbox::published_at.lt(cutoff)))).execute(tx)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documents_events_take_its_slots_in_sequence_order() {
        let (a, b) = (AggregateId(uuid::Uuid::now_v7()), AggregateId(uuid::Uuid::now_v7()));
        let event = |kind: &str, doc, seq| (EventId(uuid::Uuid::now_v7()), kind.to_owned(), doc, seq);
        // In id order: a#2, b#1, a#1, b#2 and a#3 of another kind with a's id.
        let chunk = vec![
            event("order", a, 2),
            event("order", b, 1),
            event("order", a, 1),
            event("order", b, 2),
            event("sku", a, 3),
        ];
        // a takes slots 1 and 3 (#1 first), b 2 and 4, the SKU its own 5.
        assert_eq!(feed_positions(&chunk, 100), vec![103, 102, 101, 104, 105]);
        assert_eq!(feed_positions(&chunk[1..2], 0), vec![1]);
        assert!(feed_positions(&[], 7).is_empty());
    }
}

/// The relay lease: who publishes now, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lease {
    /// Held by the caller until the deadline it asked for; `fresh` when it
    /// was taken now (not renewed), with the new epoch.
    Held {
        epoch: i64,
        fresh: bool,
    },
    NotHeld,
}

/// Renews the relay lease for `holder`, or takes it if it has run out:
/// one statement each, in one transaction. Another holder's live lease is
/// left alone.
pub fn take_lease(tx: &mut DbConn, holder: &str, now: Timestamp, until: Timestamp) -> QueryResult<Lease> {
    use crate::db::schema::relay_lease as l;
    let renewed = diesel::update(l::table.find(1).filter(l::holder.eq(holder)))
        .set(l::expires_at.eq(until))
        .execute(tx)?;
    if renewed == 1 {
        let epoch = l::table.find(1).select(l::epoch).first(tx)?;
        return Ok(Lease::Held { epoch, fresh: false });
    }
    let taken = diesel::update(l::table.find(1).filter(l::expires_at.lt(now)))
        .set((l::holder.eq(holder), l::expires_at.eq(until), l::epoch.eq(l::epoch + 1)))
        .execute(tx)?;
    if taken == 1 {
        let epoch = l::table.find(1).select(l::epoch).first(tx)?;
        return Ok(Lease::Held { epoch, fresh: true });
    }
    Ok(Lease::NotHeld)
}

/// Gives the lease up at once (a graceful stop): a standby takes over
/// without waiting for it to run out.
pub fn release_lease(tx: &mut DbConn, holder: &str) -> QueryResult<usize> {
    use crate::db::schema::relay_lease as l;
    diesel::update(l::table.find(1).filter(l::holder.eq(holder)))
        .set(l::expires_at.eq(Timestamp(chrono::DateTime::UNIX_EPOCH)))
        .execute(tx)
}

/// Who holds the lease and until when (for tests and operators).
pub fn lease(conn: &mut DbConn) -> QueryResult<(String, i64, Timestamp)> {
    use crate::db::schema::relay_lease as l;
    l::table.find(1).select((l::holder, l::epoch, l::expires_at)).first(conn)
}
