//! Shipping channels as data: versions, routing, tracking number ranges.

use serde_json::{Value, json};

use crate::common::spawn_app_without_channels as spawn_app;

pub fn epacket() -> Value {
    json!({
        "name": "China Post ePacket", "carrier": "China Post", "carrier_code": "CPOST",
        "service": "postal", "destinations": ["US", "GB"], "service_levels": ["standard", "economy"],
        "cutoff": "17:30", "volumetric_divisor": 6000, "max_weight_g": 2000, "max_side_mm": 600,
        "max_dims_sum_mm": 900, "allowed_flags": ["built_in_battery"], "tracking_source": "s10",
        "s10_indicator": "LX", "label_layout": "standard", "customs_form": "cn22",
        "rate_base": {"amount_minor": 800, "currency": "CNY"},
        "rate_per_kg": {"amount_minor": 6000, "currency": "CNY"}, "lost_after_days": 20
    })
}

pub fn battery_air() -> Value {
    let mut c = epacket();
    c["name"] = json!("Battery air line");
    c["carrier"] = json!("Yun Air");
    c["carrier_code"] = json!("YUNAIR");
    c["service"] = json!("air");
    c["allowed_flags"] = json!(["built_in_battery", "battery_only"]);
    c["tracking_source"] = json!("imported");
    c["s10_indicator"] = Value::Null;
    c["rate_base"]["amount_minor"] = json!(2500);
    c
}

fn parcel(flags: Value) -> Value {
    json!({"destination": "US", "service_level": "standard", "weight_g": 400,
        "length_mm": 220, "width_mm": 160, "height_mm": 100, "flags": flags})
}

#[actix_web::test]
async fn channels_are_versioned_data_and_routing_takes_the_cheapest_that_may_carry_the_parcel() {
    let app = spawn_app().await;
    let admin = app.staff("admin1", "admin");
    let packer = app.staff("packer1", "packer");
    let platform = app.platform_key();
    let (_, supplier) = app.supplier("SUP");

    let (s, v1) = app.put("/api/v1/channels/epacket-us", &admin, &epacket()).await;
    assert_eq!((s, v1["code"].as_str(), v1["version"].as_i64()), (201, Some("EPACKET-US"), Some(1)), "{v1}");
    // The same rules again add nothing.
    let (s, same) = app.put("/api/v1/channels/EPACKET-US", &admin, &epacket()).await;
    assert_eq!((s, same["version"].as_i64()), (200, Some(1)));
    // A change is a new version; the old one stays readable.
    let mut changed = epacket();
    changed["cutoff"] = json!("18:00");
    let (s, v2) = app.put("/api/v1/channels/EPACKET-US", &admin, &changed).await;
    assert_eq!((s, v2["version"].as_i64(), v2["cutoff"].as_str()), (201, Some(2), Some("18:00")));
    let (s, history) = app.get("/api/v1/channels/EPACKET-US", &platform).await;
    assert_eq!(s, 200);
    let versions: Vec<(i64, bool, &str)> = history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (v["version"].as_i64().unwrap(), v["current"].as_bool().unwrap(), v["cutoff"].as_str().unwrap())
        })
        .collect();
    assert_eq!(versions, [(2, true, "18:00"), (1, false, "17:30")]);
    assert_eq!(app.count("outbox WHERE event_type = 'channel.versioned'"), 2);

    // Who may do what.
    assert_eq!(app.put("/api/v1/channels/X", &packer, &epacket()).await.0, 403);
    assert_eq!(app.get("/api/v1/channels", &supplier).await.0, 403);
    assert_eq!(app.get("/api/v1/channels", &packer).await.0, 200);

    // Bad rules are refused with every field named, and write nothing.
    let mut bad = epacket();
    bad["s10_indicator"] = Value::Null;
    bad["cutoff"] = json!("25:99");
    bad["destinations"] = json!(["usa"]);
    let (s, e) = app.put("/api/v1/channels/BAD", &admin, &bad).await;
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> =
        e["errors"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["destinations[0]", "cutoff", "s10_indicator"]);
    let mut usd = battery_air();
    usd["rate_base"]["currency"] = json!("USD");
    usd["rate_per_kg"]["currency"] = json!("USD");
    let (s, e) = app.put("/api/v1/channels/USD-LINE", &admin, &usd).await;
    assert_eq!((s, e["errors"][0]["code"].as_str()), (422, Some("rate_currency_mismatch")));
    assert_eq!(app.count("channels"), 1);

    // Routing: the cheapest channel that may carry the parcel.
    let (s, _) = app.put("/api/v1/channels/BATTERY-AIR", &admin, &battery_air()).await;
    assert_eq!(s, 201);
    let (s, r) = app.post("/api/v1/channels/quote", &platform, &parcel(json!([]))).await;
    assert_eq!(s, 200, "{r}");
    // 220 x 160 x 100 mm / 6000 = 587 g chargeable (400 g actual).
    assert_eq!(
        (
            r["chosen"]["code"].as_str(),
            r["chosen"]["version"].as_i64(),
            r["chosen"]["chargeable_weight_g"].as_i64()
        ),
        (Some("EPACKET-US"), Some(2), Some(587))
    );
    assert_eq!(r["chosen"]["cost"], json!({"amount_minor": 800 + 3522, "currency": "CNY"}));
    // A loose battery: only the battery line may carry it, and it has no
    // numbers yet.
    let (_, r) = app.post("/api/v1/channels/quote", &packer, &parcel(json!(["battery_only"]))).await;
    assert_eq!(r["chosen"], Value::Null, "{r}");
    assert_eq!(
        r["refused"],
        json!([
            {"code": "BATTERY-AIR", "reasons": [{"reason": "no_tracking_numbers"}]},
            {"code": "EPACKET-US", "reasons": [{"reason": "flag", "flag": "battery_only"}]},
        ])
    );
    let range = json!({"prefix": "YT", "suffix": "", "width": 10, "first": 1, "last": 1000});
    let (s, made) = app.post("/api/v1/channels/BATTERY-AIR/tracking-ranges", &admin, &range).await;
    assert_eq!(
        (s, made["first_number"].as_str(), made["left"].as_i64()),
        (201, Some("YT0000000001"), Some(1000))
    );
    let (_, r) = app.post("/api/v1/channels/quote", &packer, &parcel(json!(["battery_only"]))).await;
    assert_eq!(r["chosen"]["code"], "BATTERY-AIR");
    // The same numbers twice, or numbers for an S10 channel: refused.
    let overlap = json!({"prefix": "YT", "suffix": "", "width": 10, "first": 900, "last": 2000});
    let (s, e) = app.post("/api/v1/channels/BATTERY-AIR/tracking-ranges", &admin, &overlap).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("range_overlaps")));
    let (s, e) = app.post("/api/v1/channels/EPACKET-US/tracking-ranges", &admin, &range).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("not_imported_numbers")));
    // Too heavy for both: each says why.
    let mut heavy = parcel(json!([]));
    heavy["weight_g"] = json!(2500);
    let (_, r) = app.post("/api/v1/channels/quote", &packer, &heavy).await;
    assert_eq!(r["chosen"], Value::Null);
    assert_eq!(r["refused"][0]["reasons"][0]["reason"], "too_heavy");
    // Retiring a channel is a version too.
    let mut retired = battery_air();
    retired["active"] = json!(false);
    app.put("/api/v1/channels/BATTERY-AIR", &admin, &retired).await;
    let (_, r) = app.post("/api/v1/channels/quote", &packer, &parcel(json!(["battery_only"]))).await;
    assert_eq!(r["refused"][0]["reasons"][0]["reason"], "inactive");
}
