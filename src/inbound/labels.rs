//! Carton labels (箱唛): one per carton, "carton n of N", the shipment
//! number, the supplier, the warehouse, what is inside, and a Code 128 of
//! the carton's label code (what the dock and receiving scan). As a
//! print-ready HTML page (one 100 × 100 mm label per page) or as ZPL.

use super::asn::Asn;
use crate::error::AppError;
pub use crate::labels::LabelFormat;
use crate::labels::{code128_svg, escape, zpl_text};

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
    let mut out = String::new();
    if format == LabelFormat::Html {
        out.push_str(&format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{no}</title><style>\
             @page {{ size: 100mm 100mm; margin: 0 }} body {{ margin: 0; font-family: sans-serif }}\
             .label {{ width: 100mm; height: 100mm; box-sizing: border-box; padding: 4mm 5mm; \
             page-break-after: always; display: flex; flex-direction: column; gap: 1.5mm }}\
             .top {{ display: flex; justify-content: space-between; font-size: 10pt }}\
             .count {{ font-size: 26pt; font-weight: bold }} .no {{ font-size: 14pt; font-weight: bold }}\
             table {{ font-size: 10pt; border-collapse: collapse }} td {{ padding: 0 2mm 0 0 }}\
             svg {{ width: 90mm; height: 20mm }} .code {{ text-align: center; font-size: 11pt }}\
             </style></head><body>",
            no = escape(&asn.asn_no)
        ));
    }
    for c in cartons {
        let label = &c.label;
        let contents: Vec<(String, i32)> =
            c.items.iter().filter(|i| i.expected > 0).map(|i| (code_of(i.sku_id), i.expected)).collect();
        match format {
            LabelFormat::Html => {
                let svg = code128_svg(label, 50).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
                let rows: String = contents
                    .iter()
                    .map(|(code, q)| format!("<tr><td>{}</td><td>× {q}</td></tr>", escape(code)))
                    .collect();
                out.push_str(&format!(
                    "<div class=\"label\" data-carton=\"{n}\"><div class=\"top\"><span>{wh}</span><span>{sup}</span></div>\
                     <div class=\"no\">{no}</div><div class=\"count\">箱 {n} / {total} · Carton {n} of {total}</div>\
                     <table>{rows}</table>{svg}<div class=\"code\">{code}</div></div>",
                    n = c.carton_no,
                    total = asn.carton_count,
                    wh = escape(warehouse),
                    sup = escape(supplier),
                    no = escape(&asn.asn_no),
                    code = escape(label),
                ));
            }
            LabelFormat::Zpl => {
                let mut y = 200;
                let mut lines = String::new();
                for (code, q) in contents.iter().take(6) {
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
                    code = zpl_text(label),
                ));
            }
        }
    }
    if format == LabelFormat::Html {
        out.push_str("</body></html>");
    }
    Ok(out)
}
