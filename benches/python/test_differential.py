"""Differential test: random policies, cards and event sequences played through the
pure-Python peer (``iotcard_peer``) and the ``iotcard`` package (the Rust core
behind its binding). After every step both must agree on the outcome (success or
the same error code), on the scheduled changes passed on the way, and on the
assessment (every docs/scenarios.md expect field, plus allowance, maintenance end,
R1.1's unmet conditions and when each hold went on).

    pytest benches/python/test_differential.py
    IOTCARD_HYPOTHESIS_PROFILE=nightly pytest benches/python/test_differential.py

Time steps are drawn to land on the instants where the rules turn: exactly at the
next scheduled change (and a second either side), at local month starts of the
billing zone, and sometimes back in time (``out_of_order``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

import iotcard

sys.path.insert(0, str(Path(__file__).resolve().parent))

import iotcard_peer as peer  # noqa: E402
from iotcard_peer.model import luhn_check_digit  # noqa: E402
from iotcard_peer.timecalc import add_months, parse_timezone  # noqa: E402

# Failing examples are kept under the workspace's target/ (not in the source tree).
_DATABASE = DirectoryBasedExampleDatabase(
    os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    or str(Path(__file__).resolve().parents[2] / "target" / "py-hypothesis-benches")
)
settings.register_profile(
    "default",
    max_examples=400,
    deadline=None,
    database=_DATABASE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "nightly",
    max_examples=10_000,
    deadline=None,
    database=_DATABASE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("IOTCARD_HYPOTHESIS_PROFILE", "default"))

UTC = timezone.utc
MIB = 2**20
I64_MAX = 2**63 - 1
T0 = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(hours=8)  # 2026-01-01T00:00:00+08:00


def luhn(body: str) -> str:
    """``body`` with its Luhn check digit appended."""
    return body + luhn_check_digit(body)


ICCIDS = [luhn("8986001234567890123"), luhn("8986000000000000001"), luhn("898600000000000000")]
IMEIS = ["490154203237518", luhn("35000000000001"), luhn("35123456789012")]
REGIONS = ["44", "11", "65", "35", "45", "54", "31"]
HOLDS = list(peer.HOLDS)
TIMEZONES = ["+08:00", "Z", "-05:30", "+05:45", "-11:00", "+13:00"]
PERIODS = ["month", "quarter", "year"]

T = TypeVar("T")


def rfc3339(t: datetime) -> str:
    return t.isoformat()


# --- strategies ---------------------------------------------------------------------


def policies() -> st.SearchStrategy[dict[str, Any]]:
    """Overrides of the default policy (docs/json.md "Policy")."""
    return st.fixed_dictionaries(
        {},
        optional={
            "timezone": st.sampled_from(TIMEZONES),
            "retention_months": st.integers(0, 4),
            "keep_number_fee": st.sampled_from([0, 1, 500, 1234, I64_MAX // 2 + 1]),
            "credit_limit": st.sampled_from([0, 0, 100, 1000]),
            "low_balance": st.sampled_from([0, 0, 300, 1000]),
            "auto_resume_on_payment": st.booleans(),
            "overage_rate_per_mb": st.sampled_from([0, 1, 10, 37, I64_MAX // 3]),
            "device_binding": st.booleans(),
            "restricted_regions": st.lists(st.sampled_from(REGIONS), max_size=3),
            "dormancy_months": st.one_of(st.none(), st.integers(1, 4)),
            "refund_unused_months": st.integers(0, 4),
        },
    )


def instant_near(base: datetime, max_days: int) -> st.SearchStrategy[datetime]:
    """``base`` plus/minus whole days, often plus a few seconds."""
    return st.builds(
        lambda d, s: base + timedelta(days=d, seconds=s),
        st.integers(-max_days, max_days),
        st.sampled_from([0, 0, 0, 1, 3599, 43_200, 86_399]),
    )


@st.composite
def plans(draw: st.DrawFn, around: datetime, zone: timezone) -> dict[str, Any]:
    """A plan dict; its start often on a local month start (plans usually are)."""
    start = draw(instant_near(around, 60))
    if draw(st.booleans()):
        local = start.astimezone(zone)
        start = local.replace(day=1, hour=0, minute=0, second=0).astimezone(UTC)
    if draw(st.booleans()):
        end = add_months(start, draw(st.integers(1, 14)), zone)
        assert end is not None
    else:
        end = start + timedelta(days=draw(st.integers(1, 420)), seconds=draw(st.sampled_from([0, 1, 7200])))
    quota = draw(st.sampled_from([0, MIB, 3 * MIB, 10 * MIB + 5]))
    return {
        "start": rfc3339(start.astimezone(zone)),
        "end": rfc3339(end.astimezone(zone)),
        "period": draw(st.sampled_from(PERIODS)),
        "quota_bytes": quota,
        "monthly_fee": draw(st.sampled_from([0, 500, 1000, 2999, I64_MAX // 5])),
    }


def event_strategy(kind: str, at: datetime, zone: timezone, quota: int) -> st.SearchStrategy[dict[str, Any]]:
    """An event of ``kind`` at ``at`` (mostly valid, sometimes not)."""
    imeis = st.sampled_from(IMEIS)
    if kind == "activate":
        return st.fixed_dictionaries({"type": st.just(kind)}, optional={"imei": st.one_of(st.none(), imeis)})
    if kind == "usage":
        sizes = st.one_of(
            st.sampled_from([0, 1, MIB, quota, quota + 1, 2 * quota + MIB]),
            st.integers(0, 3 * quota + 3 * MIB),
            st.just(2**64 - 1),
        )
        return st.fixed_dictionaries(
            {"type": st.just(kind), "bytes": sizes},
            optional={"imei": imeis, "region": st.sampled_from(REGIONS)},
        )
    if kind in ("charge", "payment"):
        amounts = st.one_of(st.integers(1, 3000), st.sampled_from([0, -5, 300, 1000, I64_MAX]))
        return st.fixed_dictionaries({"type": st.just(kind), "amount": amounts})
    if kind == "top_up":
        return st.fixed_dictionaries(
            {"type": st.just(kind), "bytes": st.one_of(st.integers(0, 2 * quota + 2 * MIB), st.just(2**64 - 1))}
        )
    if kind == "renew":
        return st.fixed_dictionaries({"type": st.just(kind), "plan": plans(at, zone)})
    if kind == "rebind":
        return st.fixed_dictionaries({"type": st.just(kind), "imei": st.one_of(imeis, st.just("12345"))})
    if kind == "operator_release":
        holds = st.one_of(st.just("restricted_region"), st.sampled_from(HOLDS))
        return st.fixed_dictionaries({"type": st.just(kind), "hold": holds})
    if kind == "maintenance":
        untils = st.builds(
            lambda s: rfc3339((at + timedelta(seconds=s)).astimezone(zone)),
            st.one_of(st.integers(-3600, 10 * 86_400), st.sampled_from([0, 1])),
        )
        return st.fixed_dictionaries({"type": st.just(kind), "until": untils})
    if kind == "replace":
        return st.fixed_dictionaries({"type": st.just(kind), "iccid": st.sampled_from(ICCIDS)})
    if kind == "malformed":
        return st.sampled_from(
            [
                {"type": "charge", "amount": 5, "currency": "CNY"},
                {"type": "refund"},
                {"type": "usage", "bytes": 1, "region": "99"},
                {"type": "cancel", "why": None},
                {"amount": 5},
            ]
        )
    return st.just({"type": kind})


EVENT_KINDS = (
    ["usage"] * 6
    + ["charge"] * 4
    + ["payment"] * 4
    + ["top_up"] * 2
    + ["manual_suspend"] * 2
    + ["manual_resume"] * 2
    + ["renew"] * 2
    + ["activate", "rebind", "operator_release", "maintenance", "report_lost", "replace", "cancel", "malformed"]
)


# --- running both -------------------------------------------------------------------


def outcome(f: Callable[[], T]) -> tuple[T | None, str | None, Exception | None]:
    """(result, error code, error) of a call that may raise a rule error."""
    try:
        return f(), None, None
    except iotcard.IotCardError as e:
        return None, e.code, e
    except peer.RuleError as e:
        return None, e.code, e


def _instant(text: str | None) -> datetime | None:
    return None if text is None else peer.parse_instant("x", text)


def normalized(d: dict[str, Any]) -> dict[str, Any]:
    """An assessment dict with sets as sets and instants as instants."""
    n = d["next"]
    return {
        "status": d["status"],
        "holds": set(d["holds"]),
        "barred": set(d["barred"]),
        "balance": d["balance"],
        "usage_bytes": d["usage_bytes"],
        "allowance_bytes": d["allowance_bytes"],
        "overage_bytes": d["overage_bytes"],
        "overage_charge": d["overage_charge"],
        "keep_number_fees": d["keep_number_fees"],
        "retention_ends": _instant(d["retention_ends"]),
        "maintenance_until": _instant(d["maintenance_until"]),
        "next": None if n is None else (_instant(n["at"]), n["change"]),
        "can": dict(d["can"]),
        "remedies": dict(d["remedies"]),
        "call_restriction": list(d["call_restriction"]),
        "refund": dict(d["refund"]),
        "manual_suspend_unmet": set(d["manual_suspend_unmet"]),
    }


def scheduled_of(changes: tuple[iotcard.Change, ...]) -> list[tuple[datetime, str]]:
    """The scheduled changes in a core audit trail, one entry per change."""
    out: list[tuple[datetime, str]] = []
    for c in changes:
        if c.scheduled is not None and (not out or out[-1] != (c.at, str(c.scheduled))):
            out.append((c.at, str(c.scheduled)))
    return out


class Pair:
    """The same card in the core and in the peer, and the log of what was done."""

    def __init__(self, policy: dict[str, Any], card: dict[str, Any], other: dict[str, Any]) -> None:
        self.policy_json = policy
        self.card_json = card
        self.core_policy = iotcard.Policy.from_dict(policy)
        self.peer_policy = peer.Policy.from_json_dict(policy)
        # A second policy to assess the same card under (the core caches the
        # schedule under the policy a card was last changed with).
        self.other_json = other
        self.core_other = iotcard.Policy.from_dict(other)
        self.peer_other = peer.Policy.from_json_dict(other)
        self.core = iotcard.Card.open(card)
        self.peer = peer.Card.open(peer.NewCard.from_json_dict(card))
        self.log: list[dict[str, Any]] = []

    def repro(self) -> str:
        """The story so far, as a scenario file (docs/scenarios.md) to replay."""
        return json.dumps(
            {"name": "differential", "policy": self.policy_json, "card": self.card_json, "steps": self.log},
            indent=1,
        )

    def check(self, what: str, core: Any, mine: Any) -> None:
        assert core == mine, f"{what}: core {core!r} != peer {mine!r}\n{self.repro()}"

    def compare_assessments(
        self, at: datetime, core_card: iotcard.Card, peer_card: peer.Card, other: bool = False
    ) -> None:
        cp, pp = (self.core_other, self.peer_other) if other else (self.core_policy, self.peer_policy)
        a, code_a, err_a = outcome(lambda: core_card.assess(cp, at))
        b, code_b, err_b = outcome(lambda: peer.assess(peer_card, pp, at))
        at_text = f"{at.isoformat()}{' under the other policy ' + json.dumps(self.other_json) if other else ''}"
        self.check(f"assess at {at_text}: error code ({err_a} / {err_b})", code_a, code_b)
        if a is None or b is None:
            return
        ca, cb = normalized(a.to_dict()), normalized(b.to_dict())
        for k in ca:
            self.check(f"assess at {at_text}: {k}", ca[k], cb[k])
        self.check(
            f"assess at {at_text}: hold since",
            {str(h): a.hold_since(h) for h in a.holds},
            dict(b.holds),
        )

    def event(self, at: datetime, ev: dict[str, Any]) -> None:
        self.log.append({"at": rfc3339(at), "event": ev})
        core_card, peer_card = self.core, self.peer

        def core_apply() -> iotcard.Applied:
            return core_card.apply(self.core_policy, at, iotcard.Event.from_dict(ev))

        def peer_apply() -> peer.Applied:
            return peer.apply(peer_card, self.peer_policy, at, peer.Event.from_json_dict(ev))

        ra, code_a, err_a = outcome(core_apply)
        rb, code_b, err_b = outcome(peer_apply)
        self.check(f"event {ev} at {at.isoformat()}: error code ({err_a} / {err_b})", code_a, code_b)
        event(f"{ev.get('type')}: {code_a or 'ok'}")
        if isinstance(err_a, iotcard.ManualSuspendNotAllowed) and isinstance(err_b, peer.RuleError):
            self.check("unmet conditions", {str(c) for c in err_a.unmet}, set(err_b.unmet))
            event(f"unmet {sorted(str(c) for c in err_a.unmet)}")
        if ra is None or rb is None:
            self.log[-1]["expect_error"] = code_a
            return
        self.check(
            f"event {ev}: scheduled changes",
            scheduled_of(ra.changes),
            [(s.at, s.change) for s in rb.changes],
        )
        for _, kind in scheduled_of(ra.changes):
            event(f"scheduled {kind}")
        if ra.replacement is not None and rb.replacement is not None:
            self.compare_assessments(at, ra.card, rb.card)  # the old, replaced card
            self.core, self.peer = ra.replacement, rb.replacement
        else:
            self.check("replacement", ra.replacement is None, rb.replacement is None)
            self.core, self.peer = ra.card, rb.card

    def advance(self, at: datetime) -> None:
        self.log.append({"at": rfc3339(at), "expect": {}})
        ra, code_a, err_a = outcome(lambda: self.core.advance(self.core_policy, at))
        rb, code_b, err_b = outcome(lambda: peer.advance(self.peer, self.peer_policy, at))
        self.check(f"advance to {at.isoformat()}: error code ({err_a} / {err_b})", code_a, code_b)
        if ra is not None and rb is not None:
            self.check("advance: scheduled changes", scheduled_of(ra.changes), [(s.at, s.change) for s in rb.changes])
            for _, kind in scheduled_of(ra.changes):
                event(f"scheduled {kind}")
            self.core, self.peer = ra.card, rb.card

    def after_step(self, at: datetime) -> None:
        self.check("clock", self.core.clock, self.peer.clock)
        event(f"status {self.core.status}")
        for h in self.core.holds:
            event(f"hold {h}")
        self.compare_assessments(at, self.core, self.peer)
        self.compare_assessments(at, self.core, self.peer, other=True)
        clock = self.core.clock
        if clock is not None and clock != at:
            self.compare_assessments(clock, self.core, self.peer)


def next_instant(data: st.DataObject, pair: Pair, now: datetime, zone: timezone) -> datetime:
    """Where the next step happens."""
    how = data.draw(
        st.sampled_from(["same", "seconds", "seconds", "days", "days", "days", "months", "next", "next", "month_start", "back"]),
        label="when",
    )
    if how == "same":
        return now
    if how == "seconds":
        return now + timedelta(seconds=data.draw(st.integers(1, 7200)))
    if how == "days":
        return now + timedelta(days=data.draw(st.integers(1, 45)), seconds=data.draw(st.integers(0, 86_399)))
    if how == "months":
        return now + timedelta(days=data.draw(st.integers(46, 200)))
    if how == "back":
        return now - timedelta(seconds=data.draw(st.sampled_from([1, 60, 86_400, 40 * 86_400])))
    if how == "month_start":
        local = now.astimezone(zone)
        year, month = divmod(local.year * 12 + local.month, 12)
        return datetime(year, month + 1, 1, tzinfo=zone).astimezone(UTC)
    # "next": exactly at the next scheduled change, or a second either side.
    clock = pair.core.clock or now
    a, _, _ = outcome(lambda: pair.core.assess(pair.core_policy, max(clock, now)))
    if a is None or a.next is None:
        return now + timedelta(days=data.draw(st.integers(1, 45)))
    return a.next.at + timedelta(seconds=data.draw(st.sampled_from([0, 0, 0, -1, 1])))


@given(data=st.data(), policy=policies(), other=policies(), balance=st.one_of(st.integers(-2000, 8000), st.sampled_from([0, I64_MAX])))
def test_peer_and_core_agree(
    data: st.DataObject, policy: dict[str, Any], other: dict[str, Any], balance: int
) -> None:
    zone = parse_timezone(policy.get("timezone", "+08:00"))
    plan = data.draw(plans(T0, zone), label="plan")
    card = {
        "iccid": ICCIDS[0],
        "msisdn": "1440012345678",
        "auto_suspend": data.draw(st.booleans(), label="auto_suspend"),
        "balance": balance,
        "plan": plan,
    }
    pair = Pair(policy, card, other)
    quota: int = plan["quota_bytes"]
    now = peer.parse_instant("start", plan["start"]) + timedelta(days=data.draw(st.integers(-20, 20)))
    steps = data.draw(st.integers(1, 30), label="steps")
    for _ in range(steps):
        if pair.core.status in ("cancelled", "replaced") and data.draw(st.integers(0, 3)) > 0:
            break  # a few refusals of a terminal card are enough
        at = next_instant(data, pair, now, zone)
        action = data.draw(st.sampled_from(["event"] * 8 + ["advance", "assess"]), label="action")
        if pair.core.activated_at is None and pair.core.status == "inventory" and data.draw(st.booleans()):
            action, ev = "event", {"type": "activate", "imei": IMEIS[0]}
        elif action == "event":
            renewing = "expired" in pair.core.holds and data.draw(st.integers(0, 2)) == 0
            kind = "renew" if renewing else data.draw(st.sampled_from(EVENT_KINDS), label="kind")
            ev = data.draw(event_strategy(kind, at, zone, quota), label="event")
        if action == "event":
            pair.event(at, ev)
        elif action == "advance":
            pair.advance(at)
        else:
            pair.log.append({"at": rfc3339(at), "expect": {}})
        pair.after_step(at)
        now = max(now, at)
    note(pair.repro())
