//! The supervisors' queue of outbound exceptions: short picks (a bin held
//! for a count, or damaged units), parcels held at the scale, and picked
//! units of cancelled orders to put back on a shelf. Each is raised in the
//! transaction of what caused it and resolved once, by a supervisor, with
//! an action that fits its kind.

use serde::{Deserialize, Serialize};

use super::store::{self, exceptions::ExceptionRow as Row};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, BinId, OrderId, OutboundExceptionId, ParcelId, SkuId, SupplierId};
use crate::inbound::domain::string_enum;
use crate::stock::{self, Bucket, Movement, Place, Reason};

string_enum!(
    ExceptionKind {
        /// Units not found in the bin at picking: they and the bin's other
        /// available units are on hold until the bin is counted.
        ShortMissing = "short_missing",
        /// Units found damaged at picking: moved to damaged.
        ShortDamaged = "short_damaged",
        /// A parcel's weight is outside the tolerance.
        WeightHold = "weight_hold",
        /// No channel may carry a weighed parcel (destination, service
        /// level, a sensitive-goods flag, weight or size): accept routes it
        /// again (after the channels changed), repack starts it over.
        NoRoute = "no_route",
        /// An order cancelled after picking: its units wait to go back to a bin.
        PutBack = "put_back",
        /// A parcel on its way had no carrier milestone for its channel's
        /// number of days: chase the carrier, open a claim.
        LostSuspected = "lost_suspected",
        /// The parcel's bag was on a manifest but not scanned onto the
        /// vehicle at handover: pulled off the manifest (it goes on the
        /// next one). Find the bag.
        HandoverMissing = "handover_missing",
        /// The customs broker rejected the parcel's export declaration: it
        /// was taken out of its bag and held. Take it out physically.
        CustomsRejected = "customs_rejected",
    }
);

string_enum!(
    ExceptionStatus {
        Open = "open",
        Resolved = "resolved",
    }
);

string_enum!(
    /// What a supervisor does with an exception.
    Action {
        /// Short (missing): the count found the units; they are sellable again.
        Release = "release",
        /// Short (missing): the units are gone; written off.
        WriteOff = "write_off",
        /// Short (damaged): seen; the units stay in damaged.
        Acknowledge = "acknowledge",
        /// Weight hold: checked, the parcel is right; it is labelled as packed.
        Accept = "accept",
        /// Weight hold: the parcel is wrong; unpack it and pack again.
        Repack = "repack",
        /// Put back: the units are on a shelf again (`bin` required).
        Restock = "restock",
    }
);

impl ExceptionKind {
    /// The actions that resolve this kind.
    pub fn actions(self) -> &'static [Action] {
        match self {
            Self::ShortMissing => &[Action::Release, Action::WriteOff],
            Self::ShortDamaged | Self::HandoverMissing | Self::CustomsRejected => &[Action::Acknowledge],
            Self::WeightHold | Self::NoRoute => &[Action::Accept, Action::Repack],
            Self::PutBack => &[Action::Restock],
            Self::LostSuspected => &[Action::Acknowledge],
        }
    }
}

/// What raises an exception.
pub struct NewException<'a> {
    pub kind: ExceptionKind,
    pub order_id: OrderId,
    pub parcel_id: Option<ParcelId>,
    pub sku: Option<(SkuId, SupplierId)>,
    pub bin_id: Option<BinId>,
    pub quantity: i32,
    pub detail: String,
    pub actor: &'a str,
}

pub fn raise(tx: &mut DbConn, e: NewException<'_>) -> Result<OutboundExceptionId, AppError> {
    let id = OutboundExceptionId::generate();
    let row = Row {
        id,
        kind: e.kind.as_str().into(),
        status: ExceptionStatus::Open.as_str().into(),
        order_id: e.order_id,
        parcel_id: e.parcel_id,
        sku_id: e.sku.map(|s| s.0),
        owner_id: e.sku.map(|s| s.1),
        bin_id: e.bin_id,
        quantity: e.quantity,
        detail: e.detail,
        raised_by: e.actor.into(),
        raised_at: Timestamp::now(),
        resolved_by: None,
        resolved_at: None,
        resolution: None,
    };
    store::exceptions::insert(tx, &row)?;
    Ok(id)
}

/// An exception as the queue shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutboundException {
    pub id: OutboundExceptionId,
    pub kind: ExceptionKind,
    pub status: ExceptionStatus,
    pub order_id: OrderId,
    pub order_no: String,
    pub parcel_id: Option<ParcelId>,
    pub sku_id: Option<SkuId>,
    pub sku_code: Option<String>,
    pub bin_code: Option<String>,
    pub quantity: i32,
    pub detail: String,
    /// What resolves it.
    pub actions: Vec<Action>,
    pub raised_by: String,
    pub raised_at: Timestamp,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<Timestamp>,
    pub resolution: Option<String>,
}

fn show(conn: &mut DbConn, r: Row) -> Result<OutboundException, AppError> {
    let kind =
        ExceptionKind::from_db(&r.kind).ok_or_else(|| AppError::internal(anyhow::anyhow!("bad kind")))?;
    let order_no = store::order_no(conn, r.order_id)?;
    let sku_code = match r.sku_id {
        Some(s) => crate::catalog::service::sku_row(conn, s)?.map(|s| s.sku_code),
        None => None,
    };
    let bin_code = match r.bin_id {
        Some(b) => Some(crate::warehouse::service::by_id(conn, b)?.code),
        None => None,
    };
    Ok(OutboundException {
        id: r.id,
        kind,
        status: ExceptionStatus::stored(&r.status, || format!("outbound exception {}", r.id))?,
        order_id: r.order_id,
        order_no,
        parcel_id: r.parcel_id,
        sku_id: r.sku_id,
        sku_code,
        bin_code,
        quantity: r.quantity,
        detail: r.detail,
        actions: if r.status == ExceptionStatus::Open.as_str() {
            kind.actions().to_vec()
        } else {
            Vec::new()
        },
        raised_by: r.raised_by,
        raised_at: r.raised_at,
        resolved_by: r.resolved_by,
        resolved_at: r.resolved_at,
        resolution: r.resolution,
    })
}

/// The queue, oldest first (open ones by default).
pub fn list(
    conn: &mut DbConn,
    status: Option<ExceptionStatus>,
    order: Option<OrderId>,
    limit: i64,
) -> Result<Vec<OutboundException>, AppError> {
    let rows = store::exceptions::queue(conn, status, order, limit.clamp(1, 500))?;
    rows.into_iter().map(|r| show(conn, r)).collect()
}

pub fn get(conn: &mut DbConn, id: OutboundExceptionId) -> Result<OutboundException, AppError> {
    let row = store::exceptions::by_id(conn, id)?.ok_or(AppError::not_found("exception"))?;
    show(conn, row)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    pub action: Action,
    /// For `restock`: the storage bin the units went to.
    #[serde(default)]
    pub bin: Option<String>,
    /// Why, in words (kept with the resolution).
    #[serde(default)]
    pub note: String,
}

/// Resolves an open exception with an action that fits its kind.
pub fn resolve(
    tx: &mut DbConn,
    id: OutboundExceptionId,
    input: &ResolveInput,
    actor: &str,
) -> Result<OutboundException, AppError> {
    crate::db::lock_key(tx, &format!("exception\n{id}"))?;
    let row = store::exceptions::by_id(tx, id)?.ok_or(AppError::not_found("exception"))?;
    if row.status != ExceptionStatus::Open.as_str() {
        return Err(AppError::conflict("already_resolved", "This exception is resolved already."));
    }
    let kind =
        ExceptionKind::from_db(&row.kind).ok_or_else(|| AppError::internal(anyhow::anyhow!("bad kind")))?;
    if !kind.actions().contains(&input.action) {
        let allowed: Vec<&str> = kind.actions().iter().map(|a| a.as_str()).collect();
        return Err(AppError::invalid(
            "action",
            "action_not_allowed",
            format!("A {kind} exception is resolved by: {}.", allowed.join(", ")),
        ));
    }
    let note = input.note.trim().chars().take(500).collect::<String>();
    let order_no = store::order_no(tx, row.order_id)?;
    let stock_move = |from: Option<Place>, to: Option<Place>, reason| -> Result<Movement, AppError> {
        let (sku, owner) = row.sku_id.zip(row.owner_id).ok_or(AppError::not_found("sku"))?;
        Ok(Movement {
            owner,
            sku,
            quantity: row.quantity,
            from,
            to,
            reason,
            document_no: order_no.clone(),
            note: format!("exception {}: {}", input.action, note),
            actor: actor.into(),
        })
    };
    let bin = row.bin_id.unwrap_or(stock::UNLOCATED);
    let mut resolution = input.action.as_str().to_owned();
    match input.action {
        Action::Release if row.quantity > 0 => {
            let m = stock_move(
                Some(Place::at(Bucket::OnHold, bin)),
                Some(Place::at(Bucket::Available, bin)),
                Reason::Released,
            )?;
            stock::service::apply(tx, &m)?;
        }
        Action::WriteOff if row.quantity > 0 => {
            stock::service::apply(
                tx,
                &stock_move(Some(Place::at(Bucket::OnHold, bin)), None, Reason::AdjustLost)?,
            )?;
        }
        Action::Restock => {
            let code = input.bin.as_deref().unwrap_or("");
            let to = crate::warehouse::service::storage_bin(tx, "bin", code)?;
            stock::service::ensure_room(tx, to.id, &to.code, to.capacity_units, row.quantity)?;
            let m = stock_move(
                Some(Place::unlocated(Bucket::OnHold)),
                Some(Place::at(Bucket::Available, to.id)),
                Reason::PutBack,
            )?;
            stock::service::apply(tx, &m)?;
            resolution = format!("restock {}", to.code);
        }
        Action::Accept | Action::Repack => {
            let parcel = row.parcel_id.ok_or(AppError::not_found("parcel"))?;
            super::packing::resolve_hold(tx, parcel, input.action == Action::Accept, actor)?;
        }
        _ => {}
    }
    if !note.is_empty() {
        resolution = format!("{resolution}: {note}");
    }
    close(tx, id, actor, &resolution)?;
    events::record(
        tx,
        NewEvent {
            event_type: catalog::EXCEPTION_RESOLVED,
            aggregate_id: AggregateId(id.0),
            document_no: order_no.clone(),
            owner: row.owner_id,
            payload: serde_json::json!({
                "exception_id": id, "kind": kind, "action": input.action, "order_id": row.order_id,
                "order_no": order_no, "sku_id": row.sku_id, "quantity": row.quantity,
            }),
        },
    )?;
    get(tx, id)
}

fn close(tx: &mut DbConn, id: OutboundExceptionId, actor: &str, resolution: &str) -> Result<usize, AppError> {
    Ok(store::exceptions::resolve(tx, id, actor, resolution, Timestamp::now())?)
}

/// Closes the open exceptions of a parcel that no longer exists (its order
/// was cancelled).
pub fn close_for_parcel(tx: &mut DbConn, parcel: ParcelId, why: &str) -> Result<usize, AppError> {
    Ok(store::exceptions::resolve_open_of_parcel(tx, parcel, "system", why, Timestamp::now())?)
}

/// How many of these parcels have an open exception of `kind` (a
/// manifest's rejected parcels not yet taken out of their bags).
pub fn open_for_parcels(
    conn: &mut DbConn,
    kind: ExceptionKind,
    parcels: &[ParcelId],
) -> Result<i64, AppError> {
    Ok(store::exceptions::open_of_parcels(conn, kind.as_str(), parcels)?)
}

/// How many are open (for the console's badge).
pub fn open_count(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(store::exceptions::open_count(conn)?)
}

/// Open exceptions by kind (for the dashboard); kinds with none left out.
pub fn open_by_kind(conn: &mut DbConn) -> Result<Vec<(ExceptionKind, i64)>, AppError> {
    let rows = store::exceptions::open_by_kind(conn)?;
    let mut out: Vec<(ExceptionKind, i64)> =
        rows.into_iter().filter_map(|(k, n)| ExceptionKind::from_db(&k).map(|k| (k, n))).collect();
    out.sort_by_key(|(k, _)| ExceptionKind::ALL.iter().position(|x| x == k));
    Ok(out)
}
