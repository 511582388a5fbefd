//! Every string the console shows, in Simplified Chinese (the default: most
//! of the floor reads Chinese first) and English. One table, so that a
//! missing translation is a failing test, not a blank on the floor.

use actix_web::HttpRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The cookie that keeps the choice (`zh` or `en`).
    pub const COOKIE: &'static str = "custody_lang";

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// For `<html lang>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language chosen in the browser's cookie, Chinese otherwise.
    pub fn of(req: &HttpRequest) -> Self {
        req.cookie(Self::COOKIE).and_then(|c| Self::parse(c.value())).unwrap_or_default()
    }
}

/// The text of `key`, or `None` when the table has no such key (for keys
/// made from data, such as `role.<role>`).
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    TABLE.iter().find(|(k, ..)| *k == key).map(|(_, zh, en)| match lang {
        Lang::Zh => *zh,
        Lang::En => *en,
    })
}

/// The text of `key`. A key missing from the table shows as itself (and the
/// tests check that every key the templates use exists).
pub fn t(lang: Lang, key: &str) -> &'static str {
    lookup(lang, key).unwrap_or_else(|| {
        tracing::warn!(key, "console text missing from the i18n table");
        "⚠"
    })
}

/// The text of `key` with its `{name}` placeholders filled.
pub fn fill(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let mut s = t(lang, key).to_owned();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// A value stored in English (`role.packer`, `bin_type.pick_face`) in the
/// page's language. A value the table does not know shows as itself: in
/// Chinese marked ⚠ (a missing translation is a defect the zh-completeness
/// test finds), in English with its underscores as spaces.
pub fn word(lang: Lang, group: &str, value: &str) -> String {
    match lookup(lang, &format!("{group}.{value}")) {
        Some(w) => w.to_owned(),
        None if value.is_empty() => String::new(),
        None => {
            tracing::warn!(group, value, "console word missing from the i18n table");
            match lang {
                Lang::Zh => format!("⚠{value}"),
                Lang::En => value.replace('_', " "),
            }
        }
    }
}

/// `(key, 简体中文, English)`.
const TABLE: &[(&str, &str, &str)] = &[
    // Navigation and frame
    ("nav.label", "主导航", "Main navigation"),
    ("nav.dashboard", "首页", "Dashboard"),
    ("nav.bins", "库位", "Bins"),
    ("nav.suppliers", "供应商", "Suppliers"),
    ("nav.api_keys", "API 密钥", "API keys"),
    ("nav.staff", "员工", "Staff"),
    ("nav.logout", "退出登录", "Log out"),
    ("page.next", "下一页 →", "Next page →"),
    // Login
    ("login.title", "员工登录", "Staff sign-in"),
    ("login.username", "用户名", "Username"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    ("login.wrong", "用户名或密码错误。", "Wrong username or password."),
    ("login.missing", "请输入用户名和密码。", "Enter your username and password."),
    ("login.expired", "登录表单已过期，请重新登录。", "The sign-in form expired; please sign in again."),
    (
        "login.locked",
        "失败次数过多，请约 {n} 分钟后再试。",
        "Too many failed attempts; try again in about {n} min.",
    ),
    // Dashboard and scanning
    ("dashboard.title", "首页", "Dashboard"),
    ("dashboard.counts", "数据概览", "Counts"),
    ("dashboard.suppliers", "供应商", "Suppliers"),
    ("dashboard.skus", "商品 SKU", "SKUs"),
    ("dashboard.bins", "库位", "Bins"),
    ("dashboard.staff", "员工", "Staff"),
    (
        "scan.label",
        "扫描条码：库位、箱唛、物流单号、商品、订单或包裹",
        "Scan a barcode: bin, carton label, tracking number, product, order or parcel",
    ),
    ("scan.placeholder", "扫描或输入编码，按回车", "Scan or type a code, then Enter"),
    ("scan.open", "打开", "Open"),
    (
        "scan.not_found",
        "未找到该编码对应的库位、发货单、商品、订单或包裹：",
        "No bin, shipment, product, order or parcel has this code:",
    ),
    // Bins
    ("bins.title", "库位", "Bins"),
    ("bins.one", "库位详情", "Bin"),
    ("bins.all", "全部", "All"),
    ("bins.prefix", "编码开头", "Code starts with"),
    ("bins.filter", "筛选", "Filter"),
    ("bins.clear", "清除筛选", "Clear filters"),
    ("bins.none", "没有符合条件的库位。", "No bins match."),
    ("bins.not_found", "没有这个库位。", "There is no such bin."),
    ("bin.aisle", "巷道", "Aisle"),
    ("bin.bay", "列", "Bay"),
    ("bin.level", "层", "Level"),
    ("bin.walk_order", "拣货路径顺序", "Walk order"),
    ("bin.unlimited", "不限", "Not limited"),
    ("bin.print_label", "打印标签", "Print label"),
    ("bin.zpl", "下载 ZPL", "Download ZPL"),
    ("import.title", "导入库位", "Import bins"),
    (
        "import.help",
        "每行一个库位，第一行为列名。全部成功才会导入；有错误时不会导入任何库位，并逐行列出问题。不存在的库区会自动创建。",
        "One bin a line, column names on the first line. All bins are imported or none: on any error nothing is imported and the problems are listed by line. Unknown zones are created.",
    ),
    ("import.file", "选择 CSV 文件（可选）", "Choose a CSV file (optional)"),
    ("import.csv", "CSV 内容", "CSV text"),
    ("import.submit", "导入", "Import"),
    ("csv.line", "第 {n} 行", "line {n}"),
    // Suppliers
    ("suppliers.title", "供应商", "Suppliers"),
    ("suppliers.read_only", "只读：只有管理员可以修改供应商。", "Read only: only admins change suppliers."),
    ("suppliers.none", "还没有供应商。", "No suppliers yet."),
    ("suppliers.name", "名称", "Name"),
    ("suppliers.contact", "联系人", "Contact"),
    ("suppliers.suspend", "暂停", "Suspend"),
    ("suppliers.reactivate", "恢复", "Reactivate"),
    (
        "suppliers.confirm_suspend",
        "暂停后该供应商的 API 密钥将无法使用。确定暂停？",
        "The supplier's API keys stop working while it is suspended. Suspend?",
    ),
    ("suppliers.new", "新建供应商", "New supplier"),
    ("suppliers.create", "创建供应商", "Create supplier"),
    // API keys
    ("keys.title", "API 密钥", "API keys"),
    ("keys.new", "新建密钥", "New key"),
    ("keys.choose_owner", "— 选择归属 —", "— choose an owner —"),
    ("keys.platform", "平台", "Platform"),
    ("keys.carrier", "承运商 / 轨迹服务商", "Carrier / tracking aggregator"),
    ("keys.label_hint", "例如：ERP 对接", "e.g. ERP integration"),
    ("keys.create", "创建密钥", "Create key"),
    ("keys.none", "还没有 API 密钥。", "No API keys yet."),
    ("keys.prefix", "前缀", "Prefix"),
    ("keys.kind", "类型", "Kind"),
    ("keys.last_used", "最近使用", "Last used"),
    ("keys.never", "从未", "Never"),
    ("keys.revoked", "已吊销", "Revoked"),
    ("keys.revoke", "吊销", "Revoke"),
    (
        "keys.confirm_revoke",
        "吊销后使用该密钥的对接将立即失效。确定吊销？",
        "Integrations using this key stop at once. Revoke?",
    ),
    (
        "keys.not_live",
        "没有这个有效的密钥（可能已被吊销）。",
        "No live key with this id (it may be revoked already).",
    ),
    ("keys.created_title", "密钥已创建", "Key created"),
    (
        "keys.shown_once",
        "请立即复制并妥善保存此密钥：它只显示这一次，系统不保存明文。",
        "Copy this key now and keep it safe: it is shown this once and is not stored in clear.",
    ),
    ("keys.done", "我已保存，返回列表", "I have saved it; back to the list"),
    ("key_kind.supplier", "供应商", "Supplier"),
    ("key_kind.platform", "平台", "Platform"),
    ("key_kind.staff", "员工", "Staff"),
    ("key_kind.carrier", "承运商", "Carrier"),
    // Staff
    ("staff.title", "员工", "Staff"),
    ("pii_reads.title", "收件人信息查看记录", "Buyer data reads"),
    (
        "pii_reads.hint",
        "每次显示或打印收件人完整姓名、电话和地址（面单）都会记录：谁、何时、哪个订单。",
        "Every time a buyer's full name, phone and address is shown or printed (a shipping label) it is recorded: who, when, which order.",
    ),
    ("pii_reads.none", "没有记录。", "No reads recorded."),
    ("pii_reads.when", "时间", "When"),
    ("pii_reads.who", "查看人", "Who"),
    ("pii_reads.order_no", "订单号", "Order"),
    ("pii_reads.purpose", "用途", "Through"),
    ("pii_reads.find", "查找", "Find"),
    ("pii_purpose.label:console", "控制台打印面单", "Label printed from the console"),
    ("pii_purpose.label:api", "通过 API 获取面单", "Label fetched through the API"),
    ("staff.you", "你", "you"),
    ("staff.last_login", "最近登录", "Last sign-in"),
    ("staff.deactivate", "停用", "Deactivate"),
    ("staff.reactivate", "启用", "Reactivate"),
    (
        "staff.confirm_deactivate",
        "停用后此人将立即退出登录。确定停用？",
        "The person is signed out at once. Deactivate?",
    ),
    ("staff.new", "新建员工账号", "New staff account"),
    ("staff.create", "创建账号", "Create account"),
    // Roles, bin types, statuses
    ("role.receiver", "收货员", "Receiver"),
    ("role.qc", "质检员", "QC inspector"),
    ("role.picker", "上架/拣货员", "Putaway / picker"),
    ("role.packer", "打包员", "Packer"),
    ("role.shipping", "发运员", "Shipping clerk"),
    ("role.returns", "退货员", "Returns clerk"),
    ("role.supervisor", "主管", "Supervisor"),
    ("role.admin", "管理员", "Admin"),
    ("bin_type.dock", "月台", "Dock"),
    ("bin_type.qc", "质检区", "QC"),
    ("bin_type.storage", "存储位", "Storage"),
    ("bin_type.pick_face", "拣货位", "Pick face"),
    ("bin_type.pack_station", "打包台", "Pack station"),
    ("bin_type.returns", "退货区", "Returns"),
    ("bin_type.rts_hold", "退供暂存", "Return-to-supplier hold"),
    ("bin_type.damaged", "残次品区", "Damaged"),
    ("status.active", "启用", "Active"),
    ("status.suspended", "已暂停", "Suspended"),
    ("status.inactive", "已停用", "Inactive"),
    // Field names (form labels and problem lists)
    ("field.code", "编码", "Code"),
    ("field.zone", "库区", "Zone"),
    ("field.bin_type", "库位类型", "Bin type"),
    ("field.capacity_units", "容量（件）", "Capacity (units)"),
    ("field.status", "状态", "Status"),
    ("field.created", "创建时间", "Created"),
    ("field.name_zh", "中文名称", "Chinese name"),
    ("field.name_en", "英文名称", "English name"),
    ("field.contact_name", "联系人", "Contact name"),
    ("field.contact_email", "联系邮箱", "Contact e-mail"),
    ("field.contact_phone", "联系电话", "Contact phone"),
    ("field.return_address", "退货地址", "Return address"),
    ("field.username", "用户名", "Username"),
    ("field.display_name", "显示名称", "Display name"),
    ("field.role", "角色", "Role"),
    ("field.password", "初始密码", "Initial password"),
    ("field.owner", "归属", "Owner"),
    ("field.label", "备注名", "Label"),
    ("field.csv", "CSV", "CSV"),
    ("field.bins", "库位", "Bins"),
    ("field.cursor", "翻页位置", "Page position"),
    // Success notices after a redirect
    ("ok.supplier_created", "供应商已创建。", "Supplier created."),
    ("ok.supplier_status", "供应商状态已更新。", "Supplier status updated."),
    ("ok.key_revoked", "密钥已吊销。", "Key revoked."),
    ("ok.staff_created", "员工账号已创建。", "Staff account created."),
    ("ok.staff_updated", "员工账号已更新。", "Staff account updated."),
    ("ok.bins_imported", "已导入 {n} 个库位。", "{n} bins imported."),
    // Errors
    ("err.title", "出错了", "Something went wrong"),
    ("err.back", "返回首页", "Back to the dashboard"),
    ("err.fix_these", "未保存，请修改以下问题：", "Nothing was saved. Please fix:"),
    ("err.forbidden", "你的角色无权使用此页面。", "Your role may not use this page."),
    (
        "err.csrf",
        "请求被拒绝：表单已过期或来源不明。请刷新页面后重试。",
        "Request refused: the form expired or did not come from this console. Reload the page and try again.",
    ),
    ("err.bad_request", "请求无法识别。", "The request could not be understood."),
    ("err.not_found", "没有找到该记录。", "No such record."),
    ("err.page_not_found", "没有这个页面。", "There is no such page."),
    ("err.required", "不能为空", "must not be empty"),
    ("err.too_long", "太长", "is too long"),
    ("err.control_characters", "含有不允许的控制字符", "must not contain control characters"),
    (
        "err.invalid_code",
        "只能包含字母、数字、“-”、“_”和“.”",
        "may contain only letters, digits, '-', '_' and '.'",
    ),
    ("err.invalid_email", "不是有效的邮箱地址", "is not an e-mail address"),
    (
        "err.invalid_username",
        "须为 2 到 64 个字符：字母、数字、“.”、“_”或“-”",
        "must be 2 to 64 characters: letters, digits, '.', '_' or '-'",
    ),
    ("err.unknown_role", "未知角色", "unknown role"),
    ("err.password_too_short", "至少 10 个字符", "must be at least 10 characters"),
    ("err.password_too_long", "最多 200 个字符", "must be at most 200 characters"),
    ("err.unknown_owner", "请选择供应商、平台或员工", "choose a supplier, the platform or a staff member"),
    ("err.supplier_suspended", "该供应商已暂停", "the supplier is suspended"),
    (
        "err.invalid_bin_code",
        "格式应为 A-01-02-03（库区-巷道-列-层）",
        "must look like A-01-02-03 (zone-aisle-bay-level)",
    ),
    ("err.unknown_bin_type", "未知库位类型", "unknown bin type"),
    ("err.duplicate", "重复出现", "is listed twice"),
    ("err.not_positive", "必须大于 0", "must be greater than zero"),
    ("err.too_large", "数值太大", "is too large"),
    ("err.not_a_number", "必须是整数", "must be a whole number"),
    ("err.unreadable_csv", "无法读取的 CSV", "unreadable CSV"),
    (
        "err.bad_header",
        "第一行必须是列名：code,bin_type,capacity_units",
        "the first line must name the columns: code,bin_type,capacity_units",
    ),
    ("err.empty", "内容为空", "is empty"),
    (
        "err.too_many_lines",
        "每次最多导入 2000 个库位，请拆分文件",
        "at most 2000 bins per import; split the file",
    ),
    (
        "err.invalid_cursor",
        "翻页位置无效，已显示第一页",
        "is not a valid page position; showing the first page",
    ),
    ("err.bin_code_taken", "这些库位已存在", "These bins exist already"),
    ("err.supplier_code_taken", "该供应商编码已被使用", "This supplier code is already used"),
    ("err.username_taken", "该用户名已被使用", "This username is already used"),
    ("err.self_deactivation", "不能停用自己的账号", "You cannot deactivate your own account"),
    ("err.conflict", "已存在相同的记录", "A record with the same unique value already exists"),
    // Inbound
    ("nav.inbound", "入库", "Inbound"),
    ("dock.title", "到货与入库", "Dock and inbound"),
    ("dock.scan_label", "扫描物流单号或箱唛", "Scan a tracking number or carton label"),
    ("dock.scan_placeholder", "扫描后按回车", "Scan, then Enter"),
    ("dock.check_in", "签收", "Check in"),
    ("dock.arriving", "待到货 / 收货中", "Expected and being received"),
    ("dock.at_qc", "待质检", "Waiting for QC"),
    ("dock.to_put_away", "待上架", "Waiting for putaway"),
    ("dock.none", "暂无。", "None."),
    (
        "dock.arrived",
        "{asn} 已签收到货，已扫 {done}/{total} 箱。",
        "{asn} checked in: {done} of {total} cartons scanned.",
    ),
    ("dock.scanned", "{asn}：已扫 {done}/{total} 箱。", "{asn}: {done} of {total} cartons scanned."),
    ("dock.carton", "第 {n} 箱已登记。", "Carton {n} counted."),
    ("dock.carton_again", "第 {n} 箱之前已扫过。", "Carton {n} was already scanned."),
    ("dock.rejected", "{asn} 已拒收。", "{asn} refused at the dock."),
    ("dock.reject", "拒收", "Refuse"),
    ("dock.reject_reason", "拒收原因", "Reason for refusal"),
    ("dock.note", "备注", "Note"),
    ("reject.damaged_packing", "外包装破损", "Damaged packing"),
    ("reject.unreadable_labels", "箱唛无法识别", "Unreadable labels"),
    ("reject.contents_not_matching", "货物与发货单不符", "Contents not matching"),
    ("reject.late", "超时到货", "Late"),
    ("reject.not_expected", "非预约到货", "Not expected"),
    ("asn_status.draft", "草稿", "Draft"),
    ("asn_status.submitted", "已发货", "Shipped"),
    ("asn_status.arrived", "已到货", "Arrived"),
    ("asn_status.receiving", "收货中", "Receiving"),
    ("asn_status.received", "已收货", "Received"),
    ("asn_status.partly_received", "部分收货", "Partly received"),
    ("asn_status.inspecting", "质检中", "Inspecting"),
    ("asn_status.inspected", "待上架", "Inspected"),
    ("asn_status.completed", "已入库", "Completed"),
    ("asn_status.returned", "已退供", "Returned"),
    ("asn_status.rejected_at_dock", "已拒收", "Refused at dock"),
    ("asn_status.cancelled", "已取消", "Cancelled"),
    ("field.asn_no", "发货单号", "Shipment no."),
    ("field.tracking_no", "物流单号", "Tracking no."),
    ("field.cartons", "箱数", "Cartons"),
    ("field.eta", "预计到货", "Expected"),
    ("field.name", "名称", "Name"),
    ("field.barcode", "条码", "Barcode"),
    ("field.quantity", "数量", "Quantity"),
    ("field.bin", "库位", "Bin"),
    ("field.carton", "箱", "Carton"),
    ("field.carton_no", "箱号", "Carton no."),
    ("field.defect_code", "缺陷类型", "Defect"),
    ("field.note", "备注", "Note"),
    ("recv.title", "收货", "Receiving"),
    ("recv.scan_carton", "扫描箱唛开箱", "Scan a carton label to open it"),
    ("recv.scan_unit", "扫描商品条码", "Scan unit barcodes"),
    ("recv.carton", "箱", "Carton"),
    ("recv.quantity", "数量", "Quantity"),
    ("recv.damaged_unit", "破损", "Damaged"),
    ("recv.ok", "确定", "OK"),
    ("recv.close_carton", "完成本箱", "Close carton"),
    ("recv.close_receipt", "完成收货", "Close receipt"),
    ("recv.expected_vs_counted", "应收 / 实收", "Expected vs counted"),
    ("recv.expected", "应收", "Expected"),
    ("recv.counted", "已点", "Counted"),
    ("recv.received", "实收", "Received"),
    ("recv.damaged", "破损", "Damaged"),
    ("recv.diff", "差异", "Difference"),
    ("recv.short", "短少", "Short"),
    ("recv.over", "多出", "Over"),
    ("recv.cartons", "箱", "Cartons"),
    ("recv.carton_done", "已点完", "Counted"),
    ("recv.carton_mine", "我正在点", "Counting (you)"),
    ("recv.carton_other", "正在点：", "Being counted by"),
    ("recv.carton_arrived", "已到", "Arrived"),
    ("recv.report", "收货差异报告", "Discrepancy report"),
    ("recv.opened", "已开第 {n} 箱，请扫描商品。", "Carton {n} open: scan its units."),
    ("recv.counted_units", "{sku} × {q} 已点入第 {n} 箱。", "{sku} × {q} counted into carton {n}."),
    (
        "recv.damaged_units",
        "{sku} × {q} 记为破损（第 {n} 箱）。",
        "{sku} × {q} recorded as damaged (carton {n}).",
    ),
    (
        "recv.not_on_shipment",
        "{sku} 不在本发货单上：请放到异常区，已记录。",
        "{sku} is not on this shipment: set it aside; recorded.",
    ),
    ("recv.carton_closed", "第 {n} 箱已完成。", "Carton {n} closed."),
    ("recv.receipt_closed", "收货已完成，良品已转质检。", "Receipt closed; good units handed to QC."),
    ("exception.unknown_carton", "未知箱", "Unknown carton"),
    ("exception.unit_not_on_shipment", "非本单商品", "Unit not on shipment"),
    ("exception.damaged", "破损", "Damaged"),
    ("exception.over", "多出", "Over"),
    ("exception.short", "短少", "Short"),
    ("qc.measure", "实测重量与尺寸", "Measured weight and size"),
    ("qc.save_measure", "保存实测", "Save measurements"),
    ("qc.measured", "{sku} 的实测重量与尺寸已记录。", "Measurements of {sku} recorded."),
    ("qc.title", "质检", "Quality inspection"),
    ("qc.plan", "抽样方案", "Sampling plan"),
    ("qc.lot", "批量", "Lot"),
    ("qc.letter", "字码", "Code letter"),
    ("qc.sample", "样本量", "Sample"),
    ("qc.unit", "第几件", "Unit"),
    ("qc.defects", "不合格", "Defects"),
    ("qc.critical", "致命", "critical"),
    ("qc.pass", "合格", "Pass"),
    ("qc.defect", "不合格", "Defect"),
    ("qc.defect_code", "缺陷类型", "Defect"),
    ("qc.note", "备注", "Note"),
    ("qc.lots", "检验批", "Inspection lots"),
    ("qc.sampled", "已检", "Sampled"),
    ("qc.recorded", "{sku}：已检 {n}/{of}。", "{sku}: {n} of {of} sampled."),
    ("qc.accepted", "{sku}：批合格（已检 {n}/{of}）。", "{sku}: lot accepted ({n} of {of} sampled)."),
    (
        "qc.rejected",
        "{sku}：批不合格，整批退供。",
        "{sku}: lot rejected; all of it goes back to the supplier.",
    ),
    ("lot.pending", "待检", "Pending"),
    ("lot.in_progress", "检验中", "In progress"),
    ("lot.accepted", "合格", "Accepted"),
    ("lot.rejected", "不合格", "Rejected"),
    ("defect.damaged", "破损", "Damaged"),
    ("defect.wrong_item", "错货", "Wrong item"),
    ("defect.wrong_style_or_size", "款式/尺码不符", "Wrong style or size"),
    ("defect.counterfeit_or_infringing", "假冒/侵权", "Counterfeit or infringing"),
    ("defect.barcode_problem", "条码问题", "Barcode problem"),
    ("defect.spec_not_matching", "规格不符", "Spec not matching"),
    ("defect.missing_parts", "缺件", "Missing parts"),
    ("defect.empty_box", "空箱", "Empty box"),
    ("defect.weight_far_from_declared", "重量与申报不符", "Weight far from declared"),
    ("putaway.title", "上架", "Putaway"),
    ("putaway.scan_unit", "扫描商品条码", "Scan a unit's barcode"),
    ("putaway.scan_bin", "扫描库位条码确认", "Scan the bin to confirm"),
    ("putaway.confirm", "上架", "Put away"),
    ("putaway.remaining", "待上架", "To put away"),
    ("putaway.suggested", "建议库位", "Suggested bin"),
    ("putaway.no_room", "无可用库位", "No bin with room"),
    ("putaway.done", "{sku} × {q} 已上架到 {bin}。", "{sku} × {q} put away in {bin}."),
    ("putaway.completed", "本单已全部入库。", "The shipment is complete."),
    ("putaway.nothing_left", "没有待上架的商品。", "Nothing left to put away."),
    ("err.illegal_transition", "当前状态不允许此操作", "Not allowed in the current state"),
    ("err.unknown_code", "找不到该物流单号或箱唛", "No shipment or carton has this code"),
    ("err.unknown_barcode", "找不到该商品条码", "No product has this barcode"),
    ("err.unknown_carton", "本单没有这个箱", "No such carton on this shipment"),
    ("err.carton_taken", "该箱正由其他收货员清点", "Another clerk is counting this carton"),
    ("err.carton_closed", "该箱已点完", "This carton is already counted"),
    ("err.carton_not_open", "请先扫描箱唛开箱", "Scan the carton label first"),
    ("err.carton_of_other_shipment", "该箱属于其他发货单", "This carton belongs to another shipment"),
    ("err.cartons_open", "还有未完成的箱", "Some cartons are still being counted"),
    ("err.lot_decided", "该批已判定", "This lot is already decided"),
    ("err.unknown_bin", "没有这个库位", "No such bin"),
    ("err.bin_inactive", "该库位已停用", "This bin is not in use"),
    ("err.not_a_storage_bin", "该库位不能存放商品", "Stock is not stored in this bin"),
    ("err.bin_full", "库位容量不足", "The bin has no room"),
    ("err.not_on_shipment", "该商品不在本单待上架列表中", "This product is not waiting for putaway here"),
    ("err.exceeds_remaining", "超过待上架数量", "More than is left to put away"),
    ("err.nothing_to_put_away", "该商品已全部上架", "Everything of this product is put away"),
    ("err.insufficient_stock", "库存不足", "Not enough stock"),
    ("nav.pick", "拣货", "Picking"),
    ("nav.pack", "打包", "Packing"),
    ("nav.outbound", "出库", "Outbound"),
    ("nav.shipping", "发运", "Shipping"),
    ("channels.title", "物流渠道", "Shipping channels"),
    ("sort.title", "分拣集包", "Sort station"),
    (
        "sort.scan_label",
        "扫描包裹运单号，再扫描袋子标签",
        "Scan a parcel's tracking number, then the bag's label",
    ),
    ("sort.scan_placeholder", "运单号 / 袋号", "Tracking number / bag number"),
    ("sort.scan", "确定", "Go"),
    ("sort.pending", "待装袋包裹", "Parcel waiting for its bag"),
    ("sort.bag_for", "请装入袋子", "Put it in bag"),
    (
        "sort.no_open_bag",
        "该渠道和目的地还没有打开的袋子。",
        "No bag is open for this channel and destination.",
    ),
    ("sort.open_bag", "开新袋并打印袋标", "Open a bag and print its label"),
    ("sort.open_bags", "打开中的袋子", "Open bags"),
    ("sort.none", "没有打开中的袋子。", "No open bags."),
    (
        "sort.goes_to",
        "包裹 {parcel} → 袋子 {bag}：请扫描该袋子的标签。",
        "Parcel {parcel} goes in bag {bag}: scan that bag's label.",
    ),
    (
        "sort.no_bag",
        "包裹 {parcel}（{channel} → {dest}）：还没有打开的袋子，请开新袋。",
        "Parcel {parcel} ({channel} → {dest}): no bag is open for it; open one.",
    ),
    (
        "sort.bagged",
        "包裹 {parcel} 已装入 {bag}（共 {n} 件）。",
        "Parcel {parcel} is in {bag} ({n} parcels).",
    ),
    (
        "sort.opened",
        "已开新袋 {bag}：打印袋标，贴在袋子上。",
        "Bag {bag} opened: print its label and put it on the bag.",
    ),
    ("sort.parcel_first", "先扫描包裹，再扫描袋子。", "Scan the parcel first, then the bag."),
    ("sort.expect_parcel", "包裹的运单号", "a parcel's tracking number"),
    (
        "sort.expect_bag",
        "该包裹渠道和目的地的袋子标签",
        "the label of the bag for the parcel's channel and destination",
    ),
    ("bag.title", "袋子", "Bag"),
    ("bag.parcels", "包裹", "Parcels"),
    ("bag.weight", "袋子重量（克）", "Bag weight (g)"),
    ("bag.close", "称重封袋", "Weigh and close"),
    ("bag.expected", "应重", "Expected"),
    ("bag.label", "打印袋标", "Print the bag label"),
    ("bag.weight_number", "重量必须是克数的整数。", "The weight must be a whole number of grams."),
    (
        "bag.held",
        "袋子 {bag} 已拦截：{reason}。请主管核对。",
        "Bag {bag} is held: {reason}. A supervisor checks it.",
    ),
    ("bag.closed", "袋子 {bag} 已封袋（{n} 件）。", "Bag {bag} is closed ({n} parcels)."),
    ("bag.hold_reason", "拦截原因", "Held because"),
    (
        "bag.decide_api",
        "主管通过 API 决定：接受或重新打开。",
        "A supervisor decides through the API: accept or reopen.",
    ),
    ("manifests.title", "交接单", "Manifests"),
    ("manifests.none", "还没有交接单。", "No manifests yet."),
    ("manifests.new", "新建交接单（一个干线班次一张）", "New manifest (one per line-haul departure)"),
    ("manifests.create", "新建交接单", "Create the manifest"),
    (
        "manifests.created",
        "交接单 {manifest} 已新建：扫描已封袋的袋子加入。",
        "Manifest {manifest} created: scan closed bags onto it.",
    ),
    (
        "manifests.mode_and_time",
        "请选择运输方式并填写计划起飞/开船时间。",
        "Choose the transport mode and give the planned departure.",
    ),
    ("manifest.title", "交接单", "Manifest"),
    ("manifest.waybill", "主运单号", "Master waybill"),
    ("manifest.status", "状态", "Status"),
    ("manifest.bags", "袋", "Bags"),
    ("manifest.mode", "运输方式", "Transport mode"),
    ("manifest.transport_ref", "航班 / 船名航次 / 车牌", "Flight / vessel / truck"),
    ("manifest.departure", "计划出发", "Planned departure"),
    ("manifest.declared", "申报价值", "Declared value"),
    ("manifest.customs", "海关回执", "Customs receipts"),
    ("manifest.print", "打印交接单", "Print the manifest"),
    ("manifest.csv", "清单 CSV", "Manifest CSV"),
    ("manifest.customs_xml", "报关清单 XML（CEB603）", "Declaration lists XML (CEB603)"),
    ("manifest.customs_csv", "报关清单 CSV", "Declaration lists CSV"),
    ("manifest.scan_bag", "扫描已封袋的袋标加入交接单", "Scan a closed bag's label to add it"),
    ("manifest.close", "关闭交接单（之后不能再加袋）", "Close the manifest (no more bags after)"),
    ("manifest.pulled", "已撤下的袋子", "Bags pulled off"),
    ("manifest.house", "分运单号", "House waybill"),
    ("manifest.order", "订单号", "Order"),
    ("manifest.bag_added", "袋子 {bag} 已加入（共 {n} 袋）。", "Bag {bag} added ({n} bags)."),
    ("manifest.expect_bag", "本渠道已封袋的袋标", "a closed bag of this manifest's channel"),
    ("manifest.closed", "交接单 {manifest} 已关闭。", "Manifest {manifest} is closed."),
    ("manifest_status.open", "加袋中", "Open"),
    ("manifest_status.closed", "已关闭", "Closed"),
    ("manifest_status.handed_over", "已交接", "Handed over"),
    ("transport_mode.air", "空运", "Air"),
    ("transport_mode.sea", "海运", "Sea"),
    ("transport_mode.road", "陆运", "Road"),
    ("transport_mode.rail", "铁路", "Rail"),
    ("transport_mode.post", "邮政", "Post"),
    ("handover.title", "装车交接", "Handover"),
    ("handover.scan_label", "装车时逐袋扫描袋标", "Scan each bag's label as it is loaded"),
    ("handover.on_vehicle", "已装车", "on the vehicle"),
    ("handover.not_loaded", "未扫描", "not scanned"),
    ("handover.customs_open", "海关尚未全部放行", "Customs has not cleared every parcel"),
    ("handover.finish", "完成交接", "Finish the handover"),
    (
        "handover.missing_warning",
        "还有袋子未扫描：确认后它们将从交接单撤下并生成异常。",
        "Bags are not scanned yet: on confirming they are pulled off the manifest and raised as exceptions.",
    ),
    ("handover.driver", "司机姓名", "Driver's name"),
    ("handover.vehicle", "车牌 / 箱号", "Vehicle / container"),
    (
        "handover.override",
        "主管放行说明（海关未全部放行时）",
        "Supervisor's override note (customs not clear)",
    ),
    ("handover.confirm", "确认交接", "Confirm the handover"),
    ("handover.loaded", "袋子 {bag} 已装车（{n} / {total}）。", "Bag {bag} loaded ({n} / {total})."),
    (
        "handover.again",
        "袋子 {bag} 已扫描过（{n} / {total}）。",
        "Bag {bag} was scanned already ({n} / {total}).",
    ),
    ("handover.expect_bag", "交接单 {manifest} 上的袋子", "a bag of manifest {manifest}"),
    ("handover.done", "已交接：{n} 件包裹已发运。", "Handed over: {n} parcels shipped."),
    (
        "handover.done_missing",
        "已交接：{n} 件包裹已发运。未扫描的袋子已撤下并生成异常：{bags}",
        "Handed over: {n} parcels shipped. Bags not scanned were pulled off and raised as exceptions: {bags}",
    ),
    ("err.bag_not_on_manifest", "袋子不属于本交接单，不要装车", "Bag not on this manifest, do not load it"),
    ("err.already_bagged", "包裹已在袋中", "The parcel is in a bag already"),
    ("err.parcel_not_packed", "只有已打包贴单的包裹才能分拣", "Only packed, labelled parcels are sorted"),
    (
        "err.unknown_parcel",
        "没有这个运单号或包裹号，请扫描面单上的运单号",
        "No parcel has this label: scan the tracking number on its label",
    ),
    ("err.unknown_bag", "没有这个袋号", "No bag has this label"),
    ("err.bag_not_open", "该袋不是开袋状态，请扫入开着的袋子", "The bag is not open"),
    (
        "err.wrong_bag",
        "渠道或目的地不符，请放入本渠道、本目的地的袋子",
        "Put it in the bag of its own channel and destination",
    ),
    ("err.parcel_moved", "包裹刚被改动，请重新扫描", "The parcel was moved meanwhile: scan it again"),
    ("err.not_in_bag", "包裹不在此袋中", "The parcel is not in this bag"),
    ("err.bag_empty", "袋内没有包裹", "The bag has no parcels"),
    ("err.bag_not_held", "该袋未被扣留", "The bag is not held"),
    (
        "err.another_bag_open",
        "同渠道同目的地已有开着的袋子，请先封袋",
        "Another bag is open for the same channel and destination",
    ),
    (
        "err.bag_not_closed",
        "只有已封袋（已称重）的袋子才能加入交接单",
        "Only closed (weighed) bags go on a manifest",
    ),
    ("err.wrong_channel", "袋子的渠道与交接单不同", "The bag is of another channel"),
    ("err.bag_on_manifest", "该袋已在另一张交接单上", "The bag is on another manifest already"),
    ("err.manifest_empty", "交接单上没有袋子", "The manifest has no bags"),
    ("err.manifest_moved", "交接单刚被改动，请重新查看", "The manifest changed meanwhile: look again"),
    ("err.nothing_loaded", "还没有任何袋子扫描装车", "No bag was scanned onto the vehicle"),
    (
        "err.customs_not_clear",
        "报关未全部放行：请等待报关行回执，或由主管填写说明后放行",
        "Customs has not cleared every parcel",
    ),
    (
        "err.customs_not_configured",
        "未设置仓库的海关编码（CUSTODY_CUSTOMS_*），无法生成报关清单",
        "The warehouse's customs codes are not set",
    ),
    ("err.unknown_format", "不支持的格式", "Unknown format"),
    ("err.parcel_not_shipped", "只有承运商已揽收的包裹才能索赔", "A claim is for a parcel the carrier has"),
    ("err.claim_open", "该包裹已有进行中的索赔", "A claim is open on the parcel already"),
    ("err.claim_not_open", "该索赔已处理", "The claim was decided already"),
    ("bag_status.open", "打开中", "Open"),
    ("bag_status.closed", "已封袋", "Closed"),
    ("bag_status.held", "已拦截", "Held"),
    (
        "channels.hint",
        "包裹在打包台按渠道规则自动分配：可走该目的地、服务等级、敏感货物属性、重量与尺寸的渠道中最便宜的一条。渠道由管理员通过 API 新增版本，旧版本保留。",
        "Parcels are routed at the pack station: the cheapest channel whose destinations, service levels, sensitive-goods flags, weight and size allow them. Admins add channel versions through the API; earlier versions are kept.",
    ),
    (
        "channels.none",
        "还没有物流渠道：打包后的包裹将因无可用渠道而暂扣。",
        "No channels yet: packed parcels will be held for want of a route.",
    ),
    ("channels.code", "渠道", "Channel"),
    ("channels.version", "版本", "Version"),
    ("channels.carrier", "承运商", "Carrier"),
    ("channels.service", "类型", "Service"),
    ("channels.destinations", "目的地", "Destinations"),
    ("channels.levels", "服务等级", "Service levels"),
    ("channels.cutoff", "截单时间", "Cut-off"),
    ("channels.divisor", "材积除数", "Divisor"),
    ("channels.limits", "限重 / 最长边 / 三边和", "Max weight / side / L+W+H"),
    ("channels.flags", "可运敏感货", "Sensitive goods allowed"),
    ("channels.tracking", "运单号", "Tracking numbers"),
    ("channels.rate", "运费（首重 + 每公斤）", "Rate (base + per kg)"),
    ("channels.inactive", "已停用", "Inactive"),
    ("channels.no_flags", "无", "none"),
    ("channel_service.air", "空运", "air"),
    ("channel_service.sea", "海运", "sea"),
    ("channel_service.postal", "邮政", "postal"),
    ("channel_service.express", "快递", "express"),
    ("tracking_source.s10", "UPU S10 自编", "UPU S10, our own"),
    ("tracking_source.imported", "承运商号段", "carrier ranges"),
    ("flag.battery_only", "纯电", "battery only"),
    ("flag.built_in_battery", "内电", "built-in battery"),
    ("flag.magnetic", "带磁", "magnetic"),
    ("flag.liquid", "液体", "liquid"),
    ("flag.powder", "粉末", "powder"),
    ("flag.paste", "膏体", "paste"),
    ("flag.blades", "刀具", "blades"),
    ("pick.title", "拣货", "Picking"),
    ("pick.bin", "库位", "Bin"),
    ("pick.item", "商品", "Item"),
    ("pick.order", "订单", "Order"),
    ("pick.tote", "周转箱", "Tote"),
    ("pick.new_tote", "取一个空周转箱", "take an empty tote"),
    ("pick.scan_bin", "扫描库位条码", "Scan the bin"),
    ("pick.scan_unit", "扫描商品条码", "Scan a unit"),
    ("pick.scan_tote", "扫描周转箱确认", "Scan the tote to confirm"),
    ("pick.short", "缺货 / 破损", "Short or damaged"),
    ("pick.found", "实拣数量", "Units found"),
    ("pick.scan_unit_if_found", "扫描商品（有货时）", "Scan a unit (if any found)"),
    ("pick.reason", "原因", "Reason"),
    ("pick.short_confirm", "确认缺拣", "Confirm short pick"),
    ("pick.next", "领取下一个任务", "Next task"),
    ("pick.nothing", "没有待拣任务。", "Nothing to pick."),
    ("pick.done", "{sku} × {q} 已拣入 {tote}。", "{sku} × {q} picked into {tote}."),
    ("pick.short_done", "缺 {n} 件，已通知主管。", "{n} short: a supervisor is told."),
    ("short.missing", "库位无货", "Not in the bin"),
    ("short.damaged", "商品破损", "Damaged"),
    ("pack.title", "打包台", "Pack station"),
    ("pack.suggested", "建议纸箱", "Suggested carton"),
    ("pack.scan_unit", "逐件扫描商品", "Scan every unit"),
    ("pack.to_go", "待装", "to go"),
    ("pack.weigh", "称重（克）", "Weight (g)"),
    ("pack.carton", "纸箱", "Carton"),
    ("pack.weigh_ok", "称重并生成面单", "Weigh and label"),
    ("pack.tracking", "运单号", "Tracking number"),
    ("pack.print", "打印面单", "Print the label"),
    ("pack.ordered", "订购", "Ordered"),
    ("pack.packed_n", "已装", "Packed"),
    ("pack.scan_tote", "扫描周转箱开始打包", "Scan a tote to pack"),
    (
        "pack.held",
        "重量异常：{weight} 克，应为约 {expected} 克。包裹已拦截，请通知主管。",
        "Weight off: {weight} g, expected about {expected} g. The parcel is held: call a supervisor.",
    ),
    ("pack.scanned", "{sku} 已装入，还剩 {left} 件。", "{sku} packed; {left} to go."),
    ("pack.packed", "已打包，运单号 {tracking}。", "Packed: tracking number {tracking}."),
    ("parcel_status.packing", "打包中", "Packing"),
    ("parcel_status.held", "已拦截", "Held"),
    ("parcel_status.packed", "已打包", "Packed"),
    ("parcel_status.bagged", "已集包", "Bagged"),
    ("parcel_status.handed_over", "已交接", "Handed over"),
    ("parcel_status.cancelled", "已取消", "Cancelled"),
    ("parcel_status.in_transit", "运输中", "In transit"),
    ("parcel_status.delivered", "已签收", "Delivered"),
    ("parcel_status.returned_to_sender", "已退回", "Returned to sender"),
    ("track_status.info_received", "承运商已收到信息", "Info received"),
    ("track_status.in_transit", "运输中", "In transit"),
    ("track_status.customs_hold", "海关扣留", "Customs hold"),
    ("track_status.customs_released", "海关放行", "Customs released"),
    ("track_status.out_for_delivery", "派送中", "Out for delivery"),
    ("track_status.delivery_failed", "派送失败", "Delivery failed"),
    ("track_status.delivered", "已签收", "Delivered"),
    ("track_status.returned_to_sender", "已退回寄件人", "Returned to sender"),
    ("track_status.exception", "异常", "Exception"),
    ("step.packed", "打包完成", "Packed"),
    ("step.label_printed", "打印面单", "Label printed"),
    ("step.bagged", "集包", "Bagged"),
    ("step.bag_closed", "封袋", "Bag closed"),
    ("step.customs_accepted", "出口报关放行", "Export customs accepted"),
    ("step.customs_rejected", "出口报关退单", "Export customs rejected"),
    ("step.handed_over", "已交接承运商", "Handed over to the carrier"),
    ("step.lost_suspected", "疑似丢件", "Suspected lost"),
    ("step.claim_opened", "发起索赔", "Claim opened"),
    ("step.claim_settled", "索赔已结", "Claim settled"),
    ("step.claim_rejected", "索赔被拒", "Claim rejected"),
    ("claim_status.open", "处理中", "Open"),
    ("claim_status.settled", "已赔付", "Settled"),
    ("claim_status.rejected", "已拒绝", "Rejected"),
    ("nav.returns", "退货", "Returns"),
    ("returns.title", "退货台", "Returns desk"),
    ("returns.one", "退货单", "Return"),
    (
        "returns.scan_label",
        "扫描退货包裹上的单号（退货单号、退货运单号、原运单号、订单号或商品条码）",
        "Scan the return parcel's label (return, return tracking, original tracking or order number, or a unit's barcode)",
    ),
    ("returns.weight", "包裹重量（克）", "Parcel weight (g)"),
    ("returns.note", "备注", "Note"),
    ("returns.arrive", "登记到货", "Record arrival"),
    ("returns.waiting", "待质检 / 待处置", "Waiting for grading or disposition"),
    ("returns.none_waiting", "没有待处理的退货。", "No returns waiting."),
    ("returns.unidentified", "无法识别的包裹", "Unidentified parcels"),
    ("returns.none_unidentified", "没有无法识别的包裹。", "No unidentified parcels."),
    ("returns.weight_needed", "请先称重并填写重量（克）", "Weigh the parcel and enter its weight in grams"),
    ("returns.expect_weight", "包裹重量（克）", "the parcel's weight in grams"),
    (
        "returns.expect_label",
        "退货包裹上的单号或商品条码",
        "a number on the return parcel or a unit's barcode",
    ),
    ("returns.arrived", "{no} 已到货，请逐件质检", "{no} arrived: grade each unit"),
    (
        "returns.weight_light",
        "{no} 已到货：包裹比发出时轻很多，请开箱核对！",
        "{no} arrived: the box is much lighter than what was shipped, check it!",
    ),
    (
        "returns.weight_empty",
        "{no} 已到货：包裹几乎是空的，请开箱核对！",
        "{no} arrived: the box is almost empty, check it!",
    ),
    (
        "returns.unidentified_queued",
        "无法识别 {code}：已放入无法识别包裹列表",
        "Nothing matches {code}: the parcel is on the unidentified list",
    ),
    ("returns.grade", "质检等级", "Grade"),
    ("returns.line", "行", "Line"),
    ("returns.unit", "件", "Unit"),
    ("returns.save_grades", "保存质检结果", "Save the grades"),
    ("returns.graded", "{no} 的质检结果已保存", "Grades of {no} saved"),
    ("returns.dispose", "处置", "Disposition"),
    ("returns.goes_to", "去向", "Goes to"),
    ("returns.bin", "上架库位（重新上架时扫描）", "Bin (scan it for restocking)"),
    ("returns.override_note", "改变去向时的说明（主管）", "Note for another destination (supervisor)"),
    ("returns.confirm_dispositions", "确认处置", "Confirm the dispositions"),
    ("returns.dispositioned", "{no} 已处置：{status}", "{no} dispositioned: {status}"),
    ("returns.units", "退回的商品", "Returned units"),
    ("returns.photos", "照片", "Photos"),
    (
        "returns.take_photo",
        "拍照或选择照片（JPEG、PNG、WebP，最大 8 MB）",
        "Take or choose a photo (JPEG, PNG, WebP, 8 MB at most)",
    ),
    ("returns.photo_of", "照片内容", "The photo shows"),
    ("returns.photo_parcel", "整个包裹（含面单）", "The parcel (with its label)"),
    ("returns.upload_photo", "保存照片", "Save the photo"),
    ("returns.photo_saved", "照片已保存，共 {n} 张", "Photo saved: {n} in all"),
    ("returns.photo_missing", "请先拍照或选择照片", "Take or choose a photo first"),
    (
        "returns.photo_too_large",
        "照片太大（最大 8 MB），请调低分辨率后重拍",
        "The photo is too large (8 MB at most): take it again at a lower resolution",
    ),
    ("returns.no_photos", "还没有照片。", "No photos yet."),
    ("returns.unidentified_one", "无法识别的包裹", "Unidentified parcel"),
    (
        "returns.unidentified_photo_hint",
        "请拍下包裹外观、面单和里面的商品，便于之后匹配",
        "Photograph the box, its label and what is inside, so that it can be matched later",
    ),
    ("returns.resolve_label", "扫描或输入它所属的退货单号", "Scan or type the return number it belongs to"),
    ("returns.resolve", "确认匹配到该退货单", "Match it to this return"),
    ("returns.resolved_to", "已匹配到", "Matched to"),
    ("returns.expect_return_no", "退货单号", "a return number"),
    ("return_status.requested", "已申请", "Requested"),
    ("return_status.refunded_without_return", "仅退款", "Refunded without return"),
    ("return_status.awaiting_parcel", "待退回", "Awaiting the parcel"),
    ("return_status.arrived", "已到货", "Arrived"),
    ("return_status.graded", "已质检", "Graded"),
    ("return_status.closed", "已完成", "Closed"),
    ("return_status.cancelled", "已取消", "Cancelled"),
    ("return_status.rejected", "已拒绝", "Rejected"),
    ("weight_flag.light", "包裹偏轻", "Box light"),
    ("weight_flag.empty", "空包裹", "Box empty"),
    ("grade.sellable_new", "全新可售", "Sellable as new"),
    ("grade.sellable_repack", "重新包装后可售", "Sellable after repack"),
    ("grade.damaged", "损坏", "Damaged"),
    ("grade.wrong_item", "非我方商品", "Wrong item"),
    ("grade.empty", "空", "Empty"),
    ("grade.counterfeit_suspected", "疑似假货", "Suspected counterfeit"),
    ("disposition.restock", "重新上架", "Restock"),
    ("disposition.return_to_supplier", "退回供应商", "Return to supplier"),
    ("disposition.dispose", "销毁", "Dispose of"),
    ("disposition.hold", "冻结待查", "Hold for investigation"),
    ("return_reason.does_not_fit", "尺寸不合适", "Does not fit"),
    ("return_reason.not_needed", "不需要了", "Not needed"),
    ("return_reason.changed_mind", "改变主意", "Changed mind"),
    ("return_reason.damaged", "商品损坏", "Damaged"),
    ("return_reason.defective", "质量问题", "Defective"),
    ("return_reason.not_as_described", "与描述不符", "Not as described"),
    ("return_reason.wrong_item_sent", "发错货", "Wrong item sent"),
    ("return_reason.counterfeit_suspected", "疑似假货", "Counterfeit suspected"),
    ("return_reason.damaged_in_transit", "运输中损坏", "Damaged in transit"),
    ("return_reason.late", "物流超时", "Late"),
    ("return_reason.lost", "丢件", "Lost"),
    ("err.return_final", "该退货单已结束", "The return is final"),
    ("err.return_arrived", "退货包裹已到货，不能取消", "The return's parcel arrived already"),
    ("err.return_not_arrived", "退货包裹到货后才能质检", "Grade a return whose parcel arrived"),
    ("err.return_not_graded", "请先完成全部质检", "Grade every unit first"),
    ("err.unit_dispositioned", "该件商品已处置", "This unit has gone to its disposition already"),
    (
        "err.override_needs_supervisor",
        "改变默认去向需主管操作并填写说明",
        "Another destination is a supervisor's decision, with a note",
    ),
    ("err.unknown_unit", "本退货单没有这件商品", "No such unit in this return"),
    ("err.not_an_image", "不是照片：只接受 JPEG、PNG 或 WebP 图片", "Not a photo: JPEG, PNG or WebP only"),
    ("err.photo_type_mismatch", "照片的实际格式与声明的不符", "The photo is not of the type it was sent as"),
    ("err.empty_photo", "照片是空的，请重拍", "The photo is empty: take it again"),
    ("err.too_many_photos", "这个包裹的照片已达上限（30 张）", "This parcel keeps 30 photos at most"),
    ("err.return_not_at_desk", "包裹到货登记后才能拍照", "Photos are taken once the parcel is at the desk"),
    ("err.return_moved", "退货单刚被改动，请重新查看", "The return changed meanwhile"),
    ("timeline.title", "包裹轨迹", "Parcel timeline"),
    ("timeline.scan_label", "扫描运单号或包裹号", "Scan a tracking or parcel number"),
    ("timeline.scan_placeholder", "运单号 / 包裹号", "Tracking / parcel number"),
    ("timeline.find", "查询", "Find"),
    ("timeline.order", "订单", "Order"),
    ("timeline.channel", "渠道", "Channel"),
    ("timeline.milestone", "最新节点", "Latest milestone"),
    ("timeline.lost_suspected", "疑似丢件，自", "Suspected lost since"),
    ("timeline.empty", "还没有任何记录。", "Nothing recorded yet."),
    ("timeline.warehouse", "仓内", "Warehouse"),
    ("timeline.carrier", "承运商", "Carrier"),
    ("timeline.system", "系统", "System"),
    ("timeline.times", "时间为仓库当地时间", "Times in warehouse local time"),
    ("timeline.claims", "索赔", "Claims"),
    ("timeline.lookup", "查包裹轨迹", "Parcel timeline"),
    ("timeline.not_found", "没有这个运单号或包裹号", "No parcel has this tracking or parcel number"),
    ("exc.title", "出库异常", "Outbound exceptions"),
    ("exc.none", "没有待处理的异常。", "No open exceptions."),
    ("exc.kind", "类型", "Kind"),
    ("exc.detail", "说明", "Detail"),
    ("exc.raised", "提出", "Raised"),
    ("exc.bin", "放回库位", "Bin put back to"),
    ("exc.note", "备注", "Note"),
    ("exc.resolved", "{order} 的异常已处理（{action}）。", "Exception of {order} resolved ({action})."),
    ("exc_kind.short_missing", "缺拣（库位无货）", "Short pick: not in the bin"),
    ("exc_kind.short_damaged", "缺拣（破损）", "Short pick: damaged"),
    ("exc_kind.weight_hold", "重量拦截", "Weight hold"),
    ("exc_kind.no_route", "无可用渠道", "No route"),
    (
        "pack.no_route",
        "包裹 {parcel} 没有可承运的渠道，已暂扣，不打印面单：{reason}。请放到异常区并通知主管。",
        "Parcel {parcel} is held: no channel may carry it, so no label: {reason}. Put it in the exceptions area and tell a supervisor.",
    ),
    (
        "exc.what_no_route",
        "包裹 {parcel} 没有可承运的渠道：{reason}。调整渠道后点“接受”重新分配，或重新打包（换箱）。",
        "No channel may carry parcel {parcel}: {reason}. Change a channel and accept to route it again, or repack it (another carton).",
    ),
    ("exc_kind.put_back", "取消订单待归位", "Cancelled: put back"),
    ("exc_kind.lost_suspected", "疑似丢件", "Suspected lost"),
    ("exc.what_lost", "包裹 {parcel} 疑似丢件：{detail}", "Parcel {parcel} may be lost: {detail}"),
    ("exc_kind.handover_missing", "交接漏扫", "Missing at handover"),
    ("exc_kind.customs_rejected", "海关退单", "Rejected by customs"),
    ("action.release", "盘点有货，解冻", "Found: release"),
    ("action.write_off", "确认丢失，核销", "Lost: write off"),
    ("action.acknowledge", "已知悉", "Acknowledge"),
    ("action.accept", "核实无误，放行", "Checked: accept"),
    ("action.repack", "重新打包", "Repack"),
    ("action.restock", "已归位", "Restocked"),
    ("orders.title", "订单", "Orders"),
    ("orders.search", "按订单号、平台单号或周转箱查找", "Find by order number, platform order id or tote"),
    ("orders.any_status", "全部", "Any"),
    ("orders.find", "查找", "Find"),
    ("orders.platform_id", "平台单号", "Platform order"),
    ("orders.destination", "目的国", "Destination"),
    ("orders.ship_by", "最晚发货", "Ship by"),
    ("orders.status", "状态", "Status"),
    ("orders.buyer", "收件人", "Buyer"),
    ("orders.units", "商品", "Units"),
    ("orders.erased", "（已删除）", "(erased)"),
    ("orders.none", "没有符合条件的订单。", "No order matches."),
    ("order_status.allocated", "已分配", "Allocated"),
    ("order_status.backordered", "缺货待补", "Backordered"),
    ("order_status.waved", "拣货中", "Being picked"),
    ("order_status.picked", "已拣货", "Picked"),
    ("order_status.packed", "已打包", "Packed"),
    ("order_status.shipped", "已发运", "Shipped"),
    ("order_status.cancelled", "已取消", "Cancelled"),
    ("order_status.delivered", "已签收", "Delivered"),
    ("waves.title", "波次计划", "Wave planning"),
    ("waves.waiting", "待放波次的订单", "Orders waiting for a wave"),
    ("waves.service", "服务", "Service"),
    ("waves.orders", "订单数", "Orders"),
    ("waves.release", "放波次", "Release a wave"),
    ("waves.cutoff", "截单时间（仓库当地时间，此前须发货）", "Cut-off (warehouse time: ship by before)"),
    ("waves.max_orders", "最多订单数", "At most orders"),
    ("waves.max_lines", "最多订单行", "At most lines"),
    (
        "waves.released",
        "波次 {wave} 已放出：{orders} 个订单，{tasks} 个拣货任务。",
        "Wave {wave} released: {orders} orders, {tasks} pick tasks.",
    ),
    ("err.wrong_bin", "库位不对", "Wrong bin"),
    ("err.wrong_item", "商品不对", "Wrong item"),
    ("err.wrong_tote", "周转箱不对", "Wrong tote"),
    ("err.invalid_tote", "这不是周转箱条码", "That is not a tote"),
    ("err.tote_in_use", "该周转箱正被其他订单使用", "The tote holds another order"),
    ("err.not_in_order", "该商品不在此订单中", "This unit is not in the order"),
    ("err.too_many", "数量超出", "Too many"),
    ("err.empty_tote", "该周转箱没有待打包的订单", "No order to pack in this tote"),
    ("err.not_picked", "订单尚未拣完", "The order is not fully picked"),
    ("err.units_remaining", "还有商品未装箱", "Units are still to be scanned"),
    ("err.nothing_to_wave", "没有符合条件的订单", "No order matches"),
    // The alert panel and forms
    ("alert.scanned", "扫描到", "Scanned"),
    ("alert.expected", "应为", "Expected"),
    ("err.refused", "未执行：", "Not done:"),
    ("form.choose", "— 请选择 —", "— choose —"),
    ("form.cancel", "取消", "Cancel"),
    ("form.note_for_other", "（原因为“其他”时必填）", "(needed when the reason is other)"),
    ("layout.local_time", "时间均为仓库当地时间：", "Times are the warehouse's local time:"),
    ("unit.g", "重量（克）", "Weight (g)"),
    ("unit.length_mm", "长（毫米）", "Length (mm)"),
    ("unit.width_mm", "宽（毫米）", "Width (mm)"),
    ("unit.height_mm", "高（毫米）", "Height (mm)"),
    ("nav.stock", "库存", "Stock"),
    ("actor.system", "系统", "System"),
    ("actor.platform", "平台对接", "Platform integration"),
    ("actor.supplier", "供应商对接", "Supplier integration"),
    // Sign-in after a session ended
    (
        "login.session_ended",
        "登录已过期，请重新登录；登录后将回到刚才的页面。",
        "Your session ended. Sign in again to return to the page you were on.",
    ),
    (
        "login.lost",
        "刚才扫描的 {code} 未被记录（登录已过期）。登录后请重新扫描。",
        "The scan of {code} was NOT recorded (your session had ended). Scan it again after signing in.",
    ),
    (
        "login.scan_again",
        "已重新登录。刚才扫描的 {code} 未被记录，请重新扫描。",
        "Signed in again. The scan of {code} was not recorded: scan it again.",
    ),
    // Dashboard
    ("dashboard.inbound", "入库", "Inbound"),
    ("dashboard.outbound", "出库", "Outbound"),
    ("dashboard.exceptions", "待处理异常", "Open exceptions"),
    ("dashboard.arriving_today", "今日预计到货", "Shipments due today"),
    ("dashboard.cartons_waiting", "待收货箱数", "Cartons waiting to be received"),
    ("dashboard.lots_in_qc", "质检中批次", "Lots in QC"),
    ("dashboard.orders_overdue", "已过截单时间的订单", "Orders past their cut-off"),
    ("dashboard.orders_today", "今日截单的订单", "Orders due today"),
    ("dashboard.orders_later", "之后截单的订单", "Orders due later"),
    ("dashboard.waves_open", "进行中的波次", "Waves in progress"),
    ("dashboard.parcels_held", "重量拦截的包裹", "Parcels held at the scale"),
    ("dashboard.no_exceptions", "没有待处理的异常", "No open exceptions"),
    // Dock refusal
    ("dock.expected", "物流单号或箱唛", "a tracking number or a carton label"),
    ("dock.reject_title", "拒收发货单", "Refuse a shipment"),
    (
        "dock.reject_warning",
        "拒收后整票货物退回供应商，此操作不可撤销。请选择原因。",
        "The whole shipment goes back to the supplier; this cannot be undone. Choose the reason.",
    ),
    ("dock.reject_confirm", "确认拒收", "Refuse the shipment"),
    ("reject.other", "其他", "Other"),
    // Receiving
    (
        "recv.paused",
        "第 {n} 箱已暂停（已点数量保留，再扫其箱唛可继续）。",
        "Carton {n} paused (its counts are kept; scan its label to go on).",
    ),
    (
        "recv.carton_over",
        "第 {n} 箱超出箱唛数量 {over} 件：已记录多出异常。",
        "Carton {n} holds {over} more than its label says: recorded as over.",
    ),
    ("recv.carton_paused", "已暂停", "Paused"),
    ("recv.label_says", "箱唛数量", "Label says"),
    ("recv.expected_label", "本单的箱唛", "a carton label of this shipment"),
    ("recv.expected_unit", "本箱商品条码", "a unit barcode of this carton"),
    ("recv.close_title", "收货短少，确认完成收货", "Close a receipt that is short"),
    (
        "recv.close_warning",
        "以下商品实收少于应收。完成收货后短少将记入供应商绩效。请选择原因。",
        "These products came short. Closing the receipt charges the shortage to the supplier. Choose the reason.",
    ),
    ("recv.short_reason", "短少原因", "Why short"),
    ("recv.close_short_confirm", "确认短少并完成收货", "Close the receipt short"),
    ("short_reason.supplier_short", "供应商少发", "Supplier sent fewer"),
    ("short_reason.carton_missing", "整箱未到", "A carton never arrived"),
    ("short_reason.lost_in_transit", "运输途中丢失", "Lost in transit"),
    ("short_reason.other", "其他", "Other"),
    ("exception.lot_rejected", "质检批不合格", "QC lot rejected"),
    // QC
    ("qc.scan_sample", "扫描样品条码", "Scan the sample unit"),
    (
        "qc.scanned_record_verdict",
        "已扫描，请判定后再扫下一件",
        "Scanned: record its verdict, then scan the next",
    ),
    (
        "qc.unit_scanned",
        "{sku}：第 {n}/{of} 件已扫描，请判定。",
        "{sku}: unit {n} of {of} scanned; record its verdict.",
    ),
    ("qc.verdict_for", "判定第几件：", "Verdict for unit"),
    ("qc.accept_reject", "接收/拒收数", "Ac / Re"),
    ("qc.reject_title", "确认判定批不合格", "Confirm a lot rejection"),
    (
        "qc.reject_warning",
        "记录这个缺陷后该批判定为不合格：整批退回供应商。确定吗？",
        "Recording this defect rejects the lot: all of it goes back to the supplier. Are you sure?",
    ),
    ("qc.reject_confirm", "确认：批不合格", "Reject the lot"),
    ("defect.other", "其他", "Other"),
    // Putaway
    ("putaway.unit_scanned", "{sku}：请扫描库位。", "{sku}: now scan the bin."),
    (
        "putaway.off_suggestion",
        "扫描的库位 {bin} 不是建议库位 {suggested}。请确认，或扫描建议库位。",
        "Bin {bin} is not the suggested {suggested}. Confirm it, or scan the suggested bin.",
    ),
    (
        "putaway.confirm_other",
        "确认放入非建议库位：",
        "Confirm putting away into a bin that was not suggested:",
    ),
    ("putaway.confirm_bin", "确认放入", "Put away in"),
    ("putaway.other_unit", "换一个商品", "Another product"),
    ("bin_type.mixed", "混放储位", "Mixed storage"),
    // Picking
    ("pick.bin_ok", "已确认", "Confirmed"),
    ("pick.units_scanned", "已扫件数", "Units scanned"),
    ("pick.keyed", "手输", "keyed in"),
    (
        "pick.count_hint",
        "数量较多时：扫一件后输入总数并确认。",
        "Many units: scan one, key in the total and confirm.",
    ),
    ("pick.count", "总件数", "Total units"),
    ("pick.confirm_count", "确认数量", "Confirm the count"),
    ("pick.short_hint", "已扫件数将放入周转箱：", "The units scanned go into the tote:"),
    ("pick.restart", "重新开始本任务", "Start this task again"),
    ("pick.any_tote", "任意空周转箱", "an empty tote"),
    // Packing
    ("pack.expected_code", "周转箱、包裹号、订单号或运单号", "a tote, parcel, order or tracking number"),
    ("pack.reprint", "补打面单", "Reprint the label"),
    ("pack.view_label", "查看面单", "View the label"),
    ("pack.printed", "面单已打印（第 {n} 份）。", "Label printed (copy {n})."),
    ("pack.reprinted", "面单已补打（第 {n} 份），已记录。", "Label reprinted (copy {n}); recorded."),
    ("pack.prints", "打印记录", "Prints"),
    ("pack.first_print", "首次打印", "First print"),
    ("pack.reprint_n", "补打", "Reprint"),
    // Outbound supervisors
    ("order.title", "订单详情", "Order"),
    ("order.received", "接单时间", "Received"),
    ("order.lines", "订单行", "Lines"),
    ("order.allocated", "已分配", "Allocated"),
    ("order.backordered", "缺货", "Backordered"),
    ("order.cancelled", "已取消", "Cancelled"),
    ("order.tasks", "拣货任务", "Pick tasks"),
    ("order.picked", "已拣", "Picked"),
    ("order.parcel", "包裹", "Parcel"),
    ("task_status.open", "待领取", "Open"),
    ("task_status.claimed", "拣货中", "Being picked"),
    ("task_status.done", "已完成", "Done"),
    ("task_status.cancelled", "已取消", "Cancelled"),
    ("exc_status.open", "待处理", "Open"),
    ("exc_status.resolved", "已处理", "Resolved"),
    ("service.economy", "经济", "Economy"),
    ("service.standard", "标准", "Standard"),
    ("service.express", "快速", "Express"),
    ("waves.none_waiting", "没有待放波次的订单。", "No order is waiting for a wave."),
    ("waves.overdue", "已过截单", "Past cut-off"),
    ("waves.due_today", "今日截单", "Due today"),
    ("waves.later", "之后", "Later"),
    ("waves.list", "波次进度", "Waves"),
    ("waves.none", "还没有波次。", "No waves yet."),
    ("waves.wave", "波次", "Wave"),
    ("waves.released_at", "放出时间", "Released"),
    ("waves.tasks_done", "已完成任务", "Tasks done"),
    ("waves.units_picked", "已拣件数", "Units picked"),
    ("waves.finished", "已完成", "Finished"),
    ("waves.in_progress", "进行中", "In progress"),
    ("waves.picking_now", "人正在拣", "picking now"),
    (
        "exc.what_short_missing",
        "库位无货，短少 {q} 件，库位已冻结待盘点",
        "{q} not in the bin; the bin's stock is held for a count",
    ),
    (
        "exc.what_handover_missing",
        "袋子未扫描装车，已从交接单撤下，请找到它并装上下一张交接单：{detail}",
        "A bag was not scanned onto the vehicle and was pulled off the manifest; find it and put it on the next one: {detail}",
    ),
    (
        "exc.what_customs_rejected",
        "海关退单：包裹已从袋中撤出并拦截，请实物取出：{detail}",
        "Rejected by customs: the parcel was pulled from its bag and held; take it out: {detail}",
    ),
    ("exc.what_short_damaged", "{q} 件破损，已转残次", "{q} found damaged; moved to damaged"),
    ("exc.what_put_back", "订单已取消，{q} 件待放回库位", "Order cancelled: {q} to put back on a shelf"),
    (
        "exc.what_weight",
        "包裹 {parcel} 重 {weight} 克，应为约 {expected} 克",
        "Parcel {parcel} weighs {weight} g, expected about {expected} g",
    ),
    // Inbound supervisors
    ("iexc.title", "入库异常", "Inbound exceptions"),
    ("iexc.show", "显示", "Show"),
    ("iexc.open", "待处理", "Open"),
    ("iexc.resolved_ones", "已处理", "Resolved"),
    ("iexc.what_done", "处理说明", "What was done"),
    ("iexc.resolve", "处理完毕", "Resolve"),
    ("iexc.resolved", "{asn} 的异常已处理。", "Exception of {asn} resolved."),
    ("history.title", "已完结的发货单", "Finished shipments"),
    // Stock
    ("stock.title", "库存查询", "Where is it"),
    ("stock.sku_title", "商品库存", "Stock of a SKU"),
    ("stock.search", "按 SKU 编码、条码或名称查找", "Find by SKU code, barcode or name"),
    ("stock.none", "没有找到商品：", "No product found for"),
    ("stock.in_inbound", "在途/收货中", "Inbound"),
    ("stock.outbound", "已拣/已打包", "Picked or packed"),
    ("stock.where", "所在库位", "Where it is"),
    ("stock.nowhere", "该商品没有库存。", "No stock of this product."),
    ("stock.no_bin", "未上架", "Not in a bin"),
    ("stock.bucket", "库存状态", "State"),
    ("stock.updated", "更新时间", "Updated"),
    ("stock.ledger", "库存流水", "Ledger"),
    ("stock.when", "时间", "When"),
    ("stock.reason", "原因", "Reason"),
    ("stock.from", "从", "From"),
    ("stock.to", "到", "To"),
    ("stock.document", "单据", "Document"),
    ("stock.by", "操作人", "By"),
    ("stock.move_title", "移库", "Move stock"),
    ("stock.adjust_title", "库存调整", "Adjust stock"),
    ("stock.unit_barcode", "商品条码", "Unit barcode"),
    ("stock.from_bin", "从库位", "From bin"),
    ("stock.to_bin", "到库位", "To bin"),
    ("stock.note", "说明", "Note"),
    ("stock.move_do", "确认移库", "Move"),
    ("stock.adjust_do", "确认调整", "Adjust"),
    ("stock.moved", "{sku} × {q} 已从 {from} 移到 {to}。", "{sku} × {q} moved from {from} to {to}."),
    ("stock.adjusted", "{sku} × {q} 已调整（{reason}）。", "{sku} × {q} adjusted ({reason})."),
    ("adjust_reason.found", "盘盈（找到）", "Found"),
    ("adjust_reason.lost", "盘亏（丢失）", "Lost"),
    ("adjust_reason.damaged", "发现破损", "Found damaged"),
    ("bucket.receiving", "收货中", "Receiving"),
    ("bucket.qc", "质检中", "In QC"),
    ("bucket.available", "可售", "Available"),
    ("bucket.reserved", "已占用", "Reserved"),
    ("bucket.picked", "已拣货", "Picked"),
    ("bucket.packed", "已打包", "Packed"),
    ("bucket.damaged", "残次", "Damaged"),
    ("bucket.rts_hold", "待退供", "Return to supplier"),
    ("bucket.on_hold", "冻结", "On hold"),
    ("reason.received", "收货", "Received"),
    ("reason.received_damaged", "收货破损", "Received damaged"),
    ("reason.to_qc", "转质检", "To QC"),
    ("reason.qc_rejected", "质检退供", "QC rejected"),
    ("reason.putaway", "上架", "Put away"),
    ("reason.moved", "移库", "Moved"),
    ("reason.held", "冻结", "Held"),
    ("reason.released", "解冻", "Released"),
    ("reason.adjust_found", "盘盈", "Adjusted: found"),
    ("reason.adjust_lost", "盘亏", "Adjusted: lost"),
    ("reason.adjust_damaged", "调整为残次", "Adjusted: damaged"),
    ("reason.cycle_count", "盘点差异", "Cycle count"),
    ("reason.reserved", "订单占用", "Reserved"),
    ("reason.unreserved", "取消占用", "Unreserved"),
    ("reason.picked", "拣货", "Picked"),
    ("reason.pick_short", "缺拣", "Short pick"),
    ("reason.packed", "打包", "Packed"),
    ("reason.put_back", "归位", "Put back"),
    ("reason.shipped", "交接发运", "Shipped"),
    ("reason.returned", "退货入库", "Returned by the buyer"),
    ("reason.disposed", "退货销毁", "Disposed of"),
    // Cycle counts
    ("count.title", "盲盘", "Blind cycle counts"),
    ("count.one", "盘点", "Cycle count"),
    ("count.scan_bin", "扫描要盘点的库位", "Scan the bin to count"),
    ("count.start", "开始盘点", "Start a count"),
    ("count.open", "进行中", "Open"),
    ("count.none_open", "没有进行中的盘点。", "No count is open."),
    ("count.decided", "最近完成", "Recently decided"),
    ("count.no", "盘点单号", "Count no."),
    ("count.started", "开始时间", "Started"),
    ("count_status.counting", "盘点中", "Counting"),
    ("count_status.submitted", "待审核", "Waiting for approval"),
    ("count_status.approved", "已批准", "Approved"),
    ("count_status.rejected", "已驳回", "Rejected"),
    (
        "count.blind",
        "盲盘：不显示账面数量。逐件扫描，或扫一件后输入总数。",
        "Blind count: the books are not shown. Scan every unit, or scan one and key in the total.",
    ),
    ("count.scan_unit", "扫描库位中的商品", "Scan a unit in the bin"),
    ("count.scanned", "{sku}：已点 {n} 件。", "{sku}: {n} counted."),
    ("count.counted", "实盘", "Counted"),
    ("count.key_in", "输入总数", "Key in the total"),
    ("count.set", "确认总数", "Set"),
    (
        "count.submit_hint",
        "提交后显示差异，由另一人审核。",
        "Once submitted the variance is shown and someone else approves it.",
    ),
    ("count.submit", "提交盘点", "Submit the count"),
    ("count.submitted", "盘点 {count} 已提交，等待审核。", "Count {count} submitted for approval."),
    ("count.expected", "账面", "Books"),
    ("count.variance", "差异", "Variance"),
    ("count.four_eyes", "由另一位主管审核你提交的盘点。", "Someone other than you approves your count."),
    ("count.approve", "批准并过账差异", "Approve and book the variance"),
    ("count.reject", "驳回，重新盘点", "Reject: count again"),
    (
        "count.approved",
        "盘点 {count} 已批准，差异已过账。",
        "Count {count} approved; the variance is booked.",
    ),
    ("count.rejected", "盘点 {count} 已驳回。", "Count {count} rejected."),
    // Bins
    ("bin.contents", "库位中的商品", "In this bin"),
    ("bin.empty", "这个库位是空的。", "This bin is empty."),
    ("labels.title", "批量打印库位标签", "Bin labels in a batch"),
    ("labels.from", "起始库位", "From bin"),
    ("labels.to", "结束库位", "To bin"),
    ("labels.show", "生成标签", "Show labels"),
    ("labels.count", "个标签", "labels"),
    ("labels.capped", "已达单次上限，请缩小范围", "the most one batch prints; narrow the range"),
    ("labels.print", "打印全部标签", "Print all labels"),
    // Errors of the floor screens
    ("err.note_required", "原因为“其他”时请填写说明", "Say why in the note when the reason is other"),
    ("err.reason_required", "请选择原因", "Choose a reason"),
    (
        "err.carton_changed",
        "屏幕显示的不是你正在清点的箱，已按当前箱刷新",
        "The screen showed another carton than the one you are counting",
    ),
    ("err.verdict_pending", "上一件样品还未判定，请先判定", "The unit scanned is waiting for its verdict"),
    (
        "err.unit_not_scanned",
        "请先扫描样品再判定",
        "Scan the sample unit first; a verdict is for the unit just scanned",
    ),
    (
        "err.other_supplier",
        "这是其他供应商的商品，不在本单",
        "Another supplier's product, not on this shipment",
    ),
    (
        "err.not_in_inspection",
        "该商品不在本单的待检批次中",
        "This product is not being inspected on this shipment",
    ),
    ("err.not_waiting_here", "该商品不在本单待上架列表中", "This product is not waiting for putaway here"),
    ("err.bin_not_scanned", "请先扫描库位", "Scan the bin first"),
    (
        "err.bin_holds_other_sku",
        "该库位已存放其他商品或其他货主的商品",
        "The bin holds another product or another owner's units",
    ),
    ("err.no_task", "请先领取任务", "Take a task first"),
    ("err.bin_first", "请先扫描库位", "Scan the bin first"),
    ("err.not_a_bin", "这不是库位条码", "That is not a bin code"),
    ("err.bin_done", "库位已确认，请扫描商品", "The bin is confirmed: scan the units"),
    ("err.unit_first", "请先扫描一件商品", "Scan one unit first"),
    ("err.count_out_of_range", "数量超出本任务范围", "The count is outside this task's quantity"),
    (
        "err.nothing_to_pack",
        "不是周转箱、包裹号、订单号或运单号",
        "Not a tote, parcel, order or tracking number",
    ),
    ("err.already_resolved", "已处理过", "Already resolved"),
    ("err.range_required", "请选择库区或库位范围", "Choose a zone or a range of bins"),
    ("err.count_open", "该库位已有进行中的盘点", "The bin already has a count open"),
    ("err.count_not_open", "该盘点不在进行中", "The count is not being counted"),
    ("err.count_not_submitted", "该盘点尚未提交", "The count is not submitted"),
    ("err.four_eyes", "盘点人不能审核自己的盘点", "Someone other than the counter decides"),
    ("err.not_packed", "包裹尚未打包", "The parcel is not packed"),
    ("err.parcel_held", "包裹已被拦截，等待主管处理", "The parcel is held for a supervisor"),
    ("err.already_packed", "包裹已打包", "The parcel is packed already"),
    ("err.task_not_yours", "这个任务不是你的", "This task is not yours"),
    ("err.task_taken", "任务已被他人领取", "Another picker took this task"),
    ("err.short_reason_required", "缺拣时请选择原因", "Say why units are short"),
    ("err.action_not_allowed", "此异常不能这样处理", "This exception is not resolved that way"),
    (
        "err.buyer_erased",
        "收件人信息已删除，无法打印面单",
        "The buyer's address was erased; no label can be printed",
    ),
    ("err.invalid_time", "请输入日期和时间", "must be a date and time"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::warehouse::domain::BinType;

    #[test]
    fn every_key_has_both_languages_once() {
        let mut seen = std::collections::HashSet::new();
        for (key, zh, en) in TABLE {
            assert!(seen.insert(*key), "{key} is in the table twice");
            assert!(!zh.trim().is_empty(), "{key} has no Chinese text");
            assert!(!en.trim().is_empty(), "{key} has no English text");
            // A placeholder in one language must be in the other.
            assert_eq!(zh.contains("{n}"), en.contains("{n}"), "{key}: {{n}} in one language only");
        }
    }

    #[test]
    fn chinese_is_the_default_language() {
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!(t(Lang::default(), "nav.logout"), "退出登录");
        assert_eq!(t(Lang::En, "nav.logout"), "Log out");
    }

    #[test]
    fn every_role_and_bin_type_has_a_name() {
        for lang in [Lang::Zh, Lang::En] {
            for r in Role::ALL {
                assert!(lookup(lang, &format!("role.{}", r.as_str())).is_some(), "role {r}");
            }
            for b in BinType::ALL {
                assert!(
                    lookup(lang, &format!("bin_type.{}", b.as_str())).is_some(),
                    "bin type {}",
                    b.as_str()
                );
            }
        }
    }

    #[test]
    fn every_inbound_word_has_a_name() {
        use crate::inbound::domain::{
            AsnStatus, DefectCode, DockRejectReason, ExceptionKind, InspectionStatus,
        };
        let mut words: Vec<String> = Vec::new();
        words.extend(AsnStatus::ALL.iter().map(|s| format!("asn_status.{s}")));
        words.extend(DefectCode::ALL.iter().map(|s| format!("defect.{s}")));
        words.extend(DockRejectReason::ALL.iter().map(|s| format!("reject.{s}")));
        words.extend(ExceptionKind::ALL.iter().map(|s| format!("exception.{s}")));
        words.extend(InspectionStatus::ALL.iter().map(|s| format!("lot.{s}")));
        words.extend(crate::inbound::domain::ShortReason::ALL.iter().map(|s| format!("short_reason.{s}")));
        for lang in [Lang::Zh, Lang::En] {
            for w in &words {
                assert!(lookup(lang, w).is_some(), "{w} has no text");
            }
        }
    }

    #[test]
    fn every_outbound_word_has_a_name() {
        use crate::outbound::exceptions::{Action, ExceptionKind};
        use crate::outbound::orders::OrderStatus;
        use crate::outbound::packing::ParcelStatus;
        use crate::outbound::picking::ShortReason;
        let mut words: Vec<String> = Vec::new();
        words.extend(OrderStatus::ALL.iter().map(|s| format!("order_status.{s}")));
        words.extend(ParcelStatus::ALL.iter().map(|s| format!("parcel_status.{s}")));
        words.extend(ExceptionKind::ALL.iter().map(|s| format!("exc_kind.{s}")));
        words
            .extend(crate::tracking::domain::TrackingStatus::ALL.iter().map(|s| format!("track_status.{s}")));
        words.extend(crate::tracking::domain::ClaimStatus::ALL.iter().map(|s| format!("claim_status.{s}")));
        words.extend(Action::ALL.iter().map(|s| format!("action.{s}")));
        words.extend(ShortReason::ALL.iter().map(|s| format!("short.{s}")));
        words.extend(crate::outbound::orders::ServiceLevel::ALL.iter().map(|s| format!("service.{s}")));
        words.extend(crate::outbound::picking::TaskStatus::ALL.iter().map(|s| format!("task_status.{s}")));
        words.extend(
            crate::outbound::exceptions::ExceptionStatus::ALL.iter().map(|s| format!("exc_status.{s}")),
        );
        words.extend(crate::stock::Bucket::ALL.iter().map(|b| format!("bucket.{}", b.as_str())));
        words.extend(
            crate::channels::domain::ChannelService::ALL.iter().map(|s| format!("channel_service.{s}")),
        );
        words.extend(
            crate::channels::domain::TrackingSource::ALL.iter().map(|s| format!("tracking_source.{s}")),
        );
        words.extend(
            crate::catalog::domain::SensitiveFlag::ALL
                .iter()
                .map(|f| format!("flag.{}", crate::channels::domain::flag_code(*f))),
        );
        for c in [
            crate::stock::counts::CountStatus::Counting,
            crate::stock::counts::CountStatus::Submitted,
            crate::stock::counts::CountStatus::Approved,
            crate::stock::counts::CountStatus::Rejected,
        ] {
            words.push(format!("count_status.{}", c.as_str()));
        }
        for lang in [Lang::Zh, Lang::En] {
            for w in &words {
                assert!(lookup(lang, w).is_some(), "{w} has no text");
            }
        }
    }

    /// Every `t("…")` in the templates and the console's code names a key
    /// of the table.
    #[test]
    fn every_key_used_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["templates/console", "src/console", "src/console/pages"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    files.push(path);
                }
            }
        }
        let mut used = 0;
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            for marker in ["t(\"", "t(lang, \"", "t(self.lang, \"", "t(user.lang, \"", "fill(lang, \""] {
                for (i, _) in text.match_indices(marker) {
                    let rest = &text[i + marker.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    if key.contains('.') && !key.contains('{') {
                        used += 1;
                        assert!(lookup(Lang::Zh, key).is_some(), "{} uses unknown key {key}", path.display());
                    }
                }
            }
        }
        assert!(used > 50, "the scan found only {used} keys");
    }
}
