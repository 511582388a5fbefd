//! The staff web console: server-rendered pages (askama templates in
//! `templates/console/`, htmx vendored), built for keyboard-wedge barcode
//! scanners: one scan field that keeps focus, Enter submits a scan and never
//! a decision, every POST redirects (Post/Redirect/Get).
//!
//! The console owns its sessions' cookies, CSRF checks on every form, the
//! UI language and the pages; the business work is done by the use cases of
//! the other modules, always through [`crate::db::run`] or
//! [`crate::db::transact`].
//!
//! Map: [`session`] (who is signed in, CSRF, role checks), [`flash`] (what
//! an action did, carried across its redirect), [`work`] (a worker's step
//! on a floor screen), [`i18n`] (every UI string in Chinese and English),
//! [`layout`] (the page frame and the response helpers), [`error`] (HTML
//! error pages), [`pages`] (one file per page group), [`assets`] (CSS, JS,
//! htmx).

mod assets;
pub mod error;
pub mod flash;
pub mod i18n;
pub mod layout;
mod pages;
pub mod session;
pub mod work;

use actix_web::{middleware, web};

use pages::{
    api_keys, bins, dashboard, inbound, inbound_admin, login, manifests, outbound, returns, shipping, staff,
    stock, suppliers, tracking,
};

/// Largest console form body: the bin CSV import is the only big one.
const FORM_LIMIT: usize = 512 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/console")
            .wrap(middleware::from_fn(flash::clear_after_use))
            .app_data(web::PayloadConfig::new(FORM_LIMIT))
            .app_data(
                web::FormConfig::default()
                    .limit(FORM_LIMIT)
                    .error_handler(|_, req| error::bad_request(req).into()),
            )
            .app_data(web::QueryConfig::default().error_handler(|_, req| error::bad_request(req).into()))
            .app_data(web::PathConfig::default().error_handler(|_, req| error::not_found(req).into()))
            .route("", web::get().to(dashboard::show))
            .route("/", web::get().to(dashboard::show))
            .route("/scan", web::get().to(dashboard::scan))
            .route("/login", web::get().to(login::form))
            .route("/login", web::post().to(login::submit))
            .route("/logout", web::post().to(login::logout))
            .route("/lang/{lang}", web::get().to(login::switch_language))
            .route("/assets/{file}", web::get().to(assets::serve))
            .route("/bins", web::get().to(bins::list))
            // Before `/bins/{code}`: "import" and "labels" are not bin codes,
            // but keep the literal routes first so that they never reach the lookup.
            .route("/bins/import", web::get().to(bins::import_form))
            .route("/bins/import", web::post().to(bins::import))
            .route("/bins/labels", web::get().to(bins::labels))
            .route("/bins/{code}", web::get().to(bins::show))
            .route("/bins/{code}/label", web::get().to(bins::label))
            .route("/stock", web::get().to(stock::search))
            .route("/stock/sku/{id}", web::get().to(stock::sku))
            .route("/stock/move", web::get().to(stock::move_form))
            .route("/stock/move", web::post().to(stock::move_stock))
            .route("/stock/adjust", web::get().to(stock::adjust_form))
            .route("/stock/adjust", web::post().to(stock::adjust))
            .route("/counts", web::get().to(stock::counts))
            .route("/counts", web::post().to(stock::start_count))
            .route("/counts/{no}", web::get().to(stock::count))
            .route("/counts/{no}/scan", web::post().to(stock::count_scan))
            .route("/counts/{no}/set", web::post().to(stock::count_set))
            .route("/counts/{no}/submit", web::post().to(stock::count_submit))
            .route("/counts/{no}/decide", web::post().to(stock::count_decide))
            .route("/dock", web::get().to(inbound::dock))
            .route("/dock", web::post().to(inbound::check_in))
            .route("/dock/{asn_no}/reject", web::get().to(inbound::reject_form))
            .route("/dock/{asn_no}/reject", web::post().to(inbound::reject))
            .route("/receiving/{asn_no}", web::get().to(inbound::receiving))
            .route("/receiving/{asn_no}/scan", web::post().to(inbound::receive_scan))
            .route("/receiving/{asn_no}/cartons/{n}/close", web::post().to(inbound::close_carton))
            .route("/receiving/{asn_no}/close", web::get().to(inbound::close_form))
            .route("/receiving/{asn_no}/close", web::post().to(inbound::close_receipt))
            .route("/qc/{asn_no}", web::get().to(inbound::qc))
            .route("/qc/{asn_no}/scan", web::post().to(inbound::qc_scan))
            .route("/qc/{asn_no}/verdict", web::post().to(inbound::qc_verdict))
            .route("/qc/{asn_no}/reject", web::get().to(inbound::qc_reject_form))
            .route("/qc/{asn_no}/measure", web::post().to(inbound::qc_measure))
            .route("/putaway/{asn_no}", web::get().to(inbound::putaway))
            .route("/putaway/{asn_no}", web::post().to(inbound::putaway_scan))
            .route("/putaway/{asn_no}/confirm", web::post().to(inbound::putaway_confirm))
            .route("/putaway/{asn_no}/reset", web::post().to(inbound::putaway_reset))
            .route("/inbound-exceptions", web::get().to(inbound_admin::queue))
            .route("/inbound-exceptions/{id}", web::post().to(inbound_admin::resolve))
            .route("/shipments", web::get().to(inbound_admin::history))
            .route("/orders", web::get().to(outbound::orders))
            .route("/orders/{order_no}", web::get().to(outbound::order))
            .route("/waves", web::get().to(outbound::waves))
            .route("/waves", web::post().to(outbound::release_wave))
            .route("/exceptions", web::get().to(outbound::exceptions))
            .route("/exceptions/{id}", web::post().to(outbound::resolve))
            .route("/pick", web::get().to(outbound::pick))
            .route("/pick", web::post().to(outbound::pick_scan))
            .route("/pick/next", web::post().to(outbound::pick_next))
            .route("/pick/count", web::post().to(outbound::pick_count))
            .route("/pick/short", web::post().to(outbound::pick_short))
            .route("/pick/reset", web::post().to(outbound::pick_reset))
            .route("/pack", web::get().to(outbound::pack_station))
            .route("/pack", web::post().to(outbound::pack_tote))
            .route("/pack/{id}", web::get().to(outbound::parcel))
            .route("/pack/{id}/scan", web::post().to(outbound::pack_scan))
            .route("/pack/{id}/weigh", web::post().to(outbound::weigh))
            .route("/pack/{id}/print", web::post().to(outbound::print))
            .route("/pack/{id}/label", web::get().to(outbound::label))
            .route("/channels", web::get().to(shipping::channels))
            .route("/sort", web::get().to(shipping::sort))
            .route("/sort", web::post().to(shipping::sort_scan))
            .route("/sort/bags", web::post().to(shipping::open_bag))
            .route("/bags/{bag_no}", web::get().to(shipping::bag))
            .route("/bags/{bag_no}/label", web::get().to(shipping::bag_label))
            .route("/bags/{bag_no}/close", web::post().to(shipping::close_bag))
            .route("/returns", web::get().to(returns::desk))
            .route("/returns/arrivals", web::post().to(returns::arrive))
            .route("/returns/unidentified/{id}", web::get().to(returns::unidentified))
            .route("/returns/unidentified/{id}/photos", web::post().to(returns::add_unidentified_photo))
            .route("/returns/unidentified/{id}/photos/{photo}", web::get().to(returns::unidentified_photo))
            .route("/returns/unidentified/{id}/resolve", web::post().to(returns::resolve))
            .route("/returns/{no}", web::get().to(returns::detail))
            .route("/returns/{no}/photos", web::post().to(returns::add_photo))
            .route("/returns/{no}/photos/{photo}", web::get().to(returns::photo))
            .route("/returns/{no}/grades", web::post().to(returns::grade))
            .route("/returns/{no}/dispositions", web::post().to(returns::dispose))
            .route("/parcels", web::get().to(tracking::lookup))
            .route("/parcels/{code}", web::get().to(tracking::timeline))
            .route("/manifests", web::get().to(manifests::list))
            .route("/manifests", web::post().to(manifests::create))
            .route("/manifests/{no}", web::get().to(manifests::detail))
            .route("/manifests/{no}/print", web::get().to(manifests::print))
            .route("/manifests/{no}/manifest.csv", web::get().to(manifests::document_csv))
            .route("/manifests/{no}/customs.{format}", web::get().to(manifests::customs))
            .route("/manifests/{no}/bags", web::post().to(manifests::add_bag))
            .route("/manifests/{no}/close", web::post().to(manifests::close))
            .route("/manifests/{no}/handover", web::get().to(manifests::handover))
            .route("/manifests/{no}/handover", web::post().to(manifests::confirm))
            .route("/manifests/{no}/handover/scan", web::post().to(manifests::load))
            .route("/suppliers", web::get().to(suppliers::list))
            .route("/suppliers", web::post().to(suppliers::create))
            .route("/suppliers/{id}/status", web::post().to(suppliers::set_status))
            .route("/api-keys", web::get().to(api_keys::list))
            .route("/api-keys", web::post().to(api_keys::create))
            .route("/api-keys/{id}/revoke", web::post().to(api_keys::revoke))
            .route("/staff", web::get().to(staff::list))
            .route("/staff/pii-reads", web::get().to(staff::pii_reads))
            .route("/staff", web::post().to(staff::create))
            .route("/staff/{id}/active", web::post().to(staff::set_active))
            .default_service(web::to(error::not_found_route)),
    );
}
