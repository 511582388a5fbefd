//! The sort station and bags: a parcel scanned is told its bag (the open
//! bag of its channel and destination); a parcel scanned into another
//! channel's or destination's bag is refused, loudly; a bag is closed with
//! its weight, and held when the weight does not match its parcels.

use serde::{Deserialize, Serialize};

use super::domain::{self, BagStatus};
use super::store::{self, BagParcelRow, BagRow};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, BagId, ParcelId};
use crate::outbound::packing::{self, Parcel, ParcelStatus};

/// A bag as the sort station and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Bag {
    pub id: BagId,
    pub bag_no: String,
    /// The channel's code.
    pub channel: String,
    pub destination: String,
    pub status: BagStatus,
    pub parcel_count: i32,
    /// The parcels as weighed at the pack station.
    pub parcels_weight_g: i64,
    /// What the bag should weigh: its parcels plus the sack.
    pub expected_weight_g: i64,
    /// As weighed at closing.
    pub weight_g: Option<i32>,
    pub tolerance_g: Option<i32>,
    pub hold_reason: Option<String>,
    pub opened_by: String,
    pub opened_at: Timestamp,
    pub closed_by: Option<String>,
    pub closed_at: Option<Timestamp>,
}

/// A parcel in a bag.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BaggedParcel {
    pub parcel_id: ParcelId,
    pub parcel_no: String,
    pub tracking_no: Option<String>,
    pub weight_g: i32,
    pub added_by: String,
    pub added_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BagDetail {
    #[serde(flatten)]
    pub bag: Bag,
    pub parcels: Vec<BaggedParcel>,
}

fn status_of(r: &BagRow) -> Result<BagStatus, AppError> {
    BagStatus::stored(&r.status, || format!("bag {}", r.bag_no))
}

fn view(conn: &mut DbConn, r: BagRow) -> Result<Bag, AppError> {
    let channel = crate::channels::service::code_of(conn, r.channel_id)?;
    view_as(r, channel)
}

/// The bag, its channel's code known already.
fn view_as(r: BagRow, channel: String) -> Result<Bag, AppError> {
    Ok(Bag {
        status: status_of(&r)?,
        expected_weight_g: domain::expected_weight_g(r.parcels_weight_g),
        id: r.id,
        bag_no: r.bag_no,
        channel,
        destination: r.destination,
        parcel_count: r.parcel_count,
        parcels_weight_g: r.parcels_weight_g,
        weight_g: r.weight_g,
        tolerance_g: r.tolerance_g,
        hold_reason: r.hold_reason,
        opened_by: r.opened_by,
        opened_at: r.opened_at,
        closed_by: r.closed_by,
        closed_at: r.closed_at,
    })
}

/// The bag as it is now.
fn reread(conn: &mut DbConn, id: BagId) -> Result<Bag, AppError> {
    let row = store::by_id(conn, id)?.ok_or(AppError::not_found("bag"))?;
    view(conn, row)
}

/// A bag by its number (as scanned: `BAG-...`) or id.
fn find(conn: &mut DbConn, code: &str) -> Result<BagRow, AppError> {
    let code = code.trim();
    let found = match code.parse::<uuid::Uuid>() {
        Ok(id) => store::by_id(conn, BagId(id))?,
        Err(_) => store::by_no(conn, &code.to_ascii_uppercase())?,
    };
    found.ok_or_else(|| AppError::invalid("bag", "unknown_bag", format!("No bag has the label {code}.")))
}

/// The bag, locked for a change (two clerks on one bag take turns).
fn locked(tx: &mut DbConn, code: &str) -> Result<BagRow, AppError> {
    let id = find(tx, code)?.id;
    crate::db::lock_key(tx, &format!("bag\n{id}"))?;
    store::by_id(tx, id)?.ok_or(AppError::not_found("bag"))
}

pub fn get(conn: &mut DbConn, code: &str) -> Result<BagDetail, AppError> {
    let r = find(conn, code)?;
    let rows = store::parcels(conn, r.id)?;
    let ids: Vec<ParcelId> = rows.iter().map(|p| p.parcel_id).collect();
    let mut numbers = packing::numbers(conn, &ids)?;
    let mut parcels = Vec::with_capacity(rows.len());
    for p in rows {
        let (parcel_no, tracking_no) = numbers.remove(&p.parcel_id).ok_or(AppError::not_found("parcel"))?;
        parcels.push(BaggedParcel {
            parcel_id: p.parcel_id,
            parcel_no,
            tracking_no,
            weight_g: p.weight_g,
            added_by: p.added_by,
            added_at: p.added_at,
        });
    }
    Ok(BagDetail { bag: view(conn, r)?, parcels })
}

/// A bag by what was scanned (its label) or its id, without its parcels.
pub fn lookup(conn: &mut DbConn, code: &str) -> Result<Bag, AppError> {
    let r = find(conn, code)?;
    view(conn, r)
}

/// These bags, in no particular order (a manifest's).
pub fn by_ids(conn: &mut DbConn, ids: &[BagId]) -> Result<Vec<Bag>, AppError> {
    store::by_ids(conn, ids)?.into_iter().map(|r| view(conn, r)).collect()
}

/// The parcels in these bags: bag, parcel, weight at the pack station.
pub fn parcels_in(conn: &mut DbConn, bags: &[BagId]) -> Result<Vec<(BagId, ParcelId, i32)>, AppError> {
    Ok(store::parcels_in(conn, bags)?.into_iter().map(|r| (r.bag_id, r.parcel_id, r.weight_g)).collect())
}

/// The bag a parcel is in, if any.
pub fn bag_of(conn: &mut DbConn, parcel: ParcelId) -> Result<Option<BagId>, AppError> {
    Ok(store::bag_of(conn, parcel)?)
}

/// Takes a parcel out of a bag whatever the bag's state (customs rejected
/// it after the bag was closed): the bag's count and parcels' weight drop
/// with it; the weight the bag was closed with stays as it was weighed.
/// `false` if it was not in the bag.
pub fn pull_parcel(tx: &mut DbConn, bag: BagId, parcel: ParcelId, now: Timestamp) -> Result<bool, AppError> {
    crate::db::lock_key(tx, &format!("bag\n{bag}"))?;
    Ok(store::remove_parcel(tx, bag, parcel, now)?)
}

pub fn list(conn: &mut DbConn, status: Option<BagStatus>, limit: i64) -> Result<Vec<Bag>, AppError> {
    store::list(conn, status.map(|s| s.as_str()), limit)?.into_iter().map(|r| view(conn, r)).collect()
}

/// A parcel's bag, for its timeline: the bag's number, when and by whom
/// the parcel went in, and when the bag was closed (if it is).
#[derive(Debug, Clone)]
pub struct ParcelBag {
    pub bag_no: String,
    pub added_by: String,
    pub added_at: Timestamp,
    pub closed_by: Option<String>,
    pub closed_at: Option<Timestamp>,
}

pub fn bag_of_parcel(conn: &mut DbConn, parcel: ParcelId) -> Result<Option<ParcelBag>, AppError> {
    Ok(store::parcel_in_bag(conn, parcel)?.map(|(p, b)| {
        let closed = b.status == BagStatus::Closed.as_str();
        ParcelBag {
            bag_no: b.bag_no,
            added_by: p.added_by,
            added_at: p.added_at,
            closed_by: b.closed_by.filter(|_| closed),
            closed_at: b.closed_at.filter(|_| closed),
        }
    }))
}

/// A parcel found by what the sort clerk scanned: its tracking number, or
/// its parcel number.
fn parcel_scanned(conn: &mut DbConn, code: &str) -> Result<Parcel, AppError> {
    let Some(id) = packing::find(conn, code)? else {
        return Err(unknown_parcel(code));
    };
    packing::get(conn, id)
}

fn unknown_parcel(code: &str) -> AppError {
    AppError::invalid(
        "parcel",
        "unknown_parcel",
        format!("No parcel has the label {}. Scan the tracking number on its label.", code.trim()),
    )
}

/// What the sort station answers to a parcel scan.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SortAnswer {
    pub parcel_id: ParcelId,
    pub parcel_no: String,
    pub tracking_no: Option<String>,
    pub channel: String,
    pub destination: String,
    /// The open bag of its channel and destination; none: open one.
    pub bag: Option<Bag>,
}

/// Where a scanned parcel goes. Only packed parcels are sorted: a held or
/// unpacked parcel, or one already in a bag, is refused with what it is.
/// Two statements when the parcel is sortable (the parcel with its
/// destination, the open bag): it answers every scan at the station.
pub fn sort_scan(conn: &mut DbConn, code: &str) -> Result<SortAnswer, AppError> {
    let Some(p) = packing::labelled(conn, code)? else {
        return Err(unknown_parcel(code));
    };
    check_sortable(conn, p.id, &p.parcel_no, p.status)?;
    let channel =
        p.channel_id.ok_or_else(|| AppError::internal(anyhow::anyhow!("parcel {} unrouted", p.parcel_no)))?;
    let route = p.route.unwrap_or_default();
    let bag = store::open_for(conn, channel, &p.destination_country)?
        .map(|b| view_as(b, route.clone()))
        .transpose()?;
    Ok(SortAnswer {
        parcel_id: p.id,
        parcel_no: p.parcel_no,
        tracking_no: p.tracking_no,
        channel: route,
        destination: p.destination_country,
        bag,
    })
}

fn check_sortable(
    conn: &mut DbConn,
    id: ParcelId,
    parcel_no: &str,
    status: ParcelStatus,
) -> Result<(), AppError> {
    match status {
        ParcelStatus::Packed => Ok(()),
        ParcelStatus::Bagged => {
            let bag = match store::bag_of(conn, id)? {
                Some(b) => store::by_id(conn, b)?.map(|b| b.bag_no).unwrap_or_default(),
                None => String::new(),
            };
            Err(AppError::conflict(
                "already_bagged",
                format!("The parcel is in a bag already: {parcel_no} → {bag}"),
            ))
        }
        other => Err(AppError::conflict(
            "parcel_not_packed",
            format!("Only packed, labelled parcels are sorted: {parcel_no} is {other}"),
        )),
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenBagInput {
    /// A parcel of the bag's channel and destination (scanned), or give
    /// `channel` and `destination`.
    #[serde(default)]
    pub parcel: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub destination: Option<String>,
}

/// Opens the bag of a channel and destination, or answers the one open
/// already (`false`): there is one open bag per channel and destination.
pub fn open_bag(
    tx: &mut DbConn,
    input: &OpenBagInput,
    actor: &str,
    now: Timestamp,
) -> Result<(Bag, bool), AppError> {
    let (channel, destination) = match (&input.parcel, &input.channel, &input.destination) {
        (Some(code), None, None) => {
            let p = parcel_scanned(tx, code)?;
            let channel = p.channel_id.ok_or(AppError::not_found("channel"))?;
            (channel, p.destination_country)
        }
        (None, Some(c), Some(d)) => {
            let (channel, _) = crate::channels::service::get(tx, c)?;
            let d = crate::values::CountryCode::parse("destination", d)
                .map_err(|e| AppError::validation(vec![e]))?;
            (channel.id, d.as_str().to_owned())
        }
        _ => {
            return Err(AppError::invalid(
                "parcel",
                "required",
                "Give a parcel of the bag, or its channel and destination.",
            ));
        }
    };
    crate::db::lock_key(tx, &format!("bag-open\n{channel}\n{destination}"))?;
    if let Some(open) = store::open_for(tx, channel, &destination)? {
        return Ok((view(tx, open)?, false));
    }
    let row = BagRow {
        id: BagId::generate(),
        bag_no: crate::db::docno::next(tx, "BAG")?,
        channel_id: channel,
        destination,
        status: BagStatus::Open.as_str().into(),
        parcel_count: 0,
        parcels_weight_g: 0,
        weight_g: None,
        tolerance_g: None,
        hold_reason: None,
        opened_by: actor.into(),
        opened_at: now,
        closed_by: None,
        closed_at: None,
        updated_at: now,
    };
    store::insert(tx, &row)?;
    Ok((view(tx, row)?, true))
}

fn record(
    tx: &mut DbConn,
    bag: &Bag,
    event: crate::events::EventType,
    extra: serde_json::Value,
) -> Result<(), AppError> {
    let mut payload = serde_json::json!({
        "bag_id": bag.id, "bag_no": bag.bag_no, "channel": bag.channel, "destination": bag.destination,
        "status": bag.status, "parcel_count": bag.parcel_count, "parcels_weight_g": bag.parcels_weight_g,
    });
    if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    events::record(
        tx,
        NewEvent {
            event_type: event,
            aggregate_id: AggregateId(bag.id.0),
            document_no: bag.bag_no.clone(),
            owner: None,
            payload,
        },
    )?;
    Ok(())
}

/// A parcel scanned into a bag. The bag must be open and of the parcel's
/// channel and destination: anything else is refused and changes nothing.
pub fn add_parcel(
    tx: &mut DbConn,
    bag_code: &str,
    parcel_code: &str,
    actor: &str,
    now: Timestamp,
) -> Result<Bag, AppError> {
    let bag = locked(tx, bag_code)?;
    let p = parcel_scanned(tx, parcel_code)?;
    if status_of(&bag)? != BagStatus::Open {
        return Err(AppError::conflict(
            "bag_not_open",
            format!("Scan the parcel into an open bag: {} is {}", bag.bag_no, bag.status),
        ));
    }
    check_sortable(tx, p.id, &p.parcel_no, p.status)?;
    let channel = crate::channels::service::code_of(tx, bag.channel_id)?;
    if p.channel_id != Some(bag.channel_id) || p.destination_country != bag.destination {
        return Err(AppError::conflict(
            "wrong_bag",
            format!(
                "Put it in the bag of its own channel and destination: parcel {} goes {} → {}, bag {} is {} → {}",
                p.parcel_no,
                p.route.clone().unwrap_or_default(),
                p.destination_country,
                bag.bag_no,
                channel,
                bag.destination
            ),
        ));
    }
    if !packing::set_bagged(tx, p.id, true)? {
        return Err(AppError::conflict(
            "parcel_moved",
            format!("The parcel was moved meanwhile, scan it again: {}", p.parcel_no),
        ));
    }
    let weight = p.weight_g.unwrap_or(0);
    store::add_parcel(
        tx,
        &BagParcelRow {
            bag_id: bag.id,
            parcel_id: p.id,
            weight_g: weight,
            added_by: actor.into(),
            added_at: now,
        },
    )?;
    let out = reread(tx, bag.id)?;
    events::record(
        tx,
        NewEvent {
            event_type: catalog::PARCEL_BAGGED,
            aggregate_id: AggregateId(p.id.0),
            document_no: p.parcel_no.clone(),
            owner: None,
            payload: serde_json::json!({
                "parcel_id": p.id, "parcel_no": p.parcel_no, "order_no": p.order_no, "tracking_no": p.tracking_no,
                "bag_id": out.id, "bag_no": out.bag_no, "channel": out.channel, "destination": out.destination,
                "weight_g": weight,
            }),
        },
    )?;
    Ok(out)
}

/// Takes a parcel out of an open bag (sorted by mistake): back to packed.
pub fn remove_parcel(
    tx: &mut DbConn,
    bag_code: &str,
    parcel_code: &str,
    now: Timestamp,
) -> Result<Bag, AppError> {
    let bag = locked(tx, bag_code)?;
    let p = parcel_scanned(tx, parcel_code)?;
    if status_of(&bag)? != BagStatus::Open {
        return Err(AppError::conflict(
            "bag_not_open",
            format!("The bag is not open: {} is {}", bag.bag_no, bag.status),
        ));
    }
    if !store::remove_parcel(tx, bag.id, p.id, now)? {
        return Err(AppError::conflict(
            "not_in_bag",
            format!("The parcel is not in this bag: {} ∉ {}", p.parcel_no, bag.bag_no),
        ));
    }
    packing::set_bagged(tx, p.id, false)?;
    reread(tx, bag.id)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBagInput {
    /// The bag on the scale, grams.
    pub weight_g: i64,
}

/// Closes a bag with its weight: within the tolerance of its parcels plus
/// the sack it is `closed` (`bag.closed`); outside it is `held`
/// (`bag.weight_held`) for a supervisor, because a parcel taken out
/// between the pack station and the bag is how goods go missing.
pub fn close_bag(
    tx: &mut DbConn,
    bag_code: &str,
    input: &CloseBagInput,
    actor: &str,
    now: Timestamp,
) -> Result<Bag, AppError> {
    let weight = crate::values::positive_i32("weight_g", input.weight_g, 1_000_000)
        .map_err(|e| AppError::validation(vec![e]))?;
    let bag = locked(tx, bag_code)?;
    if status_of(&bag)? != BagStatus::Open {
        return Err(AppError::conflict(
            "bag_not_open",
            format!("The bag is not open: {} is {}", bag.bag_no, bag.status),
        ));
    }
    if bag.parcel_count == 0 {
        return Err(AppError::conflict("bag_empty", format!("The bag has no parcels: {}", bag.bag_no)));
    }
    let expected = domain::expected_weight_g(bag.parcels_weight_g);
    let tolerance = domain::tolerance_g(expected);
    let matches = domain::weight_matches(bag.parcels_weight_g, i64::from(weight));
    let reason = (!matches).then(|| {
        format!("weighed {weight} g, expected {expected} g ± {tolerance} g ({} parcels)", bag.parcel_count)
    });
    let status = if matches { BagStatus::Closed } else { BagStatus::Held };
    let tolerance = i32::try_from(tolerance).unwrap_or(i32::MAX);
    let weighing = store::Weighing {
        status: status.as_str(),
        weight_g: weight,
        tolerance_g: tolerance,
        hold_reason: reason.as_deref(),
        actor,
        now,
    };
    store::weighed(tx, bag.id, &weighing)?;
    let out = reread(tx, bag.id)?;
    let event = if matches { catalog::BAG_CLOSED } else { catalog::BAG_WEIGHT_HELD };
    record(
        tx,
        &out,
        event,
        serde_json::json!({"weight_g": weight, "expected_weight_g": expected, "tolerance_g": tolerance}),
    )?;
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BagDecision {
    /// The bag is right as weighed (e.g. a heavier sack): closed.
    Accept,
    /// Open it again to check every parcel (scan out, scan in), then close
    /// and weigh again.
    Reopen,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBagInput {
    pub action: BagDecision,
    pub note: String,
}

/// A supervisor's decision on a held bag, with a note.
pub fn resolve_hold(
    tx: &mut DbConn,
    bag_code: &str,
    input: &ResolveBagInput,
    actor: &str,
    now: Timestamp,
) -> Result<Bag, AppError> {
    let note = crate::values::text("note", &input.note, 500).map_err(|e| AppError::validation(vec![e]))?;
    let bag = locked(tx, bag_code)?;
    if status_of(&bag)? != BagStatus::Held {
        return Err(AppError::conflict(
            "bag_not_held",
            format!("The bag is not held: {} is {}", bag.bag_no, bag.status),
        ));
    }
    let to = match input.action {
        BagDecision::Accept => BagStatus::Closed,
        BagDecision::Reopen => {
            if let Some(other) = store::open_for(tx, bag.channel_id, &bag.destination)? {
                return Err(AppError::conflict(
                    "another_bag_open",
                    format!(
                        "Another bag is open for the same channel and destination, close it first: {}",
                        other.bag_no
                    ),
                ));
            }
            BagStatus::Open
        }
    };
    store::set_status(tx, bag.id, to.as_str(), now)?;
    let out = reread(tx, bag.id)?;
    let event = if to == BagStatus::Closed { catalog::BAG_CLOSED } else { catalog::BAG_REOPENED };
    record(tx, &out, event, serde_json::json!({"decided_by": actor, "note": note}))?;
    Ok(out)
}

#[derive(askama::Template)]
#[template(path = "labels/bag.html")]
struct BagLabelHtml<'a> {
    bag: &'a Bag,
    warehouse: &'a str,
    svg: String,
}

/// The bag's label (100 × 150 mm): its number as a Code 128, channel and
/// destination large; a print-ready page or ZPL.
pub fn label(bag: &Bag, warehouse: &str, format: crate::labels::LabelFormat) -> Result<String, AppError> {
    use crate::labels::{LabelFormat, code128_svg, render_html, zpl_text};
    Ok(match format {
        LabelFormat::Zpl => format!(
            "^XA^CI28\n^FO40,40^A0N,40,40^FD{wh} {ch} -> {dest}^FS\n^FO40,110^BY3^BCN,160,Y,N,N^FD{no}^FS\n\
             ^FO40,340^A0N,36,36^FD{no}^FS\n^XZ\n",
            wh = zpl_text(warehouse),
            ch = zpl_text(&bag.channel),
            dest = zpl_text(&bag.destination),
            no = zpl_text(&bag.bag_no),
        ),
        LabelFormat::Html => {
            let svg = code128_svg(&bag.bag_no, 60).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
            render_html(&BagLabelHtml { bag, warehouse, svg })?
        }
    })
}
