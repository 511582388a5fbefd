//! Buckets, places and movements: the vocabulary of the ledger.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldError};
use crate::ids::{BinId, SkuId, SupplierId};

/// The bin of stock that is not in a bin yet (at the dock, being received,
/// in QC). Stored as the nil UUID; shown as no bin.
pub const UNLOCATED: BinId = BinId(uuid::Uuid::nil());

/// What state units are in. Only `available` can be sold.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Counted at receiving, not yet handed to QC.
    Receiving,
    /// With quality inspection, or passed and waiting for putaway.
    Qc,
    Available,
    Reserved,
    /// In a picker's tote.
    Picked,
    /// In a packed parcel, waiting in outbound staging.
    Packed,
    /// Damaged or defective, not sellable.
    Damaged,
    /// Waiting to go back to the supplier (质检退供).
    RtsHold,
    /// Held by a supervisor (investigation, recall).
    OnHold,
}

impl Bucket {
    pub const ALL: [Bucket; 9] = [
        Self::Receiving,
        Self::Qc,
        Self::Available,
        Self::Reserved,
        Self::Picked,
        Self::Packed,
        Self::Damaged,
        Self::RtsHold,
        Self::OnHold,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Receiving => "receiving",
            Self::Qc => "qc",
            Self::Available => "available",
            Self::Reserved => "reserved",
            Self::Picked => "picked",
            Self::Packed => "packed",
            Self::Damaged => "damaged",
            Self::RtsHold => "rts_hold",
            Self::OnHold => "on_hold",
        }
    }

    pub fn from_db(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// Why stock moved. Stored in the ledger; stable strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Counted into the warehouse at receiving.
    Received,
    /// Counted at receiving as damaged.
    ReceivedDamaged,
    /// Handed from receiving to quality inspection.
    ToQc,
    /// Failed quality inspection: to the return-to-supplier hold.
    QcRejected,
    /// Put away into a bin: now sellable.
    Putaway,
    /// Moved bin to bin by a supervisor.
    Moved,
    /// Put on hold or released by a supervisor.
    Held,
    Released,
    /// Adjusted by a supervisor: units found.
    AdjustFound,
    /// Adjusted by a supervisor: units lost or written off.
    AdjustLost,
    /// Marked damaged in the warehouse.
    AdjustDamaged,
    /// A cycle count's approved variance.
    CycleCount,
    /// Reserved for an order.
    Reserved,
    /// An order's reservation given back (cancelled).
    Unreserved,
    /// Picked from the bin into a tote.
    Picked,
    /// Not found in the bin at picking (to on-hold, for a count) or found
    /// damaged there (to damaged).
    PickShort,
    /// Packed into a parcel.
    Packed,
    /// Picked units of a cancelled order, back from the tote.
    PutBack,
    /// Packed units handed over to the line-haul carrier: out of the
    /// warehouse.
    Shipped,
    /// Units back from a buyer, dispositioned at the returns desk.
    Returned,
    /// Returned units destroyed: out of the warehouse.
    Disposed,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::ReceivedDamaged => "received_damaged",
            Self::ToQc => "to_qc",
            Self::QcRejected => "qc_rejected",
            Self::Putaway => "putaway",
            Self::Moved => "moved",
            Self::Held => "held",
            Self::Released => "released",
            Self::AdjustFound => "adjust_found",
            Self::AdjustLost => "adjust_lost",
            Self::AdjustDamaged => "adjust_damaged",
            Self::CycleCount => "cycle_count",
            Self::Reserved => "reserved",
            Self::Unreserved => "unreserved",
            Self::Picked => "picked",
            Self::PickShort => "pick_short",
            Self::Packed => "packed",
            Self::PutBack => "put_back",
            Self::Shipped => "shipped",
            Self::Returned => "returned",
            Self::Disposed => "disposed",
        }
    }
}

/// Where units are: a bucket in a bin (or [`UNLOCATED`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Place {
    pub bucket: Bucket,
    pub bin: BinId,
}

impl Place {
    pub fn unlocated(bucket: Bucket) -> Self {
        Self { bucket, bin: UNLOCATED }
    }
    pub fn at(bucket: Bucket, bin: BinId) -> Self {
        Self { bucket, bin }
    }
}

/// One change of stock: `quantity` units of one owner's SKU leave `from`
/// (if any) and arrive at `to` (if any). A movement with no `from` brings
/// units into the books (receiving, found); with no `to` it takes them out
/// (lost, shipped).
#[derive(Debug, Clone)]
pub struct Movement {
    pub owner: SupplierId,
    pub sku: SkuId,
    pub quantity: i32,
    pub from: Option<Place>,
    pub to: Option<Place>,
    pub reason: Reason,
    /// The document it happened under (ASN number, count number...).
    pub document_no: String,
    pub note: String,
    pub actor: String,
}

impl Movement {
    /// Refuses a movement that could not be booked: no units, nowhere to
    /// or from, or from a place to the same place.
    pub fn check(&self) -> Result<(), AppError> {
        if self.quantity <= 0 {
            return Err(AppError::validation(vec![FieldError::new(
                "quantity",
                "must_be_positive",
                "must be at least 1",
            )]));
        }
        if self.from.is_none() && self.to.is_none() {
            return Err(AppError::internal(anyhow::anyhow!("a movement needs a from or a to")));
        }
        if self.from == self.to {
            return Err(AppError::conflict("same_place", "Stock cannot move to where it already is."));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movement(q: i32, from: Option<Place>, to: Option<Place>) -> Movement {
        Movement {
            owner: SupplierId::generate(),
            sku: SkuId::generate(),
            quantity: q,
            from,
            to,
            reason: Reason::Moved,
            document_no: "X".into(),
            note: String::new(),
            actor: "t".into(),
        }
    }

    #[test]
    fn a_movement_needs_units_and_a_real_change_of_place() {
        let a = Some(Place::unlocated(Bucket::Qc));
        let b = Some(Place::unlocated(Bucket::Available));
        assert!(movement(1, a, b).check().is_ok());
        assert_eq!(movement(0, a, b).check().unwrap_err().code(), "validation_failed");
        assert_eq!(movement(-3, a, b).check().unwrap_err().code(), "validation_failed");
        assert_eq!(movement(1, a, a).check().unwrap_err().code(), "same_place");
        assert!(movement(1, None, None).check().is_err());
    }

    #[test]
    fn bucket_names_round_trip() {
        for b in Bucket::ALL {
            assert_eq!(Bucket::from_db(b.as_str()), Some(b));
        }
    }
}
