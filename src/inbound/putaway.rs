//! Putaway (上架): passed units from QC into bins. Only then are they
//! available to sell.
//!
//! Suggestion: a bin already holding this SKU for this owner, with room,
//! first in walk order; otherwise the first empty storage bin (in walk
//! order) that can take the units. The operator confirms by scanning the
//! bin; any other valid storage bin is accepted too.

use serde::{Deserialize, Serialize};

use super::asn::{self, Asn, status_of};
use super::domain::{AsnAction, AsnStatus};
use super::store;
use crate::db::DbConn;
use crate::error::AppError;
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, AsnId, BinId, SkuId, SupplierId};
use crate::stock::{self, Bucket, Movement, Place, Reason};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionReason {
    /// The bin already holds this SKU of this owner.
    SameSku,
    /// An empty storage bin, first along the walk.
    EmptyBin,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub bin_code: String,
    pub reason: SuggestionReason,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PutawayTask {
    pub sku_id: SkuId,
    pub sku_code: String,
    pub barcode: String,
    pub name_zh: String,
    pub name_en: String,
    /// Passed QC, not yet in a bin.
    pub remaining: i32,
    /// Null if no bin has room.
    pub suggestion: Option<Suggestion>,
}

/// Where `units` of an owner's SKU should go.
pub fn suggest(
    conn: &mut DbConn,
    owner: SupplierId,
    sku: SkuId,
    units: i32,
) -> Result<Option<Suggestion>, AppError> {
    let holding: Vec<BinId> = stock::service::balance_rows(conn, Some(owner), Some(sku), None, 500)?
        .into_iter()
        .filter(|b| b.bucket == Bucket::Available.as_str() && b.bin_id != stock::UNLOCATED)
        .map(|b| b.bin_id)
        .collect();
    for bin in crate::warehouse::service::bins_by_ids(conn, &holding)? {
        let storage = crate::warehouse::domain::BinType::parse("bin_type", &bin.bin_type)
            .is_ok_and(crate::warehouse::domain::BinType::is_storage);
        if !bin.active || !storage {
            continue;
        }
        let room = match bin.capacity_units {
            None => true,
            Some(cap) => stock::service::units_in_bin(conn, bin.id)? + i64::from(units) <= i64::from(cap),
        };
        if room {
            return Ok(Some(Suggestion { bin_code: bin.code, reason: SuggestionReason::SameSku }));
        }
    }
    Ok(crate::warehouse::service::empty_storage_bins(conn, units, 1)?
        .into_iter()
        .next()
        .map(|b| Suggestion { bin_code: b.code, reason: SuggestionReason::EmptyBin }))
}

/// What is left to put away on a shipment, with a suggested bin each.
pub fn tasks(conn: &mut DbConn, id: AsnId) -> Result<Vec<PutawayTask>, AppError> {
    let a = asn::get(conn, id, None)?;
    let mut out = Vec::new();
    for l in &a.lines {
        let remaining = l.qc_passed - l.put_away;
        if remaining <= 0 {
            continue;
        }
        out.push(PutawayTask {
            sku_id: l.sku_id,
            sku_code: l.sku_code.clone(),
            barcode: l.barcode.clone(),
            name_zh: l.name_zh.clone(),
            name_en: l.name_en.clone(),
            remaining,
            suggestion: suggest(conn, a.supplier_id, l.sku_id, remaining)?,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutawayInput {
    /// The SKU, by id or by a scanned unit barcode.
    #[serde(default)]
    pub sku_id: Option<SkuId>,
    #[serde(default)]
    pub barcode: Option<String>,
    /// The bin scanned.
    pub bin: String,
    /// Default: everything remaining of this SKU.
    #[serde(default)]
    pub quantity: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PutawayResult {
    pub sku_code: String,
    pub bin_code: String,
    pub quantity: i32,
    /// The bin that was suggested, if any.
    pub suggested_bin: Option<String>,
    pub asn: Asn,
}

pub fn confirm(
    tx: &mut DbConn,
    id: AsnId,
    input: &PutawayInput,
    actor: &str,
) -> Result<PutawayResult, AppError> {
    let row = asn::lock(tx, id, None)?;
    if status_of(&row)? != AsnStatus::Inspected {
        return Err(AppError::conflict(
            "illegal_transition",
            format!("The shipment is {}; only an inspected shipment is put away.", status_of(&row)?),
        ));
    }
    let lines = store::lines(tx, id)?;
    let sku_id = match (&input.sku_id, &input.barcode) {
        (Some(s), _) => Some(*s),
        (None, Some(b)) => crate::catalog::service::by_barcode(tx, b)?.map(|s| s.id),
        (None, None) => {
            return Err(AppError::invalid("barcode", "required", "Scan a unit of the SKU to put away."));
        }
    };
    let Some(line) = sku_id.and_then(|s| lines.iter().find(|l| l.sku_id == s)) else {
        return Err(AppError::invalid(
            "barcode",
            "not_on_shipment",
            "This product is not on the shipment being put away.",
        ));
    };
    let remaining = line.qc_passed - line.put_away;
    if remaining <= 0 {
        return Err(AppError::conflict("nothing_to_put_away", "Everything of this SKU is already put away."));
    }
    let quantity = match input.quantity {
        None => remaining,
        Some(q) => crate::values::positive_i32("quantity", q, i64::from(remaining)).map_err(|e| {
            if e.code == "too_large" {
                AppError::conflict(
                    "exceeds_remaining",
                    format!("Only {remaining} unit(s) are left to put away."),
                )
            } else {
                AppError::validation(vec![e])
            }
        })?,
    };
    let suggested = suggest(tx, row.supplier_id, line.sku_id, quantity)?.map(|s| s.bin_code);
    let bin = crate::warehouse::service::storage_bin(tx, "bin", &input.bin)?;
    stock::service::ensure_sole_occupant(tx, &bin, row.supplier_id, line.sku_id)?;
    stock::service::ensure_room(tx, bin.id, &bin.code, bin.capacity_units, quantity)?;
    stock::service::apply(
        tx,
        &Movement {
            owner: row.supplier_id,
            sku: line.sku_id,
            quantity,
            from: Some(Place::unlocated(Bucket::Qc)),
            to: Some(Place::at(Bucket::Available, bin.id)),
            reason: Reason::Putaway,
            document_no: row.asn_no.clone(),
            note: String::new(),
            actor: actor.into(),
        },
    )?;
    store::add_put_away(tx, id, line.sku_id, quantity)?;
    if let Some(order) = line.stock_order_id {
        store::bump_stock_order_line(tx, order, line.sku_id, 0, 0, 0, quantity)?;
    }
    let sku_code = crate::catalog::service::sku_row(tx, line.sku_id)?.map(|s| s.sku_code).unwrap_or_default();
    events::record(
        tx,
        NewEvent {
            event_type: catalog::STOCK_PUT_AWAY,
            aggregate_id: AggregateId(line.sku_id.0),
            document_no: row.asn_no.clone(),
            owner: Some(row.supplier_id),
            payload: serde_json::json!({
                "asn_id": id, "asn_no": row.asn_no, "supplier_id": row.supplier_id, "sku_id": line.sku_id,
                "sku_code": sku_code, "bin": bin.code, "quantity": quantity, "suggested_bin": suggested,
            }),
        },
    )?;
    let done = store::lines(tx, id)?.iter().all(|l| l.put_away >= l.qc_passed);
    let asn = if done {
        let row = store::asn(tx, id)?.ok_or(AppError::not_found("shipment"))?;
        let dock_to_stock =
            row.arrived_at.map(|a| (crate::db::types::Timestamp::now().0 - a.0).num_seconds());
        asn::transition(
            tx,
            &row,
            AsnAction::FinishPutaway,
            catalog::ASN_COMPLETED,
            serde_json::json!({"dock_to_stock_seconds": dock_to_stock}),
            crate::db::types::Timestamp::now(),
        )?
    } else {
        asn::get(tx, id, None)?
    };
    Ok(PutawayResult { sku_code, bin_code: bin.code, quantity, suggested_bin: suggested, asn })
}
