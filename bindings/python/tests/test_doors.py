"""One behaviour whichever door a value comes in by, and the shape every class keeps:
a bad value raises the same class (and names the same field) through a typed
constructor as through ``from_dict``; ``to_dict()`` keys are the attribute names;
immutable values are hashable; the batch's bit sets have decoders."""

from __future__ import annotations

import enum
import inspect
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import iotcard
from iotcard import Card, Event, Plan, Policy

CST = timezone(timedelta(hours=8))
ICCID = "89860012345678901238"
MSISDN = "1440012345678"
IMEI = "490154203237518"
START = datetime(2026, 1, 1, tzinfo=CST)
END = datetime(2027, 1, 1, tzinfo=CST)
PLAN = {"start": START, "end": END, "period": "month", "quota_bytes": 1024, "monthly_fee": 1000}

# Bad values of every field type a constructor takes: a float, a str, a bool, None
# where a value is required, a naive datetime, a list, an object, an out-of-range int.
BAD: list[object] = [15.0, "15", True, [], {}, object(), 2**80, -1, "x", datetime(2026, 3, 1)]


def _raises(make: Callable[[], object]) -> tuple[type[BaseException], str] | None:
    try:
        make()
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        field = getattr(e, "field", "")
        return type(e), field
    return None


# (name, typed constructor of one argument, the same event as from_dict of that value)
EVENT_DOORS: list[tuple[str, Callable[[Any], object], Callable[[Any], object]]] = [
    ("charge", Event.charge, lambda v: Event.from_dict({"type": "charge", "amount": v})),
    ("payment", Event.payment, lambda v: Event.from_dict({"type": "payment", "amount": v})),
    ("top_up", Event.top_up, lambda v: Event.from_dict({"type": "top_up", "bytes": v})),
    ("usage", Event.usage, lambda v: Event.from_dict({"type": "usage", "bytes": v})),
    ("usage.imei", lambda v: Event.usage(1, imei=v), lambda v: Event.from_dict({"type": "usage", "bytes": 1, "imei": v})),
    ("usage.region", lambda v: Event.usage(1, region=v), lambda v: Event.from_dict({"type": "usage", "bytes": 1, "region": v})),
    ("activate", Event.activate, lambda v: Event.from_dict({"type": "activate", "imei": v})),
    ("rebind", Event.rebind, lambda v: Event.from_dict({"type": "rebind", "imei": v})),
    ("replace", Event.replace, lambda v: Event.from_dict({"type": "replace", "iccid": v})),
    ("operator_release", Event.operator_release, lambda v: Event.from_dict({"type": "operator_release", "hold": v})),
    ("maintenance", Event.maintenance, lambda v: Event.from_dict({"type": "maintenance", "until": v})),
    ("renew", Event.renew, lambda v: Event.from_dict({"type": "renew", "plan": v})),
    ("renew.plan.end", lambda v: Event.renew(dict(PLAN, end=v)), lambda v: Event.from_dict({"type": "renew", "plan": dict(PLAN, end=v)})),
]

# The event type and field each event door sets, for the JSON text door.
EVENT_FIELDS = {
    "charge": ("charge", "amount"), "payment": ("payment", "amount"), "top_up": ("top_up", "bytes"),
    "activate": ("activate", "imei"), "rebind": ("rebind", "imei"), "replace": ("replace", "iccid"),
    "operator_release": ("operator_release", "hold"), "maintenance": ("maintenance", "until"),
    "renew": ("renew", "plan"),
}

OTHER_DOORS: list[tuple[str, Callable[[Any], object], Callable[[Any], object]]] = [
    ("plan.start", lambda v: Plan(v, END, "month", 1, 1), lambda v: Plan.from_dict(dict(PLAN, start=v, quota_bytes=1, monthly_fee=1))),
    ("plan.end", lambda v: Plan(START, v, "month", 1, 1), lambda v: Plan.from_dict(dict(PLAN, end=v, quota_bytes=1, monthly_fee=1))),
    ("plan.period", lambda v: Plan(START, END, v, 1, 1), lambda v: Plan.from_dict(dict(PLAN, period=v, quota_bytes=1, monthly_fee=1))),
    ("plan.quota_bytes", lambda v: Plan(START, END, "month", v, 1), lambda v: Plan.from_dict(dict(PLAN, quota_bytes=v, monthly_fee=1))),
    ("plan.monthly_fee", lambda v: Plan(START, END, "month", 1, v), lambda v: Plan.from_dict(dict(PLAN, quota_bytes=1, monthly_fee=v))),
    ("card.iccid", lambda v: Card(v, MSISDN, PLAN), lambda v: Card.open({"iccid": v, "msisdn": MSISDN, "plan": PLAN})),
    ("card.msisdn", lambda v: Card(ICCID, v, PLAN), lambda v: Card.open({"iccid": ICCID, "msisdn": v, "plan": PLAN})),
    ("card.plan", lambda v: Card(ICCID, MSISDN, v), lambda v: Card.open({"iccid": ICCID, "msisdn": MSISDN, "plan": v})),
    ("card.balance", lambda v: Card(ICCID, MSISDN, PLAN, balance=v), lambda v: Card.open({"iccid": ICCID, "msisdn": MSISDN, "plan": PLAN, "balance": v})),
    ("card.auto_suspend", lambda v: Card(ICCID, MSISDN, PLAN, auto_suspend=v), lambda v: Card.open({"iccid": ICCID, "msisdn": MSISDN, "plan": PLAN, "auto_suspend": v})),
    ("policy.low_balance", lambda v: Policy(low_balance=v), lambda v: Policy.from_dict({"low_balance": v})),
    ("policy.timezone", lambda v: Policy(timezone=v), lambda v: Policy.from_dict({"timezone": v})),
]


@pytest.mark.parametrize(("name", "typed", "from_dict"), EVENT_DOORS + OTHER_DOORS, ids=[d[0] for d in EVENT_DOORS + OTHER_DOORS])
@pytest.mark.parametrize("value", BAD, ids=repr)
def test_a_bad_value_raises_the_same_class_through_every_door(
    name: str, typed: Callable[[Any], object], from_dict: Callable[[Any], object], value: object
) -> None:
    a, b = _raises(lambda: typed(value)), _raises(lambda: from_dict(value))
    assert a == b, f"{name}({value!r}): typed constructor {a}, from_dict {b}"
    if a is not None and name in EVENT_FIELDS and type(value) is not object and not isinstance(value, datetime):
        # The third door, JSON text, says the same.
        text = json.dumps({"type": EVENT_FIELDS[name][0], EVENT_FIELDS[name][1]: value})
        assert _raises(lambda: Event.from_json(text)) == a
    if a is not None:
        assert a[0] is iotcard.InvalidInput and a[1].startswith(("event.", "plan.", "card.", "policy."))


def test_charge_of_a_float_is_invalid_input_both_ways() -> None:
    makers: list[Callable[[], object]] = [
        lambda: Event.charge(15.0),  # type: ignore[arg-type]
        lambda: Event.from_dict({"type": "charge", "amount": 15.0}),
    ]
    messages = set()
    for make in makers:
        with pytest.raises(iotcard.InvalidInput) as info:
            make()
        assert info.value.field == "event.amount"
        messages.add(str(info.value))
    assert len(messages) == 1


# --- to_dict keys are the attribute names ----------------------------------------------


def _attributes(obj: object) -> set[str]:
    """The public data attributes of `obj` (its class's properties and getsets)."""
    cls = type(obj)
    return {
        name
        for name, v in inspect.getmembers(cls)
        if not name.startswith("_") and (inspect.isdatadescriptor(v) or isinstance(v, property))
    }


def _samples() -> list[object]:
    policy = Policy(low_balance=300)
    card = Card(ICCID, MSISDN, PLAN, balance=100).apply(policy, START + timedelta(days=4), Event.activate(IMEI)).card
    applied = card.apply(policy, START + timedelta(days=5), Event.charge(500))
    owing = applied.card
    a = owing.assess(policy, START + timedelta(days=6))
    assert a.next is not None and a.hold_details
    changes = applied.changes + owing.advance(policy, END + timedelta(days=1)).changes
    return [policy, owing.plan, a, a.next, a.refund, *a.hold_details, *changes, *_events()]


def _events() -> list[Event]:
    return [
        Event.activate(IMEI), Event.usage(5, imei=IMEI, region="65"), Event.charge(1), Event.payment(1),
        Event.top_up(1), Event.manual_suspend(), Event.manual_resume(), Event.renew(PLAN), Event.rebind(IMEI),
        Event.operator_release("restricted_region"), Event.maintenance(END), Event.report_lost(),
        Event.replace("89860012345678901246"), Event.cancel(),
    ]


@pytest.mark.parametrize("obj", _samples(), ids=lambda o: type(o).__name__)
def test_to_dict_keys_are_attribute_names(obj: Any) -> None:
    d = obj.to_dict()
    if isinstance(obj, Event):
        # One class for every event type: `type` and the type's own fields, each an
        # attribute; the other fields' attributes are None.
        assert "type" in d and set(d) <= _attributes(obj)
        assert all(getattr(obj, k) is not None for k in d)
        assert all(getattr(obj, k) is None for k in _attributes(obj) - set(d))
    else:
        assert set(d) == _attributes(obj), type(obj).__name__


def test_card_to_dict_is_the_stored_state() -> None:
    card = Card(ICCID, MSISDN, PLAN)
    assert card.to_dict()["version"] == iotcard.STATE_VERSION
    assert Card.from_dict(card.to_dict()) == card


# --- hashable values ---------------------------------------------------------------------


def _values() -> list[object]:
    card = Card(ICCID, MSISDN, PLAN)
    applied = card.apply(Policy(), START + timedelta(days=4), Event.activate(IMEI))
    return [*_samples(), card, applied, applied.card.advance(Policy(), END + timedelta(days=1))]


@pytest.mark.parametrize("i", range(len(_values())), ids=[type(o).__name__ for o in _values()])
def test_immutable_values_are_hashable_and_equal_values_hash_alike(i: int) -> None:
    obj, twin = _values()[i], _values()[i]  # made twice: equal, not the same object
    assert obj is not twin and obj == twin and hash(obj) == hash(twin)
    assert len({obj, twin}) == 1
    name = next(iter(_attributes(obj)))
    with pytest.raises(AttributeError):
        setattr(obj, name, None)


def test_different_values_mostly_hash_differently() -> None:
    events = _events()
    assert len({hash(e) for e in events}) == len(events)
    assert hash(Policy()) != hash(Policy(low_balance=1))


# --- the batch's bit sets decode ---------------------------------------------------------

BIT_ENUMS: list[type[enum.StrEnum]] = [iotcard.Hold, iotcard.Service, iotcard.Action, iotcard.CallCause]


@pytest.mark.parametrize("cls", BIT_ENUMS, ids=lambda c: c.__name__)
def test_from_bits_decodes_every_member_and_refuses_the_rest(cls: Any) -> None:
    members = list(cls)
    assert not cls.from_bits(0)
    for i, m in enumerate(members):
        assert list(cls.from_bits(1 << i)) == [m]
    every = cls.from_bits((1 << len(members)) - 1)
    assert set(every) == set(members)
    if cls is iotcard.CallCause:
        assert every == tuple(members)  # the diagnosis order
    else:
        assert isinstance(every, frozenset)
    for bad in (1 << len(members), -1, 1.0, "1", None, True):
        with pytest.raises(iotcard.InvalidInput, match=f"{cls.__name__}.from_bits"):
            cls.from_bits(bad)


def test_from_bits_reads_the_batch_columns() -> None:
    policy = Policy()
    card = Card(ICCID, MSISDN, PLAN, balance=100).apply(policy, START + timedelta(days=4), Event.activate(IMEI)).card
    card = card.apply(policy, START + timedelta(days=5), Event.charge(500)).card
    at = START + timedelta(days=6)
    r, a = iotcard.assess_many([card], policy=policy, at=at), card.assess(policy, at)
    assert iotcard.Hold.from_bits(r.holds[0]) == a.holds == {"arrears"}
    assert iotcard.Service.from_bits(r.barred[0]) == a.barred
    assert iotcard.Action.from_bits(r.can[0]) == {k for k, v in a.can.items() if v}
    assert iotcard.CallCause.from_bits(r.call_restriction[0]) == a.call_restriction
    import numpy as np  # pinned in requirements-dev.txt

    assert iotcard.Hold.from_bits(np.asarray(r.holds)[0]) == a.holds  # a numpy.uint16
