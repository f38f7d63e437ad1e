//! Results, the panic boundary, and the calling thread's last error message.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use iotcard::{Error, ErrorKind};

use crate::ffi::copy_out_truncating;

/// What a call did: `IOTCARD_RESULT_OK` (0), or why it failed.
///
/// Fixed width: `uint32_t` in C. Values 1 to 99 are the core's error codes, in
/// the order of `docs/json.md`; 100 and up are the C API's own. Functions that
/// take a result from C (`iotcard_result_message`, `iotcard_result_name`) take a
/// plain `uint32_t`, so an unknown value is answered, not undefined behaviour.
///
/// When a call fails, `iotcard_last_error_message` gives the full message (the
/// field and the value that were wrong) for the calling thread.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum iotcard_result {
    /// Success.
    Ok = 0,
    /// `invalid_input`: malformed JSON, a bad identifier, a zero or negative
    /// amount, an unknown field, an instant out of range, or a number that would
    /// overflow.
    InvalidInput = 1,
    /// `out_of_order`: the instant is earlier than the card's last instant.
    OutOfOrder = 2,
    /// `terminal`: the card is `cancelled` or `replaced`.
    Terminal = 3,
    /// `not_activated`: the event needs an activated card.
    NotActivated = 4,
    /// `already_activated`: `activate` on an activated card.
    AlreadyActivated = 5,
    /// `manual_suspend_not_allowed`: R1.1 unmet; the message names every unmet
    /// condition.
    ManualSuspendNotAllowed = 6,
    /// `arrears_outstanding`: a manual resume cannot lift `arrears` while the
    /// balance is below zero (R3.2).
    ArrearsOutstanding = 7,
    /// `nothing_to_lift`: `manual_resume` or `operator_release` found no such hold.
    NothingToLift = 8,
    /// `late_event_conflict`: taking the late event in its place would make an
    /// accepted event fail (R12.3); the message names it and its error.
    LateEventConflict = 9,
    /// `event_id_conflict`: an accepted event already has this `id`, with other
    /// content (R12.5).
    EventIdConflict = 10,
    /// A required pointer argument was NULL; the message names it.
    NullArgument = 100,
    /// A string argument was not valid UTF-8; the message names it and the byte.
    InvalidUtf8 = 101,
    /// The caller's buffer is too small; the needed length was reported.
    BufferTooSmall = 102,
    /// A bug: the library panicked. Nothing was changed; please report it.
    Panic = 103,
}

/// Every result, in order.
const ALL_RESULTS: [iotcard_result; 15] = [
    iotcard_result::Ok,
    iotcard_result::InvalidInput,
    iotcard_result::OutOfOrder,
    iotcard_result::Terminal,
    iotcard_result::NotActivated,
    iotcard_result::AlreadyActivated,
    iotcard_result::ManualSuspendNotAllowed,
    iotcard_result::ArrearsOutstanding,
    iotcard_result::NothingToLift,
    iotcard_result::LateEventConflict,
    iotcard_result::EventIdConflict,
    iotcard_result::NullArgument,
    iotcard_result::InvalidUtf8,
    iotcard_result::BufferTooSmall,
    iotcard_result::Panic,
];

/// The results of the core's error kinds, in the order of [`ErrorKind::ALL`]:
/// those that follow `Ok`.
const CORE_RESULTS: &[iotcard_result] = ALL_RESULTS.split_at(1).1.split_at(ErrorKind::ALL.len()).0;

/// What a result stands for: a core error kind (its name is the kind's code,
/// its message the kind's summary), or one of the C API's own results.
#[derive(Clone, Copy)]
enum Meaning {
    Core(ErrorKind),
    Own {
        name: &'static str,
        message: &'static str,
    },
}

/// The message of [`iotcard_result::Panic`], also returned when a call that
/// returns a message panics.
const PANIC_MESSAGE: &CStr = c"panic: a bug in iotcard; nothing was changed";

impl iotcard_result {
    const fn meaning(self) -> Meaning {
        use Meaning::{Core, Own};
        match self {
            iotcard_result::Ok => Own {
                name: "ok",
                message: "ok",
            },
            iotcard_result::InvalidInput => Core(ErrorKind::InvalidInput),
            iotcard_result::OutOfOrder => Core(ErrorKind::OutOfOrder),
            iotcard_result::Terminal => Core(ErrorKind::Terminal),
            iotcard_result::NotActivated => Core(ErrorKind::NotActivated),
            iotcard_result::AlreadyActivated => Core(ErrorKind::AlreadyActivated),
            iotcard_result::ManualSuspendNotAllowed => Core(ErrorKind::ManualSuspendNotAllowed),
            iotcard_result::ArrearsOutstanding => Core(ErrorKind::ArrearsOutstanding),
            iotcard_result::NothingToLift => Core(ErrorKind::NothingToLift),
            iotcard_result::LateEventConflict => Core(ErrorKind::LateEventConflict),
            iotcard_result::EventIdConflict => Core(ErrorKind::EventIdConflict),
            iotcard_result::NullArgument => Own {
                name: "null_argument",
                message: "null argument",
            },
            iotcard_result::InvalidUtf8 => Own {
                name: "invalid_utf8",
                message: "invalid UTF-8",
            },
            iotcard_result::BufferTooSmall => Own {
                name: "buffer_too_small",
                message: "buffer too small",
            },
            iotcard_result::Panic => Own {
                name: "panic",
                message: match PANIC_MESSAGE.to_str() {
                    Ok(m) => m,
                    Err(_) => panic!("the panic message is UTF-8"),
                },
            },
        }
    }

    /// The result of a core error: the one of its kind.
    fn of_error(e: &Error) -> iotcard_result {
        CORE_RESULTS[e.kind().index()]
    }

    /// The result's snake_case name: the core's error code for core errors.
    fn name(self) -> &'static str {
        match self.meaning() {
            Meaning::Core(kind) => kind.code(),
            Meaning::Own { name, .. } => name,
        }
    }

    /// The result's short message: the core's summary for core errors.
    fn message(self) -> &'static str {
        match self.meaning() {
            Meaning::Core(kind) => kind.summary(),
            Meaning::Own { message, .. } => message,
        }
    }
}

// Each core error kind has its own result, whose value is the kind's number and
// whose meaning is the kind, in the order of `ErrorKind::ALL` (a new kind must
// get its own result, and a C test): checked at compile time, so `of_error` is
// total.
const _: () = {
    assert!(CORE_RESULTS.len() == ErrorKind::ALL.len());
    assert!(
        ErrorKind::ALL.len() < 100,
        "100 and up are the C API's own results"
    );
    let mut i = 0;
    while i < ErrorKind::ALL.len() {
        let kind = ErrorKind::ALL[i];
        assert!(CORE_RESULTS[i] as u32 == kind.number() as u32);
        match CORE_RESULTS[i].meaning() {
            Meaning::Core(k) => assert!(k as u8 == kind as u8),
            Meaning::Own { .. } => panic!("a core result stands for its kind"),
        }
        i += 1;
    }
};

/// The name and message of each result of [`ALL_RESULTS`], as C strings.
fn result_texts() -> &'static [(CString, CString)] {
    static TEXTS: OnceLock<Box<[(CString, CString)]>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        let c = |s: &str| CString::new(s).expect("names and messages have no NUL");
        ALL_RESULTS
            .iter()
            .map(|r| (c(r.name()), c(r.message())))
            .collect()
    })
}

/// The position in [`ALL_RESULTS`] of the result with this value.
fn result_index(value: u32) -> Option<usize> {
    ALL_RESULTS.iter().position(|r| *r as u32 == value)
}

/// Why a call failed: the result and the full message for the last error.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) result: iotcard_result,
    pub(crate) message: String,
}

impl Failure {
    /// A NULL pointer where one is required.
    pub(crate) fn null(arg: &str) -> Failure {
        Failure {
            result: iotcard_result::NullArgument,
            message: format!("null argument: `{arg}` must not be NULL"),
        }
    }

    /// An argument the C API itself refuses (not the core), worded like the
    /// core's `invalid input` messages: field, value, reason.
    pub(crate) fn invalid(field: &str, value: impl std::fmt::Display, reason: &str) -> Failure {
        Failure {
            result: iotcard_result::InvalidInput,
            message: format!("invalid input: {field} = {value}: {reason}"),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure {
            result: iotcard_result::of_error(&e),
            message: e.to_string(),
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

fn set_last_error(message: String) {
    // `try_with`: during thread teardown the slot may be gone; then drop it.
    let _ = LAST_ERROR.try_with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            *m = message;
        }
    });
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    format!("panic: {what}")
}

/// The panic boundary for every fallible call: runs `body`, turns its failure or
/// panic into a result, and records the message as the thread's last error.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> iotcard_result {
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return iotcard_result::Ok,
        Ok(Err(failure)) => failure,
        Err(payload) => Failure {
            result: iotcard_result::Panic,
            message: panic_message(payload.as_ref()),
        },
    };
    set_last_error(failure.message);
    failure.result
}

/// The panic boundary for calls that return a value, not a result: `on_panic` is
/// returned (and the panic recorded as the last error) if `body` panics.
pub(crate) fn guard_value<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        set_last_error(panic_message(payload.as_ref()));
        on_panic
    })
}

/// A static, NUL-terminated message for a result: never NULL.
///
/// For an unknown value, the message says so. The full message of a failed call
/// (field and value) is `iotcard_last_error_message`.
///
/// # Safety
/// None: any value may be passed. The returned string is static; do not free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_result_message(result: u32) -> *const c_char {
    guard_value(PANIC_MESSAGE.as_ptr(), || {
        result_index(result).map_or(c"unknown result".as_ptr(), |i| result_texts()[i].1.as_ptr())
    })
}

/// The result's stable snake_case name: `"ok"`, the core's error code
/// (`"invalid_input"`, `"out_of_order"`, ... as in `docs/json.md`), or
/// `"null_argument"`, `"invalid_utf8"`, `"buffer_too_small"`, `"panic"`.
/// NULL for an unknown value.
///
/// # Safety
/// None: any value may be passed. The returned string is static; do not free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_result_name(result: u32) -> *const c_char {
    guard_value(std::ptr::null(), || {
        result_index(result).map_or(std::ptr::null(), |i| result_texts()[i].0.as_ptr())
    })
}

/// Copies the message of the calling thread's most recent failed call (the
/// field and value that were wrong, e.g. `invalid input: policy.low_balance =
/// -1: must not be negative`) into `buf`, NUL-terminated. The message is empty
/// when no call on this thread has failed yet. Successful calls leave it as it is.
///
/// `*out_n` is set to the message's length without the NUL (like `snprintf`):
/// on `IOTCARD_RESULT_OK` that many bytes were written before the NUL; on
/// `IOTCARD_RESULT_BUFFER_TOO_SMALL` as much of the message as fits was written,
/// NUL-terminated and cut at a character boundary (so a logger's fixed
/// `char msg[256]` gets the start of a long message, as with `snprintf`), and a
/// buffer of `*out_n + 1` bytes holds it whole. A `len` of 0 writes nothing.
///
/// This call never changes the last error, even when it fails.
///
/// # Safety
/// `buf` must be valid for writes of `len` bytes; `out_n` must be valid for a
/// write. Both must be non-NULL (`IOTCARD_RESULT_NULL_ARGUMENT` otherwise).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_last_error_message(
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> iotcard_result {
    // Not `guard`: a failure here must not overwrite the message being read.
    let run = || -> Result<(), Failure> {
        let message = LAST_ERROR
            .try_with(|m| m.try_borrow().map(|m| m.clone()).unwrap_or_default())
            .unwrap_or_default();
        // SAFETY: the caller's contract for `buf`, `len` and `out_n`.
        unsafe { copy_out_truncating(&message, buf, len, out_n, "buf") }
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(())) => iotcard_result::Ok,
        Ok(Err(failure)) => failure.result,
        Err(_) => iotcard_result::Panic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_kinds_map_one_to_one_in_order() {
        for (i, kind) in ErrorKind::ALL.iter().enumerate() {
            let r = CORE_RESULTS[i];
            assert_eq!(r as u32, i as u32 + 1, "{kind}");
            assert_eq!(r as u32, u32::from(kind.number()), "{kind}");
            assert_eq!(r.name(), kind.code());
            assert_eq!(r.message(), kind.summary());
            assert_eq!(result_index(r as u32).map(|i| ALL_RESULTS[i]), Some(r));
        }
    }

    #[test]
    fn the_c_strings_are_the_names_and_messages() {
        for (i, r) in ALL_RESULTS.iter().enumerate() {
            let (name, message) = &result_texts()[i];
            assert_eq!(name.to_str(), Ok(r.name()));
            assert_eq!(message.to_str(), Ok(r.message()));
            // SAFETY: any value may be passed.
            let (n, m) = unsafe {
                (
                    CStr::from_ptr(iotcard_result_name(*r as u32)),
                    CStr::from_ptr(iotcard_result_message(*r as u32)),
                )
            };
            assert_eq!((n, m), (name.as_c_str(), message.as_c_str()));
        }
        // The value after the core's last kind is unused.
        let unused = u32::try_from(ErrorKind::ALL.len() + 1).expect("few kinds");
        // SAFETY: any value may be passed.
        unsafe {
            assert!(iotcard_result_name(unused).is_null());
            assert_eq!(
                CStr::from_ptr(iotcard_result_message(unused)),
                c"unknown result"
            );
        }
    }

    #[test]
    fn names_and_values_are_unique() {
        for (i, a) in ALL_RESULTS.iter().enumerate() {
            for b in &ALL_RESULTS[i + 1..] {
                assert_ne!(*a as u32, *b as u32);
                assert_ne!(a.name(), b.name());
            }
            assert_eq!(result_index(*a as u32).map(|i| ALL_RESULTS[i]), Some(*a));
        }
        let unused = u32::try_from(ErrorKind::ALL.len() + 1).expect("few kinds");
        assert_eq!(result_index(unused), None);
    }

    #[test]
    fn a_core_error_maps_by_its_code() {
        let e = iotcard::Policy::from_json("{").unwrap_err();
        let f = Failure::from(e);
        assert_eq!(f.result, iotcard_result::InvalidInput);
        assert!(f.message.starts_with("invalid input: "), "{}", f.message);
    }

    #[test]
    fn the_boundary_turns_a_panic_into_a_result() {
        let r = guard(|| panic!("boom"));
        assert_eq!(r, iotcard_result::Panic);
        let msg = LAST_ERROR.with(|m| m.borrow().clone());
        assert_eq!(msg, "panic: boom");
        assert_eq!(guard_value(7, || panic!("{}", 1)), 7);
        let msg = LAST_ERROR.with(|m| m.borrow().clone());
        assert_eq!(msg, "panic: 1");
    }
}
