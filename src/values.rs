//! Value types shared by several capabilities. Each refuses bad input in its
//! constructor, so a value that exists is valid.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

pub use crate::money::{Currency, Money, MoneyError, Totals};

/// An ISO 3166-1 alpha-2 country code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(FieldError::new(field, "invalid_country", "must be an ISO 3166-1 alpha-2 code such as CN"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A positive whole number within the range a database `integer` holds.
pub fn positive_i32(field: &str, v: i64, max: i64) -> Result<i32, FieldError> {
    if v <= 0 {
        return Err(FieldError::new(field, "not_positive", "must be greater than zero"));
    }
    if v > max {
        return Err(FieldError::new(field, "too_large", format!("must be at most {max}")));
    }
    Ok(v as i32)
}

/// Trimmed, non-empty text of bounded length.
pub fn text(field: &str, s: &str, max_chars: usize) -> Result<String, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "required", "must not be empty"));
    }
    if t.chars().count() > max_chars {
        return Err(FieldError::new(field, "too_long", format!("must be at most {max_chars} characters")));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(field, "control_characters", "must not contain control characters"));
    }
    Ok(t.to_owned())
}

/// [`text`] that may be empty (an optional field: an address's second
/// line, a region): when present, the same rules.
pub fn optional_text(field: &str, s: &str, max_chars: usize) -> Result<String, FieldError> {
    if s.trim().is_empty() { Ok(String::new()) } else { text(field, s, max_chars) }
}

/// A code typed or scanned by people: upper-case letters, digits and `-_.`,
/// 1 to `max` characters. Lower case is folded to upper case, because a
/// scanner in the wrong mode must not make a second code.
pub fn code(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let t = s.trim().to_ascii_uppercase();
    if t.is_empty() || t.len() > max {
        return Err(FieldError::new(field, "invalid_code", format!("must be 1 to {max} characters")));
    }
    if !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.') {
        return Err(FieldError::new(
            field,
            "invalid_code",
            "may contain only letters, digits, '-', '_' and '.'",
        ));
    }
    Ok(t)
}

/// Collects field errors so that one response lists every problem at once.
#[derive(Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
    pub fn finish(self) -> Result<(), crate::error::AppError> {
        if self.0.is_empty() { Ok(()) } else { Err(crate::error::AppError::validation(self.0)) }
    }
}

/// Status of a supplier or a SKU: whether it may be used in new documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActiveStatus {
    Active,
    Suspended,
}

impl ActiveStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
        }
    }
    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            _ => None,
        }
    }
    /// A value read from the database; an unknown one is an error naming
    /// the row (`row()`).
    pub fn stored(s: &str, row: impl FnOnce() -> String) -> Result<Self, crate::error::AppError> {
        Self::from_db(s).ok_or_else(|| crate::error::AppError::unknown_stored("ActiveStatus", &row(), s))
    }
}

impl fmt::Display for ActiveStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_folded_to_upper_case_and_refuse_spaces() {
        assert_eq!(code("c", " a-01-02 ", 32).unwrap(), "A-01-02");
        assert!(code("c", "A 01", 32).is_err());
        assert!(code("c", "", 32).is_err());
    }

    #[test]
    fn money_refuses_negative_amounts_and_bad_currencies() {
        assert!(Money::price("p", -1, "USD").is_err());
        assert!(Money::price("p", 1, "usd").is_err());
        assert_eq!(Money::price("p", 250, "CNY").unwrap().minor(), 250);
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("n", "  杯子 ", 10).unwrap(), "杯子");
        assert!(text("n", "   ", 10).is_err());
        assert!(text("n", "abcdefghijk", 10).is_err());
        assert!(text("n", "a\u{0}b", 10).is_err());
    }
}
