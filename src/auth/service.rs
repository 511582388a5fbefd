//! Use cases of staff accounts, console sessions and API keys. Like every
//! use case that writes, each expects to run inside the caller's
//! [`crate::db::write_tx`], so that a caller can make it part of a larger
//! unit (an idempotency record, an event).

use crate::db::types::Timestamp;
use crate::ids::{ApiKeyId, SupplierId, UserId};
use serde::Serialize;

use super::domain::{self, ApiKeyKind, Caller, Password, Role};
use super::store::{self, ApiKeyRow, SessionRow, StaffUserRow};
use crate::db::DbConn;
use crate::error::AppError;
use crate::values;

/// Housekeeping and operator commands (the store itself is private to `auth`).
pub use super::store::{delete_expired_sessions, user_by_username};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: Timestamp,
    pub last_login_at: Option<Timestamp>,
}

impl From<StaffUserRow> for StaffUser {
    fn from(r: StaffUserRow) -> Self {
        Self {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            role: Role::parse(&r.role).unwrap_or(Role::Receiver),
            active: r.active,
            created_at: r.created_at,
            last_login_at: r.last_login_at,
        }
    }
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub password: &'a str,
}

pub fn create_user(conn: &mut DbConn, input: NewUser<'_>) -> Result<StaffUser, AppError> {
    let mut errs = values::Errors::default();
    let username = errs.take(domain::username(input.username));
    let display = errs.take(values::text("display_name", input.display_name, 100));
    let role = errs.take(Role::parse(input.role));
    let password = errs.take(Password::parse(input.password));
    errs.finish()?;
    let (username, display, role, password) =
        (username.unwrap(), display.unwrap(), role.unwrap(), password.unwrap());
    let row = StaffUserRow {
        id: UserId::generate(),
        username,
        display_name: display,
        role: role.as_str().into(),
        password_hash: password.hash()?,
        active: true,
        created_at: Timestamp::now(),
        last_login_at: None,
    };
    store::insert_user(conn, &row).map_err(|e| {
        if crate::db::is_unique_violation(&e) {
            AppError::conflict("username_taken", "A staff member with this username exists.")
        } else {
            e.into()
        }
    })?;
    Ok(row.into())
}

pub fn list_users(conn: &mut DbConn) -> Result<Vec<StaffUser>, AppError> {
    Ok(store::list_users(conn)?.into_iter().map(Into::into).collect())
}

/// Deactivating a user also ends all their console sessions.
pub fn set_user_active(conn: &mut DbConn, id: UserId, active: bool) -> Result<(), AppError> {
    if store::set_user_active(conn, id, active)? == 0 {
        return Err(AppError::not_found("staff user"));
    }
    if !active {
        store::delete_sessions_of(conn, id)?;
    }
    Ok(())
}

pub struct LoggedIn {
    pub token: String,
    /// The new session's CSRF token (it also signs the session's flash cookie).
    pub csrf_token: String,
    pub user: StaffUser,
}

/// Who is trying to log in, read from the database: the account (if any)
/// and the hash to check against. The password is checked by
/// [`Candidate::verify`] after the connection went back to the pool:
/// hashing is slow on purpose, and a wave of logins must not hold the
/// pool's connections while it runs.
pub struct Candidate {
    user: Option<StaffUserRow>,
}

/// Reads the account of `username` (case-insensitive).
pub fn login_candidate(conn: &mut DbConn, username: &str) -> Result<Candidate, AppError> {
    let username = username.trim().to_lowercase();
    Ok(Candidate { user: store::user_by_username(conn, &username)? })
}

impl Candidate {
    /// Checks the password, with the same work whether or not the account
    /// exists. `None` means wrong credentials or an inactive account. CPU
    /// only: run it on a blocking thread, not holding a connection.
    pub fn verify(self, password: &str) -> Option<StaffUser> {
        let hash = self.user.as_ref().map(|u| u.password_hash.as_str()).unwrap_or(domain::dummy_hash());
        let ok = domain::verify_password(password, hash);
        self.user.filter(|u| ok && u.active).map(Into::into)
    }
}

/// Opens a console session for a user whose password was checked.
pub fn open_session(conn: &mut DbConn, user: StaffUser, ttl: chrono::Duration) -> Result<LoggedIn, AppError> {
    let token = domain::new_session_token();
    let now = Timestamp::now();
    let row = SessionRow {
        token_hash: token.hash,
        user_id: user.id,
        csrf_token: domain::new_csrf_token(),
        created_at: now,
        expires_at: now + ttl,
    };
    store::delete_expired_sessions(conn, now)?;
    store::insert_session(conn, &row)?;
    store::touch_login(conn, user.id, now)?;
    Ok(LoggedIn { token: token.plaintext, csrf_token: row.csrf_token, user })
}

pub struct Session {
    pub caller: Caller,
    pub csrf_token: String,
    pub display_name: String,
}

pub fn session(conn: &mut DbConn, token: &str) -> Result<Option<Session>, AppError> {
    let found = store::session_with_user(conn, &domain::hash_token(token), Timestamp::now())?;
    Ok(found.and_then(|(s, u)| {
        let role = Role::parse(&u.role).ok()?;
        Some(Session {
            caller: Caller::Staff { user_id: u.id, role, username: u.username },
            csrf_token: s.csrf_token,
            display_name: u.display_name,
        })
    }))
}

pub fn logout(conn: &mut DbConn, token: &str) -> Result<(), AppError> {
    store::delete_session(conn, &domain::hash_token(token))?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiKey {
    pub id: ApiKeyId,
    /// The key's first characters, to tell keys apart. Never the whole key.
    pub prefix: String,
    pub kind: ApiKeyKind,
    pub supplier_id: Option<SupplierId>,
    pub user_id: Option<UserId>,
    pub label: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = AppError;
    fn try_from(r: ApiKeyRow) -> Result<Self, AppError> {
        let kind = ApiKeyKind::from_db(&r.kind)
            .ok_or_else(|| AppError::unknown_stored("ApiKeyKind", &format!("API key {}", r.id), &r.kind))?;
        Ok(Self {
            id: r.id,
            prefix: r.prefix,
            kind,
            supplier_id: r.supplier_id,
            user_id: r.user_id,
            label: r.label,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
}

/// For whom a key is made.
pub enum KeyOwner {
    Supplier(SupplierId),
    Platform,
    Staff(UserId),
    /// A carrier or tracking aggregator.
    Carrier,
}

/// Makes a key; the plaintext is returned this once and never stored.
pub fn create_api_key(conn: &mut DbConn, owner: KeyOwner, label: &str) -> Result<(ApiKey, String), AppError> {
    let label = values::text("label", label, 100).map_err(|e| AppError::validation(vec![e]))?;
    let (kind, supplier_id, user_id) = match owner {
        KeyOwner::Supplier(id) => (ApiKeyKind::Supplier, Some(id), None),
        KeyOwner::Platform => (ApiKeyKind::Platform, None, None),
        KeyOwner::Staff(id) => (ApiKeyKind::Staff, None, Some(id)),
        KeyOwner::Carrier => (ApiKeyKind::Carrier, None, None),
    };
    let secret = domain::new_api_key(kind);
    let row = ApiKeyRow {
        id: ApiKeyId::generate(),
        prefix: secret.prefix,
        key_hash: secret.hash,
        kind: kind.as_str().into(),
        supplier_id,
        user_id,
        label,
        created_at: Timestamp::now(),
        last_used_at: None,
        revoked_at: None,
    };
    store::insert_api_key(conn, &row)?;
    Ok((row.try_into()?, secret.plaintext))
}

pub fn list_api_keys(conn: &mut DbConn) -> Result<Vec<ApiKey>, AppError> {
    store::list_keys(conn)?.into_iter().map(TryInto::try_into).collect()
}

/// Revokes one live key by id or by its unambiguous prefix.
pub fn revoke_api_key(conn: &mut DbConn, id_or_prefix: &str) -> Result<(), AppError> {
    match store::revoke_key(conn, id_or_prefix.trim(), Timestamp::now())? {
        0 => Err(AppError::not_found("live API key")),
        _ => Ok(()),
    }
}

/// Resolves a bearer key to its caller; `None` for unknown or revoked keys
/// and for keys whose supplier or user is no longer active.
pub fn authenticate_key(conn: &mut DbConn, key: &str) -> Result<Option<Caller>, AppError> {
    authenticate_hashed(conn, &domain::hash_token(key))
}

/// [`authenticate_key`] for a key already hashed with [`domain::hash_token`].
pub fn authenticate_hashed(conn: &mut DbConn, hash: &str) -> Result<Option<Caller>, AppError> {
    let Some(row) = store::live_key_by_hash(conn, hash)? else {
        return Ok(None);
    };
    let caller = match ApiKeyKind::from_db(&row.kind) {
        Some(ApiKeyKind::Supplier) => {
            let Some(supplier_id) = row.supplier_id else { return Ok(None) };
            if !crate::suppliers::service::is_active(conn, supplier_id)? {
                return Ok(None);
            }
            Caller::Supplier { supplier_id, key_id: row.id }
        }
        Some(ApiKeyKind::Platform) => Caller::Platform { key_id: row.id },
        Some(ApiKeyKind::Carrier) => Caller::Carrier { key_id: row.id },
        Some(ApiKeyKind::Staff) => {
            let Some(user) = row.user_id.map(|id| store::user_by_id(conn, id)).transpose()?.flatten() else {
                return Ok(None);
            };
            let Ok(role) = Role::parse(&user.role) else { return Ok(None) };
            if !user.active {
                return Ok(None);
            }
            Caller::Staff { user_id: user.id, role, username: user.username }
        }
        // Fails closed, and loudly: a key of a kind this build does not know.
        None => {
            return Err(AppError::unknown_stored("ApiKeyKind", &format!("API key {}", row.id), &row.kind));
        }
    };
    // Best effort: a failed touch must not fail the request.
    if let Err(e) = store::touch_key(conn, row.id, Timestamp::now()) {
        tracing::warn!(error = %e, "could not record API key use");
    }
    Ok(Some(caller))
}
