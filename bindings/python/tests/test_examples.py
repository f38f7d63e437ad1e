"""The billing example runs on its sample data, writes the cards needing action, and
agrees with the `iotcard assess` command on every fleet file: the same cards, the
same assessments, the same events refused (a refused event is skipped, its card
kept), the same lines skipped."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parents[1]
EXAMPLES = HERE / "examples"
ROOT = HERE.parents[1]


def billing(fleet: Path, at: str, policy: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / "billing.py"), str(fleet), "--at", at, "--policy", str(policy), "-o", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )


def test_billing_example_writes_the_cards_that_need_action(tmp_path: Path) -> None:
    out = tmp_path / "action.jsonl"
    run = billing(EXAMPLES / "cards.jsonl", "2026-02-28T12:00:00+08:00", EXAMPLES / "policy.json", out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    by_iccid = {r["iccid"]: r for r in rows}
    assert len(rows) == 4
    assert by_iccid["89860012345678900032"]["overage_charge"] == 100
    assert by_iccid["89860012345678900040"]["remedies"] == {"lost": "replace_card"}
    assert by_iccid["89860012345678900073"]["refund"]["eligible_to_request"] is True
    # A replaced card needs nothing (a daily run would flag it forever).
    assert "89860012345678900057" not in by_iccid
    # Line 2's manual_suspend is refused (arrears): reported and skipped, the card
    # kept and assessed with its other events, as `iotcard assess` does.
    assert by_iccid["89860012345678900024"]["holds"] == ["arrears"]
    assert re.search(r"^line 2: events\[2\] \(manual_suspend at .*\+08:00\): manual_suspend_not_allowed: ",
                     run.stderr, re.M), run.stderr
    assert "8 cards assessed, 4 need action" in run.stderr


def test_billing_example_refuses_an_instant_without_offset() -> None:
    run = subprocess.run(
        [sys.executable, str(EXAMPLES / "billing.py"), str(EXAMPLES / "cards.jsonl"), "--at", "2026-02-28T12:00:00"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "offset" in run.stderr


def _cli() -> Path:
    """The `iotcard` command (run-tests.sh builds it and names it in IOTCARD_CLI)."""
    path = Path(os.environ.get("IOTCARD_CLI", ROOT / "target" / "debug" / "iotcard"))
    assert path.is_file(), f"no iotcard command at {path}: run bindings/python/run-tests.sh (it builds it)"
    return path


FLEETS = [
    (EXAMPLES / "cards.jsonl", "2026-02-28T12:00:00+08:00", EXAMPLES / "policy.json"),
    (ROOT / "examples" / "fleet.jsonl", "2026-11-25T12:00:00+08:00", ROOT / "examples" / "policy.json"),
    (ROOT / "examples" / "fleet.jsonl", "2024-09-01T00:00:00Z", ROOT / "examples" / "policy.json"),
]


@pytest.mark.parametrize(("fleet", "at", "policy"), FLEETS, ids=lambda v: v.name if isinstance(v, Path) else v)
def test_billing_example_agrees_with_iotcard_assess(tmp_path: Path, fleet: Path, at: str, policy: Path) -> None:
    out = tmp_path / "action.jsonl"
    run = billing(fleet, at, policy, out)
    mine = [json.loads(line) for line in out.read_text().splitlines()]
    cli = subprocess.run(
        [str(_cli()), "assess", str(fleet), "--at", at, "--policy", str(policy), "--format", "jsonl"],
        capture_output=True,
        text=True,
    )
    assert cli.returncode in (0, 1), cli.stderr
    theirs: dict[tuple[int, str], dict[str, Any]] = {
        (r["line"], r["iccid"]): r for r in map(json.loads, cli.stdout.splitlines())
    }
    summary = re.search(r"^(\d+) cards assessed, (\d+) need action, \d+ terminal \(cancelled or replaced\), "
                        r"(\d+) events refused, (\d+) lines skipped", cli.stderr, re.M)
    assert summary is not None, cli.stderr
    cards, need_action, refused, skipped = map(int, summary.groups())
    # The same cards assessed and needing action ...
    assert f"{cards} cards assessed, {need_action} need action" in run.stderr
    assert len(mine) == need_action
    # ... with the same assessment, field by field ...
    for row in mine:
        other = theirs[(row["line"], row["iccid"])]
        for key, value in row.items():
            assert other[key] == value, (row["line"], row["iccid"], key)
    # ... the same events refused, and the same lines skipped.
    def reported(stderr: str) -> list[str]:
        return sorted(re.findall(r"^line \d+: .*$", stderr, re.M))

    assert reported(run.stderr) == reported(cli.stderr)
    assert len([r for r in reported(run.stderr) if re.match(r"line \d+: events\[", r)]) == refused
    assert len([r for r in reported(run.stderr) if not re.match(r"line \d+: events\[", r)]) == skipped
