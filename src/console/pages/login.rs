//! Sign-in, sign-out and the language switch.
//!
//! Login CSRF: there is no session yet to hold a token, so the login form
//! uses a double-submit token: `GET /console/login` sets a random
//! `custody_login_csrf` cookie (HttpOnly, SameSite=Strict, path
//! `/console/login`) and puts the same value in a hidden field; the POST
//! must bring both, equal. Another site can neither read the cookie nor
//! make the browser send it (SameSite=Strict), so it cannot sign a victim
//! in to the attacker's account.
//!
//! Throttling: [`crate::auth::throttle::LoginThrottle`] (in the database,
//! shared by every instance) by username
//! and the peer address of the TCP connection (not `X-Forwarded-For`, which
//! the client controls, unless the connection comes from one of
//! `CUSTODY_TRUSTED_PROXIES`: then the last address that proxy added). Only wrong credentials count as failures; a
//! refused CSRF token or a locked-out attempt does not.
//!
//! Post/Redirect/Get here too: a refused sign-in redirects back to the form
//! with what went wrong named by a key (`?e=wrong`), so that a refresh never
//! sends the password again. A worker whose session expired comes here
//! with `next` (the page they were on) and `lost` (the scan that was not
//! recorded); signing in takes them back to `next` and says, loudly, that
//! the scan must be done again.

use actix_web::cookie::SameSite;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::console::error::ConsoleError;
use crate::console::flash::Flash;
use crate::console::i18n::{self, Lang};
use crate::console::layout::{self, Ui};
use crate::console::session::{self, ConsoleUser, NoFields, Post};
use crate::http::AppState;

pub const LOGIN_CSRF_COOKIE: &str = "custody_login_csrf";

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    ui: Ui,
    username: String,
    error: Option<String>,
    next: String,
    lost: String,
    expired: bool,
}

/// The login form's token: the one already in the browser's cookie when it
/// looks like ours (two open login tabs keep working), else a new one.
fn login_token(req: &HttpRequest) -> String {
    req.cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 48 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(crate::auth::domain::new_csrf_token)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginQuery {
    next: String,
    lost: String,
    /// What went wrong with the last attempt: `wrong`, `locked`, `expired`, `missing`.
    e: String,
    /// Minutes left of a lockout.
    m: String,
    u: String,
}

pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<LoginQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let q = q.into_inner();
    let next = session::safe_next(Some(&q.next)).to_owned();
    // Already signed in: straight on.
    if ConsoleUser::extract(&req).await.is_ok() {
        return Ok(layout::see_other(&next));
    }
    let lang = Lang::of(&req);
    let error = match q.e.as_str() {
        "wrong" | "expired" | "missing" => Some(i18n::t(lang, &format!("login.{}", q.e)).to_owned()),
        "locked" => Some(
            i18n::t(lang, "login.locked")
                .replace("{n}", q.m.trim().parse::<u64>().unwrap_or(15).to_string().as_str()),
        ),
        _ => None,
    };
    let csrf = login_token(&req);
    let mut ui = Ui::anonymous(lang, &state.config.warehouse_code, "login.title");
    ui.csrf = csrf.clone();
    let lost = crate::console::flash::shown(&q.lost);
    if !lost.is_empty() {
        ui.alert = Some(Flash::error(i18n::fill(lang, "login.lost", &[("code", lost.clone())])).into());
    }
    let page = LoginPage {
        ui,
        username: q.u.chars().take(64).collect(),
        error,
        next: if next == "/console" { String::new() } else { next },
        lost,
        expired: !q.next.is_empty(),
    };
    let mut resp = layout::page(StatusCode::OK, &page)?;
    let mut cookie = session::cookie(LOGIN_CSRF_COOKIE, csrf, state.config.cookie_secure, SameSite::Strict);
    cookie.set_path("/console/login");
    resp.add_cookie(&cookie).map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(resp)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    lost: String,
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, ConsoleError> {
    let form = form.into_inner();
    let lang = Lang::of(&req);
    let username = form.username.trim().to_owned();
    let next = session::safe_next(Some(&form.next)).to_owned();
    let lost = crate::console::flash::shown(&form.lost);
    // Back to the form, saying what went wrong (never the password).
    let retry = |e: &str, extra: &str| {
        let mut url = format!("/console/login?e={e}{extra}&u={}", layout::urlencode(&username));
        if next != "/console" {
            url.push_str(&format!("&next={}", layout::urlencode(&next)));
        }
        if !lost.is_empty() {
            url.push_str(&format!("&lost={}", layout::urlencode(&lost)));
        }
        Ok(layout::see_other(&url))
    };

    let cookie_token = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if !session::csrf_ok(&cookie_token, &form.csrf_token) {
        tracing::warn!("console login refused: login CSRF token missing or wrong");
        return retry("expired", "");
    }
    if username.is_empty() || form.password.is_empty() {
        return retry("missing", "");
    }

    let addr = client_address(&req, &state.config.trusted_proxies);
    let (throttle, now) = (state.login_throttle, state.clock.now());
    let (who, from) = (username.clone(), addr.clone());
    let locked = crate::db::run(&state.pool, move |c| Ok(throttle.locked_for(c, &who, &from, now)?)).await?;
    if let Some(secs) = locked {
        tracing::warn!("console login refused: too many failures");
        return retry("locked", &format!("&m={}", secs.div_ceil(60)));
    }

    // Password hashing is slow: the account is read, the connection goes
    // back to the pool, and only then is the password checked.
    let name = username.clone();
    let candidate =
        crate::db::run(&state.pool, move |c| crate::auth::service::login_candidate(c, &name)).await?;
    let password = form.password;
    let user = actix_web::web::block(move || candidate.verify(&password))
        .await
        .map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("password check failed: {e}")))?;
    let Some(user) = user else {
        let (who, from) = (username.clone(), addr.clone());
        crate::db::transact(&state.pool, move |tx| Ok(throttle.failed(tx, &who, &from, now)?)).await?;
        tracing::info!("console login failed: wrong credentials");
        return retry("wrong", "");
    };
    let who = username.clone();
    crate::db::transact(&state.pool, move |tx| Ok(throttle.succeeded(tx, &who)?)).await?;

    let ttl = chrono::Duration::hours(state.config.session_ttl_hours);
    let logged_in =
        crate::db::transact(&state.pool, move |tx| crate::auth::service::open_session(tx, user.clone(), ttl))
            .await?;
    tracing::info!(user_id = %logged_in.user.id, "console login");
    let mut resp = layout::see_other(&next);
    let mut spent = session::removal(LOGIN_CSRF_COOKIE);
    spent.set_path("/console/login");
    resp.add_cookie(&session::session_cookie(logged_in.token, &state))
        .and_then(|()| resp.add_cookie(&spent))
        .map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("cookie: {e}")))?;
    if !lost.is_empty() {
        // The scan that was lost is said again on the page the worker is
        // back on, and put back in the field to be scanned again.
        let flash =
            Flash::warn(i18n::fill(lang, "login.scan_again", &[("code", lost.clone())])).scanned(&lost);
        resp.add_cookie(&flash.cookie(&logged_in.csrf_token, state.config.cookie_secure))
            .map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("cookie: {e}")))?;
    }
    Ok(resp)
}

pub async fn logout(state: web::Data<AppState>, post: Post<NoFields>) -> Result<HttpResponse, ConsoleError> {
    let token = post.user.session_token().to_owned();
    crate::db::transact(&state.pool, move |tx| crate::auth::service::logout(tx, &token)).await?;
    tracing::info!(user_id = %post.user.user_id, "console logout");
    let mut resp = layout::see_other("/console/login");
    resp.add_cookie(&session::removal(session::SESSION_COOKIE))
        .map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(resp)
}

#[derive(Deserialize)]
pub struct LangQuery {
    next: Option<String>,
}

/// `GET /console/lang/{zh|en}?next=/console/...`: a link, so that it works
/// on the login page too and from the keyboard. It changes only a display
/// preference, so a forged request does no harm worth a CSRF token.
pub async fn switch_language(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: web::Path<String>,
    q: web::Query<LangQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let Some(lang) = Lang::parse(&lang) else {
        return Err(crate::console::error::not_found(&req));
    };
    let mut cookie =
        session::cookie(Lang::COOKIE, lang.code().to_owned(), state.config.cookie_secure, SameSite::Lax);
    cookie.set_max_age(actix_web::cookie::time::Duration::days(365));
    let mut resp = layout::see_other(session::safe_next(q.next.as_deref()));
    resp.add_cookie(&cookie).map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(resp)
}

/// The address a login attempt counts against: the TCP peer, or behind a
/// trusted load balancer the last `X-Forwarded-For` entry that is not one
/// of the trusted proxies (entries further left were written by the client
/// and prove nothing).
pub fn client_address(req: &HttpRequest, trusted: &[crate::config::Network]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else { return String::new() };
    let is_trusted = |ip: std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer.to_string();
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    forwarded
        .iter()
        .rev()
        .filter_map(|a| a.parse::<std::net::IpAddr>().ok())
        .find(|a| !is_trusted(*a))
        .unwrap_or(peer)
        .to_string()
}

#[cfg(test)]
mod address_tests {
    use super::client_address;

    #[test]
    fn only_a_trusted_proxy_is_believed_about_the_client() {
        let proxy: crate::config::Network = "10.0.0.0/24".parse().unwrap();
        let req = |peer: &str, xff: Option<&str>| {
            let mut r =
                actix_web::test::TestRequest::default().peer_addr(format!("{peer}:4000").parse().unwrap());
            if let Some(x) = xff {
                r = r.insert_header(("x-forwarded-for", x));
            }
            r.to_http_request()
        };
        assert_eq!(
            client_address(&req("203.0.113.9", Some("1.1.1.1")), &[proxy]),
            "203.0.113.9",
            "not a proxy"
        );
        assert_eq!(client_address(&req("10.0.0.5", Some("6.6.6.6, 198.51.100.7")), &[proxy]), "198.51.100.7");
        assert_eq!(client_address(&req("10.0.0.5", None), &[proxy]), "10.0.0.5");
        assert_eq!(client_address(&req("10.0.0.5", Some("junk")), &[proxy]), "10.0.0.5");
        assert_eq!(client_address(&req("10.0.0.5", Some("198.51.100.7")), &[]), "10.0.0.5", "nobody trusted");
    }
}
