//! Returns' words: the kinds of return, the buyer's reason codes and the
//! classes the policy decides by, who bears a cost, and the return's states
//! as a transition function.

use serde::{Deserialize, Serialize};

use crate::inbound::domain::string_enum;

string_enum!(
    /// What the platform asks for.
    ReturnType {
        /// The buyer sends the goods back and is refunded.
        ReturnAndRefund = "return_and_refund",
        /// The buyer is refunded and keeps the goods.
        RefundOnly = "refund_only",
    }
);

string_enum!(
    /// The buyer's reason, as the platform sends it.
    ReasonCode {
        DoesNotFit = "does_not_fit",
        NotNeeded = "not_needed",
        ChangedMind = "changed_mind",
        Damaged = "damaged",
        Defective = "defective",
        NotAsDescribed = "not_as_described",
        WrongItemSent = "wrong_item_sent",
        CounterfeitSuspected = "counterfeit_suspected",
        DamagedInTransit = "damaged_in_transit",
        Late = "late",
        Lost = "lost",
    }
);

string_enum!(
    /// The classes of reasons the policy decides by.
    ReasonClass {
        /// The buyer changed their mind: nothing is wrong with the goods.
        BuyerRemorse = "buyer_remorse",
        /// The goods are not what they should be.
        Quality = "quality",
        /// The trip went wrong.
        Logistics = "logistics",
    }
);

impl ReasonCode {
    pub fn class(self) -> ReasonClass {
        use ReasonCode::*;
        match self {
            DoesNotFit | NotNeeded | ChangedMind => ReasonClass::BuyerRemorse,
            Damaged | Defective | NotAsDescribed | WrongItemSent | CounterfeitSuspected => {
                ReasonClass::Quality
            }
            DamagedInTransit | Late | Lost => ReasonClass::Logistics,
        }
    }
}

string_enum!(
    /// Who bears a cost.
    Party {
        Platform = "platform",
        Supplier = "supplier",
        Carrier = "carrier",
    }
);

string_enum!(
    /// What a liability is for.
    CostKind {
        /// The goods' value refunded to the buyer.
        Refund = "refund",
        /// The buyer's return shipping paid back.
        ReturnShipping = "return_shipping",
    }
);

string_enum!(
    /// Where a return is.
    ReturnStatus {
        /// Received, not decided yet (a moment inside the request).
        Requested = "requested",
        /// Refunded and the buyer keeps the goods: no parcel comes. Final.
        RefundedWithoutReturn = "refunded_without_return",
        /// Decided: a parcel is expected back.
        AwaitingParcel = "awaiting_parcel",
        /// The parcel is at the returns desk.
        Arrived = "arrived",
        /// Every unit graded.
        Graded = "graded",
        /// Every unit dispositioned. Final.
        Closed = "closed",
        /// Withdrawn by the platform before the parcel arrived. Final.
        Cancelled = "cancelled",
        /// Refused by the policy or by the platform. Final.
        Rejected = "rejected",
    }
);

string_enum!(
    /// What happens to a return.
    ReturnStep {
        /// The policy decided: the buyer keeps the goods.
        KeepGoods = "keep_goods",
        /// The policy decided: the goods come back.
        ExpectParcel = "expect_parcel",
        Reject = "reject",
        Cancel = "cancel",
        Arrive = "arrive",
        Grade = "grade",
        Close = "close",
    }
);

impl ReturnStatus {
    /// The state after `step`, or why it is not allowed (a stable code).
    pub fn next(self, step: ReturnStep) -> Result<Self, &'static str> {
        use ReturnStatus::*;
        use ReturnStep::*;
        match (self, step) {
            (Requested, KeepGoods) => Ok(RefundedWithoutReturn),
            (Requested, ExpectParcel) => Ok(AwaitingParcel),
            (Requested | AwaitingParcel, Reject) => Ok(Rejected),
            (Requested | AwaitingParcel, Cancel) => Ok(Cancelled),
            (AwaitingParcel, Arrive) => Ok(Arrived),
            (Arrived, Grade) => Ok(Graded),
            (Graded, Close) => Ok(Closed),
            (RefundedWithoutReturn | Closed | Cancelled | Rejected, _) => Err("return_final"),
            (Arrived | Graded, Cancel) => Err("return_arrived"),
            _ => Err("illegal_transition"),
        }
    }

    /// Units of a return in this state count against what may still be
    /// returned of the order.
    pub fn holds_units(self) -> bool {
        !matches!(self, ReturnStatus::Cancelled | ReturnStatus::Rejected)
    }
}

string_enum!(
    /// What the returns desk finds a unit to be.
    Grade {
        SellableNew = "sellable_new",
        /// Sellable after repacking or relabelling.
        SellableRepack = "sellable_repack",
        Damaged = "damaged",
        /// Not what we shipped.
        WrongItem = "wrong_item",
        /// The unit is not in the box.
        Empty = "empty",
        CounterfeitSuspected = "counterfeit_suspected",
    }
);

string_enum!(
    /// Where a returned unit goes.
    Disposition {
        /// Back to available stock in a bin (waiting orders are filled).
        Restock = "restock",
        /// To the return-to-supplier hold.
        ReturnToSupplier = "return_to_supplier",
        /// Destroyed: in through the ledger and straight out.
        Dispose = "dispose",
        /// On hold for investigation.
        Hold = "hold",
    }
);

impl Grade {
    /// Where a unit of this grade goes unless a supervisor decides
    /// otherwise (with a note).
    pub fn default_disposition(self) -> Disposition {
        match self {
            Grade::SellableNew | Grade::SellableRepack => Disposition::Restock,
            Grade::Damaged => Disposition::ReturnToSupplier,
            Grade::WrongItem | Grade::Empty | Grade::CounterfeitSuspected => Disposition::Hold,
        }
    }
}

string_enum!(
    /// A return box that weighs less than what was shipped.
    WeightFlag {
        /// Under 70% of the shipped weight.
        Light = "light",
        /// Under 20%: nothing or almost nothing inside.
        Empty = "empty",
    }
);

impl WeightFlag {
    /// The flag for a box weighing `weight_g` against `expected_g` shipped.
    pub fn of(weight_g: i32, expected_g: i32) -> Option<Self> {
        let (w, e) = (i64::from(weight_g), i64::from(expected_g));
        if e <= 0 {
            None
        } else if w * 100 < e * 20 {
            Some(WeightFlag::Empty)
        } else if w * 100 < e * 70 {
            Some(WeightFlag::Light)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_lighter_than_what_was_shipped_is_flagged() {
        assert_eq!(WeightFlag::of(300, 300), None);
        assert_eq!(WeightFlag::of(210, 300), None);
        assert_eq!(WeightFlag::of(209, 300), Some(WeightFlag::Light));
        assert_eq!(WeightFlag::of(59, 300), Some(WeightFlag::Empty));
        assert_eq!(WeightFlag::of(0, 0), None, "nothing known of the shipment");
        assert_eq!(Grade::Damaged.default_disposition(), Disposition::ReturnToSupplier);
        assert_eq!(Grade::SellableRepack.default_disposition(), Disposition::Restock);
    }

    #[test]
    fn every_reason_has_a_class() {
        assert_eq!(ReasonCode::ChangedMind.class(), ReasonClass::BuyerRemorse);
        assert_eq!(ReasonCode::CounterfeitSuspected.class(), ReasonClass::Quality);
        assert_eq!(ReasonCode::Lost.class(), ReasonClass::Logistics);
        let classes: std::collections::HashSet<_> = ReasonCode::ALL.iter().map(|r| r.class()).collect();
        assert_eq!(classes.len(), ReasonClass::ALL.len());
    }

    #[test]
    fn a_return_moves_forward_only_and_final_states_stay() {
        use ReturnStatus::*;
        use ReturnStep::*;
        assert_eq!(Requested.next(KeepGoods), Ok(RefundedWithoutReturn));
        assert_eq!(Requested.next(ExpectParcel), Ok(AwaitingParcel));
        assert_eq!(AwaitingParcel.next(Arrive), Ok(Arrived));
        assert_eq!(Arrived.next(Grade), Ok(Graded));
        assert_eq!(Graded.next(Close), Ok(Closed));
        assert_eq!(Arrived.next(Cancel), Err("return_arrived"));
        assert_eq!(AwaitingParcel.next(Grade), Err("illegal_transition"));
        for s in [RefundedWithoutReturn, Closed, Cancelled, Rejected] {
            for step in ReturnStep::ALL {
                assert_eq!(s.next(*step), Err("return_final"), "{s} {step}");
            }
        }
        assert!(!Cancelled.holds_units() && AwaitingParcel.holds_units());
    }
}
