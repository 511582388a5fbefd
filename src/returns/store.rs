//! Returns' rows and queries (private to the module).

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{
    return_liabilities, return_lines, return_photos, return_policies, return_units, returns,
    unidentified_returns,
};
use crate::db::types::Timestamp;
use crate::ids::{
    BinId, OrderId, ReturnId, ReturnLiabilityId, ReturnPhotoId, ReturnPolicyId, ReturnUnitId, SkuId,
    SupplierId, UnidentifiedReturnId,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = return_policies)]
pub struct PolicyRow {
    pub id: ReturnPolicyId,
    pub market: String,
    pub version: i32,
    pub effective_from: Timestamp,
    pub rules: String,
    pub note: String,
    pub created_by: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = returns)]
pub struct ReturnRow {
    pub id: ReturnId,
    pub return_no: String,
    pub platform_return_id: String,
    pub order_id: OrderId,
    pub return_type: String,
    pub reason_code: String,
    pub reason_class: String,
    pub status: String,
    pub return_tracking_no: Option<String>,
    pub policy_id: ReturnPolicyId,
    pub decision: String,
    pub currency: String,
    pub refund_minor: i64,
    pub shipping_cost_minor: Option<i64>,
    pub requested_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub arrived_at: Option<Timestamp>,
    pub arrived_by: Option<String>,
    pub arrival_weight_g: Option<i32>,
    pub expected_weight_g: Option<i32>,
    pub weight_flag: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = return_lines)]
pub struct LineRow {
    pub return_id: ReturnId,
    pub line_no: i32,
    pub sku_id: SkuId,
    pub owner_id: SupplierId,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub keep: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = return_liabilities)]
pub struct LiabilityRow {
    pub id: ReturnLiabilityId,
    pub return_id: ReturnId,
    pub party: String,
    pub owner_id: Option<SupplierId>,
    pub kind: String,
    pub amount_minor: i64,
    pub currency: String,
    pub created_at: Timestamp,
}

/// The market's version in force at `at`: the latest that took effect.
pub fn policy_at(conn: &mut DbConn, market: &str, at: Timestamp) -> QueryResult<Option<PolicyRow>> {
    return_policies::table
        .filter(return_policies::market.eq(market))
        .filter(return_policies::effective_from.le(at))
        .order(return_policies::effective_from.desc())
        .select(PolicyRow::as_select())
        .first(conn)
        .optional()
}

pub fn policy(conn: &mut DbConn, id: ReturnPolicyId) -> QueryResult<PolicyRow> {
    return_policies::table.find(id).select(PolicyRow::as_select()).first(conn)
}

/// The market's versions, newest first.
pub fn policies(conn: &mut DbConn, market: Option<&str>) -> QueryResult<Vec<PolicyRow>> {
    let mut q = return_policies::table.select(PolicyRow::as_select()).into_boxed();
    if let Some(m) = market {
        q = q.filter(return_policies::market.eq(m.to_owned()));
    }
    q.order((return_policies::market, return_policies::version.desc())).limit(500).load(conn)
}

/// The market's latest version (by number), if any.
pub fn latest_policy(conn: &mut DbConn, market: &str) -> QueryResult<Option<PolicyRow>> {
    return_policies::table
        .filter(return_policies::market.eq(market))
        .order(return_policies::version.desc())
        .select(PolicyRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_policy(tx: &mut DbConn, row: &PolicyRow) -> QueryResult<()> {
    diesel::insert_into(return_policies::table).values(row).execute(tx).map(drop)
}

pub fn by_platform_id(conn: &mut DbConn, platform_return_id: &str) -> QueryResult<Option<ReturnRow>> {
    returns::table
        .filter(returns::platform_return_id.eq(platform_return_id))
        .select(ReturnRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConn, id: ReturnId) -> QueryResult<Option<ReturnRow>> {
    returns::table.find(id).select(ReturnRow::as_select()).first(conn).optional()
}

pub fn by_no(conn: &mut DbConn, return_no: &str) -> QueryResult<Option<ReturnRow>> {
    returns::table
        .filter(returns::return_no.eq(return_no))
        .select(ReturnRow::as_select())
        .first(conn)
        .optional()
}

/// Returns, newest first: all, or those with goods of `owner`.
pub fn list(
    conn: &mut DbConn,
    owner: Option<SupplierId>,
    status: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ReturnRow>> {
    let mut q = returns::table.select(ReturnRow::as_select()).into_boxed();
    if let Some(o) = owner {
        q = q.filter(returns::id.eq_any(
            return_lines::table.filter(return_lines::owner_id.eq(o)).select(return_lines::return_id),
        ));
    }
    if let Some(s) = status {
        q = q.filter(returns::status.eq(s.to_owned()));
    }
    q.order((returns::created_at.desc(), returns::id.desc())).limit(limit).load(conn)
}

/// Returns whose parcel arrived before `cutoff` and are not fully graded,
/// oldest first: past the grading deadline.
pub fn overdue(
    conn: &mut DbConn,
    cutoff: Timestamp,
    owner: Option<SupplierId>,
) -> QueryResult<Vec<ReturnRow>> {
    let mut q = returns::table
        .filter(returns::status.eq("arrived"))
        .filter(returns::arrived_at.lt(cutoff))
        .select(ReturnRow::as_select())
        .into_boxed();
    if let Some(o) = owner {
        q = q.filter(returns::id.eq_any(
            return_lines::table.filter(return_lines::owner_id.eq(o)).select(return_lines::return_id),
        ));
    }
    q.order(returns::arrived_at).limit(500).load(conn)
}

/// Units of each order line in the order's returns that still hold units
/// (not cancelled, not rejected).
pub fn units_returning(conn: &mut DbConn, order: OrderId, holding: &[&str]) -> QueryResult<Vec<(i32, i32)>> {
    return_lines::table
        .inner_join(returns::table)
        .filter(returns::order_id.eq(order))
        .filter(returns::status.eq_any(holding))
        .select((return_lines::line_no, return_lines::quantity))
        .load(conn)
}

pub fn insert(
    tx: &mut DbConn,
    row: &ReturnRow,
    lines: &[LineRow],
    liabilities: &[LiabilityRow],
) -> QueryResult<()> {
    diesel::insert_into(returns::table).values(row).execute(tx)?;
    for l in lines {
        diesel::insert_into(return_lines::table).values(l).execute(tx)?;
    }
    for l in liabilities {
        diesel::insert_into(return_liabilities::table).values(l).execute(tx)?;
    }
    Ok(())
}

pub fn lines(conn: &mut DbConn, id: ReturnId) -> QueryResult<Vec<LineRow>> {
    return_lines::table
        .filter(return_lines::return_id.eq(id))
        .order(return_lines::line_no)
        .select(LineRow::as_select())
        .load(conn)
}

pub fn liabilities(conn: &mut DbConn, id: ReturnId) -> QueryResult<Vec<LiabilityRow>> {
    return_liabilities::table
        .filter(return_liabilities::return_id.eq(id))
        .order(return_liabilities::id)
        .select(LiabilityRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = return_units)]
pub struct UnitRow {
    pub id: ReturnUnitId,
    pub return_id: ReturnId,
    pub line_no: i32,
    pub unit_no: i32,
    pub grade: Option<String>,
    pub grade_note: String,
    pub graded_by: Option<String>,
    pub graded_at: Option<Timestamp>,
    pub disposition: Option<String>,
    pub bin_id: Option<BinId>,
    pub disposed_by: Option<String>,
    pub disposed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = unidentified_returns)]
pub struct UnidentifiedRow {
    pub id: UnidentifiedReturnId,
    pub code: String,
    pub weight_g: i32,
    pub note: String,
    pub status: String,
    pub resolved_return_id: Option<ReturnId>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<Timestamp>,
}

/// Returns awaiting their parcel: by the buyer's tracking number, by their
/// order, or with a line of this SKU (oldest first).
pub fn awaiting_by_tracking(conn: &mut DbConn, tracking_no: &str) -> QueryResult<Vec<ReturnRow>> {
    returns::table
        .filter(returns::return_tracking_no.eq(tracking_no))
        .filter(returns::status.eq("awaiting_parcel"))
        .select(ReturnRow::as_select())
        .load(conn)
}

pub fn awaiting_of_order(conn: &mut DbConn, order: OrderId) -> QueryResult<Vec<ReturnRow>> {
    returns::table
        .filter(returns::order_id.eq(order))
        .filter(returns::status.eq("awaiting_parcel"))
        .order(returns::created_at)
        .select(ReturnRow::as_select())
        .load(conn)
}

pub fn awaiting_with_sku(conn: &mut DbConn, sku: SkuId) -> QueryResult<Vec<ReturnRow>> {
    returns::table
        .filter(returns::status.eq("awaiting_parcel"))
        .filter(
            returns::id.eq_any(
                return_lines::table
                    .filter(return_lines::sku_id.eq(sku))
                    .filter(return_lines::keep.eq(false))
                    .select(return_lines::return_id),
            ),
        )
        .order(returns::created_at)
        .select(ReturnRow::as_select())
        .load(conn)
}

/// Records the arrival: 1, or 0 if the return was not awaiting its parcel.
pub fn mark_arrived(
    tx: &mut DbConn,
    id: ReturnId,
    by: &str,
    weight_g: i32,
    expected_g: Option<i32>,
    flag: Option<&str>,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(returns::table.find(id).filter(returns::status.eq("awaiting_parcel")))
        .set((
            returns::status.eq("arrived"),
            returns::arrived_at.eq(Some(now)),
            returns::arrived_by.eq(Some(by)),
            returns::arrival_weight_g.eq(Some(weight_g)),
            returns::expected_weight_g.eq(expected_g),
            returns::weight_flag.eq(flag),
            returns::updated_at.eq(now),
        ))
        .execute(tx)
}

pub fn move_status(
    tx: &mut DbConn,
    id: ReturnId,
    from: &str,
    to: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(returns::table.find(id).filter(returns::status.eq(from)))
        .set((returns::status.eq(to), returns::updated_at.eq(now)))
        .execute(tx)
}

pub fn insert_unit(tx: &mut DbConn, row: &UnitRow) -> QueryResult<()> {
    diesel::insert_into(return_units::table).values(row).execute(tx).map(drop)
}

pub fn units(conn: &mut DbConn, id: ReturnId) -> QueryResult<Vec<UnitRow>> {
    return_units::table
        .filter(return_units::return_id.eq(id))
        .order((return_units::line_no, return_units::unit_no))
        .select(UnitRow::as_select())
        .load(conn)
}

/// Grades a unit not dispositioned yet: 1, or 0.
pub fn grade_unit(
    tx: &mut DbConn,
    id: ReturnUnitId,
    grade: &str,
    note: &str,
    by: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(return_units::table.find(id).filter(return_units::disposition.is_null()))
        .set((
            return_units::grade.eq(Some(grade)),
            return_units::grade_note.eq(note),
            return_units::graded_by.eq(Some(by)),
            return_units::graded_at.eq(Some(now)),
        ))
        .execute(tx)
}

/// Dispositions a graded unit once: 1, or 0.
pub fn dispose_unit(
    tx: &mut DbConn,
    id: ReturnUnitId,
    disposition: &str,
    bin: Option<BinId>,
    by: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(
        return_units::table
            .find(id)
            .filter(return_units::disposition.is_null())
            .filter(return_units::grade.is_not_null()),
    )
    .set((
        return_units::disposition.eq(Some(disposition)),
        return_units::bin_id.eq(bin),
        return_units::disposed_by.eq(Some(by)),
        return_units::disposed_at.eq(Some(now)),
    ))
    .execute(tx)
}

pub fn insert_unidentified(tx: &mut DbConn, row: &UnidentifiedRow) -> QueryResult<()> {
    diesel::insert_into(unidentified_returns::table).values(row).execute(tx).map(drop)
}

pub fn unidentified(conn: &mut DbConn, id: UnidentifiedReturnId) -> QueryResult<Option<UnidentifiedRow>> {
    unidentified_returns::table.find(id).select(UnidentifiedRow::as_select()).first(conn).optional()
}

pub fn open_unidentified(conn: &mut DbConn) -> QueryResult<Vec<UnidentifiedRow>> {
    unidentified_returns::table
        .filter(unidentified_returns::status.eq("open"))
        .order(unidentified_returns::created_at)
        .limit(500)
        .select(UnidentifiedRow::as_select())
        .load(conn)
}

/// Resolves an open record once: 1, or 0.
pub fn resolve_unidentified(
    tx: &mut DbConn,
    id: UnidentifiedReturnId,
    to: ReturnId,
    by: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(unidentified_returns::table.find(id).filter(unidentified_returns::status.eq("open")))
        .set((
            unidentified_returns::status.eq("resolved"),
            unidentified_returns::resolved_return_id.eq(Some(to)),
            unidentified_returns::resolved_by.eq(Some(by)),
            unidentified_returns::resolved_at.eq(Some(now)),
        ))
        .execute(tx)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = return_photos)]
pub struct NewPhotoRow<'a> {
    pub id: ReturnPhotoId,
    pub return_id: Option<ReturnId>,
    pub unidentified_id: Option<UnidentifiedReturnId>,
    pub line_no: Option<i32>,
    pub unit_no: Option<i32>,
    pub media_type: &'a str,
    pub byte_size: i32,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub taken_by: &'a str,
    pub taken_at: Timestamp,
}

/// A photo without its bytes.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = return_photos)]
pub struct PhotoMeta {
    pub id: ReturnPhotoId,
    pub return_id: Option<ReturnId>,
    pub unidentified_id: Option<UnidentifiedReturnId>,
    pub line_no: Option<i32>,
    pub unit_no: Option<i32>,
    pub media_type: String,
    pub byte_size: i32,
    pub sha256: String,
    pub taken_by: String,
    pub taken_at: Timestamp,
}

pub fn insert_photo(tx: &mut DbConn, row: &NewPhotoRow<'_>) -> QueryResult<()> {
    diesel::insert_into(return_photos::table).values(row).execute(tx).map(drop)
}

/// A return's photos (its own and those of the parcel it was before it
/// was identified), oldest first.
pub fn photos_of_return(conn: &mut DbConn, id: ReturnId) -> QueryResult<Vec<PhotoMeta>> {
    return_photos::table
        .filter(return_photos::return_id.eq(id))
        .order((return_photos::taken_at, return_photos::id))
        .select(PhotoMeta::as_select())
        .load(conn)
}

pub fn photos_of_unidentified(conn: &mut DbConn, id: UnidentifiedReturnId) -> QueryResult<Vec<PhotoMeta>> {
    return_photos::table
        .filter(return_photos::unidentified_id.eq(id))
        .order((return_photos::taken_at, return_photos::id))
        .select(PhotoMeta::as_select())
        .load(conn)
}

pub fn photo(conn: &mut DbConn, id: ReturnPhotoId) -> QueryResult<Option<(PhotoMeta, Vec<u8>)>> {
    return_photos::table
        .find(id)
        .select((PhotoMeta::as_select(), return_photos::content))
        .first(conn)
        .optional()
}

/// The photos of a parcel that turned out to be `to`: now the return's too.
pub fn attach_unidentified_photos(
    tx: &mut DbConn,
    from: UnidentifiedReturnId,
    to: ReturnId,
) -> QueryResult<usize> {
    diesel::update(return_photos::table.filter(return_photos::unidentified_id.eq(from)))
        .set(return_photos::return_id.eq(Some(to)))
        .execute(tx)
}
