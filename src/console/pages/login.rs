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
//! Throttling: [`crate::auth::throttle::LoginThrottle`] keyed by username
//! and the peer address of the TCP connection (not `X-Forwarded-For`, which
//! the client controls). Only wrong credentials count as failures; a
//! refused CSRF token or a locked-out attempt does not.

use actix_web::cookie::SameSite;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::console::error::ConsoleError;
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
}

fn login_page(
    state: &AppState,
    lang: Lang,
    csrf: String,
    username: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let mut ui = Ui::anonymous(lang, &state.config.warehouse_code, "login.title");
    ui.csrf = csrf.clone();
    let mut resp = layout::page(status, &LoginPage { ui, username, error })?;
    let mut cookie = session::cookie(LOGIN_CSRF_COOKIE, csrf, state.config.cookie_secure, SameSite::Strict);
    cookie.set_path("/console/login");
    resp.add_cookie(&cookie).map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(resp)
}

/// The login form's token: the one already in the browser's cookie when it
/// looks like ours (two open login tabs keep working), else a new one.
fn login_token(req: &HttpRequest) -> String {
    req.cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 48 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(crate::auth::domain::new_csrf_token)
}

pub async fn form(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ConsoleError> {
    // Already signed in: straight to the dashboard.
    if ConsoleUser::extract(&req).await.is_ok() {
        return Ok(layout::see_other("/console"));
    }
    login_page(&state, Lang::of(&req), login_token(&req), String::new(), None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, ConsoleError> {
    let form = form.into_inner();
    let lang = Lang::of(&req);
    let username = form.username.trim().to_owned();
    let retry = |token: String, key: &str, status| {
        login_page(&state, lang, token, username.clone(), Some(i18n::t(lang, key).to_owned()), status)
    };

    let cookie_token = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if !session::csrf_ok(&cookie_token, &form.csrf_token) {
        tracing::warn!("console login refused: login CSRF token missing or wrong");
        return retry(crate::auth::domain::new_csrf_token(), "login.expired", StatusCode::FORBIDDEN);
    }
    if username.is_empty() || form.password.is_empty() {
        return retry(cookie_token, "login.missing", StatusCode::UNPROCESSABLE_ENTITY);
    }

    let addr = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    if let Some(secs) = state.login_throttle.locked_for(&username, &addr) {
        tracing::warn!("console login refused: too many failures");
        let message = i18n::t(lang, "login.locked").replace("{n}", &secs.div_ceil(60).to_string());
        return login_page(
            &state,
            lang,
            cookie_token,
            username,
            Some(message),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }

    // Password hashing is slow: checked outside any write transaction.
    let (name, password) = (username.clone(), form.password);
    let user =
        crate::db::run(&state.pool, move |c| crate::auth::service::check_password(c, &name, &password))
            .await?;
    let Some(user) = user else {
        state.login_throttle.failed(&username, &addr);
        tracing::info!("console login failed: wrong credentials");
        return retry(cookie_token, "login.wrong", StatusCode::UNAUTHORIZED);
    };
    state.login_throttle.succeeded(&username, &addr);

    let ttl = chrono::Duration::hours(state.config.session_ttl_hours);
    let logged_in =
        crate::db::transact(&state.pool, move |tx| crate::auth::service::open_session(tx, user.clone(), ttl))
            .await?;
    tracing::info!(user_id = %logged_in.user.id, "console login");
    let mut resp = layout::see_other("/console");
    let mut spent = session::removal(LOGIN_CSRF_COOKIE);
    spent.set_path("/console/login");
    resp.add_cookie(&session::session_cookie(logged_in.token, &state))
        .and_then(|()| resp.add_cookie(&spent))
        .map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("cookie: {e}")))?;
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

/// Only console paths: the switch must not become an open redirect.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if (n == "/console" || n.starts_with("/console/") || n.starts_with("/console?"))
                && !n.contains(['\\', '\r', '\n']) =>
        {
            n
        }
        _ => "/console",
    }
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
    let mut resp = layout::see_other(safe_next(q.next.as_deref()));
    resp.add_cookie(&cookie).map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_switch_returns_only_to_console_pages() {
        assert_eq!(safe_next(Some("/console/bins?zone=A")), "/console/bins?zone=A");
        assert_eq!(safe_next(Some("/console")), "/console");
        for bad in ["https://evil.example", "//evil.example", "/consolex", "/api/v1/me", "/console/\\evil"] {
            assert_eq!(safe_next(Some(bad)), "/console", "{bad}");
        }
        assert_eq!(safe_next(None), "/console");
    }
}
