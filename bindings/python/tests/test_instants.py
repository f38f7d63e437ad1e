"""The supported instant range (1900-01-01T00:00:00Z ..= 9898-12-31T23:59:59.999999Z
as Python sees it): its edges work in every allowed offset, and every datetime the
package hands back (clock, assessment instants, also computed ones) is one Python
can hold; anything outside is refused with InvalidInput naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

import iotcard
from iotcard import Card, Event, Plan, Policy

ICCID = "89860012345678901238"
MSISDN = "1440012345678"
IMEI = "490154203237518"
FIRST = datetime(1900, 1, 1, tzinfo=UTC)
LAST = datetime(9898, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
EAST = timezone(timedelta(hours=23, minutes=59))
WEST = timezone(-timedelta(hours=23, minutes=59))


def whole_range() -> Card:
    return Card(ICCID, MSISDN, Plan(FIRST, LAST, "year", 1, 1), balance=1000)


@pytest.mark.parametrize("offset", ["+23:59", "-23:59", "+08:00", "Z"])
@pytest.mark.parametrize("edge", [FIRST, LAST])
def test_the_edges_work_and_round_trip(offset: str, edge: datetime) -> None:
    policy = Policy(timezone=offset, retention_months=1200, dormancy_months=1200)
    card = whole_range().apply(policy, edge, Event.activate(IMEI)).card
    assert card.clock == edge
    assert card.activated_at == edge
    back = Card.from_json(card.to_json())
    assert back == card and back.clock == edge
    a = card.assess(policy, LAST)
    # Every instant handed back is a datetime Python holds (the computed ones too).
    assert a.at == LAST
    if a.next is not None:
        assert a.next.at > LAST
        assert a.next.at.year <= 9999
        # A computed instant past the range is refused as an input.
        with pytest.raises(iotcard.InvalidInput, match="at"):
            card.assess(policy, a.next.at)
    for hold in a.holds:
        since = card.hold_since(hold)
        assert since is None or since.year >= 1899
    for t in (a.retention_ends, a.maintenance_until):
        assert t is None or 1899 <= t.year <= 9999


@pytest.mark.parametrize(
    "outside",
    [
        FIRST - timedelta(microseconds=1),
        LAST + timedelta(microseconds=1),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=8))),  # year 0 in UTC
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(9898, 12, 31, 23, 59, 59, tzinfo=WEST),
        datetime(1900, 1, 1, 23, 58, tzinfo=EAST),
    ],
)
def test_instants_outside_the_range_are_refused(outside: datetime) -> None:
    policy = Policy()
    with pytest.raises(iotcard.InvalidInput, match="supported range"):
        whole_range().apply(policy, outside, Event.activate(IMEI))
    with pytest.raises(iotcard.InvalidInput, match="supported range"):
        whole_range().assess(policy, outside)
    with pytest.raises(iotcard.InvalidInput, match="until"):
        Event.maintenance(outside)


def test_signed_years_are_not_rfc3339() -> None:
    with pytest.raises(iotcard.InvalidInput, match="until"):
        Event.from_dict({"type": "maintenance", "until": "+10000-01-01T00:00:00Z"})
    with pytest.raises(iotcard.InvalidInput, match="until"):
        Event.from_dict({"type": "maintenance", "until": "0001-01-01T00:00:00+08:00"})
