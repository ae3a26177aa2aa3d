"""A writer process of the backend tests: fires comments on shared tasks as fast as it can.

    python race_kit.py DB ROUNDS NAME    # prints "ready", waits for a line on stdin, then fires
                                         # ROUNDS comments on each of TASKS (reading the version
                                         # first, retrying on conflict) and prints its tally

Every comment is read-then-write with ``expected_version``: a lost update would show as a task
version lower than the comments applied to it.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.errors import ConflictError

TASKS = {"2024/II.1/so-tttt": "so-tttt", "2024/II.1/so-gddt": "so-gddt"}
"""Task -> the agency that may comment on it."""


def main(db: str, rounds: int, name: str) -> None:
    applied = conflicts = 0
    with Engine.open(db, clock=FakeClock(dt.date(2024, 3, 1))) as eng:
        print("ready", flush=True)
        sys.stdin.readline()
        for i in range(rounds):
            for task_id, agency in TASKS.items():
                while True:
                    version = eng.task(task_id).version
                    try:
                        eng.fire(
                            task_id,
                            "comment",
                            actor=agency,
                            text=f"{name} {i}",
                            expected_version=version,
                        )
                    except ConflictError:
                        conflicts += 1
                        continue
                    applied += 1
                    break
    print(json.dumps({"applied": applied, "conflicts": conflicts}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
