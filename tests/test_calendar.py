"""The working calendar and deadline arithmetic, on the Vietnamese calendar of 2022-2026."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plan161_workflow.calendar import (
    WorkingCalendar,
    days_late,
    deadline_date,
    parse_day_month,
    reminded_dues,
    reminder_date,
)
from plan161_workflow.model.plan import (
    CalendarSettings,
    DayUnit,
    Deadline,
    DeadlineKind,
    Plan,
    PlanInfo,
    Reminder,
    Roles,
    Shift,
    Workflow,
)

D = dt.date
VN = CalendarSettings()
CAL = WorkingCalendar(VN, range(2022, 2027))


def plan(*deadlines: Deadline, shift: Shift = "keep") -> Plan:
    """A minimal plan carrying only deadlines."""
    return Plan(
        info=PlanInfo(
            title="t", title_en="t", issuer="x", first_year=2023, last_year=2025, source="s"
        ),
        agencies=(),
        areas=(),
        roles=Roles(consolidator="x", evaluator="x", source="s"),
        rating_scale=(),
        workflow=Workflow(states=("new",), initial="new", final="new", transitions=()),
        calendar=CalendarSettings(non_working_last_day=shift),
        deadlines=deadlines,
    )


def yearly(id_: str, kind: DeadlineKind, day: str, shift: Shift | None = None) -> Deadline:
    return Deadline(id=id_, kind=kind, name=id_, source="s", day=day, shift=shift)


def fixed(id_: str, date: dt.date, shift: Shift | None = None) -> Deadline:
    return Deadline(id=id_, kind="fixed", name=id_, source="s", date=date, shift=shift)


def offset(
    id_: str, after: str, days: int, unit: DayUnit = "calendar_days", shift: Shift | None = None
) -> Deadline:
    return Deadline(
        id=id_, kind="offset", name=id_, source="s", after=after, days=days, unit=unit, shift=shift
    )


# --- the holidays data we rely on -------------------------------------------------------------


def test_tet_2025_is_27_01_to_01_02_and_the_weekend_before_is_off() -> None:
    off = [D(2025, 1, 25), D(2025, 1, 26)] + [D(2025, 1, 27) + dt.timedelta(i) for i in range(6)]
    assert [d for d in off if CAL.is_working_day(d)] == []
    assert CAL.is_working_day(D(2025, 1, 24))
    assert CAL.is_working_day(D(2025, 2, 3))
    assert CAL.holiday_name(D(2025, 1, 29)) == "Tết Nguyên Đán"
    assert CAL.holiday_name(D(2025, 1, 25)) is None  # a plain Saturday


def test_holiday_names_follow_the_language_not_the_locale() -> None:
    english = WorkingCalendar(VN, [2025], language="en_US")
    assert english.holiday_name(D(2025, 1, 29)) == "Lunar New Year"


@pytest.mark.parametrize("day", [D(2024, 5, 4), D(2025, 4, 26)])
def test_a_swapped_saturday_is_a_working_day(day: dt.date) -> None:
    assert day.weekday() == 5
    assert CAL.is_working_day(day)
    assert CAL.shift(day, "next_working_day") == day
    assert CAL.add_days(D(2024, 5, 3), 1, "working_days") == D(2024, 5, 4)
    assert CAL.add_days(D(2025, 4, 25), 1, "working_days") == D(2025, 4, 26)


@pytest.mark.parametrize("day", [D(2024, 4, 29), D(2025, 5, 2)])
def test_the_weekday_it_was_swapped_for_is_a_day_off(day: dt.date) -> None:
    assert not CAL.is_working_day(day)


def test_other_years_load_lazily() -> None:
    cal = WorkingCalendar(VN, [2024])
    assert not cal.is_working_day(D(2030, 9, 2))
    assert cal.holiday_name(D(2030, 9, 2)) == "Quốc khánh"
    assert cal.is_working_day(D(2019, 1, 5))  # Saturday swapped for Monday 31/12/2018


def test_years_the_package_does_not_cover_raise() -> None:
    with pytest.raises(ValueError, match="2101"):
        CAL.is_working_day(D(2101, 1, 3))
    with pytest.raises(ValueError, match="1800"):
        WorkingCalendar(VN, [1800])


def test_bad_settings_raise() -> None:
    with pytest.raises(ValueError, match="'XX'"):
        WorkingCalendar(CalendarSettings(country="XX"), [2025])
    with pytest.raises(ValueError, match="no working weekday"):
        WorkingCalendar(CalendarSettings(weekend=tuple(range(7))), [2025])
    with pytest.raises(ValueError, match="0 \\(Monday\\) to 6"):
        WorkingCalendar(CalendarSettings(weekend=(5, 7)), [2025])


def test_a_different_weekend() -> None:
    sunday_only = WorkingCalendar(CalendarSettings(weekend=(6,)), [2025])
    assert sunday_only.is_working_day(D(2025, 3, 8))  # a Saturday
    assert not sunday_only.is_working_day(D(2025, 3, 9))


# --- yearly_before 01/12 under the three shift settings -------------------------------------

BEFORE_DEC = yearly("bc", "yearly_before", "01/12")


@pytest.mark.parametrize(
    ("shift", "year", "expected"),
    [
        ("keep", 2023, D(2023, 11, 30)),  # a Thursday
        ("previous_working_day", 2023, D(2023, 11, 30)),
        ("next_working_day", 2023, D(2023, 11, 30)),
        ("keep", 2024, D(2024, 11, 30)),  # a Saturday
        ("previous_working_day", 2024, D(2024, 11, 29)),
        ("next_working_day", 2024, D(2024, 12, 2)),
        ("keep", 2025, D(2025, 11, 30)),  # a Sunday
        ("previous_working_day", 2025, D(2025, 11, 28)),
        ("next_working_day", 2025, D(2025, 12, 1)),
    ],
)
def test_yearly_before_under_each_shift(shift: Shift, year: int, expected: dt.date) -> None:
    assert deadline_date(plan(BEFORE_DEC, shift=shift), "bc", year, CAL) == expected


def test_the_deadline_shift_overrides_the_plan_setting() -> None:
    p = plan(yearly("bc", "yearly_before", "01/12", shift="next_working_day"), shift="keep")
    assert deadline_date(p, "bc", 2024, CAL) == D(2024, 12, 2)
    p = plan(yearly("bc", "yearly_before", "01/12", shift="keep"), shift="next_working_day")
    assert deadline_date(p, "bc", 2024, CAL) == D(2024, 11, 30)


def test_yearly_on() -> None:
    p = plan(yearly("on", "yearly_on", "15/12"), shift="next_working_day")
    assert deadline_date(p, "on", 2024, CAL) == D(2024, 12, 16)  # 15/12/2024 is a Sunday
    assert deadline_date(p, "on", 2025, CAL) == D(2025, 12, 15)


def test_before_01_01_is_31_12_of_the_same_year() -> None:
    p = plan(yearly("ye", "yearly_before", "01/01"), shift="previous_working_day")
    assert deadline_date(p, "ye", 2024, CAL) == D(2024, 12, 31)
    assert deadline_date(p, "ye", 2022, CAL) == D(2022, 12, 30)  # 31/12/2022 is a Saturday


def test_29_02_becomes_28_02_in_a_non_leap_year() -> None:
    p = plan(yearly("on", "yearly_on", "29/02"), yearly("bf", "yearly_before", "29/02"))
    assert deadline_date(p, "on", 2024, CAL) == D(2024, 2, 29)
    assert deadline_date(p, "on", 2025, CAL) == D(2025, 2, 28)
    assert deadline_date(p, "bf", 2024, CAL) == D(2024, 2, 28)
    assert deadline_date(p, "bf", 2025, CAL) == D(2025, 2, 27)


# --- fixed deadlines inside Tết ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("shift", "expected"),
    [
        ("keep", D(2025, 1, 29)),
        ("previous_working_day", D(2025, 1, 24)),
        ("next_working_day", D(2025, 2, 3)),
    ],
)
def test_fixed_deadline_inside_tet(shift: Shift, expected: dt.date) -> None:
    p = plan(fixed("tet", D(2025, 1, 29)), shift=shift)
    assert deadline_date(p, "tet", 2025, CAL) == expected
    assert deadline_date(p, "tet", 2023, CAL) == expected  # the year does not matter


def test_fixed_deadline_on_a_swapped_saturday_stays() -> None:
    p = plan(fixed("sat", D(2024, 5, 4)), shift="previous_working_day")
    assert deadline_date(p, "sat", 2024, CAL) == D(2024, 5, 4)


# --- offsets ------------------------------------------------------------------------------------


def test_working_day_offsets_across_tet() -> None:
    assert CAL.add_days(D(2025, 1, 24), 1, "working_days") == D(2025, 2, 3)
    assert CAL.add_days(D(2025, 1, 23), 3, "working_days") == D(2025, 2, 4)
    assert CAL.add_days(D(2025, 2, 3), -1, "working_days") == D(2025, 1, 24)
    assert CAL.add_days(D(2025, 1, 29), 1, "working_days") == D(2025, 2, 3)  # from inside Tết
    assert CAL.add_days(D(2025, 1, 29), -1, "working_days") == D(2025, 1, 24)
    assert CAL.working_days_between(D(2025, 1, 24), D(2025, 2, 3)) == 1


def test_working_day_offsets_across_a_weekend_and_year_end() -> None:
    assert CAL.add_days(D(2025, 3, 7), 1, "working_days") == D(2025, 3, 10)
    assert CAL.add_days(D(2025, 3, 10), -1, "working_days") == D(2025, 3, 7)
    assert CAL.add_days(D(2025, 3, 8), 0, "working_days") == D(2025, 3, 8)
    assert CAL.add_days(D(2025, 3, 7), 10, "working_days") == D(2025, 3, 21)
    assert CAL.add_days(D(2024, 12, 31), 1, "working_days") == D(2025, 1, 2)


def test_offset_deadline_in_working_days_across_tet() -> None:
    p = plan(fixed("base", D(2025, 1, 24)), offset("o", "base", 2, "working_days"))
    assert deadline_date(p, "o", 2025, CAL) == D(2025, 2, 4)


def test_offset_in_calendar_days_is_then_shifted() -> None:
    p = plan(fixed("base", D(2025, 1, 24)), offset("o", "base", 7), shift="next_working_day")
    assert deadline_date(p, "o", 2025, CAL) == D(2025, 2, 3)  # 31/01 is in Tết
    p = plan(fixed("base", D(2025, 1, 24)), offset("o", "base", 7, shift="keep"))
    assert deadline_date(p, "o", 2025, CAL) == D(2025, 1, 31)


def test_offset_counts_from_the_shifted_base() -> None:
    base = yearly("bc", "yearly_before", "01/12", shift="previous_working_day")
    p = plan(base, offset("o", "bc", 3))
    assert deadline_date(p, "o", 2024, CAL) == D(2024, 12, 2)  # 29/11 + 3, not 30/11 + 3


def test_offset_of_an_offset() -> None:
    p = plan(
        yearly("bc", "yearly_before", "01/12", shift="next_working_day"),  # 02/12/2024
        offset("o1", "bc", 10, "working_days"),  # 16/12/2024
        offset("o2", "o1", 5),  # 21/12/2024, a Saturday
        shift="previous_working_day",
    )
    assert deadline_date(p, "o1", 2024, CAL) == D(2024, 12, 16)
    assert deadline_date(p, "o2", 2024, CAL) == D(2024, 12, 20)


def test_negative_offsets() -> None:
    p = plan(
        fixed("base", D(2025, 2, 3)),
        offset("wd", "base", -3, "working_days"),
        offset("cd", "base", -9),
        shift="previous_working_day",
    )
    assert deadline_date(p, "wd", 2025, CAL) == D(2025, 1, 22)
    assert deadline_date(p, "cd", 2025, CAL) == D(2025, 1, 24)  # 25/01 is a Saturday


def test_unknown_deadline_and_cycles_raise_value_error() -> None:
    p = plan(BEFORE_DEC, offset("a", "b", 1), offset("b", "a", 1), offset("c", "nope", 1))
    with pytest.raises(ValueError, match="'missing'"):
        deadline_date(p, "missing", 2024, CAL)
    with pytest.raises(ValueError, match="cycle: a -> b -> a"):
        deadline_date(p, "a", 2024, CAL)
    with pytest.raises(ValueError, match="'nope'"):
        deadline_date(p, "c", 2024, CAL)


def test_incomplete_deadlines_raise_value_error() -> None:
    p = plan(
        Deadline(id="y", kind="yearly_on", name="y", source="s"),
        Deadline(id="f", kind="fixed", name="f", source="s"),
        Deadline(id="o", kind="offset", name="o", source="s", after="y"),
        yearly("bad", "yearly_on", "31/02"),
    )
    for id_, needs in [("y", "day"), ("f", "date"), ("o", "days"), ("bad", "31/02")]:
        with pytest.raises(ValueError, match=f"'{id_}'.*{needs}"):
            deadline_date(p, id_, 2024, CAL)


# --- reminders, lateness ------------------------------------------------------------------------


def test_reminder_date() -> None:
    due = D(2025, 2, 3)
    assert reminder_date(due, Reminder(days=-3, to="responsible", source="s"), CAL) == D(
        2025, 1, 31
    )
    working = Reminder(days=-3, to="responsible", source="s", unit="working_days")
    assert reminder_date(due, working, CAL) == D(2025, 1, 22)
    after = Reminder(days=2, to="overseer", source="s", unit="working_days")
    assert reminder_date(D(2025, 1, 24), after, CAL) == D(2025, 2, 4)


def test_days_late() -> None:
    assert days_late(D(2024, 11, 29), D(2024, 11, 28)) == 0
    assert days_late(D(2024, 11, 29), D(2024, 11, 29)) == 0
    assert days_late(D(2024, 11, 29), D(2024, 12, 2)) == 3
    assert days_late(D(2024, 12, 31), D(2025, 1, 1)) == 1


# --- parse_day_month ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("01/12", (1, 12)), ("1/2", (1, 2)), ("29/02", (29, 2)), ("31/12", (31, 12))],
)
def test_parse_day_month(text: str, expected: tuple[int, int]) -> None:
    assert parse_day_month(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02", "day 31 is not 1 to 29 for month 2"),
        ("31/04", "day 31 is not 1 to 30 for month 4"),
        ("00/05", "day 0"),
        ("1/13", "month 13 is not 1 to 12"),
        ("01/00", "month 0"),
        ("12-01", "expected dd/mm"),
        ("", "expected dd/mm"),
        ("01/12/2024", "expected dd/mm"),
        (" 01/12", "expected dd/mm"),
        ("001/12", "expected dd/mm"),
        ("٠١/١٢", "expected dd/mm"),  # Arabic-Indic digits
    ],
)
def test_parse_day_month_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_day_month(text)


# --- properties -----------------------------------------------------------------------------------

days = st.dates(min_value=D(2022, 1, 1), max_value=D(2026, 12, 31))
counts = st.integers(min_value=-60, max_value=60)


@given(days)
def test_shift_properties(day: dt.date) -> None:
    assert CAL.shift(day, "keep") == day
    before = CAL.shift(day, "previous_working_day")
    after = CAL.shift(day, "next_working_day")
    assert before <= day <= after
    assert CAL.is_working_day(before)
    assert CAL.is_working_day(after)
    assert (before == day) == (after == day) == CAL.is_working_day(day)
    between = [before + dt.timedelta(i) for i in range(1, (after - before).days)]
    assert not any(CAL.is_working_day(d) for d in between if d != day)


@given(days, counts)
def test_working_day_round_trip(day: dt.date, n: int) -> None:
    start = CAL.shift(day, "next_working_day")
    assert CAL.add_days(CAL.add_days(start, n, "working_days"), -n, "working_days") == start


@given(days, counts)
def test_working_days_between_matches_add_days(day: dt.date, n: int) -> None:
    end = CAL.add_days(day, n, "working_days")
    assert CAL.working_days_between(day, end) == n
    if n:
        assert CAL.is_working_day(end)
        assert (end > day) == (n > 0)


@given(days, days)
def test_working_days_between_counts_working_days(start: dt.date, end: dt.date) -> None:
    low, high = sorted((start, end))
    span = [low + dt.timedelta(i) for i in range((high - low).days + 1)]
    if end >= start:
        expected = sum(CAL.is_working_day(d) for d in span[1:])
    else:
        expected = -sum(CAL.is_working_day(d) for d in span[:-1])
    assert CAL.working_days_between(start, end) == expected


@given(days, counts)
def test_calendar_days_are_plain_arithmetic(day: dt.date, n: int) -> None:
    assert CAL.add_days(day, n, "calendar_days") == day + dt.timedelta(days=n)


@given(
    st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2025, 12, 31)),
    st.integers(-40, 40),
    st.sampled_from(["calendar_days", "working_days"]),
)
def test_reminded_dues_are_exactly_the_dues_reminded_on_a_day(
    day: dt.date, days: int, unit: DayUnit
) -> None:
    """The inverse walk finds every due date whose reminder falls on ``day``, and no other: the
    same as trying every due date around it (Tết and year ends included)."""
    reminder = Reminder(days=days, to="responsible", source="test", unit=unit)
    window = (day + dt.timedelta(days=d) for d in range(-120, 121))
    expected = [due for due in window if reminder_date(due, reminder, CAL) == day]
    assert reminded_dues(day, reminder, CAL) == expected
