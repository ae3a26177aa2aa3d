"""The engine on the Hà Tĩnh plan: a workflow declared by the rules drives the engine."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from engine_support import (
    CONSOLIDATOR,
    EVALUATOR,
    GDDT,
    REPORT,
)

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.errors import (
    ConsolidationError,
    InvalidTransition,
    PayloadError,
    PermissionDenied,
)
from plan161_workflow.model.plan import (
    Plan,
)
from plan161_workflow.rules import load_rules
from plan161_workflow.workflow.definition import workflow_problems
from workflows import VERIFIED, VERIFIED_RULES

# -- a workflow declared by the rules ----------------------------------------------------------


@pytest.fixture
def verified_engine(plan: Plan, clock: FakeClock) -> Engine:
    assert workflow_problems(VERIFIED) == []
    eng = Engine(attrs.evolve(plan, workflow=VERIFIED), clock=clock)
    eng.open_cycle(2024)
    return eng


def test_a_declared_workflow_adds_its_state(verified_engine: Engine) -> None:
    eng = verified_engine
    eng.fire(GDDT, "submit", actor="so-gddt", report=REPORT)

    with pytest.raises(InvalidTransition) as info:
        eng.fire(GDDT, "consolidate", actor=CONSOLIDATOR)
    assert info.value.state == "reported"
    assert set(info.value.allowed) == {"verify", "send_back", "contribute", "comment", "reassign"}
    with pytest.raises(PermissionDenied):
        eng.fire(GDDT, "verify", actor="so-gddt")

    t = eng.fire(GDDT, "verify", actor=CONSOLIDATOR)
    assert (t.state, t.version) == ("verified", 3)
    t = eng.fire(GDDT, "send_back", actor=CONSOLIDATOR, reason="sai số liệu")
    assert t.state == "in_progress"
    eng.fire(GDDT, "submit", actor="so-gddt", report=REPORT)
    eng.fire(GDDT, "verify", actor=CONSOLIDATOR)
    eng.fire(GDDT, "consolidate", actor=CONSOLIDATOR)
    t = eng.fire(GDDT, "evaluate", actor=EVALUATOR, rating="hoan-thanh-xuat-sac")

    assert t.state == "evaluated"
    assert [e.to_state for e in eng.history(GDDT)] == [
        "assigned",
        "reported",
        "reported",
        "reported",
        "verified",
        "in_progress",
        "reported",
        "verified",
        "consolidated",
        "evaluated",
    ]
    assert eng.counts(2024) == {
        "assigned": 34,
        "in_progress": 0,
        "reported": 0,
        "verified": 0,
        "consolidated": 0,
        "evaluated": 1,
    }


def test_bulk_consolidation_follows_the_declared_workflow(verified_engine: Engine) -> None:
    eng = verified_engine
    for t in eng.tasks(year=2024):
        eng.fire(t.id, "submit", actor=t.agency, report=REPORT)
        if t.id != GDDT:
            own = t.agency == CONSOLIDATOR  # its own reports are verified by the PPC
            eng.fire(t.id, "verify", actor="ubnd-tinh" if own else CONSOLIDATOR)

    # a report not verified yet is not ready for consolidation
    with pytest.raises(ConsolidationError) as info:
        eng.consolidate(2024, actor=CONSOLIDATOR)
    assert info.value.missing == ((GDDT, "so-gddt"),)

    record = eng.consolidate(2024, actor=CONSOLIDATOR, waive=["so-gddt"])
    assert len(record.tasks) == 34
    assert eng.counts(2024)["consolidated"] == 34
    assert eng.task(GDDT).state == "reported"


def test_a_rules_file_declaring_its_workflow_drives_the_engine(clock: FakeClock) -> None:
    declared = load_rules(VERIFIED_RULES)
    assert declared.workflow.states == VERIFIED.states
    eng = Engine(declared, clock=clock)
    tasks = eng.open_cycle(2024)
    assert [t.id for t in tasks] == [
        "2024/II.1/so-ldtbxh",
        "2024/II.1/ubnd-huyen-a",
        "2024/II.2/so-yt",
    ]
    assert {t.due for t in tasks} == {dt.date(2024, 12, 2)}  # next_working_day
    tid = "2024/II.2/so-yt"
    eng.fire(tid, "submit", actor="so-yt", report=REPORT)

    with pytest.raises(InvalidTransition) as info:
        eng.fire(tid, "consolidate", actor=CONSOLIDATOR)
    assert "verify" in info.value.allowed
    with pytest.raises(PayloadError):
        eng.fire(tid, "verify", actor=CONSOLIDATOR, reason="không cần")

    eng.fire(tid, "verify", actor=CONSOLIDATOR)
    eng.fire(tid, "consolidate", actor=CONSOLIDATOR)
    with pytest.raises(PayloadError):
        eng.fire(tid, "evaluate", actor=EVALUATOR, rating="hoan-thanh")
    t = eng.fire(tid, "evaluate", actor=EVALUATOR, rating="dat")

    assert (t.state, t.rating, t.version) == ("evaluated", "dat", 5)
    assert eng.counts(2024) == {
        "assigned": 2,
        "in_progress": 0,
        "reported": 0,
        "verified": 0,
        "consolidated": 0,
        "evaluated": 1,
    }
