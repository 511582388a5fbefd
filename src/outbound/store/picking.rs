//! Waves and pick tasks: rows and queries.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{bins, order_lines, orders, pick_tasks, skus, waves};
use crate::db::types::Timestamp;
use crate::ids::{BinId, OrderId, PickTaskId, SkuId, SupplierId, WaveId};
use crate::outbound::orders::OrderStatus;
use crate::outbound::picking::TaskStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pick_tasks)]
pub struct TaskRow {
    pub id: PickTaskId,
    pub wave_id: WaveId,
    pub order_id: OrderId,
    pub line_no: i32,
    pub sku_id: SkuId,
    pub owner_id: SupplierId,
    pub bin_id: BinId,
    pub walk_order: i64,
    pub quantity: i32,
    pub picked: i32,
    pub status: String,
    pub claimed_by: Option<String>,
    pub claimed_at: Option<Timestamp>,
    pub done_at: Option<Timestamp>,
    pub tote: Option<String>,
}

/// Which tasks to read.
pub enum Which<'a> {
    Id(PickTaskId),
    Wave(WaveId),
    /// The task a picker holds.
    ClaimedBy(&'a str),
    Order(OrderId),
}

/// A task with what pickers see of it: its SKU's code, English and Chinese
/// names and barcode, its bin's code, its order's number and tote.
pub type ViewedRow = (TaskRow, (String, String, String, String), String, (String, Option<String>));

/// Tasks with their SKU, bin and order, in walk order: one query.
pub fn viewed(conn: &mut DbConn, which: Which<'_>) -> QueryResult<Vec<ViewedRow>> {
    let mut q = pick_tasks::table
        .inner_join(skus::table)
        .inner_join(bins::table)
        .inner_join(orders::table)
        .select((
            TaskRow::as_select(),
            (skus::sku_code, skus::name_en, skus::name_zh, skus::barcode),
            bins::code,
            (orders::order_no, orders::tote),
        ))
        .order((pick_tasks::walk_order, pick_tasks::id))
        .into_boxed();
    q = match which {
        Which::Id(id) => q.filter(pick_tasks::id.eq(id)),
        Which::Wave(wave) => q.filter(pick_tasks::wave_id.eq(wave)),
        Which::ClaimedBy(picker) => q
            .filter(pick_tasks::status.eq(TaskStatus::Claimed.as_str()))
            .filter(pick_tasks::claimed_by.eq(picker.to_owned())),
        Which::Order(order) => q.filter(pick_tasks::order_id.eq(order)),
    };
    q.load(conn)
}

/// Allocated orders a wave may take, earliest ship-by first: to this
/// country, of this service level, to ship by this time, if given.
pub fn wave_candidates(
    tx: &mut DbConn,
    destination_country: Option<String>,
    service_level: Option<&'static str>,
    ship_by_before: Option<Timestamp>,
    max: i64,
) -> QueryResult<Vec<OrderId>> {
    let mut q = orders::table
        .filter(orders::status.eq(OrderStatus::Allocated.as_str()))
        .order((orders::ship_by, orders::id))
        .select(orders::id)
        .into_boxed();
    if let Some(c) = destination_country {
        q = q.filter(orders::destination_country.eq(c));
    }
    if let Some(s) = service_level {
        q = q.filter(orders::service_level.eq(s));
    }
    if let Some(t) = ship_by_before {
        q = q.filter(orders::ship_by.le(t));
    }
    q.limit(max).load(tx)
}

/// The order's lines with units reserved.
pub fn allocated_line_count(tx: &mut DbConn, order: OrderId) -> QueryResult<i64> {
    order_lines::table
        .filter(order_lines::order_id.eq(order))
        .filter(order_lines::allocated.gt(0))
        .count()
        .get_result(tx)
}

/// A wave released by `actor`.
pub fn insert_released_wave(
    tx: &mut DbConn,
    id: WaveId,
    wave_no: &str,
    actor: &str,
    now: Timestamp,
) -> QueryResult<()> {
    diesel::insert_into(waves::table)
        .values((
            waves::id.eq(id),
            waves::wave_no.eq(wave_no),
            waves::status.eq("released"),
            waves::released_by.eq(actor),
            waves::created_at.eq(now),
        ))
        .execute(tx)?;
    Ok(())
}

/// The order's tasks still to pick: line, bin, units, units picked.
pub fn to_pick_of_order(tx: &mut DbConn, order: OrderId) -> QueryResult<Vec<(i32, BinId, i32, i32)>> {
    pick_tasks::table
        .filter(pick_tasks::order_id.eq(order))
        .filter(pick_tasks::status.eq_any(TaskStatus::TO_PICK.map(|s| s.as_str())))
        .select((pick_tasks::line_no, pick_tasks::bin_id, pick_tasks::quantity, pick_tasks::picked))
        .load(tx)
}

/// A bin's place along the pickers' walk.
pub fn walk_order_of(tx: &mut DbConn, bin: BinId) -> QueryResult<i64> {
    bins::table.find(bin).select(bins::walk_order).first(tx)
}

pub fn insert_task(tx: &mut DbConn, row: &TaskRow) -> QueryResult<()> {
    diesel::insert_into(pick_tasks::table).values(row).execute(tx)?;
    Ok(())
}

/// The next open task along the walk. On PostgreSQL the row is locked, and
/// rows another picker is claiming are skipped, not waited for (`SKIP
/// LOCKED`); SQLite has one writer at a time.
pub fn next_open(tx: &mut DbConn) -> QueryResult<Option<PickTaskId>> {
    let next = pick_tasks::table
        .filter(pick_tasks::status.eq(TaskStatus::Open.as_str()))
        .order((pick_tasks::walk_order, pick_tasks::id))
        .select(pick_tasks::id);
    match tx {
        DbConn::Pg(c) => next.for_update().skip_locked().first(c).optional(),
        DbConn::Sqlite(c) => next.first(c).optional(),
    }
}

/// Gives an open task to `picker`; 0 if it is no longer open.
pub fn claim(tx: &mut DbConn, id: PickTaskId, picker: &str, now: Timestamp) -> QueryResult<usize> {
    diesel::update(pick_tasks::table.find(id).filter(pick_tasks::status.eq(TaskStatus::Open.as_str())))
        .set((
            pick_tasks::status.eq(TaskStatus::Claimed.as_str()),
            pick_tasks::claimed_by.eq(Some(picker)),
            pick_tasks::claimed_at.eq(Some(now)),
        ))
        .execute(tx)
}

/// The order a task picks for.
pub fn order_of(tx: &mut DbConn, id: PickTaskId) -> QueryResult<Option<OrderId>> {
    pick_tasks::table.find(id).select(pick_tasks::order_id).first(tx).optional()
}

/// Done: `picked` units in all, into `tote`.
pub fn finish(
    tx: &mut DbConn,
    id: PickTaskId,
    picked: i32,
    tote: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(pick_tasks::table.find(id))
        .set((
            pick_tasks::picked.eq(picked),
            pick_tasks::status.eq(TaskStatus::Done.as_str()),
            pick_tasks::done_at.eq(Some(now)),
            pick_tasks::tote.eq(Some(tote)),
        ))
        .execute(tx)
}

/// Withdraws the order's tasks still to pick.
pub fn cancel_of_order(tx: &mut DbConn, order: OrderId) -> QueryResult<usize> {
    diesel::update(
        pick_tasks::table
            .filter(pick_tasks::order_id.eq(order))
            .filter(pick_tasks::status.eq_any(TaskStatus::TO_PICK.map(|s| s.as_str()))),
    )
    .set(pick_tasks::status.eq(TaskStatus::Cancelled.as_str()))
    .execute(tx)
}

/// Units picked per task of the order that picked any: line, units.
pub fn picked_of_order(conn: &mut DbConn, order: OrderId) -> QueryResult<Vec<(i32, i32)>> {
    pick_tasks::table
        .filter(pick_tasks::order_id.eq(order))
        .filter(pick_tasks::picked.gt(0))
        .select((pick_tasks::line_no, pick_tasks::picked))
        .load(conn)
}

/// The newest waves (`open_only`: those with tasks still to pick): id,
/// number, released by, released at.
pub fn newest_waves(
    conn: &mut DbConn,
    open_only: bool,
    limit: i64,
) -> QueryResult<Vec<(WaveId, String, String, Timestamp)>> {
    let mut q = waves::table
        .select((waves::id, waves::wave_no, waves::released_by, waves::created_at))
        .order((waves::created_at.desc(), waves::id.desc()))
        .limit(limit)
        .into_boxed();
    if open_only {
        q = q.filter(diesel::dsl::exists(
            pick_tasks::table
                .filter(pick_tasks::wave_id.eq(waves::id))
                .filter(pick_tasks::status.eq_any(TaskStatus::TO_PICK.map(|s| s.as_str()))),
        ));
    }
    q.load(conn)
}

/// The tasks of these waves: wave, status, units, units picked.
pub fn tasks_of_waves(conn: &mut DbConn, ids: &[WaveId]) -> QueryResult<Vec<(WaveId, String, i32, i32)>> {
    pick_tasks::table
        .filter(pick_tasks::wave_id.eq_any(ids))
        .select((pick_tasks::wave_id, pick_tasks::status, pick_tasks::quantity, pick_tasks::picked))
        .load(conn)
}
