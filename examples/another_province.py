"""A second, smaller plan written as a rules file: nothing in the library is tied to Hà Tĩnh.

The sample province reports before 15/11: the last day is 14/11, which would move to the next
working day if it fell on a day off (in 2024 and 2025 it falls on a working day, so the dates shown
do not move). Its consolidator is the Department of Home Affairs, and its workflow adds a
"verified" step before consolidation.

Run: python examples/another_province.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from plan161_workflow import Engine, InvalidTransition, load_rules
from plan161_workflow.clock import FakeClock

RULES = Path(__file__).resolve().parent / "rules" / "tinh-mau-161.yaml"


def main() -> None:
    plan = load_rules(RULES)
    clock = FakeClock(dt.date(2024, 10, 1))
    with Engine(plan, clock=clock) as eng:
        tasks = eng.open_cycle(2024)
        print(f"{plan.info.title}: {len(tasks)} tasks in 2024")
        for task in tasks:
            print(f"  {task.id:<22} due {task.due:%d/%m/%Y} ({task.due:%A})")
        health = eng.tasks(year=2024, agency="so-yt")[0]
        eng.fire(health.id, "submit", actor="so-yt", report={"summary": "Kết quả năm 2024"})
        try:  # this plan's workflow wants a verification first
            eng.fire(health.id, "consolidate", actor="so-nv")
        except InvalidTransition as exc:
            print(f"refused as the rules say: {exc}")
        eng.fire(health.id, "verify", actor="so-nv")
        eng.fire(health.id, "consolidate", actor="so-nv")
        eng.fire(health.id, "evaluate", actor="ubnd-tinh", rating="dat")
        print(f"{health.id} is now {eng.task(health.id).state}; counts: {eng.counts(2024)}")


if __name__ == "__main__":
    main()
