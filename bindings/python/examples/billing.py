"""Billing run: replay each line of a fleet file, assess every card at one instant,
and write the cards that need action (suspended or restricted, an overage to bill,
a refund that may be requested, cancelled or replaced...) as JSON Lines.

Input: a fleet file, as ``iotcard assess`` reads it (docs/json.md "fleet line")::

    {"card": {"iccid": ..., "msisdn": ..., "plan": {...}},
     "events": [{"at": "2026-01-05T10:00:00+08:00", "event": {"type": "activate", ...}}]}

(or ``{"state": {...}, "events": [...]}`` for a stored card state).

Usage::

    python billing.py fleet.jsonl --at 2026-03-01T00:00:00+08:00 [--policy policy.json] [-o out.jsonl]

Each line is replayed by the core (``FleetEntry.replay``), exactly as ``iotcard
assess`` replays it: events after ``--at`` are not applied, and an event the card
refuses is reported on stderr and skipped: the card goes on with its other events
and is assessed (one bad event in the feed never loses a card). A line that cannot
be read is reported and skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, TextIO

import iotcard


def zone(policy: iotcard.Policy) -> tzinfo:
    """The policy's time zone (``"+08:00"``), in which instants are written."""
    offset = datetime.fromisoformat(f"2000-01-01T00:00:00{policy.timezone}").tzinfo
    assert offset is not None
    return offset


def read_cards(path: Path, policy: iotcard.Policy, at: datetime) -> Iterator[tuple[int, iotcard.Card]]:
    """Every card of every line that replays, with its line number; every refused
    event, and every line that does not replay, is reported on stderr."""
    with path.open(encoding="utf-8") as f:
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                entry = iotcard.FleetEntry.from_json(text)
            except iotcard.IotCardError as e:
                print(f"line {line}: {e}", file=sys.stderr)
                continue
            try:
                replayed = entry.replay(policy, at)
            except iotcard.IotCardError as e:
                # The card cannot be brought to --at at all (a stored state after it).
                print(f"line {line}: {e.code}: {e}", file=sys.stderr)
                continue
            for r in replayed.refused:
                when = r.at.astimezone(zone(policy)).isoformat()
                print(f"line {line}: events[{r.index}] ({r.event.type} at {when}): {r.error.code}: {r.error}",
                      file=sys.stderr)
            for card in replayed.cards:
                yield line, card


def action_record(line: int, card: iotcard.Card, a: iotcard.Assessment) -> dict[str, Any]:
    """What the billing team needs to act on one card."""
    d = a.to_dict()
    keep = ["status", "holds", "remedies", "call_restriction", "balance", "overage_charge",
            "keep_number_fees", "refund", "next"]
    return {"line": line, "iccid": card.iccid, "msisdn": card.msisdn, **{k: d[k] for k in keep}}


def run(src: Path, at: datetime, policy: iotcard.Policy, out: TextIO) -> int:
    found = list(read_cards(src, policy, at))
    lines, cards = [n for n, _ in found], [c for _, c in found]
    result = iotcard.assess_many(cards, policy=policy, at=at)  # one call, GIL released
    written = 0
    for i, (needs, error) in enumerate(zip(result.needs_action, result.error)):
        if error >= 0:
            print(f"line {lines[i]}: {cards[i].iccid}: cannot assess: {iotcard.ERROR_CODES[error]}", file=sys.stderr)
        elif needs:
            out.write(json.dumps(action_record(lines[i], cards[i], result[i]), ensure_ascii=False) + "\n")
            written += 1
    print(f"{len(cards)} cards assessed, {written} need action", file=sys.stderr)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("cards", type=Path, help="fleet file: JSON Lines of {card or state, events}")
    parser.add_argument("--at", required=True, type=datetime.fromisoformat, help="RFC 3339 instant with offset")
    parser.add_argument("--policy", type=Path, help="policy JSON (fields to change from the default)")
    parser.add_argument("-o", "--out", type=Path, help="output JSON Lines (default: stdout)")
    args = parser.parse_args(argv)
    at: datetime = args.at
    if at.tzinfo is None:
        parser.error("--at needs an offset (a billing run must never guess a time zone)")
    policy = iotcard.Policy.from_json(args.policy.read_text()) if args.policy else iotcard.Policy()
    if args.out:
        with args.out.open("w", encoding="utf-8") as out:
            run(args.cards, at, policy, out)
    else:
        run(args.cards, at, policy, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
