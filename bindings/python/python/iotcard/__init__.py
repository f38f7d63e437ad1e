"""IoT SIM card lifecycle rules for billing scripts.

Decides, for an IoT SIM card, whether it is active, why it is suspended, what
lifts each suspension, what fees accrue, and what happens next and when. The
rules live in the Rust core; this package only converts.

>>> from datetime import datetime, timedelta, timezone
>>> import iotcard
>>> cst = timezone(timedelta(hours=8))
>>> policy = iotcard.Policy()
>>> card = iotcard.Card.open({
...     "iccid": "89860012345678901238", "msisdn": "1440012345678", "balance": 1000,
...     "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
...              "period": "month", "quota_bytes": 104857600, "monthly_fee": 1000}})
>>> card = card.apply(policy, datetime(2026, 1, 5, 10, tzinfo=cst),
...                   iotcard.Event.activate("490154203237518")).card
>>> card = card.apply(policy, datetime(2026, 2, 1, tzinfo=cst), iotcard.Event.charge(1500)).card
>>> a = card.assess(policy, datetime(2026, 2, 1, 0, 0, 1, tzinfo=cst))
>>> a.status == "suspended", a.holds == {"arrears"}, a.remedies
(True, True, {<Hold.ARREARS: 'arrears'>: <Remedy.PAY_THEN_RESUME: 'pay_then_resume'>})
"""

from iotcard._iotcard import (
    ERROR_CODES,
    STATE_VERSION,
    Action,
    Advanced,
    AlreadyActivated,
    Applied,
    ArrearsOutstanding,
    Assessment,
    Assessments,
    CallCause,
    Card,
    Change,
    ChangeKind,
    Condition,
    Event,
    FleetEntry,
    Hold,
    HoldDetail,
    InvalidInput,
    IotCardError,
    ManualSuspendNotAllowed,
    NotActivated,
    NothingToLift,
    OutOfOrder,
    Period,
    Plan,
    Policy,
    PolicyBook,
    Refund,
    Refused,
    Remedy,
    Replayed,
    Rule,
    Scheduled,
    Service,
    Status,
    Terminal,
    __version__,
    assess_many,
    decode_report,
    reconcile,
)

__all__ = [
    "ERROR_CODES",
    "STATE_VERSION",
    "Action",
    "Advanced",
    "AlreadyActivated",
    "Applied",
    "ArrearsOutstanding",
    "Assessment",
    "Assessments",
    "CallCause",
    "Card",
    "Change",
    "ChangeKind",
    "Condition",
    "Event",
    "FleetEntry",
    "Hold",
    "HoldDetail",
    "InvalidInput",
    "IotCardError",
    "ManualSuspendNotAllowed",
    "NotActivated",
    "NothingToLift",
    "OutOfOrder",
    "Period",
    "Plan",
    "Policy",
    "PolicyBook",
    "Refund",
    "Refused",
    "Remedy",
    "Replayed",
    "Rule",
    "Scheduled",
    "Service",
    "Status",
    "Terminal",
    "__version__",
    "assess_many",
    "decode_report",
    "reconcile",
]
