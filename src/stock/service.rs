//! Booking movements, reading stock, and the supervisor's functions.
//! Writes expect the caller's `write_tx`.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::domain::{Bucket, Movement, Place, Reason, UNLOCATED};
use super::store;
use crate::db::types::Timestamp;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, BinId, MovementId, SkuId, SupplierId};

/// The bulk path of order intake writes reservations for many orders in a
/// few statements, through these (the store itself is private to `stock`;
/// nothing else writes balances).
pub(crate) use super::store::{
    BalanceRow, MovementRow, available_fifo, balances as balance_rows, decrement, fifo_key, increment,
    insert_movement, units_in_bin,
};

/// Books one movement: takes the units out of `from` (refusing if it does
/// not hold that many), adds them to `to`, and appends the ledger row, all in
/// the caller's transaction. When the owner's available quantity of the SKU
/// changes, records `inventory.available_changed` with the new total.
///
/// On PostgreSQL, changes of one SKU are serialised by an advisory lock, so
/// that two movements between the same two balances in opposite directions
/// wait for each other instead of deadlocking. A transaction that moves
/// several SKUs takes all their keys first ([`lock_skus`]).
///
/// When units become available, the movement leaves a wake-up for the SKU
/// (committed with it); it never fills waiting orders itself, which would
/// take orders' locks while holding a stock lock. The transaction fills
/// them after it commits (`db::wake_after_commit`, whose hook is
/// `outbound::orders::fill_backorders`), and a background sweep picks up
/// any wake-up left behind.
pub fn apply(tx: &mut DbConn, m: &Movement) -> Result<MovementId, AppError> {
    m.check()?;
    db::lock_key(tx, &stock_key(m.sku))?;
    let now = Timestamp::now();
    let id = move_units(tx, m, now)?;
    let into_available = m.to.is_some_and(|p| p.bucket == Bucket::Available);
    let out_of_available = m.from.is_some_and(|p| p.bucket == Bucket::Available);
    if into_available && !out_of_available {
        store::wake(tx, m.sku, now)?;
        db::wake_after_commit();
    }
    if into_available != out_of_available {
        let available = store::total_in_bucket(tx, m.owner, m.sku, Bucket::Available.as_str())?;
        let change = if into_available { m.quantity } else { -m.quantity };
        let document_no = sku_code(tx, m.sku)?;
        available_changed(tx, m, &document_no, available, i64::from(change))?;
    }
    Ok(id)
}

/// The advisory lock key of a SKU's stock.
pub fn stock_key(sku: SkuId) -> String {
    format!("stock\n{sku}")
}

/// Takes the stock keys of every SKU a transaction will move, sorted, in
/// one call (the program's one lock order: see `db::lock_keys`).
pub fn lock_skus(tx: &mut DbConn, skus: impl IntoIterator<Item = SkuId>) -> Result<(), AppError> {
    let keys: std::collections::BTreeSet<String> = skus.into_iter().map(stock_key).collect();
    let keys: Vec<String> = keys.into_iter().collect();
    db::lock_keys(tx, &keys)?;
    Ok(())
}

/// SKUs whose stock became available and whose waiting orders may now be
/// filled, oldest first.
pub fn wakeups(conn: &mut DbConn, limit: i64) -> Result<Vec<(SkuId, Timestamp)>, AppError> {
    Ok(store::wakeups(conn, limit)?)
}

/// A wake-up dealt with (unless a newer one came in meanwhile).
pub fn woken(tx: &mut DbConn, sku: SkuId, since: Timestamp) -> Result<(), AppError> {
    store::woken(tx, sku, since)?;
    Ok(())
}

/// Asks for a SKU's waiting orders to be looked at again.
pub fn wake(tx: &mut DbConn, sku: SkuId) -> Result<(), AppError> {
    store::wake(tx, sku, Timestamp::now())?;
    Ok(())
}

/// An owner's units of a SKU in one place (0 if there are none).
pub fn units_at(conn: &mut DbConn, owner: SupplierId, sku: SkuId, place: Place) -> Result<i32, AppError> {
    Ok(store::quantity(conn, owner, sku, place.bin, place.bucket.as_str())?)
}

fn available_changed(
    tx: &mut DbConn,
    m: &Movement,
    sku_code: &str,
    available: i64,
    change: i64,
) -> Result<(), AppError> {
    let event =
        available_changed_event(m.owner, m.sku, sku_code, available, change, m.reason, &m.document_no);
    events::record(tx, event)?;
    Ok(())
}

/// `inventory.available_changed`: the owner's new available total of a SKU
/// (`available`), by how much it changed, why, and for which document.
pub(crate) fn available_changed_event(
    owner: SupplierId,
    sku: SkuId,
    sku_code: &str,
    available: i64,
    change: i64,
    reason: Reason,
    document_no: &str,
) -> NewEvent {
    NewEvent {
        event_type: catalog::INVENTORY_AVAILABLE_CHANGED,
        aggregate_id: AggregateId(sku.0),
        document_no: sku_code.to_owned(),
        owner: Some(owner),
        payload: serde_json::json!({
            "sku_id": sku, "supplier_id": owner, "available": available,
            "change": change, "reason": reason, "document_no": document_no,
        }),
    }
}

/// The balances and the ledger row of one movement (the SKU's lock held).
fn move_units(tx: &mut DbConn, m: &Movement, now: Timestamp) -> Result<MovementId, AppError> {
    if let Some(from) = m.from
        && store::decrement(tx, m.owner, m.sku, from.bin, from.bucket.as_str(), m.quantity, now)? == 0
    {
        let have = store::quantity(tx, m.owner, m.sku, from.bin, from.bucket.as_str())?;
        return Err(AppError::conflict(
            "insufficient_stock",
            format!(
                "Only {have} unit(s) of SKU {} are {} {}; {} needed.",
                sku_code(tx, m.sku)?,
                from.bucket.as_str(),
                place_name(tx, from.bin)?,
                m.quantity
            ),
        ));
    }

    if let Some(to) = m.to {
        store::increment(
            tx,
            &BalanceRow {
                owner_id: m.owner,
                sku_id: m.sku,
                bin_id: to.bin,
                bucket: to.bucket.as_str().to_owned(),
                quantity: m.quantity,
                updated_at: now,
                first_in_at: Some(now),
            },
        )?;
    }
    let row = ledger_row(m, now);
    store::insert_movement(tx, &row)?;
    Ok(row.id)
}

/// Opening stock for a warehouse loaded in bulk (stock brought over from
/// another system; the benchmark's warehouse): each movement puts units
/// into a balance that does not exist yet (a second movement into the same
/// balance is refused), written with its ledger row in multi-row
/// statements, so that [`verify`] holds. Unlike [`apply`] it takes no
/// lock, records no `inventory.available_changed` event and wakes no
/// waiting order: it is for a warehouse nothing reads yet. Movements that
/// take units from somewhere are refused. Returns the balances written.
pub fn load_opening(tx: &mut DbConn, movements: &[Movement]) -> Result<usize, AppError> {
    let now = Timestamp::now();
    let mut balances = Vec::with_capacity(movements.len());
    for m in movements {
        m.check()?;
        let (None, Some(to)) = (m.from, m.to) else {
            return Err(AppError::invalid("movements", "not_opening", "Opening stock only comes in."));
        };
        balances.push(BalanceRow {
            owner_id: m.owner,
            sku_id: m.sku,
            bin_id: to.bin,
            bucket: to.bucket.as_str().to_owned(),
            quantity: m.quantity,
            updated_at: now,
            first_in_at: Some(now),
        });
    }
    let ledger: Vec<MovementRow> = movements.iter().map(|m| ledger_row(m, now)).collect();
    store::insert_new(tx, &balances, &ledger)?;
    Ok(balances.len())
}

/// The ledger row of a movement, with a new id.
pub(crate) fn ledger_row(m: &Movement, now: Timestamp) -> MovementRow {
    MovementRow {
        id: MovementId::generate(),
        owner_id: m.owner,
        sku_id: m.sku,
        quantity: m.quantity,
        from_bucket: m.from.map(|p| p.bucket.as_str().to_owned()),
        from_bin: m.from.map(|p| p.bin),
        to_bucket: m.to.map(|p| p.bucket.as_str().to_owned()),
        to_bin: m.to.map(|p| p.bin),
        reason: m.reason.as_str().to_owned(),
        document_no: m.document_no.clone(),
        note: m.note.clone(),
        actor: m.actor.clone(),
        created_at: now,
    }
}

fn sku_code(conn: &mut DbConn, sku: SkuId) -> Result<String, AppError> {
    Ok(crate::catalog::service::sku_row(conn, sku)?.map(|s| s.sku_code).unwrap_or_else(|| sku.to_string()))
}

fn place_name(conn: &mut DbConn, bin: BinId) -> Result<String, AppError> {
    if bin == UNLOCATED {
        return Ok("(not in a bin)".into());
    }
    let codes = crate::warehouse::service::bin_codes(conn, &[bin])?;
    Ok(codes
        .into_iter()
        .next()
        .map(|(_, c)| format!("in bin {c}"))
        .unwrap_or_else(|| format!("in bin {bin}")))
}

/// One balance, as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Balance {
    pub supplier_id: SupplierId,
    pub sku_id: SkuId,
    pub sku_code: String,
    /// Null for stock not in a bin yet (receiving, QC).
    pub bin_code: Option<String>,
    pub bucket: Bucket,
    pub quantity: i32,
    pub updated_at: Timestamp,
}

/// Staff view: balances narrowed by owner, SKU and/or bin; at most `limit`.
pub fn balances(
    conn: &mut DbConn,
    owner: Option<SupplierId>,
    sku: Option<SkuId>,
    bin: Option<BinId>,
    limit: i64,
) -> Result<Vec<Balance>, AppError> {
    let rows = store::balances(conn, owner, sku, bin, limit)?;
    to_balances(conn, rows)
}

fn to_balances(conn: &mut DbConn, rows: Vec<BalanceRow>) -> Result<Vec<Balance>, AppError> {
    let bin_ids: Vec<BinId> = rows.iter().map(|r| r.bin_id).filter(|b| *b != UNLOCATED).collect();
    let bins: HashMap<BinId, String> =
        crate::warehouse::service::bin_codes(conn, &bin_ids)?.into_iter().collect();
    let mut codes: HashMap<SkuId, String> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let code = match codes.get(&r.sku_id) {
            Some(c) => c.clone(),
            None => {
                let c = sku_code(conn, r.sku_id)?;
                codes.insert(r.sku_id, c.clone());
                c
            }
        };
        out.push(Balance {
            supplier_id: r.owner_id,
            sku_id: r.sku_id,
            sku_code: code,
            bin_code: bins.get(&r.bin_id).cloned(),
            bucket: Bucket::from_db(&r.bucket).ok_or_else(|| {
                AppError::unknown_stored(
                    "Bucket",
                    &format!("balance of {} in bin {}", r.sku_id, r.bin_id),
                    &r.bucket,
                )
            })?,
            quantity: r.quantity,
            updated_at: r.updated_at,
        });
    }
    Ok(out)
}

/// A supplier's stock of one SKU, summed over bins.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SkuStock {
    pub sku_id: SkuId,
    pub sku_code: String,
    /// Sellable now.
    pub available: i64,
    /// Promised to orders, not yet picked.
    pub reserved: i64,
    /// On the way (on shipments submitted but not yet received) or being
    /// received.
    pub in_inbound: i64,
    /// With quality inspection, or passed and waiting to be put away.
    pub in_qc: i64,
    /// Waiting to go back to the supplier.
    pub rts_hold: i64,
    pub damaged: i64,
    pub on_hold: i64,
    /// Picked or packed for orders, not yet shipped.
    pub outbound: i64,
}

/// Sums an owner's balances per SKU for the given SKUs. `in_transit` is
/// what is still on the way per SKU (the inbound module knows it; the
/// caller asks it, so that stock does not depend on inbound).
pub fn stock_by_sku(
    conn: &mut DbConn,
    owner: SupplierId,
    skus: &[(SkuId, String)],
    inbound: &HashMap<SkuId, i64>,
) -> Result<Vec<SkuStock>, AppError> {
    let ids: Vec<SkuId> = skus.iter().map(|(id, _)| *id).collect();
    let totals = store::totals_by_sku(conn, owner, &ids)?;
    Ok(skus
        .iter()
        .map(|(id, code)| {
            let get = |b: Bucket| totals.get(&(*id, b.as_str().to_owned())).copied().unwrap_or(0);
            SkuStock {
                sku_id: *id,
                sku_code: code.clone(),
                available: get(Bucket::Available),
                reserved: get(Bucket::Reserved),
                in_inbound: get(Bucket::Receiving) + inbound.get(id).copied().unwrap_or(0),
                in_qc: get(Bucket::Qc),
                rts_hold: get(Bucket::RtsHold),
                damaged: get(Bucket::Damaged),
                on_hold: get(Bucket::OnHold),
                outbound: get(Bucket::Picked) + get(Bucket::Packed),
            }
        })
        .collect())
}

/// A ledger row as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerEntry {
    pub id: MovementId,
    pub quantity: i32,
    pub from_bucket: Option<String>,
    pub from_bin: Option<String>,
    pub to_bucket: Option<String>,
    pub to_bin: Option<String>,
    pub reason: String,
    pub document_no: String,
    pub note: String,
    pub actor: String,
    pub created_at: Timestamp,
}

pub fn ledger(
    conn: &mut DbConn,
    owner: Option<SupplierId>,
    sku: SkuId,
    limit: i64,
) -> Result<Vec<LedgerEntry>, AppError> {
    let rows = store::movements(conn, owner, sku, limit)?;
    let ids: Vec<BinId> = rows.iter().flat_map(|r| [r.from_bin, r.to_bin]).flatten().collect();
    let bins: HashMap<BinId, String> =
        crate::warehouse::service::bin_codes(conn, &ids)?.into_iter().collect();
    let name = |b: Option<BinId>| b.and_then(|b| bins.get(&b).cloned());
    Ok(rows
        .into_iter()
        .map(|r| LedgerEntry {
            id: r.id,
            quantity: r.quantity,
            from_bin: name(r.from_bin),
            to_bin: name(r.to_bin),
            from_bucket: r.from_bucket,
            to_bucket: r.to_bucket,
            reason: r.reason,
            document_no: r.document_no,
            note: r.note,
            actor: r.actor,
            created_at: r.created_at,
        })
        .collect())
}

/// What [`verify`] found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerCheck {
    pub balances: usize,
    pub movements: usize,
    /// Balances that differ from the sum of their movements, or are negative.
    pub mismatches: Vec<String>,
}

/// Replays the whole ledger and compares it with every balance. Each
/// balance must equal what the movements put in minus what they took out,
/// and none may be negative. For audits and tests; reads everything.
pub fn verify(conn: &mut DbConn) -> Result<LedgerCheck, AppError> {
    type Key = (SupplierId, SkuId, BinId, String);
    let movements = store::all_movements(conn)?;
    let mut replay: BTreeMap<Key, i64> = BTreeMap::new();
    for m in &movements {
        if let (Some(b), Some(bin)) = (&m.from_bucket, m.from_bin) {
            *replay.entry((m.owner_id, m.sku_id, bin, b.clone())).or_default() -= i64::from(m.quantity);
        }
        if let (Some(b), Some(bin)) = (&m.to_bucket, m.to_bin) {
            *replay.entry((m.owner_id, m.sku_id, bin, b.clone())).or_default() += i64::from(m.quantity);
        }
    }
    let balances = store::all_balances(conn)?;
    let mut mismatches = Vec::new();
    let count = balances.len();
    for b in balances {
        let key = (b.owner_id, b.sku_id, b.bin_id, b.bucket.clone());
        let expected = replay.remove(&key).unwrap_or(0);
        if b.quantity < 0 || i64::from(b.quantity) != expected {
            mismatches.push(format!("{key:?}: balance {} but ledger {expected}", b.quantity));
        }
    }
    for (key, left) in replay {
        if left != 0 {
            mismatches.push(format!("{key:?}: no balance but ledger {left}"));
        }
    }
    Ok(LedgerCheck { balances: count, movements: movements.len(), mismatches })
}

/// Supervisor: move units from one bin to another, in the same bucket.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveInput {
    pub sku_id: SkuId,
    pub from_bin: String,
    pub to_bin: String,
    pub quantity: i32,
    /// `available` (the default) or `on_hold`.
    #[serde(default)]
    pub bucket: Option<Bucket>,
    #[serde(default)]
    pub note: String,
}

/// What a supervisor's stock function did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StockChange {
    pub movement_id: MovementId,
    pub sku_id: SkuId,
    pub sku_code: String,
    pub quantity: i32,
    pub reason: Reason,
    pub balances: Vec<Balance>,
}

fn sku_owner(conn: &mut DbConn, sku: SkuId) -> Result<(SupplierId, String), AppError> {
    let row = crate::catalog::service::sku_row(conn, sku)?
        .ok_or_else(|| AppError::invalid("sku_id", "unknown_sku", "No SKU has this id."))?;
    Ok((row.supplier_id, row.sku_code))
}

fn change(
    tx: &mut DbConn,
    m: &Movement,
    event_type: events::EventType,
    bins: &[BinId],
) -> Result<StockChange, AppError> {
    let id = apply(tx, m)?;
    let code = sku_code(tx, m.sku)?;
    let mut balances = Vec::new();
    for bin in bins {
        balances.extend(self::balances(tx, Some(m.owner), Some(m.sku), Some(*bin), 50)?);
    }
    let (from_bin, to_bin) = (bin_code_of(tx, m.from)?, bin_code_of(tx, m.to)?);
    events::record(
        tx,
        NewEvent {
            event_type,
            aggregate_id: AggregateId(m.sku.0),
            document_no: code.clone(),
            owner: Some(m.owner),
            payload: serde_json::json!({
                "sku_id": m.sku, "supplier_id": m.owner, "quantity": m.quantity, "reason": m.reason,
                "from_bucket": m.from.map(|p| p.bucket), "to_bucket": m.to.map(|p| p.bucket),
                "from_bin": from_bin, "to_bin": to_bin,
                "document_no": m.document_no, "note": m.note, "movement_id": id,
            }),
        },
    )?;
    Ok(StockChange {
        movement_id: id,
        sku_id: m.sku,
        sku_code: code,
        quantity: m.quantity,
        reason: m.reason,
        balances,
    })
}

fn bin_code_of(conn: &mut DbConn, place: Option<Place>) -> Result<Option<String>, AppError> {
    let Some(bin) = place.map(|p| p.bin).filter(|b| *b != UNLOCATED) else { return Ok(None) };
    Ok(crate::warehouse::service::bin_codes(conn, &[bin])?.into_iter().next().map(|(_, c)| c))
}

pub fn move_stock(tx: &mut DbConn, input: &MoveInput, actor: &str) -> Result<StockChange, AppError> {
    let (owner, _) = sku_owner(tx, input.sku_id)?;
    let from = crate::warehouse::service::storage_bin(tx, "from_bin", &input.from_bin)?;
    let to = crate::warehouse::service::storage_bin(tx, "to_bin", &input.to_bin)?;
    let bucket = input.bucket.unwrap_or(Bucket::Available);
    if !matches!(bucket, Bucket::Available | Bucket::OnHold | Bucket::Damaged) {
        return Err(AppError::invalid(
            "bucket",
            "not_movable",
            "Only available, on-hold or damaged stock is moved.",
        ));
    }
    ensure_sole_occupant(tx, &to, owner, input.sku_id)?;
    ensure_room(tx, to.id, &to.code, to.capacity_units, input.quantity)?;
    let m = Movement {
        owner,
        sku: input.sku_id,
        quantity: input.quantity,
        from: Some(Place::at(bucket, from.id)),
        to: Some(Place::at(bucket, to.id)),
        reason: Reason::Moved,
        document_no: format!("MOVE {} > {}", from.code, to.code),
        note: crate::values::text("note", &input.note, 500).unwrap_or_default(),
        actor: actor.to_owned(),
    };
    change(tx, &m, catalog::STOCK_MOVED, &[from.id, to.id])
}

/// Refuses to put an owner's SKU into a bin that holds units of another SKU
/// or another owner, unless the bin's type allows mixing.
pub fn ensure_sole_occupant(
    conn: &mut DbConn,
    bin: &crate::warehouse::service::Bin,
    owner: SupplierId,
    sku: SkuId,
) -> Result<(), AppError> {
    if bin.bin_type.allows_mixing() {
        return Ok(());
    }
    if let Some(other) = store::other_occupant(conn, bin.id, owner, sku)? {
        let code = crate::catalog::service::sku_row(conn, other)?.map(|s| s.sku_code).unwrap_or_default();
        return Err(AppError::conflict(
            "bin_holds_other_sku",
            format!(
                "Bin {} holds another SKU or owner's units and keeps one SKU of one owner: {code}",
                bin.code
            ),
        ));
    }
    Ok(())
}

/// Refuses to put `units` more into a bin that has a capacity and no room.
pub fn ensure_room(
    conn: &mut DbConn,
    bin: BinId,
    code: &str,
    capacity: Option<i32>,
    units: i32,
) -> Result<(), AppError> {
    if let Some(cap) = capacity {
        let used = store::units_in_bin(conn, bin)?;
        if used + i64::from(units) > i64::from(cap) {
            return Err(AppError::conflict(
                "bin_full",
                format!("Bin {code} holds {used} of {cap} units; {units} more do not fit."),
            ));
        }
    }
    Ok(())
}

/// Why a supervisor adjusts stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdjustReason {
    /// Units found that the books did not have: added to available.
    Found,
    /// Units that are not there: taken out of available.
    Lost,
    /// Units found damaged: available to damaged, same bin.
    Damaged,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustInput {
    pub sku_id: SkuId,
    pub bin: String,
    pub quantity: i32,
    pub reason: AdjustReason,
    /// Required: why, in words (audited).
    pub note: String,
}

pub fn adjust(tx: &mut DbConn, input: &AdjustInput, actor: &str) -> Result<StockChange, AppError> {
    let note = crate::values::text("note", &input.note, 500).map_err(|e| AppError::validation(vec![e]))?;
    let (owner, _) = sku_owner(tx, input.sku_id)?;
    let bin = crate::warehouse::service::storage_bin(tx, "bin", &input.bin)?;
    let here = |b| Some(Place::at(b, bin.id));
    let (from, to, reason) = match input.reason {
        AdjustReason::Found => {
            ensure_room(tx, bin.id, &bin.code, bin.capacity_units, input.quantity)?;
            (None, here(Bucket::Available), Reason::AdjustFound)
        }
        AdjustReason::Lost => (here(Bucket::Available), None, Reason::AdjustLost),
        AdjustReason::Damaged => (here(Bucket::Available), here(Bucket::Damaged), Reason::AdjustDamaged),
    };
    let m = Movement {
        owner,
        sku: input.sku_id,
        quantity: input.quantity,
        from,
        to,
        reason,
        document_no: format!("ADJ {}", bin.code),
        note,
        actor: actor.to_owned(),
    };
    change(tx, &m, catalog::STOCK_ADJUSTED, &[bin.id])
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldInput {
    pub sku_id: SkuId,
    pub bin: String,
    pub quantity: i32,
    /// Required: why (audited).
    pub note: String,
}

/// Puts available units on hold (`hold = true`) or releases held units.
pub fn hold(tx: &mut DbConn, input: &HoldInput, hold: bool, actor: &str) -> Result<StockChange, AppError> {
    let note = crate::values::text("note", &input.note, 500).map_err(|e| AppError::validation(vec![e]))?;
    let (owner, _) = sku_owner(tx, input.sku_id)?;
    let bin = crate::warehouse::service::storage_bin(tx, "bin", &input.bin)?;
    let (from, to, reason, event) = if hold {
        (Bucket::Available, Bucket::OnHold, Reason::Held, catalog::STOCK_HELD)
    } else {
        (Bucket::OnHold, Bucket::Available, Reason::Released, catalog::STOCK_RELEASED)
    };
    let m = Movement {
        owner,
        sku: input.sku_id,
        quantity: input.quantity,
        from: Some(Place::at(from, bin.id)),
        to: Some(Place::at(to, bin.id)),
        reason,
        document_no: format!("HOLD {}", bin.code),
        note,
        actor: actor.to_owned(),
    };
    change(tx, &m, event, &[bin.id])
}
