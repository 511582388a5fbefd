//! The console's static files, compiled into the binary so that the
//! console works offline and a deploy is one file.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use super::error::ConsoleError;

const CSS: &str = include_str!("../../assets/console/console.css");
const JS: &str = include_str!("../../assets/console/console.js");
const HTMX: &[u8] = include_bytes!("../../assets/vendor/htmx/htmx.min.js");

pub async fn serve(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ConsoleError> {
    let (content_type, body): (&str, &'static [u8]) = match file.as_str() {
        "console.css" => ("text/css; charset=utf-8", CSS.as_bytes()),
        "console.js" => ("text/javascript; charset=utf-8", JS.as_bytes()),
        "htmx.min.js" => ("text/javascript; charset=utf-8", HTMX),
        _ => return Err(super::error::not_found(&req)),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        // Short: the files change with each release and are not versioned in the URL.
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body))
}
