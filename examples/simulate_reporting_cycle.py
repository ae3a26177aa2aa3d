"""Simulate Hà Tĩnh's reporting cycles 2023-2025 through the Python API, then look at the result.

Run: python examples/simulate_reporting_cycle.py [DB_PATH]
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from plan161_workflow import Engine, load_rules
from plan161_workflow.clock import FakeClock
from plan161_workflow.simulate import SimulationParams, simulate

RULES = Path(__file__).resolve().parents[1] / "rules" / "ha-tinh-161.yaml"


def main(db: Path) -> None:
    plan = load_rules(RULES)
    # The simulation runs on a fake clock: three years take about a second.
    clock = FakeClock(dt.date(2023, 1, 2))
    with Engine(plan, db=db, clock=clock) as eng:
        params = SimulationParams(seed=2023, send_back_share=0.15)
        for year in simulate(eng, clock, plan.info.years, params):
            print(
                f"{year.year}: {year.tasks} tasks, {year.on_time} on time, {year.late} late, "
                f"{year.missing} never reported, {year.no_deadline} without a deadline, "
                f"{year.evaluated} evaluated; "
                f"consolidated by {year.consolidator}"
            )
        # Every step is in the history, and the history is a hash chain.
        report = eng.verify()
        print(report.summary())
        task = eng.tasks(year=2024, area="II.2")[0]
        print(f"history of {task.id}:")
        for event in eng.history(task.id):
            print(
                f"  {event.at:%d/%m/%Y} {event.actor:<12} {event.trigger:<11} "
                f"{event.from_state} -> {event.to_state} ({event.outcome})"
            )


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "sim.db"
    main(target)
