//! Staff accounts (admin): the list, a new account with its role and first
//! password, deactivation (which ends the person's sessions) and
//! reactivation.

use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::Role;
use crate::auth::service::{self as auth, NewUser, StaffUser};
use crate::console::error::{self, ConsoleError};
use crate::console::flash::Flash;
use crate::console::layout::{self, Choice, Ui};
use crate::console::session::{Area, ConsoleUser, Post};
use crate::error::AppError;
use crate::http::AppState;
use crate::ids::UserId;

#[derive(Default, Clone, Deserialize)]
#[serde(default)]
pub struct StaffForm {
    pub username: String,
    pub display_name: String,
    pub role: String,
    /// Never sent back to the page.
    pub password: String,
}

pub struct StaffRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
    pub last_login: Option<String>,
    pub is_me: bool,
}

#[derive(Template)]
#[template(path = "console/staff.html")]
struct StaffPage {
    ui: Ui,
    users: Vec<StaffRow>,
    roles: Vec<Choice>,
    username: String,
    display_name: String,
}

async fn render(state: &AppState, user: &ConsoleUser, ui: Ui) -> Result<HttpResponse, ConsoleError> {
    let form = StaffForm {
        username: ui.kept("username").to_owned(),
        display_name: ui.kept("display_name").to_owned(),
        role: ui.kept("role").to_owned(),
        password: String::new(),
    };
    let users: Vec<StaffUser> = crate::db::run(&state.pool, auth::list_users).await?;
    let users = users
        .into_iter()
        .map(|u| StaffRow {
            id: u.id.to_string(),
            is_me: u.id == user.user_id,
            role: ui.word("role", u.role.as_str()),
            username: u.username,
            display_name: u.display_name,
            active: u.active,
            last_login: u.last_login_at.as_ref().map(|t| ui.when(t)),
        })
        .collect();
    let roles = Role::ALL
        .into_iter()
        .map(|r| Choice {
            value: r.as_str().into(),
            label: ui.word("role", r.as_str()),
            selected: form.role == r.as_str(),
        })
        .collect();
    layout::page(
        StatusCode::OK,
        &StaffPage { ui, users, roles, username: form.username, display_name: form.display_name },
    )
}

pub async fn list(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Staff)?;
    let ui = Ui::for_user(&user, Area::Staff, "staff.title");
    render(&state, &user, ui).await
}

pub async fn create(state: web::Data<AppState>, post: Post<StaffForm>) -> Result<HttpResponse, ConsoleError> {
    let Post { user, mut form } = post;
    user.require(Area::Staff)?;
    let password = std::mem::take(&mut form.password);
    let (username, display_name, role) =
        (form.username.clone(), form.display_name.clone(), form.role.clone());
    let made = crate::db::transact(&state.pool, move |tx| {
        auth::create_user(
            tx,
            NewUser { username: &username, display_name: &display_name, role: &role, password: &password },
        )
    })
    .await;
    let flash = match made {
        Ok(u) => {
            tracing::info!(user_id = %user.user_id, new_user_id = %u.id, role = u.role.as_str(), "staff account created from the console");
            Flash::ok(crate::console::i18n::t(user.lang, "ok.staff_created"))
        }
        // The password is never sent back.
        Err(e) => layout::refusal(&user, e)?.with_form([
            ("username", form.username.as_str()),
            ("display_name", form.display_name.as_str()),
            ("role", form.role.as_str()),
        ]),
    };
    Ok(layout::back(&user, "/console/staff", flash))
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

pub async fn set_active(
    state: web::Data<AppState>,
    id: web::Path<String>,
    post: Post<ActiveForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Staff)?;
    let Ok(id) = UserId::from_str(&id) else {
        return Err(error::for_user(&user, Area::Staff, StatusCode::NOT_FOUND, "err.not_found"));
    };
    let active = match form.active.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(error::bad_form(&user)),
    };
    // An admin who deactivates themselves locks the console's door behind them.
    if id == user.user_id && !active {
        let e = AppError::conflict("self_deactivation", "You cannot deactivate your own account.");
        return Ok(layout::back(&user, "/console/staff", layout::refusal(&user, e)?));
    }
    match crate::db::transact(&state.pool, move |tx| auth::set_user_active(tx, id, active)).await {
        Ok(()) => {
            state.api_keys.forget_all();
            tracing::info!(user_id = %user.user_id, target_user_id = %id, active, "staff account status set from the console");
            let flash = Flash::ok(crate::console::i18n::t(user.lang, "ok.staff_updated"));
            Ok(layout::back(&user, "/console/staff", flash))
        }
        Err(AppError::NotFound { .. }) => {
            Err(error::for_user(&user, Area::Staff, StatusCode::NOT_FOUND, "err.not_found"))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "console/pii_reads.html")]
struct PiiReadsPage {
    ui: Ui,
    items: Vec<crate::outbound::pii::PiiRead>,
    order_no: String,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PiiReadsQuery {
    pub order_no: String,
}

/// The audit log of reads of buyers' full data (admin): who printed which
/// order's label, when; the last 200, or one order's.
pub async fn pii_reads(
    state: web::Data<AppState>,
    user: ConsoleUser,
    q: web::Query<PiiReadsQuery>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Staff)?;
    let ui = Ui::for_user(&user, Area::Staff, "pii_reads.title");
    let order_no = q.into_inner().order_no.trim().to_owned();
    let filter = (!order_no.is_empty()).then(|| order_no.clone());
    let items =
        crate::db::run(&state.pool, move |c| crate::outbound::pii::reads(c, filter.as_deref(), 200)).await?;
    layout::page(StatusCode::OK, &PiiReadsPage { ui, items, order_no })
}
