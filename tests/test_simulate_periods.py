"""Simulation of a plan with reporting periods (issue 12, points 7 and 8): the constructed
2026-2030 plan in rules/, years and periods that overlap, and workflows refused up-front."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from plan161_workflow import Engine, PayloadError, UnfireableStepError, load_rules
from plan161_workflow.clock import FakeClock
from plan161_workflow.model.task import Task
from plan161_workflow.reporting.output import make_report
from plan161_workflow.reporting.status import status_data
from plan161_workflow.simulate import SimulationParams, YearSummary, simulate
from plan161_workflow.workflow.cycle_plan import plan_tasks
from workflows import REORGANISED_RULES, VERIFIED_RULES

REPO = Path(__file__).resolve().parents[1]
PERIODS_PLAN = REPO / "rules" / "tinh-mau-2026-2030.yaml"
CLI = [sys.executable, "-m", "plan161_workflow.cli"]


@pytest.fixture(scope="module")
def run() -> tuple[Engine, list[YearSummary]]:
    """The constructed plan, its five years simulated in memory, and the summaries."""
    plan = load_rules(PERIODS_PLAN)
    clock = FakeClock(dt.date(2026, 1, 2))
    eng = Engine(plan, clock=clock)
    return eng, simulate(eng, clock, plan.info.years, SimulationParams(seed=161))


@pytest.fixture
def simulated(run: tuple[Engine, list[YearSummary]]) -> Engine:
    return run[0]


# -- point 8: the second plan ----------------------------------------------------------------


def test_the_second_plan_says_it_is_constructed_and_has_the_shape_of_the_issue() -> None:
    text = PERIODS_PLAN.read_text("utf-8")
    assert unicodedata.is_normalized("NFC", text)
    assert "not the text of any real province's plan" in text.split("plan:", 1)[0]
    plan = load_rules(PERIODS_PLAN)
    assert "dựng mẫu" in plan.info.title
    assert plan.info.years == range(2026, 2031)
    kinds = {p.id: p.kind for p in plan.periods}
    assert sorted(kinds.values()) == ["half_year", "once", "quarter", "review", "review", "year"]
    assert {"so-ket", "tong-ket"} <= set(kinds)
    once = next(p for p in plan.periods if p.kind == "once")
    assert (once.within and (once.within.quarter, once.within.year)) == (2, 2026)
    some_years = [a for a in plan.areas if a.recurrence.kind == "years"]
    assert [a.recurrence.years for a in some_years] == [(2027, 2029)]


@pytest.mark.slow
def test_the_second_plan_validates_on_the_command_line() -> None:
    done = subprocess.run(
        [*CLI, "validate", str(PERIODS_PLAN)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stdout


def test_each_period_is_consolidated_on_its_own_dates(simulated: Engine) -> None:
    for year in range(2026, 2031):
        for period in simulated.periods(year):
            records = simulated.consolidations(year, period.id)
            assert records, period.id
            assert {r.period for r in records} == {period.id}
            assert period.due is not None
            # The province first consolidates ten days after the period's own last day, not the
            # year's; a level (the communes') three days after, before its report upward is due.
            province = [r for r in records if r.level is None]
            assert province[0].at.date() == period.due + dt.timedelta(days=10)
            levels = [r for r in records if r.level is not None]
            assert {r.level for r in levels} <= {"cap-xa"}
            if levels:
                assert period.due < levels[0].at.date() < province[0].at.date()
            tasks = {t.id for t in simulated.tasks(year=year, period=period.id)}
            assert {t for r in records for t in r.tasks} <= tasks
    labels = {p.label for p in simulated.periods(2028)}
    assert "sơ kết 3 năm thực hiện Kế hoạch năm 2028" in labels
    assert "tổng kết 5 năm thực hiện Kế hoạch năm 2030" in {
        p.label for p in simulated.periods(2030)
    }


def test_a_year_opens_while_the_last_quarter_of_the_previous_year_is_still_due(
    simulated: Engine,
) -> None:
    opened = {c.year: c.opened_at for c in simulated.cycles()}
    closed = {c.year: c.closed_at for c in simulated.cycles()}
    for year in range(2027, 2031):
        assert opened[year].date() == dt.date(year, 1, 2)
        last = simulated.periods(year - 1)[-1]
        assert last.id == f"{year - 1}Q4"
        assert last.due is not None
        assert last.due.year == year
        consolidated = simulated.consolidations(year - 1, last.id)[0].at
        assert opened[year] < consolidated
        last_closed = closed[year - 1]
        assert last_closed is not None
        assert opened[year] < last_closed
        # The next year's first reports are not held up: its first quarter is due in April.
        assert simulated.consolidations(year, f"{year}Q1")[0].at.month == 4


def test_the_simulation_of_the_second_plan_does_only_what_is_allowed(
    run: tuple[Engine, list[YearSummary]],
) -> None:
    simulated, summaries = run
    assert [s.year for s in summaries] == [2026, 2027, 2028, 2029, 2030]
    # the areas' and duties' tasks (15 a year, 17 in 2026 with its one-off deliverable) and the
    # commune level's report upward in each 6-month and annual period
    assert [s.tasks for s in summaries] == [19, 17, 17, 17, 17]
    assert all(s.refused == 0 for s in summaries)
    assert all(s.on_time + s.late + s.missing + s.no_deadline == s.tasks for s in summaries)
    assert sum(s.late for s in summaries) > 0
    assert all(c.closed for c in simulated.cycles())
    assert simulated.verify().ok


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_the_second_plans_reports_render_for_every_year(simulated: Engine, fmt: str) -> None:
    for year in range(2026, 2031):
        for period in simulated.periods(year):
            day = dt.date(year + 1, 3, 1)
            _, text = make_report(simulated, year, day, fmt=fmt, period=period.id)
            assert text.strip()
            if fmt == "json":
                assert (json.loads(text)["year"], json.loads(text)["period"]) == (year, period.id)
            else:
                assert "Tỉnh Mẫu" in text or "TỈNH MẪU" in text
                assert period.label in text


def test_the_second_plans_status_counts_its_tasks(simulated: Engine) -> None:
    data = status_data(simulated, 2030, dt.date(2030, 12, 31))
    assert data["year"] == 2030
    tasks = simulated.tasks(year=2030)
    assert data["totals"]["tasks"] == len(tasks)
    assert sum(data["states"].values()) == len(tasks)
    assert json.loads(json.dumps(data))["totals"] == data["totals"]  # plain JSON


@pytest.mark.slow
def test_the_command_line_simulates_the_second_plan_and_writes_its_report(tmp_path: Path) -> None:
    db = tmp_path / "tinh-mau.db"
    done = subprocess.run(
        [*CLI, "simulate", str(PERIODS_PLAN), "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    _header, *rows = done.stdout.splitlines()
    assert [r.split()[0] for r in rows[:5]] == [str(y) for y in range(2026, 2031)]
    assert (tmp_path / "tinh-mau-bao-cao-2030.html").read_text("utf-8").strip()
    report = subprocess.run(
        [
            *CLI,
            "report",
            "--db",
            str(db),
            "--year",
            "2028",
            "--period",
            "2028-so-ket",
            "--format",
            "md",
            "-o",
            "-",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert report.returncode == 0, report.stderr
    assert "sơ kết 3 năm thực hiện Kế hoạch năm 2028" in report.stdout


# -- point 7: workflows refused up-front -----------------------------------------------------


def _rules_with(tmp_path: Path, role: str) -> Path:
    text = VERIFIED_RULES.read_text("utf-8")
    rule = "{trigger: verify, source: [reported], dest: verified, role: consolidator}"
    assert rule in text
    rules = tmp_path / f"{role}-verifies.yaml"
    rules.write_text(text.replace(rule, rule.replace("consolidator", role)), "utf-8")
    return rules


def test_a_step_some_tasks_can_never_take_is_refused_naming_the_step_and_the_tasks(
    tmp_path: Path,
) -> None:
    """Only coordinating agencies may verify: tasks without any could never be verified."""
    plan = load_rules(_rules_with(tmp_path, "coordinating"))
    clock = FakeClock(dt.date(2024, 1, 2))
    eng = Engine(plan, clock=clock)
    with pytest.raises(UnfireableStepError) as caught:
        simulate(eng, clock, plan.info.years)
    err = caught.value
    assert isinstance(err, PayloadError)
    assert (err.trigger, err.role, err.location) == (
        "verify",
        "coordinating",
        "workflow.transitions[2]",
    )
    assert plan.workflow.transitions[2].trigger == "verify"
    without = sorted(
        t.id for year in plan.info.years for t in _planned(eng, year) if not t.coordinating
    )
    assert without
    assert sorted(err.tasks) == without
    assert all(not t.startswith("2024/II.1/") for t in err.tasks)  # II.1 has coordinators
    assert "'verify'" in str(err)
    assert "workflow.transitions[2]" in str(err)
    assert without[0] in str(err)
    assert eng.cycles() == []  # refused before anything was done
    assert eng.verify().events == 0


def _planned(eng: Engine, year: int) -> list[Task]:
    book = eng.cycle_book(year)
    return plan_tasks(book.plan, year, book.calendar)


@pytest.mark.slow
def test_the_command_line_refuses_an_overseers_step_in_a_plan_without_overseers(
    tmp_path: Path,
) -> None:
    rules = _rules_with(tmp_path, "overseer")
    db = tmp_path / "x.db"
    done = subprocess.run(
        [*CLI, "simulate", str(rules), "--db", str(db)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert re.search(r"workflow\.transitions\[2\]: .*'verify' \(role 'overseer'\)", done.stderr)
    assert "2024/II.1/so-ldtbxh" in done.stderr
    assert not db.exists()
    assert "Traceback" not in done.stderr


def test_a_plan_whose_steps_every_task_can_take_is_not_refused(tmp_path: Path) -> None:
    plan = load_rules(_rules_with(tmp_path, "participant"))
    clock = FakeClock(dt.date(2024, 1, 2))
    eng = Engine(plan, clock=clock)
    years = simulate(eng, clock, plan.info.years)
    assert all(y.refused == 0 for y in years)
    assert any(e.trigger == "verify" for t in eng.tasks() for e in eng.history(t.id))


# -- the Hà Tĩnh simulation of the README -----------------------------------------------------


def test_the_reorganised_ha_tinh_simulation_keeps_its_figures() -> None:
    """The README's command (seed 161, 2023-2025): the same figures as before periods and
    overlapping years; only the opening of 2024 and 2025 moved (to 2 January, instead of the day
    after the previous cycle closed), which changes the head but no count."""
    plan = load_rules(REORGANISED_RULES)
    clock = FakeClock(dt.date(2023, 1, 2))
    eng = Engine(plan, clock=clock)
    years = simulate(eng, clock, range(2023, 2026), SimulationParams(seed=161))
    rows = [
        (y.year, y.tasks, y.on_time, y.late, y.missing, y.no_deadline, y.sent_back, y.evaluated)
        for y in years
    ]
    assert rows == [
        (2023, 35, 19, 10, 2, 4, 4, 33),
        (2024, 35, 25, 3, 3, 4, 3, 32),
        (2025, 37, 19, 12, 0, 6, 2, 36),
    ]
    report = eng.verify()
    readme = (REPO / "README.md").read_text("utf-8")
    assert f"{report.events} events" in readme
    assert report.head is not None
    assert f"head {report.head[:16]}" in readme
    assert [c.opened_at.date() for c in eng.cycles()] == [
        dt.date(y, 1, 2) for y in (2023, 2024, 2025)
    ]
