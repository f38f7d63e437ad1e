//! Named constants for the plain-struct way (status values, hold, service, action,
//! call-restriction and condition bits, change kinds, remedies) and the functions
//! that name them.
//!
//! The values are literals (cbindgen copies literals into the header); each is
//! checked at compile time against the core's enums, so the build fails if the
//! core changes an order or adds a value. The names come from the core.

use std::ffi::{CString, c_char};
use std::sync::OnceLock;

use iotcard::{
    Action, Actions, CallCause, CallRestriction, ChangeKind, Condition, Hold, Holds, Remedy,
    Service, Services, Status, Unmet,
};

use crate::result::guard_value;

/// Status `inventory`: never activated (`iotcard_assessment.status`).
pub const IOTCARD_STATUS_INVENTORY: u8 = 0;
/// Status `active`: activated, no hold.
pub const IOTCARD_STATUS_ACTIVE: u8 = 1;
/// Status `restricted`: only holds that bar some services.
pub const IOTCARD_STATUS_RESTRICTED: u8 = 2;
/// Status `suspended`: at least one hold that bars every service.
pub const IOTCARD_STATUS_SUSPENDED: u8 = 3;
/// Status `cancelled` (terminal).
pub const IOTCARD_STATUS_CANCELLED: u8 = 4;
/// Status `replaced` (terminal): a lost card swapped for a new one.
pub const IOTCARD_STATUS_REPLACED: u8 = 5;

/// The first instant of the supported range, Unix ms: 1900-01-01T00:00:00Z
/// (`iotcard::Instant::MIN`). Every `*_ms` argument and every instant in JSON
/// must be within `IOTCARD_INSTANT_MIN_MS ..= IOTCARD_INSTANT_MAX_MS`; anything
/// else is `IOTCARD_RESULT_INVALID_INPUT`, naming the argument.
pub const IOTCARD_INSTANT_MIN_MS: i64 = -2_208_988_800_000;
/// The last instant of the supported range, Unix ms: 9898-12-31T23:59:59.999Z
/// (`iotcard::Instant::MAX`, rounded down to the millisecond).
pub const IOTCARD_INSTANT_MAX_MS: i64 = 250_215_091_199_999;

/// The number of holds this library knows (`IOTCARD_HOLD_*`, bits `0` to
/// `IOTCARD_HOLD_COUNT - 1`). It grows when a hold is added; the per-hold arrays
/// of `iotcard_assessment` do not (their length is `IOTCARD_HOLD_CAPACITY`).
pub const IOTCARD_HOLD_COUNT: usize = 9;
/// The length of the per-hold arrays of `iotcard_assessment`
/// (`hold_since_ms`, `remedies`), whose index `i` is the hold with bit `1 << i`:
/// one entry per bit of the 16-bit hold set, so that a new hold does not move
/// any field of the struct. Entries past `IOTCARD_HOLD_COUNT` are never on.
pub const IOTCARD_HOLD_CAPACITY: usize = 16;
/// Hold bit `manual` (R1.2): manual suspension; every service.
pub const IOTCARD_HOLD_MANUAL: u16 = 1 << 0;
/// Hold bit `over_quota` (R2.2): data quota exceeded with auto-suspend; data only.
pub const IOTCARD_HOLD_OVER_QUOTA: u16 = 1 << 1;
/// Hold bit `arrears` (R3.1): every service.
pub const IOTCARD_HOLD_ARREARS: u16 = 1 << 2;
/// Hold bit `low_balance` (R3.3): outgoing calls only.
pub const IOTCARD_HOLD_LOW_BALANCE: u16 = 1 << 3;
/// Hold bit `expired` (R4.1): plan expired, in number retention; every service.
pub const IOTCARD_HOLD_EXPIRED: u16 = 1 << 4;
/// Hold bit `device_mismatch` (R5.2): every service.
pub const IOTCARD_HOLD_DEVICE_MISMATCH: u16 = 1 << 5;
/// Hold bit `restricted_region` (R7.2): every service.
pub const IOTCARD_HOLD_RESTRICTED_REGION: u16 = 1 << 6;
/// Hold bit `maintenance` (R8.1): every service.
pub const IOTCARD_HOLD_MAINTENANCE: u16 = 1 << 7;
/// Hold bit `lost` (R9.2): every service.
pub const IOTCARD_HOLD_LOST: u16 = 1 << 8;

/// Service bit `data` (`iotcard_assessment.barred`).
pub const IOTCARD_SERVICE_DATA: u8 = 1 << 0;
/// Service bit `voice_outgoing`.
pub const IOTCARD_SERVICE_VOICE_OUTGOING: u8 = 1 << 1;
/// Service bit `voice_incoming`.
pub const IOTCARD_SERVICE_VOICE_INCOMING: u8 = 1 << 2;
/// Service bit `sms`.
pub const IOTCARD_SERVICE_SMS: u8 = 1 << 3;

/// Action bit `activate` (`iotcard_assessment.can`).
pub const IOTCARD_ACTION_ACTIVATE: u16 = 1 << 0;
/// Action bit `manual_suspend` (R1.1 met).
pub const IOTCARD_ACTION_MANUAL_SUSPEND: u16 = 1 << 1;
/// Action bit `manual_resume`.
pub const IOTCARD_ACTION_MANUAL_RESUME: u16 = 1 << 2;
/// Action bit `renew`.
pub const IOTCARD_ACTION_RENEW: u16 = 1 << 3;
/// Action bit `rebind`.
pub const IOTCARD_ACTION_REBIND: u16 = 1 << 4;
/// Action bit `operator_release`.
pub const IOTCARD_ACTION_OPERATOR_RELEASE: u16 = 1 << 5;
/// Action bit `report_lost`.
pub const IOTCARD_ACTION_REPORT_LOST: u16 = 1 << 6;
/// Action bit `replace`.
pub const IOTCARD_ACTION_REPLACE: u16 = 1 << 7;
/// Action bit `cancel`.
pub const IOTCARD_ACTION_CANCEL: u16 = 1 << 8;

/// Scheduled change `lift_over_quota` (R2.3) (`iotcard_assessment.next_change`).
/// Changes due at the same instant happen in the order of these values.
pub const IOTCARD_CHANGE_LIFT_OVER_QUOTA: u8 = 0;
/// Scheduled change `expire` (R4.1).
pub const IOTCARD_CHANGE_EXPIRE: u8 = 1;
/// Scheduled change `keep_number_fee` (R4.4).
pub const IOTCARD_CHANGE_KEEP_NUMBER_FEE: u8 = 2;
/// Scheduled change `cancel` (R4.5).
pub const IOTCARD_CHANGE_CANCEL: u8 = 3;
/// Scheduled change `lift_maintenance` (R8.1).
pub const IOTCARD_CHANGE_LIFT_MAINTENANCE: u8 = 4;
/// Scheduled change `dormancy_cancel` (R6.2).
pub const IOTCARD_CHANGE_DORMANCY_CANCEL: u8 = 5;

/// Remedy `manual_resume` (R11) (`iotcard_assessment.remedies`).
pub const IOTCARD_REMEDY_MANUAL_RESUME: u8 = 0;
/// Remedy `buy_data_package`.
pub const IOTCARD_REMEDY_BUY_DATA_PACKAGE: u8 = 1;
/// Remedy `pay_then_resume`.
pub const IOTCARD_REMEDY_PAY_THEN_RESUME: u8 = 2;
/// Remedy `pay` (arrears with `auto_resume_on_payment`).
pub const IOTCARD_REMEDY_PAY: u8 = 3;
/// Remedy `top_up`.
pub const IOTCARD_REMEDY_TOP_UP: u8 = 4;
/// Remedy `renew`.
pub const IOTCARD_REMEDY_RENEW: u8 = 5;
/// Remedy `rebind_device`.
pub const IOTCARD_REMEDY_REBIND_DEVICE: u8 = 6;
/// Remedy `contact_operator`.
pub const IOTCARD_REMEDY_CONTACT_OPERATOR: u8 = 7;
/// Remedy `wait_maintenance_end`.
pub const IOTCARD_REMEDY_WAIT_MAINTENANCE_END: u8 = 8;
/// Remedy `replace_card`.
pub const IOTCARD_REMEDY_REPLACE_CARD: u8 = 9;
/// No remedy: the hold is not on.
pub const IOTCARD_REMEDY_NONE: u8 = 255;

/// Call-restriction cause bit `arrears` (R9.1) (`iotcard_assessment.call_restriction`).
/// The diagnosis order (most actionable first) is the order of the bits.
pub const IOTCARD_CALL_CAUSE_ARREARS: u8 = 1 << 0;
/// Call-restriction cause bit `low_balance`.
pub const IOTCARD_CALL_CAUSE_LOW_BALANCE: u8 = 1 << 1;
/// Call-restriction cause bit `lost`.
pub const IOTCARD_CALL_CAUSE_LOST: u8 = 1 << 2;
/// Call-restriction cause bit `contact_operator`.
pub const IOTCARD_CALL_CAUSE_CONTACT_OPERATOR: u8 = 1 << 3;

/// Unmet R1.1 condition bit `plan_not_valid`
/// (`iotcard_assessment.manual_suspend_unmet`).
pub const IOTCARD_CONDITION_PLAN_NOT_VALID: u8 = 1 << 0;
/// Unmet R1.1 condition bit `arrears`.
pub const IOTCARD_CONDITION_ARREARS: u8 = 1 << 1;
/// Unmet R1.1 condition bit `over_quota`.
pub const IOTCARD_CONDITION_OVER_QUOTA: u8 = 1 << 2;
/// Unmet R1.1 condition bit `already_suspended`.
pub const IOTCARD_CONDITION_ALREADY_SUSPENDED: u8 = 1 << 3;

// Each table lists the core's values in declaration order with their constant;
// the checks below run at compile time.
const STATUSES: [(Status, u8); 6] = [
    (Status::Inventory, IOTCARD_STATUS_INVENTORY),
    (Status::Active, IOTCARD_STATUS_ACTIVE),
    (Status::Restricted, IOTCARD_STATUS_RESTRICTED),
    (Status::Suspended, IOTCARD_STATUS_SUSPENDED),
    (Status::Cancelled, IOTCARD_STATUS_CANCELLED),
    (Status::Replaced, IOTCARD_STATUS_REPLACED),
];
const HOLDS: [(Hold, u16); IOTCARD_HOLD_COUNT] = [
    (Hold::Manual, IOTCARD_HOLD_MANUAL),
    (Hold::OverQuota, IOTCARD_HOLD_OVER_QUOTA),
    (Hold::Arrears, IOTCARD_HOLD_ARREARS),
    (Hold::LowBalance, IOTCARD_HOLD_LOW_BALANCE),
    (Hold::Expired, IOTCARD_HOLD_EXPIRED),
    (Hold::DeviceMismatch, IOTCARD_HOLD_DEVICE_MISMATCH),
    (Hold::RestrictedRegion, IOTCARD_HOLD_RESTRICTED_REGION),
    (Hold::Maintenance, IOTCARD_HOLD_MAINTENANCE),
    (Hold::Lost, IOTCARD_HOLD_LOST),
];
const SERVICES: [(Service, u8); 4] = [
    (Service::Data, IOTCARD_SERVICE_DATA),
    (Service::VoiceOutgoing, IOTCARD_SERVICE_VOICE_OUTGOING),
    (Service::VoiceIncoming, IOTCARD_SERVICE_VOICE_INCOMING),
    (Service::Sms, IOTCARD_SERVICE_SMS),
];
const ACTIONS: [(Action, u16); 9] = [
    (Action::Activate, IOTCARD_ACTION_ACTIVATE),
    (Action::ManualSuspend, IOTCARD_ACTION_MANUAL_SUSPEND),
    (Action::ManualResume, IOTCARD_ACTION_MANUAL_RESUME),
    (Action::Renew, IOTCARD_ACTION_RENEW),
    (Action::Rebind, IOTCARD_ACTION_REBIND),
    (Action::OperatorRelease, IOTCARD_ACTION_OPERATOR_RELEASE),
    (Action::ReportLost, IOTCARD_ACTION_REPORT_LOST),
    (Action::Replace, IOTCARD_ACTION_REPLACE),
    (Action::Cancel, IOTCARD_ACTION_CANCEL),
];
const CHANGES: [(ChangeKind, u8); 6] = [
    (ChangeKind::LiftOverQuota, IOTCARD_CHANGE_LIFT_OVER_QUOTA),
    (ChangeKind::Expire, IOTCARD_CHANGE_EXPIRE),
    (ChangeKind::KeepNumberFee, IOTCARD_CHANGE_KEEP_NUMBER_FEE),
    (ChangeKind::Cancel, IOTCARD_CHANGE_CANCEL),
    (ChangeKind::LiftMaintenance, IOTCARD_CHANGE_LIFT_MAINTENANCE),
    (ChangeKind::DormancyCancel, IOTCARD_CHANGE_DORMANCY_CANCEL),
];
const REMEDIES: [(Remedy, u8); 10] = [
    (Remedy::ManualResume, IOTCARD_REMEDY_MANUAL_RESUME),
    (Remedy::BuyDataPackage, IOTCARD_REMEDY_BUY_DATA_PACKAGE),
    (Remedy::PayThenResume, IOTCARD_REMEDY_PAY_THEN_RESUME),
    (Remedy::Pay, IOTCARD_REMEDY_PAY),
    (Remedy::TopUp, IOTCARD_REMEDY_TOP_UP),
    (Remedy::Renew, IOTCARD_REMEDY_RENEW),
    (Remedy::RebindDevice, IOTCARD_REMEDY_REBIND_DEVICE),
    (Remedy::ContactOperator, IOTCARD_REMEDY_CONTACT_OPERATOR),
    (
        Remedy::WaitMaintenanceEnd,
        IOTCARD_REMEDY_WAIT_MAINTENANCE_END,
    ),
    (Remedy::ReplaceCard, IOTCARD_REMEDY_REPLACE_CARD),
];
const CALL_CAUSES: [(CallCause, u8); 4] = [
    (CallCause::Arrears, IOTCARD_CALL_CAUSE_ARREARS),
    (CallCause::LowBalance, IOTCARD_CALL_CAUSE_LOW_BALANCE),
    (CallCause::Lost, IOTCARD_CALL_CAUSE_LOST),
    (
        CallCause::ContactOperator,
        IOTCARD_CALL_CAUSE_CONTACT_OPERATOR,
    ),
];
const CONDITIONS: [(Condition, u8); 4] = [
    (Condition::PlanNotValid, IOTCARD_CONDITION_PLAN_NOT_VALID),
    (Condition::Arrears, IOTCARD_CONDITION_ARREARS),
    (Condition::OverQuota, IOTCARD_CONDITION_OVER_QUOTA),
    (
        Condition::AlreadySuspended,
        IOTCARD_CONDITION_ALREADY_SUSPENDED,
    ),
];

/// Compile-time checks: every table has every core value, in the core's order,
/// and each constant is the core's value (`x as u8`) or bit (`Set::of(x).bits()`).
const _: () = {
    assert!(STATUSES.len() == Status::ALL.len());
    assert!(HOLDS.len() == Hold::ALL.len());
    assert!(SERVICES.len() == Service::ALL.len());
    assert!(ACTIONS.len() == Action::ALL.len());
    assert!(CHANGES.len() == ChangeKind::ALL.len());
    assert!(REMEDIES.len() == Remedy::ALL.len());
    assert!(CALL_CAUSES.len() == CallCause::ALL.len());
    assert!(CONDITIONS.len() == Condition::ALL.len());
    assert!(Remedy::ALL.len() < IOTCARD_REMEDY_NONE as usize);
    assert!(IOTCARD_HOLD_COUNT <= IOTCARD_HOLD_CAPACITY);
    assert!(IOTCARD_HOLD_CAPACITY == u16::BITS as usize);
    let mut i = 0;
    while i < STATUSES.len() {
        assert!(STATUSES[i].0 as u8 == Status::ALL[i] as u8);
        assert!(STATUSES[i].1 == STATUSES[i].0 as u8);
        i += 1;
    }
    i = 0;
    while i < HOLDS.len() {
        assert!(HOLDS[i].0 as u8 == Hold::ALL[i] as u8);
        assert!(HOLDS[i].1 == Holds::of(HOLDS[i].0).bits());
        assert!(HOLDS[i].1 == 1 << i);
        i += 1;
    }
    i = 0;
    while i < SERVICES.len() {
        assert!(SERVICES[i].0 as u8 == Service::ALL[i] as u8);
        assert!(SERVICES[i].1 == Services::of(SERVICES[i].0).bits());
        i += 1;
    }
    i = 0;
    while i < ACTIONS.len() {
        assert!(ACTIONS[i].0 as u8 == Action::ALL[i] as u8);
        assert!(ACTIONS[i].1 == Actions::of(ACTIONS[i].0).bits());
        i += 1;
    }
    i = 0;
    while i < CHANGES.len() {
        assert!(CHANGES[i].0 as u8 == ChangeKind::ALL[i] as u8);
        assert!(CHANGES[i].1 == CHANGES[i].0 as u8);
        i += 1;
    }
    i = 0;
    while i < REMEDIES.len() {
        assert!(REMEDIES[i].0 as u8 == Remedy::ALL[i] as u8);
        assert!(REMEDIES[i].1 == REMEDIES[i].0 as u8);
        i += 1;
    }
    i = 0;
    while i < CALL_CAUSES.len() {
        assert!(CALL_CAUSES[i].0 as u8 == CallCause::ALL[i] as u8);
        assert!(CALL_CAUSES[i].1 == CallRestriction::of(CALL_CAUSES[i].0).bits());
        i += 1;
    }
    i = 0;
    while i < CONDITIONS.len() {
        assert!(CONDITIONS[i].0 as u8 == Condition::ALL[i] as u8);
        assert!(CONDITIONS[i].1 == Unmet::of(CONDITIONS[i].0).bits());
        i += 1;
    }
};

/// NUL-terminated copies of a core enum's names, made once, kept for the
/// life of the process.
fn names<T: Copy>(
    cell: &'static OnceLock<Box<[CString]>>,
    all: &[T],
    name: fn(T) -> &'static str,
) -> &'static [CString] {
    cell.get_or_init(|| {
        all.iter()
            .map(|x| CString::new(name(*x)).unwrap_or_default())
            .collect()
    })
}

/// The index of a single bit below `count`.
fn bit_index(bit: u32, count: usize) -> Option<usize> {
    let i = bit.trailing_zeros() as usize;
    (bit.is_power_of_two() && i < count).then_some(i)
}

/// A value below `count`.
fn value_index(value: u32, count: usize) -> Option<usize> {
    let i = value as usize;
    (i < count).then_some(i)
}

fn name_ptr(table: &[CString], index: Option<usize>) -> *const c_char {
    index
        .and_then(|i| table.get(i))
        .map_or(std::ptr::null(), |s| s.as_ptr())
}

/// The JSON name of a status value (`IOTCARD_STATUS_SUSPENDED` →
/// `"suspended"`), or NULL for an unknown value.
///
/// # Safety
/// None: any value may be passed. The returned string is static; do not free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_status_name(status: u32) -> *const c_char {
    static NAMES: OnceLock<Box<[CString]>> = OnceLock::new();
    guard_value(std::ptr::null(), || {
        name_ptr(
            names(&NAMES, Status::ALL, Status::name),
            value_index(status, Status::ALL.len()),
        )
    })
}

/// The JSON name of a hold bit (`IOTCARD_HOLD_ARREARS` → `"arrears"`), or
/// NULL unless exactly one known bit is set.
///
/// # Safety
/// None: any value may be passed. The returned string is static; do not free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_hold_name(hold: u32) -> *const c_char {
    static NAMES: OnceLock<Box<[CString]>> = OnceLock::new();
    guard_value(std::ptr::null(), || {
        name_ptr(
            names(&NAMES, Hold::ALL, Hold::name),
            bit_index(hold, Hold::ALL.len()),
        )
    })
}

/// The JSON name of a service bit (`IOTCARD_SERVICE_SMS` → `"sms"`), or NULL
/// unless exactly one known bit is set.
///
/// # Safety
/// None: any value may be passed. The returned string is static; do not free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_service_name(service: u32) -> *const c_char {
    static NAMES: OnceLock<Box<[CString]>> = OnceLock::new();
    guard_value(std::ptr::null(), || {
        name_ptr(
            names(&NAMES, Service::ALL, Service::name),
            bit_index(service, Service::ALL.len()),
        )
    })
}

/// The JSON name of an action bit (`IOTCARD_ACTION_RENEW` → `"renew"`), or
/// NULL unless exactly one known bit is set.
///
/// # Safety
/// None: any value may be passed. The returned string is static; do not free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_action_name(action: u32) -> *const c_char {
    static NAMES: OnceLock<Box<[CString]>> = OnceLock::new();
    guard_value(std::ptr::null(), || {
        name_ptr(
            names(&NAMES, Action::ALL, Action::name),
            bit_index(action, Action::ALL.len()),
        )
    })
}

/// The JSON name of a scheduled change kind (`IOTCARD_CHANGE_EXPIRE` →
/// `"expire"`), or NULL for an unknown value.
///
/// # Safety
/// None: any value may be passed. The returned string is static; do not free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_change_name(change: u32) -> *const c_char {
    static NAMES: OnceLock<Box<[CString]>> = OnceLock::new();
    guard_value(std::ptr::null(), || {
        name_ptr(
            names(&NAMES, ChangeKind::ALL, ChangeKind::name),
            value_index(change, ChangeKind::ALL.len()),
        )
    })
}

/// The JSON name of a remedy (`IOTCARD_REMEDY_TOP_UP` → `"top_up"`), or NULL
/// for an unknown value and for `IOTCARD_REMEDY_NONE`.
///
/// # Safety
/// None: any value may be passed. The returned string is static; do not free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_remedy_name(remedy: u32) -> *const c_char {
    static NAMES: OnceLock<Box<[CString]>> = OnceLock::new();
    guard_value(std::ptr::null(), || {
        name_ptr(
            names(&NAMES, Remedy::ALL, Remedy::name),
            value_index(remedy, Remedy::ALL.len()),
        )
    })
}

/// The JSON name of a call-restriction cause bit (`IOTCARD_CALL_CAUSE_LOST` →
/// `"lost"`), or NULL unless exactly one known bit is set.
///
/// # Safety
/// None: any value may be passed. The returned string is static; do not free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_call_cause_name(cause: u32) -> *const c_char {
    static NAMES: OnceLock<Box<[CString]>> = OnceLock::new();
    guard_value(std::ptr::null(), || {
        name_ptr(
            names(&NAMES, CallCause::ALL, CallCause::name),
            bit_index(cause, CallCause::ALL.len()),
        )
    })
}

/// The name of an unmet R1.1 condition bit (`IOTCARD_CONDITION_ARREARS` →
/// `"arrears"`), or NULL unless exactly one known bit is set.
///
/// # Safety
/// None: any value may be passed. The returned string is static; do not free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_condition_name(condition: u32) -> *const c_char {
    static NAMES: OnceLock<Box<[CString]>> = OnceLock::new();
    guard_value(std::ptr::null(), || {
        name_ptr(
            names(&NAMES, Condition::ALL, Condition::name),
            bit_index(condition, Condition::ALL.len()),
        )
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    fn s(p: *const c_char) -> Option<&'static str> {
        // SAFETY: the name functions return NULL or a static C string.
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().unwrap())
    }

    #[test]
    fn the_instant_range_is_the_core_s() {
        assert_eq!(IOTCARD_INSTANT_MIN_MS, iotcard::Instant::MIN.unix_millis());
        assert_eq!(IOTCARD_INSTANT_MAX_MS, iotcard::Instant::MAX.unix_millis());
        assert!(iotcard::Instant::from_unix_millis(IOTCARD_INSTANT_MAX_MS).is_some());
        assert!(iotcard::Instant::from_unix_millis(IOTCARD_INSTANT_MAX_MS + 1).is_none());
        assert!(iotcard::Instant::from_unix_millis(IOTCARD_INSTANT_MIN_MS - 1).is_none());
    }

    #[test]
    fn names_come_from_the_core() {
        for (i, h) in Hold::ALL.iter().enumerate() {
            assert_eq!(s(unsafe { iotcard_hold_name(1 << i) }), Some(h.name()));
        }
        for (i, st) in Status::ALL.iter().enumerate() {
            assert_eq!(s(unsafe { iotcard_status_name(i as u32) }), Some(st.name()));
        }
        assert_eq!(s(unsafe { iotcard_hold_name(0) }), None);
        assert_eq!(s(unsafe { iotcard_hold_name(3) }), None);
        assert_eq!(s(unsafe { iotcard_hold_name(1 << 9) }), None);
        assert_eq!(s(unsafe { iotcard_status_name(6) }), None);
        assert_eq!(
            s(unsafe { iotcard_remedy_name(u32::from(IOTCARD_REMEDY_NONE)) }),
            None
        );
        assert_eq!(s(unsafe { iotcard_change_name(u32::MAX) }), None);
    }
}
