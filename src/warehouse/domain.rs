//! Bin codes, bin types and the walk order through the warehouse.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BinType {
    Dock,
    Qc,
    Storage,
    PickFace,
    PackStation,
    Returns,
    RtsHold,
    Damaged,
    /// Storage that may hold several SKUs and owners at once (small items
    /// on shared shelves).
    Mixed,
}

impl BinType {
    pub const ALL: [BinType; 9] = [
        Self::Dock,
        Self::Qc,
        Self::Storage,
        Self::PickFace,
        Self::PackStation,
        Self::Returns,
        Self::RtsHold,
        Self::Damaged,
        Self::Mixed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dock => "dock",
            Self::Qc => "qc",
            Self::Storage => "storage",
            Self::PickFace => "pick_face",
            Self::PackStation => "pack_station",
            Self::Returns => "returns",
            Self::RtsHold => "rts_hold",
            Self::Damaged => "damaged",
            Self::Mixed => "mixed",
        }
    }

    /// Stock is stored (put away, moved, picked) in these.
    pub fn is_storage(self) -> bool {
        matches!(self, Self::Storage | Self::PickFace | Self::Mixed)
    }

    /// Whether one bin may hold more than one SKU or owner. Storage and
    /// pick faces hold one SKU of one owner, so that a picker who reaches
    /// into the bin finds only what the task names; staging areas and
    /// mixed shelves hold anything.
    pub fn allows_mixing(self) -> bool {
        !matches!(self, Self::Storage | Self::PickFace)
    }
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| {
            FieldError::new(
                field,
                "unknown_bin_type",
                "must be one of dock, qc, storage, pick_face, pack_station, returns, rts_hold, damaged, mixed",
            )
        })
    }
}

/// `ZONE-AA-BB-LL`: zone (1 to 4 letters or digits, starting with a letter),
/// aisle, bay and level (two digits each, 01 to 99).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinCode {
    pub zone: String,
    pub aisle: i32,
    pub bay: i32,
    pub level: i32,
}

impl BinCode {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        let bad =
            || FieldError::new(field, "invalid_bin_code", "must look like A-01-02-03 (zone-aisle-bay-level)");
        let t = s.trim().to_ascii_uppercase();
        let parts: Vec<&str> = t.split('-').collect();
        let [zone, aisle, bay, level] = parts[..] else { return Err(bad()) };
        let zone_ok = (1..=4).contains(&zone.len())
            && zone.bytes().all(|b| b.is_ascii_alphanumeric())
            && zone.as_bytes()[0].is_ascii_alphabetic();
        let num = |p: &str| -> Option<i32> {
            (p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
                .filter(|n| *n >= 1)
        };
        match (zone_ok, num(aisle), num(bay), num(level)) {
            (true, Some(aisle), Some(bay), Some(level)) => {
                Ok(Self { zone: zone.to_owned(), aisle, bay, level })
            }
            _ => Err(bad()),
        }
    }

    pub fn render(&self) -> String {
        format!("{}-{:02}-{:02}-{:02}", self.zone, self.aisle, self.bay, self.level)
    }

    /// Serpentine walk: zones in their sequence, aisles in order, bays up the
    /// odd aisles and back down the even ones, levels bottom to top.
    pub fn walk_order(&self, zone_sequence: i32) -> i64 {
        let bay = if self.aisle % 2 == 1 { self.bay } else { 100 - self.bay };
        i64::from(zone_sequence) * 1_000_000
            + i64::from(self.aisle) * 10_000
            + i64::from(bay) * 100
            + i64::from(self.level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_codes_parse_and_render_canonically() {
        let c = BinCode::parse("code", " a-01-02-03 ").unwrap();
        assert_eq!(c, BinCode { zone: "A".into(), aisle: 1, bay: 2, level: 3 });
        assert_eq!(c.render(), "A-01-02-03");
        for bad in ["A-1-2-3", "A-01-02", "1A-01-01-01", "A-00-01-01", "ZONEX-01-01-01", "A-01-02-03-04"] {
            assert!(BinCode::parse("code", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_walk_snakes_up_odd_aisles_and_down_even_ones() {
        let w = |s: &str| BinCode::parse("c", s).unwrap().walk_order(1);
        assert!(w("A-01-01-01") < w("A-01-02-01"));
        assert!(w("A-01-09-01") < w("A-02-09-01"), "the next aisle starts at the far end");
        assert!(w("A-02-09-01") < w("A-02-01-01"));
        assert!(w("A-01-01-01") < w("A-01-01-02"));
        assert!(BinCode::parse("c", "B-01-01-01").unwrap().walk_order(2) > w("A-99-99-99"));
    }
}
