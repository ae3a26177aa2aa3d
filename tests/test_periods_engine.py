"""Cycles and consolidation per reporting period, on the constructed 6-month + annual plan
(tests/rules/valid/periods.yaml): one task per (period, unit, lead agency); a consolidation
takes one period only, never counts a task not yet due as missing, and keeps its own waivers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from plan161_workflow import Engine, NotFound, PayloadError, load_rules
from plan161_workflow.clock import FakeClock
from plan161_workflow.errors import ConsolidationError
from plan161_workflow.model.plan import Plan

PERIODS_RULES = Path(__file__).parent / "rules" / "valid" / "periods.yaml"
CONSOLIDATOR = "so-ldtbxh"


@pytest.fixture(scope="module")
def periods_plan() -> Plan:
    return load_rules(PERIODS_RULES)


@pytest.fixture
def june() -> FakeClock:
    return FakeClock(dt.datetime(2026, 6, 1, 9, 0))


@pytest.fixture
def periodic(periods_plan: Plan, june: FakeClock) -> Engine:
    eng = Engine(periods_plan, clock=june)
    eng.open_cycle(2026)
    return eng


def _submit(eng: Engine, task_id: str) -> None:
    task = eng.task(task_id)
    eng.fire(task_id, "start", actor=task.agency)
    eng.fire(task_id, "submit", actor=task.agency, report={"summary": "Đã thực hiện"})


def test_one_task_per_period_unit_and_lead(periodic: Engine) -> None:
    tasks = periodic.tasks(year=2026)
    by_period: dict[str, list[str]] = {}
    for t in tasks:
        by_period.setdefault(t.period, []).append(t.id)
        assert t.id.startswith(f"{t.period}/")
        assert t.year == 2026
    assert sorted(by_period) == sorted(
        ["2026", "2026S1", "2026Q1", "2026Q2", "2026Q3", "2026Q4", "2026-ke-hoach"]
    )
    assert sorted(by_period["2026S1"]) == ["2026S1/II.1/so-ldtbxh", "2026S1/II.1/ubnd-huyen-a"]
    assert sorted(by_period["2026"]) == [
        "2026/II.1/so-ldtbxh",
        "2026/II.1/ubnd-huyen-a",
        "2026/II.2/so-yt",
    ]
    # the review falls in 2027 only; the quarterly duty in 2026 only
    assert not [t for t in tasks if t.duty == "V.3"]
    due = {t.period: t.due for t in tasks}
    assert due["2026S1"] == dt.date(2026, 6, 15)  # cut-off 14/06, one day after
    assert due["2026"] == dt.date(2026, 12, 15)
    assert due["2026-ke-hoach"] == dt.date(2026, 6, 30)  # within quarter II


def test_tasks_filter_by_period_id_or_series(periodic: Engine) -> None:
    s1 = periodic.tasks(year=2026, period="2026S1")
    assert {t.period for t in s1} == {"2026S1"}
    assert periodic.tasks(year=2026, period="six-month") == s1
    assert periodic.tasks(period="2026S1") == s1
    with pytest.raises(NotFound, match="no period 'monthly' in 2026"):
        periodic.tasks(year=2026, period="monthly")
    with pytest.raises(NotFound, match="has 4 periods in 2026"):
        periodic.tasks(year=2026, period="quarterly")


def test_periods_of_a_year_are_listed_with_ids_and_labels(periodic: Engine) -> None:
    periods = {p.id: p for p in periodic.periods(2026)}
    assert periods["2026S1"].label == "6 tháng đầu năm 2026"
    assert periods["2026"].label == "năm 2026"
    assert periods["2026Q2"].label == "quý II năm 2026"
    assert periods["2026S1"].cutoff == dt.date(2026, 6, 14)


def test_a_june_consolidation_needs_no_waiver_and_leaves_december_alone(
    periodic: Engine, june: FakeClock
) -> None:
    june.set(dt.datetime(2026, 6, 12, 9, 0))
    for task in periodic.tasks(period="2026S1"):
        _submit(periodic, task.id)
    june.set(dt.datetime(2026, 6, 20, 9, 0))
    record = periodic.consolidate(2026, period="2026S1", actor=CONSOLIDATOR)
    assert record.period == "2026S1"
    assert record.label == "6 tháng đầu năm 2026"
    assert record.waived == ()
    assert record.missing == ()
    assert sorted(record.tasks) == sorted(t.id for t in periodic.tasks(period="2026S1"))
    assert {t.state for t in periodic.tasks(period="2026S1")} == {"consolidated"}
    assert {t.state for t in periodic.tasks(period="2026")} == {"assigned"}

    # December: one annual report missing, waived in the annual consolidation only
    june.set(dt.datetime(2026, 12, 10, 9, 0))
    for task in periodic.tasks(period="2026"):
        if task.agency != "so-yt":
            _submit(periodic, task.id)
    june.set(dt.datetime(2026, 12, 20, 9, 0))
    with pytest.raises(ConsolidationError) as refused:
        periodic.consolidate(2026, period="annual", actor=CONSOLIDATOR)
    assert refused.value.missing == (("2026/II.2/so-yt", "so-yt"),)
    assert refused.value.period == "2026"
    annual = periodic.consolidate(2026, period="2026", actor=CONSOLIDATOR, waive=["so-yt"])
    assert annual.waived == ("so-yt",)
    assert [(m.task_id, m.agency) for m in annual.missing] == [("2026/II.2/so-yt", "so-yt")]
    (s1,) = periodic.consolidations(2026, period="2026S1")
    assert s1.waived == ()
    assert s1.label == "6 tháng đầu năm 2026"
    assert s1.due == dt.date(2026, 6, 15)
    assert [c.period for c in periodic.consolidations(2026)] == ["2026S1", "2026"]
    assert periodic.verify().ok


def test_a_task_not_yet_due_is_never_missing(periodic: Engine, june: FakeClock) -> None:
    june.set(dt.datetime(2026, 6, 10, 9, 0))  # before the 6-month deadline, 15/06
    first, second = periodic.tasks(period="2026S1")
    _submit(periodic, first.id)
    record = periodic.consolidate(2026, period="2026S1", actor=CONSOLIDATOR)
    assert record.tasks == (first.id,)
    assert record.missing == ()
    assert periodic.task(second.id).state == "assigned"  # left for a later consolidation
    with pytest.raises(PayloadError, match="nothing to consolidate"):
        periodic.consolidate(2026, period="2026S1", actor=CONSOLIDATOR, waive=[second.agency])
    june.set(dt.datetime(2026, 6, 16, 9, 0))  # now it is due: missing unless waived
    with pytest.raises(ConsolidationError):
        periodic.consolidate(2026, period="2026S1", actor=CONSOLIDATOR)


def test_consolidate_needs_the_period_when_the_plan_has_several(periodic: Engine) -> None:
    with pytest.raises(
        PayloadError, match=r"needs a period \(period=.*2026S1 \(6 tháng đầu năm 2026\)"
    ):
        periodic.consolidate(2026, actor=CONSOLIDATOR)
    with pytest.raises(NotFound, match="no period '2026S2' in 2026"):
        periodic.consolidate(2026, period="2026S2", actor=CONSOLIDATOR)
    assert periodic.consolidations(2026) == []


def test_a_single_period_plan_consolidates_without_naming_it(plan: Plan, clock: FakeClock) -> None:
    eng = Engine(plan, clock=clock)
    tasks = eng.open_cycle(2024)
    assert {t.period for t in tasks} == {"2024"}
    assert all(t.id.startswith("2024/") for t in tasks)
    clock.set(dt.datetime(2024, 12, 5, 9, 0))
    record = eng.consolidate(2024, actor=CONSOLIDATOR, waive=sorted({t.agency for t in tasks}))
    assert record.period == "2024"
    assert record.label == "năm 2024"
    assert eng.consolidations(2024, period="2024") == eng.consolidations(2024)
