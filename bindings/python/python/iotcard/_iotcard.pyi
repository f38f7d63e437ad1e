"""Type stubs for the native module ``iotcard._iotcard`` (checked with mypy.stubtest)."""

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, final

__all__ = [
    "Assessment",
    "Change",
    "Refund",
    "Scheduled",
    "Assessments",
    "assess_many",
    "Advanced",
    "Applied",
    "Card",
    "Plan",
    "Event",
    "Policy",
    "STATE_VERSION",
    "ERROR_CODES",
    "Hold",
    "Service",
    "Status",
    "ChangeKind",
    "Remedy",
    "Action",
    "Period",
    "CallCause",
    "Condition",
    "Rule",
    "IotCardError",
    "InvalidInput",
    "OutOfOrder",
    "Terminal",
    "NotActivated",
    "AlreadyActivated",
    "ManualSuspendNotAllowed",
    "ArrearsOutstanding",
    "NothingToLift",
]

__version__: str
STATE_VERSION: int
ERROR_CODES: tuple[str, ...]

_Json = str | bytes | bytearray
_JsonOrMapping = Mapping[str, Any] | str | bytes | bytearray

# Enums: members equal their scenario names (``Hold.ARREARS == "arrears"``).

class Hold(StrEnum):
    MANUAL = "manual"
    OVER_QUOTA = "over_quota"
    ARREARS = "arrears"
    LOW_BALANCE = "low_balance"
    EXPIRED = "expired"
    DEVICE_MISMATCH = "device_mismatch"
    RESTRICTED_REGION = "restricted_region"
    MAINTENANCE = "maintenance"
    LOST = "lost"

class Service(StrEnum):
    DATA = "data"
    VOICE_OUTGOING = "voice_outgoing"
    VOICE_INCOMING = "voice_incoming"
    SMS = "sms"

class Status(StrEnum):
    INVENTORY = "inventory"
    ACTIVE = "active"
    RESTRICTED = "restricted"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    REPLACED = "replaced"

class ChangeKind(StrEnum):
    LIFT_OVER_QUOTA = "lift_over_quota"
    EXPIRE = "expire"
    KEEP_NUMBER_FEE = "keep_number_fee"
    CANCEL = "cancel"
    LIFT_MAINTENANCE = "lift_maintenance"
    DORMANCY_CANCEL = "dormancy_cancel"

class Remedy(StrEnum):
    MANUAL_RESUME = "manual_resume"
    BUY_DATA_PACKAGE = "buy_data_package"
    PAY_THEN_RESUME = "pay_then_resume"
    PAY = "pay"
    TOP_UP = "top_up"
    RENEW = "renew"
    REBIND_DEVICE = "rebind_device"
    CONTACT_OPERATOR = "contact_operator"
    WAIT_MAINTENANCE_END = "wait_maintenance_end"
    REPLACE_CARD = "replace_card"

class Action(StrEnum):
    ACTIVATE = "activate"
    MANUAL_SUSPEND = "manual_suspend"
    MANUAL_RESUME = "manual_resume"
    RENEW = "renew"
    REBIND = "rebind"
    OPERATOR_RELEASE = "operator_release"
    REPORT_LOST = "report_lost"
    REPLACE = "replace"
    CANCEL = "cancel"

class Period(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

class CallCause(StrEnum):
    ARREARS = "arrears"
    LOW_BALANCE = "low_balance"
    LOST = "lost"
    CONTACT_OPERATOR = "contact_operator"

class Condition(StrEnum):
    PLAN_NOT_VALID = "plan_not_valid"
    ARREARS = "arrears"
    OVER_QUOTA = "over_quota"
    ALREADY_SUSPENDED = "already_suspended"

class Rule(StrEnum):
    R1_1 = "R1.1"
    R1_2 = "R1.2"
    R1_3 = "R1.3"
    R2_1 = "R2.1"
    R2_2 = "R2.2"
    R2_3 = "R2.3"
    R2_4 = "R2.4"
    R2_5 = "R2.5"
    R3_1 = "R3.1"
    R3_2 = "R3.2"
    R3_3 = "R3.3"
    R4_1 = "R4.1"
    R4_2 = "R4.2"
    R4_3 = "R4.3"
    R4_4 = "R4.4"
    R4_5 = "R4.5"
    R5_1 = "R5.1"
    R5_2 = "R5.2"
    R5_3 = "R5.3"
    R6_1 = "R6.1"
    R6_2 = "R6.2"
    R7_1 = "R7.1"
    R7_2 = "R7.2"
    R7_3 = "R7.3"
    R8_1 = "R8.1"
    R9_1 = "R9.1"
    R9_2 = "R9.2"
    R10_1 = "R10.1"
    R10_2 = "R10.2"
    R11 = "R11"

# Exceptions: one class per error code of docs/json.md.

class IotCardError(Exception):
    """Base class of every iotcard error; ``.code`` is the stable error code."""

    code: str

class InvalidInput(IotCardError, ValueError):
    field: str
    value: str
    reason: str

class OutOfOrder(IotCardError):
    at: datetime
    last: datetime

class Terminal(IotCardError):
    status: Status
    action: str

class NotActivated(IotCardError):
    event: str

class AlreadyActivated(IotCardError):
    since: datetime

class ManualSuspendNotAllowed(IotCardError):
    unmet: frozenset[Condition]

class ArrearsOutstanding(IotCardError):
    balance: int

class NothingToLift(IotCardError):
    event: str
    holds: frozenset[Hold]

# Values.

@final
class Policy:
    def __new__(cls, **overrides: Any) -> Policy: ...
    @classmethod
    def from_json(cls, data: _Json, /) -> Policy: ...
    @classmethod
    def from_dict(cls, data: _JsonOrMapping, /) -> Policy: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    @property
    def timezone(self) -> str: ...
    @property
    def retention_months(self) -> int: ...
    @property
    def keep_number_fee(self) -> int: ...
    @property
    def credit_limit(self) -> int: ...
    @property
    def low_balance(self) -> int: ...
    @property
    def auto_resume_on_payment(self) -> bool: ...
    @property
    def overage_rate_per_mb(self) -> int: ...
    @property
    def device_binding(self) -> bool: ...
    @property
    def restricted_regions(self) -> tuple[str, ...]: ...
    @property
    def dormancy_months(self) -> int | None: ...
    @property
    def refund_unused_months(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Plan:
    def __new__(
        cls,
        start: datetime,
        end: datetime,
        period: Period | str,
        quota_bytes: int,
        monthly_fee: int,
    ) -> Plan: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def period(self) -> Period: ...
    @property
    def quota_bytes(self) -> int: ...
    @property
    def monthly_fee(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Event:
    @classmethod
    def from_json(cls, data: _Json, /) -> Event: ...
    @classmethod
    def from_dict(cls, data: _JsonOrMapping, /) -> Event: ...
    @staticmethod
    def activate(imei: str | None = None) -> Event: ...
    @staticmethod
    def usage(bytes: int, *, imei: str | None = None, region: str | None = None) -> Event: ...
    @staticmethod
    def charge(amount: int, /) -> Event: ...
    @staticmethod
    def payment(amount: int, /) -> Event: ...
    @staticmethod
    def top_up(bytes: int, /) -> Event: ...
    @staticmethod
    def manual_suspend() -> Event: ...
    @staticmethod
    def manual_resume() -> Event: ...
    @staticmethod
    def renew(plan: Plan | Mapping[str, Any], /) -> Event: ...
    @staticmethod
    def rebind(imei: str, /) -> Event: ...
    @staticmethod
    def operator_release(hold: Hold | str, /) -> Event: ...
    @staticmethod
    def maintenance(until: datetime, /) -> Event: ...
    @staticmethod
    def report_lost() -> Event: ...
    @staticmethod
    def replace(iccid: str, /) -> Event: ...
    @staticmethod
    def cancel() -> Event: ...
    @property
    def type(self) -> str: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Card:
    def __new__(
        cls,
        iccid: str,
        msisdn: str,
        plan: Plan | Mapping[str, Any],
        *,
        balance: int | None = None,
        auto_suspend: bool = False,
    ) -> Card: ...
    @classmethod
    def open(cls, data: _JsonOrMapping, /) -> Card: ...
    @classmethod
    def from_json(cls, data: _Json, /) -> Card: ...
    @classmethod
    def from_dict(cls, data: _JsonOrMapping, /) -> Card: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def apply(
        self, policy: Policy, at: datetime, event: Event | Mapping[str, Any] | str, /
    ) -> Applied: ...
    def advance(self, policy: Policy, to: datetime, /) -> Advanced: ...
    def assess(self, policy: Policy, at: datetime, /) -> Assessment: ...
    @property
    def iccid(self) -> str: ...
    @property
    def msisdn(self) -> str: ...
    @property
    def balance(self) -> int: ...
    @property
    def plan(self) -> Plan: ...
    @property
    def auto_suspend(self) -> bool: ...
    @property
    def imei(self) -> str | None: ...
    @property
    def activated_at(self) -> datetime | None: ...
    @property
    def clock(self) -> datetime | None: ...
    @property
    def last_traffic(self) -> datetime | None: ...
    @property
    def holds(self) -> frozenset[Hold]: ...
    @property
    def status(self) -> Status: ...
    @property
    def replaced_by(self) -> str | None: ...
    def hold_since(self, hold: Hold | str, /) -> datetime | None: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Applied:
    @property
    def card(self) -> Card: ...
    @property
    def replacement(self) -> Card | None: ...
    @property
    def changes(self) -> tuple[Change, ...]: ...

@final
class Advanced:
    @property
    def card(self) -> Card: ...
    @property
    def changes(self) -> tuple[Change, ...]: ...

@final
class Change:
    @property
    def at(self) -> datetime: ...
    @property
    def rule(self) -> Rule: ...
    @property
    def event(self) -> str | None: ...
    @property
    def scheduled(self) -> ChangeKind | None: ...
    @property
    def effect(self) -> str: ...
    @property
    def hold(self) -> Hold | None: ...
    @property
    def from_status(self) -> Status | None: ...
    @property
    def to_status(self) -> Status | None: ...
    @property
    def amount(self) -> int | None: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Scheduled:
    @property
    def at(self) -> datetime: ...
    @property
    def change(self) -> ChangeKind: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Refund:
    @property
    def eligible_to_request(self) -> bool: ...
    @property
    def unused_months(self) -> int: ...
    @property
    def estimate(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Assessment:
    @property
    def at(self) -> datetime: ...
    @property
    def status(self) -> Status: ...
    @property
    def holds(self) -> frozenset[Hold]: ...
    @property
    def hold_bits(self) -> int: ...
    @property
    def barred(self) -> frozenset[Service]: ...
    @property
    def balance(self) -> int: ...
    @property
    def usage_bytes(self) -> int: ...
    @property
    def allowance_bytes(self) -> int: ...
    @property
    def overage_bytes(self) -> int: ...
    @property
    def overage_charge(self) -> int: ...
    @property
    def keep_number_fees(self) -> int: ...
    @property
    def retention_ends(self) -> datetime | None: ...
    @property
    def maintenance_until(self) -> datetime | None: ...
    @property
    def next(self) -> Scheduled | None: ...
    @property
    def can(self) -> dict[Action, bool]: ...
    @property
    def remedies(self) -> dict[Hold, Remedy]: ...
    @property
    def call_restriction(self) -> tuple[CallCause, ...]: ...
    @property
    def manual_suspend_unmet(self) -> frozenset[Condition]: ...
    @property
    def refund(self) -> Refund: ...
    @property
    def needs_action(self) -> bool: ...
    def hold_since(self, hold: Hold | str, /) -> datetime | None: ...
    def remedy(self, hold: Hold | str, /) -> Remedy | None: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

# Batch.

@final
class Assessments:
    """Columns of one value per card (read-only ``memoryview``s that numpy and
    pyarrow take without copying), and ``result[i]``, made on demand."""

    @property
    def at(self) -> datetime: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def error(self) -> memoryview: ...
    @property
    def status(self) -> memoryview: ...
    @property
    def holds(self) -> memoryview: ...
    @property
    def barred(self) -> memoryview: ...
    @property
    def balance(self) -> memoryview: ...
    @property
    def usage_bytes(self) -> memoryview: ...
    @property
    def overage_bytes(self) -> memoryview: ...
    @property
    def overage_charge(self) -> memoryview: ...
    @property
    def keep_number_fees(self) -> memoryview: ...
    @property
    def retention_ends(self) -> memoryview: ...
    @property
    def next_at(self) -> memoryview: ...
    @property
    def next_change(self) -> memoryview: ...
    @property
    def can(self) -> memoryview: ...
    @property
    def call_restriction(self) -> memoryview: ...
    @property
    def refund_eligible(self) -> memoryview: ...
    @property
    def refund_unused_months(self) -> memoryview: ...
    @property
    def refund_estimate(self) -> memoryview: ...
    @property
    def needs_action(self) -> memoryview: ...
    def columns(self) -> dict[str, memoryview]: ...
    def card(self, index: int, /) -> Card: ...
    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> Assessment: ...
    def __iter__(self) -> Iterator[Assessment]: ...

def assess_many(cards: Iterable[Card], /, policy: Policy, at: datetime) -> Assessments: ...

# Benchmark helper, not API: ns per card of the core's own assess in a Rust loop.
def _native_assess_ns(
    cards: Iterable[Card], /, policy: Policy, at: datetime, *, repeat: int = 1, batch: bool = False
) -> float: ...
