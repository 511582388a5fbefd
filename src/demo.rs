//! A realistic demo warehouse: zones and bins along a walk, staff of every
//! role, two suppliers with API keys, a platform key and some SKUs.

use crate::auth::Role;
use crate::auth::service::{self as auth, KeyOwner, NewUser};
use crate::catalog::domain::{Measures, MoneyDto, SensitiveFlag, SkuInput};
use crate::db::DbConn;
use crate::error::AppError;
use crate::suppliers::domain::SupplierInput;
use crate::warehouse::domain::BinType;
use crate::warehouse::service::{self as warehouse, BinInput, ZoneInput};

/// The password of every demo staff account. Demo data only: change it or
/// use `custody admin create-user` for anything real.
pub const DEMO_PASSWORD: &str = "custody-demo-2026";

pub struct DemoCredentials {
    pub staff: Vec<(String, Role)>,
    pub supplier_keys: Vec<(String, String)>,
    pub platform_key: String,
    pub admin_token: String,
}

impl DemoCredentials {
    pub fn print(&self) -> String {
        let mut s = String::from("Demo data loaded.\n\nConsole staff (password for all: ");
        s.push_str(DEMO_PASSWORD);
        s.push_str(")\n");
        for (u, r) in &self.staff {
            s.push_str(&format!("  {u:<12} {r}\n"));
        }
        s.push_str("\nAPI keys (shown once):\n");
        for (code, key) in &self.supplier_keys {
            s.push_str(&format!("  supplier {code:<8} {key}\n"));
        }
        s.push_str(&format!("  platform          {}\n", self.platform_key));
        s.push_str(&format!("  staff admin       {}\n", self.admin_token));
        s
    }
}

/// Whether the database holds nothing yet (no supplier, no staff).
pub fn is_empty(conn: &mut DbConn) -> Result<bool, AppError> {
    Ok(crate::suppliers::service::count(conn)? == 0 && auth::list_users(conn)?.is_empty())
}

/// EAN-13 with a computed check digit, from a 12-digit body.
pub fn ean13(body: &str) -> String {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// Seeds the demo warehouse; run inside a write transaction on an empty database.
/// A submitted shipment: 60 + 20 units in three cartons, tracking SF-DEMO-0001.
fn demo_shipment(
    tx: &mut DbConn,
    supplier: crate::ids::SupplierId,
    a: crate::ids::SkuId,
    b: crate::ids::SkuId,
) -> Result<(), AppError> {
    use crate::inbound::asn::{self, AsnInput, AsnLineInput, CartonContent, CartonInput, SubmitInput};
    let input = AsnInput {
        estimated_arrival: crate::db::types::Timestamp::now() + chrono::Duration::days(1),
        carrier: Some("SF Express".into()),
        tracking_no: Some("SF-DEMO-0001".into()),
        lines: vec![
            AsnLineInput { sku_id: a, quantity: 60, stock_order_id: None },
            AsnLineInput { sku_id: b, quantity: 20, stock_order_id: None },
        ],
        cartons: vec![
            CartonInput { repeat: Some(2), contents: vec![CartonContent { sku_id: a, quantity: 30 }] },
            CartonInput { repeat: None, contents: vec![CartonContent { sku_id: b, quantity: 20 }] },
        ],
    };
    let created = asn::create(tx, supplier, &input)?;
    asn::submit(tx, created.id, supplier, &SubmitInput::default(), crate::db::types::Timestamp::now())?;
    Ok(())
}

pub fn seed(tx: &mut DbConn, keys: &crate::outbound::pii::Keys) -> Result<DemoCredentials, AppError> {
    if !is_empty(tx)? {
        return Err(AppError::conflict(
            "not_empty",
            "The database already has data; demo data goes only into an empty one.",
        ));
    }
    channels(tx, crate::db::types::Timestamp::now())?;
    for (code, name) in [
        ("D", "Dock 收货月台"),
        ("Q", "QC 质检区"),
        ("A", "Storage A 存储区A"),
        ("B", "Pick face B 拣货区B"),
        ("P", "Pack 打包区"),
        ("T", "Returns 退货区"),
        ("R", "RTS hold 退供暂存"),
        ("X", "Damaged 残次品"),
    ] {
        warehouse::create_zone(tx, &ZoneInput { code: code.into(), name: name.into() })?;
    }
    let mut bins = Vec::new();
    let mut add = |code: String, t: BinType, cap: Option<i64>| {
        bins.push(BinInput { code, bin_type: t, capacity_units: cap })
    };
    for i in 1..=4 {
        add(format!("D-01-{i:02}-01"), BinType::Dock, None);
    }
    for i in 1..=3 {
        add(format!("Q-01-{i:02}-01"), BinType::Qc, None);
    }
    for aisle in 1..=4 {
        for bay in 1..=10 {
            for level in 1..=3 {
                add(format!("A-{aisle:02}-{bay:02}-{level:02}"), BinType::Storage, Some(500));
            }
        }
    }
    for bay in 1..=10 {
        add(format!("B-01-{bay:02}-01"), BinType::PickFace, Some(100));
    }
    for i in 1..=3 {
        add(format!("P-01-{i:02}-01"), BinType::PackStation, None);
    }
    add("T-01-01-01".into(), BinType::Returns, None);
    add("R-01-01-01".into(), BinType::RtsHold, None);
    add("R-01-02-01".into(), BinType::RtsHold, None);
    add("X-01-01-01".into(), BinType::Damaged, None);
    warehouse::create_bins(tx, &bins, false)?;

    let mut staff = Vec::new();
    for role in Role::ALL {
        let username = role.as_str().to_owned();
        auth::create_user(
            tx,
            NewUser {
                username: &username,
                display_name: &format!("Demo {role}"),
                role: role.as_str(),
                password: DEMO_PASSWORD,
            },
        )?;
        staff.push((username, role));
    }
    let admin = crate::auth::service::user_by_username(tx, "admin")?.expect("just created");
    let (_, admin_token) = auth::create_api_key(tx, KeyOwner::Staff(admin.id), "demo admin token")?;

    let suppliers = [
        (
            "SZ-TOYS",
            "深圳乐玩玩具有限公司",
            "Shenzhen Lewan Toys Co., Ltd.",
            "广东省深圳市宝安区西乡街道 88 号",
            "690123400",
        ),
        (
            "YW-HOME",
            "义乌优家日用品有限公司",
            "Yiwu Youjia Household Goods Co., Ltd.",
            "浙江省义乌市稠江街道 16 号",
            "690987600",
        ),
    ];
    // (code, zh, en, weight g, [l, w, h] mm, declared value USD cents, HS, supply price fen, flags)
    type DemoSku = (
        &'static str,
        &'static str,
        &'static str,
        i64,
        [i64; 3],
        i64,
        &'static str,
        i64,
        &'static [SensitiveFlag],
    );
    let skus: [[DemoSku; 3]; 2] = [
        [
            (
                "TOY-CAR-RED",
                "遥控赛车 红色",
                "RC racing car, red",
                420,
                [260, 140, 110],
                1599,
                "950300",
                4200,
                &[SensitiveFlag::BuiltInBattery],
            ),
            (
                "TOY-BLOCKS-100",
                "积木 100 粒",
                "Building blocks, 100 pcs",
                650,
                [300, 200, 80],
                999,
                "950300",
                2800,
                &[],
            ),
            (
                "TOY-MAGNET-TILES",
                "磁力片 60 片",
                "Magnetic tiles, 60 pcs",
                980,
                [320, 240, 90],
                2499,
                "950300",
                6500,
                &[SensitiveFlag::Magnetic],
            ),
        ],
        [
            (
                "HOME-MUG-350",
                "陶瓷马克杯 350ml",
                "Ceramic mug 350 ml",
                380,
                [120, 90, 100],
                699,
                "691200",
                1500,
                &[],
            ),
            (
                "HOME-KNIFE-SET",
                "厨房刀具 5 件套",
                "Kitchen knife set, 5 pcs",
                1450,
                [380, 160, 60],
                3999,
                "821191",
                9800,
                &[SensitiveFlag::Blades],
            ),
            (
                "HOME-DIFFUSER",
                "香薰加湿器",
                "Aroma diffuser",
                720,
                [180, 180, 200],
                1899,
                "850979",
                5200,
                &[SensitiveFlag::BuiltInBattery, SensitiveFlag::Liquid],
            ),
        ],
    ];
    let mut supplier_keys = Vec::new();
    for ((code, zh, en, addr, prefix), skus) in suppliers.into_iter().zip(skus) {
        let s = crate::suppliers::service::create(
            tx,
            &SupplierInput {
                code: code.into(),
                name_zh: zh.into(),
                name_en: en.into(),
                contact_name: "运营部".into(),
                contact_email: format!("ops@{}.example.cn", code.to_ascii_lowercase()),
                contact_phone: "+86 20 0000 0000".into(),
                return_address: addr.into(),
            },
        )?;
        let (_, key) =
            auth::create_api_key(tx, KeyOwner::Supplier(s.id), &format!("{code} demo integration"))?;
        supplier_keys.push((code.to_owned(), key));
        let mut ids = Vec::new();
        for (n, (sku, zh, en, w, [l, wd, h], value, hs, price, flags)) in skus.into_iter().enumerate() {
            let registered = crate::catalog::service::register(
                tx,
                s.id,
                &SkuInput {
                    sku_code: sku.into(),
                    barcode: ean13(&format!("{prefix}{n:03}")),
                    name_zh: zh.into(),
                    name_en: en.into(),
                    declared: Measures { weight_g: w, length_mm: l, width_mm: wd, height_mm: h },
                    declared_value: MoneyDto { amount_minor: value, currency: "USD".into() },
                    hs_code: hs.into(),
                    origin_country: "CN".into(),
                    supply_price: MoneyDto { amount_minor: price, currency: "CNY".into() },
                    sensitive_flags: flags.to_vec(),
                },
            )?;
            ids.push(registered.id);
        }
        // The first supplier's shipment is on its way: the dock has something to check in.
        if supplier_keys.len() == 1 && ids.len() >= 2 {
            demo_shipment(tx, s.id, ids[0], ids[1])?;
        }
        // The second supplier's goods are on the shelves, and orders wait for a wave.
        if supplier_keys.len() == 2 && ids.len() >= 2 {
            demo_orders(tx, keys, s.id, &ids)?;
        }
    }
    let (_, platform_key) = auth::create_api_key(tx, KeyOwner::Platform, "platform integration (demo)")?;
    Ok(DemoCredentials { staff, supplier_keys, platform_key, admin_token })
}

/// Opening stock of the second supplier's SKUs and four consumer orders,
/// allocated and waiting for a wave (for the picker and pack screens).
fn demo_orders(
    tx: &mut DbConn,
    keys: &crate::outbound::pii::Keys,
    supplier: crate::ids::SupplierId,
    skus: &[crate::ids::SkuId],
) -> Result<(), AppError> {
    use crate::outbound::orders::{OrderInput, OrderLineInput, ServiceLevel};
    use crate::outbound::pii::{Address, Buyer};
    use crate::stock::{Bucket, Movement, Place, Reason};
    for (n, sku) in skus.iter().enumerate() {
        let bin = warehouse::storage_bin(tx, "bin", &format!("A-01-{:02}-01", n + 1))?;
        crate::stock::service::apply(
            tx,
            &Movement {
                owner: supplier,
                sku: *sku,
                quantity: 20,
                from: None,
                to: Some(Place::at(Bucket::Available, bin.id)),
                reason: Reason::AdjustFound,
                document_no: "DEMO OPENING STOCK".into(),
                note: "demo".into(),
                actor: "demo".into(),
            },
        )?;
    }
    let buyers = [
        ("Jane Doe", "+1 555 010 2034", "1 Main St", "Springfield", "IL", "62701", "US"),
        ("Somchai Dee", "+66 2 123 4567", "99 Sukhumvit Rd", "Bangkok", "", "10110", "TH"),
        ("Amelia Clark", "+44 20 7946 0018", "221B Baker St", "London", "", "NW1 6XE", "GB"),
        ("John Roe", "+1 555 010 7788", "500 Market St", "San Francisco", "CA", "94105", "US"),
    ];
    for (i, (name, phone, line1, city, region, postal, country)) in buyers.into_iter().enumerate() {
        let input = OrderInput {
            platform_order_id: format!("DEMO-ORDER-{:04}", i + 1),
            shop: "Youjia Official Store".into(),
            market: country.into(),
            destination_country: country.into(),
            service_level: if i == 2 { ServiceLevel::Express } else { ServiceLevel::Standard },
            ship_by: crate::db::types::Timestamp::from(
                chrono::Utc::now() + chrono::Duration::hours(24 + i as i64),
            ),
            lines: vec![OrderLineInput {
                sku_id: skus[i % skus.len()],
                quantity: 1 + (i as i64 % 2),
                unit_price: MoneyDto { amount_minor: 1299, currency: "USD".into() },
            }],
            buyer: Buyer {
                name: name.into(),
                phone: phone.into(),
                address: Address {
                    line1: line1.into(),
                    line2: String::new(),
                    city: city.into(),
                    region: region.into(),
                    postal_code: postal.into(),
                    country: country.into(),
                },
            },
        };
        crate::outbound::intake::intake(tx, &input, keys)?;
    }
    Ok(())
}

/// Three starting channels (China Post's ePacket, EMS and small packet to
/// every destination orders may name), as an admin would set them up
/// through `PUT /api/v1/channels/{code}`: the demo's, and the tests'.
pub fn channels(tx: &mut DbConn, now: crate::db::types::Timestamp) -> Result<(), AppError> {
    use crate::catalog::domain::{MoneyDto, SensitiveFlag};
    use crate::channels::domain::{ChannelService, CustomsForm, LabelLayout, ServiceLevel, TrackingSource};
    use crate::channels::service::{ChannelInput, put};
    let cny = |minor| MoneyDto { amount_minor: minor, currency: "CNY".into() };
    let destinations: Vec<String> =
        crate::outbound::orders::DESTINATIONS.iter().map(|d| (*d).to_owned()).collect();
    let channel = |name: &str,
                   service,
                   level,
                   indicator: &str,
                   max_weight_g,
                   flags: Vec<SensitiveFlag>,
                   base,
                   per_kg| {
        ChannelInput {
            name: name.into(),
            carrier: "China Post".into(),
            carrier_code: "CPOST".into(),
            service,
            destinations: destinations.clone(),
            service_levels: vec![level],
            cutoff: "17:00".into(),
            volumetric_divisor: if service == ChannelService::Express { 5000 } else { 6000 },
            max_weight_g,
            max_side_mm: 600,
            max_dims_sum_mm: 900,
            allowed_flags: flags,
            tracking_source: TrackingSource::S10,
            s10_indicator: Some(indicator.into()),
            label_layout: LabelLayout::Standard,
            customs_form: CustomsForm::Cn22,
            rate_base: cny(base),
            rate_per_kg: cny(per_kg),
            lost_after_days: 20,
            active: true,
        }
    };
    use SensitiveFlag::{BuiltInBattery, Magnetic};
    for (code, input) in [
        (
            "EPACKET",
            channel(
                "ePacket",
                ChannelService::Postal,
                ServiceLevel::Standard,
                "LX",
                2000,
                vec![BuiltInBattery, Magnetic],
                900,
                7000,
            ),
        ),
        (
            "EMS",
            channel(
                "EMS",
                ChannelService::Express,
                ServiceLevel::Express,
                "EA",
                30_000,
                vec![BuiltInBattery, Magnetic],
                2500,
                12_000,
            ),
        ),
        (
            "SMALLPKT",
            channel(
                "Small packet",
                ChannelService::Postal,
                ServiceLevel::Economy,
                "UA",
                2000,
                vec![Magnetic],
                500,
                5000,
            ),
        ),
    ] {
        put(tx, code, &input, "system:demo", now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_barcodes_carry_valid_check_digits() {
        let code = super::ean13("690123400000");
        assert!(crate::catalog::domain::Barcode::parse("b", &code).is_ok(), "{code}");
    }
}
