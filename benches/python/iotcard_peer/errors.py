"""The error codes of docs/json.md, as one exception class with a ``code``."""

from __future__ import annotations

ERROR_CODES = (
    "invalid_input",
    "out_of_order",
    "terminal",
    "not_activated",
    "already_activated",
    "manual_suspend_not_allowed",
    "arrears_outstanding",
    "nothing_to_lift",
    "late_event_conflict",
    "event_id_conflict",
)


class RuleError(Exception):
    """A refused input or event. ``code`` is one of :data:`ERROR_CODES`.

    ``unmet`` lists the unmet R1.1 conditions for ``manual_suspend_not_allowed``.
    """

    def __init__(self, code: str, message: str, unmet: tuple[str, ...] = ()) -> None:
        assert code in ERROR_CODES, code
        super().__init__(f"{code}: {message}")
        self.code = code
        self.unmet = unmet


def invalid(field: str, value: object, reason: str) -> RuleError:
    """An ``invalid_input`` error naming the field and the value."""
    return RuleError("invalid_input", f"{field} = {value!r}: {reason}")
