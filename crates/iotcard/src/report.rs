//! Operator reports: one JSON line per card, as a sync job writes it after
//! calling the operator's platform (OneLink, CT CMP, Unicom CMP, Control
//! Center), decoded into an [`OperatorView`]: the operator's status, the holds
//! it implies with their scope, and every code without a mapping kept visible
//! (`docs/operators.md` "Operator reports").
//!
//! The code tables below are the only copy in the project. Each row cites its
//! section of the project's operator reference (`docs/operators.md`, copied
//! from the reviewed table of public sources) and its [`Grade`]; what rests on a
//! C or D row is marked `uncertain` in the view.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::parse_json;
use crate::hold::{Hold, named_enum};
use crate::ids::Iccid;
use crate::operator::{Grade, Operator};
use crate::status::Status;
use crate::time::parse_instant;
use crate::{Error, Instant};

named_enum!(
    /// The services a hold the operator applies bars.
    Scope, "scope" {
        /// Every service.
        All = "all_services",
        /// Mobile data only.
        Data = "data_only",
        /// Outgoing calls (and SMS) only.
        Outgoing = "outgoing_only",
    }
);

named_enum!(
    /// The operator platform whose fields a report carries.
    Platform, "platform" {
        /// China Mobile OneLink EC v5 (`cardStatus`, `stopReason`).
        OneLink = "onelink",
        /// China Telecom CMP / 5GCMP (`productMainStatusCd`, `netBlockStatusName`, `stopType`).
        CtCmp = "ct_cmp",
        /// China Unicom CMP (`simStatus`).
        CuCmp = "cu_cmp",
        /// Cisco IoT Control Center, used by China Unicom (`status`, `overageLimitReached`).
        ControlCenter = "control_center",
    }
);

/// What a code implies about holds: a hold of the library, or a stop of the
/// operator's own that no hold of the library matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Implied {
    /// A hold of the library.
    Hold(Hold),
    /// A stop for a reason of the operator's own (no faithful hold; "contact
    /// the operator").
    OperatorOnly,
    /// A stop whose cause the code does not give.
    CauseUnknown,
}

/// One row of a code table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeRow {
    /// The code as the operator writes it.
    pub code: &'static str,
    /// The operator's own name for it.
    pub label: &'static str,
    /// The library status it corresponds to (`None`: says nothing of the status).
    pub status: Option<Status>,
    /// The hold it implies, with its scope and the grade of that mapping.
    pub hold: Option<(Implied, Scope, Grade)>,
    /// Where the row is documented (`docs/operators.md` section; source keys).
    pub source: &'static str,
    /// How far the status mapping can be trusted.
    pub grade: Grade,
}

const fn row(
    code: &'static str,
    label: &'static str,
    status: Option<Status>,
    hold: Option<(Implied, Scope, Grade)>,
    source: &'static str,
    grade: Grade,
) -> CodeRow {
    CodeRow {
        code,
        label,
        status,
        hold,
        source,
        grade,
    }
}

use Grade::{B, C, D};
use Implied::OperatorOnly;
use Scope::{All, Data, Outgoing};
use Status::{Active, Cancelled, Inventory, Replaced, Suspended};

#[allow(clippy::unnecessary_wraps)] // a table cell: `None` elsewhere
const fn h(hold: Hold, scope: Scope, grade: Grade) -> Option<(Implied, Scope, Grade)> {
    Some((Implied::Hold(hold), scope, grade))
}

/// OneLink EC v5 `cardStatus`, OneLink-CT code set (one digit).
pub const ONELINK_CT_STATUS: &[CodeRow] = &[
    row(
        "1",
        "待激活",
        Some(Inventory),
        None,
        "operators.md §1.2 CT; S9 S10 S4 S18",
        B,
    ),
    row(
        "2",
        "已激活",
        Some(Active),
        None,
        "operators.md §1.2 CT; S9 S10 S4 S18",
        B,
    ),
    row(
        "4",
        "停机",
        Some(Suspended),
        None,
        "operators.md §1.2 CT (cause from stopReason); S9 S10 S4 S18",
        B,
    ),
    row(
        "6",
        "可测试",
        Some(Inventory),
        None,
        "operators.md §1.2 CT; S9 S10 S4 S18",
        B,
    ),
    row(
        "7",
        "库存",
        Some(Inventory),
        None,
        "operators.md §1.2 CT; S9 S10 S4 S18",
        B,
    ),
    row(
        "8",
        "预销户",
        Some(Suspended),
        h(Hold::Expired, All, D),
        "operators.md §1.2 CT (B/D: hold inferred); S9 S10 S4",
        B,
    ),
    row(
        "9",
        "已销户",
        Some(Cancelled),
        None,
        "operators.md §1.2 CT; S9 S10",
        B,
    ),
];

/// OneLink EC v5 `cardStatus`, OneLink-PB code set (two digits; also v2 `STATUS`).
pub const ONELINK_PB_STATUS: &[CodeRow] = &[
    row(
        "00",
        "正常",
        Some(Active),
        None,
        "operators.md §1.2 PB; S9 S18",
        B,
    ),
    row(
        "01",
        "单向停机",
        Some(Status::Restricted),
        Some((Implied::CauseUnknown, Outgoing, D)),
        "operators.md §1.2 PB (B; cause D: low_balance or arrears)",
        B,
    ),
    row(
        "02",
        "停机",
        Some(Suspended),
        None,
        "operators.md §1.2 PB (cause from stopReason); S9 S18",
        B,
    ),
    row(
        "03",
        "预销号",
        Some(Suspended),
        h(Hold::Expired, All, D),
        "operators.md §1.2 PB (hold inferred)",
        B,
    ),
    row(
        "04",
        "销号",
        Some(Cancelled),
        None,
        "operators.md §1.2 PB; S9 S18",
        B,
    ),
    row(
        "05",
        "过户",
        None,
        None,
        "operators.md §1.2 PB (ownership transfer, no lifecycle state)",
        B,
    ),
    row(
        "06",
        "休眠",
        Some(Suspended),
        h(Hold::Manual, All, D),
        "operators.md §1.2 PB (dormant; nearest manual, lossy)",
        B,
    ),
    row(
        "07",
        "待激活",
        Some(Inventory),
        None,
        "operators.md §1.2 PB; S9 S18",
        B,
    ),
];

/// OneLink CMIOT_API25S02 `stopReason`: position (1-based) → cause, for a
/// digit `2` (the only digit documented).
pub const ONELINK_STOP_REASON: &[CodeRow] = &[
    row(
        "1",
        "窄带网商品到期失效停机",
        None,
        h(Hold::Expired, All, B),
        "operators.md §1.3 pos 1; S6 S1 S7 S8",
        B,
    ),
    row(
        "2",
        "机卡分离停机",
        None,
        h(Hold::DeviceMismatch, All, B),
        "operators.md §1.3 pos 2; S6 S1 S7 S8",
        B,
    ),
    row(
        "4",
        "M2M 管理停机",
        None,
        Some((OperatorOnly, All, D)),
        "operators.md §1.3 pos 4 (name B, mapping D)",
        B,
    ),
    row(
        "5",
        "信控双向停机",
        None,
        h(Hold::Arrears, All, B),
        "operators.md §1.3 pos 5; S6 S1 S7 S8",
        B,
    ),
    row(
        "9",
        "主动（申请）双向停机",
        None,
        h(Hold::Manual, All, B),
        "operators.md §1.3 pos 9; S6 S1 S7 S8",
        B,
    ),
    row(
        "10",
        "区域限制（位置固定）管理型停机",
        None,
        h(Hold::RestrictedRegion, All, B),
        "operators.md §1.3 pos 10; S6 S1 S7 S8",
        B,
    ),
    row(
        "11",
        "强制双向停机",
        None,
        Some((OperatorOnly, All, D)),
        "operators.md §1.3 pos 11 (name B, mapping D)",
        B,
    ),
];

/// OneLink CMIOT_API23M08 `serviceTypeList[].serviceType` with `serviceStatus`
/// `0` (暂停, paused): a data-only stop while `cardStatus` stays `2`/`00`.
pub const ONELINK_SERVICE_PAUSED: &[CodeRow] = &[row(
    "11",
    "数据通信服务 暂停",
    None,
    h(Hold::OverQuota, Data, D),
    "operators.md §1.5 23M08 (B for the codes; D: data pause read as over_quota)",
    B,
)];

/// CT CMP / 5GCMP `queryCardMainStatus` `productMainStatusCd`.
pub const CT_MAIN_STATUS: &[CodeRow] = &[
    row(
        "1",
        "可激活",
        Some(Inventory),
        None,
        "operators.md §2.1; S17 S18 S16",
        B,
    ),
    row(
        "2",
        "测试激活",
        Some(Inventory),
        None,
        "operators.md §2.1 (test traffic, billing not started); S17 S18",
        B,
    ),
    row(
        "3",
        "测试去激活",
        Some(Inventory),
        None,
        "operators.md §2.1 (label conflict S10)",
        C,
    ),
    row(
        "4",
        "在用",
        Some(Active),
        None,
        "operators.md §2.1; S17 S18 S16",
        B,
    ),
    row(
        "5",
        "停机",
        Some(Suspended),
        h(Hold::Manual, All, D),
        "operators.md §2.1 (customer 停机保号; B/D)",
        B,
    ),
    row(
        "6",
        "运营商管理状态",
        Some(Suspended),
        Some((Implied::CauseUnknown, All, C)),
        "operators.md §2.1 (reason unknown; label conflict S10)",
        C,
    ),
    row(
        "7",
        "拆机",
        Some(Cancelled),
        None,
        "operators.md §2.1; S17 S18",
        B,
    ),
];

/// CT 5GCMP `netBlockStatusName`.
pub const CT_NET_BLOCK: &[CodeRow] = &[
    row(
        "未断网",
        "未断网",
        None,
        None,
        "operators.md §2.1 (5GCMP); S16",
        C,
    ),
    row(
        "已断网",
        "已断网",
        None,
        h(Hold::OverQuota, Data, C),
        "operators.md §2.1, §2.4 (达量断网 or 单独断网); S16",
        C,
    ),
];

/// CT CRM stop types (`stopType`), matched as codes.
pub const CT_STOP_TYPE: &[CodeRow] = &[
    row(
        "100000",
        "申请停机",
        Some(Suspended),
        h(Hold::Manual, All, C),
        "operators.md §2.2; S19",
        C,
    ),
    row(
        "110000",
        "挂失停机",
        Some(Suspended),
        h(Hold::Lost, All, C),
        "operators.md §2.2; S19",
        C,
    ),
    row(
        "120000",
        "停机保号",
        Some(Suspended),
        h(Hold::Manual, All, B),
        "operators.md §2.2; S19 S20",
        B,
    ),
    row(
        "130000",
        "欠费停机",
        Some(Suspended),
        h(Hold::Arrears, All, C),
        "operators.md §2.2; S19",
        C,
    ),
    row(
        "130001",
        "欠费单停",
        Some(Status::Restricted),
        h(Hold::Arrears, Outgoing, C),
        "operators.md §2.2 (arrears, outgoing only); S19",
        C,
    ),
    row(
        "130002",
        "欠费双停",
        Some(Suspended),
        h(Hold::Arrears, All, C),
        "operators.md §2.2; S19",
        C,
    ),
    row(
        "140000",
        "预拆机停机",
        Some(Suspended),
        h(Hold::Expired, All, C),
        "operators.md §2.2; S19",
        C,
    ),
    row(
        "150000",
        "违章停机",
        Some(Suspended),
        Some((OperatorOnly, All, C)),
        "operators.md §2.2 (device_mismatch only with IMEI evidence); S19",
        C,
    ),
    row(
        "150001",
        "非实名违章单停",
        Some(Status::Restricted),
        Some((OperatorOnly, Outgoing, B)),
        "operators.md §2.2 (real name: no hold); S19 S20",
        B,
    ),
    row(
        "150002",
        "非实名违章双停",
        Some(Suspended),
        Some((OperatorOnly, All, C)),
        "operators.md §2.2 (real name: no hold); S19",
        C,
    ),
    row(
        "150003",
        "一证超五卡不合规单停",
        Some(Status::Restricted),
        Some((OperatorOnly, Outgoing, C)),
        "operators.md §2.2; S19",
        C,
    ),
    row(
        "150004",
        "一证超五卡不合规双停",
        Some(Suspended),
        Some((OperatorOnly, All, C)),
        "operators.md §2.2; S19",
        C,
    ),
    row(
        "160000",
        "数据异常停机",
        Some(Suspended),
        Some((OperatorOnly, All, C)),
        "operators.md §2.2; S19",
        C,
    ),
    row(
        "170000",
        "局方原因停机",
        Some(Suspended),
        Some((OperatorOnly, All, C)),
        "operators.md §2.2; S19",
        C,
    ),
    row(
        "200000",
        "去激活停机",
        Some(Suspended),
        h(Hold::Manual, All, C),
        "operators.md §2.2; S19",
        C,
    ),
    row(
        "200001",
        "测试期停机",
        Some(Inventory),
        None,
        "operators.md §2.2; S19",
        C,
    ),
];

/// Unicom CMP `simStatus`.
pub const CU_SIM_STATUS: &[CodeRow] = &[
    row(
        "0",
        "可测试",
        Some(Inventory),
        None,
        "operators.md §3.2; S10 S18",
        B,
    ),
    row(
        "1",
        "可激活",
        Some(Inventory),
        None,
        "operators.md §3.2; S10 S18",
        B,
    ),
    row(
        "2",
        "已激活",
        Some(Active),
        None,
        "operators.md §3.2; S10 S18",
        B,
    ),
    row(
        "3",
        "已停用",
        Some(Suspended),
        h(Hold::Manual, All, D),
        "operators.md §3.2 (cause unknown; manual is a guess)",
        B,
    ),
    row(
        "4",
        "已失效",
        Some(Suspended),
        h(Hold::Expired, All, B),
        "operators.md §3.2; S10 S18",
        B,
    ),
    row(
        "5",
        "已清除",
        Some(Cancelled),
        None,
        "operators.md §3.2; S10 S18",
        B,
    ),
    row(
        "6",
        "已更换",
        Some(Replaced),
        None,
        "operators.md §3.2; S10 S18",
        B,
    ),
    row(
        "7",
        "库存",
        Some(Inventory),
        None,
        "operators.md §3.2; S10 S18",
        B,
    ),
    row(
        "8",
        "开始",
        Some(Inventory),
        None,
        "operators.md §3.2 (S18 comment only)",
        C,
    ),
];

/// Cisco Control Center `status` (REST; SOAP adds `_NAME`).
pub const CC_STATUS: &[CodeRow] = &[
    row(
        "TEST_READY",
        "可测试",
        Some(Inventory),
        None,
        "operators.md §4; S10 S25",
        B,
    ),
    row(
        "INVENTORY",
        "库存",
        Some(Inventory),
        None,
        "operators.md §4; S10 S25",
        B,
    ),
    row(
        "TRIAL",
        "(undocumented)",
        Some(Inventory),
        None,
        "operators.md §4 (SOAP only, meaning undocumented)",
        D,
    ),
    row(
        "ACTIVATION_READY",
        "可激活",
        Some(Inventory),
        None,
        "operators.md §4; S10 S25",
        B,
    ),
    row(
        "ACTIVATED",
        "已激活",
        Some(Active),
        None,
        "operators.md §4; S10 S25",
        B,
    ),
    row(
        "DEACTIVATED",
        "已停用",
        Some(Suspended),
        h(Hold::Manual, All, D),
        "operators.md §4 (no cause carried; manual is a guess)",
        B,
    ),
    row(
        "RETIRED",
        "已失效",
        Some(Suspended),
        h(Hold::Expired, All, B),
        "operators.md §4; S10 S25",
        B,
    ),
    row(
        "PURGED",
        "已清除",
        Some(Cancelled),
        None,
        "operators.md §4; S10 S25",
        B,
    ),
    row(
        "REPLACED",
        "已更换",
        Some(Replaced),
        None,
        "operators.md §4; S10",
        B,
    ),
];

/// Control Center `overageLimitReached` with `overageLimitOverride` `DEFAULT`
/// (or absent): the data cap is reached.
pub const CC_OVERAGE: CodeRow = row(
    "true",
    "overageLimitReached",
    None,
    h(Hold::OverQuota, Data, B),
    "operators.md §4 quota fields; S10",
    B,
);

/// A hold the operator's report implies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OperatorHold {
    /// The library's hold; `null` for a stop of the operator's own or of a
    /// cause the report does not give.
    pub hold: Option<Hold>,
    /// Whether the stop is for a reason of the operator's own (`hold` null);
    /// `false` with a null `hold`: the cause is not given.
    pub operator_only: bool,
    /// What it bars.
    pub scope: Scope,
    /// The report field it comes from.
    pub field: &'static str,
    /// The raw code (for `stopReason`, the position and digit: `5=2`).
    pub code: String,
    /// The operator's name for it.
    pub label: &'static str,
    /// Where the mapping is documented.
    pub source: &'static str,
    /// The mapping's grade.
    pub grade: Grade,
    /// Whether the mapping rests on a C or D row.
    pub uncertain: bool,
}

/// A code the tables do not map, kept as it was reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unmapped {
    /// The report field.
    pub field: String,
    /// The raw value (for `stopReason`, the position and digit: `3=2`).
    pub code: String,
    /// Why it is not mapped.
    pub reason: &'static str,
}

/// What the operator says of a card at an instant, decoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OperatorView {
    /// The card.
    pub iccid: Iccid,
    /// When the operator reported it.
    #[serde(serialize_with = "crate::time::rfc3339::serialize")]
    pub at: Instant,
    /// The operator.
    pub operator: Operator,
    /// The platform whose fields were decoded.
    pub platform: Platform,
    /// The operator's status code, as reported.
    pub operator_status: String,
    /// The library status it corresponds to; `null` when the code is unmapped.
    pub status: Option<Status>,
    /// The holds the report implies.
    pub holds: Vec<OperatorHold>,
    /// Every code without a mapping (never dropped, never guessed).
    pub unmapped: Vec<Unmapped>,
    /// Whether anything in the view rests on a C or D row.
    pub uncertain: bool,
}

impl OperatorView {
    /// The library holds the report implies (without operator-only stops).
    pub fn library_holds(&self) -> crate::Holds {
        self.holds.iter().filter_map(|h| h.hold).collect()
    }

    /// Whether the operator stops the card for a reason of its own.
    pub fn operator_only(&self) -> bool {
        self.holds.iter().any(|h| h.operator_only)
    }

    /// The view as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A code field: a JSON string or integer, as text.
fn code_of(field: &str, v: &Value) -> Result<String, Error> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) if n.is_u64() => Ok(n.to_string()),
        other => Err(Error::invalid(
            format!("report.{field}"),
            other,
            "must be a code (a JSON string or integer)",
        )),
    }
}

/// The fields of each platform this decoder reads or knowingly ignores.
const ONELINK_FIELDS: &[&str] = &[
    "serviceTypeList",
    "cardStatus",
    "platformType",
    "stopReason",
    "shutdownReasonDesc",
    "lastChangeDate",
];
const CT_FIELDS: &[&str] = &[
    "productMainStatusCd",
    "productMainStatusName",
    "netBlockStatusName",
    "stopType",
];
const CU_FIELDS: &[&str] = &[
    "simStatus",
    "status",
    "overageLimitReached",
    "overageLimitOverride",
];

/// A report being decoded.
struct Decoding {
    holds: Vec<OperatorHold>,
    unmapped: Vec<Unmapped>,
    uncertain: bool,
}

impl Decoding {
    fn hold(&mut self, field: &'static str, code: String, r: &CodeRow) {
        if let Some((implied, scope, grade)) = r.hold {
            self.uncertain |= grade.is_uncertain();
            self.holds.push(OperatorHold {
                hold: match implied {
                    Implied::Hold(h) => Some(h),
                    Implied::OperatorOnly | Implied::CauseUnknown => None,
                },
                operator_only: implied == Implied::OperatorOnly,
                scope,
                field,
                code,
                label: r.label,
                source: r.source,
                grade,
                uncertain: grade.is_uncertain(),
            });
        }
    }

    fn unmapped(&mut self, field: &str, code: String, reason: &'static str) {
        self.unmapped.push(Unmapped {
            field: field.to_owned(),
            code,
            reason,
        });
    }
}

fn find<'t>(table: &'t [CodeRow], code: &str) -> Option<&'t CodeRow> {
    table.iter().find(|r| r.code == code)
}

/// Decodes OneLink 23M08 `serviceTypeList` into `d`: each paused service.
fn service_types(v: &Value, d: &mut Decoding) -> Result<(), Error> {
    let Value::Array(list) = v else {
        return Err(Error::invalid(
            "report.serviceTypeList",
            v,
            "must be a list of {serviceType, serviceStatus}",
        ));
    };
    for (i, item) in list.iter().enumerate() {
        let field = |f: &str| format!("report.serviceTypeList[{i}].{f}");
        let get = |f: &str| {
            item.get(f)
                .ok_or_else(|| Error::invalid(field(f), "(missing)", "required"))
                .and_then(|v| code_of(&field(f)["report.".len()..], v))
        };
        let (service, status) = (get("serviceType")?, get("serviceStatus")?);
        match status.as_str() {
            "1" => {}
            "0" => match find(ONELINK_SERVICE_PAUSED, &service) {
                Some(r) => d.hold("serviceTypeList", service, r),
                None => d.unmapped(
                    &field("serviceType")["report.".len()..],
                    service,
                    "service paused; no hold maps it",
                ),
            },
            _ => d.unmapped(
                &field("serviceStatus")["report.".len()..],
                status,
                "not in the table",
            ),
        }
    }
    Ok(())
}

/// Decodes the 12-digit `stopReason` into `d`.
fn stop_reason(s: &str, d: &mut Decoding) -> Result<bool, Error> {
    if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            "report.stopReason",
            format!("{s:?}"),
            "must be 12 digits, one per stop cause (CMIOT_API25S02)",
        ));
    }
    let mut any = false;
    for (idx, digit) in s.bytes().enumerate() {
        if digit == b'0' {
            continue;
        }
        any = true;
        let pos = (idx + 1).to_string();
        let code = format!("{pos}={}", digit as char);
        match find(ONELINK_STOP_REASON, &pos) {
            Some(r) if digit == b'2' => d.hold("stopReason", code, r),
            Some(_) => d.unmapped("stopReason", code, "only the digit 2 is documented"),
            None => d.unmapped("stopReason", code, "position not documented by any source"),
        }
    }
    Ok(any)
}

/// Decodes one operator report line (`docs/operators.md` "Operator reports"):
/// `iccid`, `at`, `operator`, and the operator's own fields under their own
/// names.
///
/// ```
/// use iotcard::{Hold, Status, report::decode_report};
/// let v = decode_report(r#"{"iccid": "89860012345678901238", "at": "2026-06-01T08:00:00+08:00",
///   "operator": "china_mobile", "cardStatus": "4", "stopReason": "000020000000"}"#)?;
/// assert_eq!(v.status, Some(Status::Suspended));
/// assert_eq!(v.holds[0].hold, Some(Hold::Arrears));
///
/// let e = decode_report(r#"{"iccid": "89860012345678901238", "at": "2026-06-01T08:00:00+08:00",
///   "operator": "china_mobile", "cardStatus": "4", "stopReason": "0000200"}"#).unwrap_err();
/// assert!(e.to_string().contains("report.stopReason"));
/// # Ok::<(), iotcard::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidInput`] naming the field: malformed JSON, a missing or bad
/// `iccid`, `at` or `operator`, an operator without a decoder, no status
/// field, a code that is not a string or integer, a `stopReason` that is not 12
/// digits, OneLink `99` (number unknown to the operator).
pub fn decode_report(json: &str) -> Result<OperatorView, Error> {
    let mut fields: Map<String, Value> = parse_json("report", json)?;
    let text = |f: &str, v: Option<Value>| match v {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(Error::invalid(
            format!("report.{f}"),
            other,
            "must be a string",
        )),
        None => Err(Error::invalid(
            format!("report.{f}"),
            "(missing)",
            "required",
        )),
    };
    let iccid = Iccid::parse(&text("iccid", fields.remove("iccid"))?)
        .map_err(|e| e.renamed("report.iccid"))?;
    let at = parse_instant("report.at", &text("at", fields.remove("at"))?)?;
    let operator = Operator::from_name(&text("operator", fields.remove("operator"))?)
        .map_err(|e| e.renamed("report.operator"))?;
    let mut dec = Decoding {
        holds: Vec::new(),
        unmapped: Vec::new(),
        uncertain: false,
    };
    let (platform, code, row, known) = match operator {
        Operator::ChinaMobile => onelink(&mut fields, &mut dec)?,
        Operator::ChinaTelecom => ct_cmp(&mut fields, &mut dec)?,
        Operator::ChinaUnicom => unicom(&mut fields, &mut dec)?,
        Operator::ChinaBroadnet => {
            return Err(Error::invalid(
                "report.operator",
                "\"china_broadnet\"",
                "no public code table is known for this operator",
            ));
        }
    };
    let field = match platform {
        Platform::OneLink => "cardStatus",
        Platform::CtCmp => "productMainStatusCd",
        Platform::CuCmp => "simStatus",
        Platform::ControlCenter => "status",
    };
    let status = if let Some(r) = row {
        dec.uncertain |= r.grade.is_uncertain();
        dec.hold(field, code.clone(), r);
        r.status
    } else {
        dec.unmapped(field, code.clone(), "not in the table");
        None
    };
    // Any other field is kept visible, never dropped.
    for (k, v) in fields {
        if !known.contains(&k.as_str()) {
            dec.unmapped(&k, v.to_string(), "field not decoded");
        }
    }
    Ok(OperatorView {
        iccid,
        at,
        operator,
        platform,
        operator_status: code,
        status,
        holds: dec.holds,
        unmapped: dec.unmapped,
        uncertain: dec.uncertain,
    })
}

/// What a platform decoder found: the platform, the status code and its row,
/// and the fields it knows.
type Decoded = (
    Platform,
    String,
    Option<&'static CodeRow>,
    &'static [&'static str],
);

/// OneLink: `cardStatus`, `stopReason`, `serviceTypeList`.
fn onelink(fields: &mut Map<String, Value>, d: &mut Decoding) -> Result<Decoded, Error> {
    let code = code_of(
        "cardStatus",
        &fields
            .remove("cardStatus")
            .ok_or_else(|| missing("cardStatus"))?,
    )?;
    if code == "99" {
        return Err(Error::invalid(
            "report.cardStatus",
            "\"99\"",
            "号码不存在: the operator does not know this number",
        ));
    }
    let table = if code.len() == 2 {
        ONELINK_PB_STATUS
    } else {
        ONELINK_CT_STATUS
    };
    let row = find(table, &code);
    let stopped = row.is_some_and(|r| r.status == Some(Suspended) && r.hold.is_none());
    let any = match fields.remove("stopReason") {
        Some(v) => stop_reason(&code_of("stopReason", &v)?, d)?,
        None => false,
    };
    if let Some(v) = fields.remove("serviceTypeList") {
        service_types(&v, d)?;
    }
    if stopped && !any {
        d.unmapped(
            "stopReason",
            "0".to_owned(),
            "stopped without a reason given",
        );
    }
    Ok((Platform::OneLink, code, row, ONELINK_FIELDS))
}

/// A code field decoded with `table`, if present.
fn optional_code(
    fields: &mut Map<String, Value>,
    field: &'static str,
    table: &'static [CodeRow],
    d: &mut Decoding,
) -> Result<(), Error> {
    if let Some(v) = fields.remove(field) {
        let c = code_of(field, &v)?;
        match find(table, &c) {
            Some(r) => d.hold(field, c, r),
            None => d.unmapped(field, c, "not in the table"),
        }
    }
    Ok(())
}

/// CT CMP: `productMainStatusCd`, `netBlockStatusName`, `stopType`.
fn ct_cmp(fields: &mut Map<String, Value>, d: &mut Decoding) -> Result<Decoded, Error> {
    let code = code_of(
        "productMainStatusCd",
        &fields
            .remove("productMainStatusCd")
            .ok_or_else(|| missing("productMainStatusCd"))?,
    )?;
    let row = find(CT_MAIN_STATUS, &code);
    optional_code(fields, "netBlockStatusName", CT_NET_BLOCK, d)?;
    optional_code(fields, "stopType", CT_STOP_TYPE, d)?;
    Ok((Platform::CtCmp, code, row, CT_FIELDS))
}

/// Unicom: CMP `simStatus` or Control Center `status`, and the overage fields.
fn unicom(fields: &mut Map<String, Value>, d: &mut Decoding) -> Result<Decoded, Error> {
    let (platform, code, row) = match (fields.remove("simStatus"), fields.remove("status")) {
        (Some(v), None) => {
            let c = code_of("simStatus", &v)?;
            let r = find(CU_SIM_STATUS, &c);
            (Platform::CuCmp, c, r)
        }
        (None, Some(v)) => {
            let c = code_of("status", &v)?;
            let r = find(CC_STATUS, c.strip_suffix("_NAME").unwrap_or(&c));
            (Platform::ControlCenter, c, r)
        }
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "report.status",
                "…",
                "a report has `simStatus` (Unicom CMP) or `status` (Control Center), not both",
            ));
        }
        (None, None) => return Err(missing("simStatus")),
    };
    if let Some(v) = fields.remove("overageLimitReached") {
        let Value::Bool(reached) = v else {
            return Err(Error::invalid(
                "report.overageLimitReached",
                v,
                "must be true or false",
            ));
        };
        let over = fields
            .remove("overageLimitOverride")
            .map(|o| code_of("overageLimitOverride", &o))
            .transpose()?;
        match (reached, over.as_deref()) {
            (true, None | Some("DEFAULT")) => {
                d.hold("overageLimitReached", "true".to_owned(), &CC_OVERAGE);
            }
            (true, Some("TEMPORARY_OVERRIDE" | "PERMANENT_OVERRIDE")) | (false, _) => {}
            (true, Some(other)) => {
                d.unmapped("overageLimitOverride", other.to_owned(), "not in the table");
            }
        }
    }
    Ok((platform, code, row, CU_FIELDS))
}

fn missing(field: &str) -> Error {
    Error::invalid(
        format!("report.{field}"),
        "(missing)",
        "required for this operator",
    )
}

#[cfg(test)]
mod tests {
    use super::{Scope, decode_report};
    use crate::{Error, Hold, Status};

    fn report(operator: &str, fields: &str) -> String {
        format!(
            r#"{{"iccid": "89860012345678901238", "at": "2026-06-01T08:00:00+08:00",
                "operator": "{operator}", {fields}}}"#
        )
    }

    /// (codes.md row, operator, fields, status, holds with scope).
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        Option<Status>,
        &'static [(Option<Hold>, Scope)],
    );

    use Scope::{All, Data, Outgoing};
    use Status::{Active, Cancelled, Inventory, Replaced, Restricted, Suspended};

    /// Every row of `codes.md` graded A or B, as the table says (written out here
    /// from the table, not derived from the decoder's rows).
    const AB_ROWS: &[Case] = &[
        (
            "§1.2 CT 1 待激活",
            "china_mobile",
            r#""cardStatus": "1""#,
            Some(Inventory),
            &[],
        ),
        (
            "§1.2 CT 2 已激活",
            "china_mobile",
            r#""cardStatus": "2""#,
            Some(Active),
            &[],
        ),
        (
            "§1.2 CT 6 可测试",
            "china_mobile",
            r#""cardStatus": "6""#,
            Some(Inventory),
            &[],
        ),
        (
            "§1.2 CT 7 库存",
            "china_mobile",
            r#""cardStatus": "7""#,
            Some(Inventory),
            &[],
        ),
        (
            "§1.2 CT 8 预销户",
            "china_mobile",
            r#""cardStatus": "8""#,
            Some(Suspended),
            &[(Some(Hold::Expired), All)],
        ),
        (
            "§1.2 CT 9 已销户",
            "china_mobile",
            r#""cardStatus": "9""#,
            Some(Cancelled),
            &[],
        ),
        (
            "§1.2 PB 00 正常",
            "china_mobile",
            r#""cardStatus": "00""#,
            Some(Active),
            &[],
        ),
        (
            "§1.2 PB 01 单向停机",
            "china_mobile",
            r#""cardStatus": "01""#,
            Some(Restricted),
            &[(None, Outgoing)],
        ),
        (
            "§1.2 PB 03 预销号",
            "china_mobile",
            r#""cardStatus": "03""#,
            Some(Suspended),
            &[(Some(Hold::Expired), All)],
        ),
        (
            "§1.2 PB 04 销号",
            "china_mobile",
            r#""cardStatus": "04""#,
            Some(Cancelled),
            &[],
        ),
        (
            "§1.2 PB 05 过户",
            "china_mobile",
            r#""cardStatus": "05""#,
            None,
            &[],
        ),
        (
            "§1.2 PB 06 休眠",
            "china_mobile",
            r#""cardStatus": "06""#,
            Some(Suspended),
            &[(Some(Hold::Manual), All)],
        ),
        (
            "§1.2 PB 07 待激活",
            "china_mobile",
            r#""cardStatus": "07""#,
            Some(Inventory),
            &[],
        ),
        (
            "§1.3 pos 1 窄带网商品到期",
            "china_mobile",
            r#""cardStatus": "4", "stopReason": "200000000000""#,
            Some(Suspended),
            &[(Some(Hold::Expired), All)],
        ),
        (
            "§1.3 pos 2 机卡分离",
            "china_mobile",
            r#""cardStatus": "4", "stopReason": "020000000000""#,
            Some(Suspended),
            &[(Some(Hold::DeviceMismatch), All)],
        ),
        (
            "§1.3 pos 4 M2M 管理停机",
            "china_mobile",
            r#""cardStatus": "4", "stopReason": "000200000000""#,
            Some(Suspended),
            &[(None, All)],
        ),
        (
            "§1.3 pos 5 信控双向停机",
            "china_mobile",
            r#""cardStatus": "4", "stopReason": "000020000000""#,
            Some(Suspended),
            &[(Some(Hold::Arrears), All)],
        ),
        (
            "§1.3 pos 9 主动双向停机",
            "china_mobile",
            r#""cardStatus": "4", "stopReason": "000000002000""#,
            Some(Suspended),
            &[(Some(Hold::Manual), All)],
        ),
        (
            "§1.3 pos 10 区域限制",
            "china_mobile",
            r#""cardStatus": "4", "stopReason": "000000000200""#,
            Some(Suspended),
            &[(Some(Hold::RestrictedRegion), All)],
        ),
        (
            "§1.3 pos 11 强制双向停机",
            "china_mobile",
            r#""cardStatus": "02", "stopReason": "000000000020""#,
            Some(Suspended),
            &[(None, All)],
        ),
        (
            "§1.3 stacking example 000020000020",
            "china_mobile",
            r#""cardStatus": "4", "stopReason": "000020000020""#,
            Some(Suspended),
            &[(Some(Hold::Arrears), All), (None, All)],
        ),
        (
            "§1.3 000000000000 not stopped",
            "china_mobile",
            r#""cardStatus": "2", "stopReason": "000000000000""#,
            Some(Active),
            &[],
        ),
        (
            "§2.1 1 可激活",
            "china_telecom",
            r#""productMainStatusCd": "1""#,
            Some(Inventory),
            &[],
        ),
        (
            "§2.1 2 测试激活",
            "china_telecom",
            r#""productMainStatusCd": "2""#,
            Some(Inventory),
            &[],
        ),
        (
            "§2.1 4 在用",
            "china_telecom",
            r#""productMainStatusCd": "4""#,
            Some(Active),
            &[],
        ),
        (
            "§2.1 5 停机",
            "china_telecom",
            r#""productMainStatusCd": "5""#,
            Some(Suspended),
            &[(Some(Hold::Manual), All)],
        ),
        (
            "§2.1 7 拆机",
            "china_telecom",
            r#""productMainStatusCd": 7"#,
            Some(Cancelled),
            &[],
        ),
        (
            "§2.2 120000 停机保号",
            "china_telecom",
            r#""productMainStatusCd": "5", "stopType": "120000""#,
            Some(Suspended),
            &[(Some(Hold::Manual), All), (Some(Hold::Manual), All)],
        ),
        (
            "§2.2 150001 非实名违章单停",
            "china_telecom",
            r#""productMainStatusCd": "4", "stopType": "150001""#,
            Some(Active),
            &[(None, Outgoing)],
        ),
        (
            "§3.2 0 可测试",
            "china_unicom",
            r#""simStatus": "0""#,
            Some(Inventory),
            &[],
        ),
        (
            "§3.2 1 可激活",
            "china_unicom",
            r#""simStatus": "1""#,
            Some(Inventory),
            &[],
        ),
        (
            "§3.2 2 已激活",
            "china_unicom",
            r#""simStatus": "2""#,
            Some(Active),
            &[],
        ),
        (
            "§3.2 3 已停用",
            "china_unicom",
            r#""simStatus": "3""#,
            Some(Suspended),
            &[(Some(Hold::Manual), All)],
        ),
        (
            "§3.2 4 已失效",
            "china_unicom",
            r#""simStatus": "4""#,
            Some(Suspended),
            &[(Some(Hold::Expired), All)],
        ),
        (
            "§3.2 5 已清除",
            "china_unicom",
            r#""simStatus": "5""#,
            Some(Cancelled),
            &[],
        ),
        (
            "§3.2 6 已更换",
            "china_unicom",
            r#""simStatus": "6""#,
            Some(Replaced),
            &[],
        ),
        (
            "§3.2 7 库存",
            "china_unicom",
            r#""simStatus": "7""#,
            Some(Inventory),
            &[],
        ),
        (
            "§4 TEST_READY",
            "china_unicom",
            r#""status": "TEST_READY""#,
            Some(Inventory),
            &[],
        ),
        (
            "§4 INVENTORY",
            "china_unicom",
            r#""status": "INVENTORY_NAME""#,
            Some(Inventory),
            &[],
        ),
        (
            "§4 ACTIVATION_READY",
            "china_unicom",
            r#""status": "ACTIVATION_READY""#,
            Some(Inventory),
            &[],
        ),
        (
            "§4 ACTIVATED",
            "china_unicom",
            r#""status": "ACTIVATED""#,
            Some(Active),
            &[],
        ),
        (
            "§4 ACTIVATED + overageLimitReached",
            "china_unicom",
            r#""status": "ACTIVATED", "overageLimitReached": true, "overageLimitOverride": "DEFAULT""#,
            Some(Active),
            &[(Some(Hold::OverQuota), Data)],
        ),
        (
            "§4 overage with TEMPORARY_OVERRIDE",
            "china_unicom",
            r#""status": "ACTIVATED", "overageLimitReached": true, "overageLimitOverride": "TEMPORARY_OVERRIDE""#,
            Some(Active),
            &[],
        ),
        (
            "§4 DEACTIVATED",
            "china_unicom",
            r#""status": "DEACTIVATED""#,
            Some(Suspended),
            &[(Some(Hold::Manual), All)],
        ),
        (
            "§4 RETIRED",
            "china_unicom",
            r#""status": "RETIRED""#,
            Some(Suspended),
            &[(Some(Hold::Expired), All)],
        ),
        (
            "§4 PURGED",
            "china_unicom",
            r#""status": "PURGED""#,
            Some(Cancelled),
            &[],
        ),
        (
            "§4 REPLACED",
            "china_unicom",
            r#""status": "REPLACED""#,
            Some(Replaced),
            &[],
        ),
    ];

    #[test]
    fn every_a_or_b_row_decodes_as_the_table_says() {
        for (row, op, fields, status, holds) in AB_ROWS {
            let v = decode_report(&report(op, fields)).unwrap_or_else(|e| panic!("{row}: {e}"));
            assert_eq!(v.status, *status, "{row}");
            let got: Vec<_> = v.holds.iter().map(|h| (h.hold, h.scope)).collect();
            let mut want = holds.to_vec();
            let mut got_sorted = got.clone();
            want.sort_by_key(|(h, s)| (h.map(|h| h as u8), *s as u8));
            got_sorted.sort_by_key(|(h, s)| (h.map(|h| h as u8), *s as u8));
            assert_eq!(got_sorted, want, "{row}");
            assert!(v.unmapped.is_empty(), "{row}: {:?}", v.unmapped);
        }
    }

    /// Undocumented positions, digits and codes stay visible as unmapped; a stop
    /// without a reason surfaces; C/D rows are marked uncertain.
    #[test]
    fn unknown_codes_come_out_as_unmapped() {
        let v = decode_report(&report(
            "china_mobile",
            r#""cardStatus": "4", "stopReason": "002000000001""#,
        ))
        .expect("decodes");
        let codes: Vec<&str> = v.unmapped.iter().map(|u| u.code.as_str()).collect();
        assert_eq!(codes, ["3=2", "12=1"]);
        assert!(v.holds.is_empty());
        let v = decode_report(&report("china_mobile", r#""cardStatus": "4""#)).expect("decodes");
        assert_eq!(v.unmapped[0].field, "stopReason");
        let v = decode_report(&report("china_mobile", r#""cardStatus": "5", "extra": 1"#))
            .expect("decodes");
        assert_eq!(v.status, None);
        assert_eq!(v.unmapped.len(), 2, "{:?}", v.unmapped);
        let v = decode_report(&report(
            "china_mobile",
            r#""cardStatus": "4", "stopReason": "000500000000""#,
        ))
        .expect("decodes");
        assert_eq!(v.unmapped[0].reason, "only the digit 2 is documented");
        let v = decode_report(&report("china_telecom", r#""productMainStatusCd": "6""#))
            .expect("decodes");
        assert!(
            v.uncertain && !v.operator_only(),
            "cause not given: not the operator's own"
        );
        let v = decode_report(&report(
            "china_mobile",
            r#""cardStatus": "2", "serviceTypeList": [{"serviceType": "11", "serviceStatus": "0"},
                {"serviceType": "01", "serviceStatus": "0"}, {"serviceType": "08", "serviceStatus": "1"}]"#,
        ))
        .expect("decodes");
        assert_eq!(v.holds.len(), 1, "§1.5 23M08: data paused");
        assert_eq!(
            (v.holds[0].hold, v.holds[0].scope),
            (Some(Hold::OverQuota), Scope::Data)
        );
        assert!(v.uncertain);
        assert_eq!(
            v.unmapped[0].code, "01",
            "a paused voice service is kept visible"
        );
        let v = decode_report(&report("china_mobile", r#""cardStatus": "8""#)).expect("decodes");
        assert!(v.uncertain, "the expired hold of 预销户 is inferred (D)");
        let v = decode_report(&report("china_mobile", r#""cardStatus": "2""#)).expect("decodes");
        assert!(!v.uncertain);
    }

    /// Malformed reports are errors naming the field.
    #[test]
    fn malformed_reports_name_the_field() {
        let field = |op: &str, fields: &str| match decode_report(&report(op, fields)) {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        for bad in ["00002000000", "0000200000000", "00002000000x", ""] {
            let f = format!(r#""cardStatus": "4", "stopReason": "{bad}""#);
            assert_eq!(field("china_mobile", &f), "report.stopReason", "{bad}");
        }
        assert_eq!(
            field("china_mobile", r#""cardStatus": "99""#),
            "report.cardStatus"
        );
        assert_eq!(
            field("china_mobile", r#""cardStatus": true"#),
            "report.cardStatus"
        );
        assert_eq!(
            field("china_mobile", r#""stopReason": "000000000000""#),
            "report.cardStatus"
        );
        assert_eq!(field("cmcc", r#""cardStatus": "2""#), "report.operator");
        assert_eq!(
            field("china_unicom", r#""simStatus": "2", "status": "ACTIVATED""#),
            "report.status"
        );
        assert_eq!(
            field(
                "china_unicom",
                r#""status": "ACTIVATED", "overageLimitReached": "yes""#
            ),
            "report.overageLimitReached"
        );
        match decode_report(
            r#"{"iccid": "123", "at": "2026-06-01T08:00:00Z", "operator": "china_mobile"}"#,
        ) {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "report.iccid"),
            other => panic!("{other:?}"),
        }
    }
}
