//! An assessment as plain numbers: what the C struct and the Python batch
//! columns are made of, converted in one place.

use crate::assess::Assessment;
use crate::hold::Hold;
use crate::{Error, ErrorKind, Instant};

/// The number of holds: the length of [`FlatAssessment`]'s per-hold arrays.
const HOLD_COUNT: usize = Hold::ALL.len();

/// An [`Assessment`] as plain integers, bit sets and Unix-millisecond instants,
/// for bindings that hand it on as numbers (the C struct `iotcard_assessment`,
/// the columns of Python's `assess_many`).
///
/// Enums are their position in the enum's `ALL` (`Status`, `ChangeKind`,
/// `Remedy`); sets are bit sets, `1 << position` ([`Holds::bits`] and the like).
/// Each binding picks its own "none" value for the optional fields.
///
/// [`Holds::bits`]: crate::Holds::bits
///
/// ```
/// # use iotcard::{parse_instant, Card, FlatAssessment, NewCard, Policy, Status};
/// # let card = Card::new(&NewCard::from_json(r#"{
/// #   "iccid": "89860012345678901238", "msisdn": "1440012345678",
/// #   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
/// #            "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}
/// # }"#)?)?;
/// let a = card.assess(&Policy::default(), parse_instant("at", "2026-01-02T00:00:00+08:00")?)?;
/// let flat = FlatAssessment::of(&a);
/// assert_eq!(flat.status, Status::Inventory as u8);
/// assert_eq!(flat.holds, 0);
/// assert_eq!(flat.next, None);
/// # Ok::<(), iotcard::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlatAssessment {
    /// The [`Status`](crate::Status), as its position.
    pub status: u8,
    /// Active holds, bit set of [`Hold`].
    pub holds: u16,
    /// Barred services, bit set of [`Service`](crate::Service).
    pub barred: u8,
    /// Allowed actions, bit set of [`Action`](crate::Action).
    pub can: u16,
    /// R9.1: bit set of [`CallCause`](crate::CallCause) (the diagnosis order is
    /// the bit order).
    pub call_restriction: u8,
    /// R1.1: bit set of [`Condition`](crate::Condition).
    pub manual_suspend_unmet: u8,
    /// [`Assessment::needs_action`].
    pub needs_action: bool,
    /// The next scheduled change strictly after the instant.
    pub next: Option<FlatNext>,
    /// R4.2: the end of retention, Unix ms.
    pub retention_ends_ms: Option<i64>,
    /// R8.1: the end of the maintenance window, Unix ms.
    pub maintenance_until_ms: Option<i64>,
    /// R10.2: whether the customer may request a refund.
    pub refund_eligible: bool,
    /// R10.2: whole calendar months unused.
    pub refund_unused_months: u32,
    /// R10.2: the refund estimate, minor units.
    pub refund_estimate: i64,
    /// Balance, minor units.
    pub balance: i64,
    /// Traffic in the current quota period, bytes.
    pub usage_bytes: u64,
    /// Quota plus top-ups of the current quota period, bytes.
    pub allowance_bytes: u64,
    /// R2.5: usage beyond the allowance, bytes.
    pub overage_bytes: u64,
    /// R2.5: the overage charge, minor units.
    pub overage_charge: i64,
    /// R4.4: keep-number fees of the latest retention, minor units.
    pub keep_number_fees: i64,
    /// When each hold went on, Unix ms: index `i` is the hold with bit `1 << i`
    /// (0 for holds that are not on).
    pub hold_since_ms: [i64; HOLD_COUNT],
    /// R11: the remedy for each hold, as its position in
    /// [`Remedy::ALL`](crate::Remedy::ALL); index `i` is the hold with bit
    /// `1 << i` ([`FlatAssessment::NO_REMEDY`] for holds that are not on).
    pub remedies: [u8; HOLD_COUNT],
}

/// [`FlatAssessment::next`]: the next scheduled change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlatNext {
    /// The [`ChangeKind`](crate::ChangeKind), as its position.
    pub change: u8,
    /// When it is due, Unix ms.
    pub at_ms: i64,
}

/// Unix milliseconds.
fn ms(t: Instant) -> i64 {
    t.unix_millis()
}

impl FlatAssessment {
    /// [`FlatAssessment::remedies`] of a hold that is not on.
    pub const NO_REMEDY: u8 = u8::MAX;

    /// The assessment as plain numbers.
    #[expect(
        clippy::inline_always,
        reason = "measured: a call here costs the C struct path ~7% (bindings/c/benches/assess.rs)"
    )]
    #[inline(always)]
    pub fn of(a: &Assessment) -> FlatAssessment {
        let mut hold_since_ms = [0; HOLD_COUNT];
        let mut remedies = [Self::NO_REMEDY; HOLD_COUNT];
        // The set bits only (most cards have no hold or one).
        let mut bits = a.holds.bits();
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let hold = Hold::ALL[i];
            hold_since_ms[i] = ms(a.since[i]);
            remedies[i] = hold.remedy_when(a.auto_resume_on_payment) as u8;
        }
        FlatAssessment {
            status: a.status as u8,
            holds: a.holds.bits(),
            barred: a.barred.bits(),
            can: a.can.bits(),
            call_restriction: a.call_restriction.bits(),
            manual_suspend_unmet: a.manual_suspend_unmet.bits(),
            needs_action: a.needs_action(),
            next: a.next.map(|n| FlatNext {
                change: n.change as u8,
                at_ms: ms(n.at),
            }),
            retention_ends_ms: a.retention_ends.map(ms),
            maintenance_until_ms: a.maintenance_until.map(ms),
            refund_eligible: a.refund.eligible_to_request,
            refund_unused_months: a.refund.unused_months,
            refund_estimate: a.refund.estimate,
            balance: a.balance,
            usage_bytes: a.usage_bytes,
            allowance_bytes: a.allowance_bytes,
            overage_bytes: a.overage_bytes,
            overage_charge: a.overage_charge,
            keep_number_fees: a.keep_number_fees,
            hold_since_ms,
            remedies,
        }
    }

    /// The result of assessing one card of a batch, as plain numbers: the
    /// assessment, or the [`ErrorKind`] of why it could not be made.
    ///
    /// # Errors
    /// The kind of `r`'s error.
    pub fn of_result(r: &Result<Assessment, Error>) -> Result<FlatAssessment, ErrorKind> {
        match r {
            Ok(a) => Ok(FlatAssessment::of(a)),
            Err(e) => Err(e.kind()),
        }
    }
}

impl From<&Assessment> for FlatAssessment {
    fn from(a: &Assessment) -> FlatAssessment {
        FlatAssessment::of(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Card, Event, NewCard, Policy, Remedy, parse_instant};

    /// A card with several holds, a next change and retention-free figures,
    /// under a policy where the remedy of `arrears` is not the default one.
    #[test]
    fn every_field_is_the_assessments() {
        let policy =
            Policy::from_json(r#"{"auto_resume_on_payment": true, "low_balance": 300}"#).unwrap();
        let t = |s| parse_instant("at", s).unwrap();
        let mut card = Card::new(
            &NewCard::from_json(
                r#"{"iccid": "89860012345678901238", "msisdn": "1440012345678", "balance": 100,
                "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
                         "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}}"#,
            )
            .unwrap(),
        )
        .unwrap();
        for (at, ev) in [
            (
                "2026-01-05T10:00:00+08:00",
                r#"{"type": "activate", "imei": "490154203237518"}"#,
            ),
            (
                "2026-01-06T00:00:00+08:00",
                r#"{"type": "charge", "amount": 500}"#,
            ),
            ("2026-01-07T00:00:00+08:00", r#"{"type": "report_lost"}"#),
        ] {
            card = card
                .apply(&policy, t(at), &Event::from_json(ev).unwrap())
                .unwrap()
                .card;
        }
        let a = card
            .assess(&policy, t("2026-01-08T00:00:00+08:00"))
            .unwrap();
        assert!(a.holds.len() >= 3, "{:?}", a.holds);
        assert_eq!(a.remedy(Hold::Arrears), Some(Remedy::Pay));
        let f = FlatAssessment::of(&a);
        assert_eq!(FlatAssessment::from(&a), f);
        assert_eq!(FlatAssessment::of_result(&Ok(a)), Ok(f));
        for h in Hold::ALL {
            let want = a.remedy(*h).map_or(FlatAssessment::NO_REMEDY, |r| r as u8);
            assert_eq!(f.remedies[*h as usize], want, "{h}");
            let since = a.hold_since(*h).map_or(0, ms);
            assert_eq!(f.hold_since_ms[*h as usize], since, "{h}");
        }
        assert_eq!(f.status, a.status as u8);
        assert_eq!(f.holds, a.holds.bits());
        assert_eq!(f.barred, a.barred.bits());
        assert_eq!(f.can, a.can.bits());
        assert_eq!(f.call_restriction, a.call_restriction.bits());
        assert_eq!(f.manual_suspend_unmet, a.manual_suspend_unmet.bits());
        assert_eq!(f.needs_action, a.needs_action());
        let next = a.next.expect("a scheduled change");
        assert_eq!(
            f.next,
            Some(FlatNext {
                change: next.change as u8,
                at_ms: next.at.unix_millis()
            })
        );
        assert_eq!(f.retention_ends_ms, a.retention_ends.map(ms));
        assert_eq!(f.maintenance_until_ms, a.maintenance_until.map(ms));
        assert_eq!(f.refund_eligible, a.refund.eligible_to_request);
        assert_eq!(f.refund_unused_months, a.refund.unused_months);
        assert_eq!(f.refund_estimate, a.refund.estimate);
        assert_eq!(
            (f.balance, f.usage_bytes, f.allowance_bytes),
            (a.balance, a.usage_bytes, a.allowance_bytes)
        );
        assert_eq!(
            (f.overage_bytes, f.overage_charge, f.keep_number_fees),
            (a.overage_bytes, a.overage_charge, a.keep_number_fees)
        );
    }

    #[test]
    fn a_failed_card_is_its_kind() {
        let e = Error::ArrearsOutstanding { balance: -1 };
        assert_eq!(
            FlatAssessment::of_result(&Err(e)),
            Err(ErrorKind::ArrearsOutstanding)
        );
    }

    #[test]
    fn no_remedy_is_not_a_remedy() {
        assert!(Remedy::ALL.len() < usize::from(FlatAssessment::NO_REMEDY));
    }
}
