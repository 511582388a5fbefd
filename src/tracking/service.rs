//! Tracking use cases: a carrier's batch of events, the lost-parcel sweep,
//! claims, a parcel's timeline. Each write runs in the caller's transaction
//! and records its events there.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::domain::{self, ClaimAction, ClaimStatus, Milestone, TrackingStatus};
use super::store::{self, ClaimRow, EventRow, ParcelChange, TrackedParcel};
use crate::catalog::domain::MoneyDto;
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::{AppError, FieldError};
use crate::events::{self, EventType, NewEvent, catalog};
use crate::ids::{AggregateId, ClaimId, OrderId, ParcelId, TrackingEventId};
use crate::inbound::domain::string_enum;
use crate::outbound::exceptions::{self, ExceptionKind, NewException};
use crate::outbound::packing::ParcelStatus;
use crate::values::{self, Errors};

/// Most events in one batch (a batch shares its round trips; beyond this
/// a request holds its locks too long).
pub const MAX_BATCH: usize = 1000;

/// How far ahead of our clock a carrier's event time may be (carriers'
/// clocks and time zones are not ours to trust to the second).
const FUTURE_SLACK_HOURS: i64 = 24;

/// One carrier event as the carrier or aggregator sends it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackingEventInput {
    /// Our tracking number on the parcel's label (e.g. `LX000000012CN`).
    pub tracking_no: String,
    /// Who reports it: the carrier's or aggregator's code (e.g. `usps`, `17track`).
    pub carrier: String,
    /// The raw event code, kept as sent; normalised by the table in
    /// `tracking::domain` (AfterShip tags and subtags, 17TRACK statuses,
    /// Karrio statuses, UPU EDI codes such as `EMI`, our own names).
    pub event_code: String,
    /// When it happened (RFC 3339).
    pub event_time: Timestamp,
    /// Where (a facility or city; no address).
    #[serde(default)]
    pub location: String,
    /// Why, for exceptions (e.g. `address_not_found`, `customs_delay`).
    #[serde(default)]
    pub incident_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackingBatch {
    /// 1 to 1,000 events.
    pub events: Vec<TrackingEventInput>,
}

string_enum!(
    /// What became of one event of a batch.
    ItemResult {
        /// Stored, and applied to its parcel.
        Recorded = "recorded",
        /// Stored already (same tracking number, code and time): nothing changed.
        Duplicate = "duplicate",
        /// Stored for the parcel's timeline, but the parcel is still in the
        /// warehouse (not handed over): it did not move.
        NotHandedOver = "not_handed_over",
        /// No live parcel carries this tracking number: not stored.
        UnknownTrackingNumber = "unknown_tracking_number",
        /// A raw code no vocabulary we know has: not stored.
        UnknownEventCode = "unknown_event_code",
        /// The event time is more than a day ahead of ours: not stored.
        EventInFuture = "event_in_future",
    }
);

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemAnswer {
    /// The event's position in the batch, from 0.
    pub index: usize,
    pub result: ItemResult,
    /// The normalised status, when the code is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TrackingStatus>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchAnswer {
    pub received: usize,
    /// Stored now (`recorded` and `not_handed_over`).
    pub stored: usize,
    pub duplicates: usize,
    /// Not stored: unknown tracking number, unknown code, time in the future.
    pub refused: usize,
    /// One answer per event, in the batch's order.
    pub results: Vec<ItemAnswer>,
}

/// An event of the batch, checked.
struct Item {
    index: usize,
    tracking_no: String,
    carrier: String,
    raw_code: String,
    at: Timestamp,
    location: String,
    reason: Option<String>,
}

/// A tracking number: letters, digits and `-`, 4 to 40, upper case.
fn tracking_no(field: &str, s: &str) -> Result<String, FieldError> {
    let t = s.trim().to_ascii_uppercase();
    if (4..=40).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(t)
    } else {
        Err(FieldError::new(field, "invalid_tracking_no", "must be 4 to 40 letters, digits or '-'"))
    }
}

/// At the microsecond both backends store, so that a repeat compares equal.
fn micros(t: Timestamp) -> Timestamp {
    chrono::DateTime::from_timestamp_micros(t.0.timestamp_micros()).map_or(t, Timestamp)
}

/// Checks every field of every event: one bad field refuses the batch
/// (nothing is stored), naming it (`events[3].tracking_no`).
fn parse(batch: &TrackingBatch) -> Result<Vec<Item>, AppError> {
    if batch.events.is_empty() || batch.events.len() > MAX_BATCH {
        return Err(AppError::invalid("events", "batch_size", format!("1 to {MAX_BATCH} events per batch")));
    }
    let mut errs = Errors(Vec::new());
    let mut items = Vec::with_capacity(batch.events.len());
    for (i, e) in batch.events.iter().enumerate() {
        let f = |n: &str| format!("events[{i}].{n}");
        let t = errs.take(tracking_no(&f("tracking_no"), &e.tracking_no));
        let carrier = errs.take(values::text(&f("carrier"), &e.carrier, 40));
        let code = errs.take(values::text(&f("event_code"), &e.event_code, 60));
        let location = errs.take(values::optional_text(&f("location"), &e.location, 200));
        let reason = errs.take(values::optional_text(
            &f("incident_reason"),
            e.incident_reason.as_deref().unwrap_or(""),
            100,
        ));
        if let (Some(tracking_no), Some(carrier), Some(raw_code), Some(location), Some(reason)) =
            (t, carrier, code, location, reason)
        {
            items.push(Item {
                index: i,
                tracking_no,
                carrier,
                raw_code,
                at: micros(e.event_time),
                location,
                reason: (!reason.is_empty()).then_some(reason),
            });
        }
    }
    errs.finish()?;
    Ok(items)
}

fn status_of(p: &TrackedParcel) -> Result<ParcelStatus, AppError> {
    ParcelStatus::stored(&p.status, || format!("parcel {}", p.parcel_no))
}

fn milestone_of(p: &TrackedParcel) -> Result<Option<Milestone>, AppError> {
    match (&p.milestone_status, p.milestone_at) {
        (Some(s), Some(at)) => {
            let status = TrackingStatus::stored(s, || format!("parcel {}", p.parcel_no))?;
            Ok(Some(Milestone { status, at: at.0 }))
        }
        _ => Ok(None),
    }
}

/// A parcel event: its numbers, plus `extra`. No buyer: the order number
/// is how a consumer finds the rest.
fn parcel_event(
    p: &TrackedParcel,
    order_no: &str,
    event_type: EventType,
    extra: serde_json::Value,
) -> NewEvent {
    NewEvent {
        event_type,
        aggregate_id: AggregateId(p.id.0),
        document_no: p.parcel_no.clone(),
        owner: None,
        payload: events::merged(
            serde_json::json!({
                "parcel_id": p.id, "parcel_no": p.parcel_no, "order_id": p.order_id, "order_no": order_no,
                "tracking_no": p.tracking_no, "channel": p.route,
            }),
            extra,
        ),
    }
}

fn milestone_json(r: &EventRow) -> serde_json::Value {
    serde_json::json!({
        "status": r.status, "event_code": r.raw_code, "carrier": r.carrier, "event_time": r.event_at,
        "location": r.location, "incident_reason": r.incident_reason,
    })
}

/// Takes in a carrier's batch. Every field is checked first (one bad field
/// refuses the batch, nothing stored); then each event is answered on its
/// own: unknown tracking numbers and codes are refused per item, repeats
/// (same tracking number, raw code and time) are duplicates, the rest are
/// stored in one statement. Each parcel's new events are applied in time
/// order under its row lock: its milestone only moves forward
/// ([`Milestone::supersedes`]); a handed-over parcel moves to in transit
/// (`parcel.in_transit`, once), delivered (`parcel.delivered`, and its
/// order completes: `order.delivered`) or returned (final); every new
/// exception and customs hold of a parcel on its way is an event too.
pub fn ingest(tx: &mut DbConn, batch: &TrackingBatch, now: Timestamp) -> Result<BatchAnswer, AppError> {
    let items = parse(batch)?;
    let mut results: Vec<Option<ItemAnswer>> = vec![None; batch.events.len()];
    let answer = |index, result, status| Some(ItemAnswer { index, result, status });

    // Codes and times first: no lookup for what will not be stored.
    let latest = now + chrono::Duration::hours(FUTURE_SLACK_HOURS);
    let mut known = Vec::with_capacity(items.len());
    for it in items {
        match domain::normalise(&it.raw_code) {
            None => results[it.index] = answer(it.index, ItemResult::UnknownEventCode, None),
            Some(n) if it.at > latest => {
                results[it.index] = answer(it.index, ItemResult::EventInFuture, Some(n.status));
            }
            Some(n) => known.push((it, n)),
        }
    }

    // One lookup (and lock) of every parcel the batch names.
    let mut numbers: Vec<String> = known.iter().map(|(it, _)| it.tracking_no.clone()).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let parcels: HashMap<String, TrackedParcel> = store::parcels_by_tracking(tx, &numbers)?
        .into_iter()
        .filter_map(|p| p.tracking_no.clone().map(|t| (t, p)))
        .collect();

    let mut rows = Vec::with_capacity(known.len());
    let mut row_index: HashMap<TrackingEventId, usize> = HashMap::new();
    let mut seen = HashSet::new();
    for (it, n) in known {
        let Some(p) = parcels.get(&it.tracking_no) else {
            results[it.index] = answer(it.index, ItemResult::UnknownTrackingNumber, Some(n.status));
            continue;
        };
        if !seen.insert((it.tracking_no.clone(), it.raw_code.clone(), it.at)) {
            results[it.index] = answer(it.index, ItemResult::Duplicate, Some(n.status));
            continue;
        }
        let reason = it.reason.or_else(|| n.reason.map(str::to_owned));
        let id = TrackingEventId::generate();
        row_index.insert(id, it.index);
        rows.push(EventRow {
            id,
            parcel_id: p.id,
            tracking_no: it.tracking_no,
            carrier: it.carrier,
            raw_code: it.raw_code,
            status: n.status.as_str().to_owned(),
            event_at: it.at,
            location: it.location,
            incident_reason: reason,
            received_at: now,
        });
    }

    let inserted: HashSet<TrackingEventId> = store::insert_new(tx, &rows)?.into_iter().collect();
    let mut fresh: HashMap<ParcelId, Vec<&EventRow>> = HashMap::new();
    for r in &rows {
        let index = row_index[&r.id];
        let status = TrackingStatus::from_db(&r.status);
        if inserted.contains(&r.id) {
            fresh.entry(r.parcel_id).or_default().push(r);
            results[index] = answer(index, ItemResult::Recorded, status);
        } else {
            results[index] = answer(index, ItemResult::Duplicate, status);
        }
    }

    let by_id: HashMap<ParcelId, &TrackedParcel> = parcels.values().map(|p| (p.id, p)).collect();
    let in_warehouse = apply(tx, &by_id, fresh, now)?;
    for r in rows.iter().filter(|r| in_warehouse.contains(&r.parcel_id)) {
        if let Some(a) = results[row_index[&r.id]].as_mut()
            && a.result == ItemResult::Recorded
        {
            a.result = ItemResult::NotHandedOver;
        }
    }
    let results: Vec<ItemAnswer> = results.into_iter().flatten().collect();
    let count = |r: &[ItemResult]| results.iter().filter(|a| r.contains(&a.result)).count();
    Ok(BatchAnswer {
        received: batch.events.len(),
        stored: count(&[ItemResult::Recorded, ItemResult::NotHandedOver]),
        duplicates: count(&[ItemResult::Duplicate]),
        refused: count(&[
            ItemResult::UnknownTrackingNumber,
            ItemResult::UnknownEventCode,
            ItemResult::EventInFuture,
        ]),
        results,
    })
}

/// Applies each parcel's new events (see [`ingest`]); returns the parcels
/// that are still in the warehouse, whose events were only stored.
fn apply(
    tx: &mut DbConn,
    parcels: &HashMap<ParcelId, &TrackedParcel>,
    mut fresh: HashMap<ParcelId, Vec<&EventRow>>,
    now: Timestamp,
) -> Result<HashSet<ParcelId>, AppError> {
    let mut in_warehouse = HashSet::new();
    let mut changes = Vec::new();
    let mut to_record: Vec<(ParcelId, EventType, serde_json::Value)> = Vec::new();
    let mut delivered: Vec<(ParcelId, Timestamp)> = Vec::new();
    let mut ids: Vec<ParcelId> = fresh.keys().copied().collect();
    ids.sort_unstable();
    for id in ids {
        let p = parcels[&id];
        let mut evs = fresh.remove(&id).unwrap_or_default();
        evs.sort_by_key(|r| (r.event_at, r.id));
        let status = status_of(p)?;
        if status.in_warehouse() {
            in_warehouse.insert(id);
            continue;
        }
        if !domain::on_the_way(status) {
            // Delivered or returned: the scan is kept, nothing moves.
            continue;
        }
        let before = milestone_of(p)?;
        let mut m = before;
        let mut moved_by = None;
        for r in evs {
            let st = TrackingStatus::stored(&r.status, || format!("tracking event {}", r.id))?;
            let candidate = Milestone { status: st, at: r.event_at.0 };
            if candidate.supersedes(m.as_ref()) {
                m = Some(candidate);
                moved_by = Some(r);
            }
            match st {
                TrackingStatus::Exception => {
                    to_record.push((id, catalog::PARCEL_EXCEPTION, milestone_json(r)))
                }
                TrackingStatus::CustomsHold => {
                    to_record.push((id, catalog::PARCEL_CUSTOMS_HOLD, milestone_json(r)));
                }
                _ => {}
            }
        }
        let (Some(m), Some(row)) = (m, moved_by) else { continue };
        let next = domain::parcel_after(status, m.status);
        let new_status = next.unwrap_or(status);
        let at = Timestamp(m.at);
        changes.push(ParcelChange {
            id,
            expected: status.as_str().to_owned(),
            status: new_status.as_str().to_owned(),
            milestone_status: Some(m.status.as_str().to_owned()),
            milestone_at: Some(at),
            delivered_at: (new_status == ParcelStatus::Delivered).then_some(at),
        });
        match next {
            Some(ParcelStatus::InTransit) => {
                to_record.push((id, catalog::PARCEL_IN_TRANSIT, milestone_json(row)))
            }
            Some(ParcelStatus::Delivered) => {
                to_record.push((id, catalog::PARCEL_DELIVERED, milestone_json(row)));
                delivered.push((id, at));
            }
            Some(ParcelStatus::ReturnedToSender) => {
                to_record.push((id, catalog::PARCEL_RETURNED_TO_SENDER, milestone_json(row)));
                delivered.push((id, at));
            }
            _ => {}
        }
    }
    if store::apply_changes(tx, &changes, now)? != changes.len() {
        // Under the rows' locks this cannot happen; if it does, nothing of
        // the batch stays and the carrier sends it again.
        return Err(AppError::conflict(
            "parcel_moved",
            "A parcel of the batch moved meanwhile: send it again.",
        ));
    }
    let orders: Vec<OrderId> = to_record.iter().map(|(id, ..)| parcels[id].order_id).collect();
    let numbers = crate::outbound::orders::numbers(tx, &orders)?;
    let order_no = |p: &TrackedParcel| numbers.get(&p.order_id).map(|n| n.0.clone()).unwrap_or_default();
    let batch: Vec<NewEvent> = to_record
        .into_iter()
        .map(|(id, event_type, extra)| {
            let p = parcels[&id];
            parcel_event(p, &order_no(p), event_type, extra)
        })
        .collect();
    events::record_many(tx, batch)?;
    for (id, at) in delivered {
        let p = parcels[&id];
        if changes.iter().any(|c| c.id == id && c.status == ParcelStatus::Delivered.as_str()) {
            let extra = serde_json::json!({
                "parcel_id": p.id, "parcel_no": p.parcel_no, "tracking_no": p.tracking_no, "delivered_at": at,
            });
            crate::outbound::orders::deliver(tx, p.order_id, extra, now)?;
        }
        if p.lost_suspected_at.is_some() {
            exceptions::close_for_parcel(tx, id, "found: the carrier reported it delivered or returned")?;
        }
    }
    Ok(in_warehouse)
}

/// Parcels on their way that had no carrier milestone for their channel's
/// number of days (`lost_after_days` of the version they were routed
/// with), counted from their last milestone or, with none, from their
/// handover: each is marked suspected lost, once, with
/// `parcel.lost_suspected` and an exception for the supervisors' queue.
/// Run by the housekeeping thread with the clock's `now`. Returns how many
/// it marked.
pub fn sweep_lost(tx: &mut DbConn, now: Timestamp) -> Result<usize, AppError> {
    let days = crate::channels::service::lost_after_days(tx)?;
    let mut limits: Vec<i64> = days.values().copied().collect();
    limits.sort_unstable();
    limits.dedup();
    let on_the_way = [ParcelStatus::HandedOver.as_str(), ParcelStatus::InTransit.as_str()];
    let mut marked = 0;
    for d in limits {
        let cutoff = now - chrono::Duration::days(d);
        for p in store::silent_since(tx, &on_the_way, cutoff, 5000)? {
            let (Some(channel), Some(version)) = (p.channel_id, p.channel_version) else { continue };
            if days.get(&(channel, version)) != Some(&d) || !store::suspect_lost(tx, p.id, now)? {
                continue;
            }
            let since = p.milestone_at.or(p.handed_over_at).unwrap_or(p.updated_at);
            let detail = match &p.milestone_status {
                Some(s) => format!("no carrier milestone for {d} days: last {s} at {}", since.0.to_rfc3339()),
                None => format!("no carrier milestone in {d} days since the handover"),
            };
            let exception_id = exceptions::raise(
                tx,
                NewException {
                    kind: ExceptionKind::LostSuspected,
                    order_id: p.order_id,
                    parcel_id: Some(p.id),
                    sku: None,
                    bin_id: None,
                    quantity: 0,
                    detail,
                    actor: "system",
                },
            )?;
            let order_no = crate::outbound::orders::numbers(tx, &[p.order_id])?
                .remove(&p.order_id)
                .map(|n| n.0)
                .unwrap_or_default();
            let extra = serde_json::json!({
                "milestone_status": p.milestone_status, "milestone_at": p.milestone_at,
                "silent_since": since, "lost_after_days": d, "exception_id": exception_id,
            });
            events::record(tx, parcel_event(&p, &order_no, catalog::PARCEL_LOST_SUSPECTED, extra))?;
            marked += 1;
        }
    }
    Ok(marked)
}

/// A parcel found by its parcel number or tracking number (or, as at the
/// pack station, its order number).
fn find_parcel(conn: &mut DbConn, code: &str) -> Result<TrackedParcel, AppError> {
    let id = crate::outbound::packing::find(conn, code)?.ok_or(AppError::not_found("parcel"))?;
    store::parcel(conn, id)?.ok_or(AppError::not_found("parcel"))
}

/// A claim against the carrier, as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Claim {
    pub id: ClaimId,
    pub claim_no: String,
    pub parcel_id: ParcelId,
    pub status: ClaimStatus,
    pub reason: String,
    pub opened_by: String,
    pub opened_at: Timestamp,
    /// What the carrier paid, once settled.
    pub amount: Option<MoneyDto>,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
}

fn claim_view(r: ClaimRow) -> Result<Claim, AppError> {
    Ok(Claim {
        status: ClaimStatus::stored(&r.status, || format!("claim {}", r.claim_no))?,
        amount: r
            .amount_minor
            .zip(r.currency)
            .map(|(amount_minor, currency)| MoneyDto { amount_minor, currency }),
        id: r.id,
        claim_no: r.claim_no,
        parcel_id: r.parcel_id,
        reason: r.reason,
        opened_by: r.opened_by,
        opened_at: r.opened_at,
        note: r.note,
        decided_by: r.decided_by,
        decided_at: r.decided_at,
    })
}

fn claim_event(tx: &mut DbConn, c: &Claim, event_type: EventType) -> Result<(), AppError> {
    let p = store::parcel(tx, c.parcel_id)?.ok_or(AppError::not_found("parcel"))?;
    let order_no = crate::outbound::orders::numbers(tx, &[p.order_id])?
        .remove(&p.order_id)
        .map(|n| n.0)
        .unwrap_or_default();
    events::record(
        tx,
        NewEvent {
            event_type,
            aggregate_id: AggregateId(c.id.0),
            document_no: c.claim_no.clone(),
            owner: None,
            payload: serde_json::json!({
                "claim_id": c.id, "claim_no": c.claim_no, "status": c.status, "reason": c.reason,
                "parcel_id": p.id, "parcel_no": p.parcel_no, "tracking_no": p.tracking_no, "order_no": order_no,
                "channel": p.route, "amount": c.amount, "note": c.note,
            }),
        },
    )?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenClaimInput {
    /// Why (e.g. `lost`, `damaged`: the carrier's words or ours).
    pub reason: String,
}

/// Opens a claim on a parcel the carrier has (handed over, in transit,
/// delivered or returned: not one still in the warehouse); one open claim
/// per parcel.
pub fn open_claim(
    tx: &mut DbConn,
    parcel: &str,
    input: &OpenClaimInput,
    actor: &str,
    now: Timestamp,
) -> Result<Claim, AppError> {
    let reason = values::text("reason", &input.reason, 500).map_err(|e| AppError::validation(vec![e]))?;
    let p = find_parcel(tx, parcel)?;
    crate::db::lock_key(tx, &format!("claim\n{}", p.id))?;
    let status = status_of(&p)?;
    if !status.labelled() || status.in_warehouse() {
        return Err(AppError::conflict(
            "parcel_not_shipped",
            format!("A claim is for a parcel the carrier has: {} is {status}", p.parcel_no),
        ));
    }
    if let Some(open) = store::open_claim_of(tx, p.id)? {
        return Err(AppError::conflict(
            "claim_open",
            format!("A claim is open on the parcel already: {} on {}", open.claim_no, p.parcel_no),
        ));
    }
    let row = ClaimRow {
        id: ClaimId::generate(),
        claim_no: crate::db::docno::next(tx, "CLM")?,
        parcel_id: p.id,
        status: ClaimStatus::Open.as_str().into(),
        reason,
        opened_by: actor.into(),
        opened_at: now,
        amount_minor: None,
        currency: None,
        note: None,
        decided_by: None,
        decided_at: None,
    };
    store::insert_claim(tx, &row)?;
    let claim = claim_view(row)?;
    claim_event(tx, &claim, catalog::CLAIM_OPENED)?;
    Ok(claim)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettleClaimInput {
    /// What the carrier pays: more than zero.
    pub amount: MoneyDto,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectClaimInput {
    /// Why the carrier refused (or the claim was withdrawn).
    pub note: String,
}

pub fn get_claim(conn: &mut DbConn, claim_no: &str) -> Result<Claim, AppError> {
    let row = store::claim_by_no(conn, &claim_no.trim().to_ascii_uppercase())?
        .ok_or(AppError::not_found("claim"))?;
    claim_view(row)
}

pub fn list_claims(
    conn: &mut DbConn,
    status: Option<ClaimStatus>,
    limit: i64,
) -> Result<Vec<Claim>, AppError> {
    store::list_claims(conn, status.map(|s| s.as_str()), limit)?.into_iter().map(claim_view).collect()
}

/// Settles (with an amount) or rejects (with a note) an open claim, once.
fn decide(
    tx: &mut DbConn,
    claim_no: &str,
    action: ClaimAction,
    amount: Option<crate::money::Money>,
    note: Option<String>,
    actor: &str,
    now: Timestamp,
) -> Result<Claim, AppError> {
    let claim = get_claim(tx, claim_no)?;
    let to = claim.status.apply(action).map_err(|s| {
        AppError::conflict(
            "claim_not_open",
            format!("The claim was decided already: {} is {s}", claim.claim_no),
        )
    })?;
    let decision = store::Decision {
        status: to.as_str(),
        amount: amount.as_ref().map(|m| (m.minor(), m.currency().as_str())),
        note: note.as_deref(),
        actor,
        now,
    };
    if !store::decide_claim(tx, claim.id, &decision)? {
        return Err(AppError::conflict(
            "claim_not_open",
            format!("The claim was decided meanwhile: {}", claim.claim_no),
        ));
    }
    let claim = get_claim(tx, &claim.claim_no)?;
    let event = if to == ClaimStatus::Settled { catalog::CLAIM_SETTLED } else { catalog::CLAIM_REJECTED };
    claim_event(tx, &claim, event)?;
    Ok(claim)
}

pub fn settle_claim(
    tx: &mut DbConn,
    claim_no: &str,
    input: &SettleClaimInput,
    actor: &str,
    now: Timestamp,
) -> Result<Claim, AppError> {
    let mut errs = Errors(Vec::new());
    let amount =
        errs.take(crate::money::Money::price("amount", input.amount.amount_minor, &input.amount.currency));
    if input.amount.amount_minor == 0 {
        errs.0.push(FieldError::new("amount.amount_minor", "not_positive", "must be greater than zero"));
    }
    let note = errs.take(values::optional_text("note", &input.note, 500));
    errs.finish()?;
    let note = note.filter(|n| !n.is_empty());
    decide(tx, claim_no, ClaimAction::Settle, amount, note, actor, now)
}

pub fn reject_claim(
    tx: &mut DbConn,
    claim_no: &str,
    input: &RejectClaimInput,
    actor: &str,
    now: Timestamp,
) -> Result<Claim, AppError> {
    let note = values::text("note", &input.note, 500).map_err(|e| AppError::validation(vec![e]))?;
    decide(tx, claim_no, ClaimAction::Reject, None, Some(note), actor, now)
}

/// One step of a parcel's trip.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub at: Timestamp,
    /// `warehouse` (our scans), `carrier` (milestones) or `system`
    /// (suspicions, claims).
    pub source: String,
    /// Warehouse: `packed`, `label_printed`, `bagged`, `bag_closed`,
    /// `customs_accepted`, `customs_rejected` (export customs' answers,
    /// detail: the manifest and reason), `handed_over` (detail: the
    /// manifest);
    /// carrier: the normalised status; system: `lost_suspected`,
    /// `claim_opened`, `claim_settled`, `claim_rejected`.
    pub step: String,
    /// Who, for our scans (`staff:<username>`).
    pub by: Option<String>,
    /// The carrier's raw code, as sent.
    pub event_code: Option<String>,
    pub carrier: Option<String>,
    pub location: Option<String>,
    /// The bag, the label's copy, the incident reason, the claim...
    pub detail: Option<String>,
}

/// A parcel's whole trip: warehouse scans and carrier milestones in time
/// order. No buyer data: the order number leads to the rest.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Timeline {
    pub parcel_id: ParcelId,
    pub parcel_no: String,
    pub order_no: String,
    pub tracking_no: Option<String>,
    /// The channel's code.
    pub channel: Option<String>,
    pub status: ParcelStatus,
    pub milestone_status: Option<TrackingStatus>,
    pub milestone_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub lost_suspected_at: Option<Timestamp>,
    pub entries: Vec<TimelineEntry>,
    pub claims: Vec<Claim>,
}

fn entry(at: Timestamp, source: &str, step: &str) -> TimelineEntry {
    TimelineEntry {
        at,
        source: source.into(),
        step: step.into(),
        by: None,
        event_code: None,
        carrier: None,
        location: None,
        detail: None,
    }
}

/// A parcel's timeline, by parcel number or tracking number, in one read.
pub fn timeline(conn: &mut DbConn, code: &str) -> Result<Timeline, AppError> {
    let p = find_parcel(conn, code)?;
    let order_no = crate::outbound::orders::numbers(conn, &[p.order_id])?
        .remove(&p.order_id)
        .map(|n| n.0)
        .unwrap_or_default();
    let parcel = crate::outbound::packing::get(conn, p.id)?;
    let mut entries = Vec::new();
    if let Some(at) = parcel.packed_at {
        entries
            .push(TimelineEntry { by: Some(parcel.packed_by.clone()), ..entry(at, "warehouse", "packed") });
    }
    for print in crate::outbound::packing::prints(conn, p.id)? {
        entries.push(TimelineEntry {
            by: Some(print.printed_by),
            detail: Some(format!("copy {}", print.copy_no)),
            ..entry(print.printed_at, "warehouse", "label_printed")
        });
    }
    if let Some(bag) = crate::shipping::service::bag_of_parcel(conn, p.id)? {
        entries.push(TimelineEntry {
            by: Some(bag.added_by),
            detail: Some(bag.bag_no.clone()),
            ..entry(bag.added_at, "warehouse", "bagged")
        });
        if let Some(at) = bag.closed_at {
            entries.push(TimelineEntry {
                by: bag.closed_by,
                detail: Some(bag.bag_no),
                ..entry(at, "warehouse", "bag_closed")
            });
        }
    }
    for e in store::events_of(conn, p.id)? {
        entries.push(TimelineEntry {
            event_code: Some(e.raw_code),
            carrier: Some(e.carrier),
            location: (!e.location.is_empty()).then_some(e.location),
            detail: e.incident_reason,
            ..entry(e.event_at, "carrier", &e.status)
        });
    }
    for r in crate::manifests::service::receipts_of_parcel(conn, p.id)? {
        let detail = match r.reason {
            Some(reason) => format!("{}: {reason}", r.manifest_no),
            None => r.manifest_no,
        };
        entries.push(TimelineEntry {
            by: Some(r.recorded_by),
            detail: Some(detail),
            ..entry(r.received_at, "warehouse", &format!("customs_{}", r.status.as_str()))
        });
    }
    if let Some(at) = p.handed_over_at {
        entries.push(TimelineEntry {
            detail: p.handed_over_on.clone(),
            ..entry(at, "warehouse", "handed_over")
        });
    }
    if let Some(at) = p.lost_suspected_at {
        entries.push(entry(at, "system", "lost_suspected"));
    }
    let claims: Vec<Claim> =
        store::claims_of(conn, p.id)?.into_iter().map(claim_view).collect::<Result<_, _>>()?;
    for c in &claims {
        entries.push(TimelineEntry {
            by: Some(c.opened_by.clone()),
            detail: Some(format!("{}: {}", c.claim_no, c.reason)),
            ..entry(c.opened_at, "system", "claim_opened")
        });
        if let Some(at) = c.decided_at {
            let step = if c.status == ClaimStatus::Settled { "claim_settled" } else { "claim_rejected" };
            let detail = match &c.amount {
                Some(m) => format!("{} {} {}", c.claim_no, m.amount_minor, m.currency),
                None => format!("{}: {}", c.claim_no, c.note.clone().unwrap_or_default()),
            };
            entries.push(TimelineEntry {
                by: c.decided_by.clone(),
                detail: Some(detail),
                ..entry(at, "system", step)
            });
        }
    }
    // Stable: same-time steps keep the order they happen in (packed before
    // its label).
    entries.sort_by_key(|e| e.at);
    Ok(Timeline {
        parcel_id: p.id,
        parcel_no: p.parcel_no.clone(),
        order_no,
        tracking_no: p.tracking_no.clone(),
        channel: p.route.clone(),
        status: status_of(&p)?,
        milestone_status: p
            .milestone_status
            .as_deref()
            .map(|s| TrackingStatus::stored(s, || format!("parcel {}", p.parcel_no)))
            .transpose()?,
        milestone_at: p.milestone_at,
        delivered_at: p.delivered_at,
        lost_suspected_at: p.lost_suspected_at,
        entries,
        claims,
    })
}
