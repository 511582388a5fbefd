//! A supplier as the business knows it, and the input that creates one.

use serde::Deserialize;

use crate::error::AppError;
use crate::values::{self, ActiveStatus, Errors};

/// A request to register a supplier, as received.
#[derive(Debug, Clone, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierInput {
    /// Short code, unique, e.g. `SZ-TOYS`. Letters, digits, `-_.`; folded to upper case.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub contact_phone: String,
    /// Where returns to the supplier (退供) are shipped.
    pub return_address: String,
}

/// A validated supplier registration.
pub struct NewSupplier {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub return_address: String,
    pub status: ActiveStatus,
}

fn optional(errs: &mut Errors, field: &str, s: &str, max: usize) -> String {
    if s.trim().is_empty() {
        String::new()
    } else {
        errs.take(values::text(field, s, max)).unwrap_or_default()
    }
}

impl NewSupplier {
    pub fn parse(input: &SupplierInput) -> Result<Self, AppError> {
        let mut errs = Errors::default();
        let code = errs.take(values::code("code", &input.code, 32));
        let name_zh = errs.take(values::text("name_zh", &input.name_zh, 200));
        let name_en = errs.take(values::text("name_en", &input.name_en, 200));
        let return_address = errs.take(values::text("return_address", &input.return_address, 500));
        let contact_name = optional(&mut errs, "contact_name", &input.contact_name, 100);
        let contact_email = optional(&mut errs, "contact_email", &input.contact_email, 200);
        if !contact_email.is_empty() && !contact_email.contains('@') {
            errs.0.push(crate::error::FieldError::new(
                "contact_email",
                "invalid_email",
                "is not an e-mail address",
            ));
        }
        let contact_phone = optional(&mut errs, "contact_phone", &input.contact_phone, 40);
        errs.finish()?;
        Ok(Self {
            code: code.expect("checked"),
            name_zh: name_zh.expect("checked"),
            name_en: name_en.expect("checked"),
            contact_name,
            contact_email,
            contact_phone,
            return_address: return_address.expect("checked"),
            status: ActiveStatus::Active,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SupplierInput {
        SupplierInput {
            code: "sz-toys".into(),
            name_zh: "深圳玩具".into(),
            name_en: "Shenzhen Toys".into(),
            contact_name: String::new(),
            contact_email: "ops@example.cn".into(),
            contact_phone: String::new(),
            return_address: "深圳市宝安区".into(),
        }
    }

    #[test]
    fn a_valid_supplier_is_accepted_with_its_code_upper_cased() {
        assert_eq!(NewSupplier::parse(&input()).unwrap().code, "SZ-TOYS");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut i = input();
        i.code = "bad code".into();
        i.name_en = " ".into();
        i.contact_email = "nope".into();
        let AppError::Validation { errors, .. } = NewSupplier::parse(&i).err().unwrap() else { panic!() };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["code", "name_en", "contact_email"]);
    }
}
