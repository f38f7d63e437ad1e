"""Checks the zen-engine model of the suspension part of the rules
(``suspension.json``: holds → status, barred services, remedy per hold, and
whether a manual suspension is allowed, R1.1) against ``iotcard`` on the same
inputs: the generated fleet replayed with ``iotcard`` and assessed at several
instants, under two policies, plus cards made by seeded random event sequences
(so that holds come in combinations). Every card the model covers (activated,
not terminal) must get the same answers.

    python benches/python/zen/check_zen.py [--cards 2048] [--random 1500]

Ends with ``N passed, N failed`` (one per decision compared); exits 1 on any
disagreement.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import iotcard

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchfleet import (  # noqa: E402
    FLEET_AT,
    POLICY_FILE,
    generate_fleet,
    in_zen_domain,
    instant,
    load_zen_decision,
    replay_core,
    suspension_of_core,
    suspension_of_zen,
    zen_context,
)

UTC = timezone.utc
IMEIS = ["490154203237518", "350000000000013", "351234567890126"]


def fleet_cases(cards: int) -> Iterator[tuple[iotcard.Card, iotcard.Policy, datetime]]:
    """The generated fleet under the example policy and with auto-resume on
    payment, assessed at the stories' instant and later (scheduled changes due)."""
    base = json.loads(POLICY_FILE.read_text(encoding="utf-8"))
    entries = generate_fleet(cards)
    at = instant(FLEET_AT)
    for overrides in ({}, {"auto_resume_on_payment": True, "credit_limit": 500}):
        policy = iotcard.Policy.from_dict({**base, **overrides})
        for entry in entries:
            try:
                card = replay_core(entry, policy, at)
            except iotcard.IotCardError:
                continue  # a story the other policy refuses
            for later in (0, 9, 45, 200):
                yield card, policy, at + timedelta(days=later)


def random_event(rng: random.Random, t: datetime, quota: int) -> dict[str, Any]:
    kind = rng.choice(
        ["charge", "charge", "payment", "payment", "usage", "usage", "usage", "manual_suspend", "manual_resume",
         "report_lost", "maintenance", "top_up", "rebind", "operator_release", "renew"]
    )
    if kind in ("charge", "payment"):
        return {"type": kind, "amount": rng.randint(1, 3000)}
    if kind == "usage":
        ev: dict[str, Any] = {"type": kind, "bytes": rng.choice([1, quota // 2, quota, quota + 1, 2 * quota])}
        if rng.random() < 0.7:
            ev["imei"] = rng.choice(IMEIS)
        if rng.random() < 0.5:
            ev["region"] = rng.choice(["44", "11", "65", "35"])
        return ev
    if kind == "maintenance":
        return {"type": kind, "until": (t + timedelta(hours=rng.randint(1, 200))).isoformat()}
    if kind == "top_up":
        return {"type": kind, "bytes": rng.choice([1, quota, 2 * quota])}
    if kind == "rebind":
        return {"type": kind, "imei": rng.choice(IMEIS)}
    if kind == "operator_release":
        return {"type": kind, "hold": "restricted_region"}
    if kind == "renew":
        start = t - timedelta(days=rng.randint(0, 40))
        return {
            "type": kind,
            "plan": {"start": start.isoformat(), "end": (t + timedelta(days=rng.randint(1, 400))).isoformat(),
                     "period": rng.choice(["month", "quarter", "year"]), "quota_bytes": quota, "monthly_fee": 1000},
        }
    return {"type": kind}


def random_cases(n: int, seed: int = 5) -> Iterator[tuple[iotcard.Card, iotcard.Policy, datetime]]:
    """Cards built by random event sequences (refused events skipped)."""
    rng = random.Random(seed)
    policies = [
        iotcard.Policy.from_dict({"low_balance": 300}),
        iotcard.Policy.from_dict({"low_balance": 300, "auto_resume_on_payment": True}),
        iotcard.Policy.from_dict({"credit_limit": 500, "low_balance": 1000, "timezone": "Z"}),
    ]
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(n):
        policy = rng.choice(policies)
        start = t0 + timedelta(days=rng.randint(-60, 60))
        quota = rng.choice([2**20, 50 * 2**20])
        card = iotcard.Card.open({
            "iccid": "89860012345678901238", "msisdn": "1440012345678",
            "auto_suspend": rng.random() < 0.5, "balance": rng.randint(-500, 5000),
            "plan": {"start": start.isoformat(), "end": (start + timedelta(days=rng.randint(20, 400))).isoformat(),
                     "period": rng.choice(["month", "quarter", "year"]), "quota_bytes": quota, "monthly_fee": 1000},
        })
        t = start + timedelta(days=rng.randint(0, 10))
        card = card.apply(policy, t, iotcard.Event.activate(IMEIS[0])).card
        for _ in range(rng.randint(0, 10)):
            t += timedelta(hours=rng.randint(0, 24 * 40))
            try:
                card = card.apply(policy, t, iotcard.Event.from_dict(random_event(rng, t, quota))).card
            except iotcard.IotCardError:
                pass
        yield card, policy, t + timedelta(hours=rng.randint(0, 24 * 60))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cards", type=int, default=2048, help="generated fleet size")
    ap.add_argument("--random", type=int, default=1500, help="random cards")
    args = ap.parse_args(argv)
    decision = load_zen_decision()
    passed = failed = skipped = 0
    seen_holds: set[frozenset[str]] = set()
    for source, cases in (("fleet", fleet_cases(args.cards)), ("random", random_cases(args.random))):
        for card, policy, at in cases:
            a = card.assess(policy, at)
            if not in_zen_domain(a):
                skipped += 1
                continue
            seen_holds.add(frozenset(str(h) for h in a.holds))
            want = suspension_of_core(a)
            got = suspension_of_zen(decision.evaluate(zen_context(card, a, policy.auto_resume_on_payment))["result"])
            if got == want:
                passed += 1
            else:
                failed += 1
                if failed <= 10:
                    print(f"{source}: {card.iccid} at {at.isoformat()}: iotcard {want} != zen {got}")
    print(f"zen-engine vs iotcard: {passed} decisions agree, {failed} disagree; "
          f"{len(seen_holds)} distinct hold sets; {skipped} inventory/terminal cards outside the model")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
