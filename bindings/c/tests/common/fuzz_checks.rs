//! The check of the `c_json_api` fuzz target: the `iotcard_*` JSON functions of
//! the C ABI called with the fuzz input, as a C program would. Shared, without
//! a copy, by `fuzz/fuzz_targets/c_json_api.rs` (through `fuzz/src/lib.rs`,
//! which includes this file with `#[path]`) and by `tests/fuzz_corpus.rs`,
//! which replays the committed corpus and every crash input in `cargo test`.
//!
//! The input: byte 0 chooses (bit 0: load a stored state instead of a new
//! card; bit 1: ask for the audit trail; bits 2–4 and 5–7: the instants of
//! `apply` and `advance`, from a table, the last entry being bytes 1–8 as an
//! `i64`); after the 9-byte header, up to four texts separated by `0xFF` (a
//! byte no UTF-8 text has): the policy JSON, the card JSON, the event JSON and
//! an instant to parse. Missing texts get defaults.
//!
//! The laws: no call ever answers `IOTCARD_RESULT_PANIC`; a failed call writes
//! no output and leaves a last error message; a refused `apply` or `advance`
//! leaves the card's state byte for byte; a stored state loads back to the same
//! bytes; the assessment struct and JSON agree on the status; a batch answers
//! each card on its own. Every allocation is freed (libFuzzer's
//! LeakSanitizer and valgrind see the rest).

use std::ffi::{CStr, c_char};
use std::ptr::{self, NonNull};

use iotcard_ffi::{
    iotcard_assess_batch, iotcard_assessment, iotcard_card, iotcard_card_advance,
    iotcard_card_apply, iotcard_card_assess, iotcard_card_assess_json, iotcard_card_free,
    iotcard_card_from_json, iotcard_card_new, iotcard_card_to_json, iotcard_instant_parse,
    iotcard_last_error_message, iotcard_policy, iotcard_policy_free, iotcard_policy_from_json,
    iotcard_result, iotcard_status_name, iotcard_string_free,
};

const NEW_CARD: &[u8] =
    br#"{"iccid":"89860012345678901238","msisdn":"1440012345678","balance":1000,
"plan":{"start":"2026-01-01T00:00:00+08:00","end":"2027-01-01T00:00:00+08:00",
"period":"month","quota_bytes":10485760,"monthly_fee":1000}}"#;
const EVENT: &[u8] = br#"{"type":"activate","imei":"490154203237518"}"#;

/// A pointer no call may write: the output of a failed call must still be it.
fn sentinel<T>() -> *mut T {
    NonNull::dangling().as_ptr()
}

/// A failed call: never a panic nor a NULL argument (none is passed), and it
/// leaves a message.
fn assert_refused(r: iotcard_result, call: &str) {
    assert_ne!(
        r,
        iotcard_result::Panic,
        "{call} panicked: {}",
        last_error()
    );
    assert_ne!(r, iotcard_result::NullArgument, "{call}: {}", last_error());
    assert_ne!(r, iotcard_result::BufferTooSmall, "{call}");
    assert!(!last_error().is_empty(), "{call} failed without a message");
}

/// The calling thread's last error message.
fn last_error() -> String {
    let mut buf = vec![0u8; 64];
    let mut n = 0usize;
    // SAFETY: `buf` holds `buf.len()` bytes; `n` is a valid `usize`.
    let mut r =
        unsafe { iotcard_last_error_message(buf.as_mut_ptr().cast(), buf.len(), &raw mut n) };
    if r == iotcard_result::BufferTooSmall {
        buf = vec![0u8; n + 1];
        // SAFETY: as above.
        r = unsafe { iotcard_last_error_message(buf.as_mut_ptr().cast(), buf.len(), &raw mut n) };
    }
    assert_eq!(r, iotcard_result::Ok, "iotcard_last_error_message");
    assert_eq!(buf[n], 0, "NUL-terminated");
    String::from_utf8(buf[..n].to_vec()).expect("the message is UTF-8")
}

/// Takes a string the library returned, and frees it.
fn take(s: *mut c_char) -> String {
    assert!(!s.is_null());
    // SAFETY: a NUL-terminated string from the library, freed once, here.
    let text = unsafe { CStr::from_ptr(s) }
        .to_str()
        .expect("the library writes UTF-8")
        .to_owned();
    // SAFETY: returned by the library and not yet freed.
    unsafe { iotcard_string_free(s) };
    text
}

/// The card's state JSON.
fn state(card: *const iotcard_card) -> String {
    let mut out = sentinel::<c_char>();
    // SAFETY: a live card; `out` is valid for a write.
    let r = unsafe { iotcard_card_to_json(card, &raw mut out) };
    assert_eq!(r, iotcard_result::Ok, "iotcard_card_to_json");
    take(out)
}

/// A stored state loads back and writes the same bytes.
fn check_round_trip(card: *const iotcard_card) {
    let json = state(card);
    let mut back = sentinel::<iotcard_card>();
    // SAFETY: `json` is valid for its length; `back` valid for a write.
    let r = unsafe { iotcard_card_from_json(json.as_ptr().cast(), json.len(), &raw mut back) };
    assert_eq!(
        r,
        iotcard_result::Ok,
        "a stored state does not load: {}",
        last_error()
    );
    assert_eq!(state(back), json, "state JSON is not byte-identical");
    // SAFETY: created above, freed once.
    unsafe { iotcard_card_free(back) };
}

/// Instants to apply and advance at (Unix ms), chosen by three bits; the last
/// is the raw header value.
fn instant(choice: u8, raw: i64) -> i64 {
    match choice & 7 {
        0 => 1_767_578_400_000, // 2026-01-05T10:00:00+08:00
        1 => 1_769_875_200_000, // 2026-02-01T00:00:00+08:00
        2 => 1_796_054_400_000, // 2026-12-01T00:00:00+08:00
        3 => 1_811_779_200_000, // 2027-06-01T00:00:00+08:00
        4 => 0,
        5 => i64::MIN,
        6 => i64::MAX,
        _ => raw,
    }
}

/// The `c_json_api` check; see the module documentation.
pub fn c_json_api(data: &[u8]) {
    let mut header = [0u8; 9];
    let n = data.len().min(9);
    header[..n].copy_from_slice(&data[..n]);
    let flags = header[0];
    let raw = i64::from_le_bytes(header[1..9].try_into().expect("8 bytes"));
    let rest = &data[n..];
    let texts: Vec<&[u8]> = rest.split(|b| *b == 0xFF).collect();
    let text = |i: usize, default: &'static [u8]| match texts.get(i) {
        Some(t) if !(i == 0 && rest.is_empty()) => *t,
        _ => default,
    };
    let at = instant(flags >> 2, raw);
    let to = instant(flags >> 5, raw.rotate_left(17));

    let policy = policy_or_default(text(0, b"{}"));
    let card = card_or_default(text(1, NEW_CARD), flags & 1 == 1);
    check_round_trip(card);
    check_apply(card, policy, at, text(2, EVENT), flags & 2 == 2);
    check_advance(card, policy, to);
    check_assess(card, policy, at);
    check_instant_parse(text(3, b"2026-01-05T10:00:00+08:00"));
    // SAFETY: created above, each freed once; NULL is ignored.
    unsafe {
        iotcard_card_free(card);
        iotcard_policy_free(policy);
        iotcard_card_free(ptr::null_mut());
        iotcard_policy_free(ptr::null_mut());
        iotcard_string_free(ptr::null_mut());
    }
}

/// The policy of `json`, or the default when refused (then nothing written).
fn policy_or_default(json: &[u8]) -> *mut iotcard_policy {
    let mut policy = sentinel::<iotcard_policy>();
    // SAFETY: the text is valid for its length; `policy` for a write.
    let r = unsafe { iotcard_policy_from_json(json.as_ptr().cast(), json.len(), &raw mut policy) };
    if r != iotcard_result::Ok {
        assert_refused(r, "iotcard_policy_from_json");
        assert_eq!(policy, sentinel(), "a refused call wrote its output");
        // SAFETY: as above.
        let r = unsafe { iotcard_policy_from_json(b"{}".as_ptr().cast(), 2, &raw mut policy) };
        assert_eq!(r, iotcard_result::Ok);
    }
    policy
}

/// A new card (or a loaded state) from `json`, or the default new card when
/// refused (then nothing written).
fn card_or_default(json: &[u8], stored: bool) -> *mut iotcard_card {
    let mut card = sentinel::<iotcard_card>();
    let load = if stored {
        iotcard_card_from_json
    } else {
        iotcard_card_new
    };
    // SAFETY: the text is valid for its length; `card` for a write.
    let r = unsafe { load(json.as_ptr().cast(), json.len(), &raw mut card) };
    if r != iotcard_result::Ok {
        assert_refused(r, "loading a card");
        assert_eq!(card, sentinel(), "a refused call wrote its output");
        // SAFETY: as above.
        let r =
            unsafe { iotcard_card_new(NEW_CARD.as_ptr().cast(), NEW_CARD.len(), &raw mut card) };
        assert_eq!(r, iotcard_result::Ok);
    }
    card
}

/// Applies `event` at `at`: on success the outputs are written and the card
/// round-trips; on refusal nothing is written and the card is as it was.
fn check_apply(
    card: *mut iotcard_card,
    policy: *const iotcard_policy,
    at: i64,
    event: &[u8],
    trail: bool,
) {
    let before = state(card);
    let mut replacement = sentinel::<iotcard_card>();
    let mut changes = sentinel::<c_char>();
    let changes_out = if trail {
        &raw mut changes
    } else {
        ptr::null_mut()
    };
    // SAFETY: live handles; the event valid for its length; outputs valid.
    let r = unsafe {
        iotcard_card_apply(
            card,
            policy,
            at,
            event.as_ptr().cast(),
            event.len(),
            &raw mut replacement,
            changes_out,
        )
    };
    if r == iotcard_result::Ok {
        if trail {
            let json = take(changes);
            serde_json::from_str::<serde_json::Value>(&json).expect("the audit trail is JSON");
        }
        if !replacement.is_null() {
            check_round_trip(replacement);
            // SAFETY: returned by apply, freed once.
            unsafe { iotcard_card_free(replacement) };
        }
        check_round_trip(card);
    } else {
        assert_refused(r, "iotcard_card_apply");
        assert_eq!(
            replacement,
            sentinel(),
            "a refused apply wrote replacement_out"
        );
        assert_eq!(changes, sentinel(), "a refused apply wrote changes_out");
        assert_eq!(state(card), before, "a refused apply changed the card");
    }
}

/// Advances to `to`; a refusal writes nothing and changes nothing.
fn check_advance(card: *mut iotcard_card, policy: *const iotcard_policy, to: i64) {
    let before = state(card);
    let mut changes = sentinel::<c_char>();
    // SAFETY: live handles; `changes` valid for a write.
    let r = unsafe { iotcard_card_advance(card, policy, to, &raw mut changes) };
    if r == iotcard_result::Ok {
        take(changes);
    } else {
        assert_refused(r, "iotcard_card_advance");
        assert_eq!(changes, sentinel(), "a refused advance wrote changes_out");
        assert_eq!(state(card), before, "a refused advance changed the card");
    }
}

/// Assesses at `at` as JSON, as a struct and in a batch with a NULL entry:
/// they agree, and a refusal writes nothing.
fn check_assess(card: *const iotcard_card, policy: *const iotcard_policy, at: i64) {
    let mut json = sentinel::<c_char>();
    // SAFETY: live handles; `json` valid for a write.
    let r_json = unsafe { iotcard_card_assess_json(card, policy, at, &raw mut json) };
    // SAFETY: every field is an integer, a bool or an array of them (all-zero is
    // valid), and `iotcard_result` 0 is `Ok`.
    let blank: iotcard_assessment = unsafe { std::mem::zeroed() };
    let size = u32::try_from(size_of::<iotcard_assessment>()).expect("a small struct");
    let mut a = iotcard_assessment {
        size,
        result: iotcard_result::Panic,
        ..blank
    };
    // SAFETY: live handles; `a` valid for a write.
    let r_struct = unsafe { iotcard_card_assess(card, policy, at, &raw mut a) };
    assert_eq!(r_json, r_struct, "the JSON and struct assessments disagree");
    if r_json == iotcard_result::Ok {
        let v: serde_json::Value = serde_json::from_str(&take(json)).expect("assessment JSON");
        // SAFETY: any value may be passed; the result is static or NULL.
        let name = unsafe { iotcard_status_name(u32::from(a.status)) };
        assert!(!name.is_null());
        // SAFETY: a static NUL-terminated string.
        let name = unsafe { CStr::from_ptr(name) }.to_str().expect("UTF-8");
        assert_eq!(v["status"], name, "status: JSON vs struct");
        assert_eq!(v["balance"], a.balance);
    } else {
        assert_refused(r_json, "iotcard_card_assess");
        assert_eq!(json, sentinel(), "a refused assessment wrote its output");
        assert_eq!(
            a.result,
            iotcard_result::Panic,
            "a refused assessment wrote its output"
        );
    }
    let cards: [*const iotcard_card; 3] = [card, ptr::null(), card];
    let mut out = [blank; 3];
    // SAFETY: a live policy; 3 card pointers (NULL allowed); 3 outputs.
    let r = unsafe {
        iotcard_assess_batch(
            policy,
            cards.as_ptr(),
            3,
            at,
            out.as_mut_ptr(),
            size_of::<iotcard_assessment>(),
        )
    };
    assert_ne!(r, iotcard_result::Panic);
    if out[1].result == iotcard_result::NullArgument {
        assert_eq!(out[0], out[2], "the same card assessed twice differs");
        assert_eq!(out[0].result, r_struct);
        if r_struct == iotcard_result::Ok {
            assert_eq!(out[0], a, "batch vs single assessment");
        }
    } else {
        // The whole call was refused (`at` out of range): nothing written.
        assert_eq!(out, [blank; 3]);
        assert_eq!(r, iotcard_result::InvalidInput);
    }
}

/// Parses an instant; a refusal writes nothing.
fn check_instant_parse(text: &[u8]) {
    let mut ms = i64::MIN + 7;
    // SAFETY: the text is valid for its length; `ms` valid for a write.
    let r = unsafe { iotcard_instant_parse(text.as_ptr().cast(), text.len(), &raw mut ms) };
    if r != iotcard_result::Ok {
        assert_refused(r, "iotcard_instant_parse");
        assert_eq!(ms, i64::MIN + 7, "a refused parse wrote its output");
    }
}
