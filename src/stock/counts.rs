//! Cycle counts (盘点): a blind count of one bin. The counter never sees the
//! book quantities; after the count is submitted the variance is shown, and
//! a second person approves it (the variance is then booked as movements)
//! or rejects it (count again).

use serde::{Deserialize, Serialize};

use super::domain::{Bucket, Movement, Place, Reason};
use super::store::{self as stock_store, CountLineRow as LineRow, CountRow};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, CycleCountId, SkuId, SupplierId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CountStatus {
    /// Being counted: book quantities hidden.
    Counting,
    /// Counted: variance shown, waiting for a second person.
    Submitted,
    Approved,
    Rejected,
}

impl CountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Counting => "counting",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
    /// A value read from the database; an unknown one is an error naming
    /// the count.
    fn stored(s: &str, count_no: &str) -> Result<Self, AppError> {
        match s {
            "counting" => Ok(Self::Counting),
            "submitted" => Ok(Self::Submitted),
            "approved" => Ok(Self::Approved),
            "rejected" => Ok(Self::Rejected),
            _ => Err(AppError::unknown_stored("CountStatus", &format!("cycle count {count_no}"), s)),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CountLine {
    pub supplier_id: SupplierId,
    pub sku_id: SkuId,
    pub sku_code: String,
    /// Hidden (null) while counting.
    pub expected: Option<i32>,
    pub counted: Option<i32>,
    /// counted - expected; null while counting.
    pub variance: Option<i32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CycleCount {
    pub id: CycleCountId,
    pub count_no: String,
    pub bin_code: String,
    pub status: CountStatus,
    pub created_by: String,
    pub counted_by: Option<String>,
    pub decided_by: Option<String>,
    pub created_at: Timestamp,
    pub submitted_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
    pub lines: Vec<CountLine>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartCount {
    pub bin: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountedLine {
    /// The unit barcode scanned (or the SKU id in `sku_id`).
    #[serde(default)]
    pub barcode: Option<String>,
    #[serde(default)]
    pub sku_id: Option<SkuId>,
    pub counted: i32,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitCount {
    /// What was found in the bin. SKUs on the books but not listed count as 0.
    pub lines: Vec<CountedLine>,
}

/// Opens a blind count of a bin, taking a snapshot of the available stock
/// in it. One open count per bin.
pub fn start(tx: &mut DbConn, input: &StartCount, actor: &str) -> Result<CycleCount, AppError> {
    let bin = crate::warehouse::service::storage_bin(tx, "bin", &input.bin)?;
    if stock_store::open_counts_of_bin(tx, bin.id)? > 0 {
        return Err(AppError::conflict("count_open", format!("Bin {} already has a count open.", bin.code)));
    }
    let row = CountRow {
        id: CycleCountId::generate(),
        count_no: crate::db::docno::next(tx, "CC")?,
        bin_id: bin.id,
        status: CountStatus::Counting.as_str().into(),
        created_by: actor.into(),
        counted_by: None,
        decided_by: None,
        created_at: Timestamp::now(),
        submitted_at: None,
        decided_at: None,
    };
    stock_store::insert_count(tx, &row)?;
    for b in stock_store::balances(tx, None, None, Some(bin.id), 10_000)? {
        if b.bucket == Bucket::Available.as_str() {
            let line = LineRow {
                count_id: row.id,
                owner_id: b.owner_id,
                sku_id: b.sku_id,
                expected: b.quantity,
                counted: None,
            };
            stock_store::insert_count_line(tx, &line)?;
        }
    }
    get(tx, row.id)
}

pub fn get(conn: &mut DbConn, id: CycleCountId) -> Result<CycleCount, AppError> {
    let row = stock_store::count(conn, id)?.ok_or(AppError::not_found("cycle count"))?;
    let lines = stock_store::count_lines(conn, id)?;
    let status = CountStatus::stored(&row.status, &row.count_no)?;
    let blind = status == CountStatus::Counting;
    let bin_code = crate::warehouse::service::by_id(conn, row.bin_id)?.code;
    let mut out = Vec::new();
    for l in lines {
        let sku_code =
            crate::catalog::service::sku_row(conn, l.sku_id)?.map(|s| s.sku_code).unwrap_or_default();
        out.push(CountLine {
            supplier_id: l.owner_id,
            sku_id: l.sku_id,
            sku_code,
            expected: (!blind).then_some(l.expected),
            counted: l.counted,
            variance: if blind { None } else { l.counted.map(|c| c - l.expected) },
        });
    }
    Ok(CycleCount {
        id: row.id,
        count_no: row.count_no,
        bin_code,
        status,
        created_by: row.created_by,
        counted_by: row.counted_by,
        decided_by: row.decided_by,
        created_at: row.created_at,
        submitted_at: row.submitted_at,
        decided_at: row.decided_at,
        lines: out,
    })
}

fn locked(tx: &mut DbConn, id: CycleCountId) -> Result<CountRow, AppError> {
    crate::db::lock_key(tx, &format!("cycle-count\n{id}"))?;
    stock_store::count(tx, id)?.ok_or(AppError::not_found("cycle count"))
}

/// Records what was counted. Lines for SKUs the snapshot did not have are
/// added (expected 0); snapshot lines not mentioned are counted as 0.
pub fn submit(
    tx: &mut DbConn,
    id: CycleCountId,
    input: &SubmitCount,
    actor: &str,
) -> Result<CycleCount, AppError> {
    let row = locked(tx, id)?;
    if CountStatus::stored(&row.status, &row.count_no)? != CountStatus::Counting {
        return Err(AppError::conflict(
            "count_not_open",
            format!("Count {} is {}.", row.count_no, row.status),
        ));
    }
    let mut errs = crate::values::Errors::default();
    let mut found: Vec<(SupplierId, SkuId, i32)> = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        let field = format!("lines[{i}]");
        if l.counted < 0 {
            errs.0.push(crate::error::FieldError::new(
                &field,
                "must_not_be_negative",
                "counted must be 0 or more",
            ));
            continue;
        }
        let sku = match (&l.sku_id, &l.barcode) {
            (Some(id), _) => crate::catalog::service::sku_row(tx, *id)?,
            (None, Some(code)) => crate::catalog::service::by_barcode(tx, code)?
                .and_then(|s| crate::catalog::service::sku_row(tx, s.id).ok().flatten()),
            (None, None) => None,
        };
        match sku {
            Some(s) => match found.iter_mut().find(|f| f.1 == s.id) {
                Some(f) => f.2 += l.counted,
                None => found.push((s.supplier_id, s.id, l.counted)),
            },
            None => errs.0.push(crate::error::FieldError::new(
                &field,
                "unknown_sku",
                "no SKU has this barcode or id",
            )),
        }
    }
    errs.finish()?;
    stock_store::count_all_as_zero(tx, id)?;
    for (owner, sku, counted) in found {
        stock_store::set_counted(tx, id, owner, sku, counted)?;
    }
    stock_store::mark_count_submitted(tx, id, actor, Timestamp::now())?;
    get(tx, id)
}

/// Approves (books the variance) or rejects a submitted count. The person
/// who counted may not decide on their own count.
pub fn decide(tx: &mut DbConn, id: CycleCountId, approve: bool, actor: &str) -> Result<CycleCount, AppError> {
    let row = locked(tx, id)?;
    if CountStatus::stored(&row.status, &row.count_no)? != CountStatus::Submitted {
        return Err(AppError::conflict(
            "count_not_submitted",
            format!("Count {} is {}.", row.count_no, row.status),
        ));
    }
    if row.counted_by.as_deref() == Some(actor) {
        return Err(AppError::conflict(
            "four_eyes",
            "Someone other than the counter approves or rejects a count.",
        ));
    }
    let status = if approve { CountStatus::Approved } else { CountStatus::Rejected };
    let mut variances = Vec::new();
    if approve {
        let lines = stock_store::count_lines(tx, id)?;
        super::service::lock_skus(tx, lines.iter().map(|l| l.sku_id))?;
        for l in lines {
            let delta = l.counted.unwrap_or(0) - l.expected;
            if delta == 0 {
                continue;
            }
            let here = Some(Place::at(Bucket::Available, row.bin_id));
            let m = Movement {
                owner: l.owner_id,
                sku: l.sku_id,
                quantity: delta.abs(),
                from: if delta < 0 { here } else { None },
                to: if delta > 0 { here } else { None },
                reason: Reason::CycleCount,
                document_no: row.count_no.clone(),
                note: String::new(),
                actor: actor.to_owned(),
            };
            super::service::apply(tx, &m)?;
            variances
                .push(serde_json::json!({"sku_id": l.sku_id, "supplier_id": l.owner_id, "variance": delta}));
        }
    }
    stock_store::mark_count_decided(tx, id, status.as_str(), actor, Timestamp::now())?;
    let count = get(tx, id)?;
    if approve {
        events::record(
            tx,
            NewEvent {
                event_type: catalog::STOCK_COUNTED,
                aggregate_id: AggregateId(id.0),
                document_no: count.count_no.clone(),
                owner: None,
                payload: serde_json::json!({
                    "count_id": id, "count_no": count.count_no, "bin": count.bin_code, "variances": variances,
                }),
            },
        )?;
    }
    Ok(count)
}

/// A count by its number (`CC-…`).
pub fn by_no(conn: &mut DbConn, count_no: &str) -> Result<CycleCount, AppError> {
    let id = stock_store::count_id_by_no(conn, &count_no.trim().to_ascii_uppercase())?
        .ok_or(AppError::not_found("cycle count"))?;
    get(conn, id)
}

/// Counts being counted or waiting for a decision, oldest first, and the
/// latest decided ones.
pub fn list(conn: &mut DbConn, open: bool, limit: i64) -> Result<Vec<CycleCount>, AppError> {
    let ids = stock_store::count_ids(conn, open, limit.clamp(1, 200))?;
    ids.into_iter().map(|id| get(conn, id)).collect()
}
