"""Time in the engine: due dates on Vietnam's working calendar, lateness, due-soon and overdue
queries, and the reminders and escalations of the Hà Tĩnh rules."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import attrs
import pytest

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.model.plan import Deadline, Duty, Plan, Recurrence, Reminder, Shift
from plan161_workflow.model.task import Notice

D = dt.date
GDDT = "2024/II.1/so-gddt"
REPORT = {"summary": "Báo cáo năm"}


def with_shift(plan: Plan, shift: Shift) -> Plan:
    return attrs.evolve(plan, calendar=attrs.evolve(plan.calendar, non_working_last_day=shift))


def area_dues(engine: Engine, year: int) -> set[dt.date | None]:
    return {t.due for t in engine.open_cycle(year) if t.area is not None}


# -- due dates ---------------------------------------------------------------------------------


def test_the_rules_keep_a_last_day_that_is_not_a_working_day(plan: Plan) -> None:
    assert plan.calendar.non_working_last_day == "keep"
    assert D(2024, 11, 30).weekday() == 5  # a Saturday
    assert D(2025, 11, 30).weekday() == 6  # a Sunday


@pytest.mark.parametrize(
    ("shift", "due_2024", "due_2025"),
    [
        ("keep", D(2024, 11, 30), D(2025, 11, 30)),
        ("previous_working_day", D(2024, 11, 29), D(2025, 11, 28)),
        ("next_working_day", D(2024, 12, 2), D(2025, 12, 1)),
    ],
)
def test_area_due_dates_follow_the_calendar_setting(
    plan: Plan, clock: FakeClock, shift: Shift, due_2024: dt.date, due_2025: dt.date
) -> None:
    engine = Engine(with_shift(plan, shift), clock=clock)

    tasks = engine.open_cycle(2024)

    assert len([t for t in tasks if t.area is not None]) == 31
    assert area_dues(engine, 2024) == {due_2024}
    assert area_dues(engine, 2025) == {due_2025}
    assert {t.due for t in tasks if t.duty is not None} == {None}


TET_DEADLINE = Deadline(
    id="tet-2025",
    kind="fixed",
    name="Hạn trong dịp Tết Ất Tỵ",
    source="added: a test deadline on Tết Nguyên Đán 2025",
    date=D(2025, 1, 29),
)
TET_DUTY = Duty(
    id="T.1",
    title="Báo cáo trong dịp Tết",
    title_en="A report due during Tết",
    lead=("so-ldtbxh",),
    recurrence=Recurrence("once", 2025),
    source="added: test",
    deadline="tet-2025",
)


def tet_plan(plan: Plan, shift: Shift, deadline: Deadline = TET_DEADLINE) -> Plan:
    return attrs.evolve(
        with_shift(plan, shift),
        deadlines=(*plan.deadlines, deadline),
        duties=(*plan.duties, TET_DUTY),
    )


@pytest.mark.parametrize(
    ("shift", "due"),
    [
        ("keep", D(2025, 1, 29)),
        ("previous_working_day", D(2025, 1, 24)),
        ("next_working_day", D(2025, 2, 3)),
    ],
)
def test_a_fixed_deadline_inside_tet_moves_out_of_the_holiday(
    plan: Plan, clock: FakeClock, shift: Shift, due: dt.date
) -> None:
    engine = Engine(tet_plan(plan, shift), clock=clock)

    assert [t.id for t in engine.open_cycle(2024) if t.duty == "T.1"] == []
    (task,) = [t for t in engine.open_cycle(2025) if t.duty == "T.1"]

    assert task.id == "2025/T.1/so-ldtbxh"
    assert task.due == due
    assert engine.calendar.is_working_day(due) is (shift != "keep")
    assert len(engine.tasks(year=2025)) == 38


def test_a_deadline_s_own_shift_overrides_the_calendar(plan: Plan, clock: FakeClock) -> None:
    own = attrs.evolve(TET_DEADLINE, shift="next_working_day")
    engine = Engine(tet_plan(plan, "previous_working_day", own), clock=clock)

    tasks = {t.id: t for t in engine.open_cycle(2025)}

    assert tasks["2025/T.1/so-ldtbxh"].due == D(2025, 2, 3)
    assert tasks["2025/II.2/so-ldtbxh"].due == D(2025, 11, 28)


def test_a_working_day_reminder_skips_tet(plan: Plan, clock: FakeClock) -> None:
    reminder = Reminder(days=-1, to="responsible", source="added: test", unit="working_days")
    engine = Engine(
        attrs.evolve(tet_plan(plan, "next_working_day"), reminders=(reminder,)), clock=clock
    )
    engine.open_cycle(2025)

    assert engine.notices(D(2025, 1, 24)) == [
        Notice(
            "2025/T.1/so-ldtbxh",
            "so-ldtbxh",
            D(2025, 1, 24),
            -1,
            D(2025, 2, 3),
            "so-ldtbxh",
            "working_days",
        )
    ]
    assert engine.notices(D(2025, 2, 2)) == []
    assert engine.notices(D(2025, 1, 31)) == []


# -- lateness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted", "late"),
    [
        (dt.datetime(2024, 11, 29, 17, 0), 0),
        (dt.datetime(2024, 11, 30, 23, 59), 0),  # on the due day (a Saturday, kept)
        (dt.datetime(2024, 12, 1, 0, 1), 1),
        (dt.datetime(2024, 12, 2, 8, 0), 2),  # two days after
        (dt.datetime(2025, 1, 15, 8, 0), 46),
    ],
)
def test_a_report_is_marked_on_time_or_late(
    engine: Engine, clock: FakeClock, submitted: dt.datetime, late: int
) -> None:
    engine.open_cycle(2024)
    assert (engine.task(GDDT).days_late, engine.task(GDDT).on_time) == (None, None)
    clock.set(submitted)

    task = engine.fire(GDDT, "submit", actor="so-gddt", report=REPORT)

    assert task.days_late == late
    assert task.on_time is (late == 0)
    assert task.reported_at == clock()
    assert engine.task(GDDT).days_late == late


def test_lateness_is_judged_in_vietnam_whatever_the_clock_s_zone(plan: Plan) -> None:
    # 20:00 UTC on 30/11 is 03:00 on 01/12 in Hà Tĩnh: one day after the last day.
    clock = FakeClock(dt.datetime(2024, 11, 30, 20, 0, tzinfo=dt.UTC))
    engine = Engine(plan, clock=clock)
    engine.open_cycle(2024)

    task = engine.fire(GDDT, "submit", actor="so-gddt", report=REPORT)

    assert (task.days_late, task.on_time) == (1, False)


def test_a_revised_report_keeps_the_first_arrival_s_lateness(
    engine: Engine, clock: FakeClock
) -> None:
    engine.open_cycle(2024)
    clock.set(D(2024, 11, 30))
    first = engine.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
    engine.fire(GDDT, "send_back", actor="so-ldtbxh", reason="thiếu số liệu")
    clock.set(D(2024, 12, 9))

    task = engine.fire(GDDT, "submit", actor="so-gddt", report={"summary": "bản sửa"})

    assert (task.days_late, task.on_time) == (0, True)
    assert task.reported_at == first.reported_at


# -- due soon, overdue -------------------------------------------------------------------------


def test_overdue_starts_the_day_after_the_last_day(engine: Engine, clock: FakeClock) -> None:
    engine.open_cycle(2024)

    assert engine.overdue(D(2024, 11, 30)) == []
    assert len(engine.overdue(D(2024, 12, 1))) == 31
    assert {t.due for t in engine.overdue(D(2025, 6, 1))} == {D(2024, 11, 30)}

    engine.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
    engine.fire("2024/II.3/so-tnmt", "start", actor="so-tnmt")
    overdue = engine.overdue(D(2024, 12, 1))
    assert len(overdue) == 30
    assert GDDT not in {t.id for t in overdue}
    assert "2024/II.3/so-tnmt" in {t.id for t in overdue}  # started is still not reported


def test_due_soon_includes_both_ends_of_the_window(engine: Engine) -> None:
    engine.open_cycle(2024)

    assert len(engine.due_soon(D(2024, 11, 23), 7)) == 31
    assert engine.due_soon(D(2024, 11, 22), 7) == []
    assert len(engine.due_soon(D(2024, 11, 22), 8)) == 31
    assert len(engine.due_soon(D(2024, 11, 30), 0)) == 31
    assert engine.due_soon(D(2024, 12, 1), 30) == []
    assert engine.due_soon(D(2024, 1, 10), 30) == []

    engine.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
    soon = engine.due_soon(D(2024, 11, 23), 7)
    assert len(soon) == 30
    assert all(t.state in ("assigned", "in_progress") for t in soon)


# -- notices -----------------------------------------------------------------------------------


def test_the_rules_remind_and_escalate(plan: Plan) -> None:
    assert [(r.days, r.to, r.unit) for r in plan.reminders] == [
        (-7, "responsible", "calendar_days"),
        (-1, "responsible", "calendar_days"),
        (1, "consolidator", "calendar_days"),
        (15, "evaluator", "calendar_days"),
    ]


def test_reminders_seven_and_one_day_before_go_to_each_responsible_agency(
    engine: Engine,
) -> None:
    tasks = [t for t in engine.open_cycle(2024) if t.area is not None]
    expected = {(t.id, t.agency) for t in tasks}

    for on, days in [(D(2024, 11, 23), -7), (D(2024, 11, 29), -1)]:
        notices = engine.notices(on)
        assert len(notices) == 31
        assert {(n.task_id, n.to) for n in notices} == expected
        assert {(n.on, n.days, n.due, n.is_escalation) for n in notices} == {
            (on, days, D(2024, 11, 30), False)
        }
        assert all(n.to == n.agency for n in notices)


def test_escalations_after_the_last_day_go_to_the_consolidator_then_the_evaluator(
    engine: Engine,
) -> None:
    engine.open_cycle(2024)

    after_one = engine.notices(D(2024, 12, 1))
    assert len(after_one) == 31
    # The consolidator's own late tasks escalate to the agency it reports to, not to itself.
    own = {n.task_id for n in after_one if n.agency == "so-ldtbxh"}
    assert len(own) == 3
    assert {n.task_id for n in after_one if n.to == "ubnd-tinh"} == own
    assert Counter(n.to for n in after_one) == {"so-ldtbxh": 28, "ubnd-tinh": 3}
    assert {(n.days, n.is_escalation) for n in after_one} == {(1, True)}
    assert len({n.task_id for n in after_one}) == 31

    after_fifteen = engine.notices(D(2024, 12, 15))
    assert Counter(n.to for n in after_fifteen) == {"ubnd-tinh": 31}
    assert {n.days for n in after_fifteen} == {15}
    assert {n.agency for n in after_fifteen} == {t.agency for t in engine.overdue(D(2024, 12, 15))}


@pytest.mark.parametrize(
    "on", [D(2024, 11, 22), D(2024, 11, 24), D(2024, 11, 30), D(2024, 12, 2), D(2024, 12, 14)]
)
def test_no_notice_on_other_days(engine: Engine, on: dt.date) -> None:
    engine.open_cycle(2024)

    assert engine.notices(on) == []


def test_a_reported_task_gets_no_more_notices(engine: Engine) -> None:
    engine.open_cycle(2024)
    engine.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
    engine.fire("2024/II.2/so-ldtbxh", "start", actor="so-ldtbxh")

    for on in (D(2024, 11, 23), D(2024, 11, 29), D(2024, 12, 1), D(2024, 12, 15)):
        ids = {n.task_id for n in engine.notices(on)}
        assert len(ids) == 30
        assert GDDT not in ids
        assert "2024/II.2/so-ldtbxh" in ids


def test_a_reminder_follows_a_reassigned_task(engine: Engine) -> None:
    engine.open_cycle(2024)
    engine.fire(GDDT, "reassign", actor="so-ldtbxh", agency="so-vhttdl")

    (notice,) = [n for n in engine.notices(D(2024, 11, 29)) if n.task_id == GDDT]

    assert (notice.to, notice.agency) == ("so-vhttdl", "so-vhttdl")


def test_reminders_follow_a_shifted_due_date(plan: Plan, clock: FakeClock) -> None:
    engine = Engine(with_shift(plan, "previous_working_day"), clock=clock)
    engine.open_cycle(2024)

    assert len(engine.notices(D(2024, 11, 22))) == 31
    assert {n.days for n in engine.notices(D(2024, 11, 28))} == {-1}
    # to the consolidator, except its own tasks: those go to the agency it reports to
    assert {n.to for n in engine.notices(D(2024, 11, 30))} == {"so-ldtbxh", "ubnd-tinh"}
    assert {n.to for n in engine.notices(D(2024, 12, 14))} == {"ubnd-tinh"}
    assert engine.notices(D(2024, 11, 23)) == []
