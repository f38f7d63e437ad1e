"""Time (docs/rules.md "Time"): RFC 3339 instants, the billing time zone (a fixed
offset, DESIGN.md decision 16) and calendar-month arithmetic that clamps to the
month's last day (R4.2).

Instants are kept as aware ``datetime``s in UTC. Calendar questions convert them
to the billing zone first.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone

from .errors import invalid

UTC = timezone.utc

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def _offset(sign: str, hours: int, minutes: int) -> timezone:
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if sign == "-" else delta)


def parse_instant(field: str, text: object) -> datetime:
    """An RFC 3339 instant with an offset, as a UTC datetime."""
    if not isinstance(text, str):
        raise invalid(field, text, "must be an RFC 3339 instant string")
    m = _RFC3339.match(text)
    if m is None:
        raise invalid(field, text, "not an RFC 3339 instant with offset")
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    fraction = m.group(7)
    micros = int((fraction[1:] + "000000")[:6]) if fraction else 0
    zone = m.group(8)
    try:
        if zone in ("Z", "z"):
            tz = UTC
        else:
            hh, mm = int(zone[1:3]), int(zone[4:6])
            if hh > 23 or mm > 59:
                raise ValueError("offset out of range")
            tz = _offset(zone[0], hh, mm)
        return datetime(year, month, day, hour, minute, second, micros, tzinfo=tz).astimezone(UTC)
    except (ValueError, OverflowError) as e:
        raise invalid(field, text, f"not a valid instant ({e})") from None


def parse_timezone(text: object) -> timezone:
    """The billing time zone: ``+HH:MM``, ``-HH:MM`` or ``Z`` (within ±23:59)."""
    if text == "Z":
        return UTC
    m = _OFFSET.match(text) if isinstance(text, str) else None
    if m is None:
        raise invalid("policy.timezone", text, "must be an offset like +08:00, -05:00 or Z")
    hours, minutes = int(m.group(2)), int(m.group(3))
    if hours > 23 or minutes > 59:
        raise invalid("policy.timezone", text, "offset must be within ±23:59")
    return _offset(m.group(1), hours, minutes)


def format_timezone(tz: timezone) -> str:
    """``+08:00`` style."""
    offset = tz.utcoffset(None)
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02}:{seconds % 3600 // 60:02}"


def format_instant(t: datetime, tz: timezone) -> str:
    """RFC 3339 in the given zone (``Z`` for a zero offset)."""
    text = t.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(t: datetime, n: int, tz: timezone) -> datetime | None:
    """``t`` plus ``n`` calendar months in ``tz``, the day clamped to the month's
    last day (30 Nov + 3 months = 28 Feb). ``None`` beyond the calendar's range."""
    try:
        local = t.astimezone(tz)
        total = local.year * 12 + (local.month - 1) + n
        year, month = divmod(total, 12)
        month += 1
        if not 1 <= year <= 9999:
            return None
        day = min(local.day, days_in_month(year, month))
        return local.replace(year=year, month=month, day=day).astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _seconds_of_day(t: datetime) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def whole_months(start: datetime, end: datetime, tz: timezone) -> int:
    """Whole calendar months from ``start`` to ``end`` in ``tz``: the largest m
    with ``add_months(start, m) <= end`` (0 when ``end <= start``)."""
    if end <= start:
        return 0
    a, b = start.astimezone(tz), end.astimezone(tz)
    months = (b.year - a.year) * 12 + (b.month - a.month)
    day = min(a.day, days_in_month(b.year, b.month))
    if (day, _seconds_of_day(a), a.microsecond) > (b.day, _seconds_of_day(b), b.microsecond):
        months -= 1
    return months


def month_start(year: int, month: int, tz: timezone) -> datetime | None:
    """Local midnight on the 1st of (year, month), as a UTC instant."""
    try:
        return datetime(year, month, 1, tzinfo=tz).astimezone(UTC)
    except (OverflowError, ValueError):
        return None
