"""Made with plan161-workflow at schema version 3 (the release before periods, main at fa80de0)."""

import datetime as dt
import sys

from plan161_workflow import Engine, load_rules
from plan161_workflow.clock import FakeClock

plan = load_rules("rules/ha-tinh-161.yaml")
clock = FakeClock(dt.datetime(2024, 3, 1, 9, 0))
eng = Engine(plan, db=sys.argv[1], clock=clock)
tasks = eng.open_cycle(2024)
for i, t in enumerate(tasks[:20]):
    eng.fire(t.id, "start", actor=t.agency)
    clock.set(dt.datetime(2024, 11, 1 + i % 25, 10, 0))
    eng.fire(t.id, "submit", actor=t.agency, report={"summary": f"Báo cáo {i}"})
clock.set(dt.datetime(2024, 12, 5, 9, 0))
missing = sorted({t.agency for t in eng.consolidation_candidates(2024)[1]})
eng.consolidate(2024, actor="so-ldtbxh", waive=missing)
eng.close()
