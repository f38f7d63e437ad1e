"""Operators (docs/operators.md): policy book, report decoding, reconciliation."""

from datetime import datetime, timedelta, timezone

import pytest

import iotcard

CST = timezone(timedelta(hours=8))
LINE = {
    "card": {
        "iccid": "89860012345678901238",
        "msisdn": "1440012345678",
        "balance": 200,
        "plan": {
            "start": "2026-01-01T00:00:00+08:00",
            "end": "2027-01-01T00:00:00+08:00",
            "period": "month",
            "quota_bytes": 1048576,
            "monthly_fee": 0,
        },
    },
    "events": [
        {"at": "2026-01-02T00:00:00+08:00", "event": {"type": "activate", "imei": "490154203237518"}}
    ],
}
REPORT = {
    "iccid": "89860012345678901238",
    "at": "2026-02-01T00:00:00+08:00",
    "operator": "china_mobile",
    "cardStatus": "4",
    "stopReason": "000020000000",
}


def test_policy_book_errors_name_the_policy_and_field() -> None:
    with pytest.raises(iotcard.InvalidInput, match=r"policy_book\.operators\.china_mobile\.retention_months"):
        iotcard.PolicyBook.from_dict({"operators": {"china_mobile": {"retention_months": 5000}}})


def test_fleet_replay_under_the_operators_policy() -> None:
    book = iotcard.PolicyBook.from_dict({"operators": {"china_mobile": {"low_balance": 300}}})
    entry = iotcard.FleetEntry.from_dict(LINE)
    at = datetime(2026, 2, 1, tzinfo=CST)
    card = book.replay(entry, at).card
    assert "low_balance" in card.assess(book.policy_for("china_mobile"), at).holds
    with pytest.raises(iotcard.InvalidInput, match="card.operator"):
        iotcard.PolicyBook.from_dict({"operators": {"china_telecom": {}}}).replay(entry, at)


def test_decode_report_and_reconcile() -> None:
    view = iotcard.decode_report(REPORT)
    assert view["status"] == "suspended"
    assert [h["hold"] for h in view["holds"]] == ["arrears"]
    with pytest.raises(iotcard.InvalidInput, match=r"report\.stopReason"):
        iotcard.decode_report({**REPORT, "stopReason": "0002"})
    policy = iotcard.Policy()
    card = iotcard.FleetEntry.from_dict(LINE).replay(policy, datetime(2026, 1, 3, tzinfo=CST)).card
    r = iotcard.reconcile(card, policy, REPORT)
    assert [(d["kind"], d["hold"], d["event"]) for d in r["disagreements"]] == [
        ("operator_stops", "arrears", "charge")
    ]
