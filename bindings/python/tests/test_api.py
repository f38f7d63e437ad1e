"""The Python surface: enums, value classes, reprs, equality, to_dict shapes."""

from __future__ import annotations

import enum
import pickle
from datetime import UTC, datetime, timedelta, timezone

import pytest

import iotcard
from iotcard import Card, Event, Plan, Policy

CST = timezone(timedelta(hours=8))
ICCID = "89860012345678901238"
MSISDN = "1440012345678"
IMEI = "490154203237518"
START = datetime(2026, 1, 1, tzinfo=CST)
END = datetime(2027, 1, 1, tzinfo=CST)


def new_card(balance: int = 1000) -> Card:
    return Card(ICCID, MSISDN, Plan(START, END, "month", 100 * 2**20, 1000), balance=balance)


def at(day: int, month: int = 1, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CST)


ENUMS: list[type[enum.StrEnum]] = [
    iotcard.Hold,
    iotcard.Service,
    iotcard.Status,
    iotcard.ChangeKind,
    iotcard.Remedy,
    iotcard.Action,
    iotcard.Period,
    iotcard.CallCause,
    iotcard.Condition,
    iotcard.Rule,
]


@pytest.mark.parametrize("cls", ENUMS, ids=lambda c: c.__name__)
def test_enums_are_str_enums_equal_to_their_names(cls: type[enum.StrEnum]) -> None:
    assert issubclass(cls, enum.StrEnum) and issubclass(cls, str)
    assert cls.__module__ == "iotcard._iotcard"
    for member in cls:
        assert member == member.value and str(member) == member.value
        assert cls(member.value) is member
        assert pickle.loads(pickle.dumps(member)) is member
        assert hash(member) == hash(member.value)


def test_enum_names_follow_scenarios() -> None:
    assert iotcard.Hold("over_quota") is iotcard.Hold.OVER_QUOTA
    assert iotcard.Rule("R1.1") is iotcard.Rule.R1_1
    assert [s.value for s in iotcard.Status] == [
        "inventory", "active", "restricted", "suspended", "cancelled", "replaced",
    ]
    assert list(iotcard.ChangeKind)[0] == "lift_over_quota"
    assert iotcard.ERROR_CODES[0] == "invalid_input" and len(iotcard.ERROR_CODES) == 10
    assert iotcard.ERROR_CODES[8:] == ("late_event_conflict", "event_id_conflict")
    assert iotcard.LateEventConflict.code == "late_event_conflict"
    assert iotcard.EventIdConflict.code == "event_id_conflict"


def test_policy_keywords_defaults_and_repr() -> None:
    p = Policy(low_balance=300, timezone="+00:00")
    assert p.low_balance == 300 and p.timezone == "+00:00" and p.retention_months == 3
    assert repr(Policy()) == "Policy()"
    assert repr(p) == "Policy(timezone='+00:00', low_balance=300)"
    assert Policy().restricted_regions == ("35", "45", "54", "65")
    assert Policy() == Policy.from_json("{}") == Policy.from_json(b"{}")
    assert Policy() != p
    with pytest.raises(iotcard.InvalidInput, match="retention_month"):
        Policy(retention_month=3)
    with pytest.raises(iotcard.InvalidInput, match="policy.keep_number_fee"):
        Policy(keep_number_fee=-1)


def test_plan_and_card_constructors() -> None:
    plan = Plan(START, END, iotcard.Period.MONTH, 1, 1000)
    assert plan.start == START and plan.end == END and plan.period is iotcard.Period.MONTH
    assert repr(plan).startswith("Plan(start='2025-12-31T16:00:00Z', end=")
    with pytest.raises(iotcard.InvalidInput, match="plan.end"):
        Plan(END, START, "month", 1, 1)
    with pytest.raises(iotcard.InvalidInput, match="plan.period"):
        Plan(START, END, "week", 1, 1)
    card = Card(ICCID, MSISDN, plan.to_dict(), auto_suspend=True)
    assert card == Card.open({"iccid": ICCID, "msisdn": MSISDN, "auto_suspend": True, "plan": plan})
    assert card.status is iotcard.Status.INVENTORY and card.holds == frozenset()
    assert card.clock is None and card.imei is None and card.balance == 0
    with pytest.raises(iotcard.InvalidInput, match="card.iccid"):
        Card("89860012345678901239", MSISDN, plan)
    with pytest.raises(iotcard.InvalidInput, match="card.msisdn"):
        Card.open({"iccid": ICCID, "msisdn": "12", "plan": plan})


def test_events_constructors_match_json() -> None:
    until = datetime(2026, 3, 1, tzinfo=UTC)
    pairs = [
        (Event.activate(IMEI), {"type": "activate", "imei": IMEI}),
        (Event.activate(), {"type": "activate"}),
        (Event.usage(5, imei=IMEI, region="65"), {"type": "usage", "bytes": 5, "imei": IMEI, "region": "65"}),
        (Event.charge(1500), {"type": "charge", "amount": 1500}),
        (Event.payment(1), {"type": "payment", "amount": 1}),
        (Event.top_up(7), {"type": "top_up", "bytes": 7}),
        (Event.manual_suspend(), {"type": "manual_suspend"}),
        (Event.manual_resume(), {"type": "manual_resume"}),
        (Event.rebind(IMEI), {"type": "rebind", "imei": IMEI}),
        (Event.operator_release(iotcard.Hold.RESTRICTED_REGION), {"type": "operator_release", "hold": "restricted_region"}),
        (Event.maintenance(until), {"type": "maintenance", "until": "2026-03-01T00:00:00Z"}),
        (Event.report_lost(), {"type": "report_lost"}),
        (Event.replace("89860012345678901246"), {"type": "replace", "iccid": "89860012345678901246"}),
        (Event.cancel(), {"type": "cancel"}),
    ]
    for event, shape in pairs:
        assert event.to_dict() == shape
        assert Event.from_dict(shape) == event
        assert event.type == shape["type"]
    assert repr(Event.charge(1500)) == "Event.charge(amount=1500)"
    assert Event.from_dict({"type": "maintenance", "until": until}) == Event.maintenance(until)
    with pytest.raises(iotcard.InvalidInput, match="event.currency|currency"):
        Event.from_json('{"type": "charge", "amount": 1, "currency": "CNY"}')


def test_apply_advance_assess() -> None:
    policy = Policy()
    card = new_card()
    applied = card.apply(policy, at(5, hour=10), Event.activate(IMEI))
    assert applied.replacement is None
    (change,) = applied.changes
    assert change.rule is iotcard.Rule.R5_1 and change.event == "activate" and change.scheduled is None
    assert (change.effect, change.from_status, change.to_status) == ("status_changed", "inventory", "active")
    assert change.to_dict() == {
        "at": "2026-01-05T02:00:00Z", "rule": "R5.1", "event": "activate", "scheduled": None,
        "effect": "status_changed", "hold": None, "from_status": "inventory", "to_status": "active", "amount": None,
    }
    card = applied.card.apply(policy, at(1, 2), Event.charge(1500)).card
    assert card.status == "suspended" and card.holds == {"arrears"}
    assert card.hold_since("arrears") == at(1, 2)
    assert card.apply(policy, at(1, 2), {"type": "payment", "amount": 500}).card.balance == 0

    a = card.assess(policy, at(1, 2, 1))
    assert a.status is iotcard.Status.SUSPENDED
    assert a.barred == set(iotcard.Service)
    assert a.remedies == {iotcard.Hold.ARREARS: iotcard.Remedy.PAY_THEN_RESUME}
    assert a.remedy("arrears") == "pay_then_resume" and a.remedy("lost") is None
    assert a.call_restriction == (iotcard.CallCause.ARREARS,)
    assert a.can[iotcard.Action.MANUAL_RESUME] is False and set(a.can) == set(iotcard.Action)
    assert a.manual_suspend_unmet == {"arrears"}
    assert a.next is not None and a.next.change == "expire" and a.next.at == END
    assert a.next == card.assess(policy, at(2, 2)).next
    assert a.needs_action
    (detail,) = a.hold_details
    assert (detail.hold, detail.remedy, detail.since) == ("arrears", "pay_then_resume", at(1, 2))
    assert detail.to_dict() == a.to_dict()["hold_details"][0]
    assert a.at.utcoffset() == timedelta(hours=8)
    d = a.to_dict()
    assert d["status"] == "suspended" and d["holds"] == ["arrears"] and d["remedies"] == {"arrears": "pay_then_resume"}
    assert d["next"] == {"at": "2027-01-01T00:00:00+08:00", "change": "expire"}
    assert repr(a).startswith("Assessment(at='2026-02-01T01:00:00+08:00', status='suspended', holds=['arrears']")

    advanced = card.advance(policy, datetime(2027, 1, 1, 0, 0, 1, tzinfo=CST))
    kinds = [c.scheduled for c in advanced.changes if c.scheduled is not None]
    assert iotcard.ChangeKind.EXPIRE in kinds
    assert advanced.card.holds >= {"expired"}


def test_late_events_duplicates_and_corrections() -> None:
    """R12: a duplicate is flagged and changes nothing; a late event is a correction
    whose withdrawn changes say what no longer happens; the conflicts are classes."""
    policy = Policy(late_window_hours=48)
    assert policy.late_window_hours == 48 and Policy().late_window_hours == 0
    card = new_card().apply(policy, at(5, hour=10), Event.activate(IMEI)).card
    paid = card.apply(policy, at(10, hour=12), Event.payment(500), id="pay-1")
    assert not paid.duplicate and paid.withdrawn == ()
    again = paid.card.apply(policy, at(10, hour=12), {"type": "payment", "amount": 500, "id": "pay-1"})
    assert again.duplicate and again.card == paid.card and again.changes == () and again.withdrawn == ()
    with pytest.raises(iotcard.EventIdConflict) as conflict:
        paid.card.apply(policy, at(10, hour=13), Event.payment(500), id="pay-1")
    assert conflict.value.id == "pay-1" and conflict.value.accepted_at == at(10, hour=12)
    with pytest.raises(iotcard.LateEventConflict) as late:
        paid.card.apply(policy, at(10, hour=8), Event.cancel())
    assert late.value.accepted_event == "payment" and late.value.accepted_code == "terminal"
    assert late.value.accepted_id == "pay-1"
    with pytest.raises(iotcard.OutOfOrder) as old:
        paid.card.apply(policy, at(8, hour=11), Event.charge(1))
    assert old.value.earliest == at(8, hour=12)
    with pytest.raises(iotcard.InvalidInput):
        paid.card.apply(policy, at(10, hour=12), {"type": "payment", "amount": 500, "id": "x"}, id="x")

    # Expired at the plan's end and a keep-number fee reported; a renewal dated
    # the evening before, reported late, withdraws both.
    expired = card.advance(policy, datetime(2027, 1, 1, 12, tzinfo=CST))
    fees = [c for c in expired.changes if c.effect == "keep_number_fee_due"]
    assert [c.amount for c in fees] == [500]
    renewed = expired.card.apply(
        policy, datetime(2026, 12, 31, 20, tzinfo=CST), Event.renew(Plan(START, datetime(2028, 1, 1, tzinfo=CST), "month", 2**20, 1000))
    )
    assert fees[0] in renewed.withdrawn
    assert any(c.effect == "hold_put" and c.hold == "expired" for c in renewed.withdrawn)
    assert renewed.card.holds == frozenset() and renewed.card.clock == expired.card.clock
    assert "withdrawn=<" in repr(renewed)
    # The window is stored with the card.
    assert Card.from_json(renewed.card.to_json()) == renewed.card


def test_replace_returns_the_new_card() -> None:
    policy = Policy()
    card = new_card().apply(policy, at(5), Event.activate(IMEI)).card
    card = card.apply(policy, at(6), Event.report_lost()).card
    applied = card.apply(policy, at(7), Event.replace("89860012345678901246"))
    assert applied.card.status == "replaced" and applied.card.replaced_by == "89860012345678901246"
    assert applied.replacement is not None and applied.replacement.iccid == "89860012345678901246"
    assert applied.replacement.holds == frozenset()


def test_card_repr_and_equality() -> None:
    card = new_card()
    assert repr(card) == (
        "Card(iccid='89860012345678901238', status='inventory', holds=[], balance=1000, clock=None)"
    )
    assert card == new_card() and card != new_card(balance=1)
    assert card != "card"
    assert card.to_dict()["version"] == iotcard.STATE_VERSION


def test_refund_and_scheduled_values() -> None:
    policy = Policy()
    card = new_card().apply(policy, at(5), Event.activate(IMEI)).card
    r = card.assess(policy, at(5, 5)).refund
    assert r.to_dict() == {"eligible_to_request": True, "unused_months": 4, "estimate": 7000}
    assert (r.eligible_to_request, r.unused_months, r.estimate) == (True, 4, 7000)
    assert repr(r) == "Refund(eligible_to_request=True, unused_months=4, estimate=7000)"
    n = card.assess(policy, at(5, 5)).next
    assert n is not None
    assert n.to_dict() == {"at": "2027-01-01T00:00:00+08:00", "change": "expire"}
    assert repr(n) == "Scheduled(at='2027-01-01T00:00:00+08:00', change='expire')"
    assert n == card.assess(Policy(timezone="Z"), at(5, 5)).next  # same instant, another zone
    assert hash(n) == hash(card.assess(Policy(timezone="Z"), at(5, 5)).next)


def test_zoneinfo_datetimes_are_accepted() -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no time zone database")
    assert new_card().assess(Policy(), datetime(2026, 3, 1, tzinfo=shanghai)).at == at(1, 3)


def test_an_array_is_never_read_as_an_object() -> None:
    for text in ("[]", '["+08:00", 3, 99999]'):
        with pytest.raises(iotcard.InvalidInput, match="must be a JSON object"):
            Policy.from_json(text)
    with pytest.raises(iotcard.InvalidInput, match="must be a JSON object"):
        Event.from_json('["charge", 100]')
    plan = [START, END, "month", 1, 0]
    with pytest.raises(iotcard.InvalidInput, match=r"event\.plan.*must be a JSON object"):
        Event.from_dict({"type": "renew", "plan": plan})
    with pytest.raises(iotcard.InvalidInput, match=r"card\.plan.*must be a JSON object"):
        Card.open({"iccid": ICCID, "msisdn": MSISDN, "plan": plan})
    # A list or tuple where a dict is expected gets the same error as a JSON array.
    values: list[object] = [[], ("+08:00", 3, 99999)]
    for value in values:
        with pytest.raises(iotcard.InvalidInput, match=r"policy.*must be a JSON object"):
            Policy.from_dict(value)  # type: ignore[arg-type]
    with pytest.raises(iotcard.InvalidInput, match=r"event.*must be a JSON object"):
        Event.from_dict(["charge", 100])  # type: ignore[arg-type]
