//! The return policy as data: versions per market with the instant they
//! take effect, never edited (a new version is added). A return records the
//! version it was decided under and the decision, so that any decision can
//! be explained and made again from the same inputs. Pure: no I/O.

use serde::{Deserialize, Serialize};

use super::domain::{CostKind, Party, ReasonClass, ReturnType};
use crate::error::FieldError;
use crate::money::{Currency, Money, MoneyError};

/// An amount as a policy writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Amount {
    pub amount_minor: i64,
    pub currency: String,
}

impl Amount {
    fn money(&self, field: &str) -> Result<Money, FieldError> {
        Money::price(field, self.amount_minor, &self.currency)
    }
}

/// How much of the buyer's return shipping is paid back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShippingShare {
    /// Share of the cost, 0 to 100.
    pub percent: i32,
    /// At most this much (none: no cap).
    #[serde(default)]
    pub cap: Option<Amount>,
}

/// Per reason class, one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerClass<T> {
    pub buyer_remorse: T,
    pub quality: T,
    pub logistics: T,
}

impl<T> PerClass<T> {
    pub fn of(&self, class: ReasonClass) -> &T {
        match class {
            ReasonClass::BuyerRemorse => &self.buyer_remorse,
            ReasonClass::Quality => &self.quality,
            ReasonClass::Logistics => &self.logistics,
        }
    }
}

/// The rules of one policy version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// An item priced under this is refunded without a return: the buyer
    /// keeps it and no parcel is expected (none: every item comes back).
    #[serde(default)]
    pub keep_item_under: Option<Amount>,
    /// The return shipping paid back, per reason class.
    #[schema(value_type = Object)]
    pub return_shipping: PerClass<ShippingShare>,
    /// Who bears the refund and the return shipping, per reason class.
    #[schema(value_type = Object)]
    pub bearer: PerClass<Party>,
}

impl Rules {
    /// The rules are usable: known currencies, shares from 0 to 100, amounts
    /// not negative.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(a) = &self.keep_item_under
            && let Err(e) = a.money("rules.keep_item_under")
        {
            errors.push(e);
        }
        for (name, share) in [
            ("buyer_remorse", &self.return_shipping.buyer_remorse),
            ("quality", &self.return_shipping.quality),
            ("logistics", &self.return_shipping.logistics),
        ] {
            let field = format!("rules.return_shipping.{name}");
            if !(0..=100).contains(&share.percent) {
                errors.push(FieldError::new(&format!("{field}.percent"), "out_of_range", "must be 0 to 100"));
            }
            if let Some(cap) = &share.cap
                && let Err(e) = cap.money(&format!("{field}.cap"))
            {
                errors.push(e);
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// The first policy of the US market (2023): items under $20 are kept,
    /// buyer remorse gets the return shipping in full, quality and
    /// logistics up to $10; the platform bears remorse, the supplier
    /// quality, the carrier logistics.
    pub fn us_2023() -> Self {
        let usd = |minor| Amount { amount_minor: minor, currency: "USD".into() };
        Self {
            keep_item_under: Some(usd(2000)),
            return_shipping: PerClass {
                buyer_remorse: ShippingShare { percent: 100, cap: None },
                quality: ShippingShare { percent: 100, cap: Some(usd(1000)) },
                logistics: ShippingShare { percent: 100, cap: Some(usd(1000)) },
            },
            bearer: PerClass {
                buyer_remorse: Party::Platform,
                quality: Party::Supplier,
                logistics: Party::Carrier,
            },
        }
    }
}

/// One line of a return as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineIn {
    pub line_no: i32,
    pub quantity: i32,
    pub unit_price: Money,
}

/// What the policy decided for one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineDecision {
    pub line_no: i32,
    pub quantity: i32,
    /// The buyer keeps the units: none come back.
    pub keep: bool,
}

/// A cost and who bears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Liability {
    pub party: Party,
    pub kind: CostKind,
    pub amount_minor: i64,
    pub currency: String,
}

/// The decision on a return, with the reasons in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub lines: Vec<LineDecision>,
    /// Whether a parcel is expected back (some units must come back).
    pub parcel_expected: bool,
    pub refund_minor: i64,
    pub currency: String,
    /// Return shipping paid back to the buyer (none: no parcel, or no cost
    /// given).
    pub shipping_reimbursed_minor: Option<i64>,
    pub liabilities: Vec<Liability>,
    /// Why, rule by rule (English, for the record).
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecideError {
    /// The order's lines are in more than one currency, or a policy amount
    /// is in another currency than the order's.
    Currency(String),
    Money(MoneyError),
}

impl From<MoneyError> for DecideError {
    fn from(e: MoneyError) -> Self {
        Self::Money(e)
    }
}

/// `amount` × `percent` / 100, rounded half up to the minor unit.
fn share(amount: Money, percent: i32) -> Result<Money, MoneyError> {
    let scaled = i128::from(amount.minor()) * i128::from(percent);
    let minor = i64::try_from((scaled + 50) / 100).map_err(|_| MoneyError::Overflow)?;
    Money::stored(minor, amount.currency().as_str())
}

fn same_currency(a: &Amount, currency: Currency, what: &str) -> Result<Money, DecideError> {
    if a.currency != currency.as_str() {
        return Err(DecideError::Currency(format!(
            "the policy's {what} is in {}, the order in {currency}",
            a.currency
        )));
    }
    Ok(Money::stored(a.amount_minor, &a.currency)?)
}

/// Decides a return under `rules`: which units the buyer keeps, the refund,
/// the return shipping paid back, and who bears each cost.
pub fn decide(
    rules: &Rules,
    class: ReasonClass,
    kind: ReturnType,
    lines: &[LineIn],
    shipping_cost: Option<Money>,
) -> Result<Decision, DecideError> {
    let currency = lines
        .first()
        .map(|l| l.unit_price.currency())
        .ok_or_else(|| DecideError::Currency("a return has at least one line".into()))?;
    if lines.iter().any(|l| l.unit_price.currency() != currency) {
        return Err(DecideError::Currency("the order's lines are in more than one currency".into()));
    }
    let mut reasons = Vec::new();
    let threshold = match &rules.keep_item_under {
        Some(a) if kind == ReturnType::ReturnAndRefund => Some(same_currency(a, currency, "keep threshold")?),
        _ => None,
    };
    if kind == ReturnType::RefundOnly {
        reasons.push("refund only: the buyer keeps every unit".to_owned());
    }
    let mut refund = Money::zero(currency);
    let mut decided = Vec::with_capacity(lines.len());
    for l in lines {
        refund = refund.plus(l.unit_price.times(i64::from(l.quantity))?)?;
        let keep = match threshold {
            _ if kind == ReturnType::RefundOnly => true,
            Some(t) if l.unit_price.minor() < t.minor() => {
                reasons.push(format!(
                    "line {}: priced {} under {t}: kept, not returned",
                    l.line_no, l.unit_price
                ));
                true
            }
            _ => false,
        };
        decided.push(LineDecision { line_no: l.line_no, quantity: l.quantity, keep });
    }
    let parcel_expected = decided.iter().any(|d| !d.keep);
    let bearer = *rules.bearer.of(class);
    let mut liabilities = vec![Liability {
        party: bearer,
        kind: CostKind::Refund,
        amount_minor: refund.minor(),
        currency: currency.as_str().into(),
    }];
    reasons.push(format!("{class} reason: the refund of {refund} is borne by the {bearer}"));
    let mut shipping_reimbursed = None;
    match (parcel_expected, shipping_cost) {
        (true, Some(cost)) => {
            if cost.currency() != currency {
                return Err(DecideError::Currency(format!(
                    "the return shipping is in {}, the order in {currency}",
                    cost.currency()
                )));
            }
            let rule = rules.return_shipping.of(class);
            let mut paid = share(cost, rule.percent)?;
            let mut why = format!("return shipping {cost}: {}% is {paid}", rule.percent);
            if let Some(cap) = &rule.cap {
                let cap = same_currency(cap, currency, "shipping cap")?;
                if paid.minor() > cap.minor() {
                    paid = cap;
                    why.push_str(&format!(", capped at {cap}"));
                }
            }
            reasons.push(format!("{why}, borne by the {bearer}"));
            if paid.minor() > 0 {
                liabilities.push(Liability {
                    party: bearer,
                    kind: CostKind::ReturnShipping,
                    amount_minor: paid.minor(),
                    currency: currency.as_str().into(),
                });
            }
            shipping_reimbursed = Some(paid.minor());
        }
        (true, None) => reasons.push("no return shipping cost given yet: nothing paid back for it".into()),
        (false, _) => reasons.push("no parcel expected: no return shipping".into()),
    }
    Ok(Decision {
        lines: decided,
        parcel_expected,
        refund_minor: refund.minor(),
        currency: currency.as_str().into(),
        shipping_reimbursed_minor: shipping_reimbursed,
        liabilities,
        reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(minor: i64) -> Money {
        Money::stored(minor, "USD").unwrap()
    }

    fn line(no: i32, qty: i32, price: i64) -> LineIn {
        LineIn { line_no: no, quantity: qty, unit_price: usd(price) }
    }

    #[test]
    fn an_item_under_twenty_dollars_is_refunded_without_a_return() {
        let d = decide(
            &Rules::us_2023(),
            ReasonClass::BuyerRemorse,
            ReturnType::ReturnAndRefund,
            &[line(1, 2, 1999)],
            Some(usd(800)),
        )
        .unwrap();
        assert!(!d.parcel_expected);
        assert_eq!((d.refund_minor, d.shipping_reimbursed_minor), (3998, None));
        assert_eq!(
            d.liabilities,
            vec![Liability {
                party: Party::Platform,
                kind: CostKind::Refund,
                amount_minor: 3998,
                currency: "USD".into()
            }]
        );
        // Exactly $20 is not under $20: it comes back.
        let d = decide(
            &Rules::us_2023(),
            ReasonClass::BuyerRemorse,
            ReturnType::ReturnAndRefund,
            &[line(1, 1, 2000)],
            None,
        )
        .unwrap();
        assert!(d.parcel_expected);
    }

    #[test]
    fn buyer_remorse_gets_its_return_shipping_in_full_and_quality_up_to_ten_dollars() {
        let rules = Rules::us_2023();
        let lines = [line(1, 1, 4500), line(2, 1, 500)];
        let d =
            decide(&rules, ReasonClass::BuyerRemorse, ReturnType::ReturnAndRefund, &lines, Some(usd(1450)))
                .unwrap();
        assert!(d.parcel_expected);
        assert_eq!(
            d.lines.iter().map(|l| l.keep).collect::<Vec<_>>(),
            vec![false, true],
            "the $5 item is kept"
        );
        assert_eq!((d.refund_minor, d.shipping_reimbursed_minor), (5000, Some(1450)));
        let d = decide(&rules, ReasonClass::Quality, ReturnType::ReturnAndRefund, &lines, Some(usd(1450)))
            .unwrap();
        assert_eq!(d.shipping_reimbursed_minor, Some(1000), "capped at $10");
        assert!(d.liabilities.iter().all(|l| l.party == Party::Supplier), "{:?}", d.liabilities);
        assert_eq!(d.liabilities.iter().map(|l| l.amount_minor).sum::<i64>(), 6000);
        let d = decide(&rules, ReasonClass::Logistics, ReturnType::ReturnAndRefund, &lines, Some(usd(700)))
            .unwrap();
        assert_eq!(d.shipping_reimbursed_minor, Some(700), "under the cap: all of it");
        assert!(d.liabilities.iter().all(|l| l.party == Party::Carrier));
    }

    #[test]
    fn a_later_version_changes_the_numbers_without_code() {
        let mut rules = Rules::us_2023();
        rules.keep_item_under = Some(Amount { amount_minor: 1000, currency: "USD".into() });
        rules.return_shipping.buyer_remorse = ShippingShare { percent: 50, cap: None };
        assert!(rules.check().is_ok());
        let d = decide(
            &rules,
            ReasonClass::BuyerRemorse,
            ReturnType::ReturnAndRefund,
            &[line(1, 1, 1500)],
            Some(usd(999)),
        )
        .unwrap();
        assert!(d.parcel_expected, "$15 is not under the new $10");
        assert_eq!(d.shipping_reimbursed_minor, Some(500), "50% of 9.99, rounded half up");
    }

    #[test]
    fn refund_only_keeps_everything_and_other_currencies_are_refused() {
        let d = decide(
            &Rules::us_2023(),
            ReasonClass::Quality,
            ReturnType::RefundOnly,
            &[line(1, 1, 9900)],
            Some(usd(800)),
        )
        .unwrap();
        assert!(!d.parcel_expected && d.shipping_reimbursed_minor.is_none());
        let eur = LineIn { line_no: 1, quantity: 1, unit_price: Money::stored(5000, "EUR").unwrap() };
        assert!(matches!(
            decide(&Rules::us_2023(), ReasonClass::Quality, ReturnType::ReturnAndRefund, &[eur], None),
            Err(DecideError::Currency(_))
        ));
        let mut bad = Rules::us_2023();
        bad.return_shipping.quality.percent = 101;
        assert_eq!(bad.check().unwrap_err()[0].code, "out_of_range");
    }

    #[test]
    fn rules_are_data_that_round_trip_and_refuse_unknown_fields() {
        let json = serde_json::to_value(Rules::us_2023()).unwrap();
        assert_eq!(serde_json::from_value::<Rules>(json.clone()).unwrap(), Rules::us_2023());
        let mut extra = json;
        extra["surprise"] = serde_json::json!(1);
        assert!(serde_json::from_value::<Rules>(extra).is_err());
    }
}
