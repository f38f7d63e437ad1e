"""Python benchmark (benchmarks issue, "Python"): on one generated fleet, replayed
to one instant, how long an assessment takes:

- ``iotcard_per_card``: ``card.assess(policy, at)`` from Python, one call per card;
- ``iotcard_assess_many``: ``iotcard.assess_many(cards, policy=..., at=...)``, per card;
- ``native_per_card`` / ``native_batch``: the core's own ``Card::assess`` and
  ``Assessor::assess`` in a Rust loop (the binding's benchmark helper), for reference;
- ``peer_per_card``: the pure-Python peer (``iotcard_peer.assess``) on the same cards;
- ``zen_per_decision``: zen-engine evaluating the suspension model
  (``zen/suspension.json``) for each activated, live card, against
  ``iotcard_per_card_zen_cards``: ``card.assess`` on exactly those cards
  (``zen_empty_graph_per_call``: zen-engine's floor, an input → output graph).

Prints one JSON object: ns per card for each, the ratios (peer / iotcard and
zen / iotcard, targets ≥ 50 and ≥ 100) and how many cards the peer and the zen
model agreed on with iotcard (they must be all). Not a test: ``--smoke`` runs a
few iterations on a small fleet to prove it still runs, and asserts no time.

    python benches/python/bench_python.py [--cards 4000] [--rounds 5] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import iotcard
from iotcard import _iotcard

sys.path.insert(0, str(Path(__file__).resolve().parent))

import iotcard_peer as peer  # noqa: E402
from benchfleet import (  # noqa: E402
    FLEET_AT,
    POLICY_FILE,
    generate_fleet,
    in_zen_domain,
    instant,
    load_zen_decision,
    replay_core,
    replay_peer,
    suspension_of_core,
    suspension_of_zen,
    zen_context,
)

COMPARED = (
    "status", "holds", "barred", "balance", "usage_bytes", "overage_bytes", "overage_charge",
    "keep_number_fees", "retention_ends", "next", "can", "remedies", "call_restriction", "refund",
)


# An input → output JDM graph: what any zen-engine evaluation costs at the least.
ZEN_EMPTY_GRAPH = {
    "nodes": [
        {"id": "in", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
        {"id": "out", "type": "outputNode", "name": "Response", "position": {"x": 300, "y": 0}},
    ],
    "edges": [{"id": "e", "type": "edge", "sourceId": "in", "targetId": "out"}],
}


def best_ns_per_item(
    f: Callable[[], object], items: int, rounds: int, clock: Callable[[], int] = time.perf_counter_ns
) -> float:
    """Best of ``rounds`` runs of ``f``, in ns per item (wall clock unless told)."""
    best = float("inf")
    for _ in range(rounds):
        start = clock()
        f()
        best = min(best, clock() - start)
    return best / max(items, 1)


def same_assessment(core: dict[str, Any], mine: dict[str, Any]) -> bool:
    def norm(d: dict[str, Any]) -> dict[str, Any]:
        out = {k: d[k] for k in COMPARED}
        out["holds"], out["barred"] = set(d["holds"]), set(d["barred"])
        out["retention_ends"] = d["retention_ends"] and instant(d["retention_ends"])
        n = d["next"]
        out["next"] = n and (instant(n["at"]), n["change"])
        return out

    return norm(core) == norm(mine)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cards", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--smoke", action="store_true", help="a few iterations on a small fleet; no timing claims")
    args = ap.parse_args(argv)
    cards_n, rounds = (64, 1) if args.smoke else (args.cards, args.rounds)

    policy_json = json.loads(POLICY_FILE.read_text(encoding="utf-8"))
    policy = iotcard.Policy.from_dict(policy_json)
    peer_policy = peer.Policy.from_json_dict(policy_json)
    at = instant(FLEET_AT)

    entries = generate_fleet(cards_n, seed=args.seed)
    cards = [replay_core(e, policy, at) for e in entries]
    peer_cards = [replay_peer(e, peer_policy, at) for e in entries]

    # The peer must be a faithful peer on these very cards.
    assessed = [c.assess(policy, at) for c in cards]
    peer_agrees = sum(
        same_assessment(a.to_dict(), peer.assess(p, peer_policy, at).to_dict()) for a, p in zip(assessed, peer_cards)
    )

    # The zen model covers activated, live cards; same inputs as iotcard's.
    decision = load_zen_decision()
    zen_pairs = [(c, a) for c, a in zip(cards, assessed) if in_zen_domain(a)]
    zen_cards = [c for c, _ in zen_pairs]
    contexts = [zen_context(c, a, policy.auto_resume_on_payment) for c, a in zen_pairs]
    zen_agrees = sum(
        suspension_of_zen(decision.evaluate(ctx)["result"]) == suspension_of_core(a)
        for ctx, (_, a) in zip(contexts, zen_pairs)
    )

    def iotcard_per_card() -> None:
        for c in cards:
            c.assess(policy, at)

    def iotcard_zen_cards() -> None:
        for c in zen_cards:
            c.assess(policy, at)

    def peer_per_card() -> None:
        for c in peer_cards:
            peer.assess(c, peer_policy, at)

    def zen_per_decision() -> None:
        for ctx in contexts:
            decision.evaluate(ctx)

    # zen-engine's floor: an input → output graph with no rule, same contexts.
    import zen

    passthrough = zen.ZenEngine().create_decision(json.dumps(ZEN_EMPTY_GRAPH))

    def zen_empty_graph() -> None:
        for ctx in contexts:
            passthrough.evaluate(ctx)

    n, z = len(cards), len(zen_cards)
    repeat = 1 if args.smoke else 3
    ns = {
        "native_per_card": min(
            _iotcard._native_assess_ns(cards, policy=policy, at=at, repeat=repeat) for _ in range(rounds)
        ),
        "native_batch": min(
            _iotcard._native_assess_ns(cards, policy=policy, at=at, repeat=repeat, batch=True) for _ in range(rounds)
        ),
        "iotcard_per_card": best_ns_per_item(iotcard_per_card, n, rounds),
        "iotcard_assess_many": best_ns_per_item(lambda: iotcard.assess_many(cards, policy=policy, at=at), n, rounds),
        "peer_per_card": best_ns_per_item(peer_per_card, n, rounds),
        "iotcard_per_card_zen_cards": best_ns_per_item(iotcard_zen_cards, z, rounds),
        "zen_per_decision": best_ns_per_item(zen_per_decision, z, rounds),
        "zen_empty_graph_per_call": best_ns_per_item(zen_empty_graph, z, rounds),
    }
    # zen-engine waits on its own threads: its CPU time (all threads of the
    # process) tells the engine's work from the wall-clock wait on a busy machine.
    cpu = {
        "iotcard_per_card_zen_cards": best_ns_per_item(iotcard_zen_cards, z, rounds, time.process_time_ns),
        "zen_per_decision": best_ns_per_item(zen_per_decision, z, rounds, time.process_time_ns),
    }
    ratios = {
        "peer_over_iotcard": ns["peer_per_card"] / ns["iotcard_per_card"],
        "zen_over_iotcard": ns["zen_per_decision"] / ns["iotcard_per_card_zen_cards"],
        "zen_over_iotcard_cpu_time": cpu["zen_per_decision"] / cpu["iotcard_per_card_zen_cards"],
        "peer_over_iotcard_assess_many": ns["peer_per_card"] / ns["iotcard_assess_many"],
        "zen_over_iotcard_assess_many": ns["zen_per_decision"] / ns["iotcard_assess_many"],
        "iotcard_per_card_over_native": ns["iotcard_per_card"] / ns["native_per_card"],
        "assess_many_over_native_batch": ns["iotcard_assess_many"] / ns["native_batch"],
    }
    report = {
        "smoke": args.smoke,
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}",
        "fleet": {"cards": n, "zen_cards": z, "seed": args.seed, "at": FLEET_AT, "policy": "examples/policy.json"},
        "rounds": rounds,
        "ns_per_card": {k: round(v, 1) for k, v in ns.items()},
        "cpu_ns_per_card": {k: round(v, 1) for k, v in cpu.items()},
        "ratios": {k: round(v, 2) for k, v in ratios.items()},
        "per_call_overhead_ns": round(ns["iotcard_per_card"] - ns["native_per_card"], 1),
        "targets": {
            "vs pure-Python peer >= 50x": ratios["peer_over_iotcard"] >= 50,
            "vs zen-engine >= 100x per decision": ratios["zen_over_iotcard"] >= 100,
        },
        "agreement": {"peer": f"{peer_agrees}/{n}", "zen": f"{zen_agrees}/{z}"},
    }
    print(json.dumps(report, indent=2))
    # A peer or model that disagrees makes the comparison meaningless.
    return 0 if peer_agrees == n and zen_agrees == z else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
