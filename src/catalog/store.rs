//! SKU rows and queries.

use crate::db::types::Timestamp;
use crate::ids::{SkuId, SupplierId};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::skus;
use crate::paging::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = skus)]
pub struct SkuRow {
    pub id: SkuId,
    pub supplier_id: SupplierId,
    pub sku_code: String,
    pub barcode: String,
    pub name_zh: String,
    pub name_en: String,
    pub declared_weight_g: i32,
    pub declared_length_mm: i32,
    pub declared_width_mm: i32,
    pub declared_height_mm: i32,
    pub declared_value_minor: i64,
    pub declared_currency: String,
    pub hs_code: String,
    pub origin_country: String,
    pub supply_price_minor: i64,
    pub supply_currency: String,
    pub sensitive_flags: i32,
    pub status: String,
    pub measured_weight_g: Option<i32>,
    pub measured_length_mm: Option<i32>,
    pub measured_width_mm: Option<i32>,
    pub measured_height_mm: Option<i32>,
    pub measured_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a list may be narrowed to. `supplier_id` is always set for a
/// supplier caller, so that no list can reach another supplier's rows.
#[derive(Debug, Default, Clone)]
pub struct SkuFilter {
    pub supplier_id: Option<SupplierId>,
    pub status: Option<String>,
    pub barcode: Option<String>,
    pub sku_code: Option<String>,
    pub q: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &SkuRow) -> QueryResult<()> {
    diesel::insert_into(skus::table).values(row).execute(conn).map(drop)
}

/// Many rows: multi-row statements of 1,000 on PostgreSQL, one by one on
/// SQLite (in-process, no round trips).
pub fn insert_many(conn: &mut DbConn, rows: &[SkuRow]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(1000) {
        n += match conn {
            DbConn::Pg(c) => diesel::insert_into(skus::table).values(chunk).execute(c)?,
            DbConn::Sqlite(c) => {
                let mut n = 0;
                for r in chunk {
                    n += diesel::insert_into(skus::table).values(r).execute(c)?;
                }
                n
            }
        };
    }
    Ok(n)
}

pub fn by_id(conn: &mut DbConn, id: SkuId) -> QueryResult<Option<SkuRow>> {
    skus::table.find(id).select(SkuRow::as_select()).first(conn).optional()
}

pub fn by_ids(conn: &mut DbConn, ids: &[SkuId]) -> QueryResult<Vec<SkuRow>> {
    skus::table.filter(skus::id.eq_any(ids)).select(SkuRow::as_select()).load(conn)
}

pub fn by_barcode(conn: &mut DbConn, barcode: &str) -> QueryResult<Option<SkuRow>> {
    skus::table.filter(skus::barcode.eq(barcode)).select(SkuRow::as_select()).first(conn).optional()
}

pub fn exists_code(conn: &mut DbConn, supplier_id: SupplierId, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        skus::table.filter(skus::supplier_id.eq(supplier_id)).filter(skus::sku_code.eq(code)),
    ))
    .get_result(conn)
}

pub fn list(conn: &mut DbConn, f: &SkuFilter, page: PageRequest) -> QueryResult<Vec<SkuRow>> {
    let mut q = skus::table.select(SkuRow::as_select()).order(skus::id).into_boxed();
    if let Some(after) = page.after {
        q = q.filter(skus::id.gt(SkuId(after)));
    }
    if let Some(s) = f.supplier_id {
        q = q.filter(skus::supplier_id.eq(s));
    }
    if let Some(s) = &f.status {
        q = q.filter(skus::status.eq(s.clone()));
    }
    if let Some(b) = &f.barcode {
        q = q.filter(skus::barcode.eq(b.clone()));
    }
    if let Some(c) = &f.sku_code {
        q = q.filter(skus::sku_code.eq(c.clone()));
    }
    if let Some(text) = &f.q {
        let pattern = format!("%{}%", text.replace(['\\', '%', '_'], ""));
        q = q.filter(
            skus::name_en
                .like(pattern.clone())
                .or(skus::name_zh.like(pattern.clone()))
                .or(skus::sku_code.like(pattern.to_ascii_uppercase())),
        );
    }
    q.limit(page.limit + 1).load(conn)
}

pub fn set_status(conn: &mut DbConn, id: SkuId, status: &str, now: Timestamp) -> QueryResult<usize> {
    diesel::update(skus::table.find(id))
        .set((skus::status.eq(status), skus::updated_at.eq(now)))
        .execute(conn)
}

pub fn set_measured(
    conn: &mut DbConn,
    id: SkuId,
    m: &super::domain::Physical,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(skus::table.find(id))
        .set((
            skus::measured_weight_g.eq(Some(m.weight_g)),
            skus::measured_length_mm.eq(Some(m.length_mm)),
            skus::measured_width_mm.eq(Some(m.width_mm)),
            skus::measured_height_mm.eq(Some(m.height_mm)),
            skus::measured_at.eq(Some(now)),
            skus::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    skus::table.count().get_result(conn)
}
