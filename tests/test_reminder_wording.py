"""Reminders that count working days say so: in notices (API, CLI text and JSON) and in the
alarms of an agency's calendar ("5 ngày làm việc", "5 working days before"), never "5 days"."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import attrs

from plan161_workflow import Engine, Plan
from plan161_workflow.calendar import WorkingCalendar, reminder_date
from plan161_workflow.clock import FakeClock
from plan161_workflow.model.plan import Reminder
from plan161_workflow.reporting.ical import agency_calendar
from plan161_workflow.reporting.labels import day_count

WORKING = Reminder(days=-7, to="responsible", source="added: test", unit="working_days")
CALENDAR = Reminder(days=-5, to="responsible", source="added: test")
TASK = "2024/II.2/so-ldtbxh"


def _plan(plan: Plan) -> Plan:
    return attrs.evolve(plan, reminders=(WORKING, CALENDAR))


def _day(plan: Plan, reminder: Reminder) -> dt.date:
    due = dt.date(2024, 11, 30)
    return reminder_date(due, reminder, WorkingCalendar(plan.calendar, plan.info.years))


def test_day_count_names_working_days() -> None:
    assert day_count(-5, "working_days", "vi") == "5 ngày làm việc"
    assert day_count(5, "calendar_days", "vi") == "5 ngày"
    assert day_count(-1, "working_days", "en") == "1 working day"
    assert day_count(3, "calendar_days", "en") == "3 days"


def test_a_working_day_notice_carries_its_unit_and_the_cli_says_working_days(
    plan: Plan, tmp_path: Path
) -> None:
    rules = _plan(plan)
    working_day, calendar_day = _day(rules, WORKING), _day(rules, CALENDAR)
    assert working_day != calendar_day  # two distinct days, two distinct notices
    db = tmp_path / "w.db"
    eng = Engine(rules, db=db, clock=FakeClock(dt.date(2024, 11, 1)))
    eng.open_cycle(2024)
    [notice] = [n for n in eng.notices(working_day) if n.task_id == TASK]
    assert (notice.days, notice.day_unit) == (-7, "working_days")
    [notice] = [n for n in eng.notices(calendar_day) if n.task_id == TASK]
    assert (notice.days, notice.day_unit) == (-5, "calendar_days")
    eng.close()

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "plan161_workflow.cli", "notices", "--db", str(db), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    text = run("--as-of", working_day.isoformat())
    line = next(x for x in text.splitlines() if TASK in x)
    assert "7 working days before" in line
    text = run("--as-of", calendar_day.isoformat())
    line = next(x for x in text.splitlines() if TASK in x)
    assert "5 days before" in line
    assert "working" not in line
    rows = [json.loads(x) for x in run("--as-of", working_day.isoformat(), "--json").splitlines()]
    assert {r["day_unit"] for r in rows} == {"working_days"}


def test_calendar_alarms_say_working_days(plan: Plan) -> None:
    stamp = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    ics = agency_calendar(_plan(plan), "so-ldtbxh", [2024], stamp=stamp).calendar.to_ical()
    text = ics.decode().replace("\r\n ", "")
    assert "Còn 7 ngày làm việc: hạn báo cáo II.2 năm 2024" in text
    assert "Còn 5 ngày: hạn báo cáo II.2 năm 2024" in text
