"""Tasks by page and streamed, on each backend: the pages partition the list, in its order."""

from __future__ import annotations

import pytest

from plan161_workflow.engine import Engine
from plan161_workflow.errors import PayloadError


def test_pages_walk_every_task_once_in_order(engine: Engine) -> None:
    engine.open_cycle(2024)
    engine.open_cycle(2025)
    everything = engine.tasks()
    assert len(everything) > 60
    for size in (1, 7, 35, 1000):
        pages, after = [], None
        while True:
            page = engine.tasks(limit=size, after=after)
            assert len(page) <= size
            pages += page
            if len(page) < size:
                break
            after = page[-1].id
        assert pages == everything
        assert list(engine.iter_tasks(page=size)) == everything
    assert list(engine.iter_tasks(year=2025, state="assigned", page=4)) == engine.tasks(
        year=2025, state="assigned"
    )


def test_a_walk_goes_on_when_the_last_task_seen_is_withdrawn(engine: Engine) -> None:
    engine.open_cycle(2024)
    walk = engine.iter_tasks(page=5)
    seen = [next(walk) for _ in range(5)]
    engine.store.delete_task(engine.task(seen[-1].id))  # gone between two pages
    rest = list(walk)
    assert [t.id for t in seen + rest] == [t.id for t in seen] + [
        t.id for t in engine.tasks() if (t.year, t.id) > (seen[-1].year, seen[-1].id)
    ]


@pytest.mark.parametrize("bad", [0, -1, "x", 1.5])
def test_a_bad_page_size_is_refused(engine: Engine, bad: object) -> None:
    with pytest.raises(PayloadError):
        engine.tasks(limit=bad)  # type: ignore[arg-type]
    with pytest.raises(PayloadError):
        list(engine.iter_tasks(page=bad))  # type: ignore[arg-type]
