//! The OpenAPI 3 document, generated from the handlers' annotations, served
//! at `/api/openapi.json`, and a Swagger UI page at `/api/docs` whose assets
//! are vendored (`assets/vendor/swagger-ui`) so that it works offline.

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{catalog, error, http, suppliers, warehouse};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Custody API",
        description = "Warehouse management for the full-custody cross-border model. \
            Authenticate with `Authorization: Bearer <key>`: a supplier key sees only its own \
            supplier's data (another supplier's record is a 404, exactly like a missing one), \
            the platform key sends orders and return requests, staff tokens act with their role. \
            Errors are `application/problem+json` with a stable `code`. Lists use cursor \
            pagination (`cursor`, `limit`). POSTs that create things honour `Idempotency-Key`."
    ),
    paths(
        http::health::healthz,
        http::health::readyz,
        http::health::metrics,
        crate::auth_api::me,
        suppliers::api::list,
        suppliers::api::create,
        suppliers::api::show,
        suppliers::api::set_status,
        catalog::api::register,
        catalog::api::list,
        catalog::api::show,
        catalog::api::set_status,
        catalog::api::measure,
        warehouse::api::list_zones,
        warehouse::api::create_zone,
        warehouse::api::list_bins,
        warehouse::api::create_bins,
        warehouse::api::import_bins,
        warehouse::api::show_bin,
        warehouse::api::bin_label,
        crate::events::api::feed,
        crate::events::api::parked,
        crate::events::api::retry,
        crate::inbound::api::create_stock_order,
        crate::inbound::api::list_stock_orders,
        crate::inbound::api::show_stock_order,
        crate::inbound::api::accept_stock_order,
        crate::inbound::api::decline_stock_order,
        crate::inbound::api::cancel_stock_order,
        crate::inbound::api::create_asn,
        crate::inbound::api::list_asns,
        crate::inbound::api::show_asn,
        crate::inbound::api::submit_asn,
        crate::inbound::api::cancel_asn,
        crate::inbound::api::asn_labels,
        crate::inbound::api::receipt,
        crate::inbound::api::check_in,
        crate::inbound::api::reject_asn,
        crate::inbound::api::open_carton,
        crate::inbound::api::scan,
        crate::inbound::api::close_carton,
        crate::inbound::api::unknown_carton,
        crate::inbound::api::close_receipt,
        crate::inbound::api::qc_lots,
        crate::inbound::api::qc_sample,
        crate::inbound::api::putaway_tasks,
        crate::inbound::api::putaway_confirm,
        crate::inbound::api::supplier_performance,
        crate::inbound::api::list_penalties,
        crate::inbound::api::penalty_rules,
        crate::stock::api::stock_by_sku,
        crate::stock::api::balances,
        crate::stock::api::ledger,
        crate::stock::api::verify,
        crate::stock::api::move_stock,
        crate::stock::api::adjust,
        crate::stock::api::hold,
        crate::stock::api::release,
        crate::stock::api::start_count,
        crate::stock::api::show_count,
        crate::stock::api::submit_count,
        crate::stock::api::approve_count,
        crate::stock::api::reject_count,
        crate::outbound::api::create_order,
        crate::outbound::api::create_batch,
        crate::outbound::api::list_orders,
        crate::outbound::api::show_order,
        crate::outbound::api::cancel_order,
        crate::outbound::api::cancel_line,
        crate::outbound::api::release_wave,
        crate::outbound::api::claim_task,
        crate::outbound::api::confirm_pick,
        crate::outbound::api::start_packing,
        crate::outbound::api::show_parcel,
        crate::outbound::api::scan_unit,
        crate::outbound::api::weigh_parcel,
        crate::outbound::api::parcel_label,
        crate::outbound::api::pii_reads,
        crate::outbound::api::list_cartons,
        crate::outbound::api::list_exceptions,
        crate::outbound::api::resolve_exception,
    ),
    components(schemas(error::Problem, error::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Health, readiness, metrics"),
        (name = "auth", description = "Who am I"),
        (name = "suppliers", description = "Suppliers (货主)"),
        (name = "catalog", description = "SKUs (商品)"),
        (name = "warehouse", description = "Zones and bins (库位)"),
        (name = "inbound", description = "Stock-up orders (备货单) and inbound shipments (发货单)"),
        (name = "receiving", description = "Dock check-in, refusal and receiving (staff)"),
        (name = "quality", description = "Quality inspection by ISO 2859-1 sampling (staff)"),
        (name = "putaway", description = "Putaway into bins (staff)"),
        (name = "stock", description = "Stock, the ledger, supervisor functions and cycle counts"),
        (name = "outbound", description = "Consumer orders from the platform: intake, allocation, waves, picking, packing, labels, exceptions"),
        (name = "events", description = "Status events: the feed (RabbitMQ carries the same events)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(spec).service(docs).service(asset);
}

#[get("/api/openapi.json")]
async fn spec() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

#[get("/api/docs")]
async fn docs() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(
        r##"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Custody API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#ui", deepLinking: true });</script>
</body></html>"##,
    )
}

#[get("/api/docs/assets/{name}")]
async fn asset(name: web::Path<String>) -> HttpResponse {
    let (body, ct): (&'static [u8], &str) = match name.as_str() {
        "swagger-ui.css" => (include_bytes!("../../assets/vendor/swagger-ui/swagger-ui.css"), "text/css"),
        "swagger-ui-bundle.js" => {
            (include_bytes!("../../assets/vendor/swagger-ui/swagger-ui-bundle.js"), "text/javascript")
        }
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok().content_type(ct).insert_header(("Cache-Control", "public, max-age=86400")).body(body)
}
