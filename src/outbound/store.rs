//! Order rows and queries; the other parts of outbound in the files below
//! (`store/`): intake's set-based write, picking, packing, exceptions.

pub mod exceptions;
pub mod intake;
pub mod packing;
pub mod picking;

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{
    event_sequences, order_allocations, order_lines, orders, pick_tasks, skus, stock_balances,
};
use crate::db::types::Timestamp;
use crate::ids::{BinId, OrderId, SkuId, SupplierId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = orders)]
pub struct OrderRow {
    pub id: OrderId,
    pub order_no: String,
    pub platform_order_id: String,
    pub shop: String,
    pub market: String,
    pub destination_country: String,
    pub service_level: String,
    pub ship_by: Timestamp,
    pub status: String,
    pub buyer_sealed: Option<Vec<u8>>,
    pub buyer_key_id: Option<String>,
    pub buyer_masked: String,
    pub buyer_erased_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub tote: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_lines)]
pub struct LineRow {
    pub order_id: OrderId,
    pub line_no: i32,
    pub sku_id: SkuId,
    pub owner_id: SupplierId,
    pub quantity: i32,
    pub allocated: i32,
    pub cancelled: i32,
    pub unit_price_minor: i64,
    pub currency: String,
}

impl LineRow {
    /// Units still to reserve.
    pub fn open(&self) -> i32 {
        self.quantity - self.allocated - self.cancelled
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_allocations)]
pub struct AllocationRow {
    pub order_id: OrderId,
    pub line_no: i32,
    pub bin_id: BinId,
    pub quantity: i32,
}

/// New orders with their lines and allocations, row by row (the SQLite
/// side of intake's set-based write).
pub fn insert_all(
    tx: &mut DbConn,
    rows: &[OrderRow],
    lines: &[LineRow],
    allocations: &[AllocationRow],
) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(orders::table).values(row).execute(tx)?;
    }
    for l in lines {
        diesel::insert_into(order_lines::table).values(l).execute(tx)?;
    }
    for a in allocations {
        diesel::insert_into(order_allocations::table).values(a).execute(tx)?;
    }
    Ok(())
}

/// Orders already taken in under any of these platform ids.
pub fn by_platform_ids(conn: &mut DbConn, platform_ids: &[String]) -> QueryResult<Vec<OrderRow>> {
    if platform_ids.is_empty() {
        return Ok(Vec::new());
    }
    orders::table
        .filter(orders::platform_order_id.eq_any(platform_ids))
        .select(OrderRow::as_select())
        .load(conn)
}

/// A non-empty available balance: SKU, owner, bin, units, when they first
/// came in.
pub type AvailableBalance = (SkuId, SupplierId, BinId, i32, Option<Timestamp>);

/// The non-empty available balances of the SKUs, every owner's (intake
/// keeps the SKU's own supplier's). Read on its own, by the SKU index: as a
/// join from `skus`, PostgreSQL hashed every balance of the warehouse for a
/// batch's thousand SKUs (13 of 28 ms at 75,000 balances, and growing).
pub fn available_of(conn: &mut DbConn, ids: &[SkuId]) -> QueryResult<Vec<AvailableBalance>> {
    stock_balances::table
        .filter(stock_balances::sku_id.eq_any(ids))
        .filter(stock_balances::bucket.eq("available"))
        .filter(stock_balances::quantity.gt(0))
        .select((
            stock_balances::sku_id,
            stock_balances::owner_id,
            stock_balances::bin_id,
            stock_balances::quantity,
            stock_balances::first_in_at,
        ))
        .load(conn)
}

/// The last sequence number of each SKU's events of `kind` (none before
/// its first event). Driven by the SKUs' key, the counter a subquery: one
/// key lookup per SKU whatever the statistics say (as a filter on the
/// counters, PostgreSQL's generic plan read every counter of the kind).
pub fn sku_sequences(
    conn: &mut DbConn,
    kind: &'static str,
    ids: &[SkuId],
) -> QueryResult<Vec<(SkuId, Option<i64>)>> {
    skus::table
        .filter(skus::id.eq_any(ids))
        .select((
            skus::id,
            event_sequences::table
                .filter(event_sequences::aggregate_kind.eq(kind))
                .filter(event_sequences::aggregate_id.eq(skus::id))
                .select(event_sequences::last_sequence)
                .single_value(),
        ))
        .load(conn)
}

pub fn by_id(conn: &mut DbConn, id: OrderId) -> QueryResult<Option<OrderRow>> {
    orders::table.find(id).select(OrderRow::as_select()).first(conn).optional()
}

pub fn by_ids(conn: &mut DbConn, ids: &[OrderId]) -> QueryResult<Vec<OrderRow>> {
    orders::table.filter(orders::id.eq_any(ids)).select(OrderRow::as_select()).load(conn)
}

/// The lines of these orders, each order's in line order.
pub fn lines_of_orders(conn: &mut DbConn, ids: &[OrderId]) -> QueryResult<Vec<LineRow>> {
    order_lines::table
        .filter(order_lines::order_id.eq_any(ids))
        .order((order_lines::order_id, order_lines::line_no))
        .select(LineRow::as_select())
        .load(conn)
}

pub fn by_no(conn: &mut DbConn, order_no: &str) -> QueryResult<Option<OrderRow>> {
    orders::table.filter(orders::order_no.eq(order_no)).select(OrderRow::as_select()).first(conn).optional()
}

/// An order's number.
pub fn order_no(conn: &mut DbConn, id: OrderId) -> QueryResult<String> {
    orders::table.find(id).select(orders::order_no).first(conn)
}

/// The id of the order with this number.
pub fn id_by_no(conn: &mut DbConn, order_no: &str) -> QueryResult<Option<OrderId>> {
    orders::table.filter(orders::order_no.eq(order_no)).select(orders::id).first(conn).optional()
}

/// The order in a tote: its id, number and status.
pub fn order_in_tote(conn: &mut DbConn, tote: &str) -> QueryResult<Option<(OrderId, String, String)>> {
    orders::table
        .filter(orders::tote.eq(tote))
        .select((orders::id, orders::order_no, orders::status))
        .first(conn)
        .optional()
}

/// The number of an order other than `order` in the tote, if any.
pub fn other_order_in_tote(conn: &mut DbConn, tote: &str, order: OrderId) -> QueryResult<Option<String>> {
    orders::table
        .filter(orders::tote.eq(tote))
        .filter(orders::id.ne(order))
        .select(orders::order_no)
        .first(conn)
        .optional()
}

/// The tote the order's units go into.
pub fn set_tote(tx: &mut DbConn, id: OrderId, tote: &str) -> QueryResult<usize> {
    diesel::update(orders::table.find(id)).set(orders::tote.eq(Some(tote))).execute(tx)
}

/// The order's tote is free again.
pub fn free_tote(tx: &mut DbConn, id: OrderId) -> QueryResult<usize> {
    diesel::update(orders::table.find(id)).set(orders::tote.eq(None::<String>)).execute(tx)
}

pub fn lines(conn: &mut DbConn, id: OrderId) -> QueryResult<Vec<LineRow>> {
    order_lines::table
        .filter(order_lines::order_id.eq(id))
        .order(order_lines::line_no)
        .select(LineRow::as_select())
        .load(conn)
}

/// The SKUs on an order's lines.
pub fn line_skus(conn: &mut DbConn, id: OrderId) -> QueryResult<Vec<SkuId>> {
    order_lines::table.filter(order_lines::order_id.eq(id)).select(order_lines::sku_id).load(conn)
}

pub fn allocations(conn: &mut DbConn, id: OrderId) -> QueryResult<Vec<AllocationRow>> {
    order_allocations::table
        .filter(order_allocations::order_id.eq(id))
        .order((order_allocations::line_no, order_allocations::bin_id))
        .select(AllocationRow::as_select())
        .load(conn)
}

pub fn add_allocation(tx: &mut DbConn, row: &AllocationRow) -> QueryResult<()> {
    let key = order_allocations::table.find((row.order_id, row.line_no, row.bin_id));
    let n = diesel::update(key)
        .set(order_allocations::quantity.eq(order_allocations::quantity + row.quantity))
        .execute(tx)?;
    if n == 0 {
        diesel::insert_into(order_allocations::table).values(row).execute(tx)?;
    }
    Ok(())
}

/// Takes `units` off an allocation (picked, or found short).
pub fn reduce_allocation(
    tx: &mut DbConn,
    id: OrderId,
    line_no: i32,
    bin: BinId,
    units: i32,
) -> QueryResult<usize> {
    diesel::update(order_allocations::table.find((id, line_no, bin)))
        .set(order_allocations::quantity.eq(order_allocations::quantity - units))
        .execute(tx)
}

pub fn clear_allocations(tx: &mut DbConn, id: OrderId, line_no: i32) -> QueryResult<usize> {
    diesel::delete(
        order_allocations::table
            .filter(order_allocations::order_id.eq(id))
            .filter(order_allocations::line_no.eq(line_no)),
    )
    .execute(tx)
}

pub fn set_line(
    tx: &mut DbConn,
    id: OrderId,
    line_no: i32,
    allocated: i32,
    cancelled: i32,
) -> QueryResult<usize> {
    diesel::update(order_lines::table.find((id, line_no)))
        .set((order_lines::allocated.eq(allocated), order_lines::cancelled.eq(cancelled)))
        .execute(tx)
}

/// Moves an order to `to` only from one of `from`; the rows it moved.
pub fn move_status(
    tx: &mut DbConn,
    id: OrderId,
    from: &[&str],
    to: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(orders::table.find(id).filter(orders::status.eq_any(from)))
        .set((orders::status.eq(to), orders::updated_at.eq(now)))
        .execute(tx)
}

/// Order numbers and platform order ids of several orders, in one query.
pub fn numbers(conn: &mut DbConn, ids: &[OrderId]) -> QueryResult<Vec<(OrderId, String, String)>> {
    orders::table
        .filter(orders::id.eq_any(ids))
        .select((orders::id, orders::order_no, orders::platform_order_id))
        .load(conn)
}

pub fn set_status(tx: &mut DbConn, id: OrderId, status: &str, now: Timestamp) -> QueryResult<usize> {
    diesel::update(orders::table.find(id))
        .set((orders::status.eq(status), orders::updated_at.eq(now)))
        .execute(tx)
}

/// Marks an order cancelled at `now` and frees its tote.
pub fn close(tx: &mut DbConn, id: OrderId, now: Timestamp) -> QueryResult<usize> {
    diesel::update(orders::table.find(id))
        .set((orders::cancelled_at.eq(Some(now)), orders::tote.eq(None::<String>)))
        .execute(tx)
}

/// Where an order's units are, as its status is derived from them.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Some units are neither reserved nor cancelled.
    pub waiting_for_stock: bool,
    /// Some pick tasks are open or claimed.
    pub to_pick: bool,
    /// Some units are still reserved in bins.
    pub reserved: bool,
}

/// The three facts [`Progress`] holds, in one query.
pub fn progress(conn: &mut DbConn, id: OrderId) -> QueryResult<Progress> {
    use diesel::dsl::exists;
    let (waiting_for_stock, to_pick, reserved) = diesel::select((
        exists(
            order_lines::table
                .filter(order_lines::order_id.eq(id))
                .filter((order_lines::allocated + order_lines::cancelled).lt(order_lines::quantity)),
        ),
        exists(
            pick_tasks::table
                .filter(pick_tasks::order_id.eq(id))
                .filter(pick_tasks::status.eq_any(super::picking::TaskStatus::TO_PICK.map(|s| s.as_str()))),
        ),
        exists(
            order_allocations::table
                .filter(order_allocations::order_id.eq(id))
                .filter(order_allocations::quantity.gt(0)),
        ),
    ))
    .get_result(conn)?;
    Ok(Progress { waiting_for_stock, to_pick, reserved })
}

/// Orders waiting for stock of `sku`, oldest first.
pub fn backordered(conn: &mut DbConn, sku: SkuId, limit: i64) -> QueryResult<Vec<OrderId>> {
    order_lines::table
        .inner_join(orders::table)
        .filter(order_lines::sku_id.eq(sku))
        .filter(orders::status.eq("backordered"))
        .filter((order_lines::allocated + order_lines::cancelled).lt(order_lines::quantity))
        .select(orders::id)
        .order(orders::id)
        .limit(limit)
        .load(conn)
}

pub fn list(
    conn: &mut DbConn,
    status: Option<&str>,
    after: Option<OrderId>,
    limit: i64,
) -> QueryResult<Vec<OrderRow>> {
    let mut q = orders::table.select(OrderRow::as_select()).order(orders::id).into_boxed();
    if let Some(s) = status {
        q = q.filter(orders::status.eq(s.to_owned()));
    }
    if let Some(a) = after {
        q = q.filter(orders::id.gt(a));
    }
    q.limit(limit).load(conn)
}

/// Erases the sealed buyer data of orders cancelled, or whose parcel was
/// delivered, before `cutoff`.
pub fn erase_buyers(tx: &mut DbConn, cutoff: Timestamp, now: Timestamp) -> QueryResult<usize> {
    use crate::db::schema::parcels;
    let delivered = parcels::table.filter(parcels::delivered_at.lt(cutoff)).select(parcels::order_id);
    diesel::update(
        orders::table
            .filter(orders::buyer_sealed.is_not_null())
            .filter(orders::cancelled_at.lt(cutoff).or(orders::id.eq_any(delivered))),
    )
    .set((
        orders::buyer_sealed.eq(None::<Vec<u8>>),
        orders::buyer_key_id.eq(None::<String>),
        orders::buyer_masked.eq(""),
        orders::buyer_erased_at.eq(Some(now)),
    ))
    .execute(tx)
}

/// Orders for the console's search: by order number, platform order id or
/// tote (exact, any case), and/or status; newest first.
pub fn search(
    conn: &mut DbConn,
    q: Option<&str>,
    status: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<OrderRow>> {
    let mut query = orders::table.select(OrderRow::as_select()).order(orders::id.desc()).into_boxed();
    if let Some(q) = q {
        let (exact, upper) = (q.to_owned(), q.to_ascii_uppercase());
        query = query.filter(
            orders::order_no
                .eq(upper.clone())
                .or(orders::platform_order_id.eq(exact))
                .or(orders::tote.eq(upper)),
        );
    }
    if let Some(s) = status {
        query = query.filter(orders::status.eq(s.to_owned()));
    }
    query.limit(limit).load(conn)
}

/// Allocated orders waiting for a wave, per destination and service, in
/// three cut-off bands: ship-by already past, before `end_of_day`, later.
pub fn waiting_by_cutoff(
    conn: &mut DbConn,
    now: Timestamp,
    end_of_day: Timestamp,
) -> QueryResult<Vec<(String, String, [i64; 3])>> {
    use diesel::dsl::count_star;
    let band = |conn: &mut DbConn, from: Option<Timestamp>, to: Option<Timestamp>| {
        let mut q = orders::table
            .filter(orders::status.eq("allocated"))
            .group_by((orders::destination_country, orders::service_level))
            .select((orders::destination_country, orders::service_level, count_star()))
            .into_boxed();
        if let Some(f) = from {
            q = q.filter(orders::ship_by.ge(f));
        }
        if let Some(t) = to {
            q = q.filter(orders::ship_by.lt(t));
        }
        q.load::<(String, String, i64)>(conn)
    };
    let bands = [
        band(conn, None, Some(now))?,
        band(conn, Some(now), Some(end_of_day))?,
        band(conn, Some(end_of_day), None)?,
    ];
    let mut out: Vec<(String, String, [i64; 3])> = Vec::new();
    for (i, rows) in bands.into_iter().enumerate() {
        for (country, service, n) in rows {
            match out.iter_mut().find(|(c, s, _)| *c == country && *s == service) {
                Some(row) => row.2[i] += n,
                None => {
                    let mut counts = [0; 3];
                    counts[i] = n;
                    out.push((country, service, counts));
                }
            }
        }
    }
    // The most urgent first.
    out.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)).then_with(|| a.1.cmp(&b.1)));
    Ok(out)
}

/// One read of a buyer's data, as the audit log keeps it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::pii_reads)]
pub struct PiiReadRow {
    pub id: crate::ids::PiiReadId,
    pub read_at: Timestamp,
    pub actor: String,
    pub order_id: OrderId,
    pub order_no: String,
    pub parcel_id: Option<crate::ids::ParcelId>,
    pub purpose: String,
}

pub fn add_pii_read(tx: &mut DbConn, row: &PiiReadRow) -> QueryResult<()> {
    diesel::insert_into(crate::db::schema::pii_reads::table).values(row).execute(tx)?;
    Ok(())
}

/// The newest reads first, of one order if `order_no` is given.
pub fn pii_reads(conn: &mut DbConn, order_no: Option<&str>, limit: i64) -> QueryResult<Vec<PiiReadRow>> {
    use crate::db::schema::pii_reads as r;
    let mut q = r::table.into_boxed();
    if let Some(no) = order_no {
        q = q.filter(r::order_no.eq(no.to_owned()));
    }
    q.order((r::read_at.desc(), r::id.desc())).select(PiiReadRow::as_select()).limit(limit).load(conn)
}

/// Orders whose buyer is sealed under another key than `key_id`, a batch.
pub fn sealed_under_other_keys(
    conn: &mut DbConn,
    key_id: &str,
    after: Option<OrderId>,
    limit: i64,
) -> QueryResult<Vec<(OrderId, String, Vec<u8>)>> {
    let mut q = orders::table
        .filter(orders::buyer_key_id.is_not_null())
        .filter(orders::buyer_key_id.ne(key_id.to_owned()))
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(orders::id.gt(a));
    }
    let rows: Vec<(OrderId, Option<String>, Option<Vec<u8>>)> = q
        .order(orders::id)
        .select((orders::id, orders::buyer_key_id, orders::buyer_sealed))
        .limit(limit)
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, k, s)| Some((id, k?, s?))).collect())
}

/// Replaces an order's sealed buyer, if it is still sealed under `old_key`
/// (not erased or re-sealed meanwhile). Returns whether it did.
pub fn reseal_buyer(
    tx: &mut DbConn,
    id: OrderId,
    old_key: &str,
    new_key: &str,
    sealed: &[u8],
) -> QueryResult<bool> {
    let n = diesel::update(orders::table.find(id).filter(orders::buyer_key_id.eq(old_key.to_owned())))
        .set((
            orders::buyer_key_id.eq(Some(new_key.to_owned())),
            orders::buyer_sealed.eq(Some(sealed.to_vec())),
        ))
        .execute(tx)?;
    Ok(n == 1)
}
