"""The billing example runs on its sample data and writes the cards needing action."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_billing_example_writes_the_cards_that_need_action(tmp_path: Path) -> None:
    out = tmp_path / "action.jsonl"
    run = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "billing.py"),
            str(EXAMPLES / "cards.jsonl"),
            "--at",
            "2026-02-28T12:00:00+08:00",
            "--policy",
            str(EXAMPLES / "policy.json"),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    by_iccid = {r["iccid"]: r for r in rows}
    assert len(rows) == 4
    assert by_iccid["89860012345678900024"]["holds"] == ["arrears"]
    assert by_iccid["89860012345678900032"]["overage_charge"] == 100
    assert by_iccid["89860012345678900040"]["remedies"] == {"lost": "replace_card"}
    assert by_iccid["89860012345678900073"]["refund"]["eligible_to_request"] is True
    assert "refused (manual_suspend_not_allowed)" in run.stderr
    assert "7 cards assessed, 4 need action" in run.stderr


def test_billing_example_refuses_an_instant_without_offset() -> None:
    run = subprocess.run(
        [sys.executable, str(EXAMPLES / "billing.py"), str(EXAMPLES / "cards.jsonl"), "--at", "2026-02-28T12:00:00"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "offset" in run.stderr
