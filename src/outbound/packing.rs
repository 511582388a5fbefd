//! The pack station: scan the tote, then every unit (a unit that is not in
//! the order is refused), take the suggested carton (the smallest of the
//! catalog that fits the measured units) or another, and weigh. A parcel
//! within the tolerance of its expected weight (measured unit weights plus
//! the carton's tare) is routed: the cheapest channel whose rules allow its
//! destination, service level, contents' sensitive-goods flags, chargeable
//! weight and size (`channels`). It gets a tracking number of that channel
//! and its units move to `packed`. Outside the tolerance it is held for a
//! supervisor: this is how empty and wrong parcels (空包) are caught. With no
//! channel allowed to carry it, it is held too (`no_route`, with each
//! channel's reason), and never gets a label.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::exceptions::{self, ExceptionKind, NewException};
use super::orders::OrderStatus;
use super::store;
use super::store::packing::{CartonRow, ParcelRow};
use crate::catalog::service::SkuRow;
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, OrderId, ParcelId, SkuId};
use crate::inbound::domain::string_enum;
use crate::stock::{Bucket, Reason};

/// Whatever the percentage, a tolerance below this is tighter than scales are.
pub const MIN_TOLERANCE_G: i32 = 10;

string_enum!(
    ParcelStatus {
        /// Units are being scanned in.
        Packing = "packing",
        /// Weighed outside the tolerance: waits for a supervisor.
        Held = "held",
        /// Weighed, labelled, in outbound staging.
        Packed = "packed",
        /// Sorted into a bag of its channel and destination.
        Bagged = "bagged",
        /// Its bag was loaded onto the line-haul carrier's vehicle at the
        /// dock (the manifest's handover): out of the warehouse's custody.
        HandedOver = "handed_over",
        /// Its order was cancelled before it was packed.
        Cancelled = "cancelled",
        /// A carrier reported it on its way (the first transit milestone).
        InTransit = "in_transit",
        /// A carrier reported it delivered: final.
        Delivered = "delivered",
        /// A carrier reported it returned to the sender: final.
        ReturnedToSender = "returned_to_sender",
    }
);

impl ParcelStatus {
    /// Routed and labelled: packed, and every state after.
    pub fn labelled(self) -> bool {
        matches!(
            self,
            Self::Packed
                | Self::Bagged
                | Self::HandedOver
                | Self::InTransit
                | Self::Delivered
                | Self::ReturnedToSender
        )
    }

    /// Still in the warehouse: a carrier's scan does not move it.
    pub fn in_warehouse(self) -> bool {
        matches!(self, Self::Packing | Self::Held | Self::Packed | Self::Bagged)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CartonType {
    pub code: String,
    pub length_mm: i32,
    pub width_mm: i32,
    pub height_mm: i32,
    pub tare_g: i32,
    pub max_weight_g: i32,
    pub active: bool,
}

impl From<CartonRow> for CartonType {
    fn from(r: CartonRow) -> Self {
        Self {
            code: r.code,
            length_mm: r.length_mm,
            width_mm: r.width_mm,
            height_mm: r.height_mm,
            tare_g: r.tare_g,
            max_weight_g: r.max_weight_g,
            active: r.active,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParcelLine {
    pub line_no: i32,
    pub sku_id: crate::ids::SkuId,
    pub sku_code: String,
    pub barcode: String,
    /// The product's English name.
    pub name: String,
    /// The product's Chinese name.
    pub name_zh: String,
    /// Units the order wants (ordered less cancelled).
    pub quantity: i32,
    pub packed: i32,
    pub remaining: i32,
    /// Measured weight of one unit (declared if not measured yet).
    pub unit_weight_g: i32,
}

/// A parcel as the pack station and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Parcel {
    pub id: ParcelId,
    pub parcel_no: String,
    pub order_id: OrderId,
    pub order_no: String,
    pub destination_country: String,
    pub service_level: String,
    pub tote: String,
    pub status: ParcelStatus,
    pub lines: Vec<ParcelLine>,
    /// Units still to scan in.
    pub remaining: i32,
    /// The smallest carton of the catalog that fits; none if nothing fits.
    pub suggested_carton: Option<String>,
    pub carton_code: Option<String>,
    pub expected_weight_g: Option<i32>,
    pub weight_g: Option<i32>,
    pub route: Option<String>,
    pub tracking_no: Option<String>,
    /// The channel it was routed with, and the channel's version then.
    pub channel_id: Option<crate::ids::ChannelId>,
    pub channel_version: Option<i32>,
    /// L x W x H of its carton / the channel's divisor.
    pub volumetric_weight_g: Option<i32>,
    /// max(actual, volumetric): what the channel charges for.
    pub chargeable_weight_g: Option<i32>,
    /// Why it is held: `weight`, or `no_route: <each channel's reason>`.
    pub hold_reason: Option<String>,
    pub packed_by: String,
    pub packed_at: Option<Timestamp>,
}

pub fn cartons(conn: &mut DbConn) -> Result<Vec<CartonType>, AppError> {
    Ok(store::packing::active_cartons(conn)?.into_iter().map(CartonType::from).collect())
}

/// A unit's size and weight: measured at QC if it was, else declared.
fn measures(s: &SkuRow) -> ([i32; 3], i32) {
    let mut dims = [
        s.measured_length_mm.unwrap_or(s.declared_length_mm),
        s.measured_width_mm.unwrap_or(s.declared_width_mm),
        s.measured_height_mm.unwrap_or(s.declared_height_mm),
    ];
    dims.sort_unstable_by(|a, b| b.cmp(a));
    (dims, s.measured_weight_g.unwrap_or(s.declared_weight_g))
}

/// The smallest carton (by volume) that holds every unit: each unit fits
/// inside it on its own, their volumes fill at most 85% of it (room for
/// packing material), and their weight is within its limit.
pub fn suggest<'a>(cartons: &'a [CartonType], units: &[([i32; 3], i32, i32)]) -> Option<&'a CartonType> {
    let volume: i64 =
        units.iter().map(|(d, _, q)| d.iter().map(|x| i64::from(*x)).product::<i64>() * i64::from(*q)).sum();
    let weight: i64 = units.iter().map(|(_, w, q)| i64::from(*w) * i64::from(*q)).sum();
    cartons.iter().filter(|c| c.active).find(|c| {
        let mut inner = [c.length_mm, c.width_mm, c.height_mm];
        inner.sort_unstable_by(|a, b| b.cmp(a));
        let inner_volume: i64 = inner.iter().map(|x| i64::from(*x)).product();
        units.iter().all(|(d, _, _)| d.iter().zip(inner.iter()).all(|(u, i)| u <= i))
            && volume * 100 <= inner_volume * 85
            && weight + i64::from(c.tare_g) <= i64::from(c.max_weight_g)
    })
}

/// The weight a parcel may be off by.
pub fn tolerance_g(expected_g: i32, pct: u32) -> i32 {
    (((i64::from(expected_g) * i64::from(pct) + 99) / 100) as i32).max(MIN_TOLERANCE_G)
}

fn row(conn: &mut DbConn, id: ParcelId) -> Result<ParcelRow, AppError> {
    store::packing::by_id(conn, id)?.ok_or(AppError::not_found("parcel"))
}

fn live_for(conn: &mut DbConn, order: OrderId) -> Result<Option<ParcelRow>, AppError> {
    Ok(store::packing::live_of_order(conn, order)?)
}

fn status_of(r: &ParcelRow) -> Result<ParcelStatus, AppError> {
    ParcelStatus::stored(&r.status, || format!("parcel {}", r.parcel_no))
}

/// Lines with their SKUs and what is packed of each.
fn lines_of(conn: &mut DbConn, p: &ParcelRow) -> Result<Vec<(ParcelLine, SkuRow)>, AppError> {
    let packed = store::packing::packed_by_line(conn, p.id)?;
    let lines = store::lines(conn, p.order_id)?;
    let ids: Vec<SkuId> = lines.iter().map(|l| l.sku_id).collect();
    let skus: HashMap<SkuId, SkuRow> =
        crate::catalog::service::sku_rows(conn, &ids)?.into_iter().map(|s| (s.id, s)).collect();
    parcel_lines(&lines, &packed, &skus)
}

/// The order's lines as a parcel's lines (cancelled ones left out), with
/// what is packed of each (`(line_no, units)`).
fn parcel_lines(
    lines: &[store::LineRow],
    packed: &[(i32, i32)],
    skus: &HashMap<SkuId, SkuRow>,
) -> Result<Vec<(ParcelLine, SkuRow)>, AppError> {
    let mut out = Vec::new();
    for l in lines {
        let quantity = l.quantity - l.cancelled;
        if quantity == 0 {
            continue;
        }
        let sku = skus.get(&l.sku_id).cloned().ok_or(AppError::not_found("sku"))?;
        let done = packed.iter().find(|(n, _)| *n == l.line_no).map(|(_, q)| *q).unwrap_or(0);
        out.push((
            ParcelLine {
                line_no: l.line_no,
                sku_id: l.sku_id,
                sku_code: sku.sku_code.clone(),
                barcode: sku.barcode.clone(),
                name: sku.name_en.clone(),
                name_zh: sku.name_zh.clone(),
                quantity,
                packed: done,
                remaining: quantity - done,
                unit_weight_g: measures(&sku).1,
            },
            sku,
        ));
    }
    Ok(out)
}

/// Parcels in the order of `ids`, read in a fixed handful of statements per
/// thousand parcels whatever their number (a manifest's document and its
/// customs lists read thousands).
pub fn get_many(conn: &mut DbConn, ids: &[ParcelId]) -> Result<Vec<Parcel>, AppError> {
    let mut out = Vec::with_capacity(ids.len());
    let catalog = cartons(conn)?;
    for chunk in ids.chunks(1000) {
        let mut rows: HashMap<ParcelId, ParcelRow> =
            store::packing::by_ids(conn, chunk)?.into_iter().map(|r| (r.id, r)).collect();
        let mut order_ids: Vec<OrderId> = rows.values().map(|r| r.order_id).collect();
        order_ids.sort();
        order_ids.dedup();
        let orders: HashMap<OrderId, store::OrderRow> =
            store::by_ids(conn, &order_ids)?.into_iter().map(|o| (o.id, o)).collect();
        let mut lines: HashMap<OrderId, Vec<store::LineRow>> = HashMap::new();
        for l in store::lines_of_orders(conn, &order_ids)? {
            lines.entry(l.order_id).or_default().push(l);
        }
        let mut packed: HashMap<ParcelId, Vec<(i32, i32)>> = HashMap::new();
        for (parcel, line_no, units) in store::packing::packed_by_line_of(conn, chunk)? {
            packed.entry(parcel).or_default().push((line_no, units));
        }
        let mut sku_ids: Vec<SkuId> = lines.values().flatten().map(|l| l.sku_id).collect();
        sku_ids.sort();
        sku_ids.dedup();
        let skus: HashMap<SkuId, SkuRow> =
            crate::catalog::service::sku_rows(conn, &sku_ids)?.into_iter().map(|s| (s.id, s)).collect();
        for id in chunk {
            let r = rows.remove(id).ok_or(AppError::not_found("parcel"))?;
            let order = orders.get(&r.order_id).cloned().ok_or(AppError::not_found("order"))?;
            let l = parcel_lines(
                lines.get(&r.order_id).map_or(&[][..], Vec::as_slice),
                packed.get(id).map_or(&[][..], Vec::as_slice),
                &skus,
            )?;
            out.push(build(r, order, l, &catalog)?);
        }
    }
    Ok(out)
}

pub fn get(conn: &mut DbConn, id: ParcelId) -> Result<Parcel, AppError> {
    let r = row(conn, id)?;
    assemble(conn, r)
}

fn assemble(conn: &mut DbConn, r: ParcelRow) -> Result<Parcel, AppError> {
    let lines = lines_of(conn, &r)?;
    assemble_with(conn, r, lines)
}

/// The parcel from its row and its lines as they are now.
fn assemble_with(
    conn: &mut DbConn,
    r: ParcelRow,
    lines: Vec<(ParcelLine, SkuRow)>,
) -> Result<Parcel, AppError> {
    let order = store::by_id(conn, r.order_id)?.ok_or(AppError::not_found("order"))?;
    let catalog = cartons(conn)?;
    build(r, order, lines, &catalog)
}

/// The parcel from its row, its order, its lines and the carton catalog.
fn build(
    r: ParcelRow,
    order: store::OrderRow,
    lines: Vec<(ParcelLine, SkuRow)>,
    catalog: &[CartonType],
) -> Result<Parcel, AppError> {
    let units: Vec<_> = lines.iter().map(|(l, s)| (measures(s).0, l.unit_weight_g, l.quantity)).collect();
    let suggested_carton = suggest(catalog, &units).map(|c| c.code.clone());
    let lines: Vec<ParcelLine> = lines.into_iter().map(|(l, _)| l).collect();
    Ok(Parcel {
        id: r.id,
        parcel_no: r.parcel_no.clone(),
        order_id: r.order_id,
        order_no: order.order_no,
        destination_country: order.destination_country,
        service_level: order.service_level,
        tote: r.tote.clone(),
        status: status_of(&r)?,
        remaining: lines.iter().map(|l| l.remaining).sum(),
        lines,
        suggested_carton,
        carton_code: r.carton_code,
        expected_weight_g: r.expected_weight_g,
        weight_g: r.weight_g,
        route: r.route,
        tracking_no: r.tracking_no,
        channel_id: r.channel_id,
        channel_version: r.channel_version,
        volumetric_weight_g: r.volumetric_weight_g,
        chargeable_weight_g: r.chargeable_weight_g,
        hold_reason: r.hold_reason,
        packed_by: r.packed_by,
        packed_at: r.packed_at,
    })
}

/// The tote scanned at the pack station: opens (or resumes) the parcel of
/// the picked order in it.
pub fn start(tx: &mut DbConn, tote: &str, packer: &str) -> Result<Parcel, AppError> {
    let tote = super::picking::tote_code(tote)?;
    let order = store::order_in_tote(tx, &tote)?;
    let Some((order, order_no, status)) = order else {
        return Err(AppError::invalid("tote", "empty_tote", format!("Tote {tote} holds no order to pack.")));
    };
    super::orders::lock_order(tx, order, &[])?;
    if status != OrderStatus::Picked.as_str() {
        return Err(AppError::conflict(
            "not_picked",
            format!("Order {order_no} in tote {tote} is {status}: it is not fully picked yet."),
        ));
    }
    if let Some(p) = live_for(tx, order)? {
        return assemble(tx, p);
    }
    let now = Timestamp::now();
    let row = ParcelRow {
        id: ParcelId::generate(),
        parcel_no: crate::db::docno::next(tx, "PCL")?,
        order_id: order,
        tote,
        status: ParcelStatus::Packing.as_str().into(),
        carton_code: None,
        expected_weight_g: None,
        weight_g: None,
        route: None,
        tracking_no: None,
        packed_by: packer.into(),
        created_at: now,
        updated_at: now,
        packed_at: None,
        channel_id: None,
        channel_version: None,
        volumetric_weight_g: None,
        chargeable_weight_g: None,
        hold_reason: None,
    };
    store::packing::insert(tx, &row)?;
    assemble(tx, row)
}

/// Locks the parcel's order and checks the parcel is being packed.
fn packing(tx: &mut DbConn, id: ParcelId) -> Result<ParcelRow, AppError> {
    let order: OrderId = row(tx, id)?.order_id;
    super::orders::lock_order(tx, order, &[])?;
    let r = row(tx, id)?;
    match status_of(&r)? {
        ParcelStatus::Packing => Ok(r),
        ParcelStatus::Held => {
            Err(AppError::conflict("parcel_held", "The parcel is held for a supervisor at the scale."))
        }
        ParcelStatus::Cancelled => Err(AppError::conflict("parcel_cancelled", "The order was cancelled.")),
        _ => Err(AppError::conflict("already_packed", "The parcel is packed already.")),
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackScanInput {
    /// A unit's barcode as scanned.
    pub barcode: String,
    /// Units of this barcode (default 1).
    #[serde(default)]
    pub quantity: Option<i64>,
}

/// One unit (or a keyed quantity) scanned into the parcel.
pub fn scan(tx: &mut DbConn, id: ParcelId, input: &PackScanInput) -> Result<Parcel, AppError> {
    let r = packing(tx, id)?;
    let barcode = input.barcode.trim().to_ascii_uppercase();
    let lines = lines_of(tx, &r)?;
    let mine: Vec<&ParcelLine> = lines.iter().map(|(l, _)| l).filter(|l| l.barcode == barcode).collect();
    if mine.is_empty() {
        return Err(AppError::invalid(
            "barcode",
            "not_in_order",
            format!("{barcode} is not in this order: put the unit aside."),
        ));
    }
    let left: i32 = mine.iter().map(|l| l.remaining).sum();
    let q = crate::values::positive_i32("quantity", input.quantity.unwrap_or(1), 10_000)
        .map_err(|e| AppError::validation(vec![e]))?;
    if q > left {
        return Err(AppError::conflict(
            "too_many",
            format!("Only {left} more unit(s) of {} belong in this parcel.", mine[0].sku_code),
        ));
    }
    let mut q = q;
    let mut taken: Vec<(i32, i32)> = Vec::new();
    for l in mine.into_iter().filter(|l| l.remaining > 0) {
        let take = q.min(l.remaining);
        taken.push((l.line_no, take));
        store::packing::add_units(tx, id, l.line_no, take)?;
        q -= take;
        if q == 0 {
            break;
        }
    }
    // The lines as they are now, without reading them again.
    let mut lines = lines;
    for (l, _) in &mut lines {
        if let Some((_, take)) = taken.iter().find(|(n, _)| *n == l.line_no) {
            l.packed += take;
            l.remaining -= take;
        }
    }
    assemble_with(tx, r, lines)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeighInput {
    /// The parcel's weight on the scale, in grams.
    pub weight_g: i64,
    /// The carton used; default the suggested one.
    #[serde(default)]
    pub carton: Option<String>,
}

/// Weighs a fully scanned parcel: within the tolerance it is packed and
/// labelled; outside it, held for a supervisor.
pub fn weigh(
    tx: &mut DbConn,
    id: ParcelId,
    input: &WeighInput,
    tolerance_pct: u32,
    packer: &str,
) -> Result<Parcel, AppError> {
    let r = packing(tx, id)?;
    let weight = crate::values::positive_i32("weight_g", input.weight_g, 100_000)
        .map_err(|e| AppError::validation(vec![e]))?;
    let parcel = assemble(tx, r.clone())?;
    if parcel.remaining > 0 {
        return Err(AppError::conflict(
            "units_remaining",
            format!("{} unit(s) are still to be scanned in.", parcel.remaining),
        ));
    }
    let code = match input.carton.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => c.to_ascii_uppercase(),
        None => parcel.suggested_carton.clone().ok_or_else(|| {
            AppError::invalid("carton", "no_carton_fits", "No catalog carton fits: choose one.")
        })?,
    };
    let carton = cartons(tx)?.into_iter().find(|c| c.code == code).ok_or_else(|| {
        AppError::invalid("carton", "unknown_carton", format!("{code} is not in the carton catalog."))
    })?;
    let expected = parcel.lines.iter().map(|l| l.unit_weight_g * l.packed).sum::<i32>() + carton.tare_g;
    let tolerance = tolerance_g(expected, tolerance_pct);
    store::packing::record_weighing(tx, id, &carton.code, expected, weight, Timestamp::now())?;
    if (weight - expected).abs() <= tolerance {
        return finish(tx, id, packer);
    }
    store::packing::hold(tx, id, "weight")?;
    let exception = exceptions::raise(
        tx,
        NewException {
            kind: ExceptionKind::WeightHold,
            order_id: r.order_id,
            parcel_id: Some(id),
            sku: None,
            bin_id: None,
            quantity: 0,
            detail: format!(
                "parcel {} weighs {weight} g, expected {expected} g ± {tolerance} g ({})",
                r.parcel_no, carton.code
            ),
            actor: packer,
        },
    )?;
    events::record(
        tx,
        NewEvent {
            event_type: catalog::PARCEL_WEIGHT_HELD,
            aggregate_id: AggregateId(id.0),
            document_no: r.parcel_no.clone(),
            owner: None,
            payload: serde_json::json!({
                "order_id": r.order_id, "order_no": parcel.order_no, "parcel_id": id, "parcel_no": r.parcel_no,
                "carton": carton.code, "weight_g": weight, "expected_weight_g": expected, "tolerance_g": tolerance,
                "exception_id": exception,
            }),
        },
    )?;
    get(tx, id)
}

/// Packs a parcel: a tracking number on its route, units to `packed`, the
/// order packed and its tote free.
/// What routing knows of a weighed parcel: where it goes, how fast, its
/// carton's outer size, its weight and every flag of every SKU inside.
fn routing_parcel(tx: &mut DbConn, r: &ParcelRow) -> Result<crate::channels::domain::Parcel, AppError> {
    let order = store::by_id(tx, r.order_id)?.ok_or(AppError::not_found("order"))?;
    let service_level = crate::channels::domain::ServiceLevel::stored(&order.service_level, || {
        format!("order {}", order.order_no)
    })?;
    let carton = r.carton_code.clone().ok_or(AppError::not_found("carton"))?;
    let carton = cartons(tx)?.into_iter().find(|c| c.code == carton).ok_or(AppError::not_found("carton"))?;
    let mut flags = Vec::new();
    for (_, sku) in lines_of(tx, r)? {
        for f in crate::catalog::domain::SensitiveFlag::from_bits(sku.sensitive_flags) {
            if !flags.contains(&f) {
                flags.push(f);
            }
        }
    }
    Ok(crate::channels::domain::Parcel {
        destination: order.destination_country,
        service_level,
        weight_g: i64::from(r.weight_g.unwrap_or(0)),
        dims_mm: [carton.length_mm, carton.width_mm, carton.height_mm].map(i64::from),
        flags,
    })
}

/// Records a parcel's event: its ids and order, and `extra`.
fn record_parcel(
    tx: &mut DbConn,
    r: &ParcelRow,
    order_no: &str,
    event: crate::events::EventType,
    extra: serde_json::Value,
) -> Result<(), AppError> {
    let mut payload = serde_json::json!({
        "order_id": r.order_id, "order_no": order_no, "parcel_id": r.id, "parcel_no": r.parcel_no,
    });
    if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    events::record(
        tx,
        NewEvent {
            event_type: event,
            aggregate_id: AggregateId(r.id.0),
            document_no: r.parcel_no.clone(),
            owner: None,
            payload,
        },
    )?;
    Ok(())
}

/// Routes a weighed parcel. Routed: tracking number of its channel, units
/// to `packed`, the order packed. No channel may carry it: held, with an
/// exception saying each channel's reason.
fn finish(tx: &mut DbConn, id: ParcelId, actor: &str) -> Result<Parcel, AppError> {
    let r = row(tx, id)?;
    let order = store::by_id(tx, r.order_id)?.ok_or(AppError::not_found("order"))?;
    let parcel = routing_parcel(tx, &r)?;
    let routing = crate::channels::service::route(tx, &parcel)?;
    let Some(chosen) = routing.chosen.clone() else {
        let reason = routing.reason();
        store::packing::hold(tx, id, &format!("no_route: {reason}"))?;
        let exception = exceptions::raise(
            tx,
            NewException {
                kind: ExceptionKind::NoRoute,
                order_id: r.order_id,
                parcel_id: Some(id),
                sku: None,
                bin_id: None,
                quantity: 0,
                detail: reason.clone(),
                actor,
            },
        )?;
        let extra = serde_json::json!({"reason": reason, "exception_id": exception});
        record_parcel(tx, &r, &order.order_no, catalog::PARCEL_NO_ROUTE, extra)?;
        return get(tx, id);
    };
    let channel = crate::channels::service::version(tx, chosen.channel_id, chosen.version)?;
    let tracking = crate::channels::service::next_tracking_no(tx, &channel)?;
    let note = format!("packed in parcel {}", r.parcel_no);
    super::orders::empty_tote(tx, r.order_id, &order.order_no, Bucket::Packed, Reason::Packed, &note, actor)?;
    let now = Timestamp::now();
    let weight = |g: i64| i32::try_from(g).map_err(|_| AppError::internal(anyhow::anyhow!("weight {g} g")));
    let routed = store::packing::Routed {
        channel: channel.id,
        version: channel.version,
        code: &channel.code,
        tracking_no: &tracking,
        volumetric_weight_g: weight(chosen.volumetric_weight_g)?,
        chargeable_weight_g: weight(chosen.chargeable_weight_g)?,
    };
    store::packing::mark_packed(tx, id, &routed, now)?;
    store::set_status(tx, r.order_id, OrderStatus::Packed.as_str(), now)?;
    store::free_tote(tx, r.order_id)?;
    let parcel = get(tx, id)?;
    super::orders::record_event(
        tx,
        r.order_id,
        catalog::ORDER_PACKED,
        serde_json::json!({
            "parcel_id": id, "parcel_no": parcel.parcel_no, "tracking_no": tracking, "route": channel.code,
            "carrier": channel.carrier, "carton": parcel.carton_code, "weight_g": parcel.weight_g,
        }),
    )?;
    let extra = serde_json::json!({
        "channel": channel.code, "channel_version": channel.version, "tracking_no": tracking,
        "weight_g": parcel.weight_g, "volumetric_weight_g": chosen.volumetric_weight_g,
        "chargeable_weight_g": chosen.chargeable_weight_g, "cost": chosen.cost,
    });
    record_parcel(tx, &r, &order.order_no, catalog::PARCEL_ROUTED, extra)?;
    Ok(parcel)
}

/// A supervisor's decision on a held parcel: accept (pack it as it is) or
/// repack (back to scanning, from nothing).
pub fn resolve_hold(tx: &mut DbConn, id: ParcelId, accept: bool, actor: &str) -> Result<Parcel, AppError> {
    let order: OrderId = row(tx, id)?.order_id;
    super::orders::lock_order(tx, order, &[])?;
    let r = row(tx, id)?;
    if status_of(&r)? != ParcelStatus::Held {
        return Err(AppError::conflict("not_held", "The parcel is not held."));
    }
    if accept {
        return finish(tx, id, actor);
    }
    store::packing::repack(tx, id, Timestamp::now())?;
    get(tx, id)
}

/// Voids the order's parcel if it is not packed (its order is cancelled).
pub fn void_parcel(tx: &mut DbConn, order: OrderId) -> Result<(), AppError> {
    if let Some(p) = live_for(tx, order)? {
        if status_of(&p)?.labelled() {
            return Err(AppError::conflict("illegal_transition", "The parcel is packed already."));
        }
        store::packing::cancel(tx, p.id, Timestamp::now())?;
        exceptions::close_for_parcel(tx, p.id, "order cancelled")?;
    }
    Ok(())
}

/// The order's live parcel, if any.
pub fn for_order(conn: &mut DbConn, order: OrderId) -> Result<Option<Parcel>, AppError> {
    match live_for(conn, order)? {
        Some(r) => Ok(Some(assemble(conn, r)?)),
        None => Ok(None),
    }
}

/// The parcel a code names at the pack station, to find it again after a
/// weight hold or to reprint its label: a parcel number, an order number,
/// a tracking number, or a tote (the last parcel packed from it).
pub fn find(conn: &mut DbConn, code: &str) -> Result<Option<ParcelId>, AppError> {
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Ok(None);
    }
    // Newest first: a tote or an order may have had a cancelled parcel before.
    if let Some(id) = store::packing::newest_by_no(conn, &code)? {
        return Ok(Some(id));
    }
    if let Some(id) = store::packing::newest_by_tracking_no(conn, &code)? {
        return Ok(Some(id));
    }
    if let Some(order) = store::id_by_no(conn, &code)?
        && let Some(id) = store::packing::newest_of_order(conn, order)?
    {
        return Ok(Some(id));
    }
    Ok(store::packing::newest_from_tote(conn, &code)?)
}

/// A labelled parcel as the sort station sees it.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub id: ParcelId,
    pub parcel_no: String,
    pub tracking_no: Option<String>,
    pub status: ParcelStatus,
    pub channel_id: Option<crate::ids::ChannelId>,
    /// The channel's code.
    pub route: Option<String>,
    pub destination_country: String,
}

/// The parcel a sort clerk scanned (its tracking number or parcel number),
/// read in one statement: the sort station answers every scan, under load.
pub fn labelled(conn: &mut DbConn, code: &str) -> Result<Option<Labelled>, AppError> {
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Ok(None);
    }
    let Some((r, destination_country)) = store::packing::newest_labelled(conn, &code)? else {
        return Ok(None);
    };
    Ok(Some(Labelled {
        status: status_of(&r)?,
        id: r.id,
        parcel_no: r.parcel_no,
        tracking_no: r.tracking_no,
        channel_id: r.channel_id,
        route: r.route,
        destination_country,
    }))
}

/// Moves a parcel into a bag (`packed` to `bagged`) or out of one (back);
/// `false` if it was not in the state it is moved from (someone else moved
/// it first).
pub fn set_bagged(tx: &mut DbConn, id: ParcelId, bagged: bool) -> Result<bool, AppError> {
    let (from, to) = if bagged {
        (ParcelStatus::Packed, ParcelStatus::Bagged)
    } else {
        (ParcelStatus::Bagged, ParcelStatus::Packed)
    };
    Ok(store::packing::move_status(tx, id, from.as_str(), to.as_str(), Timestamp::now())? == 1)
}

/// A bagged parcel the customs broker rejected: out of its bag and held
/// (`hold_reason` says why) for a supervisor; `false` if it was not bagged.
pub fn hold_bagged(tx: &mut DbConn, id: ParcelId, reason: &str, now: Timestamp) -> Result<bool, AppError> {
    Ok(store::packing::hold_from(tx, id, ParcelStatus::Bagged.as_str(), reason, now)? == 1)
}

/// A bagged parcel whose bag was loaded at the dock: `handed_over`, and its
/// order `shipped` (`parcel.handed_over`, `order.shipped`). `false` if the
/// parcel was not bagged (nothing changes then).
pub fn hand_over(tx: &mut DbConn, id: ParcelId, manifest_no: &str, now: Timestamp) -> Result<bool, AppError> {
    let order: OrderId = row(tx, id)?.order_id;
    super::orders::lock_order(tx, order, &[])?;
    let r = row(tx, id)?;
    if store::packing::hand_over(tx, id, manifest_no, now)? != 1 {
        return Ok(false);
    }
    let order_no = store::order_no(tx, r.order_id)?;
    // Its units leave the warehouse: out of the packed bucket.
    let lines = store::lines(tx, r.order_id)?;
    for (line_no, quantity) in store::packing::packed_by_line(tx, id)? {
        let line = lines.iter().find(|l| l.line_no == line_no).ok_or(AppError::not_found("order line"))?;
        crate::stock::service::apply(
            tx,
            &crate::stock::Movement {
                owner: line.owner_id,
                sku: line.sku_id,
                quantity,
                from: Some(crate::stock::Place::unlocated(Bucket::Packed)),
                to: None,
                reason: Reason::Shipped,
                document_no: order_no.clone(),
                note: format!("parcel {} handed over on manifest {manifest_no}", r.parcel_no),
                actor: "handover".into(),
            },
        )?;
    }
    super::orders::ship(tx, r.order_id, now)?;
    record_parcel(
        tx,
        &r,
        &order_no,
        catalog::PARCEL_HANDED_OVER,
        serde_json::json!({"manifest_no": manifest_no, "tracking_no": r.tracking_no, "status": "handed_over"}),
    )?;
    Ok(true)
}

/// Parcel number and tracking number of each of `ids` (a bag's list), in
/// one query.
pub fn numbers(
    conn: &mut DbConn,
    ids: &[ParcelId],
) -> Result<std::collections::HashMap<ParcelId, (String, Option<String>)>, AppError> {
    Ok(store::packing::numbers(conn, ids)?.into_iter().map(|(id, no, t)| (id, (no, t))).collect())
}

/// Parcels held at the scale for a supervisor.
pub fn held_count(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(store::packing::held_count(conn)?)
}

/// One print of a parcel's label.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LabelPrint {
    /// 1 for the first print; more is a reprint.
    pub copy_no: i32,
    pub printed_by: String,
    pub printed_at: Timestamp,
}

/// Records a print of a packed parcel's label (the first, or a reprint).
/// Returns its copy number.
pub fn record_print(tx: &mut DbConn, id: ParcelId, actor: &str) -> Result<i32, AppError> {
    let order: OrderId = row(tx, id)?.order_id;
    super::orders::lock_order(tx, order, &[])?;
    let r = row(tx, id)?;
    if !status_of(&r)?.labelled() {
        return Err(AppError::conflict("not_packed", "A label is printed once the parcel is packed."));
    }
    let copy_no = store::packing::last_print(tx, id)?.unwrap_or(0) + 1;
    store::packing::insert_print(tx, id, copy_no, actor, Timestamp::now())?;
    Ok(copy_no)
}

/// Every print of a parcel's label, first first.
pub fn prints(conn: &mut DbConn, id: ParcelId) -> Result<Vec<LabelPrint>, AppError> {
    let rows = store::packing::prints(conn, id)?;
    Ok(rows
        .into_iter()
        .map(|(copy_no, printed_by, printed_at)| LabelPrint { copy_no, printed_by, printed_at })
        .collect())
}

/// What the label needs from a packed parcel.
pub(crate) fn label_data(conn: &mut DbConn, id: ParcelId) -> Result<(Parcel, store::OrderRow), AppError> {
    let parcel = get(conn, id)?;
    if !parcel.status.labelled() {
        return Err(AppError::conflict("not_packed", "A label is printed once the parcel is packed."));
    }
    let order = store::by_id(conn, parcel.order_id)?.ok_or(AppError::not_found("order"))?;
    Ok((parcel, order))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carton(code: &str, l: i32, w: i32, h: i32) -> CartonType {
        CartonType {
            code: code.into(),
            length_mm: l,
            width_mm: w,
            height_mm: h,
            tare_g: 50,
            max_weight_g: 5000,
            active: true,
        }
    }

    #[test]
    fn the_smallest_carton_that_fits_is_suggested() {
        let cat = vec![carton("XS", 160, 110, 60), carton("S", 220, 160, 100), carton("M", 300, 220, 160)];
        // One phone case fits the smallest box.
        assert_eq!(suggest(&cat, &[([150, 80, 15], 60, 1)]).unwrap().code, "XS");
        // Four of them no longer fill less than 85% of it... (150*80*15*4 = 720,000 of 1,056,000 mm3 is 68%: still XS)
        assert_eq!(suggest(&cat, &[([150, 80, 15], 60, 4)]).unwrap().code, "XS");
        // ...six do (1,080,000 mm3 > 85%).
        assert_eq!(suggest(&cat, &[([150, 80, 15], 60, 6)]).unwrap().code, "S");
        // A long item needs a long box whatever its volume, in any orientation.
        assert_eq!(suggest(&cat, &[([250, 20, 20], 60, 1)]).unwrap().code, "M");
        // Too heavy for every box, or too big: nothing is suggested.
        assert!(suggest(&cat, &[([50, 50, 50], 6000, 1)]).is_none());
        assert!(suggest(&cat, &[([400, 50, 50], 100, 1)]).is_none());
    }

    #[test]
    fn the_tolerance_is_a_percentage_with_a_floor() {
        assert_eq!(tolerance_g(1000, 5), 50);
        assert_eq!(tolerance_g(1001, 5), 51);
        assert_eq!(tolerance_g(100, 5), MIN_TOLERANCE_G);
    }
}
