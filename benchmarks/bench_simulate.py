"""Simulation time against the number of tasks, for 1, 10 and 34 provinces' worth of plans, and
the time of ``status`` on the largest against a bare SQL count over the same table.

The plans are generated: N copies of the Hà Tĩnh registry, areas and duties (agency codes
suffixed ``.pN``, area ids ``@pN``), one consolidator and one evaluator, so a year holds 35 × N
tasks and each task has as many coordinators as in Hà Tĩnh. If the cost per
task stays flat as N grows, the simulation scales linearly.

Then a monthly-reporting plan over five years (60 periods, issue 12): the constructed
2026-2030 plan of rules/ with its areas reporting every month (data cut off on the 14th, due the
next day) and its duties left out, 5 tasks a month per province, copied as above; the ratio of
the cost per task with 34 provinces to that with one should stay within 1.2.

Run: python benchmarks/bench_simulate.py [--provinces 1,10,34] [--years 2023-2024]
         [--monthly-provinces 1,34]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import attrs

from plan161_workflow import Engine, Period, Plan, load_rules
from plan161_workflow.clock import FakeClock
from plan161_workflow.model.period import YEARLY
from plan161_workflow.reporting.status import status_data
from plan161_workflow.simulate import SimulationParams, simulate

RULES = Path(__file__).resolve().parents[1] / "rules" / "ha-tinh-161.yaml"
SHARED = {"ubnd-tinh", "so-ldtbxh", "bo-ldtbxh", "ubmttq-tinh"}  # one of each role
MONTHLY_RULES = Path(__file__).resolve().parents[1] / "rules" / "tinh-mau-2026-2030.yaml"
MONTHLY_SHARED = {"ubnd-tinh", "so-nv", "bo-nv", "ubmttq-tinh"}


def provinces(plan: Plan, count: int, shared: set[str] = SHARED) -> Plan:
    """``count`` provinces' worth of the plan: every agency but ``shared`` copied per
    province."""

    def code(ref: str, n: int) -> str:
        return ref if ref in shared else f"{ref}.p{n}"

    agencies = [a for a in plan.agencies if a.code in shared]
    groups = []
    for n in range(count):
        agencies += [
            attrs.evolve(a, code=code(a.code, n), parent=a.parent and code(a.parent, n))
            for a in plan.agencies
            if a.code not in shared
        ]
        groups += [
            attrs.evolve(g, code=code(g.code, n), members=tuple(code(m, n) for m in g.members))
            for g in plan.groups
        ]

    def local(refs: tuple[str, ...], n: int) -> tuple[str, ...]:
        return tuple(code(r, n) for r in refs)

    # Each province has its own copy of every area and duty, led and coordinated by its own
    # agencies: N provinces' worth of plans in one database.
    areas = tuple(
        attrs.evolve(
            a, id=f"{a.id}@p{n}", lead=local(a.lead, n), coordinating=local(a.coordinating, n)
        )
        for n in range(count)
        for a in plan.areas
    )
    duties = tuple(
        attrs.evolve(
            d, id=f"{d.id}@p{n}", lead=local(d.lead, n), coordinating=local(d.coordinating, n)
        )
        for n in range(count)
        for d in plan.duties
    )
    roles = plan.roles  # one consolidator, evaluator, overseer and set of recipients
    return attrs.evolve(
        plan,
        agencies=tuple(agencies),
        groups=tuple(groups),
        areas=areas,
        duties=duties,
        roles=roles,
    )


def monthly(plan: Plan) -> Plan:
    """The constructed plan with its areas reporting every month: 12 periods a year."""
    month = Period(
        id="hang-thang",
        kind="month",
        cutoff_day=14,
        deadline="sau-chot-so-lieu",
        source="added: benchmark",
    )
    areas = tuple(
        attrs.evolve(a, periods=("hang-thang",), recurrence=YEARLY) for a in plan.areas[:2]
    )
    return attrs.evolve(plan, periods=(month,), areas=areas, duties=())


def run(plan: Plan, years: range, db: Path) -> tuple[int, float, Engine]:
    clock = FakeClock(dt.date(years.start, 1, 2))
    eng = Engine(plan, db=db, clock=clock)
    start = time.perf_counter()
    simulate(eng, clock, years, SimulationParams(seed=1))
    elapsed = time.perf_counter() - start
    tasks = int(eng.store.conn.execute("SELECT count(*) FROM tasks").fetchone()[0])
    return tasks, elapsed, eng


def best(fn: object, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--provinces", default="1,10,34")
    parser.add_argument("--years", default="2023-2024")
    parser.add_argument("--monthly-provinces", default="1,34")
    args = parser.parse_args()
    first, _, last = args.years.partition("-")
    years = range(int(first), int(last or first) + 1)
    base = load_rules(RULES)
    print(
        f"{'provinces':>9} {'tasks':>7} {'events':>8} {'seconds':>8} {'ms/task':>8} "
        f"{'vs 1 province':>14}"
    )
    per_task_one = None
    largest = None
    with tempfile.TemporaryDirectory() as tmp:
        for count in (int(n) for n in args.provinces.split(",")):
            tasks, elapsed, eng = run(provinces(base, count), years, Path(tmp) / f"p{count}.db")
            events = int(eng.store.conn.execute("SELECT count(*) FROM events").fetchone()[0])
            per_task = elapsed / tasks * 1000
            per_task_one = per_task_one or per_task
            print(
                f"{count:>9} {tasks:>7} {events:>8} {elapsed:>8.2f} {per_task:>8.2f} "
                f"{per_task / per_task_one:>13.2f}x"
            )
            if largest is not None:
                largest.close()
            largest = eng
        assert largest is not None
        year = years.stop - 1
        as_of = dt.date(year, 12, 5)
        status = best(lambda: status_data(largest, year, as_of))
        bare = best(
            lambda: largest.store.conn.execute(
                "SELECT count(*) FROM tasks WHERE year = ?", (year,)
            ).fetchone()
        )
        print(
            f"status on the largest: {status * 1000:.1f} ms; bare SQL count: "
            f"{bare * 1000:.3f} ms; ratio {status / bare:.0f}"
        )
        largest.close()
        bench_monthly([int(n) for n in args.monthly_provinces.split(",")], Path(tmp))


def bench_monthly(counts: list[int], tmp: Path) -> None:
    """The monthly plan over its five years, from one province to the largest count."""
    base = monthly(load_rules(MONTHLY_RULES))
    years = base.info.years
    print(f"\nmonthly reports, {years.start}-{years.stop - 1} (60 periods):")
    print(
        f"{'provinces':>9} {'tasks':>7} {'events':>8} {'seconds':>8} {'ms/task':>8} "
        f"{'vs 1 province':>14}"
    )
    per_task_one = None
    for count in counts:
        plan = provinces(base, count, MONTHLY_SHARED)
        tasks, elapsed, eng = run(plan, years, tmp / f"monthly-p{count}.db")
        periods = {r[0] for r in eng.store.conn.execute("SELECT DISTINCT period FROM tasks")}
        events = int(eng.store.conn.execute("SELECT count(*) FROM events").fetchone()[0])
        eng.close()
        assert len(periods) == 60, len(periods)
        per_task = elapsed / tasks * 1000
        per_task_one = per_task_one or per_task
        print(
            f"{count:>9} {tasks:>7} {events:>8} {elapsed:>8.2f} {per_task:>8.2f} "
            f"{per_task / per_task_one:>13.2f}x"
        )


if __name__ == "__main__":
    main()
