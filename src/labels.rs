//! Printable labels: Code 128 barcodes as SVG (for print-ready HTML pages)
//! and ZPL for thermal printers, shared by bin, carton and shipping labels.
//! The pages themselves are askama templates in `templates/labels/`, which
//! escape every value but the barcode SVG drawn here.

use barcoders::sym::code128::Code128;

/// Code 128 (code set B) of `data` as an SVG whose bars are drawn in whole
/// modules with a quiet zone of ten modules each side. `data` must be
/// printable ASCII.
pub fn code128_svg(data: &str, height_modules: u32) -> Result<String, String> {
    if data.is_empty() || !data.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err("a Code 128 label takes printable ASCII only".into());
    }
    let modules =
        Code128::new(format!("\u{0181}{data}")).map_err(|e| format!("cannot encode {data}: {e}"))?.encode();
    const QUIET: usize = 10;
    let width = modules.len() + 2 * QUIET;
    let mut bars = String::new();
    let mut i = 0;
    while i < modules.len() {
        if modules[i] == 1 {
            let start = i;
            while i < modules.len() && modules[i] == 1 {
                i += 1;
            }
            bars.push_str(&format!(
                "<rect x=\"{}\" y=\"0\" width=\"{}\" height=\"{height_modules}\"/>",
                start + QUIET,
                i - start
            ));
        } else {
            i += 1;
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height_modules}\" \
         preserveAspectRatio=\"none\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"{}\">\
         <rect width=\"{width}\" height=\"{height_modules}\" fill=\"#fff\"/><g fill=\"#000\">{bars}</g></svg>",
        escape(data)
    ))
}

/// A label page from its template (`templates/labels/`).
pub fn render_html(page: &impl askama::Template) -> Result<String, crate::error::AppError> {
    page.render().map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("label template: {e}")))
}

/// ZPL field data escapes: `^` and `~` would start commands.
pub fn zpl_text(s: &str) -> String {
    s.chars().map(|c| if c == '^' || c == '~' { ' ' } else { c }).collect()
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Which format to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelFormat {
    Html,
    Zpl,
}

impl LabelFormat {
    pub fn parse(s: Option<&str>) -> Result<Self, crate::error::AppError> {
        match s.unwrap_or("html") {
            "html" => Ok(Self::Html),
            "zpl" => Ok(Self::Zpl),
            _ => Err(crate::error::AppError::invalid("format", "unknown_format", "must be html or zpl")),
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Html => "text/html; charset=utf-8",
            Self::Zpl => "application/zpl",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code128_starts_with_start_b_and_ends_with_the_stop_pattern() {
        let svg = code128_svg("A-01-02-03", 40).unwrap();
        assert!(svg.starts_with("<svg"));
        // Start B is 11010010000: a 2-module bar right after the quiet zone.
        assert!(svg.contains("<rect x=\"10\" y=\"0\" width=\"2\""), "{svg}");
        assert!(code128_svg("杯子", 40).is_err());
        assert!(code128_svg("", 40).is_err());
    }
}
