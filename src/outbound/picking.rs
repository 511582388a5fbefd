//! Waves and picking. A supervisor releases a wave of allocated orders; it
//! becomes pick tasks (one per order line and bin) walked in the bins'
//! walk order. Pickers claim one task at a time: on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so two pickers never get the same task and
//! never wait for each other; on SQLite the single writer does the same.
//! A pick is confirmed by scanning the bin, then the unit.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::orders::{OrderStatus, ServiceLevel};
use crate::db::DbConn;
use crate::db::schema::{bins, order_allocations, orders, pick_tasks, waves};
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, BinId, OrderId, PickTaskId, SkuId, SupplierId, WaveId};
use crate::inbound::domain::string_enum;
use crate::stock::{self, Bucket, Movement, Place, Reason};

string_enum!(
    TaskStatus {
        Open = "open",
        Claimed = "claimed",
        Done = "done",
        /// Its order was cancelled before the pick.
        Cancelled = "cancelled",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pick_tasks)]
struct TaskRow {
    id: PickTaskId,
    wave_id: WaveId,
    order_id: OrderId,
    line_no: i32,
    sku_id: SkuId,
    owner_id: SupplierId,
    bin_id: BinId,
    walk_order: i64,
    quantity: i32,
    picked: i32,
    status: String,
    claimed_by: Option<String>,
    claimed_at: Option<Timestamp>,
    done_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PickTask {
    pub id: PickTaskId,
    pub wave_id: WaveId,
    pub order_id: OrderId,
    pub line_no: i32,
    pub sku_id: SkuId,
    pub sku_code: String,
    pub barcode: String,
    pub bin_code: String,
    pub quantity: i32,
    pub picked: i32,
    pub status: TaskStatus,
    pub claimed_by: Option<String>,
}

fn to_task(conn: &mut DbConn, r: TaskRow) -> Result<PickTask, AppError> {
    let sku = crate::catalog::store::by_id(conn, r.sku_id)?.ok_or(AppError::not_found("sku"))?;
    let bin_code = crate::warehouse::service::by_id(conn, r.bin_id)?.code;
    Ok(PickTask {
        id: r.id,
        wave_id: r.wave_id,
        order_id: r.order_id,
        line_no: r.line_no,
        sku_id: r.sku_id,
        sku_code: sku.sku_code,
        barcode: sku.barcode,
        bin_code,
        quantity: r.quantity,
        picked: r.picked,
        status: TaskStatus::from_db(&r.status).unwrap_or(TaskStatus::Cancelled),
        claimed_by: r.claimed_by,
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaveInput {
    /// Only orders to this country.
    #[serde(default)]
    pub destination_country: Option<String>,
    #[serde(default)]
    pub service_level: Option<ServiceLevel>,
    /// At most this many orders, earliest ship-by first (default 50, at most 500).
    #[serde(default)]
    pub max_orders: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Wave {
    pub id: WaveId,
    pub wave_no: String,
    pub orders: Vec<OrderId>,
    /// In walk order.
    pub tasks: Vec<PickTask>,
}

/// Releases a wave of allocated orders (earliest ship-by first).
pub fn release_wave(tx: &mut DbConn, input: &WaveInput, actor: &str) -> Result<Wave, AppError> {
    // One release at a time: no order lands in two waves.
    crate::db::lock_key(tx, "waves")?;
    let max = input.max_orders.unwrap_or(50).clamp(1, 500);
    let mut q = orders::table
        .filter(orders::status.eq(OrderStatus::Allocated.as_str()))
        .order((orders::ship_by, orders::id))
        .select(orders::id)
        .into_boxed();
    if let Some(c) = &input.destination_country {
        q = q.filter(orders::destination_country.eq(c.trim().to_ascii_uppercase()));
    }
    if let Some(s) = input.service_level {
        q = q.filter(orders::service_level.eq(s.as_str()));
    }
    let ids: Vec<OrderId> = q.limit(max).load(tx)?;
    if ids.is_empty() {
        return Err(AppError::conflict("nothing_to_wave", "No allocated order matches."));
    }
    let wave = WaveId::generate();
    let wave_no = crate::db::docno::next(tx, "WAVE")?;
    let now = Timestamp::now();
    diesel::insert_into(waves::table)
        .values((
            waves::id.eq(wave),
            waves::wave_no.eq(&wave_no),
            waves::status.eq("released"),
            waves::released_by.eq(actor),
            waves::created_at.eq(now),
        ))
        .execute(tx)?;
    let mut count = 0;
    for order in &ids {
        let lines = super::store::lines(tx, *order)?;
        for a in super::store::allocations(tx, *order)?.into_iter().filter(|a| a.quantity > 0) {
            let line =
                lines.iter().find(|l| l.line_no == a.line_no).ok_or(AppError::not_found("order line"))?;
            let walk: i64 = bins::table.find(a.bin_id).select(bins::walk_order).first(tx)?;
            let row = TaskRow {
                id: PickTaskId::generate(),
                wave_id: wave,
                order_id: *order,
                line_no: a.line_no,
                sku_id: line.sku_id,
                owner_id: line.owner_id,
                bin_id: a.bin_id,
                walk_order: walk,
                quantity: a.quantity,
                picked: 0,
                status: TaskStatus::Open.as_str().into(),
                claimed_by: None,
                claimed_at: None,
                done_at: None,
            };
            diesel::insert_into(pick_tasks::table).values(&row).execute(tx)?;
            count += 1;
        }
        super::store::set_status(tx, *order, OrderStatus::Waved.as_str(), now)?;
    }
    events::record(
        tx,
        NewEvent {
            event_type: catalog::WAVE_RELEASED,
            aggregate_id: AggregateId(wave.0),
            document_no: wave_no.clone(),
            owner: None,
            payload: serde_json::json!({"wave_id": wave, "wave_no": wave_no, "orders": ids, "tasks": count}),
        },
    )?;
    let rows: Vec<TaskRow> = pick_tasks::table
        .filter(pick_tasks::wave_id.eq(wave))
        .order((pick_tasks::walk_order, pick_tasks::id))
        .select(TaskRow::as_select())
        .load(tx)?;
    let tasks = rows.into_iter().map(|r| to_task(tx, r)).collect::<Result<_, _>>()?;
    Ok(Wave { id: wave, wave_no, orders: ids, tasks })
}

/// Gives `picker` the next open task along the walk (or the one they
/// already hold). `None` when there is nothing to pick.
pub fn claim(tx: &mut DbConn, picker: &str) -> Result<Option<PickTask>, AppError> {
    let mine: Option<TaskRow> = pick_tasks::table
        .filter(pick_tasks::status.eq(TaskStatus::Claimed.as_str()))
        .filter(pick_tasks::claimed_by.eq(picker))
        .select(TaskRow::as_select())
        .first(tx)
        .optional()?;
    if let Some(r) = mine {
        return Ok(Some(to_task(tx, r)?));
    }
    let next = pick_tasks::table
        .filter(pick_tasks::status.eq(TaskStatus::Open.as_str()))
        .order((pick_tasks::walk_order, pick_tasks::id))
        .select(pick_tasks::id);
    let id: Option<PickTaskId> = match tx {
        // Rows another picker is claiming are skipped, not waited for.
        DbConn::Pg(c) => next.for_update().skip_locked().first(c).optional()?,
        DbConn::Sqlite(c) => next.first(c).optional()?,
    };
    let Some(id) = id else { return Ok(None) };
    let n =
        diesel::update(pick_tasks::table.find(id).filter(pick_tasks::status.eq(TaskStatus::Open.as_str())))
            .set((
                pick_tasks::status.eq(TaskStatus::Claimed.as_str()),
                pick_tasks::claimed_by.eq(Some(picker)),
                pick_tasks::claimed_at.eq(Some(Timestamp::now())),
            ))
            .execute(tx)?;
    if n == 0 {
        return Err(AppError::conflict("task_taken", "Another picker took this task; ask for the next one."));
    }
    let row = pick_tasks::table.find(id).select(TaskRow::as_select()).first(tx)?;
    Ok(Some(to_task(tx, row)?))
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickInput {
    /// The bin scanned: must be the task's.
    pub bin: String,
    /// A unit's barcode scanned: must be the task's SKU.
    pub barcode: String,
    /// Units picked; default (and for now only) the task's quantity.
    #[serde(default)]
    pub quantity: Option<i64>,
}

/// Confirms a claimed task: the units leave the bin's reservation for the
/// picker's tote (the `picked` bucket). The order is picked with its last task.
pub fn confirm(
    tx: &mut DbConn,
    id: PickTaskId,
    input: &PickInput,
    picker: &str,
) -> Result<PickTask, AppError> {
    crate::db::lock_key(tx, &format!("pick\n{id}"))?;
    let row: TaskRow = pick_tasks::table
        .find(id)
        .select(TaskRow::as_select())
        .first(tx)
        .optional()?
        .ok_or(AppError::not_found("pick task"))?;
    if row.status != TaskStatus::Claimed.as_str() || row.claimed_by.as_deref() != Some(picker) {
        return Err(AppError::conflict("task_not_yours", "Claim the task before picking it."));
    }
    let task = to_task(tx, row.clone())?;
    if !input.bin.trim().eq_ignore_ascii_case(&task.bin_code) {
        return Err(AppError::invalid("bin", "wrong_bin", format!("This task is in bin {}.", task.bin_code)));
    }
    if input.barcode.trim().to_ascii_uppercase() != task.barcode {
        return Err(AppError::invalid(
            "barcode",
            "wrong_item",
            format!("This task picks {}.", task.sku_code),
        ));
    }
    let remaining = row.quantity - row.picked;
    if input.quantity.is_some_and(|q| q != i64::from(remaining)) {
        return Err(AppError::conflict(
            "short_pick_not_supported",
            format!("Pick all {remaining} unit(s); short picks are not handled yet."),
        ));
    }
    let order = super::store::by_id(tx, row.order_id)?.ok_or(AppError::not_found("order"))?;
    stock::service::apply(
        tx,
        &Movement {
            owner: row.owner_id,
            sku: row.sku_id,
            quantity: remaining,
            from: Some(Place::at(Bucket::Reserved, row.bin_id)),
            to: Some(Place::unlocated(Bucket::Picked)),
            reason: Reason::Picked,
            document_no: order.order_no.clone(),
            note: format!("line {}", row.line_no),
            actor: picker.into(),
        },
    )?;
    diesel::update(order_allocations::table.find((row.order_id, row.line_no, row.bin_id)))
        .set(order_allocations::quantity.eq(order_allocations::quantity - remaining))
        .execute(tx)?;
    let now = Timestamp::now();
    diesel::update(pick_tasks::table.find(id))
        .set((
            pick_tasks::picked.eq(row.quantity),
            pick_tasks::status.eq(TaskStatus::Done.as_str()),
            pick_tasks::done_at.eq(Some(now)),
        ))
        .execute(tx)?;
    let open: i64 = pick_tasks::table
        .filter(pick_tasks::order_id.eq(row.order_id))
        .filter(pick_tasks::status.eq_any([TaskStatus::Open.as_str(), TaskStatus::Claimed.as_str()]))
        .count()
        .get_result(tx)?;
    if open == 0 {
        super::store::set_status(tx, row.order_id, OrderStatus::Picked.as_str(), now)?;
        events::record(
            tx,
            NewEvent {
                event_type: catalog::ORDER_PICKED,
                aggregate_id: AggregateId(row.order_id.0),
                document_no: order.order_no.clone(),
                owner: None,
                payload: serde_json::json!({
                    "order_id": row.order_id, "order_no": order.order_no, "platform_order_id": order.platform_order_id,
                    "destination_country": order.destination_country, "status": OrderStatus::Picked,
                }),
            },
        )?;
    }
    let row = pick_tasks::table.find(id).select(TaskRow::as_select()).first(tx)?;
    to_task(tx, row)
}

/// Withdraws the open tasks of a cancelled order.
pub fn cancel_tasks(tx: &mut DbConn, order: OrderId) -> QueryResult<usize> {
    diesel::update(
        pick_tasks::table
            .filter(pick_tasks::order_id.eq(order))
            .filter(pick_tasks::status.eq_any([TaskStatus::Open.as_str(), TaskStatus::Claimed.as_str()])),
    )
    .set(pick_tasks::status.eq(TaskStatus::Cancelled.as_str()))
    .execute(tx)
}
