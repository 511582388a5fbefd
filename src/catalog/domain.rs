//! SKU domain types: barcodes with their check digits, HS codes, physical
//! measures, sensitive-goods flags. Construction refuses bad input.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldError};
use crate::values::{self, CountryCode, Errors, Money};

/// A barcode that identifies exactly one SKU: an EAN-13 or UPC-A with a
/// correct check digit, or a platform-assigned code (`PLT` followed by 6 to
/// 17 digits or upper-case letters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Barcode(String);

/// GS1 check digit over all digits but the last (weights 3,1 from the right).
fn gs1_check_digit_ok(digits: &[u8]) -> bool {
    let (body, check) = digits.split_at(digits.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10 == u32::from(check[0] - b'0')
}

impl Barcode {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        let t = s.trim().to_ascii_uppercase();
        let b = t.as_bytes();
        if !b.is_empty() && b.iter().all(u8::is_ascii_digit) {
            if b.len() != 12 && b.len() != 13 {
                return Err(FieldError::new(
                    field,
                    "invalid_barcode",
                    "a numeric barcode must be an EAN-13 (13 digits) or UPC-A (12 digits)",
                ));
            }
            if !gs1_check_digit_ok(b) {
                return Err(FieldError::new(field, "invalid_check_digit", "the check digit does not match"));
            }
            return Ok(Self(t));
        }
        if let Some(rest) = t.strip_prefix("PLT")
            && (6..=17).contains(&rest.len())
            && rest.bytes().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        {
            return Ok(Self(t));
        }
        Err(FieldError::new(
            field,
            "invalid_barcode",
            "must be an EAN-13, a UPC-A or a platform code PLT + 6 to 17 letters/digits",
        ))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Customs tariff code: 6 to 10 digits (HS6 plus national subdivisions).
pub fn hs_code(field: &str, s: &str) -> Result<String, FieldError> {
    let t: String = s.trim().chars().filter(|c| *c != '.').collect();
    if (6..=10).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
        Ok(t)
    } else {
        Err(FieldError::new(field, "invalid_hs_code", "must be 6 to 10 digits"))
    }
}

pub const MAX_WEIGHT_G: i64 = 1_000_000;
pub const MAX_LENGTH_MM: i64 = 10_000;

/// Sensitive-goods flags that decide which line-haul routes may carry a SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveFlag {
    /// 纯电: batteries shipped alone.
    BatteryOnly,
    /// 内电: a battery built into the product.
    BuiltInBattery,
    /// 磁性
    Magnetic,
    /// 液体
    Liquid,
    /// 粉末
    Powder,
    /// 膏体
    Paste,
    /// 刀具
    Blades,
}

impl SensitiveFlag {
    pub const ALL: [SensitiveFlag; 7] = [
        Self::BatteryOnly,
        Self::BuiltInBattery,
        Self::Magnetic,
        Self::Liquid,
        Self::Powder,
        Self::Paste,
        Self::Blades,
    ];
    fn bit(self) -> i32 {
        1 << (self as i32)
    }
    pub fn to_bits(flags: &[SensitiveFlag]) -> i32 {
        flags.iter().fold(0, |acc, f| acc | f.bit())
    }
    pub fn from_bits(bits: i32) -> Vec<SensitiveFlag> {
        Self::ALL.into_iter().filter(|f| bits & f.bit() != 0).collect()
    }
}

/// An amount as the API carries it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyDto {
    /// Integer minor units (cents, fen).
    pub amount_minor: i64,
    /// ISO 4217 code, e.g. USD, CNY.
    pub currency: String,
}

/// Length x width x height in millimetres, weight in grams.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Measures {
    pub weight_g: i64,
    pub length_mm: i64,
    pub width_mm: i64,
    pub height_mm: i64,
}

/// Validated measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Physical {
    pub weight_g: i32,
    pub length_mm: i32,
    pub width_mm: i32,
    pub height_mm: i32,
}

impl Physical {
    pub fn parse(prefix: &str, m: &Measures, errs: &mut Errors) -> Option<Self> {
        let w = errs.take(values::positive_i32(&format!("{prefix}weight_g"), m.weight_g, MAX_WEIGHT_G));
        let l = errs.take(values::positive_i32(&format!("{prefix}length_mm"), m.length_mm, MAX_LENGTH_MM));
        let wd = errs.take(values::positive_i32(&format!("{prefix}width_mm"), m.width_mm, MAX_LENGTH_MM));
        let h = errs.take(values::positive_i32(&format!("{prefix}height_mm"), m.height_mm, MAX_LENGTH_MM));
        Some(Self { weight_g: w?, length_mm: l?, width_mm: wd?, height_mm: h? })
    }
}

/// A SKU registration as received from a supplier.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkuInput {
    /// The supplier's own SKU code, unique per supplier.
    pub sku_code: String,
    /// EAN-13, UPC-A or platform code; unique across the warehouse.
    pub barcode: String,
    pub name_zh: String,
    pub name_en: String,
    /// Declared weight and dimensions.
    pub declared: Measures,
    /// Declared customs value per unit.
    pub declared_value: MoneyDto,
    pub hs_code: String,
    /// ISO 3166-1 alpha-2, e.g. CN.
    pub origin_country: String,
    /// What the platform pays the supplier per unit sold.
    pub supply_price: MoneyDto,
    #[serde(default)]
    pub sensitive_flags: Vec<SensitiveFlag>,
}

pub struct NewSku {
    pub sku_code: String,
    pub barcode: Barcode,
    pub name_zh: String,
    pub name_en: String,
    pub declared: Physical,
    pub declared_value: Money,
    pub hs_code: String,
    pub origin_country: CountryCode,
    pub supply_price: Money,
    pub sensitive_flags: i32,
}

impl NewSku {
    pub fn parse(i: &SkuInput) -> Result<Self, AppError> {
        let mut errs = Errors::default();
        let sku_code = errs.take(values::code("sku_code", &i.sku_code, 64));
        let barcode = errs.take(Barcode::parse("barcode", &i.barcode));
        let name_zh = errs.take(values::text("name_zh", &i.name_zh, 200));
        let name_en = errs.take(values::text("name_en", &i.name_en, 200));
        let declared = Physical::parse("declared.", &i.declared, &mut errs);
        let declared_value = errs.take(Money::price(
            "declared_value",
            i.declared_value.amount_minor,
            &i.declared_value.currency,
        ));
        let hs = errs.take(hs_code("hs_code", &i.hs_code));
        let origin = errs.take(CountryCode::parse("origin_country", &i.origin_country));
        let supply_price =
            errs.take(Money::price("supply_price", i.supply_price.amount_minor, &i.supply_price.currency));
        errs.finish()?;
        Ok(Self {
            sku_code: sku_code.expect("checked"),
            barcode: barcode.expect("checked"),
            name_zh: name_zh.expect("checked"),
            name_en: name_en.expect("checked"),
            declared: declared.expect("checked"),
            declared_value: declared_value.expect("checked"),
            hs_code: hs.expect("checked"),
            origin_country: origin.expect("checked"),
            supply_price: supply_price.expect("checked"),
            sensitive_flags: SensitiveFlag::to_bits(&i.sensitive_flags),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ean13_and_upca_check_digits_are_verified() {
        assert!(Barcode::parse("b", "4006381333931").is_ok()); // EAN-13
        assert!(Barcode::parse("b", "036000291452").is_ok()); // UPC-A
        let e = Barcode::parse("b", "4006381333932").unwrap_err();
        assert_eq!(e.code, "invalid_check_digit");
        assert_eq!(Barcode::parse("b", "12345").unwrap_err().code, "invalid_barcode");
    }

    #[test]
    fn platform_codes_are_accepted_and_other_text_refused() {
        assert_eq!(Barcode::parse("b", "plt00012345").unwrap().as_str(), "PLT00012345");
        assert!(Barcode::parse("b", "PLT12").is_err());
        assert!(Barcode::parse("b", "HELLO-WORLD").is_err());
    }

    #[test]
    fn hs_codes_have_six_to_ten_digits() {
        assert_eq!(hs_code("h", "9503.00").unwrap(), "950300");
        assert!(hs_code("h", "95030").is_err());
        assert!(hs_code("h", "95030000001").is_err());
    }

    #[test]
    fn sensitive_flags_round_trip_through_bits() {
        let flags = vec![SensitiveFlag::BuiltInBattery, SensitiveFlag::Blades];
        assert_eq!(SensitiveFlag::from_bits(SensitiveFlag::to_bits(&flags)), flags);
    }
}
