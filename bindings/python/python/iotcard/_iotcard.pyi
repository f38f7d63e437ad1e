"""Type stubs for the native module ``iotcard._iotcard`` (checked with mypy.stubtest).

Conventions of every class:

- A bad value (wrong type, out of range, malformed, unknown name, naive datetime)
  raises ``InvalidInput`` naming the field, whichever door it came in by: a typed
  constructor (``Event.charge(15.0)``) and ``from_dict``/``from_json`` with the same
  value (``{"type": "charge", "amount": 15.0}``) raise the same class and message.
- Values are immutable, compare by value and are hashable.
- Money is ``int`` minor units (fen), data ``int`` bytes. Instants are aware
  ``datetime``s (a naive one is refused); an assessment's instants come back in the
  policy's time zone, a card's and the audit trail's in UTC.
- JSON shapes (``from_json``, ``from_dict``, ``to_json``) are those of docs/json.md;
  ``from_dict`` also takes aware datetimes and the classes below inside the dict.
- ``to_dict()`` has one key per attribute, of the same name, with JSON-shaped values
  (instants as RFC 3339 strings, members as their names, sets as lists). The one
  exception is ``Card.to_dict()``: the stored state, which ``Card.from_dict`` reads.
"""

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
    "HoldDetail",
    "FleetEntry",
    "Replayed",
    "PolicyBook",
    "decode_report",
    "reconcile",
    "Refused",
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
    "LateEventConflict",
    "EventIdConflict",
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
    @classmethod
    def from_bits(cls, bits: int, /) -> frozenset[Hold]:
        """Decodes a bit set of the ``Assessments.holds`` column: the members whose
        bit ``1 << position in Hold`` is set. Bits beyond the members raise
        ``InvalidInput``."""


class Service(StrEnum):
    DATA = "data"
    VOICE_OUTGOING = "voice_outgoing"
    VOICE_INCOMING = "voice_incoming"
    SMS = "sms"
    @classmethod
    def from_bits(cls, bits: int, /) -> frozenset[Service]:
        """Decodes a bit set of the ``Assessments.barred`` column: the members whose
        bit ``1 << position in Service`` is set. Bits beyond the members raise
        ``InvalidInput``."""


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
    @classmethod
    def from_bits(cls, bits: int, /) -> frozenset[Action]:
        """Decodes a bit set of the ``Assessments.can`` column: the members whose
        bit ``1 << position in Action`` is set. Bits beyond the members raise
        ``InvalidInput``."""


class Period(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

class CallCause(StrEnum):
    ARREARS = "arrears"
    LOW_BALANCE = "low_balance"
    LOST = "lost"
    CONTACT_OPERATOR = "contact_operator"
    @classmethod
    def from_bits(cls, bits: int, /) -> tuple[CallCause, ...]:
        """Decodes a bit set of the ``Assessments.call_restriction`` column: the members whose
        bit ``1 << position in CallCause`` is set (in diagnosis order). Bits beyond the members raise
        ``InvalidInput``."""


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
    event_index: int | None
    """For an error from ``FleetEntry.replay``: in ``Replayed.refused``, the position
    of the refused event in ``events``; raised, ``len(events)`` (advancing to ``at``
    failed) or 0 (the new card could not be made); else None."""

class InvalidInput(IotCardError, ValueError):
    field: str
    value: str
    reason: str

class OutOfOrder(IotCardError):
    at: datetime
    last: datetime
    earliest: datetime

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

class LateEventConflict(IotCardError):
    at: datetime
    event: str
    accepted_at: datetime
    accepted_event: str
    accepted_index: int
    accepted_id: str | None
    accepted_code: str

class EventIdConflict(IotCardError):
    id: str
    at: datetime
    event: str
    accepted_at: datetime
    accepted_event: str

# Values.

@final
class Policy:
    """Policy settings: ``Policy()`` is the default; keywords change fields."""

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
    @property
    def late_window_hours(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Plan:
    """A prepaid plan: validity ``[start, end)`` (UTC), quota per period, monthly fee."""

    def __new__(
        cls,
        start: datetime,
        end: datetime,
        period: Period | str,
        quota_bytes: int,
        monthly_fee: int,
    ) -> Plan: ...
    @classmethod
    def from_json(cls, data: _Json, /) -> Plan: ...
    @classmethod
    def from_dict(cls, data: _JsonOrMapping, /) -> Plan: ...
    def to_json(self) -> str: ...
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
    def __hash__(self) -> int: ...

@final
class Event:
    """One event. Attributes other than ``type`` are None when the type has no
    such field; ``to_dict()`` holds ``type`` and the type's own fields."""

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
    @property
    def amount(self) -> int | None: ...
    @property
    def bytes(self) -> int | None: ...
    @property
    def imei(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def plan(self) -> Plan | None: ...
    @property
    def hold(self) -> Hold | None: ...
    @property
    def until(self) -> datetime | None: ...
    @property
    def iccid(self) -> str | None: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Card:
    """A card's whole state; ``apply`` and ``advance`` return new cards."""

    def __new__(
        cls,
        iccid: str,
        msisdn: str,
        plan: Plan | Mapping[str, Any],
        *,
        balance: int | None = None,
        auto_suspend: bool | None = None,
    ) -> Card: ...
    @classmethod
    def open(cls, data: _JsonOrMapping, /) -> Card: ...
    @classmethod
    def from_json(cls, data: _Json, /) -> Card: ...
    @classmethod
    def from_dict(cls, data: _JsonOrMapping, /) -> Card: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]:
        """The stored state (``json.loads(card.to_json())``), not the attributes."""
    def apply(
        self,
        policy: Policy,
        at: datetime,
        event: Event | Mapping[str, Any] | str,
        /,
        *,
        id: str | None = None,
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
    def __hash__(self) -> int: ...

@final
class Applied:
    @property
    def card(self) -> Card: ...
    @property
    def replacement(self) -> Card | None: ...
    @property
    def changes(self) -> tuple[Change, ...]: ...
    @property
    def withdrawn(self) -> tuple[Change, ...]: ...
    @property
    def duplicate(self) -> bool: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Advanced:
    @property
    def card(self) -> Card: ...
    @property
    def changes(self) -> tuple[Change, ...]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Change:
    """One entry of the audit trail (instants in UTC)."""

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
    def __hash__(self) -> int: ...

@final
class Scheduled:
    """A scheduled change; equal and hashed by the instant, whatever its offset."""

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
    def __hash__(self) -> int: ...

@final
class HoldDetail:
    """One active hold of an assessment; ``what_to_do`` and ``why`` are
    ``{"en": ..., "zh-CN": ...}``."""

    @property
    def hold(self) -> Hold: ...
    @property
    def remedy(self) -> Remedy: ...
    @property
    def since(self) -> datetime | None: ...
    @property
    def what_to_do(self) -> dict[str, str]: ...
    @property
    def why(self) -> dict[str, str]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Assessment:
    """A card assessed at an instant (instants in the policy's time zone).
    ``to_dict()`` is the JSON of ``to_json()`` plus ``needs_action``."""

    @property
    def at(self) -> datetime: ...
    @property
    def status(self) -> Status: ...
    @property
    def holds(self) -> frozenset[Hold]: ...
    @property
    def hold_details(self) -> tuple[HoldDetail, ...]: ...
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
    def needs_action(self) -> bool:
        """Not active or inventory, an overage charge, or a refund that may be
        requested; never for a cancelled or replaced card (it needs nothing)."""
    def hold_since(self, hold: Hold | str, /) -> datetime | None: ...
    def remedy(self, hold: Hold | str, /) -> Remedy | None: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

# Fleets.

@final
class FleetEntry:
    """One line of a fleet file (docs/json.md): ``{"card": {...}}`` (a new card) or
    ``{"state": {...}}`` (a stored state), with ``"events": [{"at", "event"}]``."""

    @classmethod
    def from_json(cls, data: _Json, /) -> FleetEntry: ...
    @classmethod
    def from_dict(cls, data: _JsonOrMapping, /) -> FleetEntry: ...
    def to_json(self) -> str: ...
    @property
    def events(self) -> tuple[tuple[datetime, Event], ...]: ...
    def replay(self, policy: Policy, at: datetime, /) -> Replayed:
        """Replays the events at or before ``at``, then advances to ``at``, as
        ``iotcard assess`` does. A refused event is skipped and reported in
        ``Replayed.refused``; the replay goes on with the next. When the card cannot
        be brought to ``at`` at all (a stored state whose clock is after ``at``),
        that error is raised, with ``event_index`` set to ``len(events)``."""
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Replayed:
    @property
    def card(self) -> Card:
        """The card at the instant (after a ``replace``, the new card)."""
    @property
    def replaced(self) -> tuple[Card, ...]: ...
    @property
    def cards(self) -> tuple[Card, ...]:
        """The replaced cards, then ``card``: every card ``iotcard assess`` reports."""
    @property
    def later_events(self) -> int: ...
    @property
    def duplicates(self) -> tuple[int, ...]:
        """R12.5: positions in the entry's events of re-deliveries (an accepted id, the same content), ignored."""
    @property
    def refused(self) -> tuple[Refused, ...]:
        """The events the card refused, in order: each skipped, the replay going on."""
    def stored(self) -> tuple[FleetEntry, ...]:
        """What to keep for the next run (``iotcard assess --save-states``)."""
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Refused:
    """An event the card refused during ``FleetEntry.replay`` (the card unchanged by it)."""

    @property
    def index(self) -> int:
        """Its position in the entry's ``events``."""
    @property
    def at(self) -> datetime: ...
    @property
    def event(self) -> Event: ...
    @property
    def error(self) -> IotCardError:
        """The error it was refused with (an instance, not raised): ``.code``, message, attributes."""
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

# Operators (docs/operators.md).

@final
class PolicyBook:
    """A default policy and one per operator (``{"default": {...}, "operators":
    {"china_mobile": {...}}}``), validated as a whole."""

    @classmethod
    def from_json(cls, data: _Json, /) -> PolicyBook: ...
    @classmethod
    def from_dict(cls, data: _JsonOrMapping, /) -> PolicyBook: ...
    def policy_for(self, operator: str | None, /) -> Policy:
        """The operator's policy, else the default; ``InvalidInput`` naming
        ``card.operator`` when there is neither."""
    def replay(self, entry: FleetEntry, at: datetime, /) -> Replayed:
        """Replays a fleet line under its card's operator's policy."""
    def __eq__(self, other: object, /) -> bool: ...

def decode_report(report: _JsonOrMapping, /) -> dict[str, Any]:
    """Decodes one operator report line into the operator view."""

def reconcile(card: Card, policy: Policy, report: _JsonOrMapping, /) -> dict[str, Any]:
    """Reconciles a card with its operator's report, at the report's instant."""

# Batch.

@final
class Assessments:
    """Columns of one value per card (read-only ``memoryview``s that numpy and
    pyarrow take without copying), and ``result[i]``, made on demand.

    ``status`` and ``next_change`` are positions in ``Status`` / ``ChangeKind``
    (``list(Status)[code]``; ``next_change`` -1: nothing scheduled); ``holds``,
    ``barred``, ``can`` and ``call_restriction`` are bit sets, decoded by
    ``Hold.from_bits``, ``Service.from_bits``, ``Action.from_bits`` and
    ``CallCause.from_bits``; ``retention_ends`` and ``next_at`` are Unix
    milliseconds, ``-2**63`` (numpy's NaT) when absent; ``error`` is -1, or the
    position of the card's error code in ``ERROR_CODES``."""

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
