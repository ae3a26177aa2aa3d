"""The row is never trusted over its history: before the engine acts on a task, the task row read
from the database is checked against the task's last event.

The row's state and version must be those of the task's last applied event, its agency that of
the last applied event that set one (``create``, ``reassign``, a succession), and its cycle is
closed exactly when the cycle's history holds an applied ``close_cycle``. Rows disagreeing with
their history were changed with plain SQL (``UPDATE tasks SET state = ...``): the change is refused
with ``StoreError`` and nothing is recorded, so a forged row never becomes the starting point of a
genuine event. The check is one part of the statement that reads the row, on the ``events_task``
index; rows this connection wrote itself are not read again (``Store.task_for_update``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plan161_workflow.errors import StoreError
from plan161_workflow.model.task import CYCLE_ID_PREFIX

LAST_APPLIED = "(SELECT max(x.seq) FROM events x WHERE x.task_id = t.id AND x.outcome = 'applied')"
"""SQL: the sequence number of the last applied event of the task ``t``."""

LAST_AGENCY = (
    "(SELECT json_extract(x.payload, '$.agency') FROM events x "
    "WHERE x.task_id = t.id AND x.outcome = 'applied' AND instr(x.payload, '\"agency\":') > 0 "
    "AND json_type(x.payload, '$.agency') = 'text' ORDER BY x.seq DESC LIMIT 1)"
)
"""SQL: the agency that the last applied event of task ``t`` setting one gave it."""

CYCLE_CLOSED = (
    f"EXISTS (SELECT 1 FROM events x WHERE x.task_id = '{CYCLE_ID_PREFIX}' || t.year "
    "AND x.trigger = 'close_cycle' AND x.outcome = 'applied')"
)
"""SQL: whether the history of task ``t``'s cycle holds its closing."""

HISTORY_COLUMNS = f"h.to_state, h.version, {LAST_AGENCY}, {CYCLE_CLOSED}"
"""The columns the check reads, after the task's and its cycle's (join ``HISTORY_JOIN``)."""

HISTORY_JOIN = f"LEFT JOIN events h ON h.seq = {LAST_APPLIED}"
"""The join that gives ``h``, the task's last applied event."""

OUTSIDE = (
    "the database was changed outside the library (plain SQL or another program); nothing was "
    "recorded. Run 'plan161 verify --db FILE' to see what changed, and restore the database from "
    "a backup taken before"
)


def check(
    task_id: str,
    row: tuple[str, int, str, bool],
    history: Sequence[Any],
) -> None:
    """Refuse a task row that disagrees with its history.

    Args:
        task_id: the task.
        row: (state, version, agency, cycle open) as the task and cycle rows hold them.
        history: (state, version, agency, cycle closed) as ``HISTORY_COLUMNS`` read them.

    Raises:
        StoreError: they disagree (the message names both and says what to do).
    """
    state, version, agency, is_open = row
    last_state, last_version, last_agency, closed = history
    if (state, version, agency) != (last_state, last_version, last_agency):
        raise StoreError(
            f"task {task_id!r}: its row (state {state!r}, version {version}, agency {agency!r}) "
            f"disagrees with its history (state {last_state!r}, version {last_version}, "
            f"agency {last_agency!r}): {OUTSIDE}"
        )
    if is_open == bool(closed):
        said, history_says = ("open", "closed") if is_open else ("closed", "open")
        raise StoreError(
            f"task {task_id!r}: its cycle's row says {said} but the cycle's history says "
            f"{history_says}: {OUTSIDE}"
        )
