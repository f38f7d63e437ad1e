//! Operators (`docs/operators.md`): a policy book, a fleet line assessed under
//! its operator's policy, an operator report decoded, and one card reconciled
//! with its operator's report. JSON in, JSON out; every rule is the core's.

use std::ffi::c_char;

use iotcard::PolicyBook;
use iotcard::fleet::FleetEntry;

use crate::ffi::{arg_out, arg_ref, arg_str, c_string, instant};
use crate::handles::{free_handle, handle_from_json, iotcard_card, iotcard_policy};
use crate::result::{Failure, guard, iotcard_result};

/// A policy book: a default policy and one per operator (`docs/operators.md`
/// "Policy book").
///
/// Created by `iotcard_policy_book_from_json`, freed by
/// `iotcard_policy_book_free`. Read-only once created: share it between threads.
#[derive(Debug)]
pub struct iotcard_policy_book {
    book: PolicyBook,
}

/// Creates a policy book from JSON (`{"default": {...}, "operators":
/// {"china_mobile": {...}}}`), validated as a whole.
///
/// On success `*out` is a new book, to free with `iotcard_policy_book_free`.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` naming the policy and field
/// (`policy_book.operators.china_mobile.retention_months`);
/// `IOTCARD_RESULT_NULL_ARGUMENT`; `IOTCARD_RESULT_INVALID_UTF8`.
///
/// # Safety
/// `json` must be valid for reads of `json_len` bytes; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_policy_book_from_json(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut iotcard_policy_book,
) -> iotcard_result {
    // SAFETY: the caller's contract.
    unsafe {
        handle_from_json(json, json_len, out, |json| {
            let book = PolicyBook::from_json(json)?;
            Ok(Box::into_raw(Box::new(iotcard_policy_book { book })))
        })
    }
}

/// Frees a policy book. NULL is ignored. Not idempotent.
///
/// # Safety
/// `book` must be NULL or a book from `iotcard_policy_book_from_json`, not yet
/// freed and not in use; it must not be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_policy_book_free(book: *mut iotcard_policy_book) {
    // SAFETY: the caller's contract.
    unsafe { free_handle(book) }
}

/// Replays one fleet line (`docs/json.md` "Fleet line") to `at_ms` under its
/// card's operator's policy from `book`, and assesses the card at the end (after
/// a `replace`, the new card): the assessment JSON, as
/// `iotcard_card_assess_json` writes it.
///
/// On success `*out` is a NUL-terminated string, to free with
/// `iotcard_string_free`.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` naming the field (a bad line; `card.operator`
/// when the card's operator has no policy and the book no default); the code of
/// the first event the card refuses; `IOTCARD_RESULT_NULL_ARGUMENT`;
/// `IOTCARD_RESULT_INVALID_UTF8`.
///
/// # Safety
/// `book` a live book; `line` valid for reads of `line_len` bytes; `out` valid
/// for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_fleet_line_assess_json(
    book: *const iotcard_policy_book,
    line: *const c_char,
    line_len: usize,
    at_ms: i64,
    out: *mut *mut c_char,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let book = unsafe { arg_ref(book, "book")? };
        // SAFETY: the caller's contract.
        let line = unsafe { arg_str(line, line_len, "line")? };
        let out = arg_out(out, "out")?;
        let at = instant(at_ms, "at_ms")?;
        let entry = FleetEntry::from_json(line)?;
        let (policy, replayed) = book.book.replay(&entry, at).map_err(|(_, e)| e)?;
        let a = replayed.card.assess(policy, at)?;
        let s = c_string(a.to_json(), "assessment")?;
        // SAFETY: checked non-NULL; the caller's contract.
        unsafe { out.write(s) };
        Ok(())
    })
}

/// Decodes one operator report line (`docs/operators.md` "Operator report
/// line") into the operator view JSON: status, holds with scope, unmapped codes.
///
/// On success `*out` is a NUL-terminated string, to free with
/// `iotcard_string_free`.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` naming the field (`report.stopReason` not 12
/// digits, …); `IOTCARD_RESULT_NULL_ARGUMENT`; `IOTCARD_RESULT_INVALID_UTF8`.
///
/// # Safety
/// `report` valid for reads of `report_len` bytes; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_report_decode_json(
    report: *const c_char,
    report_len: usize,
    out: *mut *mut c_char,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let report = unsafe { arg_str(report, report_len, "report")? };
        let out = arg_out(out, "out")?;
        let view = iotcard::decode_report(report)?;
        let s = c_string(view.to_json(), "view")?;
        // SAFETY: checked non-NULL; the caller's contract.
        unsafe { out.write(s) };
        Ok(())
    })
}

/// Reconciles `card` with its operator's report: the card assessed under
/// `policy` at the report's instant, beside the decoded report, every
/// disagreement classified with the action for the billing team
/// (`docs/operators.md` "Reconciliation"), as JSON.
///
/// On success `*out` is a NUL-terminated string, to free with
/// `iotcard_string_free`.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` naming the field (a bad report;
/// `report.iccid` of another card); `IOTCARD_RESULT_OUT_OF_ORDER` (the report is
/// earlier than the card's last instant); `IOTCARD_RESULT_NULL_ARGUMENT`;
/// `IOTCARD_RESULT_INVALID_UTF8`.
///
/// # Safety
/// `card` a live card; `policy` a live policy; `report` valid for reads of
/// `report_len` bytes; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_reconcile_json(
    card: *const iotcard_card,
    policy: *const iotcard_policy,
    report: *const c_char,
    report_len: usize,
    out: *mut *mut c_char,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let card = unsafe { arg_ref(card, "card")? };
        // SAFETY: the caller's contract.
        let policy = unsafe { arg_ref(policy, "policy")? };
        // SAFETY: the caller's contract.
        let report = unsafe { arg_str(report, report_len, "report")? };
        let out = arg_out(out, "out")?;
        let view = iotcard::decode_report(report)?;
        let a = card.card.assess(&policy.policy, view.at)?;
        let r = iotcard::reconcile(&a, card.card.iccid(), &view)?;
        let s = c_string(r.to_json(), "reconciliation")?;
        // SAFETY: checked non-NULL; the caller's contract.
        unsafe { out.write(s) };
        Ok::<(), Failure>(())
    })
}
