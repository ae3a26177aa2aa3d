"""A workflow's own handover action (not named ``reassign``) moves a task's record as reassign
does: per-agency rates count the task for the agency that held it on its due date."""

from __future__ import annotations

import datetime as dt

import attrs

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.model.plan import Plan, WorkflowAction
from plan161_workflow.reporting import metrics
from plan161_workflow.workflow.definition import DEFAULT_WORKFLOW


def test_a_handover_action_moves_the_record(plan: Plan) -> None:
    actions = tuple(a for a in DEFAULT_WORKFLOW.actions if a.trigger != "reassign")
    workflow = attrs.evolve(
        DEFAULT_WORKFLOW,
        actions=(*actions, WorkflowAction("chuyen_giao", "consolidator", requires="agency")),
    )
    clock = FakeClock(dt.date(2024, 3, 1))
    with Engine(attrs.evolve(plan, workflow=workflow), clock=clock) as eng:
        eng.open_cycle(2024)

        def expected() -> dict[int | str, int]:
            rows = metrics.rates(eng.store, years=[2024], by=("agency",))
            return {r.key[0]: r.expected for r in rows}

        before = expected()
        task = next(t for t in eng.tasks(year=2024, agency="so-yt") if t.due)
        eng.fire(task.id, "chuyen_giao", actor="so-ldtbxh", agency="so-tc")
        after = expected()
    assert after["so-tc"] == before.get("so-tc", 0) + 1
    assert after.get("so-yt", 0) == before["so-yt"] - 1
