"""Billing run: replay each card's events, assess every card at one instant, and
write the cards that need action (suspended or restricted, an overage to bill, a
refund that may be requested, cancelled...) as JSON Lines.

Input: JSON Lines, one card a line, in the shapes of docs/json.md::

    {"card": {"iccid": ..., "msisdn": ..., "plan": {...}},
     "events": [{"at": "2026-01-05T10:00:00+08:00", "event": {"type": "activate", ...}}]}

Usage::

    python billing.py cards.jsonl --at 2026-03-01T00:00:00+08:00 [--policy policy.json] [-o out.jsonl]

Refused events (an IotCardError) are reported on stderr and the card goes on
without them, as the core leaves a card unchanged when it refuses an event.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import iotcard


def replay(record: dict[str, Any], policy: iotcard.Policy, line: int) -> iotcard.Card:
    """The card after its events (following a replacement card, if any)."""
    card = iotcard.Card.open(record["card"])
    for n, item in enumerate(record.get("events", [])):
        try:
            applied = card.apply(policy, datetime.fromisoformat(item["at"]), iotcard.Event.from_dict(item["event"]))
        except iotcard.IotCardError as e:
            print(f"line {line}, event {n}: refused ({e.code}): {e}", file=sys.stderr)
            continue
        card = applied.replacement or applied.card
    return card


def read_cards(path: Path, policy: iotcard.Policy) -> Iterator[iotcard.Card]:
    with path.open(encoding="utf-8") as f:
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                yield replay(json.loads(text), policy, line)
            except (iotcard.InvalidInput, ValueError, KeyError) as e:
                print(f"line {line}: skipped: {e}", file=sys.stderr)


def action_record(a: iotcard.Assessment, card: iotcard.Card) -> dict[str, Any]:
    """What the billing team needs to act on one card."""
    d = a.to_dict()
    return {
        "iccid": card.iccid,
        "msisdn": card.msisdn,
        "status": d["status"],
        "holds": d["holds"],
        "remedies": d["remedies"],
        "call_restriction": d["call_restriction"],
        "balance": d["balance"],
        "overage_charge": d["overage_charge"],
        "keep_number_fees": d["keep_number_fees"],
        "refund": d["refund"],
        "next": d["next"],
    }


def run(src: Path, at: datetime, policy: iotcard.Policy, out: TextIO) -> int:
    cards = list(read_cards(src, policy))
    result = iotcard.assess_many(cards, policy=policy, at=at)  # one call, GIL released
    written = 0
    for i, (needs, error) in enumerate(zip(result.needs_action, result.error)):
        if error >= 0:
            print(f"{cards[i].iccid}: cannot assess at {at}: {iotcard.ERROR_CODES[error]}", file=sys.stderr)
        elif needs:
            out.write(json.dumps(action_record(result[i], cards[i]), ensure_ascii=False) + "\n")
            written += 1
    print(f"{len(cards)} cards assessed, {written} need action", file=sys.stderr)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("cards", type=Path, help="JSON Lines of {card, events}")
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
