//! Bags: their states and the weight check, pure.

use serde::{Deserialize, Serialize};

use crate::inbound::domain::string_enum;

string_enum!(
    /// Where a bag is.
    BagStatus {
        /// Parcels are being sorted into it.
        Open = "open",
        /// Weighed within the tolerance of its parcels: sealed.
        Closed = "closed",
        /// Weighed outside the tolerance: a parcel may have been taken out
        /// (or put in) between the pack station and the bag. A supervisor
        /// decides.
        Held = "held",
    }
);

/// What an empty bag weighs (the sack and its label), in grams.
pub const BAG_TARE_G: i64 = 150;
/// The tolerance: this share of the expected weight, in percent...
pub const TOLERANCE_PCT: i64 = 2;
/// ...but never below this, in grams (scales and sacks vary).
pub const MIN_TOLERANCE_G: i64 = 50;

/// What a closed bag should weigh: its parcels as weighed at the pack
/// station, plus the sack.
pub fn expected_weight_g(parcels_weight_g: i64) -> i64 {
    parcels_weight_g + BAG_TARE_G
}

pub fn tolerance_g(expected_g: i64) -> i64 {
    ((expected_g * TOLERANCE_PCT + 99) / 100).max(MIN_TOLERANCE_G)
}

/// Whether a weighed bag matches its parcels.
pub fn weight_matches(parcels_weight_g: i64, weighed_g: i64) -> bool {
    let expected = expected_weight_g(parcels_weight_g);
    (weighed_g - expected).abs() <= tolerance_g(expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bag_is_its_parcels_plus_the_sack_within_two_percent_or_fifty_grams() {
        // 10 kg of parcels: 10,150 g expected, ± 203 g.
        assert!(weight_matches(10_000, 10_353));
        assert!(!weight_matches(10_000, 10_354));
        assert!(weight_matches(10_000, 9_947));
        // One 400 g parcel taken out of a 3 kg bag is caught.
        assert!(!weight_matches(3_000, 2_750));
        // A small bag: the floor of 50 g applies.
        assert_eq!(tolerance_g(expected_weight_g(300)), 50);
        assert!(weight_matches(300, 500) && !weight_matches(300, 501));
    }
}
