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
use super::flash::Flash;
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
    /// Bin labels in batches (a zone or a range).
    BinLabels,
    /// Where is it: stock by SKU and by bin, a SKU's ledger.
    Stock,
    /// Stock moves, adjustments and blind cycle counts.
    StockAdmin,
    Suppliers,
    SupplierAdmin,
    ApiKeys,
    Staff,
    /// The inbound hub (dock lists): receivers, QC and putaway.
    Inbound,
    /// Check-in and receiving.
    Receiving,
    /// Putaway (the putaway/picker role, and receivers).
    Putaway,
    /// Quality inspection.
    Qc,
    /// The inbound exceptions queue and the shipments' history.
    InboundAdmin,
    /// Orders and parcels, waves, and the outbound exceptions queue.
    Outbound,
    /// The picker screen.
    Picking,
    /// The pack station (and finding a parcel again to reprint its label).
    Packing,
    /// After the pack station: channels, sorting into bags, manifests,
    /// handover, parcels' timelines (the shipping role and supervisors).
    Shipping,
    /// A parcel's timeline: the shipping floor and customer service (the
    /// returns / after-sales role), supervisors.
    Tracking,
    /// The returns desk: arrivals, grading, dispositions.
    Returns,
}

impl Area {
    /// Everyone reads the dashboard, bins and stock; floor roles their own
    /// screens; supervisors every floor screen and the queues; only admins
    /// change suppliers, keys, staff and the layout.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Area::Dashboard | Area::Bins | Area::Stock => true,
            Area::Suppliers | Area::InboundAdmin | Area::StockAdmin | Area::BinLabels | Area::Outbound => {
                role.covers(Role::Supervisor)
            }
            Area::Inbound => {
                role.covers(Role::Receiver) || role.covers(Role::Qc) || role.covers(Role::Picker)
            }
            Area::Receiving => role.covers(Role::Receiver),
            Area::Putaway => role.covers(Role::Picker) || role.covers(Role::Receiver),
            Area::Qc => role.covers(Role::Qc),
            Area::Picking => role.covers(Role::Picker),
            Area::Packing => role.covers(Role::Packer),
            Area::Shipping => role.covers(Role::Shipping),
            Area::Tracking => role.covers(Role::Shipping) || role.covers(Role::Returns),
            Area::Returns => role.covers(Role::Returns),
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
    /// What the last action did (Post/Redirect/Get), shown once.
    pub flash: Option<Flash>,
    /// The warehouse's time zone: every time a person reads or types.
    pub tz: chrono_tz::Tz,
    /// Whether cookies the console sets are Secure (configuration).
    pub cookie_secure: bool,
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

    /// How this person appears as the actor of what they do (`staff:<username>`).
    pub fn actor(&self) -> String {
        format!("staff:{}", self.username)
    }

    /// The flash's text to put back into the scan field, if any.
    pub fn keep(&self) -> String {
        self.flash.as_ref().and_then(|f| f.keep.clone()).unwrap_or_default()
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
            let login = || ConsoleError::LoginRequired { htmx, next: return_to(&req), lost: None };
            let Some(token) =
                req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()).filter(|t| plausible_token(t))
            else {
                return Err(login());
            };
            let lookup = token.clone();
            let session =
                crate::db::run(&state.pool, move |c| crate::auth::service::session(c, &lookup)).await?;
            let Some(session) = session else {
                return Err(login());
            };
            let Caller::Staff { user_id, role, username } = session.caller else {
                return Err(login());
            };
            let here = (req.method() == actix_web::http::Method::GET).then(|| {
                req.uri().path_and_query().map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned())
            });
            let flash =
                req.cookie(super::flash::COOKIE).and_then(|c| Flash::open(c.value(), &session.csrf_token));
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
                flash,
                tz: state.config.timezone,
                cookie_secure: state.config.cookie_secure,
                token,
            })
        })
    }
}

/// Only console paths: a redirect after sign-in, or the language switch,
/// must not become an open redirect.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if (n == "/console" || n.starts_with("/console/") || n.starts_with("/console?"))
                && !n.starts_with("/console/login")
                && !n.contains(['\\', '\r', '\n'])
                && n.len() <= 512 =>
        {
            n
        }
        _ => "/console",
    }
}

/// Where the worker should come back to after signing in again: the page
/// itself for a GET; for a form, the page the form was on (its Referer,
/// same origin only); for htmx, the page htmx says it is on.
fn return_to(req: &HttpRequest) -> Option<String> {
    let page_of = |url: &str| -> Option<String> {
        let rest = url.split_once("://").map(|(_, r)| r)?;
        let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}")))?;
        let own = req.connection_info().host().to_owned();
        (host == own).then_some(path)
    };
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let found = if is_htmx(req) {
        header("hx-current-url").and_then(|u| page_of(&u))
    } else if req.method() == actix_web::http::Method::GET {
        req.uri().path_and_query().map(|p| p.as_str().to_owned())
    } else {
        header("referer").and_then(|u| page_of(&u))
    };
    found.filter(|n| safe_next(Some(n)) == n.as_str() && n != "/console")
}

/// The scan a form carried, if its session had expired: the worker is told
/// it was not recorded (never silently dropped).
fn scanned_in(body: &[u8]) -> Option<String> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    ["scan", "code", "barcode", "bin"]
        .iter()
        .find_map(|name| fields.iter().find(|(k, v)| k == name && !v.trim().is_empty()))
        .map(|(_, v)| super::flash::shown(v))
        .filter(|v| !v.is_empty())
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
        let body = web::Bytes::from_request(req, payload);
        let is_form = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
        Box::pin(async move {
            let body = body.await;
            let user = match user.await {
                Ok(u) => u,
                Err(ConsoleError::LoginRequired { htmx, next, .. }) => {
                    let lost = body.as_ref().ok().filter(|_| is_form).and_then(|b| scanned_in(b));
                    return Err(ConsoleError::LoginRequired { htmx, next, lost });
                }
                Err(e) => return Err(e),
            };
            // A body that is not a form cannot carry the token: refused as
            // a forgery would be, before anything else is looked at.
            let form = body
                .ok()
                .filter(|_| is_form)
                .and_then(|b| serde_urlencoded::from_bytes::<WithCsrf<T>>(&b).ok());
            let Some(form) = form else {
                tracing::warn!(user_id = %user.user_id, "console form refused: unreadable body, no CSRF token");
                return Err(super::error::csrf_refused(&user));
            };
            if !csrf_ok(&user.csrf_token, &form.csrf_token) {
                tracing::warn!(user_id = %user.user_id, "console form refused: CSRF token missing or wrong");
                return Err(super::error::csrf_refused(&user));
            }
            Ok(Post { user, form: form.fields })
        })
    }
}

/// A file sent with a console form (`multipart/form-data`), read into
/// memory up to the limit its form was given.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub bytes: Vec<u8>,
    /// The `Content-Type` the browser gave the part.
    pub declared: Option<String>,
}

/// What an upload form brought: its text fields and its file, or why the
/// file could not be taken.
#[derive(Debug, Clone)]
pub enum Upload {
    File(UploadedFile),
    /// No file chosen (an empty part).
    Missing,
    /// Larger than the form's limit: nothing of it was kept.
    TooLarge,
}

/// A console upload form (`multipart/form-data`: text fields, the CSRF
/// token among them, and one file field named `file_field`), checked like
/// every console form: a missing or wrong token is the 403 page before the
/// handler runs. At most 8 parts; text fields up to 4 KiB each; the file
/// up to `LIMIT` bytes (beyond it the form still arrives, as
/// [`Upload::TooLarge`], so that the page can say so).
pub struct MultipartPost<const LIMIT: usize> {
    pub user: ConsoleUser,
    pub fields: std::collections::HashMap<String, String>,
    pub upload: Upload,
}

impl<const LIMIT: usize> FromRequest for MultipartPost<LIMIT> {
    type Error = ConsoleError;
    type Future = LocalBoxFuture<'static, Result<Self, ConsoleError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = ConsoleUser::from_request(req, payload);
        let multipart = actix_multipart::Multipart::new(req.headers(), payload.take());
        Box::pin(async move {
            let user = user.await?;
            let read = read_multipart(multipart, LIMIT).await;
            let Ok((fields, upload)) = read else {
                tracing::warn!(user_id = %user.user_id, "console upload refused: not a readable multipart form");
                return Err(super::error::csrf_refused(&user));
            };
            let token = fields.get("csrf_token").map(String::as_str).unwrap_or_default();
            if !csrf_ok(&user.csrf_token, token) {
                tracing::warn!(user_id = %user.user_id, "console upload refused: CSRF token missing or wrong");
                return Err(super::error::csrf_refused(&user));
            }
            Ok(MultipartPost { user, fields, upload })
        })
    }
}

/// The parts of a multipart form: text fields by name, and the one file.
async fn read_multipart(
    mut form: actix_multipart::Multipart,
    limit: usize,
) -> Result<(std::collections::HashMap<String, String>, Upload), ()> {
    use futures_util::StreamExt;
    const TEXT_LIMIT: usize = 4096;
    let mut fields = std::collections::HashMap::new();
    let mut upload = Upload::Missing;
    let (mut parts, mut total) = (0, 0usize);
    while let Some(field) = form.next().await {
        let mut field = field.map_err(drop)?;
        parts += 1;
        if parts > 8 {
            return Err(());
        }
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.content_disposition().and_then(|d| d.get_filename()).is_some();
        let declared = field.content_type().map(|m| m.essence_str().to_owned());
        let cap = if is_file { limit } else { TEXT_LIMIT };
        let mut bytes = Vec::new();
        let mut over = false;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(drop)?;
            total += chunk.len();
            if total > 4 * limit.max(TEXT_LIMIT) {
                return Err(());
            }
            // Past the limit the rest is read and dropped (up to four times
            // the limit), so that the form's other fields still arrive and
            // the page can say the photo was too large.
            if !over && bytes.len() + chunk.len() > cap {
                over = true;
                bytes = Vec::new();
            }
            if !over {
                bytes.extend_from_slice(&chunk);
            }
        }
        if is_file {
            upload = match (over, bytes.is_empty()) {
                (true, _) => Upload::TooLarge,
                (false, true) => Upload::Missing,
                (false, false) => Upload::File(UploadedFile { bytes, declared }),
            };
        } else if over {
            return Err(());
        } else {
            fields.insert(name, String::from_utf8(bytes).map_err(drop)?);
        }
    }
    Ok((fields, upload))
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
    fn floor_roles_see_only_their_screens_and_the_shared_ones() {
        for role in [Role::Receiver, Role::Qc, Role::Picker, Role::Packer, Role::Shipping, Role::Returns] {
            assert!(Area::Dashboard.allows(role) && Area::Bins.allows(role) && Area::Stock.allows(role));
            for area in [
                Area::BinImport,
                Area::BinLabels,
                Area::Suppliers,
                Area::SupplierAdmin,
                Area::ApiKeys,
                Area::Staff,
                Area::StockAdmin,
                Area::InboundAdmin,
                Area::Outbound,
            ] {
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
    fn sign_in_returns_only_to_console_pages() {
        assert_eq!(safe_next(Some("/console/bins?zone=A")), "/console/bins?zone=A");
        assert_eq!(safe_next(Some("/console")), "/console");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/consolex",
            "/api/v1/me",
            "/console/\\evil",
            "/console/login?next=/console",
        ] {
            assert_eq!(safe_next(Some(bad)), "/console", "{bad}");
        }
        assert_eq!(safe_next(None), "/console");
    }

    #[test]
    fn the_scan_of_an_expired_form_is_found_by_its_field() {
        assert_eq!(scanned_in(b"csrf_token=x&scan=a-01-01-01").as_deref(), Some("a-01-01-01"));
        assert_eq!(scanned_in(b"csrf_token=x&barcode=6901234567892&bin=").as_deref(), Some("6901234567892"));
        assert_eq!(scanned_in(b"csrf_token=x&note=hello"), None);
        assert_eq!(scanned_in(b"\xff\xfe"), None);
    }

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        assert!(plausible_token(&"a".repeat(64)));
        assert!(!plausible_token("abc"));
        assert!(!plausible_token(&"z".repeat(64)));
    }
}
