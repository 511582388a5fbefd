//! The buyer's personal data: sealed with AES-256-GCM under a key from the
//! configuration, never logged, never in events, lists or errors; shown
//! masked (`J*** D***, ***-**34`); opened only to print a shipping label.
//!
//! Keys are `id:hex` pairs (`CUSTODY_PII_KEYS=k2:<64 hex>,k1:<64 hex>`): the
//! first seals, every listed key opens what it sealed, so a key is rotated
//! by putting a new one first and keeping the old one until its data is
//! erased. The order's id is the associated data: a sealed buyer copied
//! onto another order does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldError};
use crate::values::{self, Errors};

/// The buyer as the platform sends it. `Debug` shows nothing of it.
#[derive(Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Buyer {
    pub name: String,
    pub phone: String,
    pub address: Address,
}

#[derive(Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    pub city: String,
    #[serde(default)]
    pub region: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2; must be the order's destination.
    pub country: String,
}

impl std::fmt::Debug for Buyer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Buyer(<personal data>)")
    }
}

impl std::fmt::Debug for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Address(<personal data>)")
    }
}

impl Buyer {
    /// Checks the buyer's fields. Problems name the field, never its value.
    pub fn check(&self, field: &str, destination: &str, errs: &mut Errors) {
        let f = |n: &str| format!("{field}.{n}");
        errs.take(values::text(&f("name"), &self.name, 120));
        errs.take(values::text(&f("address.line1"), &self.address.line1, 200));
        errs.take(values::optional_text(&f("address.line2"), &self.address.line2, 200));
        errs.take(values::optional_text(&f("address.region"), &self.address.region, 100));
        errs.take(values::text(&f("address.city"), &self.address.city, 100));
        errs.take(values::text(&f("address.postal_code"), &self.address.postal_code, 20));
        let digits = self.phone.chars().filter(char::is_ascii_digit).count();
        if !(6..=20).contains(&digits)
            || !self.phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
        {
            errs.0.push(FieldError::new(
                &f("phone"),
                "invalid_phone",
                "must be a phone number of 6 to 20 digits",
            ));
        }
        if !self.address.country.trim().eq_ignore_ascii_case(destination) {
            errs.0.push(FieldError::new(
                &f("address.country"),
                "country_mismatch",
                "must be the order's destination country",
            ));
        }
    }

    /// `J*** D***, ***-**34`: initials and the phone's last two digits.
    pub fn masked(&self) -> String {
        let name: Vec<String> = self
            .name
            .split_whitespace()
            .map(|w| format!("{}***", w.chars().next().map(|c| c.to_string()).unwrap_or_default()))
            .collect();
        let digits: Vec<char> = self.phone.chars().filter(char::is_ascii_digit).collect();
        let tail: String = digits[digits.len().saturating_sub(2)..].iter().collect();
        format!("{}, ***-**{tail}", name.join(" "))
    }
}

/// The keys: the first seals; all open.
#[derive(Clone)]
pub struct Keys {
    keys: Vec<(String, [u8; 32])>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        write!(f, "Keys({ids:?})")
    }
}

impl std::str::FromStr for Keys {
    type Err = String;
    /// `id:hex64[,id:hex64...]`.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut keys = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, hex_key) = part.split_once(':').ok_or("each key is id:hex")?;
            let bytes = hex::decode(hex_key.trim()).map_err(|_| format!("key {id} is not hex"))?;
            let key: [u8; 32] =
                bytes.try_into().map_err(|_| format!("key {id} is not 32 bytes (64 hex digits)"))?;
            if id.is_empty() || keys.iter().any(|(k, _)| k == id) {
                return Err(format!("key id `{id}` is empty or repeated"));
            }
            keys.push((id.to_owned(), key));
        }
        if keys.is_empty() {
            return Err("no keys".into());
        }
        Ok(Self { keys })
    }
}

impl Keys {
    /// A random key for this process only (development without
    /// `CUSTODY_PII_KEYS`): what it seals cannot be opened after a restart.
    pub fn ephemeral() -> Self {
        Self { keys: vec![("ephemeral".into(), rand::random())] }
    }

    /// Seals `buyer` for `order` (the associated data). Returns the key id
    /// and nonce || ciphertext.
    pub fn seal(&self, order: uuid::Uuid, buyer: &Buyer) -> Result<(String, Vec<u8>), AppError> {
        let (id, key) = &self.keys[0];
        let cipher =
            Aes256Gcm::new_from_slice(key).map_err(|_| AppError::internal(anyhow::anyhow!("bad key")))?;
        let nonce: [u8; 12] = rand::random();
        let plain = serde_json::to_vec(buyer).map_err(AppError::internal)?;
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: &plain, aad: order.as_bytes() })
            .map_err(|_| AppError::internal(anyhow::anyhow!("sealing failed")))?;
        Ok((id.clone(), [nonce.as_slice(), &sealed].concat()))
    }

    /// The id of the key that seals (the first).
    pub fn sealing_key_id(&self) -> &str {
        &self.keys[0].0
    }

    /// Opens what [`Keys::seal`] sealed for `order`.
    pub fn open(&self, order: uuid::Uuid, key_id: &str, sealed: &[u8]) -> Result<Buyer, AppError> {
        let unreadable =
            || AppError::internal(anyhow::anyhow!("buyer data of order {order} cannot be opened"));
        let (_, key) = self.keys.iter().find(|(id, _)| id == key_id).ok_or_else(unreadable)?;
        if sealed.len() < 12 {
            return Err(unreadable());
        }
        let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| unreadable())?;
        let (nonce, body) = sealed.split_at(12);
        let plain = cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: order.as_bytes() })
            .map_err(|_| unreadable())?;
        serde_json::from_slice(&plain).map_err(|_| unreadable())
    }
}

/// Why a buyer's full data was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A shipping label rendered for the console (printed at the pack station).
    LabelConsole,
    /// A shipping label fetched through the API.
    LabelApi,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LabelConsole => "label:console",
            Self::LabelApi => "label:api",
        }
    }
}

/// One read of a buyer's full name, phone and address, as admins see it in
/// the audit log. It names the reader and the order, never the buyer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PiiRead {
    pub read_at: crate::db::types::Timestamp,
    /// `staff:<username>` (API) or the console user's name.
    pub actor: String,
    pub order_id: crate::ids::OrderId,
    pub order_no: String,
    pub parcel_id: Option<crate::ids::ParcelId>,
    /// `label:console` or `label:api`.
    pub purpose: String,
}

/// Writes that `actor` read the buyer of `order` (in the transaction that
/// reads it: no read without its record).
pub(crate) fn record_read(
    tx: &mut crate::db::DbConn,
    order: &super::store::OrderRow,
    parcel: Option<crate::ids::ParcelId>,
    actor: &str,
    purpose: Purpose,
) -> Result<(), AppError> {
    super::store::add_pii_read(
        tx,
        &super::store::PiiReadRow {
            id: crate::ids::PiiReadId::generate(),
            read_at: crate::db::types::Timestamp::now(),
            actor: actor.to_owned(),
            order_id: order.id,
            order_no: order.order_no.clone(),
            parcel_id: parcel,
            purpose: purpose.as_str().to_owned(),
        },
    )?;
    Ok(())
}

/// The audit log of reads, newest first (of one order if given).
pub fn reads(
    conn: &mut crate::db::DbConn,
    order_no: Option<&str>,
    limit: i64,
) -> Result<Vec<PiiRead>, AppError> {
    Ok(super::store::pii_reads(conn, order_no, limit)?
        .into_iter()
        .map(|r| PiiRead {
            read_at: r.read_at,
            actor: r.actor,
            order_id: r.order_id,
            order_no: r.order_no,
            parcel_id: r.parcel_id,
            purpose: r.purpose,
        })
        .collect())
}

/// What [`reseal`] did.
#[derive(Debug, Default)]
pub struct Resealed {
    /// Orders now sealed under the first key.
    pub resealed: usize,
    /// Orders whose data no configured key opens (their key was dropped
    /// too early): left as they are, listed by id.
    pub unreadable: Vec<crate::ids::OrderId>,
}

/// Re-seals every order's buyer under the first (newest) key, 200 orders
/// a transaction, so that an older key can then be removed from
/// `CUSTODY_PII_KEYS`. Safe to run again or while the server runs: an
/// order erased or re-sealed meanwhile is left alone.
pub fn reseal(conn: &mut crate::db::DbConn, keys: &Keys) -> Result<Resealed, AppError> {
    let newest = keys.sealing_key_id().to_owned();
    let mut done = Resealed::default();
    let mut after = None;
    loop {
        let batch = super::store::sealed_under_other_keys(conn, &newest, after, 200)?;
        let Some(last) = batch.last() else { break };
        after = Some(last.0);
        let n = crate::db::transact_blocking(conn, |tx| {
            let mut n = 0;
            for (id, old_key, sealed) in &batch {
                let Ok(buyer) = keys.open(id.0, old_key, sealed) else { continue };
                let (key_id, fresh) = keys.seal(id.0, &buyer)?;
                if super::store::reseal_buyer(tx, *id, old_key, &key_id, &fresh)? {
                    n += 1;
                }
            }
            Ok(n)
        })?;
        done.resealed += n;
        done.unreadable
            .extend(batch.iter().filter(|(id, k, s)| keys.open(id.0, k, s).is_err()).map(|(id, _, _)| *id));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buyer() -> Buyer {
        Buyer {
            name: "Jane Doe".into(),
            phone: "+1 (555) 010-2034".into(),
            address: Address {
                line1: "1 Main St".into(),
                line2: String::new(),
                city: "Springfield".into(),
                region: "IL".into(),
                postal_code: "62701".into(),
                country: "US".into(),
            },
        }
    }

    #[test]
    fn the_optional_address_fields_follow_the_rules_of_the_others() {
        let check = |b: &Buyer| {
            let mut errs = Errors(Vec::new());
            b.check("buyer", "US", &mut errs);
            errs.0.iter().map(|e| (e.field.clone(), e.code.clone())).collect::<Vec<_>>()
        };
        let mut b = buyer();
        assert!(check(&b).is_empty());
        b.address.line2 = "Apt \u{7}4".into();
        b.address.region = "I".repeat(10_000);
        assert_eq!(
            check(&b),
            [
                ("buyer.address.line2".to_owned(), "control_characters".to_owned()),
                ("buyer.address.region".to_owned(), "too_long".to_owned())
            ]
        );
        b.address.line2 = "  ".into();
        b.address.region = String::new();
        assert!(check(&b).is_empty(), "absent is fine");
    }

    #[test]
    fn sealed_data_opens_only_with_its_key_and_its_order() {
        let keys: Keys = format!("k1:{}", "11".repeat(32)).parse().unwrap();
        let order = uuid::Uuid::now_v7();
        let (id, sealed) = keys.seal(order, &buyer()).unwrap();
        assert_eq!(id, "k1");
        assert!(!String::from_utf8_lossy(&sealed).contains("Jane"), "not in clear");
        assert_eq!(keys.open(order, "k1", &sealed).unwrap().name, "Jane Doe");
        assert!(keys.open(uuid::Uuid::now_v7(), "k1", &sealed).is_err(), "bound to its order");
        let mut tampered = sealed.clone();
        tampered[20] ^= 1;
        assert!(keys.open(order, "k1", &tampered).is_err());
        // Rotation: a new key first seals; the old one still opens old data.
        let rotated: Keys = format!("k2:{},k1:{}", "22".repeat(32), "11".repeat(32)).parse().unwrap();
        assert_eq!(rotated.open(order, "k1", &sealed).unwrap().phone, "+1 (555) 010-2034");
        assert_eq!(rotated.seal(order, &buyer()).unwrap().0, "k2");
    }

    #[test]
    fn bad_key_settings_are_refused_and_debug_shows_no_data() {
        assert!("k1:abcd".parse::<Keys>().is_err());
        assert!("".parse::<Keys>().is_err());
        assert!(format!("k:{0},k:{0}", "11".repeat(32)).parse::<Keys>().is_err());
        assert_eq!(buyer().masked(), "J*** D***, ***-**34");
        assert!(!format!("{:?}", buyer()).contains("Jane"));
    }
}
