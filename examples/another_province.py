"""Other provinces' plans, written as rules files: nothing in the library is tied to Hà Tĩnh.

1. A small sample plan (examples/rules/tinh-mau-161.yaml). The sample province reports before
   15/11: the last day is 14/11, which would move to the next working day if it fell on a day off
   (in 2024 and 2025 it falls on a working day, so the dates shown do not move). Its consolidator
   is the Department of Home Affairs, and its workflow adds a "verified" step before
   consolidation.
2. A constructed 2026-2030 plan (rules/tinh-mau-2026-2030.yaml, not a real province's text) of
   the shape provincial plans take under Decree 09/2019: 6-month and annual reports, a quarterly
   report, a one-off deliverable within quarter II/2026, a mid-term and a final review, an area
   in some years only, and two consolidation levels (the communes report to their level, which
   reports upward). Its five years are simulated in memory: each period is consolidated on its
   own dates, and a year opens on 2 January while the previous year's last quarter is still due.

Run: python examples/another_province.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from plan161_workflow import Engine, InvalidTransition, load_rules
from plan161_workflow.clock import FakeClock
from plan161_workflow.simulate import SimulationParams, simulate

HERE = Path(__file__).resolve().parent
RULES = HERE / "rules" / "tinh-mau-161.yaml"
PERIODS_RULES = HERE.parent / "rules" / "tinh-mau-2026-2030.yaml"


def verified_workflow() -> None:
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


def periods_plan() -> None:
    plan = load_rules(PERIODS_RULES)
    clock = FakeClock(dt.date(2026, 1, 2))
    with Engine(plan, clock=clock) as eng:
        years = simulate(eng, clock, plan.info.years, SimulationParams(seed=161))
        print(f"\n{plan.info.title}")
        print("periods of 2026 (each consolidated on its own):")
        for period in eng.periods(2026):
            tasks = eng.tasks(year=2026, period=period.id)
            records = eng.consolidations(2026, period.id)
            first = next(r for r in records if r.level is None)  # the province's
            levels = [r for r in records if r.level is not None]
            print(
                f"  {period.id:<14} Báo cáo {period.label:<42} {len(tasks):>2} tasks, due "
                f"{period.due:%d/%m/%Y}, consolidated {first.at:%d/%m/%Y}"
                + (f" (the communes' level on {levels[0].at:%d/%m/%Y})" if levels else "")
            )
        opened = {c.year: c.opened_at for c in eng.cycles()}
        last_quarter = eng.periods(2026)[-1]
        record = eng.consolidations(2026, last_quarter.id)[0]
        print(
            f"2027 opened on {opened[2027]:%d/%m/%Y}; {last_quarter.label} "
            f"({last_quarter.id}), due {last_quarter.due:%d/%m/%Y}, was consolidated on "
            f"{record.at:%d/%m/%Y}"
        )
        for year in years:
            print(
                f"{year.year}: {year.tasks} tasks, {year.on_time} on time, {year.late} late, "
                f"{year.missing} never reported, {year.evaluated} evaluated"
            )
        print(eng.verify().summary())


if __name__ == "__main__":
    verified_workflow()
    periods_plan()
