//! Export customs, China mode 9610: the per-parcel declaration list
//! (清单) a broker submits, as XML shaped like the single-window CEB603
//! message (header `InventoryHead`, lines `InventoryList`, the message's
//! own field names) and as CSV. Pure: the data comes in, text goes out; no
//! network call ever leaves from here (files out, receipts in).

use serde::Serialize;

use crate::values::Money;

/// The warehouse's registrations with customs: settings
/// (`CUSTODY_CUSTOMS_*`), never constants, since each warehouse and
/// platform has its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomsCodes {
    /// The customs district / port of export (`customsCode`, `portCode`).
    pub port_code: String,
    /// The supervised warehouse (`loctNo`).
    pub warehouse_code: String,
    /// The platform (`ebpCode`).
    pub platform_code: String,
    /// The e-commerce company, which owns the goods (`ebcCode`, `ownerCode`).
    pub ecommerce_code: String,
    /// The logistics company (`logisticsCode`) when a channel names none.
    pub logistics_code: String,
    /// The customs broker that declares (`agentCode`).
    pub broker_code: String,
}

impl CustomsCodes {
    /// The settings, in the order of [`Self::from_settings`].
    pub const SETTINGS: [&'static str; 6] = [
        "CUSTODY_CUSTOMS_PORT_CODE",
        "CUSTODY_CUSTOMS_WAREHOUSE_CODE",
        "CUSTODY_CUSTOMS_PLATFORM_CODE",
        "CUSTODY_CUSTOMS_ECOMMERCE_CODE",
        "CUSTODY_CUSTOMS_LOGISTICS_CODE",
        "CUSTODY_CUSTOMS_BROKER_CODE",
    ];

    /// All six or none: a half-configured warehouse would declare under
    /// someone else's code. `None` when none is set (no list is made then).
    pub fn from_settings(values: [Option<&str>; 6]) -> Result<Option<Self>, String> {
        if values.iter().all(Option::is_none) {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(6);
        for (name, v) in Self::SETTINGS.iter().zip(values) {
            let Some(v) = v else {
                return Err(format!("{name} is missing: set every CUSTODY_CUSTOMS_* code or none"));
            };
            if v.len() > 20 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(format!("{name}: `{v}` is not a customs code (1 to 20 letters or digits)"));
            }
            out.push(v.to_owned());
        }
        let mut it = out.into_iter();
        let mut next = || it.next().unwrap_or_default();
        Ok(Some(Self {
            port_code: next(),
            warehouse_code: next(),
            platform_code: next(),
            ecommerce_code: next(),
            logistics_code: next(),
            broker_code: next(),
        }))
    }

    /// Codes for demos and tests only: obviously not anyone's
    /// registration (`serve --demo` and the test suite use them).
    pub fn demo() -> Self {
        Self {
            port_code: "5141".into(),
            warehouse_code: "DEMOWH01".into(),
            platform_code: "DEMOEBP001".into(),
            ecommerce_code: "DEMOEBC001".into(),
            logistics_code: "DEMOLOG001".into(),
            broker_code: "DEMOAGT001".into(),
        }
    }
}

/// One parcel's declaration: the list's header.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Declaration {
    pub order_no: String,
    /// Our own number for the list (`copNo`): the parcel number.
    pub cop_no: String,
    pub logistics_code: String,
    /// The house waybill: the parcel's tracking number.
    pub logistics_no: String,
    /// `9610`.
    pub trade_mode: String,
    /// Customs transport mode code (`5` air, `2` sea, `4` road, ...).
    pub traf_mode: String,
    /// Flight, vessel or truck number (`voyageNo`).
    pub voyage_no: String,
    /// The master waybill (`billNo`).
    pub bill_no: String,
    /// Destination, ISO 3166-1 alpha-2.
    pub country: String,
    /// The channel's price for the parcel's chargeable weight.
    pub freight: crate::catalog::domain::MoneyDto,
    pub insured_fee: crate::catalog::domain::MoneyDto,
    pub pack_no: i32,
    /// The parcel as weighed at the pack station.
    pub gross_weight_g: i64,
    /// The goods alone (unit weights times quantities).
    pub net_weight_g: i64,
    pub lines: Vec<DeclarationLine>,
}

/// One line of a parcel's declaration.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeclarationLine {
    /// 1, 2, ... within the parcel.
    pub gnum: i32,
    /// The SKU code (`itemNo`).
    pub item_no: String,
    /// HS code.
    pub gcode: String,
    /// Goods name (Chinese).
    pub gname: String,
    /// Model / specification: the English name.
    pub gmodel: String,
    pub bar_code: String,
    /// Origin, ISO 3166-1 alpha-2.
    pub country: String,
    pub qty: i32,
    /// Customs unit of measure code: `011` (件, piece).
    pub unit: String,
    pub price: crate::catalog::domain::MoneyDto,
    pub total_price: crate::catalog::domain::MoneyDto,
}

/// The amount as customs writes it: major units with the currency's own
/// decimals (`12.50`, `1999` for yen), no currency code.
pub fn decimal(m: &Money) -> String {
    let shown = m.to_string();
    shown.rsplit_once(' ').map(|(n, _)| n.to_owned()).unwrap_or(shown)
}

fn dto_decimal(m: &crate::catalog::domain::MoneyDto) -> String {
    match Money::stored(m.amount_minor, &m.currency) {
        Ok(m) => decimal(&m),
        Err(_) => m.amount_minor.to_string(),
    }
}

/// Grams as kilograms with three decimals (`0.300`).
pub fn kg(g: i64) -> String {
    format!("{}.{:03}", g / 1000, g % 1000)
}

/// Text safe inside an XML element: the five markup characters escaped,
/// control characters (which XML 1.0 forbids) dropped.
pub fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\t' && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// The elements of `ceb:InventoryHead` this list fills, in order.
pub const HEAD_FIELDS: &[&str] = &[
    "guid",
    "appType",
    "appTime",
    "appStatus",
    "customsCode",
    "ebpCode",
    "orderNo",
    "logisticsCode",
    "logisticsNo",
    "copNo",
    "ieFlag",
    "portCode",
    "ieDate",
    "agentCode",
    "ebcCode",
    "ownerCode",
    "tradeMode",
    "trafMode",
    "voyageNo",
    "billNo",
    "loctNo",
    "country",
    "freight",
    "fCurrency",
    "insuredFee",
    "iCurrency",
    "packNo",
    "grossWeight",
    "netWeight",
];

/// The elements of each `ceb:InventoryList`, in order.
pub const LIST_FIELDS: &[&str] = &[
    "gnum",
    "itemNo",
    "gcode",
    "gname",
    "gmodel",
    "barCode",
    "country",
    "currency",
    "qty",
    "qty1",
    "unit",
    "unit1",
    "price",
    "totalPrice",
];

/// When the list is made and for which departure.
pub struct ListContext<'a> {
    pub codes: &'a CustomsCodes,
    /// `yyyyMMddHHmmss`.
    pub app_time: String,
    /// `yyyyMMdd`: the planned departure.
    pub ie_date: String,
    /// A message id, the manifest's number folded in.
    pub message_id: String,
}

fn head_values(d: &Declaration, cx: &ListContext<'_>, guid: &str) -> Vec<String> {
    vec![
        guid.to_owned(),
        "1".into(),
        cx.app_time.clone(),
        "2".into(),
        cx.codes.port_code.clone(),
        cx.codes.platform_code.clone(),
        d.order_no.clone(),
        d.logistics_code.clone(),
        d.logistics_no.clone(),
        d.cop_no.clone(),
        "E".into(),
        cx.codes.port_code.clone(),
        cx.ie_date.clone(),
        cx.codes.broker_code.clone(),
        cx.codes.ecommerce_code.clone(),
        cx.codes.ecommerce_code.clone(),
        d.trade_mode.clone(),
        d.traf_mode.clone(),
        d.voyage_no.clone(),
        d.bill_no.clone(),
        cx.codes.warehouse_code.clone(),
        d.country.clone(),
        dto_decimal(&d.freight),
        d.freight.currency.clone(),
        dto_decimal(&d.insured_fee),
        d.insured_fee.currency.clone(),
        d.pack_no.to_string(),
        kg(d.gross_weight_g),
        kg(d.net_weight_g),
    ]
}

fn line_values(l: &DeclarationLine) -> Vec<String> {
    vec![
        l.gnum.to_string(),
        l.item_no.clone(),
        l.gcode.clone(),
        l.gname.clone(),
        l.gmodel.clone(),
        l.bar_code.clone(),
        l.country.clone(),
        l.price.currency.clone(),
        l.qty.to_string(),
        l.qty.to_string(),
        l.unit.clone(),
        l.unit.clone(),
        dto_decimal(&l.price),
        dto_decimal(&l.total_price),
    ]
}

/// The declaration lists as one CEB603-shaped message: one
/// `ceb:Inventory` (head and lines) per parcel, then `ceb:BaseTransfer`.
pub fn ceb603_xml(declarations: &[Declaration], cx: &ListContext<'_>) -> String {
    use std::fmt::Write;
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<ceb:CEB603Message guid=\"{}\" version=\"1.0\" xmlns:ceb=\"http://www.chinaport.gov.cn/ceb\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
        xml_text(&cx.message_id)
    );
    for (n, d) in declarations.iter().enumerate() {
        let guid = format!("{}-{:05}", cx.message_id, n + 1);
        x.push_str("  <ceb:Inventory>\n    <ceb:InventoryHead>\n");
        for (name, value) in HEAD_FIELDS.iter().zip(head_values(d, cx, &guid)) {
            let _ = writeln!(x, "      <ceb:{name}>{}</ceb:{name}>", xml_text(&value));
        }
        x.push_str("    </ceb:InventoryHead>\n");
        for l in &d.lines {
            x.push_str("    <ceb:InventoryList>\n");
            for (name, value) in LIST_FIELDS.iter().zip(line_values(l)) {
                let _ = writeln!(x, "      <ceb:{name}>{}</ceb:{name}>", xml_text(&value));
            }
            x.push_str("    </ceb:InventoryList>\n");
        }
        x.push_str("  </ceb:Inventory>\n");
    }
    let _ = writeln!(
        x,
        "  <ceb:BaseTransfer>\n    <ceb:copCode>{}</ceb:copCode>\n    <ceb:dxpMode>DXP</ceb:dxpMode>\n  \
         </ceb:BaseTransfer>\n</ceb:CEB603Message>",
        xml_text(&cx.codes.broker_code)
    );
    x
}

/// The same lists as CSV: one row per line, the parcel's header fields
/// repeated on each (what a broker's import sheet takes).
pub fn csv(declarations: &[Declaration], cx: &ListContext<'_>) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = HEAD_FIELDS.iter().chain(LIST_FIELDS.iter()).copied().collect();
    w.write_record(&header)?;
    for (n, d) in declarations.iter().enumerate() {
        let guid = format!("{}-{:05}", cx.message_id, n + 1);
        let head = head_values(d, cx, &guid);
        for l in &d.lines {
            w.write_record(head.iter().cloned().chain(line_values(l)))?;
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_all_set_or_none() {
        assert_eq!(CustomsCodes::from_settings([None; 6]), Ok(None));
        let all = [Some("5141"), Some("W1"), Some("P1"), Some("E1"), Some("L1"), Some("B1")];
        assert_eq!(CustomsCodes::from_settings(all).unwrap().unwrap().broker_code, "B1");
        let mut half = all;
        half[4] = None;
        assert!(CustomsCodes::from_settings(half).unwrap_err().contains("CUSTODY_CUSTOMS_LOGISTICS_CODE"));
        let mut bad = all;
        bad[0] = Some("51 41");
        assert!(CustomsCodes::from_settings(bad).is_err());
    }

    #[test]
    fn text_is_escaped_and_amounts_are_decimals() {
        assert_eq!(xml_text("a<b & \"c\"\u{7}"), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(decimal(&Money::stored(1250, "USD").unwrap()), "12.50");
        assert_eq!(decimal(&Money::stored(1999, "JPY").unwrap()), "1999");
        assert_eq!(kg(300), "0.300");
        assert_eq!(kg(12_345), "12.345");
    }
}
