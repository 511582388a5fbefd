//! Who is signed in to the console: the session cookie resolved to a
//! [`ConsoleUser`] once per request, what each role may open, and the CSRF
//! check that every console form goes through ([`Post`]).
//!
//! Sessions live in the database (`console_sessions`); the cookie carries
//! only a random token whose hash is stored. The cookie is HttpOnly,
//! SameSite=Strict, Secure unless configured off, scoped to `/console` and
//! lives as long as the session.

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::ConsoleError;
use super::i18n::Lang;
use crate::auth::domain::same_secret;
use crate::auth::{Caller, Role};
use crate::http::AppState;
use crate::ids::UserId;

pub const SESSION_COOKIE: &str = "custody_session";
/// The cookie every console cookie is scoped to.
pub const COOKIE_PATH: &str = "/console";

/// The console pages, for the navigation and the role checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Dashboard,
    Bins,
    BinImport,
    Suppliers,
    SupplierAdmin,
    ApiKeys,
    Staff,
    /// The inbound hub (dock lists): receivers and QC.
    Inbound,
    /// Check-in, receiving and putaway.
    Receiving,
    /// Quality inspection.
    Qc,
    /// Order search, wave planning and the outbound exceptions queue.
    Outbound,
    /// The picker screen.
    Picking,
    /// The pack station.
    Packing,
}

impl Area {
    /// Floor roles scan and look up bins; supervisors also read suppliers;
    /// only admins change suppliers, keys, staff and the layout.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Area::Dashboard | Area::Bins => true,
            Area::Suppliers => role.covers(Role::Supervisor),
            Area::Inbound => role.covers(Role::Receiver) || role.covers(Role::Qc),
            Area::Receiving => role.covers(Role::Receiver),
            Area::Qc => role.covers(Role::Qc),
            Area::Outbound => role.covers(Role::Supervisor),
            Area::Picking => role.covers(Role::Picker),
            Area::Packing => role.covers(Role::Packer),
            Area::BinImport | Area::SupplierAdmin | Area::ApiKeys | Area::Staff => role == Role::Admin,
        }
    }
}

/// A signed-in staff member, with what every page needs to draw its frame.
pub struct ConsoleUser {
    pub user_id: UserId,
    pub role: Role,
    pub username: String,
    pub display_name: String,
    pub csrf_token: String,
    pub lang: Lang,
    pub warehouse: String,
    /// Path and query of this request when it is a GET (where the language
    /// switch comes back to), else `None`.
    pub here: Option<String>,
    /// Whether htmx sent the request (a fragment is wanted, not a page).
    pub htmx: bool,
    /// The session token from the cookie, for logout. Never shown or logged.
    token: String,
}

impl std::fmt::Debug for ConsoleUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleUser")
            .field("user_id", &self.user_id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl ConsoleUser {
    pub fn may(&self, area: Area) -> bool {
        area.allows(self.role)
    }

    /// The 403 page unless the role may use `area`.
    pub fn require(&self, area: Area) -> Result<(), ConsoleError> {
        if self.may(area) { Ok(()) } else { Err(super::error::forbidden(self)) }
    }

    pub fn session_token(&self) -> &str {
        &self.token
    }
}

pub fn is_htmx(req: &HttpRequest) -> bool {
    req.headers().contains_key("hx-request")
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ConsoleError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| crate::error::AppError::internal(anyhow::anyhow!("no app state")).into())
}

/// A session token as the server makes them: 64 hex digits. Anything else
/// in the cookie is not looked up at all.
fn plausible_token(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

impl FromRequest for ConsoleUser {
    type Error = ConsoleError;
    type Future = LocalBoxFuture<'static, Result<Self, ConsoleError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = state(&req)?;
            let htmx = is_htmx(&req);
            let Some(token) =
                req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()).filter(|t| plausible_token(t))
            else {
                return Err(ConsoleError::LoginRequired { htmx });
            };
            let lookup = token.clone();
            let session =
                crate::db::run(&state.pool, move |c| crate::auth::service::session(c, &lookup)).await?;
            let Some(session) = session else {
                return Err(ConsoleError::LoginRequired { htmx });
            };
            let Caller::Staff { user_id, role, username } = session.caller else {
                return Err(ConsoleError::LoginRequired { htmx });
            };
            let here = (req.method() == actix_web::http::Method::GET).then(|| {
                req.uri().path_and_query().map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned())
            });
            Ok(ConsoleUser {
                user_id,
                role,
                username,
                display_name: session.display_name,
                csrf_token: session.csrf_token,
                lang: Lang::of(&req),
                warehouse: state.config.warehouse_code.clone(),
                here,
                htmx,
                token,
            })
        })
    }
}

/// Whether a submitted CSRF token is the expected one. An empty expected
/// token never matches, so a missing secret cannot be "matched" by a
/// missing field.
pub fn csrf_ok(expected: &str, submitted: &str) -> bool {
    !expected.is_empty() && same_secret(expected, submitted)
}

#[derive(Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf_token: String,
    #[serde(flatten)]
    fields: T,
}

/// A console form submitted by a signed-in user, with its CSRF token
/// checked against the session's: the only way a console handler reads a
/// POST body, so that no form can forget the check. A missing or wrong
/// token is refused with the 403 page before the handler runs.
pub struct Post<T> {
    pub user: ConsoleUser,
    pub form: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for Post<T> {
    type Error = ConsoleError;
    type Future = LocalBoxFuture<'static, Result<Self, ConsoleError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = ConsoleUser::from_request(req, payload);
        let form = web::Form::<WithCsrf<T>>::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            // A body that is not a form cannot carry the token: refused as
            // a forgery would be, before anything else is looked at.
            let Ok(form) = form.await else {
                tracing::warn!(user_id = %user.user_id, "console form refused: unreadable body, no CSRF token");
                return Err(super::error::csrf_refused(&user));
            };
            let form = form.into_inner();
            if !csrf_ok(&user.csrf_token, &form.csrf_token) {
                tracing::warn!(user_id = %user.user_id, "console form refused: CSRF token missing or wrong");
                return Err(super::error::csrf_refused(&user));
            }
            Ok(Post { user, form: form.fields })
        })
    }
}

/// A form with no fields but the CSRF token (logout, buttons).
#[derive(Debug, Deserialize)]
pub struct NoFields {}

/// A console cookie: HttpOnly, scoped to the console, Secure as configured.
pub fn cookie(name: &'static str, value: String, secure: bool, same_site: SameSite) -> Cookie<'static> {
    Cookie::build(name, value).path(COOKIE_PATH).http_only(true).secure(secure).same_site(same_site).finish()
}

pub fn session_cookie(token: String, state: &AppState) -> Cookie<'static> {
    let mut c = cookie(SESSION_COOKIE, token, state.config.cookie_secure, SameSite::Strict);
    c.set_max_age(time::Duration::hours(state.config.session_ttl_hours));
    c
}

/// Tells the browser to forget a cookie (same name and path).
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build(name, "").path(COOKIE_PATH).finish();
    c.make_removal();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_check_accepts_only_the_sessions_token() {
        let token = crate::auth::domain::new_csrf_token();
        assert!(csrf_ok(&token, &token));
        assert!(!csrf_ok(&token, ""));
        assert!(!csrf_ok(&token, &token[1..]));
        assert!(!csrf_ok(&token, &format!("{}x", &token[..token.len() - 1])));
        assert!(!csrf_ok("", ""), "no expected token never matches");
    }

    #[test]
    fn floor_roles_see_only_dashboard_and_bins() {
        for role in [Role::Receiver, Role::Qc, Role::Picker, Role::Packer, Role::Shipping, Role::Returns] {
            assert!(Area::Dashboard.allows(role) && Area::Bins.allows(role));
            for area in [Area::BinImport, Area::Suppliers, Area::SupplierAdmin, Area::ApiKeys, Area::Staff] {
                assert!(!area.allows(role), "{role} must not open {area:?}");
            }
        }
        assert!(Area::Suppliers.allows(Role::Supervisor));
        assert!(!Area::SupplierAdmin.allows(Role::Supervisor));
        assert!(!Area::Staff.allows(Role::Supervisor));
        for area in [Area::BinImport, Area::SupplierAdmin, Area::ApiKeys, Area::Staff, Area::Suppliers] {
            assert!(area.allows(Role::Admin));
        }
    }

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        assert!(plausible_token(&"a".repeat(64)));
        assert!(!plausible_token("abc"));
        assert!(!plausible_token(&"z".repeat(64)));
    }
}
