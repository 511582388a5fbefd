//! Suppliers: supervisors read the list; admins register, suspend and
//! reactivate.

use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::console::error::{self, ConsoleError};
use crate::console::flash::Flash;
use crate::console::layout::{self, Ui};
use crate::console::session::{Area, ConsoleUser, Post};
use crate::error::AppError;
use crate::http::AppState;
use crate::ids::SupplierId;
use crate::paging::PageParams;
use crate::suppliers::domain::SupplierInput;
use crate::suppliers::service::{self as suppliers, Supplier};
use crate::values::ActiveStatus;

const PAGE_SIZE: i64 = 50;

/// The registration form as typed (kept on a refused submit).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct SupplierForm {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub return_address: String,
}

#[derive(Template)]
#[template(path = "console/suppliers.html")]
struct SuppliersPage {
    ui: Ui,
    suppliers: Vec<Supplier>,
    next_href: Option<String>,
    can_edit: bool,
    form: SupplierForm,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
}

impl SupplierForm {
    fn kept(ui: &Ui) -> Self {
        Self {
            code: ui.kept("code").to_owned(),
            name_zh: ui.kept("name_zh").to_owned(),
            name_en: ui.kept("name_en").to_owned(),
            contact_name: ui.kept("contact_name").to_owned(),
            contact_email: ui.kept("contact_email").to_owned(),
            contact_phone: ui.kept("contact_phone").to_owned(),
            return_address: ui.kept("return_address").to_owned(),
        }
    }

    fn fields(&self) -> [(&'static str, &str); 7] {
        [
            ("code", &self.code),
            ("name_zh", &self.name_zh),
            ("name_en", &self.name_en),
            ("contact_name", &self.contact_name),
            ("contact_email", &self.contact_email),
            ("contact_phone", &self.contact_phone),
            ("return_address", &self.return_address),
        ]
    }
}

async fn render(
    state: &AppState,
    user: &ConsoleUser,
    ui: Ui,
    cursor: Option<String>,
) -> Result<HttpResponse, ConsoleError> {
    let form = SupplierForm::kept(&ui);
    let (ui, page) = match (PageParams { cursor, limit: Some(PAGE_SIZE) }).parse() {
        Ok(p) => (ui, p),
        Err(e) => (ui.with_problems(&e), PageParams { cursor: None, limit: Some(PAGE_SIZE) }.parse()?),
    };
    let page = crate::db::run(&state.pool, move |c| suppliers::list(c, None, page)).await?;
    let next_href = page.next_cursor.map(|c| format!("/console/suppliers?cursor={c}"));
    let can_edit = user.may(Area::SupplierAdmin);
    layout::page(StatusCode::OK, &SuppliersPage { ui, suppliers: page.items, next_href, can_edit, form })
}

pub async fn list(
    state: web::Data<AppState>,
    user: ConsoleUser,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Suppliers)?;
    let ui = Ui::for_user(&user, Area::Suppliers, "suppliers.title");
    render(&state, &user, ui, q.into_inner().cursor).await
}

pub async fn create(
    state: web::Data<AppState>,
    post: Post<SupplierForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::SupplierAdmin)?;
    let input = SupplierInput {
        code: form.code.clone(),
        name_zh: form.name_zh.clone(),
        name_en: form.name_en.clone(),
        contact_name: form.contact_name.clone(),
        contact_email: form.contact_email.clone(),
        contact_phone: form.contact_phone.clone(),
        return_address: form.return_address.clone(),
    };
    let flash = match crate::db::transact(&state.pool, move |tx| suppliers::create(tx, &input)).await {
        Ok(s) => {
            tracing::info!(user_id = %user.user_id, supplier_id = %s.id, "supplier registered from the console");
            Flash::ok(crate::console::i18n::t(user.lang, "ok.supplier_created"))
        }
        Err(e) => layout::refusal(&user, e)?.with_form(form.fields()),
    };
    Ok(layout::back(&user, "/console/suppliers", flash))
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

pub async fn set_status(
    state: web::Data<AppState>,
    id: web::Path<String>,
    post: Post<StatusForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::SupplierAdmin)?;
    let Ok(id) = SupplierId::from_str(&id) else {
        return Err(error::for_user(&user, Area::Suppliers, StatusCode::NOT_FOUND, "err.not_found"));
    };
    let status = match form.status.as_str() {
        "active" => ActiveStatus::Active,
        "suspended" => ActiveStatus::Suspended,
        _ => return Err(error::bad_form(&user)),
    };
    match crate::db::transact(&state.pool, move |tx| suppliers::set_status(tx, id, status)).await {
        Ok(_) => {
            tracing::info!(user_id = %user.user_id, supplier_id = %id, status = status.as_str(), "supplier status set from the console");
            let flash = Flash::ok(crate::console::i18n::t(user.lang, "ok.supplier_status"));
            Ok(layout::back(&user, "/console/suppliers", flash))
        }
        Err(AppError::NotFound { .. }) => {
            Err(error::for_user(&user, Area::Suppliers, StatusCode::NOT_FOUND, "err.not_found"))
        }
        Err(e) => Err(e.into()),
    }
}
