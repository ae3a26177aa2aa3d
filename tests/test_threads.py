"""Threads of one host process may share one engine: each change stays one transaction."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from plan161_workflow import Engine, Plan
from plan161_workflow.clock import FakeClock


def test_threads_sharing_an_engine_never_mix_transactions(plan: Plan, tmp_path: Path) -> None:
    eng = Engine(plan, db=tmp_path / "shared.db", clock=FakeClock(dt.date(2024, 3, 1)))
    tasks = eng.open_cycle(2024)
    errors: list[str] = []

    def work(k: int) -> None:
        try:
            for i in range(100):
                task = tasks[(k * 7 + i) % len(tasks)]
                eng.fire(task.id, "comment", actor="ubmttq-tinh", text=f"{k}-{i}")
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = eng.verify()
    assert report.ok, report.summary()
    comments = [c for c in eng.changes(limit=10_000) if c.trigger == "comment"]
    assert len(comments) == 800
    assert sum(t.version - 1 for t in eng.tasks(year=2024)) == 800
