//! Supplier use cases. Writes expect the caller's `write_tx`.

use crate::db::types::Timestamp;
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, SupplierId};
use serde::Serialize;

use super::domain::{NewSupplier, SupplierInput};
use super::store::{self, SupplierRow};
use crate::db::DbConn;
use crate::error::AppError;
use crate::paging::{Page, PageRequest};
use crate::values::ActiveStatus;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Supplier {
    pub id: SupplierId,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub return_address: String,
    pub status: ActiveStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl TryFrom<SupplierRow> for Supplier {
    type Error = AppError;
    fn try_from(r: SupplierRow) -> Result<Self, AppError> {
        Ok(Self {
            id: r.id,
            code: r.code,
            name_zh: r.name_zh,
            name_en: r.name_en,
            contact_name: r.contact_name,
            contact_email: r.contact_email,
            contact_phone: r.contact_phone,
            return_address: r.return_address,
            status: ActiveStatus::stored(&r.status, || format!("supplier {}", r.id))?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub fn create(conn: &mut DbConn, input: &SupplierInput) -> Result<Supplier, AppError> {
    let new = NewSupplier::parse(input)?;
    let now = Timestamp::now();
    let row = SupplierRow {
        id: SupplierId::generate(),
        code: new.code,
        name_zh: new.name_zh,
        name_en: new.name_en,
        contact_name: new.contact_name,
        contact_email: new.contact_email,
        contact_phone: new.contact_phone,
        return_address: new.return_address,
        status: new.status.as_str().into(),
        created_at: now,
        updated_at: now,
    };
    store::insert(conn, &row).map_err(|e| {
        if crate::db::is_unique_violation(&e) {
            AppError::conflict("supplier_code_taken", format!("Supplier code {} is already used.", row.code))
        } else {
            e.into()
        }
    })?;
    let supplier: Supplier = row.try_into()?;
    events::record(conn, supplier_event(&supplier, catalog::SUPPLIER_REGISTERED))?;
    Ok(supplier)
}

/// The event of a supplier's change: ids, code and status; never contacts.
fn supplier_event(s: &Supplier, event_type: crate::events::EventType) -> NewEvent {
    NewEvent {
        event_type,
        aggregate_id: AggregateId(s.id.0),
        document_no: s.code.clone(),
        owner: Some(s.id),
        payload: serde_json::json!({"supplier_id": s.id, "code": s.code, "status": s.status}),
    }
}

pub fn get(conn: &mut DbConn, id: SupplierId) -> Result<Supplier, AppError> {
    store::by_id(conn, id)?.map(TryInto::try_into).transpose()?.ok_or(AppError::not_found("supplier"))
}

pub fn by_code(conn: &mut DbConn, code: &str) -> Result<Supplier, AppError> {
    store::by_code(conn, &code.trim().to_ascii_uppercase())?
        .map(TryInto::try_into)
        .transpose()?
        .ok_or(AppError::not_found("supplier"))
}

pub fn is_active(conn: &mut DbConn, id: SupplierId) -> Result<bool, AppError> {
    Ok(store::by_id(conn, id)?.is_some_and(|s| s.status == "active"))
}

pub fn list(
    conn: &mut DbConn,
    status: Option<ActiveStatus>,
    page: PageRequest,
) -> Result<Page<Supplier>, AppError> {
    let rows = store::list(conn, status.map(ActiveStatus::as_str), page)?;
    Page::from_rows(rows, page, |r| r.id.0).try_map(TryInto::try_into)
}

pub fn set_status(conn: &mut DbConn, id: SupplierId, status: ActiveStatus) -> Result<Supplier, AppError> {
    let before = get(conn, id)?;
    if before.status == status {
        return Ok(before);
    }
    store::set_status(conn, id, status.as_str(), Timestamp::now())?;
    let after = get(conn, id)?;
    events::record(conn, supplier_event(&after, catalog::SUPPLIER_STATUS_CHANGED))?;
    Ok(after)
}

pub fn count(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(store::count(conn)?)
}
