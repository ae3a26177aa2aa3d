"""``Task.changed`` (the task after a change, built on every fire) is ``attrs.evolve``, field for
field, whatever the change sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from plan161_workflow.model.task import Task
from strategies import SHORT_TEXT

TASK = Task(
    id="2024/II.1/so-gddt",
    year=2024,
    area="II.1",
    duty=None,
    agency="so-gddt",
    coordinating=("so-tp",),
    due=dt.date(2024, 11, 30),
    state="in_progress",
    version=3,
    original_agency="so-gddt",
    report={"summary": "trước", "indicators": {}, "attachments": []},
    reported_at=dt.datetime(2024, 3, 1, 8, 0),
    days_late=0,
    rating=None,
)
UPDATES = st.fixed_dictionaries(
    {},
    optional={
        "state": SHORT_TEXT,
        "agency": SHORT_TEXT,
        "report": st.none() | st.fixed_dictionaries({"summary": SHORT_TEXT}),
        "reported_at": st.none() | st.datetimes(),
        "days_late": st.none() | st.integers(0, 400),
        "rating": st.none() | SHORT_TEXT,
        "due": st.none() | st.dates(),  # set by amendments, not by the workflow
        "coordinating": st.lists(SHORT_TEXT, max_size=3).map(tuple),
    },
)


@given(UPDATES, st.integers(1, 10**6))
def test_changed_is_evolve(updates: dict[str, Any], version: int) -> None:
    after = TASK.changed(version, updates)
    assert attrs.asdict(after) == attrs.asdict(attrs.evolve(TASK, version=version, **updates))
