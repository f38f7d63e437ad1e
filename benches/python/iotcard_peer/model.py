"""The JSON that crosses the boundary (docs/json.md): policy, plan, new card and
events, parsed strictly (an unknown field is an error, not a silent default)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import invalid
from .timecalc import UTC, parse_instant, parse_timezone

U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1
I64_MIN, I64_MAX = -(2**63), 2**63 - 1
MAX_POLICY_MONTHS = 1200
MIB = 1024 * 1024

# Holds in declaration order, and the services each one bars (Lifecycle, R11).
SERVICES = ("data", "voice_outgoing", "voice_incoming", "sms")
HOLDS = (
    "manual",
    "over_quota",
    "arrears",
    "low_balance",
    "expired",
    "device_mismatch",
    "restricted_region",
    "maintenance",
    "lost",
)
BARS: dict[str, tuple[str, ...]] = {h: SERVICES for h in HOLDS}
BARS["over_quota"] = ("data",)
BARS["low_balance"] = ("voice_outgoing",)

PERIODS = ("month", "quarter", "year")

# Scheduled change kinds, in the order they happen at one instant.
CHANGE_KINDS = (
    "lift_over_quota",
    "expire",
    "keep_number_fee",
    "cancel",
    "lift_maintenance",
    "dormancy_cancel",
)

# GB/T 2260 province-level codes.
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


# --- field checks --------------------------------------------------------------------


def _int(field: str, v: object, lo: int, hi: int) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise invalid(field, v, "must be an integer")
    if not lo <= v <= hi:
        raise invalid(field, v, f"out of range ({lo}..{hi})")
    return v


def _bool(field: str, v: object) -> bool:
    if not isinstance(v, bool):
        raise invalid(field, v, "must be true or false")
    return v


def _object(field: str, v: object, allowed: set[str], required: set[str]) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise invalid(field, v, "must be an object")
    for k in v:
        if k not in allowed:
            raise invalid(f"{field}.{k}", k, "unknown field")
    for k in sorted(required):
        if k not in v:
            raise invalid(f"{field}.{k}", "(missing)", "missing field")
    return v


def _digits(field: str, v: object, lo: int, hi: int) -> str:
    if not isinstance(v, str) or any(c not in "0123456789" for c in v):
        raise invalid(field, v, "must contain digits only")
    if not lo <= len(v) <= hi:
        raise invalid(field, v, f"must have {lo} to {hi} digits")
    return v


def luhn_check_digit(body: str) -> str:
    """The Luhn check digit that completes ``body``."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(digits: str) -> bool:
    return digits != "" and luhn_check_digit(digits[:-1]) == digits[-1]


def parse_iccid(field: str, v: object) -> str:
    s = _digits(field, v, 19, 20)
    if not s.startswith("89"):
        raise invalid(field, s, "must start with 89")
    if not luhn_ok(s):
        raise invalid(field, s, "Luhn check digit is wrong")
    return s


def parse_msisdn(field: str, v: object) -> str:
    return _digits(field, v, 11, 15)


def parse_imei(field: str, v: object) -> str:
    s = _digits(field, v, 15, 15)
    if not luhn_ok(s):
        raise invalid(field, s, "Luhn check digit is wrong")
    return s


def parse_region(field: str, v: object) -> str:
    s = _digits(field, v, 2, 2)
    if s not in PROVINCES:
        raise invalid(field, s, "is not a GB/T 2260 province code")
    return s


def parse_hold(field: str, v: object) -> str:
    if not isinstance(v, str) or v not in HOLDS:
        raise invalid(field, v, f"unknown hold; expected one of: {', '.join(HOLDS)}")
    return v


# --- policy --------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """Policy settings (docs/json.md "Policy")."""

    timezone: timezone = field(default_factory=lambda: parse_timezone("+08:00"))
    retention_months: int = 3
    keep_number_fee: int = 500
    credit_limit: int = 0
    low_balance: int = 0
    auto_resume_on_payment: bool = False
    overage_rate_per_mb: int = 0
    device_binding: bool = True
    restricted_regions: frozenset[str] = frozenset({"65", "35", "45", "54"})
    dormancy_months: int | None = None
    refund_unused_months: int = 3
    late_window_hours: int = 0

    @staticmethod
    def from_json_dict(d: object) -> Policy:
        """The fields to change from the default; unknown fields are refused."""
        names = {f for f in Policy.__dataclass_fields__}
        obj = _object("policy", d, names, set())
        kw: dict[str, Any] = {}
        for k, v in obj.items():
            f = f"policy.{k}"
            if k == "timezone":
                kw[k] = parse_timezone(v)
            elif k in ("retention_months", "refund_unused_months"):
                kw[k] = _int(f, v, 0, U32_MAX)
            elif k == "late_window_hours":
                kw[k] = _int(f, v, 0, 8784)
            elif k in ("keep_number_fee", "credit_limit", "low_balance", "overage_rate_per_mb"):
                kw[k] = _int(f, v, I64_MIN, I64_MAX)
            elif k in ("auto_resume_on_payment", "device_binding"):
                kw[k] = _bool(f, v)
            elif k == "restricted_regions":
                if not isinstance(v, list):
                    raise invalid(f, v, "must be a list of province codes")
                kw[k] = frozenset(parse_region(f, r) for r in v)
            elif k == "dormancy_months":
                kw[k] = None if v is None else _int(f, v, 0, U32_MAX)
        policy = Policy(**kw)
        policy.validate()
        return policy

    def validate(self) -> None:
        """Money settings ≥ 0, month counts ≤ 1200, dormancy ≥ 1 when set."""
        for name in ("keep_number_fee", "credit_limit", "low_balance", "overage_rate_per_mb"):
            if getattr(self, name) < 0:
                raise invalid(f"policy.{name}", getattr(self, name), "must not be negative")
        months = {
            "retention_months": self.retention_months,
            "refund_unused_months": self.refund_unused_months,
            "dormancy_months": 1 if self.dormancy_months is None else self.dormancy_months,
        }
        for name, v in months.items():
            if v > MAX_POLICY_MONTHS:
                raise invalid(f"policy.{name}", v, f"must be at most {MAX_POLICY_MONTHS}")
        if self.dormancy_months == 0:
            raise invalid("policy.dormancy_months", 0, "must be at least 1 (or null)")


# --- plan and new card ---------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A prepaid plan: validity window [start, end), quota per period, monthly fee."""

    start: datetime
    end: datetime
    period: str
    quota_bytes: int
    monthly_fee: int

    @staticmethod
    def from_json_dict(where: str, d: object) -> Plan:
        names = {"start", "end", "period", "quota_bytes", "monthly_fee"}
        obj = _object(where, d, names, names)
        period = obj["period"]
        if period not in PERIODS:
            raise invalid(f"{where}.period", period, "unknown period")
        plan = Plan(
            start=parse_instant(f"{where}.start", obj["start"]),
            end=parse_instant(f"{where}.end", obj["end"]),
            period=period,
            quota_bytes=_int(f"{where}.quota_bytes", obj["quota_bytes"], 0, U64_MAX),
            monthly_fee=_int(f"{where}.monthly_fee", obj["monthly_fee"], I64_MIN, I64_MAX),
        )
        plan.validate(where)
        return plan

    def validate(self, where: str) -> None:
        if self.end <= self.start:
            raise invalid(f"{where}.end", self.end.isoformat(), f"must be after {where}.start")
        if self.monthly_fee < 0:
            raise invalid(f"{where}.monthly_fee", self.monthly_fee, "must not be negative")

    def is_valid_at(self, t: datetime) -> bool:
        return self.start <= t < self.end

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.astimezone(UTC).isoformat(),
            "end": self.end.astimezone(UTC).isoformat(),
            "period": self.period,
            "quota_bytes": self.quota_bytes,
            "monthly_fee": self.monthly_fee,
        }


@dataclass(frozen=True)
class NewCard:
    """A new card, in ``inventory`` (docs/json.md "Card")."""

    iccid: str
    msisdn: str
    plan: Plan
    auto_suspend: bool = False
    balance: int = 0

    @staticmethod
    def from_json_dict(d: object) -> NewCard:
        names = {"iccid", "msisdn", "auto_suspend", "balance", "plan"}
        obj = _object("card", d, names, {"iccid", "msisdn", "plan"})
        return NewCard(
            iccid=parse_iccid("card.iccid", obj["iccid"]),
            msisdn=parse_msisdn("card.msisdn", obj["msisdn"]),
            plan=Plan.from_json_dict("card.plan", obj["plan"]),
            auto_suspend=_bool("card.auto_suspend", obj.get("auto_suspend", False)),
            balance=_int("card.balance", obj.get("balance", 0), I64_MIN, I64_MAX),
        )


# --- events --------------------------------------------------------------------------

# type → {field: required}
EVENT_FIELDS: dict[str, dict[str, bool]] = {
    "activate": {"imei": False},
    "usage": {"bytes": True, "imei": False, "region": False},
    "charge": {"amount": True},
    "payment": {"amount": True},
    "top_up": {"bytes": True},
    "manual_suspend": {},
    "manual_resume": {},
    "renew": {"plan": True},
    "rebind": {"imei": True},
    "operator_release": {"hold": True},
    "maintenance": {"until": True},
    "report_lost": {},
    "replace": {"iccid": True},
    "cancel": {},
}


@dataclass(frozen=True)
class Event:
    """One event (docs/json.md "Event"); only the fields of its type are set."""

    type: str
    imei: str | None = None
    bytes: int | None = None
    region: str | None = None
    amount: int | None = None
    plan: Plan | None = None
    hold: str | None = None
    until: datetime | None = None
    iccid: str | None = None

    @staticmethod
    def from_json_dict(d: object) -> Event:
        """Parses and validates an event (amounts > 0, top-up bytes > 0, a plan
        that ends after it starts)."""
        if not isinstance(d, Mapping):
            raise invalid("event", d, "must be an object")
        kind = d.get("type")
        if "type" not in d:
            raise invalid("event.type", "(missing)", "missing field")
        if not isinstance(kind, str) or kind not in EVENT_FIELDS:
            raise invalid("event.type", kind, "unknown event type")
        spec = EVENT_FIELDS[kind]
        values = {k: v for k, v in d.items() if k != "type"}
        for k in values:
            if k not in spec:
                raise invalid(f"event.{k}", k, "unknown field")
        for k, required in spec.items():
            if required and values.get(k) is None:
                raise invalid(f"event.{k}", "(missing)", "missing field")
        kw: dict[str, Any] = {}
        for k, v in values.items():
            if v is None:  # optional fields may be null
                continue
            f = f"event.{k}"
            if k == "imei":
                kw[k] = parse_imei(f, v)
            elif k == "region":
                kw[k] = parse_region(f, v)
            elif k == "bytes":
                kw[k] = _int(f, v, 0, U64_MAX)
            elif k == "amount":
                kw[k] = _int(f, v, I64_MIN, I64_MAX)
            elif k == "plan":
                kw[k] = Plan.from_json_dict("event.plan", v)
            elif k == "hold":
                kw[k] = parse_hold(f, v)
            elif k == "until":
                kw[k] = parse_instant(f, v)
            elif k == "iccid":
                kw[k] = parse_iccid(f, v)
        event = Event(type=kind, **kw)
        if kind in ("charge", "payment") and (event.amount or 0) <= 0:
            raise invalid("event.amount", event.amount, "must be greater than zero")
        if kind == "top_up" and event.bytes == 0:
            raise invalid("event.bytes", 0, "must be greater than zero")
        return event
