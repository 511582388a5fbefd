//! Warehouse layout use cases. Writes expect the caller's `write_tx`.

use crate::db::types::Timestamp;
use crate::ids::{BinId, ZoneId};
use serde::{Deserialize, Serialize};

use super::domain::{BinCode, BinType};
use super::store::{self, BinRow, ZoneRow};
use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::paging::{Page, PageRequest};
use crate::values::{self, Errors};

/// What other capabilities may read of the bins' rows (the store itself is
/// private to `warehouse`).
pub use super::store::{BinFilter, bin_codes, bins_by_ids, empty_storage_bins};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Zone {
    pub id: ZoneId,
    pub code: String,
    pub name: String,
    /// Position of the zone in the walk through the warehouse.
    pub sequence: i32,
}

impl From<ZoneRow> for Zone {
    fn from(r: ZoneRow) -> Self {
        Self { id: r.id, code: r.code, name: r.name, sequence: r.sequence }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Bin {
    pub id: BinId,
    pub code: String,
    pub zone: String,
    pub aisle: i32,
    pub bay: i32,
    pub level: i32,
    pub bin_type: BinType,
    /// Units the bin holds; null means not limited.
    pub capacity_units: Option<i32>,
    /// Position along the picking walk (serpentine through the aisles).
    pub walk_order: i64,
    pub active: bool,
    pub created_at: Timestamp,
}

fn bin((b, z): (BinRow, ZoneRow)) -> Bin {
    Bin {
        id: b.id,
        code: b.code,
        zone: z.code,
        aisle: b.aisle,
        bay: b.bay,
        level: b.level,
        bin_type: BinType::parse("bin_type", &b.bin_type).unwrap_or(BinType::Storage),
        capacity_units: b.capacity_units,
        walk_order: b.walk_order,
        active: b.active,
        created_at: b.created_at,
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneInput {
    /// 1 to 4 letters or digits, starting with a letter, e.g. `A`, `QC`.
    pub code: String,
    pub name: String,
}

pub fn create_zone(conn: &mut DbConn, input: &ZoneInput) -> Result<Zone, AppError> {
    let mut errs = Errors::default();
    let code = errs.take(zone_code(&input.code));
    let name = errs.take(values::text("name", &input.name, 100));
    errs.finish()?;
    let row = ZoneRow {
        id: ZoneId::generate(),
        code: code.expect("checked"),
        name: name.expect("checked"),
        sequence: store::next_zone_sequence(conn)?,
        created_at: Timestamp::now(),
    };
    store::insert_zone(conn, &row).map_err(|e| {
        if crate::db::is_unique_violation(&e) {
            AppError::conflict("zone_code_taken", format!("Zone {} exists.", row.code))
        } else {
            e.into()
        }
    })?;
    Ok(row.into())
}

fn zone_code(s: &str) -> Result<String, FieldError> {
    let t = s.trim().to_ascii_uppercase();
    if (1..=4).contains(&t.len())
        && t.bytes().all(|b| b.is_ascii_alphanumeric())
        && t.as_bytes()[0].is_ascii_alphabetic()
    {
        Ok(t)
    } else {
        Err(FieldError::new(
            "code",
            "invalid_zone_code",
            "must be 1 to 4 letters or digits, starting with a letter",
        ))
    }
}

pub fn zones(conn: &mut DbConn) -> Result<Vec<Zone>, AppError> {
    Ok(store::zones(conn)?.into_iter().map(Into::into).collect())
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BinInput {
    /// `ZONE-AA-BB-LL`, e.g. `A-01-02-03`. The zone must exist.
    pub code: String,
    pub bin_type: BinType,
    pub capacity_units: Option<i64>,
}

/// Creates bins all together or none: every bad line is reported at once.
/// Unknown zones are an error for the API; the CSV import creates them.
pub fn create_bins(conn: &mut DbConn, inputs: &[BinInput], create_zones: bool) -> Result<Vec<Bin>, AppError> {
    if inputs.is_empty() {
        return Err(AppError::invalid("bins", "empty", "no bins given"));
    }
    let mut errs = Errors::default();
    let mut parsed = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, input) in inputs.iter().enumerate() {
        let field = if inputs.len() == 1 { "code".to_owned() } else { format!("bins[{i}].code") };
        let Some(code) = errs.take(BinCode::parse(&field, &input.code)) else { continue };
        if !seen.insert(code.render()) {
            errs.0.push(FieldError::new(&field, "duplicate", format!("{} is listed twice", code.render())));
            continue;
        }
        let cap = match input.capacity_units {
            None => Some(None),
            Some(c) => {
                errs.take(values::positive_i32(&format!("bins[{i}].capacity_units"), c, 10_000_000)).map(Some)
            }
        };
        if let Some(cap) = cap {
            parsed.push((code, input.bin_type, cap));
        }
    }
    errs.finish()?;
    let codes: Vec<String> = parsed.iter().map(|(c, _, _)| c.render()).collect();
    let taken = store::existing_codes(conn, &codes)?;
    if !taken.is_empty() {
        return Err(AppError::conflict(
            "bin_code_taken",
            format!("These bins exist already: {}", taken.join(", ")),
        ));
    }
    let now = Timestamp::now();
    let mut zones: std::collections::HashMap<String, ZoneRow> = std::collections::HashMap::new();
    let mut rows = Vec::with_capacity(parsed.len());
    for (code, bin_type, cap) in parsed {
        if !zones.contains_key(&code.zone) {
            let zone = match store::zone_by_code(conn, &code.zone)? {
                Some(z) => z,
                None if create_zones => {
                    let z =
                        create_zone(conn, &ZoneInput { code: code.zone.clone(), name: code.zone.clone() })?;
                    store::zone_by_code(conn, &z.code)?.expect("just created")
                }
                None => {
                    return Err(AppError::invalid(
                        "code",
                        "unknown_zone",
                        format!("zone {} does not exist; create it first", code.zone),
                    ));
                }
            };
            zones.insert(code.zone.clone(), zone);
        }
        let zone = &zones[&code.zone];
        rows.push(BinRow {
            id: BinId::generate(),
            code: code.render(),
            zone_id: zone.id,
            aisle: code.aisle,
            bay: code.bay,
            level: code.level,
            bin_type: bin_type.as_str().into(),
            capacity_units: cap,
            walk_order: code.walk_order(zone.sequence),
            active: true,
            created_at: now,
        });
    }
    store::insert_bins(conn, &rows)?;
    Ok(rows
        .into_iter()
        .map(|b| {
            let z = zones[&BinCode::parse("c", &b.code).expect("valid").zone].clone();
            bin((b, z))
        })
        .collect())
}

/// Parses a CSV of bins: a header `code,bin_type,capacity_units` then one
/// bin a line. Quotes are not needed for these fields and are refused.
pub fn parse_bins_csv(text: &str) -> Result<Vec<BinInput>, AppError> {
    // RFC 4180 as spreadsheets write it: quoted fields (with commas or
    // doubled quotes inside), CRLF, a UTF-8 byte-order mark, blank lines.
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = match reader.headers() {
        Ok(h) if h.iter().any(|c| !c.is_empty()) => h.clone(),
        Ok(_) => return Err(AppError::invalid("csv", "empty", "the file is empty")),
        Err(e) => {
            return Err(AppError::invalid("csv", "unreadable_csv", format!("the file is not CSV: {e}")));
        }
    };
    let idx = |name: &str| header.iter().position(|c| c.eq_ignore_ascii_case(name));
    let (Some(ci), Some(ti)) = (idx("code"), idx("bin_type")) else {
        return Err(AppError::invalid(
            "csv",
            "bad_header",
            "the first line must name the columns: code,bin_type,capacity_units",
        ));
    };
    let cap_i = idx("capacity_units");
    let mut errs = Errors::default();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errs.0.push(FieldError::new(&format!("line {line}"), "unreadable_csv", e.to_string()));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line_no = record.position().map_or(0, |p| p.line());
        let get = |i: usize| record.get(i).unwrap_or("");
        let Some(t) = errs.take(BinType::parse(&format!("line {line_no}: bin_type"), get(ti))) else {
            continue;
        };
        let cap = match cap_i.map(get).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match s.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errs.0.push(FieldError::new(
                        &format!("line {line_no}: capacity_units"),
                        "not_a_number",
                        "must be a whole number",
                    ));
                    continue;
                }
            },
        };
        if let Err(e) = BinCode::parse(&format!("line {line_no}: code"), get(ci)) {
            errs.0.push(e);
            continue;
        }
        out.push(BinInput { code: get(ci).to_owned(), bin_type: t, capacity_units: cap });
    }
    errs.finish()?;
    Ok(out)
}

pub fn by_code(conn: &mut DbConn, code: &str) -> Result<Bin, AppError> {
    let code = code.trim().to_ascii_uppercase();
    store::bin_by_code(conn, &code)?.map(bin).ok_or(AppError::not_found("bin"))
}

pub fn by_id(conn: &mut DbConn, id: BinId) -> Result<Bin, AppError> {
    store::bin_by_id(conn, id)?.map(bin).ok_or(AppError::not_found("bin"))
}

/// A bin that stock may be stored in: it exists, is active and is a
/// storage, pick-face or mixed bin. `field` names the field in errors.
pub fn storage_bin(conn: &mut DbConn, field: &str, code: &str) -> Result<Bin, AppError> {
    let code = code.trim().to_ascii_uppercase();
    let Some(found) = store::bin_by_code(conn, &code)?.map(bin) else {
        return Err(AppError::invalid(field, "unknown_bin", format!("No bin has the code {code}.")));
    };
    if !found.active {
        return Err(AppError::invalid(field, "bin_inactive", format!("Bin {code} is not in use.")));
    }
    if !found.bin_type.is_storage() {
        return Err(AppError::invalid(
            field,
            "not_a_storage_bin",
            format!(
                "Bin {code} is a {} bin; stock is stored in storage, pick-face or mixed bins.",
                found.bin_type.as_str()
            ),
        ));
    }
    Ok(found)
}

pub fn list(conn: &mut DbConn, f: &BinFilter, page: PageRequest) -> Result<Page<Bin>, AppError> {
    let rows = store::list_bins(conn, f, page)?;
    Ok(Page::from_rows(rows, page, |(b, _)| b.id.0).map(bin))
}

/// The most bins one batch of labels prints.
pub const MAX_LABEL_BATCH: i64 = 500;

/// Bins to label: a zone and/or a range of codes (inclusive), in walk order.
pub fn for_labels(
    conn: &mut DbConn,
    zone: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Vec<Bin>, AppError> {
    if zone.is_none() && from.is_none() && to.is_none() {
        return Err(AppError::invalid("zone", "range_required", "Choose a zone or a range of bin codes."));
    }
    Ok(store::bins_for_labels(conn, zone, from, to, MAX_LABEL_BATCH)?.into_iter().map(bin).collect())
}

pub fn count(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(store::count_bins(conn)?)
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    #[test]
    fn spreadsheet_csv_reads_quoted_fields_crlf_and_a_bom() {
        let text = "\u{feff}Code,\"bin_type\",capacity_units\r\n\"A-01-01-01\",storage,500\r\n\r\nA-01-01-02,\"pick_face\",\r\n";
        let bins = parse_bins_csv(text).unwrap();
        let got: Vec<(&str, Option<i64>)> =
            bins.iter().map(|b| (b.code.as_str(), b.capacity_units)).collect();
        assert_eq!(got, [("A-01-01-01", Some(500)), ("A-01-01-02", None)]);
        assert_eq!(bins[1].bin_type, BinType::PickFace);
    }

    #[test]
    fn problems_name_their_line_and_the_whole_file_is_refused() {
        let text =
            "code,bin_type,capacity_units\nA-01-01-01,storage,lots\n\"A,01\",storage,1\nA-01-01-03,shelf,1\n";
        let Err(AppError::Validation { errors, .. }) = parse_bins_csv(text) else { panic!("refused") };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["line 2: capacity_units", "line 3: code", "line 4: bin_type"]);
        assert!(matches!(parse_bins_csv(""), Err(AppError::Validation { .. })));
        assert!(matches!(parse_bins_csv("name,kind\nx,y\n"), Err(AppError::Validation { .. })));
    }
}
