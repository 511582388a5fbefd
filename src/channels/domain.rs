//! Shipping channels (渠道) and routing, pure: what a channel is, which
//! parcels it may carry, what it costs, and the choice among channels.
//! No database here, so that every rule can be tested on its own.

use serde::{Deserialize, Serialize};

use crate::catalog::domain::SensitiveFlag;
use crate::error::FieldError;
use crate::inbound::domain::string_enum;

string_enum!(
    /// How fast the buyer is promised the parcel; orders name one.
    ServiceLevel {
        Economy = "economy",
        Standard = "standard",
        Express = "express",
    }
);

string_enum!(
    /// The kind of line-haul.
    ChannelService {
        Air = "air",
        Sea = "sea",
        Postal = "postal",
        Express = "express",
    }
);

string_enum!(
    /// Where a channel's tracking numbers come from.
    TrackingSource {
        /// UPU S10 numbers from our own counter: service indicator, eight
        /// digits, check digit, `CN`.
        S10 = "s10",
        /// Numbers the carrier pre-assigned, imported as ranges.
        Imported = "imported",
    }
);

string_enum!(
    /// The customs form printed with the label.
    CustomsForm {
        None = "none",
        Cn22 = "cn22",
        Cn23 = "cn23",
    }
);

string_enum!(
    /// The label's layout.
    LabelLayout {
        /// 100 x 150 mm: address block, barcode, customs lines.
        Standard = "standard",
        /// 100 x 100 mm, for small-parcel channels.
        Compact = "compact",
    }
);

/// Why a channel may not carry a parcel. Every refusal names the rule, so
/// that a supervisor looking at a `no_route` hold knows what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    Inactive,
    Destination {
        country: String,
    },
    ServiceLevel {
        service_level: ServiceLevel,
    },
    /// The contents carry a flag the channel does not accept.
    Flag {
        flag: SensitiveFlag,
    },
    TooHeavy {
        chargeable_weight_g: i64,
        max_weight_g: i32,
    },
    TooLong {
        longest_side_mm: i64,
        max_side_mm: i32,
    },
    TooLarge {
        dims_sum_mm: i64,
        max_dims_sum_mm: i32,
    },
    /// The channel's imported tracking numbers are used up.
    NoTrackingNumbers,
}

impl Refusal {
    /// One line a supervisor reads.
    pub fn describe(&self) -> String {
        match self {
            Self::Inactive => "the channel is inactive".into(),
            Self::Destination { country } => format!("does not go to {country}"),
            Self::ServiceLevel { service_level } => format!("does not offer {service_level}"),
            Self::Flag { flag } => format!("does not carry {}", flag_code(*flag)),
            Self::TooHeavy { chargeable_weight_g, max_weight_g } => {
                format!("chargeable weight {chargeable_weight_g} g is over {max_weight_g} g")
            }
            Self::TooLong { longest_side_mm, max_side_mm } => {
                format!("longest side {longest_side_mm} mm is over {max_side_mm} mm")
            }
            Self::TooLarge { dims_sum_mm, max_dims_sum_mm } => {
                format!("length + width + height {dims_sum_mm} mm is over {max_dims_sum_mm} mm")
            }
            Self::NoTrackingNumbers => "its tracking number ranges are used up".into(),
        }
    }
}

/// The snake_case name of a flag, as the API spells it.
pub fn flag_code(flag: SensitiveFlag) -> &'static str {
    match flag {
        SensitiveFlag::BatteryOnly => "battery_only",
        SensitiveFlag::BuiltInBattery => "built_in_battery",
        SensitiveFlag::Magnetic => "magnetic",
        SensitiveFlag::Liquid => "liquid",
        SensitiveFlag::Powder => "powder",
        SensitiveFlag::Paste => "paste",
        SensitiveFlag::Blades => "blades",
    }
}

/// A channel's rules as one version holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub active: bool,
    pub destinations: Vec<String>,
    pub service_levels: Vec<ServiceLevel>,
    pub volumetric_divisor: i32,
    pub max_weight_g: i32,
    pub max_side_mm: i32,
    pub max_dims_sum_mm: i32,
    pub allowed_flags: Vec<SensitiveFlag>,
    pub rate_base_minor: i64,
    pub rate_per_kg_minor: i64,
}

/// What routing knows of a packed parcel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parcel {
    pub destination: String,
    pub service_level: ServiceLevel,
    pub weight_g: i64,
    /// Outer dimensions of the carton, millimetres.
    pub dims_mm: [i64; 3],
    /// Every flag of every SKU inside.
    pub flags: Vec<SensitiveFlag>,
}

/// L x W x H / divisor, in grams, rounded up: with millimetres and the
/// divisor in cm³/kg, grams = mm³ / divisor.
pub fn volumetric_weight_g(dims_mm: [i64; 3], divisor: i32) -> i64 {
    let volume: i64 = dims_mm.iter().map(|d| (*d).max(0)).product();
    let divisor = i64::from(divisor.max(1));
    (volume + divisor - 1) / divisor
}

/// max(actual, volumetric).
pub fn chargeable_weight_g(weight_g: i64, dims_mm: [i64; 3], divisor: i32) -> i64 {
    weight_g.max(volumetric_weight_g(dims_mm, divisor))
}

impl Rules {
    /// Every rule the parcel breaks (empty: the channel may carry it).
    pub fn refusals(&self, p: &Parcel) -> Vec<Refusal> {
        let mut out = Vec::new();
        if !self.active {
            out.push(Refusal::Inactive);
        }
        if !self.destinations.iter().any(|d| d == &p.destination) {
            out.push(Refusal::Destination { country: p.destination.clone() });
        }
        if !self.service_levels.contains(&p.service_level) {
            out.push(Refusal::ServiceLevel { service_level: p.service_level });
        }
        for f in &p.flags {
            if !self.allowed_flags.contains(f) {
                out.push(Refusal::Flag { flag: *f });
            }
        }
        let chargeable = chargeable_weight_g(p.weight_g, p.dims_mm, self.volumetric_divisor);
        if chargeable > i64::from(self.max_weight_g) {
            out.push(Refusal::TooHeavy { chargeable_weight_g: chargeable, max_weight_g: self.max_weight_g });
        }
        let longest = p.dims_mm.iter().copied().max().unwrap_or(0);
        if longest > i64::from(self.max_side_mm) {
            out.push(Refusal::TooLong { longest_side_mm: longest, max_side_mm: self.max_side_mm });
        }
        let sum: i64 = p.dims_mm.iter().sum();
        if sum > i64::from(self.max_dims_sum_mm) {
            out.push(Refusal::TooLarge { dims_sum_mm: sum, max_dims_sum_mm: self.max_dims_sum_mm });
        }
        out
    }

    /// The price of carrying `chargeable_g`: base + per kg, pro rata by
    /// gram, rounded up to the minor unit. `None` if it does not fit in i64.
    pub fn cost_minor(&self, chargeable_g: i64) -> Option<i64> {
        let per_kg = self.rate_per_kg_minor.checked_mul(chargeable_g)?;
        self.rate_base_minor.checked_add(per_kg.checked_add(999)? / 1000)
    }
}

/// One channel as routing sees it.
#[derive(Debug, Clone)]
pub struct Candidate<K> {
    pub key: K,
    pub code: String,
    pub rules: Rules,
}

/// The chosen channel, or why none could take the parcel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<K> {
    Routed { key: K, code: String, volumetric_weight_g: i64, chargeable_weight_g: i64, cost_minor: i64 },
    NoRoute { refused: Vec<(String, Vec<Refusal>)> },
}

/// The cheapest channel that may carry the parcel (ties: the channel code,
/// so that the choice is stable). Costs are compared within one currency:
/// the caller passes channels priced in the same currency.
pub fn route<K: Clone>(candidates: &[Candidate<K>], parcel: &Parcel) -> Decision<K> {
    let mut best: Option<(i64, &Candidate<K>)> = None;
    let mut refused = Vec::new();
    for c in candidates {
        let why = c.rules.refusals(parcel);
        if !why.is_empty() {
            refused.push((c.code.clone(), why));
            continue;
        }
        let chargeable = chargeable_weight_g(parcel.weight_g, parcel.dims_mm, c.rules.volumetric_divisor);
        let Some(cost) = c.rules.cost_minor(chargeable) else { continue };
        let better = match best {
            None => true,
            Some((b, bc)) => cost < b || (cost == b && c.code < bc.code),
        };
        if better {
            best = Some((cost, c));
        }
    }
    match best {
        Some((cost, c)) => Decision::Routed {
            key: c.key.clone(),
            code: c.code.clone(),
            volumetric_weight_g: volumetric_weight_g(parcel.dims_mm, c.rules.volumetric_divisor),
            chargeable_weight_g: chargeable_weight_g(
                parcel.weight_g,
                parcel.dims_mm,
                c.rules.volumetric_divisor,
            ),
            cost_minor: cost,
        },
        None => Decision::NoRoute { refused },
    }
}

/// A cut-off time of day, `HH:MM` (warehouse local time).
pub fn cutoff(field: &str, s: &str) -> Result<chrono::NaiveTime, FieldError> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| FieldError::new(field, "invalid_time", "must be a time of day HH:MM, e.g. 17:30"))
}

/// The S10 check digit of an eight-digit serial (weights 8 6 4 2 3 5 9 7;
/// 11 minus the sum mod 11; 10 is 0, 11 is 5).
pub fn s10_check_digit(serial: u32) -> u32 {
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    let digits = format!("{serial:08}");
    let sum: u32 = digits.bytes().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    }
}

/// `LX` + serial + check digit + `CN`.
pub fn s10(indicator: &str, serial: u32) -> String {
    format!("{indicator}{serial:08}{}CN", s10_check_digit(serial))
}

/// Two capital letters: an S10 service indicator.
pub fn s10_indicator(field: &str, s: &str) -> Result<String, FieldError> {
    let t = s.trim();
    if t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(t.to_owned())
    } else {
        Err(FieldError::new(field, "invalid_s10_indicator", "must be two capital letters, e.g. LX"))
    }
}

/// One number of an imported range: prefix, zero-padded serial, suffix.
pub fn ranged_number(prefix: &str, serial: i64, width: i32, suffix: &str) -> String {
    format!("{prefix}{serial:0width$}{suffix}", width = width.max(1) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            active: true,
            destinations: vec!["US".into(), "GB".into()],
            service_levels: vec![ServiceLevel::Standard],
            volumetric_divisor: 6000,
            max_weight_g: 2000,
            max_side_mm: 600,
            max_dims_sum_mm: 900,
            allowed_flags: vec![SensitiveFlag::BuiltInBattery],
            rate_base_minor: 800,
            rate_per_kg_minor: 6000,
        }
    }

    fn parcel() -> Parcel {
        Parcel {
            destination: "US".into(),
            service_level: ServiceLevel::Standard,
            weight_g: 400,
            dims_mm: [220, 160, 100],
            flags: vec![],
        }
    }

    #[test]
    fn chargeable_weight_is_the_greater_of_actual_and_volumetric() {
        // 30 x 20 x 10 cm = 6000 cm³ = 1 kg at 6000, 1.2 kg at 5000.
        assert_eq!(volumetric_weight_g([300, 200, 100], 6000), 1000);
        assert_eq!(volumetric_weight_g([300, 200, 100], 5000), 1200);
        assert_eq!(chargeable_weight_g(400, [300, 200, 100], 6000), 1000);
        assert_eq!(chargeable_weight_g(1500, [300, 200, 100], 6000), 1500);
        // Rounded up, never down.
        assert_eq!(volumetric_weight_g([1, 1, 1], 6000), 1);
    }

    #[test]
    fn every_broken_rule_is_named() {
        let mut p = parcel();
        p.destination = "FR".into();
        p.service_level = ServiceLevel::Express;
        p.flags = vec![SensitiveFlag::BatteryOnly, SensitiveFlag::BuiltInBattery];
        p.weight_g = 2500;
        p.dims_mm = [700, 200, 100];
        let why = rules().refusals(&p);
        assert_eq!(
            why,
            vec![
                Refusal::Destination { country: "FR".into() },
                Refusal::ServiceLevel { service_level: ServiceLevel::Express },
                Refusal::Flag { flag: SensitiveFlag::BatteryOnly },
                Refusal::TooHeavy { chargeable_weight_g: 2500, max_weight_g: 2000 },
                Refusal::TooLong { longest_side_mm: 700, max_side_mm: 600 },
                Refusal::TooLarge { dims_sum_mm: 1000, max_dims_sum_mm: 900 },
            ]
        );
        assert!(rules().refusals(&parcel()).is_empty());
        assert_eq!(why[2].describe(), "does not carry battery_only");
    }

    #[test]
    fn the_cheapest_eligible_channel_wins_and_ties_go_by_code() {
        let cand = |code: &str, base: i64, per_kg: i64, flags: Vec<SensitiveFlag>| Candidate {
            key: code.to_owned(),
            code: code.to_owned(),
            rules: Rules {
                rate_base_minor: base,
                rate_per_kg_minor: per_kg,
                allowed_flags: flags,
                ..rules()
            },
        };
        let channels = vec![
            cand("EXPRESS", 2000, 9000, vec![SensitiveFlag::BatteryOnly]),
            cand("POST-B", 500, 4000, vec![]),
            cand("POST-A", 500, 4000, vec![]),
        ];
        let mut p = parcel();
        match route(&channels, &p) {
            Decision::Routed { code, chargeable_weight_g, cost_minor, .. } => {
                assert_eq!(code, "POST-A");
                // 220 x 160 x 100 / 6000 = 586.7 -> 587 g > 400 g actual.
                assert_eq!(chargeable_weight_g, 587);
                assert_eq!(cost_minor, 500 + (4000 * 587 + 999) / 1000);
            }
            other => panic!("{other:?}"),
        }
        // Only the express channel carries loose batteries.
        p.flags = vec![SensitiveFlag::BatteryOnly];
        assert!(matches!(route(&channels, &p), Decision::Routed { code, .. } if code == "EXPRESS"));
        // Nobody carries liquids: held, with each channel's reason.
        p.flags = vec![SensitiveFlag::Liquid];
        match route(&channels, &p) {
            Decision::NoRoute { refused } => {
                assert_eq!(refused.len(), 3);
                assert!(
                    refused
                        .iter()
                        .all(|(_, why)| why == &vec![Refusal::Flag { flag: SensitiveFlag::Liquid }])
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn s10_numbers_carry_their_check_digit() {
        // 4·8 + 7·6 + 3·4 + 1·2 + 2·3 + 4·5 + 8·9 + 2·7 = 200; 11 - 200 mod 11 = 9.
        assert_eq!(s10_check_digit(47_312_482), 9);
        assert_eq!(s10("LX", 47_312_482), "LX473124829CN");
        // The UPU S10 standard's own example: EE 12345678 5 US.
        assert_eq!(s10_check_digit(12_345_678), 5);
        // Remainder 1 gives 10, written 0; remainder 0 gives 11, written 5.
        assert_eq!(s10_check_digit(8), 0);
        assert_eq!(s10_check_digit(0), 5);
        assert_eq!(s10("EA", 42), "EA000000425CN");
        assert!(s10_indicator("i", "lx").is_err());
        assert_eq!(ranged_number("YT", 42, 10, "US"), "YT0000000042US");
    }

    #[test]
    fn a_cutoff_is_a_time_of_day() {
        assert_eq!(cutoff("c", "17:30").unwrap(), chrono::NaiveTime::from_hms_opt(17, 30, 0).unwrap());
        assert!(cutoff("c", "25:00").is_err());
        assert!(cutoff("c", "5pm").is_err());
    }
}
