"""The engine on the Hà Tĩnh plan: opening reporting cycles, the tasks they create, and closed
cycles."""

from __future__ import annotations

import datetime as dt

import pytest
from engine_support import (
    AREA_TASKS_2024,
    CONSOLIDATOR,
    GDDT,
    REPORT,
    YEARLY_DUTY_TASKS_2024,
    assert_refusal_recorded,
    bring_to,
    snapshot,
)

from ha_tinh_plan import DISTRICTS
from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.errors import (
    CycleClosedError,
    NotFound,
    PermissionDenied,
)

# -- cycles ------------------------------------------------------------------------------------


def test_open_cycle_2024_creates_31_area_tasks_and_4_yearly_duty_tasks(engine: Engine) -> None:
    tasks = engine.open_cycle(2024)

    assert len(tasks) == 35
    area_tasks = [t for t in tasks if t.area is not None]
    assert len(area_tasks) == 31
    assert {t.id for t in area_tasks} == AREA_TASKS_2024
    assert {t.id for t in tasks if t.duty is not None} == YEARLY_DUTY_TASKS_2024
    for t in tasks:
        assert t.year == 2024
        assert t.state == "assigned"
        assert t.version == 1
        assert t.original_agency == t.agency
        assert t.id == f"2024/{t.unit}/{t.agency}"
        assert (t.report, t.reported_at, t.days_late, t.on_time, t.rating) == (
            None,
            None,
            None,
            None,
            None,
        )
    for t in area_tasks:
        assert t.due == dt.date(2024, 11, 30)
        assert t.duty is None
    for t in tasks:
        if t.duty is not None:
            assert t.due is None  # the plan sets no deadline for section V duties
            assert t.area is None


def test_tasks_know_their_coordinating_agencies(engine: Engine) -> None:
    engine.open_cycle(2024)

    assert engine.task("2024/II.1/so-gddt").coordinating == ("so-tp",)
    assert engine.task("2024/II.1/ubnd-h-can-loc").coordinating == ("so-tp",)
    assert engine.task("2024/II.2/so-ldtbxh").coordinating == DISTRICTS
    assert engine.task("2024/II.4/so-yt").coordinating == DISTRICTS
    assert engine.task("2024/V.3/so-tc").coordinating == ("so-ldtbxh",)
    assert engine.task("2024/V.4/so-khdt").coordinating == ()


def test_open_cycle_2025_adds_the_two_once_duties(engine: Engine) -> None:
    tasks = engine.open_cycle(2025)

    assert len(tasks) == 37
    duties = {t.id: t for t in tasks if t.duty is not None}
    assert set(duties) == {
        "2025/V.1-final-evaluation/so-ldtbxh",
        "2025/V.2-summary/so-ldtbxh",
        "2025/V.3/so-tc",
        "2025/V.4/so-khdt",
        "2025/V.5/so-ngv",
        "2025/V.6/ubmttq-tinh",
    }
    assert {t.due for t in tasks if t.area is not None} == {dt.date(2025, 11, 30)}
    assert len(engine.open_cycle(2023)) == 35
    assert engine.tasks(duty="V.1-final-evaluation") == [
        duties["2025/V.1-final-evaluation/so-ldtbxh"]
    ]


def test_opening_a_year_twice_never_duplicates_tasks(engine: Engine, clock: FakeClock) -> None:
    first = engine.open_cycle(2024)
    engine.fire(GDDT, "start", actor="so-gddt")
    before = engine.history(GDDT)
    clock.advance(days=3)

    again = engine.open_cycle(2024)

    assert len(again) == 35
    assert [t.id for t in again] == [t.id for t in first]
    assert engine.task(GDDT).state == "in_progress"
    assert engine.task(GDDT).version == 2
    assert engine.history(GDDT) == before
    assert engine.counts(2024)["assigned"] == 34
    opens = [e for e in engine.history("cycle/2024") if e.trigger == "open_cycle"]
    assert len(opens) == 1
    assert opens[0].payload["tasks"] == 35


@pytest.mark.parametrize("year", [2022, 2026, 1999])
def test_a_year_outside_the_plan_is_refused(engine: Engine, year: int) -> None:
    """NotFound (issue 13): the year is not in the plan, it is not a closed cycle."""
    with pytest.raises(NotFound) as info:
        engine.open_cycle(year)

    assert f"{year} is outside the plan's reporting years 2023-2025" in str(info.value)
    assert engine.tasks() == []
    assert engine.tasks(year=year) == []
    assert engine.store.cycle(year) is None


def test_create_event_starts_every_history(engine: Engine, clock: FakeClock) -> None:
    engine.open_cycle(2024)

    (event,) = engine.history(GDDT)
    assert event.trigger == "create"
    assert event.outcome == "applied"
    assert event.from_state is None
    assert event.to_state == "assigned"
    assert event.actor == "rules"
    assert event.at == clock()
    assert event.payload == {
        "agency": "so-gddt",
        "due": "2024-11-30",
        "coordinating": list(engine.task(GDDT).coordinating),
    }


# -- closed cycles -----------------------------------------------------------------------------


def test_no_change_in_a_closed_cycle(engine: Engine, clock: FakeClock) -> None:
    engine.open_cycle(2024)
    engine.open_cycle(2025)
    bring_to(engine, GDDT, "reported")
    clock.set(dt.date(2025, 1, 15))
    engine.close_cycle(2024, actor=CONSOLIDATOR)
    before = snapshot(engine, GDDT)

    with pytest.raises(CycleClosedError) as info:
        engine.fire(GDDT, "consolidate", actor=CONSOLIDATOR)
    assert "the 2024 cycle is closed" in str(info.value)
    assert_refusal_recorded(engine, GDDT, before, "consolidate", CONSOLIDATOR, "CycleClosedError")

    with pytest.raises(CycleClosedError):
        engine.fire("2024/II.3/so-tnmt", "submit", actor="so-tnmt", report=REPORT)
    with pytest.raises(CycleClosedError):
        engine.consolidate(2024, actor=CONSOLIDATOR, waive=["so-tnmt"])
    with pytest.raises(CycleClosedError):
        engine.open_cycle(2024)

    assert engine.counts(2024) == {
        "assigned": 34,
        "in_progress": 0,
        "reported": 1,
        "consolidated": 0,
        "evaluated": 0,
    }
    assert engine.consolidations(2024) == []
    cycle_events = engine.history("cycle/2024")
    refused = cycle_events[-1]  # the refused consolidation is history too
    assert (refused.trigger, refused.outcome, refused.actor) == (
        "consolidate_cycle",
        "refused",
        CONSOLIDATOR,
    )
    closing = next(e for e in cycle_events if e.trigger == "close_cycle")
    assert (closing.trigger, closing.from_state, closing.to_state, closing.actor) == (
        "close_cycle",
        "open",
        "closed",
        CONSOLIDATOR,
    )
    # the other year is untouched
    t = engine.fire("2025/II.3/so-tnmt", "start", actor="so-tnmt")
    assert t.state == "in_progress"


def test_close_cycle_by_another_agency_is_denied(engine: Engine) -> None:
    engine.open_cycle(2024)

    with pytest.raises(PermissionDenied) as info:
        engine.close_cycle(2024, actor="so-tp")
    assert (info.value.actor, info.value.trigger, info.value.task_id) == (
        "so-tp",
        "close_cycle",
        "cycle/2024",
    )
    with pytest.raises(NotFound):
        engine.close_cycle(2025, actor=CONSOLIDATOR)

    t = engine.fire(GDDT, "start", actor="so-gddt")
    assert t.state == "in_progress"
