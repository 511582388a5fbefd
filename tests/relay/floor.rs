//! The warehouse floor as the topology test drives it through the
//! balancer: one cycle takes a supplier's shipment from the dock to the
//! shelf, one order from the pick face to the buyer's door, and that
//! buyer's return back to the shelf: every step a request a clerk's
//! scanner (or a partner's system) would send.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Value, json};

use crate::Answers;

/// Who works the floor: one key per role.
pub struct Crew {
    pub supplier: String,
    pub platform: String,
    pub carrier: String,
    pub supervisor: String,
    pub receiver: String,
    pub qc: String,
    pub picker: String,
    pub packer: String,
    pub shipping: String,
    pub returns: String,
}

pub struct Floor {
    pub client: reqwest::Client,
    pub lb: String,
    pub crew: Crew,
    /// (id, barcode) of the SKUs.
    pub skus: Vec<(String, String)>,
    pub answers: Arc<Mutex<Answers>>,
}

/// A step that did not go through: the instance it reached was killed
/// (`Unavailable`: 5xx or no answer, counted with the clients' failures)
/// or the step was refused (`Refused`:
/// an unexpected 4xx, which is a defect unless the cycle was already
/// broken by a kill).
#[derive(Debug)]
pub enum Broken {
    Unavailable,
    Refused(Instant, String),
}

/// What one full cycle went through, for the figures.
pub const STEPS: &str = "ASN, dock, receive, QC, putaway, pick, pack, weigh, bag, manifest, customs, \
                         handover, tracking (out of order, twice), delivered, return, desk, grade, restock";

impl Floor {
    async fn call(&self, post: bool, path: &str, key: &str, body: Value) -> Result<(u16, Value), Broken> {
        let url = format!("{}{path}", self.lb);
        let req = if post { self.client.post(url).json(&body) } else { self.client.get(url) };
        let answer = req.bearer_auth(key).send().await;
        let at = Instant::now();
        let r = match answer {
            Ok(r) => r,
            Err(e) => {
                self.answers.lock().unwrap().failures.push((at, format!("{path}: {e}")));
                return Err(Broken::Unavailable);
            }
        };
        let status = r.status().as_u16();
        let body: Value = if status == 204 { Value::Null } else { r.json().await.unwrap_or(Value::Null) };
        let mut a = self.answers.lock().unwrap();
        *a.by_status.entry(status).or_default() += 1;
        if status >= 500 {
            a.failures.push((at, format!("{path}: {status} {body}")));
            return Err(Broken::Unavailable);
        }
        Ok((status, body))
    }

    /// A request that must succeed (2xx): its body.
    async fn ok(&self, path: &str, key: &str, body: Value) -> Result<Value, Broken> {
        self.expect(true, path, key, body).await
    }

    async fn get(&self, path: &str, key: &str) -> Result<Value, Broken> {
        self.expect(false, path, key, Value::Null).await
    }

    async fn expect(&self, post: bool, path: &str, key: &str, body: Value) -> Result<Value, Broken> {
        match self.call(post, path, key, body).await? {
            (s, b) if (200..300).contains(&s) => Ok(b),
            (s, b) => Err(Broken::Refused(Instant::now(), format!("{path}: {s} {b}"))),
        }
    }

    /// One cycle, `k` naming its documents. Stops at the first step that
    /// does not go through.
    pub async fn cycle(&self, k: u64) -> Result<(), Broken> {
        let c = &self.crew;
        let (sku, barcode) = &self.skus[0];

        // Inbound: a shipment of 8 in one carton, from the dock to the shelf.
        let tracking_in = format!("SF7{k:09}");
        let asn = self
            .ok(
                "/api/v1/asns",
                &c.supplier,
                json!({"estimated_arrival": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
                       "carrier": "SF Express", "tracking_no": tracking_in,
                       "lines": [{"sku_id": sku, "quantity": 8}],
                       "cartons": [{"contents": [{"sku_id": sku, "quantity": 8}]}]}),
            )
            .await?;
        let (id, asn_no) = (s(&asn["id"]), s(&asn["asn_no"]));
        let asn_path = |tail: &str| format!("/api/v1/asns/{id}{tail}");
        self.ok(&asn_path("/submit"), &c.supplier, json!({})).await?;
        self.ok("/api/v1/dock/check-in", &c.receiver, json!({"code": tracking_in})).await?;
        self.ok(&asn_path("/cartons/open"), &c.receiver, json!({"carton": format!("{asn_no}-C001")})).await?;
        self.ok(&asn_path("/scans"), &c.receiver, json!({"carton_no": 1, "barcode": barcode, "quantity": 8}))
            .await?;
        self.ok(&asn_path("/cartons/1/close"), &c.receiver, json!({})).await?;
        self.ok(&asn_path("/close-receipt"), &c.receiver, json!({})).await?;
        let lots = self.get(&asn_path("/qc"), &c.qc).await?;
        for lot in lots.as_array().into_iter().flatten() {
            for _ in 0..lot["sample_size"].as_i64().unwrap_or(0) {
                let path = asn_path(&format!("/qc/{}/samples", s(&lot["sku_id"])));
                self.ok(&path, &c.qc, json!({"result": "pass"})).await?;
            }
        }
        let tasks = self.get(&asn_path("/putaway"), &c.receiver).await?;
        for t in tasks.as_array().into_iter().flatten() {
            let body = json!({"sku_id": t["sku_id"], "bin": t["suggestion"]["bin_code"], "quantity": t["remaining"]});
            self.ok(&asn_path("/putaway"), &c.receiver, body).await?;
        }

        // Outbound: whatever task is next (the clients' waves keep the
        // queue full; if it is empty, release one), picked, packed, weighed.
        // A client's wave may take the allocated orders between the empty
        // claim and the floor's wave (409 nothing_to_wave): its tasks are
        // then in the queue, and the floor claims again, as a picker would.
        let mut task = self.call(true, "/api/v1/pick-tasks/claim", &c.picker, json!({})).await?;
        let mut looks = 0;
        while task.0 == 204 && looks < 50 {
            looks += 1;
            match self.call(true, "/api/v1/waves", &c.supervisor, json!({})).await? {
                (200..300, _) => {}
                (409, b) if b["code"] == "nothing_to_wave" => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                (s, b) => return Err(Broken::Refused(Instant::now(), format!("/api/v1/waves: {s} {b}"))),
            }
            task = self.call(true, "/api/v1/pick-tasks/claim", &c.picker, json!({})).await?;
        }
        let task = match task {
            (200, t) => t,
            (s, b) => return Err(Broken::Refused(Instant::now(), format!("claim: {s} {b}"))),
        };
        let tote = format!("TOTE-F{k}");
        self.ok(
            &format!("/api/v1/pick-tasks/{}/confirm", s(&task["id"])),
            &c.picker,
            json!({"bin": task["bin_code"], "barcode": task["barcode"], "tote": tote}),
        )
        .await?;
        let parcel = self.ok("/api/v1/pack/start", &c.packer, json!({"tote": tote})).await?;
        let parcel_path = |tail: &str| format!("/api/v1/parcels/{}{tail}", s(&parcel["id"]));
        self.ok(&parcel_path("/scans"), &c.packer, json!({"barcode": task["barcode"]})).await?;
        let packed = self.ok(&parcel_path("/weigh"), &c.packer, json!({"weight_g": 300})).await?;
        let (t, route) = (s(&packed["tracking_no"]), s(&packed["route"]));

        // The sort station, the bag (weighed with whatever an earlier,
        // broken cycle left in it), the manifest, customs, the dock.
        let bag = self.ok("/api/v1/bags", &c.shipping, json!({"parcel": t})).await?;
        let bag_no = s(&bag["bag_no"]);
        let bagged =
            self.ok(&format!("/api/v1/bags/{bag_no}/parcels"), &c.shipping, json!({"parcel": t})).await?;
        let parcels = bagged["parcel_count"].as_i64().unwrap_or(1);
        self.ok(
            &format!("/api/v1/bags/{bag_no}/close"),
            &c.shipping,
            json!({"weight_g": 300 * parcels + 150}),
        )
        .await?;
        let manifest = self
            .ok(
                "/api/v1/manifests",
                &c.shipping,
                json!({"channel": route, "master_waybill": format!("784-{k:08}"), "transport_mode": "air",
                       "transport_ref": "CZ3101",
                       "planned_departure": (chrono::Utc::now() + chrono::Duration::hours(6)).to_rfc3339()}),
            )
            .await?;
        let m = |tail: &str| format!("/api/v1/manifests/{}{tail}", s(&manifest["manifest_no"]));
        self.ok(&m("/bags"), &c.shipping, json!({"bag": bag_no})).await?;
        self.ok(&m("/close"), &c.shipping, json!({})).await?;
        let doc = self.get(&m(""), &c.shipping).await?;
        let receipts: Vec<Value> = doc["parcels"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| json!({"parcel": p["tracking_no"], "status": "accepted"}))
            .collect();
        self.ok(&m("/customs-receipts"), &c.shipping, json!({"receipts": receipts})).await?;
        self.ok(&m("/handover/scans"), &c.shipping, json!({"bag": bag_no})).await?;
        self.ok(&m("/handover"), &c.shipping, json!({"driver_name": "Wang Wei", "vehicle_no": "粤A12345"}))
            .await?;

        // The carrier: delivered before in transit, and delivered twice.
        let at = |minutes: i64| (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339();
        let ev = |code: &str, when: &str| {
            json!({"tracking_no": t, "carrier": "usps", "event_code": code, "event_time": when,
                   "location": "Los Angeles, US"})
        };
        let (transit, delivered) = (at(1), at(2));
        self.ok(
            "/api/v1/tracking-events",
            &c.carrier,
            json!({"events": [ev("DELIVERED", &delivered), ev("IN_TRANSIT", &transit), ev("DELIVERED", &delivered)]}),
        )
        .await?;
        let order = self.get(&format!("/api/v1/orders/{}", s(&packed["order_id"])), &c.platform).await?;
        if order["status"] != "delivered" {
            return Err(Broken::Refused(Instant::now(), format!("not delivered: {order}")));
        }

        // The buyer sends it back; the desk restocks it.
        let ret = self
            .ok(
                "/api/v1/returns",
                &c.platform,
                json!({"platform_return_id": format!("TOPO-R{k}"), "order": order["order_no"],
                       "type": "return_and_refund", "reason": "defective",
                       "lines": [{"line_no": 1, "quantity": 1}],
                       "return_shipping_cost": {"amount_minor": 1450, "currency": "USD"}}),
            )
            .await?;
        let no = s(&ret["return_no"]);
        self.ok("/api/v1/returns/arrivals", &c.returns, json!({"code": no, "weight_g": 300})).await?;
        self.ok(
            &format!("/api/v1/returns/{no}/grades"),
            &c.returns,
            json!({"units": [{"line_no": 1, "unit_no": 1, "grade": "sellable_new"}]}),
        )
        .await?;
        let done = self
            .ok(
                &format!("/api/v1/returns/{no}/dispositions"),
                &c.returns,
                json!({"units": [{"line_no": 1, "unit_no": 1, "bin": "A-01-01-01"}]}),
            )
            .await?;
        if done["status"] != "closed" {
            return Err(Broken::Refused(Instant::now(), format!("return not closed: {done}")));
        }
        Ok(())
    }
}

fn s(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())
}
