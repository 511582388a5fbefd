//! Manifests' use cases, one transaction each: create, add closed bags
//! while open, close, the dock's handover (scan every bag, reconcile, hand
//! over), the customs declaration lists and the broker's receipts.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::customs::{self, CustomsCodes, Declaration, DeclarationLine};
use super::domain::{CustomsState, ManifestStatus, ReceiptStatus, Step, TransportMode};
use super::store::{self, ManifestBagRow, ManifestRow, ReceiptRow, ScanRow};
use crate::catalog::domain::MoneyDto;
use crate::catalog::service::SkuRow;
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, BagId, CustomsReceiptId, HandoverScanId, ManifestId, ParcelId, SkuId};
use crate::outbound::exceptions::{self, ExceptionKind, NewException};
use crate::outbound::packing::{self, Parcel, ParcelStatus};
use crate::shipping::domain::BagStatus;
use crate::shipping::service::{self as bags, Bag};
use crate::values::{self, Errors, Money, Totals};

/// A manifest as the API and the console show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Manifest {
    pub id: ManifestId,
    pub manifest_no: String,
    /// The channel's code: only its bags go on the manifest.
    pub channel: String,
    pub carrier: String,
    /// The master (air) waybill the house waybills travel under.
    pub master_waybill: String,
    pub transport_mode: TransportMode,
    /// Flight, vessel or truck number.
    pub transport_ref: String,
    pub planned_departure: Timestamp,
    pub status: ManifestStatus,
    pub bag_count: i32,
    pub parcel_count: i32,
    /// The bags' expected weight: their parcels as weighed at the pack
    /// station plus the sacks.
    pub weight_g: i64,
    pub created_by: String,
    pub created_at: Timestamp,
    pub closed_by: Option<String>,
    pub closed_at: Option<Timestamp>,
    pub handed_over_by: Option<String>,
    pub handed_over_at: Option<Timestamp>,
    /// The carrier's driver who took the bags.
    pub driver_name: Option<String>,
    pub vehicle_no: Option<String>,
    /// A supervisor let the vehicle go without every customs answer.
    pub override_by: Option<String>,
    pub override_note: Option<String>,
}

/// A bag on a manifest.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ManifestBag {
    pub bag_no: String,
    pub destination: String,
    pub parcel_count: i32,
    /// As weighed when the bag was closed.
    pub weight_g: Option<i32>,
    pub expected_weight_g: i64,
    /// Declared values of its parcels, one amount per currency.
    pub declared_values: Vec<MoneyDto>,
    pub added_by: String,
    pub added_at: Timestamp,
    /// Scanned onto the vehicle at the handover.
    pub loaded_by: Option<String>,
    pub loaded_at: Option<Timestamp>,
}

/// A bag taken off a manifest (missing at the handover).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PulledBag {
    pub bag_no: String,
    pub reason: String,
    pub pulled_at: Timestamp,
}

/// A house waybill: one parcel on the manifest.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HouseWaybill {
    pub bag_no: String,
    pub parcel_no: String,
    pub tracking_no: Option<String>,
    pub order_no: String,
    pub destination: String,
    pub weight_g: i32,
    pub status: ParcelStatus,
    /// Declared values of its goods, one amount per currency.
    pub declared_values: Vec<MoneyDto>,
    /// The customs broker's latest answer, if any.
    pub customs: Option<ReceiptStatus>,
}

/// The manifest document: the manifest, its bags and house waybills, and
/// the declared values per currency (never added across currencies).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ManifestDetail {
    #[serde(flatten)]
    pub manifest: Manifest,
    pub bags: Vec<ManifestBag>,
    pub parcels: Vec<HouseWaybill>,
    pub pulled_bags: Vec<PulledBag>,
    pub declared_totals: Vec<MoneyDto>,
    pub customs: CustomsState,
}

fn status_of(r: &ManifestRow) -> Result<ManifestStatus, AppError> {
    ManifestStatus::stored(&r.status, || format!("manifest {}", r.manifest_no))
}

fn view(conn: &mut DbConn, r: ManifestRow) -> Result<Manifest, AppError> {
    let channel = crate::channels::service::code_of(conn, r.channel_id)?;
    Ok(Manifest {
        status: status_of(&r)?,
        transport_mode: TransportMode::stored(&r.transport_mode, || format!("manifest {}", r.manifest_no))?,
        id: r.id,
        manifest_no: r.manifest_no,
        channel,
        carrier: r.carrier,
        master_waybill: r.master_waybill,
        transport_ref: r.transport_ref,
        planned_departure: r.planned_departure,
        bag_count: r.bag_count,
        parcel_count: r.parcel_count,
        weight_g: r.weight_g,
        created_by: r.created_by,
        created_at: r.created_at,
        closed_by: r.closed_by,
        closed_at: r.closed_at,
        handed_over_by: r.handed_over_by,
        handed_over_at: r.handed_over_at,
        driver_name: r.driver_name,
        vehicle_no: r.vehicle_no,
        override_by: r.override_by,
        override_note: r.override_note,
    })
}

fn find(conn: &mut DbConn, no: &str) -> Result<ManifestRow, AppError> {
    let no = no.trim();
    let found = match no.parse::<uuid::Uuid>() {
        Ok(id) => store::by_id(conn, ManifestId(id))?,
        Err(_) => store::by_no(conn, &no.to_ascii_uppercase())?,
    };
    found.ok_or(AppError::not_found("manifest"))
}

/// The manifest, locked for a change (the dock and the office take turns).
fn locked(tx: &mut DbConn, no: &str) -> Result<ManifestRow, AppError> {
    let id = find(tx, no)?.id;
    crate::db::lock_key(tx, &format!("manifest\n{id}"))?;
    store::by_id(tx, id)?.ok_or(AppError::not_found("manifest"))
}

/// Whether `step` may be done to the manifest: a 409 with a stable code
/// saying what it is otherwise.
fn check(r: &ManifestRow, step: Step) -> Result<ManifestStatus, AppError> {
    status_of(r)?
        .next(step)
        .map_err(|(code, why)| AppError::conflict(code, format!("Manifest {} {why}.", r.manifest_no)))
}

pub fn list(
    conn: &mut DbConn,
    status: Option<ManifestStatus>,
    limit: i64,
) -> Result<Vec<Manifest>, AppError> {
    store::list(conn, status.map(|s| s.as_str()), limit)?.into_iter().map(|r| view(conn, r)).collect()
}

pub fn get(conn: &mut DbConn, no: &str) -> Result<Manifest, AppError> {
    let r = find(conn, no)?;
    view(conn, r)
}

fn record(
    tx: &mut DbConn,
    m: &Manifest,
    event: events::EventType,
    extra: serde_json::Value,
) -> Result<(), AppError> {
    // The driver's name stays on the manifest: no personal data in events.
    let payload = events::merged(
        serde_json::json!({
            "manifest_id": m.id, "manifest_no": m.manifest_no, "channel": m.channel, "carrier": m.carrier,
            "master_waybill": m.master_waybill, "transport_mode": m.transport_mode,
            "transport_ref": m.transport_ref, "status": m.status, "bag_count": m.bag_count,
            "parcel_count": m.parcel_count, "weight_g": m.weight_g,
        }),
        extra,
    );
    events::record(
        tx,
        NewEvent {
            event_type: event,
            aggregate_id: AggregateId(m.id.0),
            document_no: m.manifest_no.clone(),
            owner: None,
            payload,
        },
    )?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewManifestInput {
    /// The channel's code: only its closed bags go on the manifest.
    pub channel: String,
    /// The master waybill, e.g. `784-12345675`.
    pub master_waybill: String,
    pub transport_mode: TransportMode,
    /// Flight, vessel or truck number, e.g. `CZ3101`.
    pub transport_ref: String,
    pub planned_departure: Timestamp,
}

/// A manifest for one line-haul departure, open for bags.
pub fn create(
    tx: &mut DbConn,
    input: &NewManifestInput,
    actor: &str,
    now: Timestamp,
) -> Result<Manifest, AppError> {
    let mut errors = Errors::default();
    let waybill = errors.take(values::code("master_waybill", &input.master_waybill, 30));
    let transport_ref = errors.take(values::text("transport_ref", &input.transport_ref, 30));
    let channel = match crate::channels::service::get(tx, &input.channel) {
        Ok((c, _)) => Some(c),
        Err(AppError::NotFound { .. }) => {
            errors.0.push(crate::error::FieldError::new("channel", "unknown_channel", "names no channel"));
            None
        }
        Err(e) => return Err(e),
    };
    errors.finish()?;
    let (Some(waybill), Some(transport_ref), Some(channel)) = (waybill, transport_ref, channel) else {
        return Err(AppError::internal(anyhow::anyhow!("validated input missing")));
    };
    let row = ManifestRow {
        id: ManifestId::generate(),
        manifest_no: crate::db::docno::next(tx, "MAN")?,
        channel_id: channel.id,
        carrier: channel.carrier.clone(),
        master_waybill: waybill,
        transport_mode: input.transport_mode.as_str().into(),
        transport_ref,
        planned_departure: input.planned_departure,
        status: ManifestStatus::Open.as_str().into(),
        bag_count: 0,
        parcel_count: 0,
        weight_g: 0,
        created_by: actor.into(),
        created_at: now,
        closed_by: None,
        closed_at: None,
        handed_over_by: None,
        handed_over_at: None,
        driver_name: None,
        vehicle_no: None,
        override_by: None,
        override_note: None,
        updated_at: now,
    };
    store::insert(tx, &row)?;
    let m = view(tx, row)?;
    record(tx, &m, catalog::MANIFEST_CREATED, serde_json::json!({"planned_departure": m.planned_departure}))?;
    Ok(m)
}

/// Counts and weight from the bags on the manifest now.
fn refresh(tx: &mut DbConn, id: ManifestId) -> Result<Manifest, AppError> {
    let ids: Vec<BagId> = store::bags(tx, id)?.into_iter().map(|b| b.bag_id).collect();
    let on = bags::by_ids(tx, &ids)?;
    let parcels: i32 = on.iter().map(|b| b.parcel_count).sum();
    let weight: i64 = on.iter().map(|b| b.expected_weight_g).sum();
    store::set_counts(tx, id, i32::try_from(ids.len()).unwrap_or(i32::MAX), parcels, weight)?;
    let r = store::by_id(tx, id)?.ok_or(AppError::not_found("manifest"))?;
    view(tx, r)
}

/// A closed bag of the manifest's channel, scanned onto it while it is
/// open. A bag open or held, of another channel, or on a manifest already
/// is refused and nothing changes.
pub fn add_bag(
    tx: &mut DbConn,
    no: &str,
    bag_code: &str,
    actor: &str,
    now: Timestamp,
) -> Result<Manifest, AppError> {
    let m = locked(tx, no)?;
    check(&m, Step::AddBag)?;
    let bag = bags::lookup(tx, bag_code)?;
    if bag.status != BagStatus::Closed {
        return Err(AppError::conflict(
            "bag_not_closed",
            format!("Only closed (weighed) bags go on a manifest: {} is {}", bag.bag_no, bag.status),
        ));
    }
    let channel = crate::channels::service::code_of(tx, m.channel_id)?;
    if bag.channel != channel {
        return Err(AppError::conflict(
            "wrong_channel",
            format!(
                "The bag is of another channel: bag {} is {}, manifest {} is {channel}",
                bag.bag_no, bag.channel, m.manifest_no
            ),
        ));
    }
    if let Some(other) = store::manifest_of_bag(tx, bag.id)? {
        let other = store::by_id(tx, other)?.map(|o| o.manifest_no).unwrap_or_default();
        return Err(AppError::conflict(
            "bag_on_manifest",
            format!("The bag is on another manifest already: {} → {other}", bag.bag_no),
        ));
    }
    store::add_bag(
        tx,
        &ManifestBagRow {
            manifest_id: m.id,
            bag_id: bag.id,
            added_by: actor.into(),
            added_at: now,
            loaded_by: None,
            loaded_at: None,
            pulled_at: None,
            pulled_reason: None,
        },
    )?;
    refresh(tx, m.id)
}

/// Takes a bag off an open manifest (scanned onto the wrong one).
pub fn remove_bag(tx: &mut DbConn, no: &str, bag_code: &str) -> Result<Manifest, AppError> {
    let m = locked(tx, no)?;
    check(&m, Step::RemoveBag)?;
    let bag = bags::lookup(tx, bag_code)?;
    if store::delete_bag(tx, m.id, bag.id)? == 0 {
        return Err(AppError::conflict(
            "bag_not_on_manifest",
            format!("The bag is not on this manifest: {} ∉ {}", bag.bag_no, m.manifest_no),
        ));
    }
    refresh(tx, m.id)
}

/// Closes the manifest: its list is final (`manifest.closed`).
pub fn close(tx: &mut DbConn, no: &str, actor: &str, now: Timestamp) -> Result<Manifest, AppError> {
    let m = locked(tx, no)?;
    check(&m, Step::Close)?;
    if m.bag_count == 0 {
        return Err(AppError::conflict(
            "manifest_empty",
            format!("The manifest has no bags: {}", m.manifest_no),
        ));
    }
    if store::closed(tx, m.id, actor, now)? != 1 {
        return Err(AppError::conflict("manifest_moved", "The manifest changed meanwhile: look again."));
    }
    let out = refresh(tx, m.id)?;
    record(tx, &out, catalog::MANIFEST_CLOSED, serde_json::json!({"closed_by": actor}))?;
    Ok(out)
}

/// What is on a manifest, read once for the document, the customs lists
/// and the handover.
struct Contents {
    /// Bags on it now, with their row on the manifest.
    bags: Vec<(ManifestBagRow, Bag)>,
    /// Its parcels, by bag.
    parcels: Vec<(BagId, Parcel, i32)>,
    skus: HashMap<SkuId, SkuRow>,
}

fn contents(conn: &mut DbConn, id: ManifestId) -> Result<Contents, AppError> {
    let rows = store::bags(conn, id)?;
    let ids: Vec<BagId> = rows.iter().map(|r| r.bag_id).collect();
    let mut by_id: HashMap<BagId, Bag> = bags::by_ids(conn, &ids)?.into_iter().map(|b| (b.id, b)).collect();
    let mut on = Vec::with_capacity(rows.len());
    for r in rows {
        let bag = by_id.remove(&r.bag_id).ok_or(AppError::not_found("bag"))?;
        on.push((r, bag));
    }
    let inside = bags::parcels_in(conn, &ids)?;
    let parcel_ids: Vec<ParcelId> = inside.iter().map(|(_, p, _)| *p).collect();
    let parcels: Vec<_> = inside
        .into_iter()
        .zip(packing::get_many(conn, &parcel_ids)?)
        .map(|((bag, _, weight), p)| (bag, p, weight))
        .collect();
    let sku_ids: Vec<SkuId> = {
        let mut v: Vec<SkuId> =
            parcels.iter().flat_map(|(_, p, _)| p.lines.iter().map(|l| l.sku_id)).collect();
        v.sort();
        v.dedup();
        v
    };
    let skus = crate::catalog::service::sku_rows(conn, &sku_ids)?.into_iter().map(|s| (s.id, s)).collect();
    Ok(Contents { bags: on, parcels, skus })
}

fn money_err(e: crate::values::MoneyError) -> AppError {
    AppError::internal(anyhow::anyhow!("declared value: {e}"))
}

/// A parcel's declared values (its SKUs' declared unit values times the
/// units packed), per currency.
fn declared(p: &Parcel, skus: &HashMap<SkuId, SkuRow>) -> Result<Totals, AppError> {
    let mut t = Totals::default();
    for l in &p.lines {
        let sku = skus.get(&l.sku_id).ok_or(AppError::not_found("sku"))?;
        let unit = Money::stored(sku.declared_value_minor, &sku.declared_currency).map_err(money_err)?;
        t.add(unit.times(i64::from(l.packed)).map_err(money_err)?).map_err(money_err)?;
    }
    Ok(t)
}

fn dtos(t: &Totals) -> Vec<MoneyDto> {
    t.amounts()
        .into_iter()
        .map(|m| MoneyDto { amount_minor: m.minor(), currency: m.currency().as_str().to_owned() })
        .collect()
}

/// The latest answer per parcel of the manifest's receipts.
fn answers(conn: &mut DbConn, id: ManifestId) -> Result<HashMap<ParcelId, ReceiptRow>, AppError> {
    let mut out = HashMap::new();
    for r in store::receipts(conn, id)? {
        out.insert(r.parcel_id, r);
    }
    Ok(out)
}

fn answer_of(r: &ReceiptRow) -> Result<ReceiptStatus, AppError> {
    ReceiptStatus::stored(&r.status, || format!("customs receipt {}", r.id))
}

/// What customs still says about the manifest.
fn customs_state(
    conn: &mut DbConn,
    parcels: &[ParcelId],
    latest: &HashMap<ParcelId, ReceiptRow>,
) -> Result<CustomsState, AppError> {
    let mut state = CustomsState::default();
    for p in parcels {
        match latest.get(p).map(answer_of).transpose()? {
            Some(ReceiptStatus::Accepted) => state.accepted += 1,
            _ => state.unanswered += 1,
        }
    }
    let mut rejected = Vec::new();
    for (p, r) in latest {
        if answer_of(r)? == ReceiptStatus::Rejected && !parcels.contains(p) {
            rejected.push(*p);
        }
    }
    state.rejected_open = exceptions::open_for_parcels(conn, ExceptionKind::CustomsRejected, &rejected)?;
    Ok(state)
}

/// The manifest document: bags, house waybills, weights, counts and the
/// declared values per currency.
pub fn detail(conn: &mut DbConn, no: &str) -> Result<ManifestDetail, AppError> {
    let r = find(conn, no)?;
    let c = contents(conn, r.id)?;
    let latest = answers(conn, r.id)?;
    let ids: Vec<ParcelId> = c.parcels.iter().map(|(_, p, _)| p.id).collect();
    let customs = customs_state(conn, &ids, &latest)?;
    let mut totals = Totals::default();
    let mut per_bag: HashMap<BagId, Totals> = HashMap::new();
    let bag_no: HashMap<BagId, String> = c.bags.iter().map(|(_, b)| (b.id, b.bag_no.clone())).collect();
    let mut parcels = Vec::with_capacity(c.parcels.len());
    for (bag, p, weight) in &c.parcels {
        let d = declared(p, &c.skus)?;
        for m in d.amounts() {
            totals.add(m).map_err(money_err)?;
            per_bag.entry(*bag).or_default().add(m).map_err(money_err)?;
        }
        parcels.push(HouseWaybill {
            bag_no: bag_no.get(bag).cloned().unwrap_or_default(),
            parcel_no: p.parcel_no.clone(),
            tracking_no: p.tracking_no.clone(),
            order_no: p.order_no.clone(),
            destination: p.destination_country.clone(),
            weight_g: *weight,
            status: p.status,
            declared_values: dtos(&d),
            customs: latest.get(&p.id).map(answer_of).transpose()?,
        });
    }
    let bags = c
        .bags
        .into_iter()
        .map(|(row, b)| ManifestBag {
            declared_values: per_bag.get(&b.id).map(dtos).unwrap_or_default(),
            bag_no: b.bag_no,
            destination: b.destination,
            parcel_count: b.parcel_count,
            weight_g: b.weight_g,
            expected_weight_g: b.expected_weight_g,
            added_by: row.added_by,
            added_at: row.added_at,
            loaded_by: row.loaded_by,
            loaded_at: row.loaded_at,
        })
        .collect();
    let pulled = store::pulled_bags(conn, r.id)?;
    let pulled_ids: Vec<BagId> = pulled.iter().map(|p| p.bag_id).collect();
    let pulled_nos: HashMap<BagId, String> =
        bags::by_ids(conn, &pulled_ids)?.into_iter().map(|b| (b.id, b.bag_no)).collect();
    let pulled_bags = pulled
        .into_iter()
        .map(|p| PulledBag {
            bag_no: pulled_nos.get(&p.bag_id).cloned().unwrap_or_default(),
            reason: p.pulled_reason.unwrap_or_default(),
            pulled_at: p.pulled_at.unwrap_or(p.added_at),
        })
        .collect();
    Ok(ManifestDetail {
        manifest: view(conn, r)?,
        bags,
        parcels,
        pulled_bags,
        declared_totals: dtos(&totals),
        customs,
    })
}

fn csv_err(e: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("csv: {e}"))
}

fn money_text(v: &[MoneyDto]) -> String {
    v.iter()
        .map(|m| match Money::stored(m.amount_minor, &m.currency) {
            Ok(m) => m.to_string(),
            Err(_) => format!("{} {}", m.amount_minor, m.currency),
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The manifest document as CSV: one row per house waybill, then one
/// `TOTAL` row per currency of the declared values.
pub fn document_csv(d: &ManifestDetail) -> Result<String, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "manifest_no",
        "master_waybill",
        "bag_no",
        "parcel_no",
        "tracking_no",
        "order_no",
        "destination",
        "weight_g",
        "declared_value",
        "currency",
    ])
    .map_err(csv_err)?;
    let m = &d.manifest;
    for p in &d.parcels {
        // A parcel with goods in two currencies takes a row per currency.
        let values: Vec<(String, String)> = if p.declared_values.is_empty() {
            vec![(String::new(), String::new())]
        } else {
            p.declared_values
                .iter()
                .map(|v| (money_text(std::slice::from_ref(v)), v.currency.clone()))
                .map(|(text, cur)| (text.rsplit_once(' ').map(|(n, _)| n.to_owned()).unwrap_or(text), cur))
                .collect()
        };
        for (value, currency) in values {
            w.write_record([
                m.manifest_no.as_str(),
                &m.master_waybill,
                &p.bag_no,
                &p.parcel_no,
                p.tracking_no.as_deref().unwrap_or(""),
                &p.order_no,
                &p.destination,
                &p.weight_g.to_string(),
                &value,
                &currency,
            ])
            .map_err(csv_err)?;
        }
    }
    for t in &d.declared_totals {
        let text = money_text(std::slice::from_ref(t));
        let value = text.rsplit_once(' ').map(|(n, _)| n.to_owned()).unwrap_or(text);
        w.write_record([
            m.manifest_no.as_str(),
            &m.master_waybill,
            "TOTAL",
            &d.parcels.len().to_string(),
            "",
            "",
            "",
            &m.weight_g.to_string(),
            &value,
            &t.currency,
        ])
        .map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(csv_err)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The manifest's declaration lists (one per parcel on it now), as data.
pub fn declarations(
    conn: &mut DbConn,
    no: &str,
    codes: &CustomsCodes,
) -> Result<(Manifest, Vec<Declaration>), AppError> {
    let r = find(conn, no)?;
    let c = contents(conn, r.id)?;
    let m = view(conn, r)?;
    let mut channels: HashMap<(crate::ids::ChannelId, i32), crate::channels::service::Channel> =
        HashMap::new();
    let mut out = Vec::with_capacity(c.parcels.len());
    for (_, p, weight) in &c.parcels {
        let (Some(channel_id), Some(version)) = (p.channel_id, p.channel_version) else {
            return Err(AppError::internal(anyhow::anyhow!("parcel {} unrouted", p.parcel_no)));
        };
        let ch = match channels.entry((channel_id, version)) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(crate::channels::service::version(conn, channel_id, version)?)
            }
        };
        let chargeable = i64::from(p.chargeable_weight_g.unwrap_or(*weight));
        let freight = MoneyDto {
            amount_minor: ch.rules().cost_minor(chargeable).unwrap_or(0),
            currency: ch.rate_base.currency.clone(),
        };
        let mut lines = Vec::new();
        let mut net = 0i64;
        for l in p.lines.iter().filter(|l| l.packed > 0) {
            let sku = c.skus.get(&l.sku_id).ok_or(AppError::not_found("sku"))?;
            let unit = Money::stored(sku.declared_value_minor, &sku.declared_currency).map_err(money_err)?;
            let total = unit.times(i64::from(l.packed)).map_err(money_err)?;
            net += i64::from(l.unit_weight_g) * i64::from(l.packed);
            lines.push(DeclarationLine {
                gnum: i32::try_from(lines.len() + 1).unwrap_or(i32::MAX),
                item_no: sku.sku_code.clone(),
                gcode: sku.hs_code.clone(),
                gname: sku.name_zh.clone(),
                gmodel: sku.name_en.clone(),
                bar_code: sku.barcode.clone(),
                country: sku.origin_country.clone(),
                qty: l.packed,
                unit: "011".into(),
                price: MoneyDto { amount_minor: unit.minor(), currency: unit.currency().as_str().into() },
                total_price: MoneyDto {
                    amount_minor: total.minor(),
                    currency: total.currency().as_str().into(),
                },
            });
        }
        out.push(Declaration {
            order_no: p.order_no.clone(),
            cop_no: p.parcel_no.clone(),
            logistics_code: if ch.carrier_code.trim().is_empty() {
                codes.logistics_code.clone()
            } else {
                ch.carrier_code.clone()
            },
            logistics_no: p.tracking_no.clone().unwrap_or_default(),
            trade_mode: "9610".into(),
            traf_mode: m.transport_mode.customs_code().into(),
            voyage_no: m.transport_ref.clone(),
            bill_no: m.master_waybill.clone(),
            country: p.destination_country.clone(),
            insured_fee: MoneyDto { amount_minor: 0, currency: freight.currency.clone() },
            freight,
            pack_no: 1,
            gross_weight_g: i64::from(*weight),
            net_weight_g: net,
            lines,
        });
    }
    Ok((m, out))
}

/// The context of a list made now for this manifest.
pub fn list_context<'a>(m: &Manifest, codes: &'a CustomsCodes, now: Timestamp) -> customs::ListContext<'a> {
    customs::ListContext {
        codes,
        app_time: now.0.format("%Y%m%d%H%M%S").to_string(),
        ie_date: m.planned_departure.0.format("%Y%m%d").to_string(),
        message_id: format!("{}-{}", m.manifest_no, now.0.format("%Y%m%d%H%M%S")),
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptInput {
    /// The parcel's tracking number (the list's `logisticsNo`) or parcel
    /// number (`copNo`).
    pub parcel: String,
    pub status: ReceiptStatus,
    /// Why customs rejected it (required for `rejected`).
    #[serde(default)]
    pub reason: Option<String>,
    /// When the broker received the answer; now if not given.
    #[serde(default)]
    pub received_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptsInput {
    /// 1 to 1,000 receipts.
    pub receipts: Vec<ReceiptInput>,
}

/// What was done with one receipt of a batch.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReceiptAnswer {
    pub parcel: String,
    /// `accepted`, `rejected` (pulled from its bag and held), `duplicate`
    /// (the parcel's answer was this already), or `refused` (see `code`).
    pub outcome: String,
    /// Why it was refused: `unknown_parcel`, `not_on_manifest`,
    /// `reason_required`.
    pub code: Option<String>,
    pub detail: Option<String>,
    pub bag_no: Option<String>,
}

impl ReceiptAnswer {
    fn refused(parcel: &str, code: &str, detail: String) -> Self {
        Self {
            parcel: parcel.into(),
            outcome: "refused".into(),
            code: Some(code.into()),
            detail: Some(detail),
            bag_no: None,
        }
    }
}

/// The broker's receipts on a manifest's declaration lists, answered per
/// receipt (one refused receipt does not fail the batch). An accepted
/// parcel stays; a rejected one is pulled from its bag, held
/// (`customs_rejected`) with an exception to take it out, and the manifest
/// no longer lists it.
pub fn receipts(
    tx: &mut DbConn,
    no: &str,
    input: &ReceiptsInput,
    actor: &str,
    now: Timestamp,
) -> Result<Vec<ReceiptAnswer>, AppError> {
    if input.receipts.is_empty() || input.receipts.len() > 1000 {
        return Err(AppError::invalid("receipts", "batch_size", "Send 1 to 1,000 receipts."));
    }
    let m = locked(tx, no)?;
    check(&m, Step::CustomsReceipt)?;
    let mut latest = answers(tx, m.id)?;
    let mut out = Vec::with_capacity(input.receipts.len());
    for rec in &input.receipts {
        out.push(receipt(tx, &m, rec, &mut latest, actor, now)?);
    }
    refresh(tx, m.id)?;
    Ok(out)
}

fn receipt(
    tx: &mut DbConn,
    m: &ManifestRow,
    rec: &ReceiptInput,
    latest: &mut HashMap<ParcelId, ReceiptRow>,
    actor: &str,
    now: Timestamp,
) -> Result<ReceiptAnswer, AppError> {
    let code = rec.parcel.trim();
    let reason = match (rec.status, rec.reason.as_deref().map(str::trim).filter(|r| !r.is_empty())) {
        (ReceiptStatus::Rejected, None) => {
            return Ok(ReceiptAnswer::refused(code, "reason_required", "A rejection says why.".into()));
        }
        (_, r) => r.map(|r| r.chars().filter(|c| !c.is_control()).take(500).collect::<String>()),
    };
    let Some(parcel) = packing::find(tx, code)? else {
        return Ok(ReceiptAnswer::refused(
            code,
            "unknown_parcel",
            format!("No parcel has the number {code}."),
        ));
    };
    let bag = bags::bag_of(tx, parcel)?;
    let on_manifest = match bag {
        Some(b) => store::manifest_of_bag(tx, b)? == Some(m.id),
        None => false,
    };
    let previous = latest.get(&parcel).map(answer_of).transpose()?;
    if previous == Some(rec.status) {
        return Ok(ReceiptAnswer {
            parcel: code.into(),
            outcome: "duplicate".into(),
            code: None,
            detail: None,
            bag_no: None,
        });
    }
    if !on_manifest {
        return Ok(ReceiptAnswer::refused(
            code,
            "not_on_manifest",
            format!("Parcel {code} is not on manifest {}.", m.manifest_no),
        ));
    }
    let bag = bag.ok_or(AppError::not_found("bag"))?;
    let p = packing::get(tx, parcel)?;
    let row = ReceiptRow {
        id: CustomsReceiptId::generate(),
        manifest_id: m.id,
        parcel_id: parcel,
        status: rec.status.as_str().into(),
        reason: reason.clone(),
        received_at: rec.received_at.unwrap_or(now),
        recorded_by: actor.into(),
        recorded_at: now,
    };
    store::insert_receipt(tx, &row)?;
    latest.insert(parcel, row);
    let bag_no = bags::by_ids(tx, &[bag])?.pop().map(|b| b.bag_no).unwrap_or_default();
    let event = match rec.status {
        ReceiptStatus::Accepted => catalog::CUSTOMS_ACCEPTED,
        ReceiptStatus::Rejected => {
            bags::pull_parcel(tx, bag, parcel, now)?;
            let why = reason.clone().unwrap_or_default();
            if !packing::hold_bagged(tx, parcel, &format!("customs_rejected: {why}"), now)? {
                return Err(AppError::conflict(
                    "parcel_moved",
                    format!("The parcel is not in a bag: {} is {}", p.parcel_no, p.status),
                ));
            }
            exceptions::raise(
                tx,
                NewException {
                    kind: ExceptionKind::CustomsRejected,
                    order_id: p.order_id,
                    parcel_id: Some(parcel),
                    sku: None,
                    bin_id: None,
                    quantity: 0,
                    detail: format!(
                        "{} {bag_no} {}: {why}",
                        m.manifest_no,
                        p.tracking_no.clone().unwrap_or_default()
                    ),
                    actor,
                },
            )?;
            catalog::CUSTOMS_REJECTED
        }
    };
    events::record(
        tx,
        NewEvent {
            event_type: event,
            aggregate_id: AggregateId(parcel.0),
            document_no: p.parcel_no.clone(),
            owner: None,
            payload: serde_json::json!({
                "parcel_id": parcel, "parcel_no": p.parcel_no, "tracking_no": p.tracking_no,
                "order_no": p.order_no, "manifest_no": m.manifest_no, "bag_no": bag_no,
                "status": rec.status, "reason": reason, "received_at": rec.received_at.unwrap_or(now),
            }),
        },
    )?;
    Ok(ReceiptAnswer {
        parcel: code.into(),
        outcome: rec.status.as_str().into(),
        code: None,
        detail: None,
        bag_no: Some(bag_no),
    })
}

/// What the dock's scanner is told.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LoadAnswer {
    pub bag_no: String,
    /// `false`: it was scanned before (the first scan counts).
    pub first_scan: bool,
    pub loaded: i64,
    pub bags: i64,
}

/// A bag scanned onto the vehicle at the dock. A bag not of this manifest
/// is refused loudly (which manifest it is on, if any) and nothing changes.
pub fn load_bag(
    tx: &mut DbConn,
    no: &str,
    code: &str,
    actor: &str,
    now: Timestamp,
) -> Result<LoadAnswer, AppError> {
    let m = locked(tx, no)?;
    check(&m, Step::Load)?;
    let bag = bags::lookup(tx, code)?;
    let on = store::manifest_of_bag(tx, bag.id)?;
    if on != Some(m.id) {
        let other = match on {
            Some(o) => store::by_id(tx, o)?.map(|o| o.manifest_no),
            None => None,
        };
        // What follows the last ": " is shown as is in every language.
        return Err(AppError::conflict(
            "bag_not_on_manifest",
            format!(
                "Bag not on this manifest, do not load it: {} → {} ≠ {}",
                bag.bag_no,
                other.unwrap_or_else(|| "—".into()),
                m.manifest_no
            ),
        ));
    }
    let first_scan = store::loaded(tx, m.id, bag.id, actor, now)? == 1;
    store::insert_scan(
        tx,
        &ScanRow {
            id: HandoverScanId::generate(),
            manifest_id: m.id,
            bag_id: bag.id,
            code: code.trim().chars().take(64).collect(),
            scanned_by: actor.into(),
            scanned_at: now,
        },
    )?;
    let rows = store::bags(tx, m.id)?;
    let loaded = rows.iter().filter(|r| r.loaded_at.is_some()).count();
    Ok(LoadAnswer {
        bag_no: bag.bag_no,
        first_scan,
        loaded: i64::try_from(loaded).unwrap_or(i64::MAX),
        bags: i64::try_from(rows.len()).unwrap_or(i64::MAX),
    })
}

/// The customs state of a manifest (for the handover screen).
pub fn customs_of(conn: &mut DbConn, no: &str) -> Result<CustomsState, AppError> {
    let r = find(conn, no)?;
    let ids: Vec<BagId> = store::bags(conn, r.id)?.into_iter().map(|b| b.bag_id).collect();
    let parcels: Vec<ParcelId> = bags::parcels_in(conn, &ids)?.into_iter().map(|(_, p, _)| p).collect();
    let latest = answers(conn, r.id)?;
    customs_state(conn, &parcels, &latest)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverInput {
    /// The carrier's driver who takes the bags.
    pub driver_name: String,
    /// The vehicle's plate (or the ULD / container number).
    pub vehicle_no: String,
    /// A supervisor's reason to let the vehicle go while parcels have no
    /// customs answer or a rejected parcel is not yet taken out.
    #[serde(default)]
    pub override_note: Option<String>,
}

/// What the handover did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverResult {
    #[serde(flatten)]
    pub manifest: Manifest,
    /// Bags on the manifest that were not scanned: pulled off, each a
    /// `handover_missing` exception (per parcel) and event.
    pub missing_bags: Vec<String>,
    pub parcels_handed_over: i64,
}

/// Hands the manifest over: reconciles the bags scanned onto the vehicle
/// against the manifest (a bag not scanned is pulled off it, raised as
/// `handover_missing` and an event, never a silent gap), records who, the
/// driver, the vehicle and when, and moves the loaded bags' parcels to
/// `handed_over` and their orders to `shipped`. Refused while customs has
/// not accepted every parcel (or a rejected one is not taken out), unless
/// a supervisor overrides with a note.
pub fn hand_over(
    tx: &mut DbConn,
    no: &str,
    input: &HandoverInput,
    actor: &str,
    supervisor: bool,
    now: Timestamp,
) -> Result<HandoverResult, AppError> {
    let mut errors = Errors::default();
    let driver = errors.take(values::text("driver_name", &input.driver_name, 100));
    let vehicle = errors.take(values::text("vehicle_no", &input.vehicle_no, 30));
    let note = match input.override_note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => errors.take(values::text("override_note", n, 500)),
        None => None,
    };
    errors.finish()?;
    let (Some(driver), Some(vehicle)) = (driver, vehicle) else {
        return Err(AppError::internal(anyhow::anyhow!("validated input missing")));
    };
    if note.is_some() && !supervisor {
        return Err(AppError::forbidden("Only a supervisor overrides the customs check."));
    }
    let m = locked(tx, no)?;
    check(&m, Step::HandOver)?;
    let rows = store::bags(tx, m.id)?;
    let (loaded, missing): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.loaded_at.is_some());
    if loaded.is_empty() {
        return Err(AppError::conflict(
            "nothing_loaded",
            format!("No bag was scanned onto the vehicle: {}", m.manifest_no),
        ));
    }
    let state = customs_of(tx, &m.manifest_no)?;
    let overridden = !state.clear();
    if overridden && note.is_none() {
        return Err(AppError::conflict(
            "customs_not_clear",
            format!(
                "Customs has not cleared every parcel: wait for the broker's receipts, or a supervisor \
                 overrides with a note: {}: {} unanswered, {} rejected not taken out",
                m.manifest_no, state.unanswered, state.rejected_open
            ),
        ));
    }
    let mut missing_bags = Vec::new();
    let missing_ids: Vec<BagId> = missing.iter().map(|r| r.bag_id).collect();
    let missing_parcels = bags::parcels_in(tx, &missing_ids)?;
    for bag in bags::by_ids(tx, &missing_ids)? {
        store::pull_bag(tx, m.id, bag.id, "handover_missing", now)?;
        let parcels: Vec<ParcelId> =
            missing_parcels.iter().filter(|(b, _, _)| *b == bag.id).map(|(_, p, _)| *p).collect();
        for parcel in packing::get_many(tx, &parcels)? {
            exceptions::raise(
                tx,
                NewException {
                    kind: ExceptionKind::HandoverMissing,
                    order_id: parcel.order_id,
                    parcel_id: Some(parcel.id),
                    sku: None,
                    bin_id: None,
                    quantity: 0,
                    detail: format!("{} {}", bag.bag_no, m.manifest_no),
                    actor,
                },
            )?;
        }
        missing_bags.push((bag.bag_no.clone(), parcels.len()));
    }
    let mut handed = 0i64;
    let loaded_ids: Vec<BagId> = loaded.iter().map(|r| r.bag_id).collect();
    for (_, p, _) in bags::parcels_in(tx, &loaded_ids)? {
        if packing::hand_over(tx, p, &m.manifest_no, now)? {
            handed += 1;
        }
    }
    let h = store::Handover {
        actor,
        driver_name: &driver,
        vehicle_no: &vehicle,
        override_by: overridden.then_some(actor),
        override_note: if overridden { note.as_deref() } else { None },
        now,
    };
    if store::handed_over(tx, m.id, &h)? != 1 {
        return Err(AppError::conflict("manifest_moved", "The manifest changed meanwhile: look again."));
    }
    let out = refresh(tx, m.id)?;
    for (bag_no, parcels) in &missing_bags {
        record(
            tx,
            &out,
            catalog::MANIFEST_HANDOVER_MISSING,
            serde_json::json!({"missing_bag_no": bag_no, "missing_parcels": parcels, "reported_by": actor}),
        )?;
    }
    record(
        tx,
        &out,
        catalog::MANIFEST_HANDED_OVER,
        serde_json::json!({
            "handed_over_by": actor, "handed_over_at": now, "vehicle_no": vehicle,
            "parcels_handed_over": handed, "missing_bags": missing_bags.iter().map(|(b, _)| b).collect::<Vec<_>>(),
            "customs_override": overridden,
        }),
    )?;
    Ok(HandoverResult {
        manifest: out,
        missing_bags: missing_bags.into_iter().map(|(b, _)| b).collect(),
        parcels_handed_over: handed,
    })
}

/// The scans at the dock, first first: bag number, by whom, when.
pub fn scans(conn: &mut DbConn, no: &str) -> Result<Vec<(String, String, Timestamp)>, AppError> {
    let r = find(conn, no)?;
    let rows = store::scans(conn, r.id)?;
    let ids: Vec<BagId> = rows.iter().map(|s| s.bag_id).collect();
    let nos: HashMap<BagId, String> =
        bags::by_ids(conn, &ids)?.into_iter().map(|b| (b.id, b.bag_no)).collect();
    Ok(rows
        .into_iter()
        .map(|s| (nos.get(&s.bag_id).cloned().unwrap_or(s.code), s.scanned_by, s.scanned_at))
        .collect())
}

/// A customs answer about one parcel, for its timeline.
#[derive(Debug, Clone)]
pub struct ParcelReceipt {
    pub manifest_no: String,
    pub status: ReceiptStatus,
    pub reason: Option<String>,
    pub received_at: Timestamp,
    pub recorded_by: String,
}

/// The customs broker's answers about a parcel, oldest first.
pub fn receipts_of_parcel(conn: &mut DbConn, parcel: ParcelId) -> Result<Vec<ParcelReceipt>, AppError> {
    store::receipts_of_parcel(conn, parcel)?
        .into_iter()
        .map(|(r, manifest_no)| {
            Ok(ParcelReceipt {
                status: ReceiptStatus::stored(&r.status, || format!("customs receipt {}", r.id))?,
                manifest_no,
                reason: r.reason,
                received_at: r.received_at,
                recorded_by: r.recorded_by,
            })
        })
        .collect()
}
