//! Supplier rows and queries.

use crate::db::types::Timestamp;
use crate::ids::SupplierId;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::suppliers;
use crate::paging::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = suppliers)]
pub struct SupplierRow {
    pub id: SupplierId,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub return_address: String,
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

pub fn insert(conn: &mut DbConn, row: &SupplierRow) -> QueryResult<()> {
    diesel::insert_into(suppliers::table).values(row).execute(conn).map(drop)
}

pub fn by_id(conn: &mut DbConn, id: SupplierId) -> QueryResult<Option<SupplierRow>> {
    suppliers::table.find(id).select(SupplierRow::as_select()).first(conn).optional()
}

pub fn by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<SupplierRow>> {
    suppliers::table.filter(suppliers::code.eq(code)).select(SupplierRow::as_select()).first(conn).optional()
}

pub fn list(conn: &mut DbConn, status: Option<&str>, page: PageRequest) -> QueryResult<Vec<SupplierRow>> {
    let mut q = suppliers::table.select(SupplierRow::as_select()).order(suppliers::id).into_boxed();
    if let Some(after) = page.after {
        q = q.filter(suppliers::id.gt(SupplierId(after)));
    }
    if let Some(s) = status {
        q = q.filter(suppliers::status.eq(s.to_owned()));
    }
    q.limit(page.limit + 1).load(conn)
}

pub fn set_status(conn: &mut DbConn, id: SupplierId, status: &str, now: Timestamp) -> QueryResult<usize> {
    diesel::update(suppliers::table.find(id))
        .set((suppliers::status.eq(status), suppliers::updated_at.eq(now)))
        .execute(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    suppliers::table.count().get_result(conn)
}
