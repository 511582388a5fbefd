//! Inbound shipments (发货单 / ASN): created and submitted by the supplier,
//! with cartons and their contents; carton labels (箱唛).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::domain::{AsnAction, AsnStatus, StockOrderAction, StockOrderStatus};
use super::store::{self, AsnLineRow, AsnRow, CartonItemRow, CartonRow};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::{AppError, FieldError};
use crate::events::{self, EventType, NewEvent, catalog};
use crate::ids::{AggregateId, AsnId, SkuId, StockOrderId, SupplierId};
use crate::values::{self, Errors};

/// Most lines on one shipment, and most cartons.
pub const MAX_LINES: usize = 500;
pub const MAX_CARTONS: i64 = 2_000;
const MAX_UNITS: i64 = 1_000_000;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AsnInput {
    /// When the supplier expects it at the warehouse.
    pub estimated_arrival: Timestamp,
    /// Needed to submit; may be added at submission.
    #[serde(default)]
    pub carrier: Option<String>,
    /// 物流单号. One live shipment per tracking number.
    #[serde(default)]
    pub tracking_no: Option<String>,
    /// One line per SKU.
    pub lines: Vec<AsnLineInput>,
    /// The cartons and what is in each; contents must add up to the lines.
    pub cartons: Vec<CartonInput>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AsnLineInput {
    pub sku_id: SkuId,
    pub quantity: i64,
    /// The stock-up order this line fills, if any (it must be accepted and
    /// ask for this SKU).
    #[serde(default)]
    pub stock_order_id: Option<StockOrderId>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartonInput {
    /// How many identical cartons this entry stands for (default 1).
    #[serde(default)]
    pub repeat: Option<i64>,
    pub contents: Vec<CartonContent>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartonContent {
    pub sku_id: SkuId,
    pub quantity: i64,
}

/// A shipment line with what happened to it so far.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AsnLine {
    pub sku_id: SkuId,
    pub sku_code: String,
    pub barcode: String,
    pub name_zh: String,
    pub name_en: String,
    pub stock_order_id: Option<StockOrderId>,
    pub expected: i32,
    /// Counted good at receiving (closed cartons).
    pub received: i32,
    pub damaged: i32,
    pub qc_passed: i32,
    pub qc_failed: i32,
    pub put_away: i32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CartonItem {
    pub sku_id: SkuId,
    pub expected: i32,
    pub counted: i32,
    pub damaged: i32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Carton {
    pub carton_no: i32,
    /// What the carton label's barcode holds.
    pub label: String,
    pub arrived_at: Option<Timestamp>,
    /// The clerk counting it now, if any.
    pub receiving_by: Option<String>,
    /// Opened, then set aside for another carton before it was closed: its
    /// counts are kept until someone opens it again.
    pub paused: bool,
    pub closed_at: Option<Timestamp>,
    pub items: Vec<CartonItem>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Asn {
    pub id: AsnId,
    pub asn_no: String,
    pub supplier_id: SupplierId,
    pub status: AsnStatus,
    pub carrier: Option<String>,
    pub tracking_no: Option<String>,
    pub estimated_arrival: Timestamp,
    pub carton_count: i32,
    pub cartons_arrived: i32,
    pub reject_reason: Option<String>,
    pub reject_note: Option<String>,
    pub submitted_at: Option<Timestamp>,
    pub arrived_at: Option<Timestamp>,
    pub received_at: Option<Timestamp>,
    pub inspected_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    /// Seconds from check-in to the last unit put away.
    pub dock_to_stock_seconds: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub lines: Vec<AsnLine>,
    pub cartons: Vec<Carton>,
}

impl Asn {
    pub fn line(&self, sku: SkuId) -> Option<&AsnLine> {
        self.lines.iter().find(|l| l.sku_id == sku)
    }
}

/// A shipment in lists: no lines or cartons.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AsnSummary {
    pub id: AsnId,
    pub asn_no: String,
    pub supplier_id: SupplierId,
    pub status: AsnStatus,
    pub tracking_no: Option<String>,
    pub estimated_arrival: Timestamp,
    pub carton_count: i32,
    pub cartons_arrived: i32,
    pub created_at: Timestamp,
}

impl TryFrom<AsnRow> for AsnSummary {
    type Error = AppError;
    fn try_from(r: AsnRow) -> Result<Self, AppError> {
        let status = status_of(&r)?;
        Ok(Self {
            id: r.id,
            asn_no: r.asn_no,
            supplier_id: r.supplier_id,
            status,
            tracking_no: r.tracking_no,
            estimated_arrival: r.estimated_arrival,
            carton_count: r.carton_count,
            cartons_arrived: r.cartons_arrived,
            created_at: r.created_at,
        })
    }
}

pub fn status_of(r: &AsnRow) -> Result<AsnStatus, AppError> {
    AsnStatus::stored(&r.status, || format!("shipment {}", r.asn_no))
}

/// The shipment as `owner` may see it (`None`: staff). Another supplier's
/// shipment is the same 404 as none.
pub fn get(conn: &mut DbConn, id: AsnId, owner: Option<SupplierId>) -> Result<Asn, AppError> {
    let row = store::asn(conn, id)?
        .filter(|r| owner.is_none_or(|o| o == r.supplier_id))
        .ok_or(AppError::not_found("shipment"))?;
    assemble(conn, row)
}

pub fn by_no(conn: &mut DbConn, asn_no: &str) -> Result<Asn, AppError> {
    let row = store::asn_by_no(conn, asn_no.trim().to_ascii_uppercase().as_str())?
        .ok_or(AppError::not_found("shipment"))?;
    assemble(conn, row)
}

fn assemble(conn: &mut DbConn, r: AsnRow) -> Result<Asn, AppError> {
    let lines = store::lines(conn, r.id)?;
    let mut out_lines = Vec::with_capacity(lines.len());
    for l in lines {
        let sku = crate::catalog::service::sku_row(conn, l.sku_id)?.ok_or(AppError::not_found("sku"))?;
        out_lines.push(AsnLine {
            sku_id: l.sku_id,
            sku_code: sku.sku_code,
            barcode: sku.barcode,
            name_zh: sku.name_zh,
            name_en: sku.name_en,
            stock_order_id: l.stock_order_id,
            expected: l.expected,
            received: l.received,
            damaged: l.damaged,
            qc_passed: l.qc_passed,
            qc_failed: l.qc_failed,
            put_away: l.put_away,
        });
    }
    let mut items: BTreeMap<i32, Vec<CartonItem>> = BTreeMap::new();
    for i in store::carton_items(conn, r.id)? {
        items.entry(i.carton_no).or_default().push(CartonItem {
            sku_id: i.sku_id,
            expected: i.expected,
            counted: i.counted,
            damaged: i.damaged,
        });
    }
    let cartons = store::cartons(conn, r.id)?
        .into_iter()
        .map(|c| Carton {
            carton_no: c.carton_no,
            label: c.label,
            arrived_at: c.arrived_at,
            paused: c.receiving_started_at.is_some() && c.receiving_by.is_none() && c.closed_at.is_none(),
            receiving_by: c.receiving_by,
            closed_at: c.closed_at,
            items: items.remove(&c.carton_no).unwrap_or_default(),
        })
        .collect();
    let dock_to_stock_seconds = match (r.arrived_at, r.completed_at) {
        (Some(a), Some(c)) => Some((c.0 - a.0).num_seconds()),
        _ => None,
    };
    Ok(Asn {
        id: r.id,
        asn_no: r.asn_no.clone(),
        supplier_id: r.supplier_id,
        status: status_of(&r)?,
        carrier: r.carrier,
        tracking_no: r.tracking_no,
        estimated_arrival: r.estimated_arrival,
        carton_count: r.carton_count,
        cartons_arrived: r.cartons_arrived,
        reject_reason: r.reject_reason,
        reject_note: r.reject_note,
        submitted_at: r.submitted_at,
        arrived_at: r.arrived_at,
        received_at: r.received_at,
        inspected_at: r.inspected_at,
        completed_at: r.completed_at,
        dock_to_stock_seconds,
        created_at: r.created_at,
        updated_at: r.updated_at,
        lines: out_lines,
        cartons,
    })
}

/// The label a carton's barcode carries: the shipment number and the carton
/// number, e.g. `ASN-261123-0001-C003`.
pub fn carton_label(asn_no: &str, carton_no: i32) -> String {
    format!("{asn_no}-C{carton_no:03}")
}

fn tracking(field: &str, s: &str) -> Result<String, FieldError> {
    values::code(field, s, 40)
}

/// Creates a draft shipment. Every problem with the input is reported at
/// once; nothing is written unless all is well.
pub fn create(tx: &mut DbConn, supplier: SupplierId, input: &AsnInput) -> Result<Asn, AppError> {
    if !crate::suppliers::service::is_active(tx, supplier)? {
        return Err(AppError::conflict("supplier_inactive", "The supplier is suspended and may not ship."));
    }
    let mut errs = Errors::default();
    let carrier = input.carrier.as_deref().and_then(|c| errs.take(values::text("carrier", c, 60)));
    let tracking_no = input.tracking_no.as_deref().and_then(|t| errs.take(tracking("tracking_no", t)));
    if input.lines.is_empty() {
        errs.0.push(FieldError::new("lines", "required", "a shipment has at least one line"));
    }
    if input.lines.len() > MAX_LINES {
        errs.0.push(FieldError::new("lines", "too_many", format!("at most {MAX_LINES} lines")));
    }
    // Lines: own, active SKUs, each once, positive quantities.
    let mut wanted: HashMap<SkuId, i64> = HashMap::new();
    for (i, l) in input.lines.iter().enumerate() {
        let field = format!("lines[{i}]");
        let q = errs.take(values::positive_i32(&format!("{field}.quantity"), l.quantity, MAX_UNITS));
        if wanted.insert(l.sku_id, q.map(i64::from).unwrap_or(0)).is_some() {
            errs.0.push(FieldError::new(&format!("{field}.sku_id"), "duplicate_sku", "one line per SKU"));
        }
        match crate::catalog::service::sku_row(tx, l.sku_id)? {
            Some(s) if s.supplier_id == supplier => {
                if s.status != "active" {
                    errs.0.push(FieldError::new(
                        &format!("{field}.sku_id"),
                        "sku_inactive",
                        "the SKU is suspended",
                    ));
                }
            }
            // Another supplier's SKU reads exactly like a missing one.
            _ => errs.0.push(FieldError::new(
                &format!("{field}.sku_id"),
                "unknown_sku",
                "you have no SKU with this id",
            )),
        }
        if let Some(order) = l.stock_order_id {
            check_stock_order_line(tx, supplier, order, l.sku_id, l.quantity, &field, &mut errs)?;
        }
    }
    // Cartons: contents on the lines, positive, adding up per SKU.
    let mut packed: HashMap<SkuId, i64> = HashMap::new();
    let mut carton_total: i64 = 0;
    if input.cartons.is_empty() {
        errs.0.push(FieldError::new("cartons", "required", "a shipment has at least one carton"));
    }
    for (i, c) in input.cartons.iter().enumerate() {
        let field = format!("cartons[{i}]");
        let repeat = match c.repeat {
            None => 1,
            Some(r) => {
                errs.take(values::positive_i32(&format!("{field}.repeat"), r, MAX_CARTONS)).unwrap_or(0)
            }
        };
        carton_total += i64::from(repeat);
        if c.contents.is_empty() {
            errs.0.push(FieldError::new(
                &format!("{field}.contents"),
                "required",
                "a carton holds at least one SKU",
            ));
        }
        let mut seen = Vec::new();
        for (j, item) in c.contents.iter().enumerate() {
            let f = format!("{field}.contents[{j}]");
            if seen.contains(&item.sku_id) {
                errs.0.push(FieldError::new(
                    &format!("{f}.sku_id"),
                    "duplicate_sku",
                    "list each SKU once per carton",
                ));
            }
            seen.push(item.sku_id);
            if !wanted.contains_key(&item.sku_id) {
                errs.0.push(FieldError::new(
                    &format!("{f}.sku_id"),
                    "not_on_lines",
                    "this SKU is on no line",
                ));
            }
            if let Some(q) =
                errs.take(values::positive_i32(&format!("{f}.quantity"), item.quantity, MAX_UNITS))
            {
                *packed.entry(item.sku_id).or_default() += i64::from(q) * i64::from(repeat);
            }
        }
    }
    if carton_total > MAX_CARTONS {
        errs.0.push(FieldError::new("cartons", "too_many", format!("at most {MAX_CARTONS} cartons")));
    }
    for (i, l) in input.lines.iter().enumerate() {
        let in_cartons = packed.get(&l.sku_id).copied().unwrap_or(0);
        if l.quantity > 0 && in_cartons != l.quantity {
            errs.0.push(FieldError::new(
                &format!("lines[{i}].quantity"),
                "cartons_do_not_add_up",
                format!("the cartons hold {in_cartons} of this SKU, the line says {}", l.quantity),
            ));
        }
    }
    if let Some(t) = &tracking_no
        && store::supplier_asn_by_tracking(tx, supplier, t)?.is_some()
    {
        errs.0.push(FieldError::new(
            "tracking_no",
            "tracking_taken",
            "another of your shipments has this tracking number",
        ));
    }
    errs.finish()?;

    let now = Timestamp::now();
    let asn_no = crate::db::docno::next(tx, "ASN")?;
    let id = AsnId::generate();
    let row = AsnRow {
        id,
        asn_no: asn_no.clone(),
        supplier_id: supplier,
        carrier,
        tracking_no,
        estimated_arrival: Timestamp::from(input.estimated_arrival.0),
        status: AsnStatus::Draft.as_str().into(),
        carton_count: carton_total as i32,
        cartons_arrived: 0,
        reject_reason: None,
        reject_note: None,
        submitted_at: None,
        arrived_at: None,
        received_at: None,
        inspected_at: None,
        completed_at: None,
        created_at: now,
        updated_at: now,
    };
    let lines: Vec<AsnLineRow> = input
        .lines
        .iter()
        .map(|l| AsnLineRow {
            asn_id: id,
            sku_id: l.sku_id,
            stock_order_id: l.stock_order_id,
            expected: l.quantity as i32,
            received: 0,
            damaged: 0,
            qc_passed: 0,
            qc_failed: 0,
            put_away: 0,
        })
        .collect();
    let mut cartons = Vec::new();
    let mut items = Vec::new();
    let mut no = 0;
    for c in &input.cartons {
        for _ in 0..c.repeat.unwrap_or(1) {
            no += 1;
            cartons.push(CartonRow {
                asn_id: id,
                carton_no: no,
                label: carton_label(&asn_no, no),
                arrived_at: None,
                receiving_by: None,
                receiving_started_at: None,
                closed_at: None,
            });
            for item in &c.contents {
                items.push(CartonItemRow {
                    asn_id: id,
                    carton_no: no,
                    sku_id: item.sku_id,
                    expected: item.quantity as i32,
                    counted: 0,
                    damaged: 0,
                });
            }
        }
    }
    store::insert_asn(tx, &row, &lines, &cartons, &items).map_err(|e| {
        if crate::db::is_unique_violation(&e) {
            AppError::conflict(
                "tracking_taken",
                "Another shipment took this tracking number at the same moment.",
            )
        } else {
            e.into()
        }
    })?;
    let asn = get(tx, id, None)?;
    record(tx, &asn, catalog::ASN_CREATED, serde_json::json!({}))?;
    Ok(asn)
}

fn check_stock_order_line(
    tx: &mut DbConn,
    supplier: SupplierId,
    order: StockOrderId,
    sku: SkuId,
    quantity: i64,
    field: &str,
    errs: &mut Errors,
) -> Result<(), AppError> {
    let f = format!("{field}.stock_order_id");
    let Some(o) = store::stock_order(tx, order)?.filter(|o| o.supplier_id == supplier) else {
        errs.0.push(FieldError::new(&f, "unknown_stock_order", "you have no stock-up order with this id"));
        return Ok(());
    };
    let status = StockOrderStatus::stored(&o.status, || format!("stock-up order {}", o.order_no))?;
    if let Err(e) = status.next(StockOrderAction::Ship) {
        errs.0.push(FieldError::new(&f, "stock_order_not_accepted", e.public_detail()));
        return Ok(());
    }
    let Some(line) = store::stock_order_lines(tx, order)?.into_iter().find(|l| l.sku_id == sku) else {
        errs.0.push(FieldError::new(&f, "sku_not_ordered", "the stock-up order does not ask for this SKU"));
        return Ok(());
    };
    let open = i64::from(line.quantity - line.shipped);
    if quantity > open {
        errs.0.push(FieldError::new(
            &format!("{field}.quantity"),
            "exceeds_stock_order",
            format!("the stock-up order still needs {open} of this SKU"),
        ));
    }
    Ok(())
}

/// The shipment, locked for a change: on PostgreSQL a row lock, so that two
/// changes of one shipment (two clerks, a retry) take turns.
pub fn lock(tx: &mut DbConn, id: AsnId, owner: Option<SupplierId>) -> Result<AsnRow, AppError> {
    crate::db::lock_key(tx, &format!("asn\n{id}"))?;
    store::asn(tx, id)?
        .filter(|r| owner.is_none_or(|o| o == r.supplier_id))
        .ok_or(AppError::not_found("shipment"))
}

/// Moves a shipment to its next state (checked by the state machine) and
/// records the event; `set` adds the columns that change with it.
pub fn transition(
    tx: &mut DbConn,
    row: &AsnRow,
    action: AsnAction,
    event: EventType,
    extra: serde_json::Value,
    now: Timestamp,
) -> Result<Asn, AppError> {
    let to = status_of(row)?.next(action)?;
    store::set_asn_status(tx, row.id, to.as_str(), now)?;
    store::stamp_asn_reached(tx, row.id, to, now)?;
    let asn = get(tx, row.id, None)?;
    record(tx, &asn, event, extra)?;
    super::stock_orders::follow_shipment(tx, &asn, now)?;
    Ok(asn)
}

/// Records a shipment event: ids, number, state, and `extra`.
pub fn record(
    tx: &mut DbConn,
    asn: &Asn,
    event_type: EventType,
    extra: serde_json::Value,
) -> Result<(), AppError> {
    let payload = crate::events::merged(
        serde_json::json!({
            "asn_id": asn.id, "asn_no": asn.asn_no, "supplier_id": asn.supplier_id, "status": asn.status,
        }),
        extra,
    );
    events::record(
        tx,
        NewEvent {
            event_type,
            aggregate_id: AggregateId(asn.id.0),
            document_no: asn.asn_no.clone(),
            owner: Some(asn.supplier_id),
            payload,
        },
    )?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitInput {
    #[serde(default)]
    pub carrier: Option<String>,
    #[serde(default)]
    pub tracking_no: Option<String>,
}

/// Marks a draft shipped. The carrier and tracking number must be known by
/// now (from the draft or given here).
pub fn submit(
    tx: &mut DbConn,
    id: AsnId,
    supplier: SupplierId,
    input: &SubmitInput,
    now: Timestamp,
) -> Result<Asn, AppError> {
    let row = lock(tx, id, Some(supplier))?;
    status_of(&row)?.next(AsnAction::Submit)?;
    let mut errs = Errors::default();
    let carrier = match input.carrier.as_deref() {
        Some(c) => errs.take(values::text("carrier", c, 60)),
        None => row.carrier.clone(),
    };
    let tracking_no = match input.tracking_no.as_deref() {
        Some(t) => errs.take(tracking("tracking_no", t)),
        None => row.tracking_no.clone(),
    };
    if carrier.is_none() && input.carrier.is_none() {
        errs.0.push(FieldError::new("carrier", "required", "the carrier is needed to ship"));
    }
    if tracking_no.is_none() && input.tracking_no.is_none() {
        errs.0.push(FieldError::new("tracking_no", "required", "the tracking number is needed to ship"));
    }
    if let Some(t) = &tracking_no
        && store::supplier_asn_by_tracking(tx, supplier, t)?.is_some_and(|other| other.id != id)
    {
        errs.0.push(FieldError::new(
            "tracking_no",
            "tracking_taken",
            "another of your shipments has this tracking number",
        ));
    }
    errs.finish()?;
    store::set_carrier(tx, id, carrier.as_deref(), tracking_no.as_deref()).map_err(|e| {
        if crate::db::is_unique_violation(&e) {
            AppError::conflict("tracking_taken", "Another shipment has this tracking number.")
        } else {
            e.into()
        }
    })?;
    let row = store::asn(tx, id)?.ok_or(AppError::not_found("shipment"))?;
    for l in store::lines(tx, id)? {
        if let Some(order) = l.stock_order_id {
            // Re-checked under the lock: another shipment may have filled it.
            let line = store::stock_order_lines(tx, order)?.into_iter().find(|x| x.sku_id == l.sku_id);
            let open = line.map(|x| x.quantity - x.shipped).unwrap_or(0);
            if l.expected > open {
                return Err(AppError::conflict(
                    "exceeds_stock_order",
                    format!("The stock-up order now needs only {open} more of a SKU on this shipment."),
                ));
            }
            store::bump_stock_order_line(tx, order, l.sku_id, l.expected, 0, 0, 0)?;
        }
    }
    let deliver_late = super::stock_orders::deliver_by_passed(tx, id, now)?;
    transition(
        tx,
        &row,
        AsnAction::Submit,
        catalog::ASN_SUBMITTED,
        serde_json::json!({"tracking_no": tracking_no, "carrier": carrier, "shipped_late": deliver_late}),
        now,
    )
}

/// Withdraws a shipment that has not arrived.
pub fn cancel(tx: &mut DbConn, id: AsnId, supplier: SupplierId) -> Result<Asn, AppError> {
    let row = lock(tx, id, Some(supplier))?;
    status_of(&row)?.next(AsnAction::Cancel)?;
    if status_of(&row)? == AsnStatus::Submitted {
        for l in store::lines(tx, id)? {
            if let Some(order) = l.stock_order_id {
                store::bump_stock_order_line(tx, order, l.sku_id, -l.expected, 0, 0, 0)?;
            }
        }
    }
    transition(tx, &row, AsnAction::Cancel, catalog::ASN_CANCELLED, serde_json::json!({}), Timestamp::now())
}

pub fn list(
    conn: &mut DbConn,
    supplier: Option<SupplierId>,
    statuses: &[AsnStatus],
    page: crate::paging::PageRequest,
) -> Result<crate::paging::Page<AsnSummary>, AppError> {
    let statuses: Vec<String> = statuses.iter().map(|s| s.as_str().to_owned()).collect();
    let rows = store::list_asns(conn, supplier, &statuses, page.after.map(AsnId), page.limit + 1)?;
    crate::paging::Page::from_rows(rows, page, |r| r.id.0).try_map(TryInto::try_into)
}

/// Units a supplier has on the way per SKU (announced on sent shipments,
/// less what closed cartons already brought in). The stock view adds it to
/// the receiving bucket; it is passed in so that stock never calls inbound.
pub fn in_transit_by_sku(
    conn: &mut DbConn,
    owner: SupplierId,
    skus: &[SkuId],
) -> Result<HashMap<SkuId, i64>, AppError> {
    Ok(store::in_transit_by_sku(conn, owner, skus)?)
}
