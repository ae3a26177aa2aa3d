"""How a host system (a provincial e-government portal) wires the engine into its own requests.

The portal keeps its own users and screens; for each request it names the acting agency, passes a
request id (so a retried request after a timeout is not applied twice) and shows our errors to
people as they are. Another program polls the change feed and resumes from its last cursor.

Run: python examples/embed_in_portal.py
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from pathlib import Path
from typing import Any

from plan161_workflow import Engine, Plan161Error, load_rules
from plan161_workflow.clock import FakeClock

RULES = Path(__file__).resolve().parents[1] / "rules" / "ha-tinh-161.yaml"


def handle(eng: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """The portal's request handler: one agency acts on one task; errors become messages."""
    try:
        task = eng.fire(
            request["task"],
            request["action"],
            actor=request["agency"],
            request_id=request["id"],
            **request.get("data", {}),
        )
    except Plan161Error as exc:  # every refusal is one of ours, with a message people can act on
        return {"ok": False, "error": type(exc).__name__, "message": str(exc)}
    return {"ok": True, "state": task.state, "version": task.version, "on_time": task.on_time}


def main() -> None:
    db = Path(tempfile.mkdtemp()) / "portal.db"
    clock = FakeClock(dt.date(2024, 11, 25))
    plan = load_rules(RULES)
    with Engine(plan, db=db, clock=clock) as eng:
        eng.open_cycle(2024)
    # Each web request opens the database (it keeps its rules) or reuses a pooled engine.
    eng = Engine.open(db, clock=clock)
    task = eng.tasks(year=2024, agency="so-yt", area="II.4")[0]
    submit = {
        "id": str(uuid.uuid4()),
        "task": task.id,
        "action": "submit",
        "agency": "so-yt",
        "data": {
            "report": {
                "summary": "Sở Y tế: kết quả năm 2024",
                "indicators": {"so_hoat_dong": 6},
                "attachments": ["vb-123/SYT"],
            }
        },
    }
    print("Sở Y tế submits:       ", handle(eng, submit))
    print("the portal retries:    ", handle(eng, submit))  # same id: same answer, nothing new
    print(
        "a wrong agency tries:  ",
        handle(
            eng,
            {
                **submit,
                "id": str(uuid.uuid4()),
                "action": "send_back",
                "agency": "so-tc",
                "data": {"reason": "?"},
            },
        ),
    )
    clock.advance(days=2)
    review = {
        "id": str(uuid.uuid4()),
        "task": task.id,
        "action": "send_back",
        "agency": plan.roles.consolidator,
        "data": {"reason": "Bổ sung số liệu quý IV"},
    }
    print("DOLISA sends it back:  ", handle(eng, review))
    # A second program (say, the province's dashboard) polls the change feed.
    cursor = 0
    while batch := eng.changes(after=cursor, limit=50):
        cursor = batch[-1].seq
    print(f"feed read up to cursor {cursor}; the last change: {batch_last(eng, cursor)}")
    eng.close()


def batch_last(eng: Engine, cursor: int) -> str:
    last = eng.changes(after=cursor - 1, limit=1)[0]
    return f"{last.trigger} on {last.task_id} by {last.actor}"


if __name__ == "__main__":
    main()
