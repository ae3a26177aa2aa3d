"""Reporting periods and recurrence as frozen values. No I/O here.

A rules file declares period *series* (``Period``): the yearly report, the 6-month report, the
quarterly report, a one-off deliverable, a review. Each series has *instances*
(``PeriodInstance``) in the plan's years, named by ids that sort and parse alone, as DHIS2 names
its periods:

* ``2026``: the year (kind ``year``);
* ``2026S1``, ``2026S2``: the halves of 2026 (``half_year``);
* ``2026Q2``: the second quarter (``quarter``);
* ``202606``: June (``month``);
* ``2026-so-ket``: a one-off or review instance (``once``, ``review``): the year, a dash and the
  series id.

A task belongs to one instance: its ``period`` is the instance id, and its id is
``PERIOD/UNIT/AGENCY`` (``2026S1/II.1/so-tc``; for a yearly period ``2026/II.1/so-tc``, as before
periods existed).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

import attrs

PeriodKind = Literal["year", "half_year", "quarter", "month", "once", "review"]
PERIOD_KINDS: tuple[str, ...] = PeriodKind.__args__  # type: ignore[attr-defined]

PARTS = {"year": 1, "half_year": 2, "quarter": 4, "month": 12, "once": 1, "review": 1}
"""How many instances a kind has in a year (before ``parts`` chooses some)."""

SERIES_ID = re.compile(r"[a-z][a-z0-9-]*")
"""What a period series id looks like (it is part of the instance ids of one-offs and reviews)."""

INSTANCE_ID = re.compile(
    r"(?P<year>[0-9]{4})(?:(?P<half>S[12])|(?P<quarter>Q[1-4])|(?P<month>0[1-9]|1[0-2])"
    r"|-(?P<series>[a-z][a-z0-9-]*))?"
)
"""What a period instance id looks like."""


@attrs.frozen
class Recurrence:
    """In which years a duty, an area or a review falls: every year, once, a list of years, or
    every N years from a first one."""

    kind: Literal["yearly", "once", "years", "every"]
    """``yearly``, ``once``, ``years`` or ``every``."""
    year: int | None = None
    """The year, for ``once``; the first year, for ``every``."""
    years: tuple[int, ...] = ()
    """The years, for ``years``."""
    every: int | None = None
    """The step in years, for ``every``."""

    def applies(self, year: int) -> bool:
        """True when the unit falls in ``year``."""
        if self.kind == "yearly":
            return True
        if self.kind == "once":
            return self.year == year
        if self.kind == "years":
            return year in self.years
        start, step = self.year or 0, self.every or 1
        return year >= start and (year - start) % step == 0

    @property
    def recurring(self) -> bool:
        """True when it can fall in more than one year."""
        return self.kind in ("yearly", "every") or len(set(self.years)) > 1


YEARLY = Recurrence("yearly")
"""Every year of the plan."""


@attrs.frozen
class QuarterOfYear:
    """ "Within quarter Q of year Y" (``trong quý II/2026``)."""

    quarter: int
    """1 to 4."""
    year: int
    """The year."""


@attrs.frozen
class Period:
    """A series of reporting periods: the yearly report, the 6-month report, a one-off, a review.

    Which fields apply depends on ``kind``: ``parts`` for ``half_year``, ``quarter`` and
    ``month``; ``date`` or ``within`` (exactly one) for ``once``; ``recurrence`` for ``review``
    (every year when absent); ``cutoff_day`` for every kind but ``once``.
    """

    id: str
    """Identifier that areas and duties list in ``periods`` (lower case: ``six-month``)."""
    kind: PeriodKind
    """``year``, ``half_year``, ``quarter``, ``month``, ``once`` or ``review``."""
    source: str
    """Where the plan sets it."""
    name: str | None = None
    """Vietnamese name of the period in report titles (``sơ kết 3 năm``); needed for ``once``
    and ``review``, generated for the others (``6 tháng đầu năm 2026``)."""
    deadline: str | None = None
    """Id of the deadline of its reports; a unit's own ``deadline`` takes precedence; for
    ``once`` without one, the period's date (or its quarter's last day) is the deadline."""
    cutoff_day: int | None = None
    """Day of the period's last month on which its data is cut off (Decree 09/2019: 14);
    the period's last day when absent."""
    parts: tuple[int, ...] = ()
    """Which halves (1-2), quarters (1-4) or months (1-12) report; all when empty."""
    date: dt.date | None = None
    """For ``once``: the fixed date (the period ends and, without a deadline, falls due then)."""
    within: QuarterOfYear | None = None
    """For ``once``: the quarter it must be done within."""
    recurrence: Recurrence | None = None
    """For ``review``: the years it falls in (a list, or every N years)."""


@attrs.frozen
class PeriodInstance:
    """One period of a series in one year: what a task reports on."""

    id: str
    """The instance id (``2026S1``), unique in the plan."""
    series: str
    """The ``Period.id`` it belongs to."""
    kind: PeriodKind
    """The series' kind."""
    year: int
    """The reporting year (the cycle it belongs to)."""
    start: dt.date
    """First day it covers."""
    end: dt.date
    """Last day it covers."""
    cutoff: dt.date
    """Day its data is cut off."""
    label: str
    """Vietnamese name in titles: ``6 tháng đầu năm 2026``, ``năm 2026``, ``sơ kết ...``."""
    due: dt.date | None = None
    """Its own deadline (the series' ``deadline``, or a one-off's date); ``None``: not set."""


def instance_id(kind: str, year: int, part: int, series: str) -> str:
    """The id of the ``part``-th period of ``kind`` in ``year`` (1-based; ignored where a kind
    has one period a year)."""
    if kind == "year":
        return f"{year:04d}"
    if kind == "half_year":
        return f"{year:04d}S{part}"
    if kind == "quarter":
        return f"{year:04d}Q{part}"
    if kind == "month":
        return f"{year:04d}{part:02d}"
    return f"{year:04d}-{series}"


def year_of(period_id: str) -> int:
    """The reporting year of an instance id.

    Raises:
        ValueError: ``period_id`` is not an instance id.
    """
    match = INSTANCE_ID.fullmatch(period_id)
    if match is None:
        raise ValueError(
            f"{period_id!r} is not a period id (2026, 2026S1, 2026Q2, 202606 or 2026-<series>)"
        )
    return int(match["year"])
