//! The plain-struct way: an assessment in a `#[repr(C)]` struct, filled without
//! allocating, one card at a time or a batch in one call.

use std::panic::{AssertUnwindSafe, catch_unwind};

use iotcard::{Assessment, Assessor, FlatAssessment, Hold};

use crate::consts::{IOTCARD_HOLD_COUNT, IOTCARD_REMEDY_NONE};
use crate::ffi::{arg_out, arg_ref, instant};
use crate::handles::{iotcard_card, iotcard_policy};
use crate::result::{Failure, guard, iotcard_result};

/// A card assessed at an instant: everything a billing system asks, as plain
/// values. Instants are Unix milliseconds; sets are bit sets of the
/// `IOTCARD_HOLD_*`, `IOTCARD_SERVICE_*`, `IOTCARD_ACTION_*`,
/// `IOTCARD_CALL_CAUSE_*` and `IOTCARD_CONDITION_*` constants.
///
/// Filled by `iotcard_card_assess` and `iotcard_assess_batch`. When `result` is
/// not `IOTCARD_RESULT_OK` (a failed card of a batch), every other field is zero.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct iotcard_assessment {
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
    pub hold_since_ms: [i64; IOTCARD_HOLD_COUNT],
    /// R11: the remedy for each hold, an `IOTCARD_REMEDY_*` value; index `i` is
    /// the hold with bit `1 << i` (`IOTCARD_REMEDY_NONE` for holds that are not on).
    pub remedies: [u8; IOTCARD_HOLD_COUNT],
}

const _: () = assert!(IOTCARD_HOLD_COUNT == Hold::ALL.len());
const _: () = assert!(IOTCARD_REMEDY_NONE == FlatAssessment::NO_REMEDY);

impl iotcard_assessment {
    /// The entry of a card that could not be assessed.
    fn failed(result: iotcard_result) -> iotcard_assessment {
        iotcard_assessment {
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
            hold_since_ms: [0; IOTCARD_HOLD_COUNT],
            remedies: [0; IOTCARD_HOLD_COUNT],
        }
    }

    /// The core's assessment of a card, as the core's plain numbers
    /// ([`FlatAssessment`]) in this struct's layout (no rule is decided here).
    #[expect(
        clippy::inline_always,
        reason = "measured: a call here costs the struct path ~7% (benches/assess.rs)"
    )]
    #[inline(always)]
    fn of(a: &Assessment) -> iotcard_assessment {
        let f = FlatAssessment::of(a);
        iotcard_assessment {
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
            hold_since_ms: f.hold_since_ms,
            remedies: f.remedies,
        }
    }
}

/// Assesses the card at `at_ms` (Unix milliseconds) under `policy` into `*out`,
/// without allocating. Scheduled changes due by `at_ms` are taken into account;
/// the card itself is not changed.
///
/// On success `*out` is filled (its `result` is `IOTCARD_RESULT_OK`); on failure
/// `*out` is not written.
///
/// # Errors
/// `IOTCARD_RESULT_OUT_OF_ORDER` (`at_ms` earlier than the card's last
/// instant), `IOTCARD_RESULT_INVALID_INPUT` (`at_ms` out of range, an overflow);
/// `IOTCARD_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// `card` must be a live card; `policy` a live policy; `out` valid for a write.
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
        let assessed = card.card.assess(&policy.policy, instant(at_ms, "at_ms")?);
        // By reference: moving the assessment out of the result costs a copy.
        let a = assessed.as_ref().map_err(|e| Failure::from(e.clone()))?;
        // SAFETY: checked non-NULL; the caller's contract.
        unsafe { out.write(iotcard_assessment::of(a)) };
        Ok(())
    })
}

/// Assesses `n` cards at `at_ms` under `policy` in one call: `out[i]` is the
/// assessment of `cards[i]`, with its own `result`. A card that cannot be
/// assessed (a NULL entry, a card whose clock is after `at_ms`) does not stop
/// the others.
///
/// Returns `IOTCARD_RESULT_OK` when every card was assessed; otherwise the
/// result of the first card that failed (and the last error message names its
/// index), with every entry of `out` written all the same. `cards` and `out` may
/// be NULL when `n` is 0.
///
/// # Errors
/// Per card, as `iotcard_card_assess`; `IOTCARD_RESULT_NULL_ARGUMENT` for
/// `policy`, `cards` or `out` (then nothing is written);
/// `IOTCARD_RESULT_INVALID_INPUT` for `at_ms` out of range, `n` too large for
/// an array, or a policy out of range (then nothing is written).
///
/// # Safety
/// `policy` must be a live policy; `cards` valid for reads of `n` pointers, each
/// NULL or a live card; `out` valid for writes of `n` structs and not
/// overlapping `cards`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotcard_assess_batch(
    policy: *const iotcard_policy,
    cards: *const *const iotcard_card,
    n: usize,
    at_ms: i64,
    out: *mut iotcard_assessment,
) -> iotcard_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let policy = unsafe { arg_ref(policy, "policy")? };
        if n == 0 {
            return Ok(());
        }
        if cards.is_null() {
            return Err(Failure::null("cards"));
        }
        let out = arg_out(out, "out")?;
        if n > isize::MAX as usize / size_of::<iotcard_assessment>() {
            return Err(Failure::invalid("n", n, "too large for an array"));
        }
        // The core's batch helper: the instant's calendar and the policy's
        // schedule settings are worked out once for all cards.
        let assessor = Assessor::new(&policy.policy, instant(at_ms, "at_ms")?)?;
        let mut first: Option<(usize, Failure)> = None;
        for i in 0..n {
            // SAFETY: `i` < `n`; the caller's contract for `cards`.
            let card = unsafe { cards.add(i).read() };
            // SAFETY: `i` < `n`; the caller's contract for `out`.
            let slot = unsafe { out.add(i) };
            // The assessment is read where it was made and written straight into
            // `out[i]`: only small values cross `?` and `catch_unwind` (moving the
            // 240-byte assessment through them cost more than assessing).
            let done = catch_unwind(AssertUnwindSafe(|| -> Result<(), Failure> {
                // SAFETY: the caller's contract for each entry.
                let card = unsafe { arg_ref(card, "cards[i]")? };
                let assessed = assessor.assess(&card.card);
                let a = assessed.as_ref().map_err(|e| Failure::from(e.clone()))?;
                // SAFETY: `slot` is `out + i`, valid for a write.
                unsafe { slot.write(iotcard_assessment::of(a)) };
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
                unsafe { slot.write(iotcard_assessment::failed(f.result)) };
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
        let e = iotcard_assessment::failed(iotcard_result::OutOfOrder);
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
            let s = iotcard_assessment::of(&a);
            assert_eq!(s.result, iotcard_result::Ok);
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
            assert_eq!((s.hold_since_ms, s.remedies), (f.hold_since_ms, f.remedies));
            holds |= s.holds;
            next += usize::from(s.has_next);
            retention += usize::from(s.has_retention_ends);
        }
        assert!(holds.count_ones() >= 6, "holds seen: {holds:#b}");
        assert!(next > 0 && retention > 0, "{next} {retention}");
    }
}
