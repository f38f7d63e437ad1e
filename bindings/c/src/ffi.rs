//! Argument checks and conversions at the C boundary: pointers, strings, caller
//! buffers, and instants as Unix milliseconds.

use std::cell::Cell;
use std::ffi::{CStr, CString, c_char};

use iotcard::Instant;

use crate::result::{Failure, iotcard_result};

/// A shared reference from a pointer that must not be NULL.
///
/// # Safety
/// When non-NULL, `p` must point to a valid `T` that outlives `'a` and is not
/// mutated meanwhile.
pub(crate) unsafe fn arg_ref<'a, T>(p: *const T, name: &str) -> Result<&'a T, Failure> {
    // SAFETY: the caller's contract.
    unsafe { p.as_ref() }.ok_or_else(|| Failure::null(name))
}

/// An exclusive reference from a pointer that must not be NULL.
///
/// # Safety
/// When non-NULL, `p` must point to a valid `T` that outlives `'a` and that
/// nothing else uses meanwhile.
pub(crate) unsafe fn arg_mut<'a, T>(p: *mut T, name: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: the caller's contract.
    unsafe { p.as_mut() }.ok_or_else(|| Failure::null(name))
}

/// An output pointer that must not be NULL (written only on success).
pub(crate) fn arg_out<T>(p: *mut T, name: &str) -> Result<*mut T, Failure> {
    if p.is_null() {
        Err(Failure::null(name))
    } else {
        Ok(p)
    }
}

/// A UTF-8 string given as pointer and length (no NUL needed).
///
/// # Safety
/// When non-NULL, `p` must be valid for reads of `len` bytes for `'a`.
pub(crate) unsafe fn arg_str<'a>(
    p: *const c_char,
    len: usize,
    name: &str,
) -> Result<&'a str, Failure> {
    if p.is_null() {
        return Err(Failure::null(name));
    }
    if isize::try_from(len).is_err() {
        return Err(Failure::invalid(
            &format!("{name}_len"),
            len,
            "larger than any object",
        ));
    }
    // SAFETY: non-NULL, `len` ≤ isize::MAX, and the caller's contract for the rest.
    let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) };
    utf8(bytes, name)
}

/// The bytes of argument `name` as UTF-8.
fn utf8<'a>(bytes: &'a [u8], name: &str) -> Result<&'a str, Failure> {
    std::str::from_utf8(bytes).map_err(|e| Failure {
        result: iotcard_result::InvalidUtf8,
        message: format!(
            "invalid UTF-8: `{name}` at byte {} = 0x{:02x}",
            e.valid_up_to(),
            bytes[e.valid_up_to()]
        ),
    })
}

/// An optional UTF-8 string given NUL-terminated, NULL for none (the short
/// identifiers of the typed event constructors).
///
/// # Safety
/// When non-NULL, `p` must point to a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn arg_cstr_opt<'a>(
    p: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, Failure> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL; the caller's contract.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    utf8(bytes, name).map(Some)
}

thread_local! {
    /// The instant last converted on this thread, with its milliseconds: a
    /// billing run passes the same `at_ms` with every card, and converting it
    /// (chrono finds the date through its 400-year tables) costs a fifth of an
    /// assessment. Plain data: nothing to free when the thread ends.
    static LAST_INSTANT: Cell<Option<(i64, Instant)>> = const { Cell::new(None) };
}

/// An instant from Unix milliseconds.
pub(crate) fn instant(ms: i64, name: &str) -> Result<Instant, Failure> {
    if let Some((last_ms, t)) = LAST_INSTANT.get()
        && last_ms == ms
    {
        return Ok(t);
    }
    let t = Instant::try_from_unix_millis(name, ms)?;
    LAST_INSTANT.set(Some((ms, t)));
    Ok(t)
}

/// Unix milliseconds of an instant (sub-millisecond digits, which only a loaded
/// state or an event's JSON can carry, are rounded down).
pub(crate) fn millis(t: Instant) -> i64 {
    t.unix_millis()
}

/// A string handed to C, freed with `iotcard_string_free`.
pub(crate) fn c_string(s: String, name: &str) -> Result<*mut c_char, Failure> {
    CString::new(s)
        .map(CString::into_raw)
        .map_err(|e| Failure::invalid(name, e.nul_position(), "contains a NUL byte"))
}

/// Like [`copy_out`], but a `buf` too small for `s` gets as much of `s` as fits
/// (cut at a character boundary, never inside a UTF-8 sequence), NUL-terminated,
/// as `snprintf` does; `*out_n` is still `s.len()` and the result is
/// `BufferTooSmall`. A `len` of 0 writes nothing.
///
/// # Safety
/// As for [`copy_out`].
pub(crate) unsafe fn copy_out_truncating(
    s: &str,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
    name: &str,
) -> Result<(), Failure> {
    // SAFETY: the caller's contract, passed on.
    let full = unsafe { copy_out(s, buf, len, out_n, name) };
    if let Err(f) = &full
        && f.result == iotcard_result::BufferTooSmall
        && len > 0
    {
        let mut cut = len - 1;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        // SAFETY: `buf` is non-NULL (checked by `copy_out`) and holds `len` >
        // `cut` bytes; `s` cannot overlap a buffer handed over for writing.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), buf.cast::<u8>(), cut);
            buf.add(cut).write(0);
        }
    }
    full
}

/// Copies `s` and a NUL into the caller's buffer; `*out_n` is `s.len()`.
///
/// On a buffer shorter than `s.len() + 1`, nothing is written to `buf`, `*out_n`
/// still reports `s.len()`, and the result is `BufferTooSmall`.
///
/// # Safety
/// When non-NULL, `buf` must be valid for writes of `len` bytes and `out_n` for
/// one write.
pub(crate) unsafe fn copy_out(
    s: &str,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
    name: &str,
) -> Result<(), Failure> {
    if buf.is_null() {
        return Err(Failure::null(name));
    }
    let out_n = arg_out(out_n, "out_n")?;
    // SAFETY: non-NULL; the caller's contract.
    unsafe { out_n.write(s.len()) };
    if s.len() >= len {
        return Err(Failure {
            result: iotcard_result::BufferTooSmall,
            message: format!(
                "buffer too small: `{name}` has {len} bytes, {} needed",
                s.len() + 1
            ),
        });
    }
    // SAFETY: `buf` holds `len` > `s.len()` bytes; `s` cannot overlap a buffer
    // the caller hands over for writing.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), buf.cast::<u8>(), s.len());
        buf.add(s.len()).write(0);
    }
    Ok(())
}

/// Frees a string returned by this library (`*_to_json`, `*_assess_json`, the
/// changes of `iotcard_card_apply` and `iotcard_card_advance`). NULL is ignored
/// (safe to call). Not idempotent: freeing the same string twice is undefined
/// behaviour, so set the pointer to NULL after.
///
/// # Safety
/// `s` must be NULL or a string returned by this library and not yet freed; it
/// must not be used afterwards. Never pass a string from `malloc`, nor one of
/// the static strings of the `*_name` and `*_message` functions.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_string_free(s: *mut c_char) {
    crate::result::guard_value((), || {
        if !s.is_null() {
            // SAFETY: the caller's contract: `s` came from `CString::into_raw`.
            drop(unsafe { CString::from_raw(s) });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::instant;

    /// The remembered instant is used only for the same milliseconds.
    #[test]
    fn instant_is_the_one_of_these_milliseconds() {
        for ms in [0, 1_767_225_600_123, 0, -1, -1, i64::MAX, 1_767_225_600_123] {
            assert_eq!(
                instant(ms, "at_ms").ok(),
                iotcard::Instant::from_unix_millis(ms),
                "{ms}"
            );
        }
        let err = instant(i64::MAX, "at_ms").expect_err("out of range");
        assert!(err.message.contains("at_ms"), "{}", err.message);
    }
}
