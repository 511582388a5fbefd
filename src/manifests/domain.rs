//! Manifests' states, transport modes, the customs receipts' answers and
//! the rule that gates the handover, pure.

use serde::{Deserialize, Serialize};

use crate::inbound::domain::string_enum;

string_enum!(
    /// Where a manifest is.
    ManifestStatus {
        /// Closed bags of its channel are being added.
        Open = "open",
        /// Its list is final: no bag is added any more (late bags go on
        /// the next manifest); waiting for customs and the vehicle.
        Closed = "closed",
        /// Its bags were scanned onto the vehicle and the carrier's driver
        /// took them: out of the warehouse's custody.
        HandedOver = "handed_over",
    }
);

impl ManifestStatus {
    /// The state a manifest moves to on `step`, or why it may not.
    pub fn next(self, step: Step) -> Result<Self, (&'static str, &'static str)> {
        match (self, step) {
            (Self::Open, Step::AddBag | Step::RemoveBag) => Ok(Self::Open),
            (Self::Open, Step::Close) => Ok(Self::Closed),
            (Self::Closed, Step::Load) => Ok(Self::Closed),
            (Self::Closed, Step::HandOver) => Ok(Self::HandedOver),
            (Self::Open | Self::Closed, Step::CustomsReceipt) => Ok(self),
            (Self::Open, Step::Load | Step::HandOver) => {
                Err(("manifest_not_closed", "is open: close it before loading"))
            }
            (Self::Closed, _) => Err(("manifest_closed", "is closed: late bags go on the next manifest")),
            (Self::HandedOver, _) => Err(("manifest_handed_over", "was handed over and never changes")),
        }
    }
}

/// What is done to a manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    AddBag,
    RemoveBag,
    Close,
    Load,
    HandOver,
    CustomsReceipt,
}

string_enum!(
    /// How the line haul travels.
    TransportMode {
        Air = "air",
        Sea = "sea",
        Road = "road",
        Rail = "rail",
        Post = "post",
    }
);

impl TransportMode {
    /// China customs' transport mode code (运输方式代码) for `trafMode`.
    pub fn customs_code(self) -> &'static str {
        match self {
            Self::Sea => "2",
            Self::Rail => "3",
            Self::Road => "4",
            Self::Air => "5",
            Self::Post => "6",
        }
    }
}

string_enum!(
    /// The customs broker's answer on one parcel's declaration list.
    ReceiptStatus {
        Accepted = "accepted",
        Rejected = "rejected",
    }
);

/// What customs still says about a manifest's parcels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomsState {
    /// Parcels on the manifest whose latest answer is `accepted`.
    pub accepted: i64,
    /// Parcels on the manifest with no answer yet.
    pub unanswered: i64,
    /// Parcels rejected (and pulled off the manifest) that are still held
    /// with an open `customs_rejected` exception: not yet taken out of
    /// their bags for sure.
    pub rejected_open: i64,
}

impl CustomsState {
    /// Whether the vehicle may leave without a supervisor's override.
    pub fn clear(&self) -> bool {
        self.unanswered == 0 && self.rejected_open == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_manifest_never_takes_a_bag_and_a_handed_over_one_never_changes() {
        use ManifestStatus::*;
        assert_eq!(Open.next(Step::AddBag), Ok(Open));
        assert_eq!(Closed.next(Step::AddBag).unwrap_err().0, "manifest_closed");
        assert_eq!(HandedOver.next(Step::AddBag).unwrap_err().0, "manifest_handed_over");
        assert_eq!(Open.next(Step::HandOver).unwrap_err().0, "manifest_not_closed");
        assert_eq!(Closed.next(Step::HandOver), Ok(HandedOver));
        assert_eq!(HandedOver.next(Step::CustomsReceipt).unwrap_err().0, "manifest_handed_over");
        assert_eq!(Closed.next(Step::CustomsReceipt), Ok(Closed));
    }

    #[test]
    fn the_vehicle_waits_for_every_customs_answer() {
        assert!(CustomsState { accepted: 3, ..Default::default() }.clear());
        assert!(!CustomsState { accepted: 3, unanswered: 1, rejected_open: 0 }.clear());
        assert!(!CustomsState { accepted: 3, unanswered: 0, rejected_open: 1 }.clear());
        assert_eq!(TransportMode::Air.customs_code(), "5");
    }
}
