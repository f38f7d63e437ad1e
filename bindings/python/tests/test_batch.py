"""assess_many: compact columns (buffer protocol, zero copy), per-card access on
demand, per-card errors that do not stop the batch."""

from __future__ import annotations

import gc
import threading
from datetime import datetime, timedelta, timezone

import pytest

import iotcard
from iotcard import Card, Event, Policy

CST = timezone(timedelta(hours=8))
PLAN = {
    "start": "2026-01-01T00:00:00+08:00",
    "end": "2027-01-01T00:00:00+08:00",
    "period": "month",
    "quota_bytes": 100 * 2**20,
    "monthly_fee": 1000,
}


def fleet(n: int) -> list[Card]:
    """n cards in various states: inventory, active, in arrears, lost."""
    policy = Policy()
    base = Card("89860012345678901238", "1440012345678", PLAN, balance=1000)
    active = base.apply(policy, datetime(2026, 1, 5, tzinfo=CST), Event.activate("490154203237518")).card
    owing = active.apply(policy, datetime(2026, 2, 1, tzinfo=CST), Event.charge(1500)).card
    lost = active.apply(policy, datetime(2026, 2, 2, tzinfo=CST), Event.report_lost()).card
    kinds = [base, active, owing, lost]
    return [kinds[i % 4] for i in range(n)]


AT = datetime(2026, 3, 1, tzinfo=CST)


def test_columns_hold_what_assess_says() -> None:
    cards, policy = fleet(8), Policy()
    r = iotcard.assess_many(cards, policy=policy, at=AT)
    assert len(r) == 8 and r.at == AT and r.policy == policy
    statuses = list(iotcard.Status)
    for i, card in enumerate(cards):
        a = card.assess(policy, AT)
        assert r[i] == a and r[i - 8] == a
        assert statuses[r.status[i]] is a.status
        assert iotcard.Hold.from_bits(r.holds[i]) == a.holds
        assert r.balance[i] == a.balance
        assert r.needs_action[i] is a.needs_action
        assert r.error[i] == -1
    assert [a.status for a in r] == [c.assess(policy, AT).status for c in cards]
    assert r.card(2) == cards[2]
    assert r.status.format == "B" and r.holds.format == "H" and r.next_at.format == "q"
    assert r.refund_eligible.format == "?" and r.status.readonly
    assert set(r.columns()) >= {"status", "holds", "next_at", "next_change", "error"}
    with pytest.raises(IndexError):
        r[8]


def test_next_change_instants_are_unix_ms_or_nat() -> None:
    cards, policy = fleet(4), Policy()
    r = iotcard.assess_many(cards, policy=policy, at=AT)
    assert r.next_at[0] == -(2**63) and r.next_change[0] == -1  # inventory: nothing scheduled
    n = cards[1].assess(policy, AT).next
    assert n is not None
    assert r.next_at[1] == int(n.at.timestamp() * 1000)
    assert list(iotcard.ChangeKind)[r.next_change[1]] == n.change


def test_a_card_that_cannot_be_assessed_does_not_stop_the_batch() -> None:
    cards, policy = fleet(4), Policy()
    early = datetime(2026, 1, 10, tzinfo=CST)  # before the clock of the owing and lost cards
    r = iotcard.assess_many(cards, policy=policy, at=early)
    assert list(r.error) == [-1, -1, 1, 1]
    assert iotcard.ERROR_CODES[1] == "out_of_order"
    assert r[1].status == "active"
    with pytest.raises(iotcard.OutOfOrder):
        r[2]
    assert "2 failed" in repr(r)


def test_any_iterable_of_cards_and_type_errors() -> None:
    policy = Policy()
    r = iotcard.assess_many((c for c in fleet(3)), policy=policy, at=AT)
    assert len(r) == 3
    assert len(iotcard.assess_many([], policy=policy, at=AT)) == 0
    with pytest.raises(TypeError):
        iotcard.assess_many([object()], policy=policy, at=AT)  # type: ignore[list-item]
    with pytest.raises(iotcard.InvalidInput, match="naive"):
        iotcard.assess_many(fleet(1), policy=policy, at=datetime(2026, 3, 1))


def test_numpy_takes_the_columns_without_copying() -> None:
    np = pytest.importorskip("numpy")
    r = iotcard.assess_many(fleet(1000), policy=Policy(), at=AT)
    view = r.status
    a, b = np.asarray(view), np.asarray(view)
    assert a.dtype == np.uint8 and a.shape == (1000,)
    assert not a.flags.owndata and not a.flags.writeable
    assert a.__array_interface__["data"][0] == b.__array_interface__["data"][0]  # one buffer, shared
    assert np.shares_memory(a, b)
    assert np.asarray(r.balance).dtype == np.int64
    assert np.asarray(r.refund_eligible).dtype == np.bool_
    nxt = np.asarray(r.next_at).view("datetime64[ms]")
    assert np.isnat(nxt[0]) and not np.isnat(nxt[1])
    suspended = list(iotcard.Status).index(iotcard.Status.SUSPENDED)
    assert int((a == suspended).sum()) == 500
    arrears = 1 << list(iotcard.Hold).index(iotcard.Hold.ARREARS)
    assert int((np.asarray(r.holds) & arrears != 0).sum()) == 250


def test_columns_outlive_the_result() -> None:
    np = pytest.importorskip("numpy")
    r = iotcard.assess_many(fleet(100), policy=Policy(), at=AT)
    a = np.asarray(r.balance)
    expected = [c.balance for c in fleet(100)]
    del r
    gc.collect()
    assert a.tolist() == expected


def test_batch_releases_the_gil_and_is_thread_safe() -> None:
    cards, policy = fleet(2000), Policy()
    results: list[iotcard.Assessments] = []

    def run() -> None:
        results.append(iotcard.assess_many(cards, policy=policy, at=AT))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    assert all(list(r.status) == list(results[0].status) for r in results)
