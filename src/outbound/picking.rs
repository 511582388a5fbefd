//! Waves and picking. A supervisor releases a wave of allocated orders; it
//! becomes pick tasks (one per order line and bin) walked in the bins'
//! walk order. Pickers claim one task at a time: on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so two pickers never get the same task and
//! never wait for each other; on SQLite the single writer does the same.
//! A pick is confirmed by scanning the bin, then the unit, into the order's
//! tote. A short pick (bin empty, or units damaged) moves what is missing
//! out of sale, raises an exception for a supervisor, and re-allocates the
//! missing units from another bin (new tasks in the same wave) or
//! backorders them.

use serde::{Deserialize, Serialize};

use super::exceptions::{self, ExceptionKind};
use super::orders::{OrderStatus, ServiceLevel};
use super::store;
use super::store::picking::{TaskRow, Which};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, OrderId, PickTaskId, SkuId, WaveId};
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PickTask {
    pub id: PickTaskId,
    pub wave_id: WaveId,
    pub order_id: OrderId,
    pub order_no: String,
    pub line_no: i32,
    pub sku_id: SkuId,
    pub sku_code: String,
    /// The product's English name.
    pub sku_name: String,
    /// The product's Chinese name.
    pub sku_name_zh: String,
    pub barcode: String,
    pub bin_code: String,
    /// The tote the order's units go into: set by the order's first pick.
    pub tote: Option<String>,
    pub quantity: i32,
    pub picked: i32,
    pub status: TaskStatus,
    pub claimed_by: Option<String>,
}

impl TaskStatus {
    /// The statuses of a task still to pick.
    pub const TO_PICK: [TaskStatus; 2] = [TaskStatus::Open, TaskStatus::Claimed];
}

/// A task's row, the task as pickers see it, and its order's tote.
struct Viewed {
    row: TaskRow,
    task: PickTask,
    order_tote: Option<String>,
}

/// Tasks with their SKU, bin and order, in walk order: one query.
fn viewed(conn: &mut DbConn, which: Which<'_>) -> Result<Vec<Viewed>, AppError> {
    let rows = store::picking::viewed(conn, which)?;
    rows.into_iter()
        .map(|(r, (sku_code, sku_name, sku_name_zh, barcode), bin_code, (order_no, order_tote))| {
            Ok(Viewed {
                task: PickTask {
                    id: r.id,
                    wave_id: r.wave_id,
                    order_id: r.order_id,
                    order_no,
                    line_no: r.line_no,
                    sku_id: r.sku_id,
                    sku_code,
                    sku_name,
                    sku_name_zh,
                    barcode,
                    bin_code,
                    tote: r.tote.clone().or(order_tote.clone()),
                    quantity: r.quantity,
                    picked: r.picked,
                    status: TaskStatus::stored(&r.status, || format!("pick task {}", r.id))?,
                    claimed_by: r.claimed_by.clone(),
                },
                row: r,
                order_tote,
            })
        })
        .collect()
}

fn one(conn: &mut DbConn, which: Which<'_>) -> Result<Option<Viewed>, AppError> {
    Ok(viewed(conn, which)?.into_iter().next())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaveInput {
    /// Only orders to this country.
    #[serde(default)]
    pub destination_country: Option<String>,
    #[serde(default)]
    pub service_level: Option<ServiceLevel>,
    /// Cut-off: only orders to ship by this time.
    #[serde(default)]
    pub ship_by_before: Option<Timestamp>,
    /// At most this many orders, earliest ship-by first (default 50, at most 500).
    #[serde(default)]
    pub max_orders: Option<i64>,
    /// At most this many order lines in all (an order is never split; the
    /// first order always goes in).
    #[serde(default)]
    pub max_lines: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Wave {
    pub id: WaveId,
    pub wave_no: String,
    pub orders: Vec<OrderId>,
    /// In walk order.
    pub tasks: Vec<PickTask>,
}

/// Releases a wave of allocated orders (earliest ship-by first), within
/// the rule's filters and limits.
pub fn release_wave(tx: &mut DbConn, input: &WaveInput, actor: &str) -> Result<Wave, AppError> {
    // One release at a time: no order lands in two waves.
    crate::db::lock_key(tx, "waves")?;
    let max = input.max_orders.unwrap_or(50).clamp(1, 500);
    let candidates = store::picking::wave_candidates(
        tx,
        input.destination_country.as_ref().map(|c| c.trim().to_ascii_uppercase()),
        input.service_level.map(|s| s.as_str()),
        input.ship_by_before,
        max,
    )?;
    let mut ids = Vec::new();
    let mut lines_taken = 0i64;
    for id in candidates {
        let n = store::picking::allocated_line_count(tx, id)?;
        if let Some(m) = input.max_lines
            && !ids.is_empty()
            && lines_taken + n > m
        {
            break;
        }
        lines_taken += n;
        ids.push(id);
    }
    if ids.is_empty() {
        return Err(AppError::conflict("nothing_to_wave", "No allocated order matches."));
    }
    let wave = WaveId::generate();
    let wave_no = crate::db::docno::next(tx, "WAVE")?;
    store::picking::insert_released_wave(tx, wave, &wave_no, actor, Timestamp::now())?;
    let mut count = 0;
    for order in &ids {
        count += add_tasks(tx, wave, *order)?;
        super::orders::settle(tx, *order)?;
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
    let tasks = viewed(tx, Which::Wave(wave))?.into_iter().map(|v| v.task).collect();
    Ok(Wave { id: wave, wave_no, orders: ids, tasks })
}

/// Creates tasks in `wave` for what the order has reserved and no open
/// task covers yet. Returns how many.
fn add_tasks(tx: &mut DbConn, wave: WaveId, order: OrderId) -> Result<usize, AppError> {
    let lines = store::lines(tx, order)?;
    let outstanding = store::picking::to_pick_of_order(tx, order)?;
    let mut count = 0;
    for a in store::allocations(tx, order)? {
        let covered: i32 = outstanding
            .iter()
            .filter(|(l, b, _, _)| *l == a.line_no && *b == a.bin_id)
            .map(|(_, _, q, p)| q - p)
            .sum();
        let quantity = a.quantity - covered;
        if quantity <= 0 {
            continue;
        }
        let line = lines.iter().find(|l| l.line_no == a.line_no).ok_or(AppError::not_found("order line"))?;
        let walk = store::picking::walk_order_of(tx, a.bin_id)?;
        let row = TaskRow {
            id: PickTaskId::generate(),
            wave_id: wave,
            order_id: order,
            line_no: a.line_no,
            sku_id: line.sku_id,
            owner_id: line.owner_id,
            bin_id: a.bin_id,
            walk_order: walk,
            quantity,
            picked: 0,
            status: TaskStatus::Open.as_str().into(),
            claimed_by: None,
            claimed_at: None,
            done_at: None,
            tote: None,
        };
        store::picking::insert_task(tx, &row)?;
        count += 1;
    }
    Ok(count)
}

/// Gives `picker` the next open task along the walk (or the one they
/// already hold). `None` when there is nothing to pick.
pub fn claim(tx: &mut DbConn, picker: &str) -> Result<Option<PickTask>, AppError> {
    if let Some(mine) = current(tx, picker)? {
        return Ok(Some(mine));
    }
    // Rows another picker is claiming are skipped, not waited for.
    let Some(id) = store::picking::next_open(tx)? else { return Ok(None) };
    let n = store::picking::claim(tx, id, picker, Timestamp::now())?;
    if n == 0 {
        return Err(AppError::conflict("task_taken", "Another picker took this task; ask for the next one."));
    }
    Ok(one(tx, Which::Id(id))?.map(|v| v.task))
}

/// An order's pick tasks, in walk order.
pub fn tasks_of_order(conn: &mut DbConn, order: OrderId) -> Result<Vec<PickTask>, AppError> {
    Ok(viewed(conn, Which::Order(order))?.into_iter().map(|v| v.task).collect())
}

/// The task `picker` holds, if any.
pub fn current(conn: &mut DbConn, picker: &str) -> Result<Option<PickTask>, AppError> {
    Ok(one(conn, Which::ClaimedBy(picker))?.map(|v| v.task))
}

string_enum!(
    /// Why fewer units were picked than the task asked for.
    ShortReason {
        /// The units are not in the bin.
        Missing = "missing",
        /// The units are there but damaged.
        Damaged = "damaged",
    }
);

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickInput {
    /// The bin scanned: must be the task's.
    pub bin: String,
    /// A unit's barcode scanned: must be the task's SKU (not needed when
    /// nothing could be picked).
    #[serde(default)]
    pub barcode: String,
    /// The tote scanned (`TOTE-…`): the order's first pick sets it, later
    /// picks of the order must use the same tote.
    pub tote: String,
    /// Units picked; default the task's quantity.
    #[serde(default)]
    pub quantity: Option<i64>,
    /// Required when fewer units are picked than the task asks for.
    #[serde(default)]
    pub short: Option<ShortReason>,
}

/// A tote's code as scanned: `TOTE-` and 1 to 12 letters or digits.
pub fn tote_code(s: &str) -> Result<String, AppError> {
    let t = s.trim().to_ascii_uppercase();
    let ok = t.strip_prefix("TOTE-").is_some_and(|rest| {
        (1..=12).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_alphanumeric())
    });
    if ok {
        Ok(t)
    } else {
        Err(AppError::invalid("tote", "invalid_tote", "Scan a tote: TOTE- and its number."))
    }
}

/// Confirms a claimed task: the units picked leave the bin's reservation
/// for the order's tote (the `picked` bucket). A short pick books what is
/// missing and re-allocates it. The order is picked with its last unit.
pub fn confirm(
    tx: &mut DbConn,
    id: PickTaskId,
    input: &PickInput,
    picker: &str,
) -> Result<PickTask, AppError> {
    let order_id = store::picking::order_of(tx, id)?.ok_or(AppError::not_found("pick task"))?;
    // The order's lock first, as cancelling takes it: a pick and a
    // cancellation of one order queue.
    super::orders::lock_order(tx, order_id, &[format!("pick\n{id}")])?;
    let Viewed { row, task, order_tote } = one(tx, Which::Id(id))?.ok_or(AppError::not_found("pick task"))?;
    if row.status != TaskStatus::Claimed.as_str() || row.claimed_by.as_deref() != Some(picker) {
        return Err(AppError::conflict("task_not_yours", "Claim the task before picking it."));
    }
    if !input.bin.trim().eq_ignore_ascii_case(&task.bin_code) {
        return Err(AppError::invalid("bin", "wrong_bin", format!("This task is in bin {}.", task.bin_code)));
    }
    let remaining = row.quantity - row.picked;
    let quantity = match input.quantity {
        None => remaining,
        Some(q) if q < 0 => return Err(AppError::invalid("quantity", "negative", "must not be negative")),
        Some(q) if q > i64::from(remaining) => {
            return Err(AppError::invalid(
                "quantity",
                "too_many",
                format!("This task picks {remaining} unit(s)."),
            ));
        }
        Some(q) => q as i32,
    };
    if quantity > 0 && input.barcode.trim().to_ascii_uppercase() != task.barcode {
        return Err(AppError::invalid(
            "barcode",
            "wrong_item",
            format!("This task picks {}.", task.sku_code),
        ));
    }
    let short = remaining - quantity;
    if short > 0 && input.short.is_none() {
        return Err(AppError::invalid(
            "short",
            "short_reason_required",
            format!("{short} unit(s) short: say whether they are missing or damaged."),
        ));
    }
    let tote = tote_code(&input.tote)?;
    match &order_tote {
        Some(t) if *t != tote => {
            return Err(AppError::invalid("tote", "wrong_tote", format!("This order is in tote {t}.")));
        }
        Some(_) => {}
        None => {
            if let Some(other) = store::other_order_in_tote(tx, &tote, row.order_id)? {
                return Err(AppError::conflict(
                    "tote_in_use",
                    format!("Tote {tote} holds order {other}; take an empty tote."),
                ));
            }
            store::set_tote(tx, row.order_id, &tote)?;
        }
    }
    let movement = |quantity, to: Place, reason| Movement {
        owner: row.owner_id,
        sku: row.sku_id,
        quantity,
        from: Some(Place::at(Bucket::Reserved, row.bin_id)),
        to: Some(to),
        reason,
        document_no: task.order_no.clone(),
        note: format!("line {}", row.line_no),
        actor: picker.into(),
    };
    if quantity > 0 {
        stock::service::apply(tx, &movement(quantity, Place::unlocated(Bucket::Picked), Reason::Picked))?;
    }
    store::reduce_allocation(tx, row.order_id, row.line_no, row.bin_id, remaining)?;
    store::picking::finish(tx, id, row.picked + quantity, &tote, Timestamp::now())?;
    if let Some(reason) = input.short.filter(|_| short > 0) {
        short_pick(tx, &row, &task.order_no, short, reason, picker, &movement)?;
    }
    let status = super::orders::settle(tx, row.order_id)?;
    if status == OrderStatus::Picked {
        super::orders::record_event(
            tx,
            row.order_id,
            catalog::ORDER_PICKED,
            serde_json::json!({"tote": tote}),
        )?;
    }
    Ok(PickTask { picked: row.picked + quantity, status: TaskStatus::Done, tote: Some(tote), ..task })
}

/// Books `short` units missing from a task: damaged units to `damaged` in
/// the bin; missing ones, with everything else the books say is available
/// there, to `on_hold` until a supervisor has the bin counted. Then the
/// line is re-allocated from other bins (new tasks in the same wave) or
/// backordered.
fn short_pick(
    tx: &mut DbConn,
    row: &TaskRow,
    order_no: &str,
    short: i32,
    reason: ShortReason,
    picker: &str,
    movement: &dyn Fn(i32, Place, Reason) -> Movement,
) -> Result<(), AppError> {
    let mut held = short;
    match reason {
        ShortReason::Damaged => {
            stock::service::apply(
                tx,
                &movement(short, Place::at(Bucket::Damaged, row.bin_id), Reason::PickShort),
            )?;
        }
        ShortReason::Missing => {
            stock::service::apply(
                tx,
                &movement(short, Place::at(Bucket::OnHold, row.bin_id), Reason::PickShort),
            )?;
            // The bin's count is in doubt: nothing more is sold from it.
            let available = stock::service::units_at(
                tx,
                row.owner_id,
                row.sku_id,
                Place::at(Bucket::Available, row.bin_id),
            )?;
            if available > 0 {
                stock::service::apply(
                    tx,
                    &Movement {
                        from: Some(Place::at(Bucket::Available, row.bin_id)),
                        note: "bin held after a short pick".into(),
                        ..movement(available, Place::at(Bucket::OnHold, row.bin_id), Reason::Held)
                    },
                )?;
                held += available;
            }
        }
    }
    let line = store::lines(tx, row.order_id)?
        .into_iter()
        .find(|l| l.line_no == row.line_no)
        .ok_or(AppError::not_found("order line"))?;
    store::set_line(tx, row.order_id, row.line_no, line.allocated - short, line.cancelled)?;
    let bin_code = crate::warehouse::service::by_id(tx, row.bin_id)?.code;
    let exception = exceptions::raise(
        tx,
        exceptions::NewException {
            kind: match reason {
                ShortReason::Missing => ExceptionKind::ShortMissing,
                ShortReason::Damaged => ExceptionKind::ShortDamaged,
            },
            order_id: row.order_id,
            parcel_id: None,
            sku: Some((row.sku_id, row.owner_id)),
            bin_id: Some(row.bin_id),
            quantity: held,
            detail: format!("{reason}: {short} unit(s) short in bin {bin_code}"),
            actor: picker,
        },
    )?;
    super::orders::allocate_order(tx, row.order_id)?;
    let wave = row.wave_id;
    let added = add_tasks(tx, wave, row.order_id)?;
    let still_short = store::lines(tx, row.order_id)?
        .iter()
        .find(|l| l.line_no == row.line_no)
        .map(|l| l.open())
        .unwrap_or(0);
    events::record(
        tx,
        NewEvent {
            event_type: catalog::PICK_SHORT,
            aggregate_id: AggregateId(row.id.0),
            document_no: order_no.to_owned(),
            owner: Some(row.owner_id),
            payload: serde_json::json!({
                "order_id": row.order_id, "order_no": order_no, "task_id": row.id, "line_no": row.line_no,
                "sku_id": row.sku_id, "bin": bin_code, "short": short, "reason": reason,
                "reallocated": short - still_short, "backordered": still_short, "new_tasks": added,
                "exception_id": exception,
            }),
        },
    )?;
    Ok(())
}

/// Withdraws the open tasks of a cancelled order.
pub fn cancel_tasks(tx: &mut DbConn, order: OrderId) -> Result<usize, AppError> {
    Ok(store::picking::cancel_of_order(tx, order)?)
}

/// Units of each line of the order already picked (in its tote).
pub fn picked_by_line(conn: &mut DbConn, order: OrderId) -> Result<Vec<(i32, i32)>, AppError> {
    let rows = store::picking::picked_of_order(conn, order)?;
    let mut by_line: Vec<(i32, i32)> = Vec::new();
    for (line, q) in rows {
        match by_line.iter_mut().find(|(l, _)| *l == line) {
            Some(e) => e.1 += q,
            None => by_line.push((line, q)),
        }
    }
    by_line.sort();
    Ok(by_line)
}

/// A wave and how far its picking has got.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WaveProgress {
    pub id: WaveId,
    pub wave_no: String,
    pub released_by: String,
    pub released_at: Timestamp,
    pub tasks: i64,
    pub done: i64,
    /// Claimed by a picker right now.
    pub claimed: i64,
    pub cancelled: i64,
    /// Units to pick in all, and picked so far.
    pub units: i64,
    pub units_picked: i64,
}

impl WaveProgress {
    /// Every task done or cancelled.
    pub fn finished(&self) -> bool {
        self.done + self.cancelled >= self.tasks
    }

    pub fn percent(&self) -> i64 {
        if self.units == 0 { 100 } else { self.units_picked * 100 / self.units }
    }
}

/// The newest waves with their progress; `open_only`: those with tasks
/// still to pick.
pub fn waves(conn: &mut DbConn, open_only: bool, limit: i64) -> Result<Vec<WaveProgress>, AppError> {
    let heads = store::picking::newest_waves(conn, open_only, limit.clamp(1, 200))?;
    let ids: Vec<WaveId> = heads.iter().map(|h| h.0).collect();
    let tasks = store::picking::tasks_of_waves(conn, &ids)?;
    Ok(heads
        .into_iter()
        .map(|(id, wave_no, released_by, released_at)| {
            let mut w = WaveProgress {
                id,
                wave_no,
                released_by,
                released_at,
                tasks: 0,
                done: 0,
                claimed: 0,
                cancelled: 0,
                units: 0,
                units_picked: 0,
            };
            for (_, status, quantity, picked) in tasks.iter().filter(|t| t.0 == id) {
                w.tasks += 1;
                match TaskStatus::from_db(status) {
                    Some(TaskStatus::Done) => w.done += 1,
                    Some(TaskStatus::Claimed) => w.claimed += 1,
                    Some(TaskStatus::Cancelled) => w.cancelled += 1,
                    _ => {}
                }
                if TaskStatus::from_db(status) != Some(TaskStatus::Cancelled) {
                    w.units += i64::from(*quantity);
                    w.units_picked += i64::from(*picked);
                }
            }
            w
        })
        .collect())
}

/// Allocated orders waiting for a wave, per destination and service, by
/// cut-off: ship-by past, due before the end of the warehouse's day, later.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Waiting {
    pub destination_country: String,
    pub service_level: String,
    pub overdue: i64,
    pub due_today: i64,
    pub later: i64,
}

pub fn waiting(conn: &mut DbConn, now: Timestamp, end_of_day: Timestamp) -> Result<Vec<Waiting>, AppError> {
    Ok(store::waiting_by_cutoff(conn, now, end_of_day)?
        .into_iter()
        .map(|(destination_country, service_level, [overdue, due_today, later])| Waiting {
            destination_country,
            service_level,
            overdue,
            due_today,
            later,
        })
        .collect())
}
