//! The plain-struct way: an assessment in a `#[repr(C)]` struct, filled without
//! allocating, one card at a time or a batch in one call.
//!
//! The struct can grow: its leading `size` is the caller's `sizeof`, and the
//! library fills only the published versions of the struct that fit in it
//! ([`IOTCARD_ASSESSMENT_SIZE_V1`], ...), so a program compiled against an older
//! header keeps working with a newer library.

use std::mem::offset_of;
use std::panic::{AssertUnwindSafe, catch_unwind};

use iotcard::{Assessment, Assessor, FlatAssessment, Hold};

use crate::consts::{IOTCARD_HOLD_CAPACITY, IOTCARD_HOLD_COUNT, IOTCARD_REMEDY_NONE};
use crate::ffi::{arg_out, arg_ref, instant};
use crate::handles::{iotcard_card, iotcard_policy};
use crate::result::{Failure, guard, iotcard_result};

/// A card assessed at an instant: everything a billing system asks, as plain
/// values. Instants are Unix milliseconds; sets are bit sets of the
/// `IOTCARD_HOLD_*`, `IOTCARD_SERVICE_*`, `IOTCARD_ACTION_*`,
/// `IOTCARD_CALL_CAUSE_*` and `IOTCARD_CONDITION_*` constants.
///
/// Filled by `iotcard_card_assess` and `iotcard_assess_batch`. When `result` is
/// not `IOTCARD_RESULT_OK` (a failed card of a batch), every other field but
/// `size` is zero.
///
/// The struct grows at its end from one version of the library to the next.
/// Set `size` to `sizeof(iotcard_assessment)` before the call; the library then
/// writes only the fields that fit in `size` (a program built against an older
/// header gets the fields it knows and nothing past its struct) and sets `size`
/// to the bytes it filled (smaller than yours when the library is older than
/// your header: the fields past it were not written). Declare it with
/// `iotcard_assessment a = IOTCARD_ASSESSMENT_INIT;` (C) or set `a.size` by hand.
///
/// | version | size | adds |
/// |---|---|---|
/// | 1 | `IOTCARD_ASSESSMENT_SIZE_V1` | `size` to `remedies` |
/// | 2 | `IOTCARD_ASSESSMENT_SIZE_V2` | `at_ms` |
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct iotcard_assessment {
    /// The caller's `sizeof(iotcard_assessment)`, set before the call (see
    /// `IOTCARD_ASSESSMENT_INIT`); on success, the bytes the library filled.
    pub size: u32,
    /// `IOTCARD_RESULT_OK`, or why this card could not be assessed (batch).
    pub result: iotcard_result,
    /// One of the `IOTCARD_STATUS_*` values.
    pub status: u8,
    /// Barred services: `IOTCARD_SERVICE_*` bits.
    pub barred: u8,
    /// Active holds: `IOTCARD_HOLD_*` bits.
    pub holds: u16,
    /// Allowed actions: `IOTCARD_ACTION_*` bits.
    pub can: u16,
    /// R9.1: why calls are restricted, `IOTCARD_CALL_CAUSE_*` bits (the
    /// diagnosis order is the bit order).
    pub call_restriction: u8,
    /// R1.1: why a manual suspension is not allowed, `IOTCARD_CONDITION_*` bits
    /// (0 when it is allowed, and for cards not activated or terminal).
    pub manual_suspend_unmet: u8,
    /// Whether the card needs attention: not `active` or `inventory`, an overage
    /// charge, or a refund that may be requested; never for a terminal card
    /// (`cancelled`, `replaced`: it needs nothing).
    pub needs_action: bool,
    /// Whether a change is scheduled (`next_change`, `next_at_ms`).
    pub has_next: bool,
    /// The next scheduled change strictly after the instant: one of the
    /// `IOTCARD_CHANGE_*` values (0 when `has_next` is false).
    pub next_change: u8,
    /// Whether the card is in retention (`retention_ends_ms`).
    pub has_retention_ends: bool,
    /// Whether the card is under maintenance (`maintenance_until_ms`).
    pub has_maintenance_until: bool,
    /// R10.2: whether the customer may request a refund.
    pub refund_eligible: bool,
    /// R10.2: whole calendar months since the last traffic (or activation).
    pub refund_unused_months: u32,
    /// Balance, minor units (fen).
    pub balance: i64,
    /// Traffic in the current quota period, bytes.
    pub usage_bytes: u64,
    /// Quota plus top-ups of the current quota period, bytes.
    pub allowance_bytes: u64,
    /// R2.5: usage beyond the allowance, bytes.
    pub overage_bytes: u64,
    /// R2.5: the overage charge, minor units.
    pub overage_charge: i64,
    /// R4.4: keep-number fees accrued in the latest retention, minor units.
    pub keep_number_fees: i64,
    /// When the next scheduled change is due (0 when `has_next` is false).
    pub next_at_ms: i64,
    /// R4.2: the end of retention (0 when `has_retention_ends` is false).
    pub retention_ends_ms: i64,
    /// R8.1: the end of the maintenance window (0 when `has_maintenance_until`
    /// is false).
    pub maintenance_until_ms: i64,
    /// R10.2: the refund estimate, minor units.
    pub refund_estimate: i64,
    /// When each hold went on: index `i` is the hold with bit `1 << i` (0 for
    /// holds that are not on).
    pub hold_since_ms: [i64; IOTCARD_HOLD_CAPACITY],
    /// R11: the remedy for each hold, an `IOTCARD_REMEDY_*` value; index `i` is
    /// the hold with bit `1 << i` (`IOTCARD_REMEDY_NONE` for holds that are not on).
    /// The last field of version 1 (`IOTCARD_ASSESSMENT_SIZE_V1`).
    pub remedies: [u8; IOTCARD_HOLD_CAPACITY],
    /// Version 2 (`IOTCARD_ASSESSMENT_SIZE_V2`): the instant assessed, Unix
    /// milliseconds (the assessment JSON's `at`).
    pub at_ms: i64,
}

/// The size of version 1 of `iotcard_assessment` (`size` to `remedies`): the
/// smallest `size` the library accepts.
pub const IOTCARD_ASSESSMENT_SIZE_V1: u32 = 256;
/// The size of version 2 of `iotcard_assessment` (adds `at_ms`): this header's
/// `sizeof(iotcard_assessment)`.
pub const IOTCARD_ASSESSMENT_SIZE_V2: u32 = 264;

/// Every published size of the struct, oldest first; the last is this
/// library's struct. A new version appends its fields (the first of them
/// 8-byte aligned, so that the old size is the offset of the new fields) and
/// its size here.
const SIZES: [u32; 2] = [IOTCARD_ASSESSMENT_SIZE_V1, IOTCARD_ASSESSMENT_SIZE_V2];

const _: () = {
    assert!(IOTCARD_HOLD_COUNT == Hold::ALL.len());
    assert!(IOTCARD_REMEDY_NONE == FlatAssessment::NO_REMEDY);
    assert!(IOTCARD_ASSESSMENT_SIZE_V1 as usize == offset_of!(iotcard_assessment, at_ms));
    assert!(SIZES[SIZES.len() - 1] as usize == size_of::<iotcard_assessment>());
    let mut i = 1;
    while i < SIZES.len() {
        assert!(SIZES[i - 1] < SIZES[i]);
        assert!((SIZES[i] as usize).is_multiple_of(align_of::<iotcard_assessment>()));
        i += 1;
    }
};

/// How many bytes of a caller's struct of `size` bytes the library fills: the
/// largest published size that fits in it.
///
/// # Errors
/// `InvalidInput` naming `field` when `size` is smaller than version 1.
#[inline]
fn fill_for(size: usize, field: &str) -> Result<u32, Failure> {
    if size >= FULL as usize {
        Ok(FULL)
    } else {
        older_fill_for(size, field)
    }
}

/// [`fill_for`] for a struct older than this library's (or too small).
#[cold]
fn older_fill_for(size: usize, field: &str) -> Result<u32, Failure> {
    SIZES
        .iter()
        .rev()
        .copied()
        .find(|s| *s as usize <= size)
        .ok_or_else(|| {
            Failure::invalid(
                field,
                size,
                &format!(
                    "smaller than the first published iotcard_assessment \
                     (IOTCARD_ASSESSMENT_SIZE_V1 = {IOTCARD_ASSESSMENT_SIZE_V1} bytes): \
                     set it to sizeof(iotcard_assessment) before the call \
                     (iotcard_assessment a = IOTCARD_ASSESSMENT_INIT;)"
                ),
            )
        })
}

/// Writes `value` (its `size` already `fill`) to `slot`: the whole struct when
/// the caller's is this library's, else only the first `fill` bytes (the fields
/// of the versions that fit), nothing past them. The hot paths write a whole
/// struct with `slot.write(iotcard_assessment::of(..))` themselves, which
/// builds it in place (through a function, it is built aside and copied: +7%).
///
/// # Safety
/// `slot` valid for writes of `fill` bytes and aligned for the struct; `fill` one
/// of [`SIZES`].
unsafe fn put(slot: *mut iotcard_assessment, fill: u32, value: &iotcard_assessment) {
    if fill == FULL {
        // SAFETY: the caller's contract, for the whole struct.
        unsafe { slot.write(*value) };
    } else {
        // SAFETY: the caller's contract, for `fill` < size_of bytes; a local
        // cannot overlap the caller's struct.
        unsafe {
            std::ptr::copy_nonoverlapping(
                std::ptr::from_ref(value).cast::<u8>(),
                slot.cast::<u8>(),
                fill as usize,
            );
        }
    }
}

/// This library's whole struct, the last of [`SIZES`].
const FULL: u32 = SIZES[SIZES.len() - 1];

impl iotcard_assessment {
    /// The entry of a card that could not be assessed.
    fn failed(size: u32, result: iotcard_result) -> iotcard_assessment {
        iotcard_assessment {
            size,
            result,
            status: 0,
            barred: 0,
            holds: 0,
            can: 0,
            call_restriction: 0,
            manual_suspend_unmet: 0,
            needs_action: false,
            has_next: false,
            next_change: 0,
            has_retention_ends: false,
            has_maintenance_until: false,
            refund_eligible: false,
            refund_unused_months: 0,
            balance: 0,
            usage_bytes: 0,
            allowance_bytes: 0,
            overage_bytes: 0,
            overage_charge: 0,
            keep_number_fees: 0,
            next_at_ms: 0,
            retention_ends_ms: 0,
            maintenance_until_ms: 0,
            refund_estimate: 0,
            hold_since_ms: [0; IOTCARD_HOLD_CAPACITY],
            remedies: [0; IOTCARD_HOLD_CAPACITY],
            at_ms: 0,
        }
    }

    /// The core's assessment of a card, as the core's plain numbers
    /// ([`FlatAssessment`]) in this struct's layout (no rule is decided here),
    /// with `size` as given and `at_ms` the Unix milliseconds it was made at
    /// (the caller's, which `a.at` is exactly: converting `a.at` back costs a
    /// date computation per card).
    #[expect(
        clippy::inline_always,
        reason = "measured: a call here costs the struct path ~7% (benches/assess.rs)"
    )]
    #[inline(always)]
    fn of(size: u32, at_ms: i64, a: &Assessment) -> iotcard_assessment {
        let f = FlatAssessment::of(a);
        let mut hold_since_ms = [0; IOTCARD_HOLD_CAPACITY];
        hold_since_ms[..IOTCARD_HOLD_COUNT].copy_from_slice(&f.hold_since_ms);
        let mut remedies = [IOTCARD_REMEDY_NONE; IOTCARD_HOLD_CAPACITY];
        remedies[..IOTCARD_HOLD_COUNT].copy_from_slice(&f.remedies);
        iotcard_assessment {
            size,
            result: iotcard_result::Ok,
            status: f.status,
            barred: f.barred,
            holds: f.holds,
            can: f.can,
            call_restriction: f.call_restriction,
            manual_suspend_unmet: f.manual_suspend_unmet,
            needs_action: f.needs_action,
            has_next: f.next.is_some(),
            next_change: f.next.map_or(0, |n| n.change),
            has_retention_ends: f.retention_ends_ms.is_some(),
            has_maintenance_until: f.maintenance_until_ms.is_some(),
            refund_eligible: f.refund_eligible,
            refund_unused_months: f.refund_unused_months,
            balance: f.balance,
            usage_bytes: f.usage_bytes,
            allowance_bytes: f.allowance_bytes,
            overage_bytes: f.overage_bytes,
            overage_charge: f.overage_charge,
            keep_number_fees: f.keep_number_fees,
            next_at_ms: f.next.map_or(0, |n| n.at_ms),
            retention_ends_ms: f.retention_ends_ms.unwrap_or(0),
            maintenance_until_ms: f.maintenance_until_ms.unwrap_or(0),
            refund_estimate: f.refund_estimate,
            hold_since_ms,
            remedies,
            at_ms,
        }
    }
}

/// Assesses the card at `at_ms` (Unix milliseconds) under `policy` into `*out`,
/// without allocating. Scheduled changes due by `at_ms` are taken into account;
/// the card itself is not changed.
///
/// `out->size` must be set before the call (`IOTCARD_ASSESSMENT_INIT`): the
/// library writes only the fields that fit in it, and sets it to the bytes it
/// filled. On success `*out` is filled (its `result` is `IOTCARD_RESULT_OK`);
/// on failure `*out` is not written.
///
/// # Errors
/// `IOTCARD_RESULT_OUT_OF_ORDER` (`at_ms` earlier than the card's last
/// instant), `IOTCARD_RESULT_INVALID_INPUT` (`out.size` smaller than
/// `IOTCARD_ASSESSMENT_SIZE_V1`, `at_ms` out of range, an overflow);
/// `IOTCARD_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// `card` must be a live card; `policy` a live policy; `out` valid for reads of
/// its `size` field and for writes of `out->size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_card_assess(
    card: *const iotcard_card,
    policy: *const iotcard_policy,
    at_ms: i64,
    out: *mut iotcard_assessment,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let card = unsafe { arg_ref(card, "card")? };
        // SAFETY: the caller's contract.
        let policy = unsafe { arg_ref(policy, "policy")? };
        let out = arg_out(out, "out")?;
        // SAFETY: non-NULL; the caller's contract: `size` is set.
        let size = unsafe { (&raw const (*out).size).read() };
        let fill = fill_for(size as usize, "out.size")?;
        let assessed = card.card.assess(&policy.policy, instant(at_ms, "at_ms")?);
        // By reference: moving the assessment out of the result costs a copy.
        let a = assessed.as_ref().map_err(|e| Failure::from(e.clone()))?;
        // SAFETY: checked non-NULL; the caller's contract for `size` ≥ `fill` bytes.
        unsafe {
            if fill == FULL {
                out.write(iotcard_assessment::of(fill, at_ms, a));
            } else {
                put(out, fill, &iotcard_assessment::of(fill, at_ms, a));
            }
        }
        Ok(())
    })
}

/// Assesses `n` cards at `at_ms` under `policy` in one call: `out[i]` is the
/// assessment of `cards[i]`, with its own `result`. A card that cannot be
/// assessed (a NULL entry, a card whose clock is after `at_ms`) does not stop
/// the others.
///
/// `out_size` is the size of one element of `out` as the caller compiled it:
/// pass `sizeof out[0]` (or `sizeof(iotcard_assessment)`). The library walks
/// `out` with that stride, writes in each element only the fields that fit in
/// it, and sets each element's `size` to the bytes it filled (the elements'
/// own `size` is not read: they need no initialising).
///
/// Returns `IOTCARD_RESULT_OK` when every card was assessed; otherwise the
/// result of the first card that failed (and the last error message names its
/// index), with every entry of `out` written all the same. `cards` and `out` may
/// be NULL when `n` is 0.
///
/// # Errors
/// Per card, as `iotcard_card_assess`; `IOTCARD_RESULT_NULL_ARGUMENT` for
/// `policy`, `cards` or `out` (then nothing is written);
/// `IOTCARD_RESULT_INVALID_INPUT` for `out_size` smaller than
/// `IOTCARD_ASSESSMENT_SIZE_V1` or not a multiple of 8, `at_ms` out of range,
/// `n` too large for an array, or a policy out of range (then nothing is
/// written).
///
/// # Safety
/// `policy` must be a live policy; `cards` valid for reads of `n` pointers, each
/// NULL or a live card; `out` valid for writes of `n * out_size` bytes, aligned
/// for the struct and not overlapping `cards`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_assess_batch(
    policy: *const iotcard_policy,
    cards: *const *const iotcard_card,
    n: usize,
    at_ms: i64,
    out: *mut iotcard_assessment,
    out_size: usize,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let policy = unsafe { arg_ref(policy, "policy")? };
        let fill = fill_for(out_size, "out_size")?;
        if !out_size.is_multiple_of(align_of::<iotcard_assessment>()) {
            return Err(Failure::invalid(
                "out_size",
                out_size,
                &format!(
                    "not a multiple of the struct's alignment ({}): pass sizeof out[0]",
                    align_of::<iotcard_assessment>()
                ),
            ));
        }
        if n == 0 {
            return Ok(());
        }
        if cards.is_null() {
            return Err(Failure::null("cards"));
        }
        let out = arg_out(out, "out")?;
        if n > isize::MAX as usize / out_size {
            return Err(Failure::invalid("n", n, "too large for an array"));
        }
        // The core's batch helper: the instant's calendar and the policy's
        // schedule settings are worked out once for all cards.
        let assessor = Assessor::new(&policy.policy, instant(at_ms, "at_ms")?)?;
        let mut first: Option<(usize, Failure)> = None;
        for i in 0..n {
            // SAFETY: `i` < `n`; the caller's contract for `cards`.
            let card = unsafe { cards.add(i).read() };
            // SAFETY: `i` < `n`, `n * out_size` ≤ isize::MAX; the caller's
            // contract for `out`. The caller's stride, not this struct's size.
            let slot = unsafe { out.byte_add(i * out_size) };
            // The assessment is read where it was made and written straight into
            // `out[i]`: only small values cross `?` and `catch_unwind` (moving the
            // assessment through them cost more than assessing).
            let done = catch_unwind(AssertUnwindSafe(|| -> Result<(), Failure> {
                // SAFETY: the caller's contract for each entry.
                let card = unsafe { arg_ref(card, "cards[i]")? };
                let assessed = assessor.assess(&card.card);
                let a = assessed.as_ref().map_err(|e| Failure::from(e.clone()))?;
                // SAFETY: `slot` is element `i`, valid for `out_size` ≥ `fill` bytes.
                unsafe {
                    if fill == FULL {
                        slot.write(iotcard_assessment::of(fill, at_ms, a));
                    } else {
                        put(slot, fill, &iotcard_assessment::of(fill, at_ms, a));
                    }
                }
                Ok(())
            }))
            .unwrap_or_else(|_| {
                Err(Failure {
                    result: iotcard_result::Panic,
                    message: "panic: while assessing".to_owned(),
                })
            });
            if let Err(f) = done {
                // SAFETY: as above.
                unsafe { put(slot, fill, &iotcard_assessment::failed(fill, f.result)) };
                first.get_or_insert((i, f));
            }
        }
        match first {
            None => Ok(()),
            Some((i, f)) => Err(Failure {
                result: f.result,
                message: format!("cards[{i}]: {}", f.message),
            }),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_entry_is_zero_but_its_result() {
        let e = iotcard_assessment::failed(IOTCARD_ASSESSMENT_SIZE_V1, iotcard_result::OutOfOrder);
        assert_eq!(e.size, IOTCARD_ASSESSMENT_SIZE_V1);
        assert_eq!(e.result, iotcard_result::OutOfOrder);
        assert_eq!(e.balance, 0);
        assert!(!e.has_next);
    }

    /// The struct is the core's flat assessment, with 0 for what is absent,
    /// over a seeded fleet (every story: holds, retention, next changes).
    #[test]
    fn the_struct_is_the_flat_assessment() {
        use iotcard::{Policy, parse_instant};
        let policy = Policy::default();
        let at = parse_instant("at", iotcard_fleetgen::EXAMPLE_AT).unwrap();
        let (mut holds, mut next, mut retention) = (0, 0, 0);
        for n in 0..64 {
            let entry = iotcard_fleetgen::entry(&policy, n, 7, at).unwrap();
            let card = entry.replay(&policy, at).unwrap().card;
            let a = card.assess(&policy, at).unwrap();
            let f = FlatAssessment::of(&a);
            let s = iotcard_assessment::of(IOTCARD_ASSESSMENT_SIZE_V2, a.at.unix_millis(), &a);
            assert_eq!(s.size, IOTCARD_ASSESSMENT_SIZE_V2);
            assert_eq!(s.result, iotcard_result::Ok);
            assert_eq!(s.at_ms, at.unix_millis());
            assert_eq!(
                (s.status, s.holds, s.barred, s.can),
                (f.status, f.holds, f.barred, f.can)
            );
            assert_eq!(
                (s.call_restriction, s.manual_suspend_unmet, s.needs_action),
                (f.call_restriction, f.manual_suspend_unmet, f.needs_action)
            );
            assert_eq!(s.has_next, f.next.is_some());
            assert_eq!(s.next_change, f.next.map_or(0, |n| n.change));
            assert_eq!(s.next_at_ms, f.next.map_or(0, |n| n.at_ms));
            assert_eq!(s.has_retention_ends, f.retention_ends_ms.is_some());
            assert_eq!(s.retention_ends_ms, f.retention_ends_ms.unwrap_or(0));
            assert_eq!(s.has_maintenance_until, f.maintenance_until_ms.is_some());
            assert_eq!(s.maintenance_until_ms, f.maintenance_until_ms.unwrap_or(0));
            assert_eq!(
                (s.refund_eligible, s.refund_unused_months, s.refund_estimate),
                (f.refund_eligible, f.refund_unused_months, f.refund_estimate)
            );
            assert_eq!(
                (s.balance, s.usage_bytes, s.allowance_bytes, s.overage_bytes),
                (f.balance, f.usage_bytes, f.allowance_bytes, f.overage_bytes)
            );
            assert_eq!(
                (s.overage_charge, s.keep_number_fees),
                (f.overage_charge, f.keep_number_fees)
            );
            let (known, rest) = s.hold_since_ms.split_at(IOTCARD_HOLD_COUNT);
            assert_eq!(
                (known, rest),
                (
                    &f.hold_since_ms[..],
                    &[0; IOTCARD_HOLD_CAPACITY - IOTCARD_HOLD_COUNT][..]
                )
            );
            let (known, rest) = s.remedies.split_at(IOTCARD_HOLD_COUNT);
            assert_eq!(
                (known, rest),
                (
                    &f.remedies[..],
                    &[IOTCARD_REMEDY_NONE; IOTCARD_HOLD_CAPACITY - IOTCARD_HOLD_COUNT][..]
                )
            );
            holds |= s.holds;
            next += usize::from(s.has_next);
            retention += usize::from(s.has_retention_ends);
        }
        assert!(holds.count_ones() >= 6, "holds seen: {holds:#b}");
        assert!(next > 0 && retention > 0, "{next} {retention}");
    }

    /// A caller's size is filled up to the largest published version that fits
    /// in it; below version 1 it is refused, naming the field.
    #[test]
    fn the_fill_is_the_largest_version_that_fits() {
        let v1 = IOTCARD_ASSESSMENT_SIZE_V1 as usize;
        let v2 = IOTCARD_ASSESSMENT_SIZE_V2 as usize;
        assert_eq!(v2, size_of::<iotcard_assessment>());
        for (size, want) in [
            (v1, v1),
            (v1 + 4, v1),
            (v2 - 1, v1),
            (v2, v2),
            (v2 + 64, v2),
        ] {
            assert_eq!(fill_for(size, "out.size").ok(), Some(want as u32), "{size}");
        }
        for size in [0, 4, v1 - 8, v1 - 1] {
            let e = fill_for(size, "out.size").expect_err("too small");
            assert_eq!(e.result, iotcard_result::InvalidInput);
            assert!(
                e.message.contains(&format!("out.size = {size}")),
                "{}",
                e.message
            );
            assert!(
                e.message.contains("IOTCARD_ASSESSMENT_SIZE_V1"),
                "{}",
                e.message
            );
        }
    }
}
