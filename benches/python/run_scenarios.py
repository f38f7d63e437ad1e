"""Plays every scenario file (``tests/scenarios/*.json``, docs/scenarios.md) through the
pure-Python peer ``iotcard_peer`` and reports every failing step with the
scenario name, the step index, the field, the expected and the actual value.

    python benches/python/run_scenarios.py [FILE_OR_DIR ...]

Ends with ``N passed, N failed``; exits 1 when any scenario failed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from iotcard_peer.late import Story, parse_id  # noqa: E402
from iotcard_peer import (  # noqa: E402
    Card,
    Event,
    NewCard,
    Policy,
    RuleError,
    advance,
    apply,
    assess,
    parse_instant,
)
from iotcard_peer.errors import ERROR_CODES  # noqa: E402

REPO = HERE.parents[1]
EXPECT_FIELDS = (
    "status",
    "holds",
    "barred",
    "balance",
    "usage_bytes",
    "overage_bytes",
    "overage_charge",
    "keep_number_fees",
    "retention_ends",
    "next",
    "can",
    "remedies",
    "call_restriction",
    "refund",
)

Fail = Callable[[int, str, Any, Any], None]


def _js(v: Any) -> str:
    return json.dumps(v, sort_keys=True)


def _same_instant(want: Any, got: Any) -> bool:
    if want is None or got is None:
        return want is None and got is None
    try:
        return parse_instant("expect", want) == parse_instant("actual", got)
    except RuleError:
        return False


def _same_set(want: Any, got: Any) -> bool:
    return isinstance(want, list) and isinstance(got, list) and len(want) == len(got) and set(want) == set(got)


def compare(step: int, expect: Mapping[str, Any], actual: Mapping[str, Any], fail: Fail) -> None:
    """Compares the expected fields with the assessment's JSON (docs/scenarios.md)."""
    for field, want in expect.items():
        got = actual.get(field)
        if field in ("can", "remedies", "refund"):
            if not isinstance(want, Mapping):
                fail(step, field, want, "(expect must be an object)")
                continue
            for k, w in want.items():
                g = got.get(k) if isinstance(got, Mapping) else None
                if _js(w) != _js(g):
                    fail(step, f"{field}.{k}", w, g)
        elif field in ("holds", "barred"):
            if not _same_set(want, got):
                fail(step, field, want, got)
        elif field == "retention_ends":
            if not _same_instant(want, got):
                fail(step, field, want, got)
        elif field == "next":
            if want is None or got is None:
                ok = want is None and got is None
            else:
                ok = (
                    isinstance(want, Mapping)
                    and set(want) <= {"at", "change"}
                    and ("at" not in want or _same_instant(want["at"], got["at"]))
                    and want.get("change", got["change"]) == got["change"]
                )
            if not ok:
                fail(step, field, want, got)
        elif _js(want) != _js(got):
            fail(step, field, want, got)


def _check_shape(doc: Any) -> None:
    """The scenario file's own structure; a malformed file is an error."""
    if not isinstance(doc, Mapping):
        raise ValueError("a scenario is a JSON object")
    unknown = set(doc) - {"name", "rules", "policy", "card", "steps"}
    if unknown:
        raise ValueError(f"unknown scenario fields: {sorted(unknown)}")
    for i, st in enumerate(doc["steps"]):
        unknown = set(st) - {"at", "event", "expect_error", "expect"}
        if unknown:
            raise ValueError(f"steps[{i}]: unknown fields {sorted(unknown)}")
        if ("event" in st) == ("expect" in st):
            raise ValueError(f"steps[{i}]: needs exactly one of `event` and `expect`")
        if "expect_error" in st and ("event" not in st or st["expect_error"] not in ERROR_CODES):
            raise ValueError(f"steps[{i}]: bad expect_error")
        if "expect" in st and set(st["expect"]) - set(EXPECT_FIELDS):
            raise ValueError(f"steps[{i}]: unknown expect fields {sorted(set(st['expect']) - set(EXPECT_FIELDS))}")


def play(doc: Mapping[str, Any]) -> list[str]:
    """Plays one scenario; returns the failures, one line each."""
    name = doc.get("name", "?")
    failures: list[str] = []

    def fail(step: int, field: str, expected: Any, actual: Any) -> None:
        failures.append(f"{name}: step {step}: {field}: expected {_js(expected)}, actual {_js(actual)}")

    try:
        _check_shape(doc)
        policy = Policy.from_json_dict(doc.get("policy", {}))
        card = Card.open(NewCard.from_json_dict(doc["card"]))
        steps = doc["steps"]
        instants = [parse_instant(f"steps[{i}].at", st["at"]) for i, st in enumerate(steps)]
    except (RuleError, ValueError, KeyError, TypeError) as e:
        return [f"{name}: malformed scenario: {e}"]

    story = Story.of(card)
    for i, (st, at) in enumerate(zip(steps, instants)):
        if "event" in st:
            want_error = st.get("expect_error")
            before = card.copy()
            try:
                ev = dict(st["event"]) if isinstance(st["event"], Mapping) else st["event"]
                event_id = parse_id(ev.pop("id")) if isinstance(ev, dict) and "id" in ev else None
                story.card = card
                duplicate = story.apply(policy, at, Event.from_json_dict(ev), event_id)
            except RuleError as e:
                if want_error is None:
                    fail(i, "error", "success", f"{e.code}: {e}")
                elif e.code != want_error:
                    fail(i, "error", want_error, f"{e.code}: {e}")
                if card != before:
                    fail(i, "card", "unchanged", "changed by a refused event")
                continue
            if want_error is not None:
                fail(i, "error", want_error, "success")
            if duplicate and story.card != before:
                fail(i, "card", "unchanged by a duplicate", "changed")
            card = story.card
        else:
            try:
                card = advance(card, policy, at).card
                story.card = card
                actual = assess(card, policy, at).to_dict()
            except RuleError as e:
                fail(i, "at", "an instant not before the previous step", str(e))
                continue
            compare(i, st["expect"], actual, fail)
    return failures


def scenario_files(args: list[str]) -> list[Path]:
    paths = [Path(a) for a in args] or [REPO / "tests" / "scenarios"]
    files: list[Path] = []
    for p in paths:
        files.extend(sorted(p.glob("*.json")) if p.is_dir() else [p])
    return files


def main(argv: list[str]) -> int:
    passed = failed = 0
    for path in scenario_files(argv):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            print(f"{path.name}: cannot read: {e}")
            failed += 1
            continue
        failures = play(doc)
        for line in failures:
            print(f"{path.name}: {line}")
        if failures:
            failed += 1
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
