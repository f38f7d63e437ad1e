//! The opaque handles (policy, card, event), their JSON way in and out, the
//! typed constructors of the everyday events, and the two operations that
//! change a card: apply an event, advance to an instant.

use std::ffi::c_char;
use std::ptr;

use iotcard::{Card, Error, Event, Imei, NewCard, Policy, Region};

use crate::ffi::{
    arg_cstr_opt, arg_mut, arg_out, arg_ref, arg_str, c_string, copy_out, instant, millis,
};
use crate::result::{Failure, guard, guard_value, iotcard_result};

/// A policy: the operator's settings for every rule (`docs/json.md` "Policy").
///
/// Created by `iotcard_policy_from_json`, freed by `iotcard_policy_free`.
///
/// Thread safety: a policy is read-only once created. One policy may be used by
/// any number of threads at once, with any number of cards.
#[derive(Debug)]
pub struct iotcard_policy {
    pub(crate) policy: Policy,
}

/// A card's whole state.
///
/// Created by `iotcard_card_new` (a new card) or `iotcard_card_from_json` (a
/// stored state), freed by `iotcard_card_free`.
///
/// Thread safety: a card may move between threads, but is not shared: a call
/// that takes `iotcard_card *` (apply, advance, free) needs the card to itself;
/// calls that take `const iotcard_card *` only read it and may run at the same
/// time as each other.
#[derive(Debug)]
pub struct iotcard_card {
    pub(crate) card: Card,
}

/// An event (`docs/json.md` "Events"), checked when made.
///
/// Made by the typed constructors of the everyday events
/// (`iotcard_event_charge`, `iotcard_event_payment`, `iotcard_event_usage`,
/// `iotcard_event_top_up`) or by `iotcard_event_from_json` (any event), applied
/// with `iotcard_card_apply_event`, freed with `iotcard_event_free`.
///
/// Thread safety: an event is read-only once made; share it freely.
#[derive(Debug)]
pub struct iotcard_event {
    pub(crate) event: Event,
}

fn new_card_handle(card: Card) -> *mut iotcard_card {
    Box::into_raw(Box::new(iotcard_card { card }))
}

/// The body of every `*_from_json`-style constructor: reads `json`, makes the
/// handle with `make`, writes it to `*out`.
///
/// # Safety
/// `json` valid for reads of `json_len` bytes; `out` valid for a write.
pub(crate) unsafe fn handle_from_json<T>(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut T,
    make: impl FnOnce(&str) -> Result<*mut T, Failure>,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let json = unsafe { arg_str(json, json_len, "json")? };
        let out = arg_out(out, "out")?;
        let handle = make(json)?;
        // SAFETY: checked non-NULL; the caller's contract.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// The body of every `*_free`: NULL is ignored.
///
/// # Safety
/// `handle` NULL or from `Box::into_raw`, not yet freed, not in use elsewhere.
pub(crate) unsafe fn free_handle<T>(handle: *mut T) {
    guard_value((), || {
        if !handle.is_null() {
            // SAFETY: the caller's contract: it came from `Box::into_raw`.
            drop(unsafe { Box::from_raw(handle) });
        }
    });
}

/// Creates a policy from JSON: the fields to change from the default policy
/// (`{}` is the default). An unknown field is refused.
///
/// On success `*out` is a new policy, to free with `iotcard_policy_free`.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` naming the field (malformed JSON, unknown
/// field, value out of range); `IOTCARD_RESULT_NULL_ARGUMENT`;
/// `IOTCARD_RESULT_INVALID_UTF8`.
///
/// # Safety
/// `json` must be valid for reads of `json_len` bytes (it need not be
/// NUL-terminated); `out` must be valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_policy_from_json(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut iotcard_policy,
) -> iotcard_result {
    // SAFETY: the caller's contract.
    unsafe {
        handle_from_json(json, json_len, out, |json| {
            let policy = Policy::from_json(json)?;
            Ok(Box::into_raw(Box::new(iotcard_policy { policy })))
        })
    }
}

/// Frees a policy. NULL is ignored (safe to call). Not idempotent: freeing the
/// same policy twice is undefined behaviour, so set the pointer to NULL after.
///
/// # Safety
/// `policy` must be NULL or a policy from `iotcard_policy_from_json` that is not
/// yet freed and that no other thread is using; it must not be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_policy_free(policy: *mut iotcard_policy) {
    // SAFETY: the caller's contract.
    unsafe { free_handle(policy) }
}

/// Creates a new card, in `inventory`, from the card JSON of `docs/json.md`
/// (`iccid`, `msisdn`, `plan`, and optionally `balance` and `auto_suspend`).
///
/// On success `*out` is a new card, to free with `iotcard_card_free`.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` naming the field (malformed JSON, unknown
/// field, bad ICCID or MSISDN, a plan that ends before it starts);
/// `IOTCARD_RESULT_NULL_ARGUMENT`; `IOTCARD_RESULT_INVALID_UTF8`.
///
/// # Safety
/// `json` must be valid for reads of `json_len` bytes; `out` must be valid for a
/// write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_new(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut iotcard_card,
) -> iotcard_result {
    // SAFETY: the caller's contract.
    unsafe {
        handle_from_json(json, json_len, out, |json| {
            Ok(new_card_handle(Card::new(&NewCard::from_json(json)?)?))
        })
    }
}

/// Loads a card from its stored state, as written by `iotcard_card_to_json`.
///
/// On success `*out` is a new card, to free with `iotcard_card_free`.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` naming the field (malformed JSON, unknown
/// field, a state version this library does not read, a state that is not
/// self-consistent); `IOTCARD_RESULT_NULL_ARGUMENT`; `IOTCARD_RESULT_INVALID_UTF8`.
///
/// # Safety
/// `json` must be valid for reads of `json_len` bytes; `out` must be valid for a
/// write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_from_json(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut iotcard_card,
) -> iotcard_result {
    // SAFETY: the caller's contract.
    unsafe {
        handle_from_json(json, json_len, out, |json| {
            Ok(new_card_handle(Card::from_json(json)?))
        })
    }
}

/// Serializes the card's whole state as JSON (with a format `version`), to store
/// between events and load with `iotcard_card_from_json`.
///
/// On success `*out` is a NUL-terminated string, to free with
/// `iotcard_string_free`.
///
/// # Errors
/// `IOTCARD_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// `card` must be a live card; `out` must be valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_to_json(
    card: *const iotcard_card,
    out: *mut *mut c_char,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let card = unsafe { arg_ref(card, "card")? };
        let out = arg_out(out, "out")?;
        let s = c_string(card.card.to_json(), "state")?;
        // SAFETY: checked non-NULL; the caller's contract.
        unsafe { out.write(s) };
        Ok(())
    })
}

/// Frees a card. NULL is ignored (safe to call). Not idempotent: freeing the
/// same card twice is undefined behaviour, so set the pointer to NULL after.
///
/// # Safety
/// `card` must be NULL or a card from this library that is not yet freed and
/// that no other thread is using; it must not be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_free(card: *mut iotcard_card) {
    // SAFETY: the caller's contract.
    unsafe { free_handle(card) }
}

/// Copies the card's ICCID (19 or 20 digits) into `buf`, NUL-terminated.
///
/// `*out_n` is set to the ICCID's length without the NUL: on
/// `IOTCARD_RESULT_BUFFER_TOO_SMALL` nothing was written to `buf` and a buffer
/// of `*out_n + 1` bytes is needed (21 always suffice).
///
/// # Errors
/// `IOTCARD_RESULT_NULL_ARGUMENT`; `IOTCARD_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `card` must be a live card; `buf` must be valid for writes of `len` bytes;
/// `out_n` must be valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_iccid(
    card: *const iotcard_card,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let card = unsafe { arg_ref(card, "card")? };
        // SAFETY: the caller's contract.
        unsafe { copy_out(card.card.iccid().as_str(), buf, len, out_n, "buf") }
    })
}

/// Writes the card's status now (one of the `IOTCARD_STATUS_*` values) into
/// `*out`: the status its holds give, as the assessment's `status`, without
/// advancing the card (scheduled changes not yet applied are not taken into
/// account; `iotcard_card_assess` does that).
///
/// # Errors
/// `IOTCARD_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// `card` must be a live card; `out` must be valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_status(
    card: *const iotcard_card,
    out: *mut u8,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let card = unsafe { arg_ref(card, "card")? };
        let out = arg_out(out, "out")?;
        // SAFETY: non-NULL; the caller's contract.
        unsafe { out.write(card.card.status() as u8) };
        Ok(())
    })
}

/// The card's clock: the latest instant it has seen (its last event or
/// advance), which no later event, advance or assessment may precede. Sets
/// `*has_clock` to false for a card that has seen no instant yet (a new card),
/// leaving `*out_ms` as it was; otherwise to true and `*out_ms` to the clock in
/// Unix milliseconds.
///
/// # Errors
/// `IOTCARD_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// `card` must be a live card; `has_clock` and `out_ms` must be valid for a
/// write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_clock(
    card: *const iotcard_card,
    has_clock: *mut bool,
    out_ms: *mut i64,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let card = unsafe { arg_ref(card, "card")? };
        let has_clock = arg_out(has_clock, "has_clock")?;
        let out_ms = arg_out(out_ms, "out_ms")?;
        let clock = card.card.clock();
        // SAFETY: both non-NULL; the caller's contract.
        unsafe {
            if let Some(t) = clock {
                out_ms.write(millis(t));
            }
            has_clock.write(clock.is_some());
        }
        Ok(())
    })
}

/// Copies the card's number (MSISDN, 11 to 15 digits) into `buf`,
/// NUL-terminated; `*out_n` as for `iotcard_card_iccid` (16 bytes always suffice).
///
/// # Errors
/// `IOTCARD_RESULT_NULL_ARGUMENT`; `IOTCARD_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `card` must be a live card; `buf` must be valid for writes of `len` bytes;
/// `out_n` must be valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_msisdn(
    card: *const iotcard_card,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let card = unsafe { arg_ref(card, "card")? };
        // SAFETY: the caller's contract.
        unsafe { copy_out(card.card.msisdn().as_str(), buf, len, out_n, "buf") }
    })
}

/// The body of every event constructor: `make` builds the event, which the
/// core checks (`Event::validate`, the JSON door's check) before it is handed
/// out in `*out`.
fn event_handle(
    out: *mut *mut iotcard_event,
    make: impl FnOnce() -> Result<Event, Failure>,
) -> iotcard_result {
    guard(|| {
        let out = arg_out(out, "out")?;
        let event = make()?;
        event.validate()?;
        let handle = Box::into_raw(Box::new(iotcard_event { event }));
        // SAFETY: checked non-NULL; the caller's contract.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// An optional identifier of an event: parsed by the core's parser and named as
/// the JSON door names it (`event.imei`).
fn event_field<T>(
    text: Option<&str>,
    field: &str,
    parse: fn(&str) -> Result<T, Error>,
) -> Result<Option<T>, Failure> {
    text.map(|t| parse(t).map_err(|e| e.renamed(field)))
        .transpose()
        .map_err(Failure::from)
}

/// R3.1: a charge posted to the account, `amount` in minor units (fen), > 0:
/// the event `{"type": "charge", "amount": ...}`.
///
/// On success `*out` is a new event, to apply with `iotcard_card_apply_event`
/// and free with `iotcard_event_free`.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` naming `event.amount` when it is not > 0;
/// `IOTCARD_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// `out` must be valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_event_charge(
    amount: i64,
    out: *mut *mut iotcard_event,
) -> iotcard_result {
    event_handle(out, || Ok(Event::Charge { amount }))
}

/// R3.2, R3.3: a payment, `amount` in minor units (fen), > 0: the event
/// `{"type": "payment", "amount": ...}`.
///
/// On success `*out` is a new event, to free with `iotcard_event_free`.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` naming `event.amount` when it is not > 0;
/// `IOTCARD_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// `out` must be valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_event_payment(
    amount: i64,
    out: *mut *mut iotcard_event,
) -> iotcard_result {
    event_handle(out, || Ok(Event::Payment { amount }))
}

/// R2, R5.2, R7.2: traffic reported by the operator, `bytes` used, with the
/// device (`imei`, 15 digits) and the province (`region`, a two-digit GB/T 2260
/// code) it came from when known: the event `{"type": "usage", "bytes": ...,
/// "imei": ..., "region": ...}`. `imei` and `region` are NUL-terminated
/// strings, or NULL when not known.
///
/// On success `*out` is a new event, to free with `iotcard_event_free`.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` naming `event.imei` (not 15 digits, a wrong
/// Luhn check digit) or `event.region` (not a province code);
/// `IOTCARD_RESULT_INVALID_UTF8`; `IOTCARD_RESULT_NULL_ARGUMENT` (`out`).
///
/// # Safety
/// `imei` and `region` must each be NULL or a NUL-terminated string; `out`
/// must be valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_event_usage(
    bytes: u64,
    imei: *const c_char,
    region: *const c_char,
    out: *mut *mut iotcard_event,
) -> iotcard_result {
    event_handle(out, || {
        // SAFETY: the caller's contract.
        let imei = unsafe { arg_cstr_opt(imei, "imei")? };
        // SAFETY: the caller's contract.
        let region = unsafe { arg_cstr_opt(region, "region")? };
        Ok(Event::Usage {
            bytes,
            imei: event_field(imei, "event.imei", Imei::parse)?,
            region: event_field(region, "event.region", Region::parse)?,
        })
    })
}

/// R2.4: a data package, `bytes` (> 0) of extra quota for the current quota
/// period: the event `{"type": "top_up", "bytes": ...}`.
///
/// On success `*out` is a new event, to free with `iotcard_event_free`.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` naming `event.bytes` when it is 0;
/// `IOTCARD_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// `out` must be valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_event_top_up(
    bytes: u64,
    out: *mut *mut iotcard_event,
) -> iotcard_result {
    event_handle(out, || Ok(Event::TopUp { bytes }))
}

/// Any event, from the event JSON of `docs/json.md` (`{"type": "cancel"}`), as
/// `iotcard_card_apply` reads it.
///
/// On success `*out` is a new event, to free with `iotcard_event_free`.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` naming the field (malformed JSON, unknown
/// type or field, bad value); `IOTCARD_RESULT_NULL_ARGUMENT`;
/// `IOTCARD_RESULT_INVALID_UTF8`.
///
/// # Safety
/// `json` must be valid for reads of `json_len` bytes; `out` must be valid for a
/// write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_event_from_json(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut iotcard_event,
) -> iotcard_result {
    // SAFETY: the caller's contract.
    unsafe {
        handle_from_json(json, json_len, out, |json| {
            let event = Event::from_json(json)?;
            Ok(Box::into_raw(Box::new(iotcard_event { event })))
        })
    }
}

/// The event as JSON (`{"type": "charge", "amount": 1500}`), for a log.
///
/// On success `*out` is a NUL-terminated string, to free with
/// `iotcard_string_free`.
///
/// # Errors
/// `IOTCARD_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// `event` must be a live event; `out` must be valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_event_to_json(
    event: *const iotcard_event,
    out: *mut *mut c_char,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let event = unsafe { arg_ref(event, "event")? };
        let out = arg_out(out, "out")?;
        let s = c_string(event.event.to_json(), "event")?;
        // SAFETY: checked non-NULL; the caller's contract.
        unsafe { out.write(s) };
        Ok(())
    })
}

/// Frees an event. NULL is ignored (safe to call). Not idempotent: freeing the
/// same event twice is undefined behaviour, so set the pointer to NULL after.
///
/// # Safety
/// `event` must be NULL or an event from this library that is not yet freed
/// and that no other thread is using; it must not be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_event_free(event: *mut iotcard_event) {
    // SAFETY: the caller's contract.
    unsafe { free_handle(event) }
}

/// Serializes the audit trail, if the caller asked for it, before anything is
/// committed: a failure here leaves the card as it was.
fn changes_json(
    changes: &[iotcard::Change],
    changes_out: *mut *mut c_char,
) -> Result<Option<*mut c_char>, Failure> {
    if changes_out.is_null() {
        return Ok(None);
    }
    let json = serde_json::to_string(changes)
        .map_err(|e| Failure::invalid("changes", "…", &e.to_string()))?;
    c_string(json, "changes").map(Some)
}

/// The body of both ways to apply an event: the event is read by `event`
/// (after the other arguments are checked), applied, and committed only when
/// nothing is left that can fail.
///
/// # Safety
/// As for `iotcard_card_apply`, but for the event.
unsafe fn apply_with(
    card: *mut iotcard_card,
    policy: *const iotcard_policy,
    at_ms: i64,
    event: impl FnOnce() -> Result<Event, Failure>,
    replacement_out: *mut *mut iotcard_card,
    changes_out: *mut *mut c_char,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let card = unsafe { arg_mut(card, "card")? };
        // SAFETY: the caller's contract.
        let policy = unsafe { arg_ref(policy, "policy")? };
        let event = event()?;
        let replacement_out = arg_out(replacement_out, "replacement_out")?;
        let at = instant(at_ms, "at_ms")?;
        let applied = card.card.apply(&policy.policy, at, &event)?;
        let changes = changes_json(&applied.changes, changes_out)?;
        // Commit: nothing below can fail.
        card.card = applied.card;
        let replacement = applied.replacement.map_or(ptr::null_mut(), new_card_handle);
        // SAFETY: checked non-NULL (or skipped); the caller's contract.
        unsafe {
            replacement_out.write(replacement);
            if let Some(changes) = changes {
                changes_out.write(changes);
            }
        }
        Ok(())
    })
}

/// Applies an event, given as the event JSON of `docs/json.md`
/// (`{"type": "charge", "amount": 1500}`), at `at_ms` (Unix milliseconds) under
/// `policy`: the card first advances to `at_ms` (every scheduled change due by
/// then), then the event applies. `iotcard_card_apply_event` does the same with
/// an event handle (from `iotcard_event_charge` and the other constructors).
///
/// On success the card is changed in place, and:
/// - `*replacement_out` is the new card of a `replace` event (the old one is
///   now `replaced`; free both), or NULL for every other event;
/// - if `changes_out` is not NULL, `*changes_out` is the audit trail of the
///   call as a JSON array (every change with its instant, rule, cause and
///   effect, including `keep_number_fee_due` amounts to post), to free with
///   `iotcard_string_free`.
///
/// On failure nothing is written and the card is exactly as it was.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` (bad event JSON, bad amount, `at_ms` out of
/// range), `IOTCARD_RESULT_OUT_OF_ORDER`, `IOTCARD_RESULT_TERMINAL`,
/// `IOTCARD_RESULT_NOT_ACTIVATED`, `IOTCARD_RESULT_ALREADY_ACTIVATED`,
/// `IOTCARD_RESULT_MANUAL_SUSPEND_NOT_ALLOWED`,
/// `IOTCARD_RESULT_ARREARS_OUTSTANDING`, `IOTCARD_RESULT_NOTHING_TO_LIFT`;
/// `IOTCARD_RESULT_NULL_ARGUMENT`; `IOTCARD_RESULT_INVALID_UTF8`.
///
/// # Safety
/// `card` must be a live card that no other thread is using; `policy` a live
/// policy; `event` valid for reads of `event_len` bytes; `replacement_out` valid
/// for a write; `changes_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_apply(
    card: *mut iotcard_card,
    policy: *const iotcard_policy,
    at_ms: i64,
    event: *const c_char,
    event_len: usize,
    replacement_out: *mut *mut iotcard_card,
    changes_out: *mut *mut c_char,
) -> iotcard_result {
    let event = || {
        // SAFETY: the caller's contract.
        let event = unsafe { arg_str(event, event_len, "event")? };
        Ok(Event::from_json(event)?)
    };
    // SAFETY: the caller's contract.
    unsafe { apply_with(card, policy, at_ms, event, replacement_out, changes_out) }
}

/// Applies an event handle (from `iotcard_event_charge`, `iotcard_event_payment`,
/// `iotcard_event_usage`, `iotcard_event_top_up` or `iotcard_event_from_json`)
/// at `at_ms` under `policy`, exactly as `iotcard_card_apply` applies the same
/// event as JSON. The event is only read: apply it to any number of cards,
/// then free it with `iotcard_event_free`.
///
/// # Errors
/// As `iotcard_card_apply` (the event itself was checked when it was made).
///
/// # Safety
/// `card` must be a live card that no other thread is using; `policy` a live
/// policy; `event` a live event; `replacement_out` valid for a write;
/// `changes_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_apply_event(
    card: *mut iotcard_card,
    policy: *const iotcard_policy,
    at_ms: i64,
    event: *const iotcard_event,
    replacement_out: *mut *mut iotcard_card,
    changes_out: *mut *mut c_char,
) -> iotcard_result {
    // SAFETY: the caller's contract.
    let event = || Ok(unsafe { arg_ref(event, "event")? }.event);
    // SAFETY: the caller's contract.
    unsafe { apply_with(card, policy, at_ms, event, replacement_out, changes_out) }
}

/// Advances the card to `to_ms` (Unix milliseconds) under `policy`, applying
/// every scheduled change due by then, in order.
///
/// On success the card is changed in place and, if `changes_out` is not NULL,
/// `*changes_out` is the audit trail as a JSON array (as for
/// `iotcard_card_apply`), to free with `iotcard_string_free`. On failure nothing
/// is written and the card is exactly as it was.
///
/// # Errors
/// `IOTCARD_RESULT_OUT_OF_ORDER` (`to_ms` earlier than the card's last instant),
/// `IOTCARD_RESULT_INVALID_INPUT` (`to_ms` out of range, an overflow);
/// `IOTCARD_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// `card` must be a live card that no other thread is using; `policy` a live
/// policy; `changes_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_advance(
    card: *mut iotcard_card,
    policy: *const iotcard_policy,
    to_ms: i64,
    changes_out: *mut *mut c_char,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let card = unsafe { arg_mut(card, "card")? };
        // SAFETY: the caller's contract.
        let policy = unsafe { arg_ref(policy, "policy")? };
        let to = instant(to_ms, "to_ms")?;
        let advanced = card.card.advance(&policy.policy, to)?;
        let changes = changes_json(&advanced.changes, changes_out)?;
        card.card = advanced.card;
        if let Some(changes) = changes {
            // SAFETY: non-NULL; the caller's contract.
            unsafe { changes_out.write(changes) };
        }
        Ok(())
    })
}

/// Assesses the card at `at_ms` (Unix milliseconds) under `policy`, as JSON with
/// the field names of `docs/json.md` (`status`, `holds`, `barred`, `balance`,
/// `next`, `can`, `remedies`, `call_restriction`, `refund`, ...; instants in the
/// policy's time zone). The card is not changed.
///
/// On success `*out` is a NUL-terminated string, to free with
/// `iotcard_string_free`.
///
/// # Errors
/// `IOTCARD_RESULT_OUT_OF_ORDER` (`at_ms` earlier than the card's last
/// instant), `IOTCARD_RESULT_INVALID_INPUT` (`at_ms` out of range, an overflow);
/// `IOTCARD_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// `card` must be a live card; `policy` a live policy; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_assess_json(
    card: *const iotcard_card,
    policy: *const iotcard_policy,
    at_ms: i64,
    out: *mut *mut c_char,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let card = unsafe { arg_ref(card, "card")? };
        // SAFETY: the caller's contract.
        let policy = unsafe { arg_ref(policy, "policy")? };
        let out = arg_out(out, "out")?;
        let a = card.card.assess(&policy.policy, instant(at_ms, "at_ms")?)?;
        let s = c_string(a.to_json(), "assessment")?;
        // SAFETY: checked non-NULL; the caller's contract.
        unsafe { out.write(s) };
        Ok(())
    })
}

/// Parses an RFC 3339 instant with an offset (`2026-02-01T00:00:00+08:00`,
/// `2026-01-31T16:00:00Z`) into Unix milliseconds, for callers whose events come
/// with instants as text.
///
/// # Errors
/// `IOTCARD_RESULT_INVALID_INPUT` when the text is not RFC 3339 with an offset,
/// or has digits below the millisecond (the C API counts milliseconds and never
/// rounds an instant silently); `IOTCARD_RESULT_NULL_ARGUMENT`;
/// `IOTCARD_RESULT_INVALID_UTF8`.
///
/// # Safety
/// `text` must be valid for reads of `text_len` bytes; `out_ms` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_instant_parse(
    text: *const c_char,
    text_len: usize,
    out_ms: *mut i64,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let text = unsafe { arg_str(text, text_len, "text")? };
        let out_ms = arg_out(out_ms, "out_ms")?;
        let t = iotcard::parse_instant("text", text)?;
        if t.subsec_nanos() % 1_000_000 != 0 {
            return Err(Failure::invalid(
                "text",
                format!("{text:?}"),
                "has digits below the millisecond",
            ));
        }
        // SAFETY: checked non-NULL; the caller's contract.
        unsafe { out_ms.write(t.unix_millis()) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CString;

    use super::*;
    use crate::result::iotcard_last_error_message;

    /// The calling thread's last error message.
    fn last_error() -> String {
        let mut buf = vec![0u8; 1024];
        let mut n = 0;
        // SAFETY: `buf` holds `buf.len()` bytes; `n` valid for a write.
        let r =
            unsafe { iotcard_last_error_message(buf.as_mut_ptr().cast(), buf.len(), &raw mut n) };
        assert_eq!(r, iotcard_result::Ok);
        String::from_utf8(buf[..n].to_vec()).expect("UTF-8")
    }

    /// An event from JSON: its result and event (or last error).
    fn from_json(json: &str) -> (iotcard_result, Result<Event, String>) {
        let mut out = ptr::null_mut();
        // SAFETY: `json` valid for its length; `out` valid for a write.
        let r = unsafe { iotcard_event_from_json(json.as_ptr().cast(), json.len(), &raw mut out) };
        (r, take(r, out))
    }

    /// The event of a constructor's `out`, freed; or the last error.
    fn take(r: iotcard_result, out: *mut iotcard_event) -> Result<Event, String> {
        if r != iotcard_result::Ok {
            assert!(out.is_null(), "a refused constructor wrote `out`");
            return Err(last_error());
        }
        // SAFETY: a live event from this library, freed once.
        let event = unsafe { (*out).event };
        // SAFETY: as above.
        unsafe { iotcard_event_free(out) };
        Ok(event)
    }

    /// `got` (a typed constructor) is `want` (the JSON door): the same event, or
    /// the same result, field, value and reason (the JSON door adds where in
    /// the text the value was).
    fn same_door(
        got: &(iotcard_result, Result<Event, String>),
        want: &(iotcard_result, Result<Event, String>),
        what: &str,
    ) {
        assert_eq!(got.0, want.0, "{what}");
        match (&got.1, &want.1) {
            (Ok(g), Ok(w)) => assert_eq!(g, w, "{what}"),
            (Err(g), Err(w)) => {
                let (head, reason) = g.rsplit_once(": ").expect("field: reason");
                assert!(w.starts_with(&format!("{head}: ")), "{what}: {g} vs {w}");
                assert!(w.contains(reason), "{what}: {g} vs {w}");
                assert!(head.starts_with("invalid input: event."), "{what}: {g}");
            }
            _ => panic!("{what}: {got:?} vs {want:?}"),
        }
    }

    /// A typed constructor gives what the JSON door gives for the same fields:
    /// the same event, or the same result and message (naming the field).
    #[test]
    fn typed_constructors_are_the_json_door() {
        let typed = |f: &dyn Fn(*mut *mut iotcard_event) -> iotcard_result| {
            let mut out = ptr::null_mut();
            let r = f(&raw mut out);
            (r, take(r, out))
        };
        for amount in [1500, 1, i64::MAX, 0, -5, i64::MIN] {
            // SAFETY: `out` is valid for a write.
            let got = typed(&|out| unsafe { iotcard_event_charge(amount, out) });
            let want = from_json(&format!(r#"{{"type": "charge", "amount": {amount}}}"#));
            same_door(&got, &want, &format!("charge {amount}"));
            // SAFETY: as above.
            let got = typed(&|out| unsafe { iotcard_event_payment(amount, out) });
            let want = from_json(&format!(r#"{{"type": "payment", "amount": {amount}}}"#));
            same_door(&got, &want, &format!("payment {amount}"));
        }
        for bytes in [0, 1, u64::MAX] {
            // SAFETY: as above.
            let got = typed(&|out| unsafe { iotcard_event_top_up(bytes, out) });
            let want = from_json(&format!(r#"{{"type": "top_up", "bytes": {bytes}}}"#));
            same_door(&got, &want, &format!("top_up {bytes}"));
        }
        let imeis = [
            None,
            Some("490154203237518"),
            Some("490154203237519"),
            Some("12"),
            Some(""),
        ];
        let regions = [None, Some("65"), Some("99"), Some("6a")];
        for imei in imeis {
            for region in regions {
                let c = |s: Option<&str>| s.map(|s| CString::new(s).expect("no NUL"));
                let (ci, cr) = (c(imei), c(region));
                let p = |s: &Option<CString>| s.as_ref().map_or(ptr::null(), |s| s.as_ptr());
                // SAFETY: NUL-terminated strings or NULL; `out` valid for a write.
                let got = typed(&|out| unsafe { iotcard_event_usage(5, p(&ci), p(&cr), out) });
                let field = |name: &str, v: Option<&str>| {
                    v.map_or(String::new(), |v| format!(r#", "{name}": "{v}""#))
                };
                let json = format!(
                    r#"{{"type": "usage", "bytes": 5{}{}}}"#,
                    field("imei", imei),
                    field("region", region)
                );
                same_door(&got, &from_json(&json), &json);
            }
        }
        // A refusal names the field as the JSON door does.
        let (_, e) = from_json(r#"{"type": "usage", "bytes": 5, "imei": "12"}"#);
        assert!(e.expect_err("refused").contains("event.imei"));
    }
}
