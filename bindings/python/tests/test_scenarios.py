"""Plays every conformance scenario (``tests/scenarios/*.json``) through the Python
API: ``Policy``, ``Card``, ``Event`` and ``Assessment`` objects and their calls, so
the binding itself is what is tested (docs/json.md is the contract).

Each ``expect`` field is checked twice: on the ``Assessment`` object (enums, sets,
datetimes) and on ``Assessment.to_dict()`` (the JSON shapes of docs/json.md). Every
expect step is also checked against ``assess_many`` on the same card.
"""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import iotcard

REPO = Path(__file__).resolve().parents[3]
SCENARIOS = Path(os.environ.get("IOTCARD_SCENARIOS", REPO / "tests" / "scenarios"))
FILES = sorted(SCENARIOS.glob("*.json"))

ERROR_CLASSES: dict[str, type[iotcard.IotCardError]] = {
    "invalid_input": iotcard.InvalidInput,
    "out_of_order": iotcard.OutOfOrder,
    "terminal": iotcard.Terminal,
    "not_activated": iotcard.NotActivated,
    "already_activated": iotcard.AlreadyActivated,
    "manual_suspend_not_allowed": iotcard.ManualSuspendNotAllowed,
    "arrears_outstanding": iotcard.ArrearsOutstanding,
    "nothing_to_lift": iotcard.NothingToLift,
    "late_event_conflict": iotcard.LateEventConflict,
    "event_id_conflict": iotcard.EventIdConflict,
}


def instant(text: str) -> datetime:
    """An RFC 3339 instant with offset as an aware datetime."""
    t = datetime.fromisoformat(text)
    assert t.tzinfo is not None, f"scenario instant without offset: {text}"
    return t


def opt_instant(text: str | None) -> datetime | None:
    return None if text is None else instant(text)


# --- the expect fields, on the object and on to_dict() ------------------------------

Check = Callable[[iotcard.Assessment, dict[str, Any], Any], tuple[Any, Any] | None]


def _sets(attr: str) -> Check:
    def check(a: iotcard.Assessment, d: dict[str, Any], want: Any) -> tuple[Any, Any] | None:
        got_obj = getattr(a, attr)
        assert isinstance(got_obj, frozenset)
        if got_obj != frozenset(want) or set(d[attr]) != set(want) or len(d[attr]) != len(set(d[attr])):
            return sorted(got_obj), d[attr]
        return None

    return check


def _scalar(attr: str) -> Check:
    def check(a: iotcard.Assessment, d: dict[str, Any], want: Any) -> tuple[Any, Any] | None:
        got = getattr(a, attr)
        if got != want or d[attr] != want or type(got) is not type(want):
            return got, d[attr]
        return None

    return check


def _status(a: iotcard.Assessment, d: dict[str, Any], want: Any) -> tuple[Any, Any] | None:
    if not isinstance(a.status, iotcard.Status) or a.status != want or d["status"] != want:
        return a.status, d["status"]
    return None


def _retention_ends(a: iotcard.Assessment, d: dict[str, Any], want: Any) -> tuple[Any, Any] | None:
    w = opt_instant(want)
    if a.retention_ends != w or opt_instant(d["retention_ends"]) != w:
        return a.retention_ends, d["retention_ends"]
    return None


def _next(a: iotcard.Assessment, d: dict[str, Any], want: Any) -> tuple[Any, Any] | None:
    n, dn = a.next, d["next"]
    if want is None:
        return None if n is None and dn is None else (n, dn)
    if (
        n is None
        or dn is None
        or n.at != instant(want["at"])
        or n.change != want["change"]
        or not isinstance(n.change, iotcard.ChangeKind)
        or instant(dn["at"]) != instant(want["at"])
        or dn["change"] != want["change"]
    ):
        return n, dn
    return None


def _keys(get_obj: Callable[[iotcard.Assessment, str], Any], attr: str) -> Check:
    """Objects compared for the keys the scenario gives."""

    def check(a: iotcard.Assessment, d: dict[str, Any], want: Any) -> tuple[Any, Any] | None:
        assert isinstance(want, Mapping)
        for k, v in want.items():
            if get_obj(a, k) != v or d[attr].get(k) != v:
                return {k: get_obj(a, k) for k in want}, {k: d[attr].get(k) for k in want}
        return None

    return check


def _call_restriction(a: iotcard.Assessment, d: dict[str, Any], want: Any) -> tuple[Any, Any] | None:
    if list(a.call_restriction) != want or d["call_restriction"] != want:
        return list(a.call_restriction), d["call_restriction"]
    return None


CHECKS: dict[str, Check] = {
    "status": _status,
    "holds": _sets("holds"),
    "barred": _sets("barred"),
    "balance": _scalar("balance"),
    "usage_bytes": _scalar("usage_bytes"),
    "overage_bytes": _scalar("overage_bytes"),
    "overage_charge": _scalar("overage_charge"),
    "keep_number_fees": _scalar("keep_number_fees"),
    "retention_ends": _retention_ends,
    "next": _next,
    "can": _keys(lambda a, k: a.can[iotcard.Action(k)], "can"),
    "remedies": _keys(lambda a, k: a.remedies.get(iotcard.Hold(k)), "remedies"),
    "call_restriction": _call_restriction,
    "refund": _keys(lambda a, k: getattr(a.refund, k), "refund"),
}


# --- batch: the same card through assess_many -----------------------------------------


def _ms(t: datetime | None) -> int:
    return -(2**63) if t is None else int(t.timestamp() * 1000)


def check_batch(card: iotcard.Card, policy: iotcard.Policy, at: datetime, a: iotcard.Assessment) -> list[str]:
    r = iotcard.assess_many([card], policy=policy, at=at)
    out: list[str] = []
    statuses, kinds = list(iotcard.Status), list(iotcard.ChangeKind)
    nxt = a.next
    want: dict[str, object] = {
        "error": -1,
        "status": statuses.index(a.status),
        "balance": a.balance,
        "usage_bytes": a.usage_bytes,
        "overage_bytes": a.overage_bytes,
        "overage_charge": a.overage_charge,
        "keep_number_fees": a.keep_number_fees,
        "retention_ends": _ms(a.retention_ends),
        "next_at": _ms(None if nxt is None else nxt.at),
        "next_change": -1 if nxt is None else kinds.index(nxt.change),
        "refund_eligible": a.refund.eligible_to_request,
        "refund_unused_months": a.refund.unused_months,
        "refund_estimate": a.refund.estimate,
        "needs_action": a.needs_action,
    }
    # The bit-set columns, through their documented decoders.
    decoded: dict[str, tuple[Callable[[int], object], object]] = {
        "holds": (iotcard.Hold.from_bits, a.holds),
        "barred": (iotcard.Service.from_bits, a.barred),
        "can": (iotcard.Action.from_bits, frozenset(k for k, v in a.can.items() if v)),
        "call_restriction": (iotcard.CallCause.from_bits, a.call_restriction),
    }
    for name, column in r.columns().items():
        if name in decoded:
            decode, expected = decoded[name]
            if decode(column[0]) != expected:
                out.append(f"assess_many column {name}: {decode(column[0])!r} != {expected!r}")
        elif column[0] != want[name]:
            out.append(f"assess_many column {name}: {column[0]!r} != {want[name]!r}")
    if set(r.columns()) != set(want) | set(decoded):
        out.append(f"assess_many columns {sorted(r.columns())} != {sorted(set(want) | set(decoded))}")
    if r[0] != a:
        out.append(f"assess_many()[0] {r[0]!r} != {a!r}")
    return out


# --- the runner ------------------------------------------------------------------------


def round_trips(card: iotcard.Card) -> list[str]:
    out = []
    if iotcard.Card.from_json(card.to_json()) != card:
        out.append("Card.from_json(card.to_json()) != card")
    if pickle.loads(pickle.dumps(card)) != card:
        out.append("pickle round trip != card")
    return out


def play(path: Path) -> list[str]:
    """Plays one scenario; returns every failure, each naming the step and field."""
    scenario = json.loads(path.read_text(encoding="utf-8"))
    name = scenario["name"]
    policy = iotcard.Policy.from_dict(scenario.get("policy", {}))
    card = iotcard.Card.open(scenario["card"])
    failures: list[str] = []

    def fail(i: int, field: str, expected: object, actual: object) -> None:
        failures.append(f"{name} [{path.name}] step {i}: {field}: expected {expected!r}, got {actual!r}")

    for i, step in enumerate(scenario["steps"]):
        at = instant(step["at"])
        code = step.get("expect_error")
        if "event" in step:
            if code is not None:
                try:
                    card.apply(policy, at, step["event"])
                except iotcard.IotCardError as e:
                    if e.code != code or type(e) is not ERROR_CLASSES[code]:
                        fail(i, "expect_error", code, f"{type(e).__name__}({e.code}): {e}")
                else:
                    fail(i, "expect_error", code, "success")
                continue
            # The step's event as given (with its `id`, R12.5): a dict goes to
            # the core's parser whole.
            try:
                applied = card.apply(policy, at, step["event"])
            except iotcard.IotCardError as e:
                fail(i, "event", "success", f"{type(e).__name__}: {e}")
                return failures
            if applied.duplicate and applied.card != card:
                fail(i, "duplicate", "the card unchanged", applied.card)
            if applied.duplicate and (applied.changes or applied.withdrawn):
                fail(i, "duplicate", "no changes", (applied.changes, applied.withdrawn))
            card = applied.replacement if applied.replacement is not None else applied.card
            if step["event"].get("type") == "replace" and applied.replacement is None:
                fail(i, "replacement", "a new card", None)
            failures += [f"{name} step {i}: {m}" for m in round_trips(card)]
        if "expect" in step or ("event" not in step and code is not None):
            try:
                card = card.advance(policy, at).card
                a = card.assess(policy, at)
            except iotcard.IotCardError as e:
                if e.code != code:
                    fail(i, "assess", code or "success", f"{type(e).__name__}: {e}")
                continue
            if code is not None:
                fail(i, "expect_error", code, "success")
                continue
            d = a.to_dict()
            for field, want in step["expect"].items():
                check = CHECKS.get(field)
                if check is None:
                    fail(i, field, "a known expect field", "unknown field")
                    continue
                got = check(a, d, want)
                if got is not None:
                    fail(i, field, want, {"object": got[0], "to_dict": got[1]})
            failures += [f"{name} step {i}: {m}" for m in check_batch(card, policy, at, a)]
    return failures


def test_scenarios_exist() -> None:
    assert FILES, f"no scenario files in {SCENARIOS}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario(path: Path) -> None:
    failures = play(path)
    assert not failures, "\n".join(failures)
