"""The card's state and the three operations of docs/rules.md "Lifecycle": apply an
event, advance to an instant, assess. Each takes a card and returns a new one, so
a refused event leaves the card as it was.

Status is derived from activation, terminal state and holds (never stored).
Scheduled changes (R2.3, R4.1, R4.4, R4.5, R6.2, R8.1) are computed from the
state: the earliest due one is applied, then the next is computed again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from .errors import RuleError, invalid
from .model import (
    BARS,
    CHANGE_KINDS,
    HOLDS,
    I64_MAX,
    I64_MIN,
    MIB,
    SERVICES,
    U64_MAX,
    Event,
    NewCard,
    Plan,
    Policy,
)
from .timecalc import add_months, format_instant, month_start, whole_months

FULL_HOLDS = frozenset(h for h in HOLDS if BARS[h] == SERVICES)
ACTIONS = (
    "activate",
    "manual_suspend",
    "manual_resume",
    "renew",
    "rebind",
    "operator_release",
    "report_lost",
    "replace",
    "cancel",
)
# Events an inventory card accepts (DESIGN.md decision 5).
BEFORE_ACTIVATION = frozenset({"activate", "payment", "renew", "cancel"})


@dataclass(frozen=True)
class QuotaPeriod:
    """The current quota period [start, end) and its usage (R2.1)."""

    start: datetime
    end: datetime
    usage_bytes: int = 0
    top_up_bytes: int = 0

    def allowance(self, plan: Plan) -> int:
        return plan.quota_bytes + self.top_up_bytes

    def exceeded(self, plan: Plan) -> bool:
        """R2.2: strictly more than quota plus top-ups."""
        return self.usage_bytes > self.allowance(plan)


@dataclass(frozen=True)
class Retention:
    """The latest retention (R4.2, R4.4)."""

    expired_at: datetime
    fees_due: int = 0
    fees_amount: int = 0


@dataclass(frozen=True)
class Scheduled:
    """A scheduled change and its exact instant."""

    at: datetime
    change: str


@dataclass
class Card:
    """A card's whole state."""

    iccid: str
    msisdn: str
    auto_suspend: bool
    balance: int
    plan: Plan
    imei: str | None = None
    activated_at: datetime | None = None
    terminal: str | None = None  # "cancelled" or "replaced"
    clock: datetime | None = None  # the latest instant seen (event or advance)
    holds: dict[str, datetime] = field(default_factory=dict)  # hold → since
    period: QuotaPeriod | None = None
    last_traffic: datetime | None = None
    maintenance_until: datetime | None = None
    retention: Retention | None = None
    replaced_by: str | None = None

    @staticmethod
    def open(new: NewCard) -> Card:
        """A new card, in ``inventory``."""
        return Card(
            iccid=new.iccid,
            msisdn=new.msisdn,
            auto_suspend=new.auto_suspend,
            balance=new.balance,
            plan=new.plan,
        )

    def copy(self) -> Card:
        return replace(self, holds=dict(self.holds))

    @property
    def status(self) -> str:
        if self.terminal is not None:
            return self.terminal
        if self.activated_at is None:
            return "inventory"
        if not self.holds:
            return "active"
        if any(h in FULL_HOLDS for h in self.holds):
            return "suspended"
        return "restricted"


@dataclass
class Applied:
    card: Card
    replacement: Card | None
    changes: list[Scheduled]


@dataclass
class Advanced:
    card: Card
    changes: list[Scheduled]


# --- holds -----------------------------------------------------------------------------


def _put(card: Card, hold: str, at: datetime) -> None:
    if hold not in card.holds:
        card.holds[hold] = at


def _lift(card: Card, hold: str) -> bool:
    if hold not in card.holds:
        return False
    del card.holds[hold]
    if hold == "maintenance":
        card.maintenance_until = None
    return True


def _end(card: Card, how: str) -> None:
    """Terminal: no holds, nothing scheduled any more."""
    card.terminal = how
    card.holds = {}
    card.maintenance_until = None


# --- quota periods (R2) ----------------------------------------------------------------


def period_at(plan: Plan, t: datetime, tz: timezone) -> QuotaPeriod:
    """The quota period containing ``t``, empty (R2.1)."""
    local = t.astimezone(tz)
    year, month = local.year, local.month
    if plan.period == "month":
        start_year, start_month, length = year, month, 1
    elif plan.period == "quarter":
        start_year, start_month, length = year, (month - 1) // 3 * 3 + 1, 3
    else:
        plan_month = plan.start.astimezone(tz).month
        start_year = year if month >= plan_month else year - 1
        start_month, length = plan_month, 12
    start = month_start(start_year, start_month, tz)
    end = add_months(start, length, tz) if start is not None else None
    if start is None or end is None:
        raise invalid("at", t.isoformat(), "is beyond the supported calendar range")
    return QuotaPeriod(start, end)


def _roll_period(card: Card, policy: Policy, t: datetime) -> QuotaPeriod:
    """The period at ``t``; an ended period is replaced by an empty one."""
    if card.period is None or t >= card.period.end:
        card.period = period_at(card.plan, t, policy.timezone)
    return card.period


def _period_seen_at(card: Card, t: datetime) -> QuotaPeriod:
    """The period as seen at ``t`` without changing the card (empty once ended)."""
    if card.period is None:
        return QuotaPeriod(t, t)
    if t < card.period.end:
        return card.period
    return QuotaPeriod(card.period.end, card.period.end)


# --- balance (R3) ----------------------------------------------------------------------


def _below_credit(card: Card, policy: Policy) -> bool:
    return card.balance < -max(policy.credit_limit, 0)


def _low(card: Card, policy: Policy) -> bool:
    return policy.low_balance > 0 and card.balance < policy.low_balance and not _below_credit(card, policy)


def _hold_for_balance(card: Card, policy: Policy, at: datetime) -> None:
    if _below_credit(card, policy):
        _put(card, "arrears", at)
    elif _low(card, policy):
        _put(card, "low_balance", at)


# --- the schedule ----------------------------------------------------------------------


def retention_ends(card: Card, policy: Policy) -> datetime | None:
    """R4.2: the end of the current retention (``None`` outside retention)."""
    if "expired" not in card.holds or card.retention is None:
        return None
    return add_months(card.retention.expired_at, policy.retention_months, policy.timezone)


def _next_fee_due(card: Card, policy: Policy) -> datetime | None:
    """R4.4: fee k falls due at expiry + (k-1) months, at most retention_months."""
    r = card.retention
    if r is None or "expired" not in card.holds or r.fees_due >= policy.retention_months:
        return None
    return add_months(r.expired_at, r.fees_due, policy.timezone)


def _dormancy_due(card: Card, policy: Policy) -> datetime | None:
    """R6.2: dormancy_months after the last traffic (or activation)."""
    if policy.dormancy_months is None:
        return None
    since = card.last_traffic or card.activated_at
    if since is None:
        return None
    return add_months(since, policy.dormancy_months, policy.timezone)


def next_due(card: Card, policy: Policy) -> Scheduled | None:
    """The earliest scheduled change, due or not (activated, live cards only)."""
    if card.terminal is not None or card.activated_at is None:
        return None
    candidates: list[tuple[datetime | None, str]] = []
    if "over_quota" in card.holds and card.period is not None:
        candidates.append((card.period.end, "lift_over_quota"))
    if "expired" in card.holds:
        candidates.append((_next_fee_due(card, policy), "keep_number_fee"))
        candidates.append((retention_ends(card, policy), "cancel"))
    else:
        # A card activated after its plan ended expires at activation.
        candidates.append((max(card.plan.end, card.activated_at), "expire"))
    if "maintenance" in card.holds:
        candidates.append((card.maintenance_until, "lift_maintenance"))
    candidates.append((_dormancy_due(card, policy), "dormancy_cancel"))
    due = [(at, CHANGE_KINDS.index(kind), kind) for at, kind in candidates if at is not None]
    if not due:
        return None
    at, _, kind = min(due)
    return Scheduled(at, kind)


def _run_scheduled(card: Card, policy: Policy, s: Scheduled) -> None:
    if s.change == "lift_over_quota":
        _roll_period(card, policy, s.at)
        _lift(card, "over_quota")
    elif s.change == "expire":
        card.retention = Retention(expired_at=s.at)
        _put(card, "expired", s.at)
    elif s.change == "keep_number_fee":
        r = card.retention
        if r is not None:
            amount = r.fees_amount + policy.keep_number_fee
            if amount > I64_MAX:
                raise invalid("policy.keep_number_fee", policy.keep_number_fee, "the sum of fees overflows i64")
            card.retention = replace(r, fees_due=r.fees_due + 1, fees_amount=amount)
    elif s.change in ("cancel", "dormancy_cancel"):
        _end(card, "cancelled")
    elif s.change == "lift_maintenance":
        _lift(card, "maintenance")


def _run_due(card: Card, policy: Policy, to: datetime, done: list[Scheduled]) -> None:
    """Applies every scheduled change due at or before ``to``, in order."""
    while True:
        s = next_due(card, policy)
        if s is None or s.at > to:
            return
        _run_scheduled(card, policy, s)
        done.append(s)


def _advance_in_place(card: Card, policy: Policy, to: datetime, done: list[Scheduled]) -> None:
    if card.clock is not None and to < card.clock:
        raise RuleError("out_of_order", f"{to.isoformat()} is earlier than the card's last instant {card.clock.isoformat()}")
    _run_due(card, policy, to, done)
    card.clock = to


def advance(card: Card, policy: Policy, to: datetime) -> Advanced:
    """The card at ``to``: every scheduled change due at or before it, in order."""
    work = card.copy()
    done: list[Scheduled] = []
    _advance_in_place(work, policy, to, done)
    return Advanced(work, done)


# --- events ----------------------------------------------------------------------------


def _activate(card: Card, policy: Policy, at: datetime, e: Event) -> None:
    """R5.1: the first activation binds the device."""
    if card.activated_at is not None:
        raise RuleError("already_activated", f"the card was activated at {card.activated_at.isoformat()}")
    if policy.device_binding and e.imei is None:
        raise invalid("event.imei", None, "is required to activate while policy.device_binding is true")
    card.period = period_at(card.plan, at, policy.timezone)
    card.activated_at = at
    card.imei = e.imei
    _hold_for_balance(card, policy, at)  # holds from the opening balance


def _usage(card: Card, policy: Policy, at: datetime, e: Event) -> None:
    """R2.2, R5.2, R7.2: traffic."""
    card.last_traffic = at
    if policy.device_binding and e.imei is not None and card.imei is not None and e.imei != card.imei:
        _put(card, "device_mismatch", at)
    if e.region is not None and e.region in policy.restricted_regions:
        _put(card, "restricted_region", at)
    q = _roll_period(card, policy, at)
    usage = q.usage_bytes + (e.bytes or 0)
    if usage > U64_MAX:
        raise invalid("event.bytes", e.bytes, "usage in the period would overflow u64")
    card.period = replace(q, usage_bytes=usage)
    if card.auto_suspend and card.period.exceeded(card.plan):
        _put(card, "over_quota", at)


def _charge(card: Card, policy: Policy, at: datetime, e: Event) -> None:
    """R3.1, R3.3."""
    balance = card.balance - (e.amount or 0)
    if balance < I64_MIN:
        raise invalid("event.amount", e.amount, "would take the balance below i64::MIN")
    card.balance = balance
    _hold_for_balance(card, policy, at)


def _payment(card: Card, policy: Policy, at: datetime, e: Event) -> None:
    """R3.2 (auto_resume_on_payment), R3.3."""
    balance = card.balance + (e.amount or 0)
    if balance > I64_MAX:
        raise invalid("event.amount", e.amount, "would take the balance above i64::MAX")
    card.balance = balance
    if card.activated_at is None:
        return
    if policy.auto_resume_on_payment and card.balance >= 0:
        _lift(card, "arrears")
    if card.balance >= policy.low_balance:
        _lift(card, "low_balance")
    elif _low(card, policy):
        _put(card, "low_balance", at)


def _top_up(card: Card, policy: Policy, at: datetime, e: Event) -> None:
    """R2.4: back within quota lifts ``over_quota`` at once."""
    q = _roll_period(card, policy, at)
    top_up = q.top_up_bytes + (e.bytes or 0)
    if top_up > U64_MAX:
        raise invalid("event.bytes", e.bytes, "top-ups in the period would overflow u64")
    card.period = replace(q, top_up_bytes=top_up)
    if not card.period.exceeded(card.plan):
        _lift(card, "over_quota")


def manual_suspend_unmet(card: Card, at: datetime) -> tuple[str, ...]:
    """R1.1 (DESIGN.md decision 6): every unmet condition."""
    unmet = []
    if not card.plan.is_valid_at(at) or "expired" in card.holds:
        unmet.append("plan_not_valid")
    if card.balance < 0 or "arrears" in card.holds:
        unmet.append("arrears")
    if _period_seen_at(card, at).exceeded(card.plan):
        unmet.append("over_quota")
    if "manual" in card.holds:
        unmet.append("already_suspended")
    return tuple(unmet)


def _manual_suspend(card: Card, policy: Policy, at: datetime, e: Event) -> None:
    unmet = manual_suspend_unmet(card, at)
    if unmet:
        raise RuleError("manual_suspend_not_allowed", f"unmet: {', '.join(unmet)}", unmet)
    _put(card, "manual", at)


def _resumable(card: Card) -> bool:
    return "manual" in card.holds or ("arrears" in card.holds and card.balance >= 0)


def _manual_resume(card: Card, policy: Policy, at: datetime, e: Event) -> None:
    """R1.2, R3.2 (DESIGN.md decision 7)."""
    if not _resumable(card):
        if "arrears" in card.holds:
            raise RuleError("arrears_outstanding", f"balance is {card.balance} fen, below zero; pay first")
        raise RuleError("nothing_to_lift", "manual_resume found no manual or arrears hold")
    _lift(card, "manual")
    if card.balance >= 0:
        _lift(card, "arrears")


def _renew(card: Card, policy: Policy, at: datetime, e: Event) -> None:
    """R4.3 (DESIGN.md decision 14)."""
    plan = e.plan
    assert plan is not None
    if plan.end <= at:
        raise invalid("event.plan.end", plan.end.isoformat(), "must be after the renewal instant")
    card.plan = plan
    if card.period is not None:
        fresh = period_at(plan, at, policy.timezone)
        if (fresh.start, fresh.end) != (card.period.start, card.period.end):
            # A fresh quota period: over_quota lifts (R2.3).
            card.period = fresh
            _lift(card, "over_quota")
        elif not card.period.exceeded(plan):
            _lift(card, "over_quota")  # back within the new quota (R2.4)
        elif card.auto_suspend:
            _put(card, "over_quota", at)  # beyond the new quota (R2.2)
    _lift(card, "expired")


def _rebind(card: Card, policy: Policy, at: datetime, e: Event) -> None:
    """R5.3."""
    card.imei = e.imei
    _lift(card, "device_mismatch")


def _operator_release(card: Card, policy: Policy, at: datetime, e: Event) -> None:
    """R7.3 (DESIGN.md decision 10)."""
    if e.hold != "restricted_region":
        raise invalid("event.hold", e.hold, "only restricted_region is lifted by the operator (R7.3)")
    if not _lift(card, "restricted_region"):
        raise RuleError("nothing_to_lift", "operator_release found no restricted_region hold")


def _maintenance(card: Card, policy: Policy, at: datetime, e: Event) -> None:
    """R8.1 (DESIGN.md decision 15)."""
    until = e.until
    assert until is not None
    if until <= at:
        raise invalid("event.until", until.isoformat(), "must be after the event instant")
    card.maintenance_until = until if card.maintenance_until is None else max(card.maintenance_until, until)
    _put(card, "maintenance", at)


def _report_lost(card: Card, policy: Policy, at: datetime, e: Event) -> None:
    _put(card, "lost", at)


def _cancel(card: Card, policy: Policy, at: datetime, e: Event) -> None:
    _end(card, "cancelled")


def _replace(card: Card, e: Event) -> Card:
    """R9.2 (DESIGN.md decision 11): returns the new card."""
    if e.iccid == card.iccid:
        raise invalid("event.iccid", e.iccid, "the new card must have a different ICCID")
    assert e.iccid is not None
    new = card.copy()
    new.iccid = e.iccid
    new.holds.pop("lost", None)
    new.replaced_by = None
    card.replaced_by = e.iccid
    _end(card, "replaced")
    return new


Handler = Callable[[Card, Policy, datetime, Event], None]
_HANDLERS: dict[str, Handler] = {
    "activate": _activate,
    "usage": _usage,
    "charge": _charge,
    "payment": _payment,
    "top_up": _top_up,
    "manual_suspend": _manual_suspend,
    "manual_resume": _manual_resume,
    "renew": _renew,
    "rebind": _rebind,
    "operator_release": _operator_release,
    "maintenance": _maintenance,
    "report_lost": _report_lost,
    "cancel": _cancel,
}


def _refuse_if_terminal(card: Card, kind: str) -> None:
    if card.terminal is not None:
        raise RuleError("terminal", f"the card is {card.terminal} and accepts no {kind}")


def apply(card: Card, policy: Policy, at: datetime, event: Event) -> Applied:
    """Applies ``event`` at ``at``: advances to ``at``, applies the event, then
    any change that fell due at ``at`` because of it (DESIGN.md decisions 1, 17)."""
    work = card.copy()
    done: list[Scheduled] = []
    _refuse_if_terminal(work, event.type)
    _advance_in_place(work, policy, at, done)
    _refuse_if_terminal(work, event.type)
    if event.type not in BEFORE_ACTIVATION and work.activated_at is None:
        raise RuleError("not_activated", f"`{event.type}` needs an activated card")
    replacement = None
    if event.type == "replace":
        replacement = _replace(work, event)
    else:
        _HANDLERS[event.type](work, policy, at, event)
    _run_due(work, policy, at, done)
    if replacement is not None:
        _run_due(replacement, policy, at, done)
    return Applied(work, replacement, done)


# --- assessment ------------------------------------------------------------------------

REMEDIES = {
    "manual": "manual_resume",
    "over_quota": "buy_data_package",
    "arrears": "pay_then_resume",
    "low_balance": "top_up",
    "expired": "renew",
    "device_mismatch": "rebind_device",
    "restricted_region": "contact_operator",
    "maintenance": "wait_maintenance_end",
    "lost": "replace_card",
}


def remedy(hold: str, policy: Policy) -> str:
    """R11."""
    if hold == "arrears" and policy.auto_resume_on_payment:
        return "pay"
    return REMEDIES[hold]


def call_restriction(holds: set[str] | dict[str, datetime]) -> list[str]:
    """R9.1 (DESIGN.md decision 12), most actionable first."""
    causes = [h for h in ("arrears", "low_balance", "lost") if h in holds]
    if any(
        h not in ("arrears", "low_balance", "lost")
        and ("voice_outgoing" in BARS[h] or "voice_incoming" in BARS[h])
        for h in holds
    ):
        causes.append("contact_operator")
    return causes


@dataclass(frozen=True)
class Refund:
    eligible_to_request: bool = False
    unused_months: int = 0
    estimate: int = 0


@dataclass(frozen=True)
class Assessment:
    """A card assessed at an instant (the expect fields of docs/json.md, and a few more)."""

    at: datetime
    timezone: timezone
    status: str
    holds: dict[str, datetime]  # hold → since, in declaration order
    barred: tuple[str, ...]
    balance: int
    usage_bytes: int
    allowance_bytes: int
    overage_bytes: int
    overage_charge: int
    keep_number_fees: int
    retention_ends: datetime | None
    maintenance_until: datetime | None
    next: Scheduled | None
    can: dict[str, bool]
    manual_suspend_unmet: tuple[str, ...]
    remedies: dict[str, str]
    call_restriction: tuple[str, ...]
    refund: Refund

    def to_dict(self) -> dict[str, Any]:
        """The JSON shapes of docs/json.md; instants in the policy's time zone."""
        tz = self.timezone

        def inst(t: datetime | None) -> str | None:
            return None if t is None else format_instant(t, tz)

        return {
            "at": inst(self.at),
            "status": self.status,
            "holds": list(self.holds),
            "barred": list(self.barred),
            "balance": self.balance,
            "usage_bytes": self.usage_bytes,
            "allowance_bytes": self.allowance_bytes,
            "overage_bytes": self.overage_bytes,
            "overage_charge": self.overage_charge,
            "keep_number_fees": self.keep_number_fees,
            "retention_ends": inst(self.retention_ends),
            "maintenance_until": inst(self.maintenance_until),
            "next": None if self.next is None else {"at": inst(self.next.at), "change": self.next.change},
            "can": dict(self.can),
            "manual_suspend_unmet": list(self.manual_suspend_unmet),
            "remedies": dict(self.remedies),
            "call_restriction": list(self.call_restriction),
            "refund": {
                "eligible_to_request": self.refund.eligible_to_request,
                "unused_months": self.refund.unused_months,
                "estimate": self.refund.estimate,
            },
        }


def _refund(card: Card, policy: Policy, at: datetime) -> Refund:
    """R10.2 (DESIGN.md decision 13)."""
    since = card.last_traffic or card.activated_at
    if since is None or card.terminal is not None or card.activated_at is None:
        return Refund()
    tz = policy.timezone
    unused = whole_months(since, at, tz)
    left = whole_months(at, card.plan.end, tz)
    estimate = left * card.plan.monthly_fee
    if estimate > I64_MAX:
        raise invalid("plan.monthly_fee", card.plan.monthly_fee, f"× {left} months overflows i64")
    return Refund(unused >= policy.refund_unused_months, unused, estimate)


def assess(card: Card, policy: Policy, at: datetime) -> Assessment:
    """Everything a billing system asks about the card at ``at``. Changes due by
    ``at`` are taken into account; the card itself is not changed."""
    if card.clock is not None and at < card.clock:
        raise RuleError("out_of_order", f"{at.isoformat()} is earlier than the card's last instant {card.clock.isoformat()}")
    due = next_due(card, policy)
    if due is not None and due.at <= at:
        card = card.copy()
        _run_due(card, policy, at, [])
    live = card.terminal is None
    activated = live and card.activated_at is not None
    q = _period_seen_at(card, at)
    allowance = q.allowance(card.plan)
    overage = max(0, q.usage_bytes - allowance)
    started_mib = -(-overage // MIB)
    overage_charge = started_mib * policy.overage_rate_per_mb
    if overage_charge > I64_MAX:
        raise invalid("policy.overage_rate_per_mb", policy.overage_rate_per_mb, "overage charge overflows i64")
    unmet = manual_suspend_unmet(card, at) if activated else ()
    holds = {h: card.holds[h] for h in HOLDS if h in card.holds}
    barred = tuple(s for s in SERVICES if any(s in BARS[h] for h in holds)) if live else SERVICES
    can = {
        "activate": live and card.activated_at is None,
        "manual_suspend": activated and not unmet,
        "manual_resume": activated and _resumable(card),
        "renew": live,
        "rebind": activated,
        "operator_release": activated and "restricted_region" in holds,
        "report_lost": activated and "lost" not in holds,
        "replace": activated,
        "cancel": live,
    }
    return Assessment(
        at=at,
        timezone=policy.timezone,
        status=card.status,
        holds=holds,
        barred=barred,
        balance=card.balance,
        usage_bytes=q.usage_bytes,
        allowance_bytes=min(allowance, U64_MAX),
        overage_bytes=overage,
        overage_charge=overage_charge,
        keep_number_fees=card.retention.fees_amount if card.retention is not None else 0,
        retention_ends=retention_ends(card, policy),
        maintenance_until=card.maintenance_until,
        next=next_due(card, policy) if live else None,
        can=can,
        manual_suspend_unmet=unmet,
        remedies={h: remedy(h, policy) for h in holds},
        call_restriction=tuple(call_restriction(holds)),
        refund=_refund(card, policy, at),
    )
