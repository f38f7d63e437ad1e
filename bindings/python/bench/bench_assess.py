"""Measures what the binding adds to the core's own `assess` (not a test: timings
vary by machine; the benchmarks issue keeps the numbers).

- native: the core's `Card::assess`, and its batch path `Assessor::assess`, in a
  Rust loop over the same cards, inside the same extension module
  (`_iotcard._native_assess_ns`, a benchmark helper);
- per card: `card.assess(policy, at)` from Python, one call per card;
- batch: `iotcard.assess_many(cards, policy=..., at=...)`, per card.

Targets (issue 4): per-card call < 1 µs over native; batch ≤ 2x native per card.

    python bench/bench_assess.py [--cards 20000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import iotcard
from iotcard import Card, Event, Policy, _iotcard

CST = timezone(timedelta(hours=8))
PLAN = {
    "start": "2026-01-01T00:00:00+08:00",
    "end": "2027-01-01T00:00:00+08:00",
    "period": "month",
    "quota_bytes": 100 * 2**20,
    "monthly_fee": 1000,
}


def fleet(n: int) -> list[Card]:
    """n cards in a realistic mix: active with traffic, in arrears, lost, over
    quota, expired and in retention, never activated."""
    p = Policy()

    def t(month: int, day: int) -> datetime:
        return datetime(2026, month, day, tzinfo=CST)

    base = Card("89860012345678901238", "1440012345678", PLAN, balance=1000, auto_suspend=True)
    active = base.apply(p, t(1, 5), Event.activate("490154203237518")).card
    used = active.apply(p, t(2, 20), Event.usage(5 * 2**20, imei="490154203237518")).card
    owing = used.apply(p, t(2, 21), Event.charge(1500)).card
    lost = used.apply(p, t(2, 22), Event.report_lost()).card
    over = used.apply(p, t(2, 23), Event.usage(200 * 2**20)).card
    short = Card("89860012345678901238", "1440012345678", dict(PLAN, end="2026-02-01T00:00:00+08:00"))
    expired = short.apply(p, t(1, 5), Event.activate("490154203237518")).card.advance(p, t(2, 10)).card
    kinds = [used, used, used, owing, lost, over, expired, base]
    return [kinds[i % len(kinds)] for i in range(n)]


def best_ns(f: Callable[[], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter_ns()
        f()
        best = min(best, time.perf_counter_ns() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cards", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    n, rounds = args.cards, args.rounds
    cards, policy, at = fleet(n), Policy(), datetime(2026, 2, 28, tzinfo=CST)

    native = min(_iotcard._native_assess_ns(cards, policy=policy, at=at, repeat=3) for _ in range(rounds))
    native_batch = min(
        _iotcard._native_assess_ns(cards, policy=policy, at=at, repeat=3, batch=True) for _ in range(rounds)
    )

    def per_card() -> None:
        for c in cards:
            c.assess(policy, at)

    def loop_only() -> None:
        for c in cards:
            c.balance  # noqa: B018 - the cost of a loop with one attribute call

    python = best_ns(per_card, rounds) / n
    loop = best_ns(loop_only, rounds) / n
    batch = best_ns(lambda: iotcard.assess_many(cards, policy=policy, at=at), rounds) / n
    print(f"cards: {n}, best of {rounds} rounds")
    print(f"native Card::assess (Rust loop)  {native:8.1f} ns/card")
    print(f"native Assessor::assess (batch)  {native_batch:8.1f} ns/card")
    print(f"card.assess() from Python        {python:8.1f} ns/card  (+{python - native:.1f} ns over native)")
    print(f"  of which the Python for-loop   {loop:8.1f} ns/card  (loop + one getter, for scale)")
    print(
        f"assess_many(), per card          {batch:8.1f} ns/card  "
        f"({batch / native_batch:.2f}x native batch, {batch / native:.2f}x native Card::assess)"
    )


if __name__ == "__main__":
    main()
