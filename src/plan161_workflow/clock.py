"""Clocks: the engine asks one for the time, so tests and simulations can run on a fake one."""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
"""Vietnam's time zone (UTC+7, no daylight saving)."""


class Clock(Protocol):
    """Anything the engine can ask for the current time: a function (or object) called with no
    argument that returns an aware ``datetime`` (a naive one is taken as Vietnam's time).
    ``system_clock`` and ``FakeClock`` are clocks."""

    def __call__(self) -> dt.datetime:
        """The current time."""
        ...


def system_clock() -> dt.datetime:
    """The current time in Vietnam."""
    return dt.datetime.now(VIETNAM)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: dt.datetime | dt.date) -> None:
        if not isinstance(start, dt.datetime):
            start = dt.datetime.combine(start, dt.time(8, 0))
        self.now = start if start.tzinfo else start.replace(tzinfo=VIETNAM)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        """Move forward by ``timedelta(**delta)`` and return the new time."""
        self.now += dt.timedelta(**delta)
        return self.now

    def set(self, when: dt.datetime | dt.date) -> dt.datetime:
        """Jump to ``when`` (a date means 08:00 that day)."""
        self.now = FakeClock(when).now
        return self.now


def in_vietnam(now: dt.datetime) -> dt.datetime:
    """Instant ``now`` in Vietnam's zone (a naive time is taken as Vietnam's)."""
    if now.tzinfo is VIETNAM:
        return now
    return now.replace(tzinfo=VIETNAM) if now.tzinfo is None else now.astimezone(VIETNAM)


def today(now: dt.datetime) -> dt.date:
    """The date in Vietnam at instant ``now`` (a naive time is taken as Vietnam's)."""
    return in_vietnam(now).date()
