//! Tracking milestones, pure: the statuses carriers' raw codes are
//! normalised to, the table that does it, the rank that keeps a parcel from
//! going backwards, what a milestone does to a parcel, and claims' states.

use serde::{Deserialize, Serialize};

use crate::inbound::domain::string_enum;
use crate::outbound::packing::ParcelStatus;

string_enum!(
    /// A carrier's event, normalised.
    TrackingStatus {
        /// The carrier has the shipment's data; it may not have the parcel.
        InfoReceived = "info_received",
        /// On its way: picked up, departed, arrived at a hub, in the air.
        InTransit = "in_transit",
        /// Held by export or import customs.
        CustomsHold = "customs_hold",
        /// Released by customs.
        CustomsReleased = "customs_released",
        /// With the courier for delivery, or waiting at a pickup point.
        OutForDelivery = "out_for_delivery",
        /// A delivery attempt failed (nobody home, address not found...).
        DeliveryFailed = "delivery_failed",
        /// Delivered: final.
        Delivered = "delivered",
        /// Back with the sender: final.
        ReturnedToSender = "returned_to_sender",
        /// Something went wrong on the way; the reason says what.
        Exception = "exception",
    }
);

impl TrackingStatus {
    /// How far along the trip a status is. A parcel's milestone only moves
    /// to an equal (newer) or higher rank: a scan that arrives late never
    /// takes it back. Exceptions and customs happen on the way (rank 1); a
    /// failed delivery follows an attempt (rank 2, like out for delivery).
    pub fn rank(self) -> u8 {
        match self {
            Self::InfoReceived => 0,
            Self::InTransit | Self::CustomsHold | Self::CustomsReleased | Self::Exception => 1,
            Self::OutForDelivery | Self::DeliveryFailed => 2,
            Self::Delivered | Self::ReturnedToSender => 3,
        }
    }

    /// Delivered or returned: nothing moves it after.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Delivered | Self::ReturnedToSender)
    }
}

/// A milestone: a status at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Milestone {
    pub status: TrackingStatus,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Milestone {
    /// Whether `self` replaces `current` as the parcel's milestone: never
    /// after a final one; a higher rank always; the same rank if newer.
    pub fn supersedes(&self, current: Option<&Milestone>) -> bool {
        let Some(c) = current else { return true };
        if c.status.is_final() {
            return false;
        }
        let (new, old) = (self.status.rank(), c.status.rank());
        new > old || (new == old && self.at > c.at)
    }
}

/// Where a carrier's milestone takes a parcel, if anywhere. A parcel still
/// in the warehouse (packing, held, packed, bagged) does not move: a
/// carrier scanning what we have not handed over is a discrepancy for a
/// person, not progress; the scan is kept for its timeline. After the
/// handover, any milestone past "info received" puts it in transit,
/// delivered and returned are final.
pub fn parcel_after(current: ParcelStatus, milestone: TrackingStatus) -> Option<ParcelStatus> {
    match current {
        ParcelStatus::HandedOver | ParcelStatus::InTransit => {
            let next = match milestone {
                TrackingStatus::InfoReceived => return None,
                TrackingStatus::Delivered => ParcelStatus::Delivered,
                TrackingStatus::ReturnedToSender => ParcelStatus::ReturnedToSender,
                _ => ParcelStatus::InTransit,
            };
            (next != current).then_some(next)
        }
        ParcelStatus::Packing
        | ParcelStatus::Held
        | ParcelStatus::Packed
        | ParcelStatus::Bagged
        | ParcelStatus::Cancelled
        | ParcelStatus::Delivered
        | ParcelStatus::ReturnedToSender => None,
    }
}

/// Whether a parcel in this status is on its way (handed over, not yet
/// delivered or returned): what tracking moves and the lost-parcel sweep
/// watches.
pub fn on_the_way(s: ParcelStatus) -> bool {
    matches!(s, ParcelStatus::HandedOver | ParcelStatus::InTransit)
}

/// A raw code, normalised: the status and, for exceptions, a default
/// incident reason (the event's own reason wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Normalised {
    pub status: TrackingStatus,
    pub reason: Option<&'static str>,
}

use TrackingStatus as S;

/// Raw codes of the vocabularies carriers and aggregators send, compared
/// after [`code_key`] (upper case, `-` and spaces as `_`). Sources: our own
/// status names; AfterShip's tags and subtags; 17TRACK's main and
/// sub-statuses; Karrio's normalised statuses; UPU EDI (EMSEVT) event codes;
/// the words carriers commonly use.
const CODES: &[(&str, TrackingStatus, Option<&str>)] = &[
    // Ours (an aggregator that normalises already).
    ("INFO_RECEIVED", S::InfoReceived, None),
    ("IN_TRANSIT", S::InTransit, None),
    ("CUSTOMS_HOLD", S::CustomsHold, None),
    ("CUSTOMS_RELEASED", S::CustomsReleased, None),
    ("OUT_FOR_DELIVERY", S::OutForDelivery, None),
    ("DELIVERY_FAILED", S::DeliveryFailed, None),
    ("DELIVERED", S::Delivered, None),
    ("RETURNED_TO_SENDER", S::ReturnedToSender, None),
    ("EXCEPTION", S::Exception, None),
    // AfterShip tags (subtags `Tag_NNN` fall back to their tag, below).
    ("PENDING", S::InfoReceived, None),
    ("INFORECEIVED", S::InfoReceived, None),
    ("INTRANSIT", S::InTransit, None),
    ("OUTFORDELIVERY", S::OutForDelivery, None),
    ("ATTEMPTFAIL", S::DeliveryFailed, None),
    ("AVAILABLEFORPICKUP", S::OutForDelivery, None),
    ("EXPIRED", S::Exception, Some("no_information")),
    ("EXCEPTION_004", S::CustomsHold, Some("customs_delay")),
    ("EXCEPTION_011", S::ReturnedToSender, None),
    // 17TRACK main statuses and sub-statuses.
    ("NOTFOUND", S::InfoReceived, None),
    ("DELIVERYFAILURE", S::DeliveryFailed, None),
    ("INTRANSIT_PICKEDUP", S::InTransit, None),
    ("INTRANSIT_CUSTOMSPROCESSING", S::CustomsHold, None),
    ("INTRANSIT_CUSTOMSREQUIRINGINFORMATION", S::CustomsHold, Some("customs_information_required")),
    ("INTRANSIT_CUSTOMSRELEASED", S::CustomsReleased, None),
    ("EXCEPTION_RETURNED", S::ReturnedToSender, None),
    ("EXCEPTION_RETURNING", S::Exception, Some("returning_to_sender")),
    ("EXCEPTION_LOST", S::Exception, Some("parcel_lost")),
    ("EXCEPTION_DAMAGE", S::Exception, Some("carrier_damaged_parcel")),
    ("EXCEPTION_REJECTED", S::Exception, Some("consignee_refused")),
    ("EXCEPTION_NOBODY", S::DeliveryFailed, Some("consignee_not_home")),
    ("EXCEPTION_DELAYED", S::Exception, Some("delivery_delayed")),
    ("EXCEPTION_DESTROYED", S::Exception, Some("parcel_destroyed")),
    // Karrio's normalised statuses.
    ("PICKED_UP", S::InTransit, None),
    ("ON_HOLD", S::Exception, Some("on_hold")),
    ("READY_FOR_PICKUP", S::OutForDelivery, None),
    ("DELIVERY_DELAYED", S::Exception, Some("delivery_delayed")),
    ("RETURN_TO_SENDER", S::ReturnedToSender, None),
    // UPU EDI event codes (postal items, EMSEVT).
    ("EMA", S::InTransit, None),
    ("EMB", S::InTransit, None),
    ("EMC", S::InTransit, None),
    ("EMD", S::InTransit, None),
    ("EMJ", S::InTransit, None),
    ("EMK", S::InTransit, None),
    ("EMG", S::InTransit, None),
    ("EXA", S::CustomsHold, Some("export_customs")),
    ("EXB", S::CustomsHold, Some("export_customs")),
    ("EXC", S::CustomsReleased, None),
    ("EDA", S::CustomsHold, Some("import_customs")),
    ("EDB", S::CustomsHold, Some("import_customs")),
    ("EME", S::CustomsHold, Some("import_customs")),
    ("EMF", S::CustomsReleased, None),
    ("EDC", S::CustomsReleased, None),
    ("EDG", S::OutForDelivery, None),
    ("EDH", S::OutForDelivery, None),
    ("EMH", S::DeliveryFailed, None),
    ("EMI", S::Delivered, None),
    // Words carriers commonly use.
    ("ACCEPTED", S::InTransit, None),
    ("ACCEPTANCE", S::InTransit, None),
    ("ARRIVED", S::InTransit, None),
    ("DEPARTED", S::InTransit, None),
    ("TRANSIT", S::InTransit, None),
    ("CUSTOMS_CLEARED", S::CustomsReleased, None),
    ("CLEARED", S::CustomsReleased, None),
    ("SIGNED", S::Delivered, None),
    ("RETURNED", S::ReturnedToSender, None),
    ("FAILED_ATTEMPT", S::DeliveryFailed, None),
    ("LOST", S::Exception, Some("parcel_lost")),
    ("DAMAGED", S::Exception, Some("carrier_damaged_parcel")),
];

/// A raw code as the table compares it.
pub fn code_key(raw: &str) -> String {
    raw.trim().to_ascii_uppercase().replace(['-', ' '], "_")
}

/// The status a raw code means; `None` for a code no vocabulary here knows
/// (answered per item, never guessed).
pub fn normalise(raw: &str) -> Option<Normalised> {
    let key = code_key(raw);
    let found = |k: &str| {
        CODES.iter().find(|(c, ..)| *c == k).map(|&(_, status, reason)| Normalised { status, reason })
    };
    if let Some(n) = found(&key) {
        return Some(n);
    }
    // AfterShip subtags (`InTransit_007`) and 17TRACK sub-statuses
    // (`InTransit_Departure`) not listed: their main tag decides.
    let (tag, _) = key.split_once('_')?;
    found(tag).filter(|_| !tag.is_empty())
}

string_enum!(
    /// Where a claim against a carrier is.
    ClaimStatus {
        /// Opened: the carrier is asked to pay.
        Open = "open",
        /// Settled with an amount.
        Settled = "settled",
        /// Refused by the carrier (or withdrawn), with a note.
        Rejected = "rejected",
    }
);

/// What can happen to a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimAction {
    Settle,
    Reject,
}

impl ClaimStatus {
    /// The transition function: only an open claim is decided, once.
    pub fn apply(self, action: ClaimAction) -> Result<ClaimStatus, ClaimStatus> {
        match (self, action) {
            (Self::Open, ClaimAction::Settle) => Ok(Self::Settled),
            (Self::Open, ClaimAction::Reject) => Ok(Self::Rejected),
            (other, _) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    #[test]
    fn the_vocabularies_normalise_to_the_small_set_and_unknown_codes_stay_unknown() {
        let st = |c: &str| normalise(c).map(|n| n.status);
        assert_eq!(st("InTransit"), Some(S::InTransit));
        assert_eq!(st("intransit_007"), Some(S::InTransit), "an AfterShip subtag falls back to its tag");
        assert_eq!(st("InTransit_CustomsReleased"), Some(S::CustomsReleased));
        assert_eq!(st("InTransit_Departure"), Some(S::InTransit));
        assert_eq!(st("AttemptFail"), Some(S::DeliveryFailed));
        assert_eq!(st("out-for-delivery"), Some(S::OutForDelivery));
        assert_eq!(st("EMI"), Some(S::Delivered));
        assert_eq!(st("EME"), Some(S::CustomsHold));
        assert_eq!(st("ready_for_pickup"), Some(S::OutForDelivery));
        assert_eq!(st("Exception_Returned"), Some(S::ReturnedToSender));
        assert_eq!(normalise("Exception_Lost").and_then(|n| n.reason), Some("parcel_lost"));
        for unknown in ["", "ZZZ", "_", "XYZ_001", "DELIVERED?"] {
            assert_eq!(normalise(unknown), None, "{unknown}");
        }
        for s in TrackingStatus::ALL {
            assert_eq!(st(s.as_str()), Some(*s), "our own names are codes too");
        }
    }

    #[test]
    fn a_milestone_never_goes_backwards_and_final_ones_stay() {
        let t0 = Utc::now();
        let m = |status, mins| Milestone { status, at: t0 + Duration::minutes(mins) };
        let ofd = m(S::OutForDelivery, 10);
        assert!(!m(S::InTransit, 20).supersedes(Some(&ofd)), "a later transit scan is not progress");
        assert!(m(S::DeliveryFailed, 20).supersedes(Some(&ofd)));
        assert!(!m(S::DeliveryFailed, 5).supersedes(Some(&ofd)), "an older scan of the same rank");
        assert!(m(S::Delivered, 0).supersedes(Some(&ofd)), "delivered wins even if its time is earlier");
        let delivered = m(S::Delivered, 30);
        for s in TrackingStatus::ALL {
            assert!(!m(*s, 60).supersedes(Some(&delivered)), "{s} after delivered");
        }
        assert!(m(S::InfoReceived, 0).supersedes(None));
    }

    #[test]
    fn only_handed_over_parcels_move_and_final_states_stay() {
        use ParcelStatus as P;
        assert_eq!(parcel_after(P::HandedOver, S::InTransit), Some(P::InTransit));
        assert_eq!(parcel_after(P::HandedOver, S::InfoReceived), None);
        assert_eq!(parcel_after(P::InTransit, S::CustomsHold), None);
        assert_eq!(parcel_after(P::InTransit, S::Delivered), Some(P::Delivered));
        assert_eq!(parcel_after(P::HandedOver, S::ReturnedToSender), Some(P::ReturnedToSender));
        for s in TrackingStatus::ALL {
            assert_eq!(parcel_after(P::Bagged, *s), None, "in the warehouse");
            assert_eq!(parcel_after(P::Packed, *s), None, "in the warehouse");
            assert_eq!(parcel_after(P::Delivered, *s), None, "final");
        }
    }

    #[test]
    fn a_claim_is_decided_once() {
        assert_eq!(ClaimStatus::Open.apply(ClaimAction::Settle), Ok(ClaimStatus::Settled));
        assert_eq!(ClaimStatus::Open.apply(ClaimAction::Reject), Ok(ClaimStatus::Rejected));
        assert_eq!(ClaimStatus::Settled.apply(ClaimAction::Reject), Err(ClaimStatus::Settled));
    }
}
