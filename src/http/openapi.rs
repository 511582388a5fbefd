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
        crate::channels::api::list_channels,
        crate::channels::api::show_channel,
        crate::channels::api::put_channel,
        crate::channels::api::list_ranges,
        crate::channels::api::import_range,
        crate::channels::api::quote,
        crate::shipping::api::sort_scan,
        crate::shipping::api::list_bags,
        crate::shipping::api::open_bag,
        crate::shipping::api::show_bag,
        crate::shipping::api::add_parcel,
        crate::shipping::api::remove_parcel,
        crate::shipping::api::close_bag,
        crate::shipping::api::resolve_bag,
        crate::shipping::api::bag_label,
        crate::tracking::api::ingest,
        crate::tracking::api::timeline,
        crate::tracking::api::open_claim,
        crate::tracking::api::list_claims,
        crate::tracking::api::show_claim,
        crate::tracking::api::settle_claim,
        crate::tracking::api::reject_claim,
        crate::returns::api::open_return,
        crate::returns::api::list_returns,
        crate::returns::api::show_return,
        crate::returns::api::list_policies,
        crate::returns::api::add_policy,
        crate::returns::api::cancel_return,
        crate::returns::api::arrival,
        crate::returns::api::list_unidentified,
        crate::returns::api::resolve_unidentified,
        crate::returns::api::grade,
        crate::returns::api::dispose,
        crate::returns::api::show_unidentified,
        crate::returns::api::add_return_photo,
        crate::returns::api::add_unidentified_photo,
        crate::returns::api::return_photo,
        crate::returns::api::unidentified_photo,
        crate::manifests::api::list_manifests,
        crate::manifests::api::create_manifest,
        crate::manifests::api::show_manifest,
        crate::manifests::api::manifest_csv,
        crate::manifests::api::add_bag,
        crate::manifests::api::remove_bag,
        crate::manifests::api::close_manifest,
        crate::manifests::api::customs_list,
        crate::manifests::api::customs_receipts,
        crate::manifests::api::load_bag,
        crate::manifests::api::hand_over,
    ),
    components(schemas(error::Problem, error::FieldError)),
    modifiers(&BearerAuth, &ProblemResponses),
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
        (name = "shipping", description = "Channels (渠道), routing, tracking numbers, the sort station and bags (集包)"),
        (name = "tracking", description = "Carriers' tracking events, parcels' timelines, lost parcels and claims"),
        (name = "returns", description = "Return requests decided under the dated return policy, and who bears which cost"),
        (name = "manifests", description = "Manifests (交接单) per line-haul departure, the handover at the dock, export customs lists (9610, CEB603) and the broker's receipts"),
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

/// The API's paths (as segment patterns, `{id}` matching any one segment)
/// and the methods each answers, from the OpenAPI document: what a wrong
/// method is told (`405` with `Allow`), and a test keeps the two in step.
fn routes() -> &'static [(Vec<String>, String)] {
    static ROUTES: std::sync::OnceLock<Vec<(Vec<String>, String)>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| {
        ApiDoc::openapi()
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods: Vec<&str> = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, has)| has.then_some(m))
                .collect();
                (path.split('/').map(str::to_owned).collect(), methods.join(", "))
            })
            .collect()
    })
}

/// The methods `path` answers, if it is an API path at all.
pub fn allowed_methods(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut allowed: Vec<&str> = routes()
        .iter()
        .filter(|(pattern, _)| {
            pattern.len() == segments.len()
                && pattern.iter().zip(&segments).all(|(p, s)| (p.starts_with('{') && !s.is_empty()) || p == s)
        })
        .flat_map(|(_, methods)| methods.split(", "))
        .collect();
    allowed.sort_unstable();
    allowed.dedup();
    (!allowed.is_empty()).then(|| allowed.join(", "))
}

/// Errors as they really are: every error response of an operation is
/// `application/problem+json` (a `Problem`), and every `/api/v1` operation
/// lists the errors the edge and the handlers can give it, besides those
/// its annotation names: 400 (unreadable query or body), 401 (the key),
/// 403 (the role), 404, 422 (content; control characters), 500, 503
/// (database, overload), 413 and 415 (any body is read); with a change
/// also 409. `tests/api/http.rs` probes every operation and checks each answer
/// is documented.
struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/api/v1") {
                continue;
            }
            let ops = [
                (false, item.get.as_mut()),
                (true, item.post.as_mut()),
                (true, item.put.as_mut()),
                (true, item.patch.as_mut()),
                (true, item.delete.as_mut()),
            ];
            for (changes, op) in ops {
                let Some(op) = op else { continue };
                for response in op.responses.responses.values_mut() {
                    if let RefOr::T(r) = response
                        && let Some(content) = r.content.shift_remove("application/json")
                    {
                        r.content.insert("application/problem+json".into(), content);
                    }
                }
                // Error answers the annotation named keep their wording;
                // the content type above made them problem+json.
                let responses = &mut op.responses.responses;
                responses.retain(|status, r| {
                    !(status.starts_with('4') || status.starts_with('5'))
                        || matches!(r, RefOr::T(r) if r.content.contains_key("application/problem+json") || r.content.is_empty())
                });
                for response in responses.values_mut() {
                    if let RefOr::T(r) = response
                        && r.content.is_empty()
                    {
                        *r = problem(&r.description);
                    }
                }
                let mut add = |status: &str, description: &str| {
                    responses.entry(status.to_owned()).or_insert_with(|| RefOr::T(problem(description)));
                };
                add("400", "malformed_json, invalid_query, unreadable_body, invalid_idempotency_key");
                add("401", "unauthorized: no key, or an unknown or revoked one");
                add("403", "forbidden: the key may not do this");
                add("404", "not_found (another supplier's record is not found too)");
                add(
                    "422",
                    "validation_failed (errors[] per field), invalid_body, unexpected_body (an action that takes no body), control_character",
                );
                add("500", "internal_error");
                add("503", "unavailable (the database), overloaded (with Retry-After)");
                // The edge reads any body, whatever the method.
                add("413", "payload_too_large");
                add("415", "unsupported_media_type: a body is JSON (CSV for the bins import)");
                if changes {
                    add("409", "a conflict with the current state (see code)");
                }
            }
        }
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
