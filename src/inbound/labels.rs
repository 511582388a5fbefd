//! Carton labels (箱唛): one per carton, "carton n of N", the shipment
//! number, the supplier, the warehouse, what is inside, and a Code 128 of
//! the carton's label code (what the dock and receiving scan). As a
//! print-ready HTML page (one 100 × 100 mm label per page) or as ZPL.

use super::asn::{Asn, Carton};
use crate::error::AppError;
pub use crate::labels::LabelFormat;
use crate::labels::{code128_svg, render_html, zpl_text};

/// The labels of every carton (or of one, if `only` is set).
pub fn render(
    asn: &Asn,
    supplier: &str,
    warehouse: &str,
    only: Option<i32>,
    format: LabelFormat,
) -> Result<String, AppError> {
    let cartons: Vec<_> = asn.cartons.iter().filter(|c| only.is_none_or(|n| n == c.carton_no)).collect();
    if cartons.is_empty() {
        return Err(AppError::not_found("carton"));
    }
    let code_of = |sku| asn.line(sku).map(|l| l.sku_code.clone()).unwrap_or_default();
    let contents = |c: &Carton| -> Vec<(String, i32)> {
        c.items.iter().filter(|i| i.expected > 0).map(|i| (code_of(i.sku_id), i.expected)).collect()
    };
    match format {
        LabelFormat::Html => {
            let mut labels = Vec::with_capacity(cartons.len());
            for c in cartons {
                labels.push(CartonLabel {
                    carton_no: c.carton_no,
                    code: &c.label,
                    contents: contents(c),
                    svg: code128_svg(&c.label, 50).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?,
                });
            }
            render_html(&CartonLabelsHtml {
                asn_no: &asn.asn_no,
                carton_count: asn.carton_count,
                warehouse,
                supplier,
                labels,
            })
        }
        LabelFormat::Zpl => {
            let mut out = String::new();
            for c in cartons {
                let mut y = 200;
                let mut lines = String::new();
                for (code, q) in contents(c).iter().take(6) {
                    lines.push_str(&format!("^FO40,{y}^A0N,30,30^FD{} x {q}^FS\n", zpl_text(code)));
                    y += 36;
                }
                out.push_str(&format!(
                    "^XA^CI28^PW800^LL800\n^FO40,30^A0N,30,30^FD{wh}  {sup}^FS\n^FO40,75^A0N,40,40^FD{no}^FS\n\
                     ^FO40,125^A0N,60,60^FDCarton {n} of {total}^FS\n{lines}^FO40,480^BY3^BCN,160,N,N,N^FD{code}^FS\n\
                     ^FO40,660^A0N,40,40^FD{code}^FS\n^XZ\n",
                    wh = zpl_text(warehouse),
                    sup = zpl_text(supplier),
                    no = zpl_text(&asn.asn_no),
                    n = c.carton_no,
                    total = asn.carton_count,
                    code = zpl_text(&c.label),
                ));
            }
            Ok(out)
        }
    }
}

/// The carton labels as a print-ready page (`templates/labels/carton.html`).
#[derive(askama::Template)]
#[template(path = "labels/carton.html")]
struct CartonLabelsHtml<'a> {
    asn_no: &'a str,
    carton_count: i32,
    warehouse: &'a str,
    supplier: &'a str,
    labels: Vec<CartonLabel<'a>>,
}

struct CartonLabel<'a> {
    carton_no: i32,
    /// The carton's label code.
    code: &'a str,
    /// SKU code and units expected, in the carton's order.
    contents: Vec<(String, i32)>,
    /// Code 128 of the label code, drawn by `code128_svg`.
    svg: String,
}
