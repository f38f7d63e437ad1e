"""R12, late and repeated events, the naive way: a story keeps the card it began
as (the new card, or a replacement as made) and every event it accepted, in time
order; a late event is taken by replaying them all with it in its place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .card import Card, advance, apply
from .errors import RuleError, invalid
from .model import Event, Policy


def parse_id(value: object) -> str:
    """An event ``id``: 1 to 128 printable ASCII characters (R12.5)."""
    if not isinstance(value, str) or not value or len(value) > 128:
        raise invalid("event.id", value, "must be 1 to 128 printable ASCII characters")
    if any(not (" " <= c <= "~") for c in value):
        raise invalid("event.id", value, "must be printable ASCII")
    return value


@dataclass
class Story:
    """A card with what it needs for R12."""

    card: Card
    base: Card
    log: list[tuple[datetime, Event, str | None]] = field(default_factory=list)

    @staticmethod
    def of(card: Card) -> Story:
        return Story(card=card, base=card.copy())

    def apply(self, policy: Policy, at: datetime, event: Event, id: str | None) -> bool:
        """Applies the event; True for a duplicate (nothing applied). Raises
        RuleError, the story unchanged."""
        policy.validate()
        clock = self.card.clock
        w = timedelta(hours=policy.late_window_hours)
        if id is not None and clock is not None:
            for t, e, i in self.log:
                if i == id and t >= clock - w:
                    if t == at and e == event:
                        return True
                    raise RuleError("event_id_conflict", f"id {id!r} was accepted with other content")
        if clock is not None and at < clock and policy.late_window_hours > 0:
            if self.card.terminal is not None:
                raise RuleError("terminal", f"the card is {self.card.terminal}")
            if at < clock - w or (self.base.clock is not None and at < self.base.clock):
                raise RuleError("out_of_order", f"{at} is before the late window")
            place = sum(1 for t, _, _ in self.log if t <= at)
            card = self.base.copy()
            for t, e, _ in self.log[:place]:
                card = apply(card, policy, t, e).card
            applied = apply(card, policy, at, event)
            card = applied.card
            for t, e, _ in self.log[place:]:
                try:
                    card = apply(card, policy, t, e).card
                except RuleError as err:
                    raise RuleError("late_event_conflict", f"the accepted {e.type} at {t} would fail: {err}") from err
            card = advance(card, policy, clock).card
            self.log.insert(place, (at, event, id))
            self._take(card, applied.replacement)
            return False
        applied = apply(self.card, policy, at, event)
        place = sum(1 for t, _, _ in self.log if t <= at)
        self.log.insert(place, (at, event, id))
        self._take(applied.card, applied.replacement)
        return False

    def _take(self, card: Card, replacement: Card | None) -> None:
        if replacement is None:
            self.card = card
        else:
            self.card = replacement
            self.base = replacement.copy()
            self.log = []
