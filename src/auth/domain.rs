//! Who may do what: staff roles, API key kinds, the authenticated caller,
//! and the secrets (password hashes, API keys, session tokens). No actix, no
//! diesel here.

use std::fmt;

use crate::ids::{ApiKeyId, SupplierId, UserId};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{AppError, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Receiver,
    Qc,
    Picker,
    Packer,
    Shipping,
    Returns,
    Supervisor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Receiver,
        Role::Qc,
        Role::Picker,
        Role::Packer,
        Role::Shipping,
        Role::Returns,
        Role::Supervisor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Receiver => "receiver",
            Role::Qc => "qc",
            Role::Picker => "picker",
            Role::Packer => "packer",
            Role::Shipping => "shipping",
            Role::Returns => "returns",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            FieldError::new(
                "role",
                "unknown_role",
                "must be one of receiver, qc, picker, packer, shipping, returns, supervisor, admin",
            )
        })
    }

    /// Supervisors and admins may do what any floor role may do.
    pub fn covers(self, needed: Role) -> bool {
        self == needed || self == Role::Admin || (self == Role::Supervisor && needed != Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is calling: established once per request by the extractors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A supplier's integration key: sees and changes that supplier's data only.
    Supplier { supplier_id: SupplierId, key_id: ApiKeyId },
    /// The platform's integration key: orders and return requests in.
    Platform { key_id: ApiKeyId },
    /// A carrier's or a tracking aggregator's key: tracking events in,
    /// nothing else.
    Carrier { key_id: ApiKeyId },
    /// A staff member, by console session or personal API token.
    Staff { user_id: UserId, role: Role, username: String },
}

impl Caller {
    /// The key or session identity an idempotency key is scoped to.
    pub fn scope(&self) -> String {
        match self {
            Caller::Supplier { key_id, .. } | Caller::Platform { key_id } | Caller::Carrier { key_id } => {
                format!("key:{key_id}")
            }
            Caller::Staff { user_id, .. } => format!("staff:{user_id}"),
        }
    }

    pub fn require_staff(&self, needed: Role) -> Result<(), AppError> {
        match self {
            Caller::Staff { role, .. } if role.covers(needed) => Ok(()),
            Caller::Staff { .. } => Err(AppError::forbidden("Your role may not do this.")),
            _ => Err(AppError::forbidden("This endpoint is for warehouse staff.")),
        }
    }

    pub fn is_staff(&self) -> bool {
        matches!(self, Caller::Staff { .. })
    }

    /// For audit columns: who did it.
    pub fn actor(&self) -> String {
        match self {
            Caller::Supplier { key_id, .. } => format!("supplier-key:{key_id}"),
            Caller::Platform { key_id } => format!("platform-key:{key_id}"),
            Caller::Carrier { key_id } => format!("carrier-key:{key_id}"),
            Caller::Staff { username, .. } => format!("staff:{username}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyKind {
    Supplier,
    Platform,
    Staff,
    /// A carrier or tracking aggregator (17TRACK, AfterShip...) sending
    /// tracking events.
    Carrier,
}

impl ApiKeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKeyKind::Supplier => "supplier",
            ApiKeyKind::Platform => "platform",
            ApiKeyKind::Staff => "staff",
            ApiKeyKind::Carrier => "carrier",
        }
    }
    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "supplier" => Some(Self::Supplier),
            "platform" => Some(Self::Platform),
            "staff" => Some(Self::Staff),
            "carrier" => Some(Self::Carrier),
            _ => None,
        }
    }
    fn tag(self) -> &'static str {
        match self {
            ApiKeyKind::Supplier => "sup",
            ApiKeyKind::Platform => "plt",
            ApiKeyKind::Staff => "stf",
            ApiKeyKind::Carrier => "car",
        }
    }
}

/// A freshly made secret: the full text is shown once, only its hash is kept.
pub struct NewSecret {
    pub plaintext: String,
    pub hash: String,
    /// The first characters, kept in clear so people can tell keys apart.
    pub prefix: String,
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// SHA-256 is enough for keys and tokens: they carry 256 random bits, so
/// there is nothing to brute-force, and the lookup stays one index probe.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn new_api_key(kind: ApiKeyKind) -> NewSecret {
    let plaintext = format!("cus_{}_{}", kind.tag(), random_hex(32));
    NewSecret { hash: hash_token(&plaintext), prefix: plaintext[..16].to_owned(), plaintext }
}

pub fn new_session_token() -> NewSecret {
    let plaintext = random_hex(32);
    NewSecret { hash: hash_token(&plaintext), prefix: String::new(), plaintext }
}

pub fn new_csrf_token() -> String {
    random_hex(24)
}

/// Constant-time comparison for CSRF tokens.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A password that meets the policy: 10 to 200 characters.
pub struct Password(String);

impl Password {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let n = s.chars().count();
        if n < 10 {
            return Err(FieldError::new("password", "password_too_short", "must be at least 10 characters"));
        }
        if n > 200 {
            return Err(FieldError::new("password", "password_too_long", "must be at most 200 characters"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn hash(&self) -> Result<String, AppError> {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(anyhow::anyhow!("argon2: {e}")))
    }
}

pub fn verify_password(candidate: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|h| Argon2::default().verify_password(candidate.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A hash to verify against when the username does not exist, so that a
/// wrong username takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| Password("not-a-real-password".into()).hash().expect("argon2 works"))
}

pub fn username(s: &str) -> Result<String, FieldError> {
    let t = s.trim().to_lowercase();
    if t.len() < 2 || t.len() > 64 || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
        return Err(FieldError::new(
            "username",
            "invalid_username",
            "must be 2 to 64 characters: letters, digits, '.', '_' or '-'",
        ));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supervisors_cover_floor_roles_but_not_admin() {
        assert!(Role::Supervisor.covers(Role::Picker));
        assert!(!Role::Supervisor.covers(Role::Admin));
        assert!(Role::Admin.covers(Role::Admin));
        assert!(!Role::Picker.covers(Role::Packer));
    }

    #[test]
    fn api_keys_are_random_and_only_their_hash_matches() {
        let a = new_api_key(ApiKeyKind::Supplier);
        let b = new_api_key(ApiKeyKind::Supplier);
        assert_ne!(a.plaintext, b.plaintext);
        assert!(a.plaintext.starts_with("cus_sup_"));
        assert_eq!(hash_token(&a.plaintext), a.hash);
        assert!(!a.hash.contains(&a.plaintext[8..]));
    }

    #[test]
    fn passwords_are_hashed_and_verified() {
        let p = Password::parse("correct horse battery").unwrap();
        let h = p.hash().unwrap();
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(Password::parse("short").is_err());
    }

    #[test]
    fn roles_parse_from_their_names_only() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert!(Role::parse("boss").is_err());
    }
}
