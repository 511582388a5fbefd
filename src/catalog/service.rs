//! Catalog use cases. Writes expect the caller's `write_tx`.

use crate::db::types::Timestamp;
use crate::events::{self, EventType, NewEvent, catalog};
use crate::ids::{AggregateId, SkuId, SupplierId};
use serde::Serialize;

use super::domain::{Barcode, Measures, MoneyDto, NewSku, Physical, SensitiveFlag, SkuInput};
use super::store;
use crate::db::DbConn;
use crate::error::AppError;
use crate::paging::{Page, PageRequest};
use crate::values::{ActiveStatus, Errors};

/// What other capabilities may read of the catalog's rows (the store itself
/// is private to `catalog`).
pub use super::store::{SkuFilter, SkuRow, by_id as sku_row, by_ids as sku_rows};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeasuredDto {
    pub weight_g: i32,
    pub length_mm: i32,
    pub width_mm: i32,
    pub height_mm: i32,
    pub measured_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Sku {
    pub id: SkuId,
    pub supplier_id: SupplierId,
    pub sku_code: String,
    pub barcode: String,
    pub name_zh: String,
    pub name_en: String,
    pub declared: Measures,
    pub declared_value: MoneyDto,
    pub hs_code: String,
    pub origin_country: String,
    pub supply_price: MoneyDto,
    pub sensitive_flags: Vec<SensitiveFlag>,
    pub status: ActiveStatus,
    /// What the warehouse measured; null until measured.
    pub measured: Option<MeasuredDto>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl TryFrom<SkuRow> for Sku {
    type Error = AppError;
    fn try_from(r: SkuRow) -> Result<Self, AppError> {
        let measured = match (
            r.measured_weight_g,
            r.measured_length_mm,
            r.measured_width_mm,
            r.measured_height_mm,
            r.measured_at,
        ) {
            (Some(weight_g), Some(length_mm), Some(width_mm), Some(height_mm), Some(measured_at)) => {
                Some(MeasuredDto { weight_g, length_mm, width_mm, height_mm, measured_at })
            }
            _ => None,
        };
        Ok(Self {
            id: r.id,
            supplier_id: r.supplier_id,
            sku_code: r.sku_code,
            barcode: r.barcode,
            name_zh: r.name_zh,
            name_en: r.name_en,
            declared: Measures {
                weight_g: r.declared_weight_g.into(),
                length_mm: r.declared_length_mm.into(),
                width_mm: r.declared_width_mm.into(),
                height_mm: r.declared_height_mm.into(),
            },
            declared_value: MoneyDto { amount_minor: r.declared_value_minor, currency: r.declared_currency },
            hs_code: r.hs_code,
            origin_country: r.origin_country,
            supply_price: MoneyDto { amount_minor: r.supply_price_minor, currency: r.supply_currency },
            sensitive_flags: SensitiveFlag::from_bits(r.sensitive_flags),
            status: ActiveStatus::stored(&r.status, || format!("SKU {}", r.id))?,
            measured,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Registers a SKU for an active supplier. A barcode names one SKU in the
/// whole warehouse: a clash is `barcode_taken`; a supplier's SKU code is
/// unique for that supplier: `sku_code_taken`.
pub fn register(conn: &mut DbConn, supplier_id: SupplierId, input: &SkuInput) -> Result<Sku, AppError> {
    let new = NewSku::parse(input)?;
    if !crate::suppliers::service::is_active(conn, supplier_id)? {
        return Err(AppError::conflict(
            "supplier_inactive",
            "The supplier is suspended and may not register SKUs.",
        ));
    }
    if store::by_barcode(conn, new.barcode.as_str())?.is_some() {
        return Err(AppError::conflict(
            "barcode_taken",
            format!("Barcode {} already identifies another SKU.", new.barcode.as_str()),
        ));
    }
    if store::exists_code(conn, supplier_id, &new.sku_code)? {
        return Err(AppError::conflict(
            "sku_code_taken",
            format!("You already have a SKU with code {}.", new.sku_code),
        ));
    }
    let now = Timestamp::now();
    let row = new_row(new, supplier_id, now);
    // The checks above give the precise code; the unique indexes still
    // decide when two registrations race.
    store::insert(conn, &row).map_err(|e| {
        if crate::db::is_unique_violation(&e) {
            AppError::conflict("barcode_taken", "The barcode or SKU code was registered at the same moment.")
        } else {
            e.into()
        }
    })?;
    let sku: Sku = row.try_into()?;
    events::record(
        conn,
        sku_event(&sku, catalog::SKU_REGISTERED, serde_json::json!({"barcode": sku.barcode})),
    )?;
    Ok(sku)
}

/// A SKU's event: ids, codes, status and what changed.
fn sku_event(sku: &Sku, event_type: EventType, extra: serde_json::Value) -> NewEvent {
    let payload = crate::events::merged(
        serde_json::json!({
            "sku_id": sku.id, "supplier_id": sku.supplier_id, "sku_code": sku.sku_code, "status": sku.status,
        }),
        extra,
    );
    NewEvent {
        event_type,
        aggregate_id: AggregateId(sku.id.0),
        document_no: sku.sku_code.clone(),
        owner: Some(sku.supplier_id),
        payload,
    }
}

/// A SKU as `owner` may see it: `None` lets staff see any SKU; a supplier
/// asking for another supplier's SKU gets the same 404 as for none at all.
pub fn get(conn: &mut DbConn, id: SkuId, owner: Option<SupplierId>) -> Result<Sku, AppError> {
    store::by_id(conn, id)?
        .filter(|r| owner.is_none_or(|o| o == r.supplier_id))
        .map(TryInto::try_into)
        .transpose()?
        .ok_or(AppError::not_found("sku"))
}

pub fn by_barcode(conn: &mut DbConn, barcode: &str) -> Result<Option<Sku>, AppError> {
    let Ok(code) = Barcode::parse("barcode", barcode) else { return Ok(None) };
    store::by_barcode(conn, code.as_str())?.map(TryInto::try_into).transpose()
}

pub fn list(conn: &mut DbConn, filter: &SkuFilter, page: PageRequest) -> Result<Page<Sku>, AppError> {
    let rows = store::list(conn, filter, page)?;
    Page::from_rows(rows, page, |r| r.id.0).try_map(TryInto::try_into)
}

pub fn set_status(
    conn: &mut DbConn,
    id: SkuId,
    owner: Option<SupplierId>,
    status: ActiveStatus,
) -> Result<Sku, AppError> {
    let before = get(conn, id, owner)?;
    if before.status == status {
        return Ok(before);
    }
    store::set_status(conn, id, status.as_str(), Timestamp::now())?;
    let after = get(conn, id, owner)?;
    events::record(conn, sku_event(&after, catalog::SKU_STATUS_CHANGED, serde_json::json!({})))?;
    Ok(after)
}

/// Records what the warehouse measured (at receiving or QC).
pub fn record_measurements(conn: &mut DbConn, id: SkuId, m: &Measures) -> Result<Sku, AppError> {
    let mut errs = Errors::default();
    let physical = Physical::parse("", m, &mut errs);
    errs.finish()?;
    let physical = physical.expect("checked");
    if store::set_measured(conn, id, &physical, Timestamp::now())? == 0 {
        return Err(AppError::not_found("sku"));
    }
    let sku = get(conn, id, None)?;
    let measured = serde_json::json!({"measured": {
        "weight_g": physical.weight_g, "length_mm": physical.length_mm,
        "width_mm": physical.width_mm, "height_mm": physical.height_mm,
    }});
    events::record(conn, sku_event(&sku, catalog::SKU_MEASURED, measured))?;
    Ok(sku)
}

pub fn count(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(store::count(conn)?)
}

/// SKUs made with [`new_row`] (each from an input [`NewSku::parse`]
/// accepted) written in bulk, without `register`'s checks (codes and
/// barcodes must be new: the unique indexes still refuse a repeat) and
/// without their `sku.registered` events: for loading a warehouse nothing
/// reads yet, such as the benchmark's 50,000 SKUs. Returns the rows written.
pub fn load_rows(tx: &mut DbConn, rows: &[SkuRow]) -> Result<usize, AppError> {
    Ok(store::insert_many(tx, rows)?)
}

/// The row of a newly registered SKU (active, not measured yet).
pub fn new_row(new: NewSku, supplier_id: SupplierId, now: Timestamp) -> SkuRow {
    SkuRow {
        id: SkuId::generate(),
        supplier_id,
        sku_code: new.sku_code,
        barcode: new.barcode.as_str().to_owned(),
        name_zh: new.name_zh,
        name_en: new.name_en,
        declared_weight_g: new.declared.weight_g,
        declared_length_mm: new.declared.length_mm,
        declared_width_mm: new.declared.width_mm,
        declared_height_mm: new.declared.height_mm,
        declared_value_minor: new.declared_value.minor(),
        declared_currency: new.declared_value.currency().as_str().to_owned(),
        hs_code: new.hs_code,
        origin_country: new.origin_country.as_str().to_owned(),
        supply_price_minor: new.supply_price.minor(),
        supply_currency: new.supply_price.currency().as_str().to_owned(),
        sensitive_flags: new.sensitive_flags,
        status: ActiveStatus::Active.as_str().into(),
        measured_weight_g: None,
        measured_length_mm: None,
        measured_width_mm: None,
        measured_height_mm: None,
        measured_at: None,
        created_at: now,
        updated_at: now,
    }
}
