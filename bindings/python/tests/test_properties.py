"""Hypothesis properties of the binding: JSON and pickle round trips, naive datetimes
refused, every error code raising its own class, and no malformed input crashing
the interpreter (only `IotCardError` may come out: a bad value is `InvalidInput`)."""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import iotcard
from iotcard import Card, Event, Plan, Policy

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 1, 1, tzinfo=CST)
ICCID = "89860012345678901238"
MSISDN = "1440012345678"
IMEI = "490154203237518"
PLAN: dict[str, Any] = {
    "start": "2026-01-01T00:00:00+08:00",
    "end": "2027-01-01T00:00:00+08:00",
    "period": "month",
    "quota_bytes": 100 * 2**20,
    "monthly_fee": 1000,
}
CLASSES: dict[str, type[iotcard.IotCardError]] = {
    "invalid_input": iotcard.InvalidInput,
    "out_of_order": iotcard.OutOfOrder,
    "terminal": iotcard.Terminal,
    "not_activated": iotcard.NotActivated,
    "already_activated": iotcard.AlreadyActivated,
    "manual_suspend_not_allowed": iotcard.ManualSuspendNotAllowed,
    "arrears_outstanding": iotcard.ArrearsOutstanding,
    "nothing_to_lift": iotcard.NothingToLift,
    "late_event_conflict": iotcard.LateEventConflict,
    "event_id_conflict": iotcard.EventIdConflict,
}


def luhn(body: str) -> str:
    """`body` with its Luhn check digit appended."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


# --- strategies --------------------------------------------------------------------------


def fixed_offsets() -> st.SearchStrategy[tzinfo]:
    """Fixed UTC offsets within ±23:59, and UTC itself."""
    return st.one_of(
        st.just(UTC),
        st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m))),
    )


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Aware datetimes from 2000 to 2100, in fixed offsets or IANA zones."""
    zones = st.one_of(fixed_offsets(), st.timezones())
    return st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=zones)


def naive_datetimes() -> st.SearchStrategy[datetime]:
    """Any naive datetime."""
    return st.datetimes()


def imeis() -> st.SearchStrategy[str]:
    """Valid IMEIs (15 digits, Luhn), a few on purpose so that devices repeat."""
    return st.sampled_from([IMEI, "356938035643809", luhn("35693803564380"), luhn("86000000000001")])


def iccids() -> st.SearchStrategy[str]:
    """Valid ICCIDs: 19 or 20 digits, starting 89, Luhn check digit."""
    return st.one_of(
        st.from_regex(r"\A89[0-9]{16}\Z").map(luhn),
        st.from_regex(r"\A89[0-9]{17}\Z").map(luhn),
    )


def plans() -> st.SearchStrategy[Plan]:
    """Valid plans starting in 2025–2027 and lasting 1 to 800 days."""
    return st.builds(
        lambda start, days, period, quota, fee: Plan(start, start + timedelta(days=days), period, quota, fee),
        st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(CST)),
        st.integers(1, 800),
        st.sampled_from(iotcard.Period),
        st.integers(0, 2**34),
        st.integers(0, 10_000),
    )


def events() -> st.SearchStrategy[Event]:
    """Every event type, with values that make rules fire (and some that are refused);
    traffic and money events are drawn more often than the terminal ones."""
    amounts = st.integers(1, 5000)
    usage = st.builds(
        lambda b, i, r: Event.usage(b, imei=i, region=r),
        st.integers(0, 300 * 2**20),
        st.one_of(st.none(), imeis()),
        st.sampled_from([None, "11", "44", "65", "54"]),
    )
    common = [usage, usage, usage, st.builds(Event.charge, amounts), st.builds(Event.payment, amounts)]
    return st.sampled_from(common + common + _rare_events()).flatmap(lambda s: s)


def _rare_events() -> list[st.SearchStrategy[Event]]:
    return [
        st.builds(Event.activate, st.one_of(st.none(), imeis())),
        st.builds(Event.top_up, st.integers(1, 100 * 2**20)),
        st.just(Event.manual_suspend()),
        st.just(Event.manual_resume()),
        st.builds(Event.renew, plans()),
        st.builds(Event.rebind, imeis()),
        st.builds(Event.operator_release, st.sampled_from(iotcard.Hold)),
        st.builds(
            Event.maintenance,
            st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=fixed_offsets()),
        ),
        st.just(Event.report_lost()),
        st.builds(Event.replace, iccids()),
        st.just(Event.cancel()),
    ]


def policies() -> st.SearchStrategy[Policy]:
    """Policies with any in-range settings."""
    return st.builds(
        lambda tz, kw: Policy(timezone=tz, **kw),
        st.sampled_from(["+08:00", "+00:00", "-05:00", "+05:45", "Z"]),
        st.fixed_dictionaries(
            {},
            optional={
                "retention_months": st.integers(0, 1200),
                "keep_number_fee": st.integers(0, 10_000),
                "credit_limit": st.integers(0, 10_000),
                "low_balance": st.integers(0, 10_000),
                "auto_resume_on_payment": st.booleans(),
                "overage_rate_per_mb": st.integers(0, 100),
                "device_binding": st.booleans(),
                "restricted_regions": st.lists(st.sampled_from(["11", "35", "44", "45", "54", "65"]), unique=True),
                "dormancy_months": st.one_of(st.none(), st.integers(1, 1200)),
                "refund_unused_months": st.integers(0, 1200),
            },
        ),
    )


@dataclass
class History:
    """A card after a random history, with the policy it ran under."""

    policy: Policy
    card: Card
    errors: list[iotcard.IotCardError]


@st.composite
def histories(draw: st.DrawFn) -> History:
    """A card opened, then a random sequence of events (refused ones included) at
    random, mostly increasing, instants; follows the replacement card."""
    policy = draw(st.one_of(st.just(Policy()), policies()))
    card = Card(ICCID, MSISDN, PLAN, balance=draw(st.integers(-1000, 5000)), auto_suspend=draw(st.booleans()))
    at = T0 + timedelta(days=draw(st.integers(-30, 30)))
    errors: list[iotcard.IotCardError] = []
    if draw(st.integers(0, 9)) > 0:
        card = card.apply(policy, at, Event.activate(IMEI)).card
    for gap, event in draw(st.lists(st.tuples(st.integers(-3600, 40 * 86400), events()), max_size=12)):
        at += timedelta(seconds=gap)
        try:
            applied = card.apply(policy, at, event)
        except iotcard.IotCardError as e:
            errors.append(e)
            continue
        card = applied.replacement or applied.card
    return History(policy, card, errors)


def json_values() -> st.SearchStrategy[Any]:
    """Arbitrary JSON-shaped Python values."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.text(max_size=30)
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
        max_leaves=20,
    )


# --- round trips ---------------------------------------------------------------------------


def after_clock(card: Card) -> datetime:
    return (card.clock or T0) + timedelta(days=1)


@given(histories())
def test_card_state_round_trips_through_json_dict_and_pickle(h: History) -> None:
    card = h.card
    for copy in (
        Card.from_json(card.to_json()),
        Card.from_json(card.to_json().encode()),
        Card.from_dict(card.to_dict()),
        pickle.loads(pickle.dumps(card)),
    ):
        assert copy == card
        assert copy.to_json() == card.to_json()
        at = after_clock(card)
        assert copy.assess(h.policy, at) == card.assess(h.policy, at)
    assert json.loads(card.to_json())["version"] == iotcard.STATE_VERSION


@given(events())
def test_event_round_trips(e: Event) -> None:
    assert Event.from_json(e.to_json()) == e
    assert Event.from_dict(e.to_dict()) == e
    assert pickle.loads(pickle.dumps(e)) == e
    assert e.to_dict()["type"] == e.type


@given(policies())
def test_policy_round_trips(p: Policy) -> None:
    assert Policy.from_json(p.to_json()) == p
    assert Policy.from_dict(p.to_dict()) == p
    assert Policy(**p.to_dict()) == p
    assert pickle.loads(pickle.dumps(p)) == p
    assert eval(repr(p), {"Policy": Policy}) == p


@given(plans())
def test_plan_round_trips(p: Plan) -> None:
    assert pickle.loads(pickle.dumps(p)) == p
    assert Event.renew(p.to_dict()) == Event.renew(p)
    assert Plan(p.start, p.end, p.period, p.quota_bytes, p.monthly_fee) == p


@given(histories())
def test_assessment_to_dict_is_its_json(h: History) -> None:
    a = h.card.assess(h.policy, after_clock(h.card))
    assert a.to_dict() == {**json.loads(a.to_json()), "needs_action": a.needs_action}
    assert a.to_dict()["hold_details"] == [d.to_dict() for d in a.hold_details]
    assert a.to_dict()["holds"] == [x.value for x in iotcard.Hold if x in a.holds]


# --- datetimes -----------------------------------------------------------------------------


def activated() -> Card:
    return Card(ICCID, MSISDN, PLAN).apply(Policy(), T0 + timedelta(days=4), Event.activate(IMEI)).card


@given(naive_datetimes(), st.sampled_from(["apply", "advance", "assess", "assess_many", "maintenance", "plan"]))
def test_naive_datetimes_are_refused(t: datetime, where: str) -> None:
    card, policy = activated(), Policy()
    with pytest.raises(iotcard.InvalidInput, match="naive datetime") as info:
        if where == "apply":
            card.apply(policy, t, Event.charge(1))
        elif where == "advance":
            card.advance(policy, t)
        elif where == "assess":
            card.assess(policy, t)
        elif where == "assess_many":
            iotcard.assess_many([card], policy=policy, at=t)
        elif where == "maintenance":
            Event.maintenance(t)
        else:
            Plan(t, t.replace(tzinfo=UTC) + timedelta(days=1), "month", 1, 1)
    assert isinstance(info.value, ValueError)
    assert info.value.code == "invalid_input"
    assert info.value.field in {"at", "to", "event.until", "plan.start"}


@given(aware_datetimes())
def test_aware_datetimes_are_instants(t: datetime) -> None:
    card = Card(ICCID, MSISDN, PLAN)
    a = card.assess(Policy(), t)
    b = card.assess(Policy(), t.astimezone(UTC))
    assert a == b
    # (Not `a.at == t`: Python never equates a fold-ambiguous local time with
    # another zone's; the instant itself is what must match.)
    assert a.at == t.astimezone(UTC) and a.at.timestamp() == t.timestamp()
    assert a.at.utcoffset() == timedelta(hours=8)  # reported in the policy's zone
    assert Event.maintenance(t) == Event.maintenance(t.astimezone(CST))


@given(st.sampled_from([None, "2026-02-01", 1769875200, 1.5, object()]))
def test_non_datetimes_are_invalid_input(t: object) -> None:
    with pytest.raises(iotcard.InvalidInput, match="datetime"):
        Card(ICCID, MSISDN, PLAN).assess(Policy(), t)  # type: ignore[arg-type]


# --- errors --------------------------------------------------------------------------------


@given(histories())
def test_refusals_raise_the_class_of_their_code(h: History) -> None:
    for e in h.errors:
        assert type(e) is CLASSES[e.code]
        assert e.code in iotcard.ERROR_CODES
        assert str(e)
        assert isinstance(e, ValueError) == (e.code == "invalid_input")


def _trigger(code: str) -> None:
    """Makes the core refuse with `code`."""
    p = Policy()
    inventory = Card(ICCID, MSISDN, PLAN, balance=100)
    active = inventory.apply(p, T0 + timedelta(days=4), Event.activate(IMEI)).card
    later = T0 + timedelta(days=10)
    if code == "invalid_input":
        Event.charge(0)
    elif code == "out_of_order":
        active.apply(p, T0, Event.payment(1))
    elif code == "terminal":
        active.apply(p, later, Event.cancel()).card.apply(p, later, Event.payment(1))
    elif code == "not_activated":
        inventory.apply(p, later, Event.usage(1))
    elif code == "already_activated":
        active.apply(p, later, Event.activate(IMEI))
    elif code == "manual_suspend_not_allowed":
        active.apply(p, later, Event.charge(500)).card.apply(p, later, Event.manual_suspend())
    elif code == "arrears_outstanding":
        active.apply(p, later, Event.charge(500)).card.apply(p, later, Event.manual_resume())
    elif code == "nothing_to_lift":
        active.apply(p, later, Event.operator_release("restricted_region"))
    elif code == "late_event_conflict":
        w = Policy(late_window_hours=48)
        paid = active.apply(w, later, Event.payment(1))
        paid.card.apply(w, later - timedelta(hours=1), Event.cancel())
    elif code == "event_id_conflict":
        active.apply(p, later, Event.payment(1), id="p1").card.apply(p, later, Event.payment(2), id="p1")


@pytest.mark.parametrize("code", iotcard.ERROR_CODES)
def test_every_error_code_raises_its_own_class(code: str) -> None:
    cls = CLASSES[code]
    assert cls.__name__ == "".join(w.title() for w in code.split("_"))
    assert issubclass(cls, iotcard.IotCardError)
    assert getattr(cls, "code") == code
    with pytest.raises(cls) as info:
        _trigger(code)
    e = info.value
    assert type(e) is cls and e.code == code
    copy = pickle.loads(pickle.dumps(e))
    assert type(copy) is cls and str(copy) == str(e) and copy.code == code


def test_error_fields() -> None:
    with pytest.raises(iotcard.InvalidInput) as bad:
        Event.rebind("490154203237519")
    assert (bad.value.field, bad.value.value) == ("event.imei", '"490154203237519"')
    assert "Luhn" in bad.value.reason and "event.imei" in str(bad.value)
    p, at = Policy(), T0 + timedelta(days=10)
    owing = activated().apply(p, at, Event.charge(500)).card
    with pytest.raises(iotcard.ManualSuspendNotAllowed) as ms:
        owing.apply(p, at, Event.manual_suspend())
    assert ms.value.unmet == {iotcard.Condition.ARREARS}
    with pytest.raises(iotcard.ArrearsOutstanding) as ao:
        owing.apply(p, at, Event.manual_resume())
    assert ao.value.balance == -500
    with pytest.raises(iotcard.NothingToLift) as nl:
        activated().apply(p, at, Event.manual_resume())
    assert nl.value.holds == {"manual", "arrears"} and nl.value.event == "manual_resume"
    with pytest.raises(iotcard.OutOfOrder) as oo:
        activated().assess(p, T0)
    assert oo.value.at == T0 and oo.value.last == T0 + timedelta(days=4)


# --- malformed input ------------------------------------------------------------------------

PARSERS: list[Callable[[Any], object]] = [Policy.from_json, Card.open, Card.from_json, Event.from_json, Policy.from_dict, Card.from_dict, Event.from_dict]


@given(st.one_of(st.text(), st.binary()), st.sampled_from(PARSERS))
def test_malformed_json_text_never_crashes(data: str | bytes, parse: Any) -> None:
    try:
        parse(data)
    except iotcard.InvalidInput:
        pass


@given(json_values(), st.sampled_from(PARSERS[4:] + [Card.open]))
def test_json_shaped_values_never_crash(value: Any, parse: Any) -> None:
    try:
        parse(value)
    except iotcard.InvalidInput:
        pass


@given(histories(), st.data())
def test_mutated_card_state_never_crashes(h: History, data: st.DataObject) -> None:
    text = h.card.to_json()
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i, min(len(text), i + 8)))
    junk = data.draw(st.text(alphabet='0123456789-+:.TZ"{}[],abcdefghijklmnopqrstuvwxyz_ ', max_size=8))
    mutated = text[:i] + junk + text[j:]
    try:
        card = Card.from_json(mutated)
    except iotcard.InvalidInput:
        return
    try:
        card.assess(h.policy, after_clock(card))
    except iotcard.IotCardError:
        pass


@given(st.dictionaries(st.text(max_size=20), json_values(), max_size=6))
def test_policy_keywords_never_crash(kw: dict[str, Any]) -> None:
    try:
        Policy(**kw)
    except iotcard.InvalidInput:
        pass


@given(st.sampled_from([Event.charge, Event.payment, Event.top_up, Event.rebind, Event.replace, Event.operator_release]),
       st.one_of(json_values(), st.integers()))
def test_constructor_arguments_never_crash(make: Any, arg: Any) -> None:
    try:
        make(arg)
    except iotcard.InvalidInput:
        pass


@pytest.mark.parametrize("depth", [200, 100_000])
def test_deep_nesting_is_refused_not_a_crash(depth: int) -> None:
    nested: Any = []
    for _ in range(min(depth, 5_000)):
        nested = [nested]
    with pytest.raises(iotcard.InvalidInput):
        Card.open({"iccid": ICCID, "msisdn": MSISDN, "plan": nested})
    with pytest.raises(iotcard.InvalidInput):
        Card.from_json("[" * depth + "]" * depth)


def test_huge_integers_are_invalid_input() -> None:
    with pytest.raises(iotcard.InvalidInput, match="event.amount"):
        Event.charge(2**80)
    with pytest.raises(iotcard.InvalidInput, match="event.bytes"):
        Event.usage(-1)
    with pytest.raises(iotcard.InvalidInput, match="event.amount"):
        Event.charge(True)


@given(histories())
def test_assess_many_matches_assess(h: History) -> None:
    at = after_clock(h.card)
    cards = [h.card, Card(ICCID, MSISDN, PLAN)]
    r = iotcard.assess_many(cards, policy=h.policy, at=at)
    assert [r[i] for i in range(len(r))] == [c.assess(h.policy, at) for c in cards]
    assume(r.error[0] == -1)
    assert r.balance[0] == h.card.balance
