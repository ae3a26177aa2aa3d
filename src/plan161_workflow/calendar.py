"""The working calendar and the deadline arithmetic built on it. Pure: no I/O and no clock;
every date is passed in.

A day is a working day unless it is a public holiday or falls on a weekend day; a weekend day
that the government swapped into a working day (``weekend_workdays`` of the ``holidays``
package, e.g. Saturday 04/05/2024) is a working day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import holidays

from plan161_workflow.errors import PayloadError
from plan161_workflow.model.plan import (
    SHIFTS,
    CalendarSettings,
    DayUnit,
    Deadline,
    Plan,
    Reminder,
    Shift,
)

_ONE_DAY = dt.timedelta(days=1)
_DAY_MONTH = re.compile(r"([0-9]{1,2})/([0-9]{1,2})")
_SHIFT_STEPS = {"previous_working_day": -_ONE_DAY, "next_working_day": _ONE_DAY}


class WorkingCalendar:
    """Working days for one country, weekend and holiday set.

    Holidays are loaded for the given years and one year either side; any other year is loaded
    the first time a date in it is asked about, so answers never depend on what was preloaded.
    Holiday names are in ``language``; by default the country's own language (Vietnamese for
    ``VN``), never the process locale.
    """

    def __init__(
        self, settings: CalendarSettings, years: Iterable[int], *, language: str | None = None
    ) -> None:
        """Build the calendar and load the holidays of ``years`` (and their neighbours).

        Raises:
            PayloadError: the country is unknown to the ``holidays`` package, the weekend names a
                weekday outside 0-6 or every weekday, or a year lies outside the years the
                package covers for the country.
        """
        weekend = frozenset(settings.weekend)
        if not weekend <= frozenset(range(7)):
            raise PayloadError(f"weekend {settings.weekend!r}: weekdays must be 0 (Monday) to 6")
        if len(weekend) == 7:
            raise PayloadError(f"weekend {settings.weekend!r} leaves no working weekday")
        try:
            probe = holidays.country_holidays(settings.country, years=())
        except NotImplementedError as exc:
            raise PayloadError(
                f"country {settings.country!r}: the holidays package does not know it"
            ) from exc
        self._country = settings.country
        self._weekend = weekend
        self._language = language if language is not None else probe.default_language
        self._first_year: int = probe.start_year
        self._last_year: int = probe.end_year
        self._holidays: dict[dt.date, str] = {}
        self._workdays: set[dt.date] = set()
        self._loaded: set[int] = set()  # years whose holidays are in
        self._ready: set[int] = set()  # years whose neighbours are in too
        for year in years:
            self._ensure(year)

    def _ensure(self, year: int) -> None:
        """Make dates of ``year`` answerable: load it and both neighbours (an observed or
        substituted day of one year may fall in the next or previous one)."""
        if year in self._ready:
            return
        first, last = self._first_year, self._last_year
        if not first <= year <= last:
            raise PayloadError(
                f"year {year}: the holidays package covers {self._country} from {first} to {last}"
            )
        wanted = {y for y in (year - 1, year, year + 1) if first <= y <= last} - self._loaded
        if wanted:
            more = holidays.country_holidays(self._country, years=wanted, language=self._language)
            self._holidays.update(more.items())
            self._workdays |= more.weekend_workdays
            self._loaded |= wanted
        self._ready.add(year)

    def is_working_day(self, day: dt.date) -> bool:
        """True unless ``day`` is a public holiday or a weekend day that was not swapped into a
        working day.

        Raises:
            PayloadError: ``day`` lies outside the years the holidays package covers.
        """
        self._ensure(day.year)
        if day in self._holidays:
            return False
        return day.weekday() not in self._weekend or day in self._workdays

    def holiday_name(self, day: dt.date) -> str | None:
        """The public holiday on ``day`` (several joined by ``; ``), or ``None``.

        Raises:
            PayloadError: ``day`` lies outside the years the holidays package covers.
        """
        self._ensure(day.year)
        return self._holidays.get(day)

    def shift(self, day: dt.date, how: Shift) -> dt.date:
        """``day`` itself for ``keep`` or when it is a working day; otherwise the closest working
        day before (``previous_working_day``) or after (``next_working_day``) it.

        Raises:
            PayloadError: ``how`` is not a known shift, or the search leaves the covered years.
        """
        if how == "keep":
            return day
        step = _SHIFT_STEPS.get(how)
        if step is None:
            raise PayloadError(f"shift {how!r}: expected one of {', '.join(SHIFTS)}")
        while not self.is_working_day(day):
            day += step
        return day

    def add_days(self, day: dt.date, n: int, unit: DayUnit) -> dt.date:
        """``n`` days after ``day`` (before it when ``n`` is negative).

        In ``working_days`` the result is the ``n``-th working day after ``day`` (before it for a
        negative ``n``), not counting ``day`` itself; it is always a working day, except that
        ``n == 0`` returns ``day`` unchanged. No shift is applied to ``calendar_days``.

        Raises:
            PayloadError: ``unit`` is not a known unit, or the walk leaves the covered years.
            OverflowError: the result lies outside the dates Python can represent.
        """
        if unit == "calendar_days":
            return day + dt.timedelta(days=n)
        if unit != "working_days":
            raise PayloadError(f"unit {unit!r}: expected calendar_days or working_days")
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """The signed count of working days stepped onto when walking from ``start`` to ``end``:
        ``start`` excluded, ``end`` included; negative when ``end`` is before ``start``.

        So ``working_days_between(d, add_days(d, n, "working_days")) == n`` for every ``d``.

        Raises:
            ValueError: a date of the walk lies outside the covered years.
        """
        step, sign = (_ONE_DAY, 1) if end >= start else (-_ONE_DAY, -1)
        count = 0
        day = start
        while day != end:
            day += step
            count += self.is_working_day(day)
        return sign * count


def parse_day_month(text: str) -> tuple[int, int]:
    """``"dd/mm"`` as ``(day, month)``: ``"01/12"`` gives ``(1, 12)``. One or two ASCII digits
    each; ``29/02`` is accepted (it exists in leap years).

    Raises:
        ValueError: ``text`` is not ``dd/mm``, or names no day of any year (``31/02``, ``1/13``).
    """
    match = _DAY_MONTH.fullmatch(text)
    if match is None:
        raise PayloadError(f"day {text!r}: expected dd/mm, e.g. 01/12")
    day, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise PayloadError(f"day {text!r}: month {month} is not 1 to 12")
    last = _last_day_of_month(2000, month)  # a leap year: 29/02 exists
    if not 1 <= day <= last:
        raise PayloadError(f"day {text!r}: day {day} is not 1 to {last} for month {month}")
    return day, month


def _last_day_of_month(year: int, month: int) -> int:
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - _ONE_DAY).day


def _yearly(year: int, day: int, month: int) -> dt.date:
    """``day/month`` of ``year``; 29/02 becomes 28/02 in a non-leap year."""
    return dt.date(year, month, min(day, _last_day_of_month(year, month)))


def deadline_date(
    plan: Plan,
    deadline_id: str,
    year: int,
    calendar: WorkingCalendar,
    cutoff: dt.date | None = None,
) -> dt.date:
    """The last day of deadline ``deadline_id`` for reporting year ``year``.

    * ``yearly_on dd/mm``: that day of ``year``.
    * ``yearly_before dd/mm``: the day before it; ``before 01/01`` means 31/12 of ``year``
      (the deadline of a reporting year stays in that year, it never becomes 31/12 of
      ``year - 1``).
    * For both, ``29/02`` means 28/02 in a non-leap year (so ``before 29/02`` is 27/02 then).
    * ``fixed``: its date, whatever ``year``.
    * ``offset``: the base deadline's date (after the base's own shift), plus ``days`` in
      ``unit``.
    * ``after_cutoff``: ``cutoff`` (the data cut-off of the period reported on; 31/12 of
      ``year`` when not given) plus ``days`` in ``unit``.

    Then the shift applies: the deadline's own ``shift`` if set, else the plan's
    ``calendar.non_working_last_day``.

    Raises:
        ValueError: no deadline has this id (the loader validates ids, so this is a programming
            error), a deadline lacks a field its kind needs, offsets form a cycle, or a date lies
            outside the covered years.
    """
    end = dt.date(year, 12, 31) if cutoff is None else cutoff
    return _resolve(plan, deadline_id, year, calendar, (), end)


def _resolve(
    plan: Plan,
    deadline_id: str,
    year: int,
    calendar: WorkingCalendar,
    chain: tuple[str, ...],
    cutoff: dt.date,
) -> dt.date:
    if deadline_id in chain:
        cycle = " -> ".join((*chain, deadline_id))
        raise PayloadError(f"deadline {deadline_id!r}: offsets form a cycle: {cycle}")
    rules = {d.id: d for d in plan.deadlines}
    deadline = rules.get(deadline_id)
    if deadline is None:
        known = ", ".join(sorted(rules)) or "none"
        raise PayloadError(f"deadline {deadline_id!r}: no such deadline (known: {known})")
    raw = _raw_date(plan, deadline, year, calendar, (*chain, deadline_id), cutoff)
    how = deadline.shift if deadline.shift is not None else plan.calendar.non_working_last_day
    return calendar.shift(raw, how)


def _raw_date(
    plan: Plan,
    deadline: Deadline,
    year: int,
    calendar: WorkingCalendar,
    chain: tuple[str, ...],
    cutoff: dt.date,
) -> dt.date:
    """The deadline's date before its own shift."""
    where = f"deadline {deadline.id!r} ({deadline.kind})"
    if deadline.kind in ("yearly_on", "yearly_before"):
        if deadline.day is None:
            raise PayloadError(f"{where}: needs day (dd/mm)")
        try:
            day, month = parse_day_month(deadline.day)
        except ValueError as exc:
            raise PayloadError(f"{where}: {exc}") from exc
        on = _yearly(year, day, month)
        if deadline.kind == "yearly_on":
            return on
        before = on - _ONE_DAY
        return before if before.year == year else dt.date(year, 12, 31)
    if deadline.kind == "fixed":
        if deadline.date is None:
            raise PayloadError(f"{where}: needs date")
        return deadline.date
    if deadline.kind == "offset":
        if deadline.after is None or deadline.days is None:
            raise PayloadError(f"{where}: needs after and days")
        base = _resolve(plan, deadline.after, year, calendar, chain, cutoff)
        return calendar.add_days(base, deadline.days, deadline.unit)
    if deadline.kind == "after_cutoff":
        if deadline.days is None:
            raise PayloadError(f"{where}: needs days")
        return calendar.add_days(cutoff, deadline.days, deadline.unit)
    raise PayloadError(f"{where}: unknown kind")


def reminder_date(due: dt.date, reminder: Reminder, calendar: WorkingCalendar) -> dt.date:
    """The day a reminder is sent: ``due`` plus ``reminder.days`` in ``reminder.unit``
    (negative: before). No shift is applied.

    Raises:
        ValueError: the reminder's unit is unknown, or the date lies outside the covered years.
    """
    return calendar.add_days(due, reminder.days, reminder.unit)


def reminded_dues(day: dt.date, reminder: Reminder, calendar: WorkingCalendar) -> list[dt.date]:
    """The due dates whose ``reminder`` falls on ``day`` (``reminder_date(due) == day``), oldest
    first; none when they would lie outside the covered years.

    The inverse of ``add_days``, found in at most two walks. In calendar days it is the one date
    ``n`` days away. In working days (``n != 0``; ``day`` must be a working day), with ``W(j)``
    the ``j``-th working day after ``day`` (before it for negative ``j``; ``W(0)`` is ``day``):
    a reminder ``k`` working days after the due date falls on ``day`` for dues from ``W(-k)`` up
    to the day before ``W(-k+1)``; one ``k`` working days before, for dues after ``W(k-1)`` up to
    ``W(k)``.
    """
    n, unit = reminder.days, reminder.unit
    try:
        if unit == "calendar_days" or n == 0:
            return [calendar.add_days(day, -n, "calendar_days")]
        if not calendar.is_working_day(day):
            return []  # a reminder in working days always falls on a working day
        k = abs(n)
        if n > 0:
            return _days(
                calendar.add_days(day, -k, unit), calendar.add_days(day, -(k - 1), unit) - _ONE_DAY
            )
        return _days(
            calendar.add_days(day, k - 1, unit) + _ONE_DAY, calendar.add_days(day, k, unit)
        )
    except (ValueError, OverflowError):
        return []


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def days_late(due: dt.date, reported_on: dt.date) -> int:
    """Calendar days from ``due`` to ``reported_on``; 0 when reported on or before ``due``."""
    return max(0, (reported_on - due).days)
