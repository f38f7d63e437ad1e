"""Shared by the zen check and the Python benchmark: the generated fleet (the
command's seeded generator), replayed through ``iotcard`` and through the peer,
and the zen-engine decision for the suspension part of the rules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import iotcard

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import iotcard_peer as peer  # noqa: E402

ROOT = HERE.parents[1]
POLICY_FILE = ROOT / "examples" / "policy.json"
ZEN_MODEL = HERE / "zen" / "suspension.json"
# The instant the generated stories lead up to (`iotcard generate --at` default).
FLEET_AT = "2026-11-25T12:00:00+08:00"


def generate_fleet(cards: int, seed: int = 1, policy: Path = POLICY_FILE, at: str = FLEET_AT) -> list[dict[str, Any]]:
    """``iotcard generate`` output, one dict per card. Uses ``$IOTCARD_CLI``, else
    ``target/debug/iotcard``, else ``cargo run -p iotcard-cli``."""
    args = ["generate", "--cards", str(cards), "--seed", str(seed), "--policy", str(policy), "--at", at]
    cli = os.environ.get("IOTCARD_CLI") or str(ROOT / "target" / "debug" / "iotcard")
    if Path(cli).is_file():
        cmd = [cli, *args]
    else:
        cmd = ["cargo", "run", "--quiet", "--locked", "-p", "iotcard-cli", "--", *args]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def instant(text: str) -> datetime:
    return peer.parse_instant("at", text)


def replay_core(entry: dict[str, Any], policy: iotcard.Policy, at: datetime) -> iotcard.Card:
    """The entry's events at or before ``at`` through ``iotcard`` (the core's own
    replay of a fleet line, as ``iotcard assess`` does it), then advanced to ``at``."""
    return iotcard.FleetEntry.from_dict(entry).replay(policy, at).card


def replay_peer(entry: dict[str, Any], policy: peer.Policy, at: datetime) -> peer.Card:
    """The same through the pure-Python peer."""
    card = peer.Card.open(peer.NewCard.from_json_dict(entry["card"]))
    for timed in entry["events"]:
        t = instant(timed["at"])
        if t > at:
            continue
        applied = peer.apply(card, policy, t, peer.Event.from_json_dict(timed["event"]))
        card = applied.replacement or applied.card
    return peer.advance(card, policy, at).card


# --- zen-engine: the suspension part (holds → status, barred, remedies, R1.1 guard) ---


def load_zen_decision() -> Any:
    """The JDM model ``zen/suspension.json`` as a zen-engine decision."""
    import zen

    return zen.ZenEngine().create_decision(ZEN_MODEL.read_text(encoding="utf-8"))


def zen_context(card: iotcard.Card, a: iotcard.Assessment, auto_resume_on_payment: bool) -> dict[str, Any]:
    """The decision's inputs for a card assessed at ``a.at``: its active holds, the
    policy's ``auto_resume_on_payment``, the balance, and what R1.1 looks at
    besides the holds (plan validity at the instant, usage above quota + top-ups)."""
    return {
        "holds": {h: h in a.holds for h in peer.HOLDS},
        "policy": {"auto_resume_on_payment": auto_resume_on_payment},
        "balance": a.balance,
        "plan_valid": card.plan.start <= a.at < card.plan.end,
        "usage_exceeded": a.usage_bytes > a.allowance_bytes,
    }


@dataclass(frozen=True)
class Suspension:
    """The suspension part of an assessment: what the zen model decides."""

    status: str
    barred: frozenset[str]
    remedies: dict[str, str]
    can_manual_suspend: bool


def suspension_of_core(a: iotcard.Assessment) -> Suspension:
    return Suspension(
        status=str(a.status),
        barred=frozenset(str(s) for s in a.barred),
        remedies={str(h): str(r) for h, r in a.remedies.items()},
        can_manual_suspend=a.can[iotcard.Action.MANUAL_SUSPEND],
    )


def suspension_of_zen(result: dict[str, Any]) -> Suspension:
    return Suspension(
        status=result["status"],
        barred=frozenset(result["barred"]),
        remedies={hold: remedy for hold, remedy in result["remedies"]},
        can_manual_suspend=result["can_manual_suspend"],
    )


def in_zen_domain(a: iotcard.Assessment) -> bool:
    """The model decides for activated, live cards (inventory and terminal cards
    have no holds to decide about)."""
    return a.status not in ("inventory", "cancelled", "replaced")
