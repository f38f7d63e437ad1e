"""`FleetEntry`: the core's replay of a fleet line, as `iotcard assess` does it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

import iotcard
from iotcard import Event, FleetEntry, Policy

CST = timezone(timedelta(hours=8))
IMEI = "490154203237518"
CARD: dict[str, Any] = {
    "iccid": "89860012345678901238",
    "msisdn": "1440012345678",
    "balance": 1000,
    "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
             "period": "month", "quota_bytes": 104857600, "monthly_fee": 1000},
}


def line(*events: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"card": CARD, "events": [{"at": at, "event": e} for at, e in events]}


ACTIVATE = ("2026-01-05T10:00:00+08:00", {"type": "activate", "imei": IMEI})


def test_replay_applies_the_events_up_to_the_instant() -> None:
    entry = FleetEntry.from_json(json.dumps(line(
        ACTIVATE,
        ("2026-02-01T00:00:00+08:00", {"type": "charge", "amount": 1500}),
        ("2026-04-01T00:00:00+08:00", {"type": "payment", "amount": 5000}),
    )))
    assert entry == FleetEntry.from_dict(line(
        ACTIVATE,
        ("2026-02-01T00:00:00+08:00", {"type": "charge", "amount": 1500}),
        ("2026-04-01T00:00:00+08:00", {"type": "payment", "amount": 5000}),
    ))
    assert [e.type for _, e in entry.events] == ["activate", "charge", "payment"]
    assert entry.events[0][0] == datetime(2026, 1, 5, 2, tzinfo=UTC)
    at = datetime(2026, 3, 1, tzinfo=CST)
    r = entry.replay(Policy(), at)
    assert r.card.balance == -500 and r.card.holds == {"arrears"} and r.card.clock == at
    assert r.replaced == () and r.cards == (r.card,) and r.later_events == 1
    # What is stored, replayed later, gives what the whole log gives.
    (kept,) = r.stored()
    assert [e.type for _, e in kept.events] == ["payment"]
    later = datetime(2026, 5, 1, tzinfo=CST)
    assert FleetEntry.from_json(kept.to_json()).replay(Policy(), later).card == entry.replay(Policy(), later).card
    assert hash(entry) == hash(FleetEntry.from_json(entry.to_json()))
    assert r == entry.replay(Policy(), at) and hash(r) == hash(entry.replay(Policy(), at))


def test_replace_gives_every_card_of_the_line() -> None:
    entry = FleetEntry.from_dict(line(
        ACTIVATE,
        ("2026-02-10T10:00:00+08:00", {"type": "report_lost"}),
        ("2026-02-11T10:00:00+08:00", {"type": "replace", "iccid": "89860012345678901246"}),
    ))
    r = entry.replay(Policy(), datetime(2026, 3, 1, tzinfo=CST))
    assert r.card.iccid == "89860012345678901246"
    assert [c.status for c in r.replaced] == ["replaced"]
    assert r.cards == (*r.replaced, r.card)
    assert len(r.stored()) == 2


def test_a_refused_event_is_reported_and_skipped_and_the_card_goes_on() -> None:
    entry = FleetEntry.from_dict(line(
        ACTIVATE,
        ("2026-02-01T00:00:00+08:00", {"type": "charge", "amount": 1500}),
        ("2026-02-03T09:00:00+08:00", {"type": "manual_suspend"}),
        ("2026-02-04T09:00:00+08:00", {"type": "payment", "amount": 200}),
    ))
    at = datetime(2026, 3, 1, tzinfo=CST)
    r = entry.replay(Policy(), at)
    (refused,) = r.refused
    assert refused.index == 2 and refused.event == Event.manual_suspend()
    assert refused.at == datetime(2026, 2, 3, 9, tzinfo=CST)
    assert isinstance(refused.error, iotcard.ManualSuspendNotAllowed)
    assert refused.error.code == "manual_suspend_not_allowed" and refused.error.unmet == {"arrears"}
    assert refused.error.event_index == 2
    # The card went on with the payment after it: as if the refused event had not come.
    assert r.card.balance == -300 and r.card.holds == {"arrears"}
    without = FleetEntry.from_dict(line(
        ACTIVATE,
        ("2026-02-01T00:00:00+08:00", {"type": "charge", "amount": 1500}),
        ("2026-02-04T09:00:00+08:00", {"type": "payment", "amount": 200}),
    )).replay(Policy(), at)
    assert r.card == without.card and without.refused == ()
    assert r != without and r == entry.replay(Policy(), at) and hash(r) == hash(entry.replay(Policy(), at))
    assert "refused=<1 events>" in repr(r) and "manual_suspend_not_allowed" in repr(refused)
    # A stored state advanced to before its clock cannot be replayed at all: raised,
    # the index is len(events).
    (stored,) = FleetEntry.from_dict(line(ACTIVATE)).replay(Policy(), datetime(2026, 3, 1, tzinfo=CST)).stored()
    with pytest.raises(iotcard.OutOfOrder) as late:
        stored.replay(Policy(), datetime(2026, 2, 1, tzinfo=CST))
    assert late.value.event_index == len(stored.events) == 0
    # Errors raised elsewhere carry no index.
    with pytest.raises(iotcard.InvalidInput) as other:
        Event.charge(0)
    assert other.value.event_index is None


def test_bad_lines_are_invalid_input_naming_the_field() -> None:
    with pytest.raises(iotcard.InvalidInput) as info:
        FleetEntry.from_dict(line(ACTIVATE, ("2026-02-01T00:00:00+08:00", {"type": "charge", "amount": 15.0})))
    assert info.value.field == "entry.events[1].event.amount"
    with pytest.raises(iotcard.InvalidInput, match="entry.card"):
        FleetEntry.from_dict({"events": []})
    with pytest.raises(iotcard.InvalidInput, match="entry"):
        FleetEntry.from_json("[]")
    with pytest.raises(iotcard.InvalidInput, match="naive"):
        FleetEntry.from_dict(line()).replay(Policy(), datetime(2026, 3, 1))


def test_a_re_delivered_event_with_its_id_is_a_duplicate() -> None:
    pay = ("2026-02-04T09:00:00+08:00", {"type": "payment", "amount": 200, "id": "pay-1"})
    at = datetime(2026, 3, 1, tzinfo=CST)
    twice = FleetEntry.from_dict(line(ACTIVATE, pay, pay)).replay(Policy(), at)
    once = FleetEntry.from_dict(line(ACTIVATE, pay)).replay(Policy(), at)
    assert twice.duplicates == (2,) and twice.refused == () and once.duplicates == ()
    assert twice.card == once.card and twice.card.balance == 1200
    other = ("2026-02-04T09:00:00+08:00", {"type": "payment", "amount": 300, "id": "pay-1"})
    (refused,) = FleetEntry.from_dict(line(ACTIVATE, pay, other)).replay(Policy(), at).refused
    assert refused.index == 2 and isinstance(refused.error, iotcard.EventIdConflict)
