//! R2 Data quota (流量超标 / 自动超停): quota periods (R2.1), the `over_quota` hold
//! with auto-suspend (R2.2), its lifting at the next period (R2.3) or by a top-up
//! (R2.4), and overage billing without auto-suspend (R2.5).

use crate::card::{Card, QuotaPeriod};
use crate::change::{Rule, Sink};
use crate::hold::Hold;
use crate::plan::{Period, Plan};
use crate::policy::Policy;
use crate::step::Step;
use crate::step::{lift, put};
use crate::time::{TimeZone, month_start, year_month};
use crate::{Error, Instant};

/// One MiB: overage is charged per started MiB (R2.5).
pub const MIB: u64 = 1024 * 1024;

/// The quota period containing `t` (R2.1): `[start, end)`, starting at local
/// midnight on the 1st of the month, of Jan/Apr/Jul/Oct, or of the plan's start
/// month each year. `None` past chrono's range.
pub fn period_at(plan: &Plan, t: Instant, tz: TimeZone) -> Option<(Instant, Instant)> {
    let (y, m) = year_month(t, tz);
    let (sy, sm, len) = match plan.period {
        Period::Month => (y, m, 1),
        Period::Quarter => (y, (m - 1) / 3 * 3 + 1, 3),
        Period::Year => {
            let (_, pm) = year_month(plan.start, tz);
            if m >= pm {
                (y, pm, 12)
            } else {
                (y - 1, pm, 12)
            }
        }
    };
    let start = month_start(sy, sm, tz)?;
    // The 1st plus `len` months is the 1st of a later month: no clamping.
    let later = sy * 12 + i64::from(sm) - 1 + len;
    let end = month_start(later.div_euclid(12), (later.rem_euclid(12) + 1) as u32, tz)?;
    Some((start, end))
}

fn out_of_range(t: Instant) -> Error {
    Error::invalid(
        "at",
        t.to_string(),
        "is beyond the supported calendar range",
    )
}

impl QuotaPeriod {
    /// The period containing `t`, empty.
    pub(crate) fn at(plan: &Plan, t: Instant, tz: TimeZone) -> Result<QuotaPeriod, Error> {
        let (start, end) = period_at(plan, t, tz).ok_or_else(|| out_of_range(t))?;
        Ok(QuotaPeriod {
            start,
            end,
            usage_bytes: 0,
            top_up_bytes: 0,
        })
    }

    /// Quota plus top-ups (as u128: never overflows).
    pub(crate) fn allowance(&self, plan: &Plan) -> u128 {
        u128::from(plan.quota_bytes) + u128::from(self.top_up_bytes)
    }

    /// R2.2: usage strictly greater than quota plus top-ups.
    pub(crate) fn exceeded(&self, plan: &Plan) -> bool {
        u128::from(self.usage_bytes) > self.allowance(plan)
    }
}

/// The quota period at `t`, rolled over lazily: a period that has ended is
/// replaced by the one containing `t`, with usage and top-ups at zero.
pub(crate) fn roll_period<'c>(
    c: &'c mut Card,
    p: &Policy,
    t: Instant,
) -> Result<&'c mut QuotaPeriod, Error> {
    let stale = c.period.is_none_or(|q| t >= q.end);
    if stale {
        c.period = Some(QuotaPeriod::at(&c.plan, t, p.timezone)?);
    }
    c.period.as_mut().ok_or_else(|| out_of_range(t))
}

/// The period as seen at `t` without changing the card (usage 0 once it ended).
pub(crate) fn period_seen_at(c: &Card, t: Instant) -> QuotaPeriod {
    match c.period {
        Some(q) if t < q.end => q,
        Some(q) => QuotaPeriod {
            start: q.end,
            end: q.end,
            usage_bytes: 0,
            top_up_bytes: 0,
        },
        None => QuotaPeriod {
            start: t,
            end: t,
            usage_bytes: 0,
            top_up_bytes: 0,
        },
    }
}

/// Records traffic in the current period; R2.2 puts `over_quota` with auto-suspend.
pub(crate) fn count_usage<S: Sink>(
    c: &mut Card,
    p: &Policy,
    bytes: u64,
    st: &mut Step<'_, S>,
) -> Result<(), Error> {
    let plan = c.plan;
    let q = roll_period(c, p, st.at)?;
    q.usage_bytes = q.usage_bytes.checked_add(bytes).ok_or_else(|| {
        Error::invalid(
            "event.bytes",
            bytes,
            format!("usage in the period would exceed {} bytes", u64::MAX),
        )
    })?;
    let exceeded = q.exceeded(&plan);
    if c.auto_suspend && exceeded {
        put(c, Hold::OverQuota, Rule::R2_2, st);
    }
    Ok(())
}

/// R2.4: a data package adds quota to the current period; back within quota
/// lifts `over_quota` at once.
pub(crate) fn top_up<S: Sink>(
    c: &mut Card,
    p: &Policy,
    bytes: u64,
    st: &mut Step<'_, S>,
) -> Result<(), Error> {
    let plan = c.plan;
    let q = roll_period(c, p, st.at)?;
    q.top_up_bytes = q.top_up_bytes.checked_add(bytes).ok_or_else(|| {
        Error::invalid(
            "event.bytes",
            bytes,
            format!("top-ups in the period would exceed {} bytes", u64::MAX),
        )
    })?;
    if !q.exceeded(&plan) {
        lift(c, Hold::OverQuota, Rule::R2_4, st);
    }
    Ok(())
}

/// After a renewal replaced the plan: a renewal that keeps the quota period's
/// boundaries keeps its usage; one that moves them starts a fresh period, and
/// `over_quota` lifts (R2.3: a new quota period has started). Then the hold
/// follows the new quota: within it lifts `over_quota` at once (R2.4, as a
/// data package does); beyond it, with auto-suspend, puts it on (R2.2).
pub(crate) fn requota<S: Sink>(
    c: &mut Card,
    p: &Policy,
    st: &mut Step<'_, S>,
) -> Result<(), Error> {
    let Some(q) = c.period else {
        return Ok(());
    };
    let fresh = QuotaPeriod::at(&c.plan, st.at, p.timezone)?;
    if fresh.start != q.start || fresh.end != q.end {
        c.period = Some(fresh);
        lift(c, Hold::OverQuota, Rule::R2_3, st);
        return Ok(());
    }
    if q.exceeded(&c.plan) {
        if c.auto_suspend {
            put(c, Hold::OverQuota, Rule::R2_2, st);
        }
    } else {
        lift(c, Hold::OverQuota, Rule::R2_4, st);
    }
    Ok(())
}

/// R2.3: the scheduled lift at the start of the next quota period.
pub(crate) fn next_quota_period<S: Sink>(
    c: &mut Card,
    p: &Policy,
    st: &mut Step<'_, S>,
) -> Result<(), Error> {
    roll_period(c, p, st.at)?;
    lift(c, Hold::OverQuota, Rule::R2_3, st);
    Ok(())
}

/// R2.5: (overage bytes, overage charge) for a period.
pub(crate) fn overage(plan: &Plan, q: &QuotaPeriod, p: &Policy) -> Result<(u64, i64), Error> {
    let over = u128::from(q.usage_bytes).saturating_sub(q.allowance(plan));
    let over = u64::try_from(over).unwrap_or(u64::MAX);
    let mib = over.div_ceil(MIB);
    let charge = i64::try_from(mib)
        .ok()
        .and_then(|m| m.checked_mul(p.overage_rate_per_mb))
        .ok_or_else(|| {
            Error::invalid(
                "policy.overage_rate_per_mb",
                p.overage_rate_per_mb,
                format!("× {mib} MiB of overage overflows i64"),
            )
        })?;
    Ok((over, charge))
}
