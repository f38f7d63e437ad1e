"""A pure-Python implementation of the iotcard rules (docs/rules.md, with DESIGN.md's
decisions), written the way a billing-script author would: the benchmarks' peer
and the differential oracle for the ``iotcard`` package. No dependency beyond the
standard library.

    policy = Policy.from_json_dict({"low_balance": 300})
    card = Card.open(NewCard.from_json_dict({...}))
    card = apply(card, policy, at, Event.from_json_dict({"type": "activate", "imei": "..."})).card
    a = assess(card, policy, later)       # a.status, a.holds, a.next, a.to_dict()
"""

from .card import (
    ACTIONS,
    Advanced,
    Applied,
    Assessment,
    Card,
    Refund,
    Scheduled,
    advance,
    apply,
    assess,
    next_due,
)
from .errors import ERROR_CODES, RuleError
from .model import CHANGE_KINDS, HOLDS, SERVICES, Event, NewCard, Plan, Policy
from .timecalc import add_months, format_instant, parse_instant, whole_months

__all__ = [
    "ACTIONS",
    "CHANGE_KINDS",
    "ERROR_CODES",
    "HOLDS",
    "SERVICES",
    "Advanced",
    "Applied",
    "Assessment",
    "Card",
    "Event",
    "NewCard",
    "Plan",
    "Policy",
    "Refund",
    "RuleError",
    "Scheduled",
    "add_months",
    "advance",
    "apply",
    "assess",
    "format_instant",
    "next_due",
    "parse_instant",
    "whole_months",
]
