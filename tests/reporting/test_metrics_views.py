"""Both views of an agency's record: the agency holding a task on its due date, and now."""

from __future__ import annotations

import datetime as dt

from plan161_workflow import Engine, Plan
from plan161_workflow.clock import FakeClock
from plan161_workflow.reporting import metrics


def _by(eng: Engine, view: str) -> dict[str, tuple[int, int]]:
    rows = metrics.rates(eng.store, years=[2024], by=(view,))
    return {str(r.key[0]): (r.expected, r.received) for r in rows}


def test_a_task_reassigned_after_its_due_date_counts_for_its_holder_on_that_day(
    plan: Plan,
) -> None:
    clock = FakeClock(dt.date(2024, 3, 1))
    eng = Engine(plan, clock=clock)
    eng.open_cycle(2024)
    eng.fire("2024/II.1/so-tttt", "submit", actor="so-tttt", report={"summary": "II.1"})
    # Before the due date: II.5 of so-gddt passes to so-tttt; it answers for it on 30/11.
    eng.fire("2024/II.1/so-gddt", "reassign", actor="so-ldtbxh", agency="so-tttt")
    clock.set(dt.date(2024, 12, 5))
    # After the due date: II.5 of so-gddt, still missing, passes to so-tttt too.
    eng.fire("2024/II.5/so-gddt", "reassign", actor="so-ldtbxh", agency="so-tttt")
    on_due = _by(eng, "agency")
    now = _by(eng, "agency_now")
    assert on_due["so-gddt"] == (1, 0)  # II.5 was so-gddt's on 30/11, and missing
    assert on_due["so-tttt"] == (3, 1)  # its own II.1 and II.5, and II.1 of so-gddt
    assert now["so-tttt"] == (4, 1)
    assert "so-gddt" not in now
    assert sum(e for e, _ in on_due.values()) == sum(e for e, _ in now.values()) == 31
