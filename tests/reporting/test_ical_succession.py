"""``plan161 calendar`` follows the succession of agencies: a deadline belongs to whoever holds the
task on its day, as the engine decides; nothing is lost, nothing is doubled."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import attrs
import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reporting_data import HA_TINH_RULES, TINY_RULES

from plan161_workflow.calendar import WorkingCalendar
from plan161_workflow.cli import main
from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.model.plan import Plan, Succession
from plan161_workflow.reporting.ical import agency_calendar
from plan161_workflow.rules import load_rules
from plan161_workflow.rules.checks.succession import succession_problems
from plan161_workflow.workflow.cycle_plan import plan_tasks

REORGANISED_RULES = HA_TINH_RULES.parent / "ha-tinh-161-sap-xep-2025.yaml"
STAMP = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
SUMMARY = re.compile(
    r"^(?P<verb>Hạn báo cáo|Phối hợp báo cáo) (?P<unit>\S+) năm (?P<year>\d{4}): "
    r".*?(?: \(thay (?P<instead>[^()]+)\))?$"
)

Deadline = tuple[int, str, str, dt.date]
"""(year, unit, lead the plan names, due date): one task's deadline."""


def _events(plan: Plan, agency: str, years: Iterable[int]) -> list[icalendar.Event]:
    data = agency_calendar(plan, agency, list(years), stamp=STAMP).calendar.to_ical()
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def _lead_deadlines(plan: Plan, agency: str, years: Iterable[int]) -> list[Deadline]:
    """The task deadlines in ``agency``'s calendar, each with the lead the plan names (the
    agency itself, or the one its summary says it replaces)."""
    codes = {a.name: a.code for a in plan.agencies}
    out = []
    for event in _events(plan, agency, years):
        found = SUMMARY.match(str(event["SUMMARY"]))
        assert found, event["SUMMARY"]
        if found["verb"] == "Hạn báo cáo":
            lead = codes[found["instead"]] if found["instead"] else agency
            out.append((int(found["year"]), found["unit"], lead, event.decoded("DTSTART")))
    return out


def _plan_deadlines(plan: Plan) -> list[Deadline]:
    working = WorkingCalendar(plan.calendar, plan.info.years)
    return [
        (t.year, t.unit, t.agency, t.due)
        for year in plan.info.years
        for t in plan_tasks(plan, year, working)
        if t.due is not None
    ]


def test_dolisa_has_no_deadline_after_it_ceased(reorganised_plan: Plan) -> None:
    events = _events(reorganised_plan, "so-ldtbxh", reorganised_plan.info.years)
    dues = [e.decoded("DTSTART") for e in events]
    assert dues, "its 2023 and 2024 deadlines stay with it"
    assert max(dues) <= dt.date(2025, 2, 28)
    result = agency_calendar(reorganised_plan, "so-ldtbxh", [2025], stamp=STAMP)
    assert result.events == 0
    assert (2025, "II.2", "so-nv") in result.handed_over
    assert (2025, "II.4", "so-yt") in result.handed_over  # split by area


def test_district_has_no_deadline_after_it_was_abolished(reorganised_plan: Plan) -> None:
    dues = [e.decoded("DTSTART") for e in _events(reorganised_plan, "ubnd-h-can-loc", [2023, 2025])]
    assert dt.date(2023, 11, 30) in dues
    assert max(dues) <= dt.date(2025, 6, 30)


def test_no_ceased_agency_has_any_deadline_after_its_last_day(reorganised_plan: Plan) -> None:
    ceased = [a for a in reorganised_plan.agencies if a.valid_to is not None]
    assert len(ceased) >= 2
    for agency in ceased:
        for event in _events(reorganised_plan, agency.code, reorganised_plan.info.years):
            assert agency.valid_to is not None
            assert event.decoded("DTSTART") <= agency.valid_to, (agency.code, event["SUMMARY"])


def test_home_affairs_gets_each_inherited_deadline_exactly_once(reorganised_plan: Plan) -> None:
    """Expected straight from the rules' successors: every 2025 task a predecessor of so-nv
    leads, due on or after the successor's first day, within its scope."""
    working = WorkingCalendar(reorganised_plan.calendar, reorganised_plan.info.years)
    tasks = plan_tasks(reorganised_plan, 2025, working)
    expected: Counter[Deadline] = Counter()
    coordinated: set[tuple[str, dt.date]] = set()
    for agency in reorganised_plan.agencies:
        for s in agency.successors:
            if s.agency != "so-nv":
                continue
            for t in tasks:
                scope = (*s.scope.areas, *s.scope.duties)
                if t.due is None or t.due < s.effective:
                    continue
                if not (s.scope.is_everything or t.unit in scope):
                    continue
                if t.agency == agency.code:
                    expected[(2025, t.unit, t.agency, t.due)] += 1
                if agency.code in t.coordinating:
                    coordinated.add((t.unit, t.due))
    assert len(expected) == 15  # II.1 and II.2 of DOLISA, II.1 of the 13 districts
    got = Counter(d for d in _lead_deadlines(reorganised_plan, "so-nv", [2025]) if d[2] != "so-nv")
    assert got == expected
    held = {
        (str(e["CATEGORIES"].cats[1]), e.decoded("DTSTART"))
        for e in _events(reorganised_plan, "so-nv", [2025])
    }
    assert coordinated <= held  # the districts' coordinating part too (led units count once)


@pytest.mark.slow
@pytest.mark.parametrize(
    "rules", [HA_TINH_RULES, REORGANISED_RULES, TINY_RULES], ids=["default", "reorganised", "tiny"]
)
def test_every_task_deadline_is_in_exactly_one_calendar(rules: Path) -> None:
    plan = load_rules(rules)
    calendars = Counter(
        d for a in plan.agencies for d in _lead_deadlines(plan, a.code, plan.info.years)
    )
    assert calendars == Counter(_plan_deadlines(plan))
    assert max(calendars.values()) == 1


def test_calendar_agrees_with_the_engine(reorganised_plan: Plan, tmp_path: Path) -> None:
    """On the due date, the engine has passed each open task to the agency whose calendar
    holds its deadline."""
    due = dt.date(2025, 11, 30)
    clock = FakeClock(dt.date(2025, 1, 2))
    with Engine(reorganised_plan, db=tmp_path / "e.db", clock=clock) as engine:
        engine.open_cycle(2025)
        clock.set(due)
        engine.apply_succession()
        by_engine = {
            (t.unit, t.original_agency): t.agency for t in engine.tasks(year=2025) if t.due == due
        }
    by_calendar = {
        (unit, lead): holder.code
        for holder in reorganised_plan.agencies
        for _, unit, lead, day in _lead_deadlines(reorganised_plan, holder.code, [2025])
        if day == due
    }
    assert by_calendar == by_engine
    assert by_calendar[("II.4", "so-ldtbxh")] == "so-yt"


def test_successor_event_says_whom_it_replaces(reorganised_plan: Plan) -> None:
    events = _events(reorganised_plan, "so-nv", [2025])
    assert len({str(e["UID"]) for e in events}) == len(events)
    (can_loc,) = [
        e for e in events if str(e["SUMMARY"]).endswith("(thay Ủy ban nhân dân huyện Can Lộc)")
    ]
    summary = str(can_loc["SUMMARY"])
    assert summary.startswith("Hạn báo cáo II.1 năm 2025: ")
    assert unicodedata.is_normalized("NFC", summary)
    assert "Ủy ban nhân dân huyện Can Lộc → Sở Nội vụ (72/2025/QH15)" in str(can_loc["DESCRIPTION"])
    alarms = can_loc.walk("VALARM")
    assert len(alarms) == 2  # the reminders come with the deadline
    assert all("(thay Ủy ban nhân dân huyện Can Lộc)" in str(a["DESCRIPTION"]) for a in alarms)
    (ii3,) = [e for e in events if " II.3 " in str(e["SUMMARY"])]
    # all thirteen district committees: named as the plan's group
    assert str(ii3["SUMMARY"]).endswith("(thay Ủy ban nhân dân các huyện, thành phố, thị xã)")
    own = [e for e in events if "(thay" not in str(e["SUMMARY"])]
    assert len(own) == 2  # II.1 and II.4, its own as before


def _ceasing(plan: Plan, code: str, last_day: dt.date, successor: str) -> Plan:
    succession = Succession(successor, last_day + dt.timedelta(days=1), "test", "added: test")
    agencies = tuple(
        attrs.evolve(a, valid_to=last_day, successors=(succession,)) if a.code == code else a
        for a in plan.agencies
    )
    return attrs.evolve(plan, agencies=agencies)


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(
    last_day=st.dates(dt.date(2023, 1, 1), dt.date(2024, 12, 30)),
    successor=st.sampled_from(["so-an-toan", "so-du-lich", "so-dao-tao", "so-ld"]),
)
def test_any_cessation_moves_deadlines_without_losing_any(
    last_day: dt.date, successor: str
) -> None:
    plan = _ceasing(load_rules(TINY_RULES), "so-am-nhac", last_day, successor)
    assert not list(succession_problems(plan))
    years = plan.info.years
    dues = [e.decoded("DTSTART") for e in _events(plan, "so-am-nhac", years)]
    assert all(d <= last_day for d in dues)
    calendars = Counter(d for a in plan.agencies for d in _lead_deadlines(plan, a.code, years))
    assert calendars == Counter(_plan_deadlines(plan))
    inherited = [d for d in _lead_deadlines(plan, successor, years) if d[2] == "so-am-nhac"]
    assert inherited == [
        d for d in _plan_deadlines(plan) if d[2] == "so-am-nhac" and d[3] > last_day
    ]


def test_cli_says_what_passed_to_successors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "so-ldtbxh.ics"
    args = ["calendar", str(REORGANISED_RULES), "--agency", "so-ldtbxh", "--years", "2025"]
    assert main([*args, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "wrote 0 events" in err
    assert "so-ldtbxh ceased on 2025-02-28" in err
    assert "II.4 (2025) to so-yt" in err
    assert "its deadlines in 2025 are in the calendars of so-nv, so-yt" in err
    out = tmp_path / "so-nv.ics"
    args = ["calendar", str(REORGANISED_RULES), "--agency", "so-nv", "--years", "2025"]
    assert main([*args, "-o", str(out)]) == 0
    assert "wrote 19 events" in capsys.readouterr().err


def test_leads_are_named_as_held_on_the_day(reorganised_plan: Plan) -> None:
    """An agency that did not change sees who leads the unit with it now, and whom they replace."""
    (ii5,) = [
        e for e in _events(reorganised_plan, "so-gddt", [2025]) if " II.5 " in str(e["SUMMARY"])
    ]
    leads = next(
        line for line in str(ii5["DESCRIPTION"]).splitlines() if line.startswith("Cơ quan chủ trì")
    )
    assert leads == (
        "Cơ quan chủ trì / lead: Sở Khoa học và Công nghệ (thay Sở Thông tin và Truyền thông); "
        "Sở Giáo dục và Đào tạo"
    )
