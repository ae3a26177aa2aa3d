"""Every metric against the hand-counted tiny database (see conftest.py for the table)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from plan161_workflow.engine import Engine
from plan161_workflow.reporting import metrics
from plan161_workflow.reporting.metrics import Rates
from plan161_workflow.store.repo import Store

D = dt.date


def _by_key(rows: list[Rates]) -> dict[tuple[int | str, ...], Rates]:
    return {r.key: r for r in rows}


def test_rates_per_year(tiny_engine: Engine) -> None:
    rows = _by_key(metrics.rates(tiny_engine.store, by=("year",)))
    y23, y24 = rows[(2023,)], rows[(2024,)]
    assert (y23.tasks, y23.expected, y23.received, y23.on_time, y23.late, y23.no_deadline) == (
        6,
        5,
        4,
        2,
        2,
        1,
    )
    assert y23.reporting_rate == pytest.approx(4 / 5)
    assert y23.on_time_rate == pytest.approx(2 / 5)
    assert y23.missing == 1
    assert y23.median_days_late == 7.5  # (5 + 10) / 2: an even count
    # 2024: the sent-back report still counts as received (on time, at first arrival)
    assert (y24.expected, y24.received, y24.on_time, y24.late) == (5, 4, 1, 3)
    assert y24.median_days_late == 2.0  # 1, 2, 30: an odd count
    assert y24.no_deadline == 1  # D1 was reported but has no due date: outside the rates


def test_rates_per_agency(tiny_engine: Engine) -> None:
    rows = _by_key(metrics.rates(tiny_engine.store, years=[2023], by=("agency",)))
    assert set(rows) == {
        ("so-am-nhac",),
        ("so-an-toan",),
        ("so-dao-tao",),
        ("so-du-lich",),
        ("so-ld",),
    }
    dao_tao = rows[("so-dao-tao",)]
    assert (dao_tao.expected, dao_tao.received, dao_tao.on_time) == (2, 1, 1)
    assert dao_tao.reporting_rate == 0.5
    assert dao_tao.median_days_late is None
    assert rows[("so-du-lich",)].median_days_late == 5.0
    assert rows[("so-am-nhac",)].on_time_rate == 0.0
    ld = rows[("so-ld",)]
    assert (ld.expected, ld.no_deadline, ld.reporting_rate, ld.on_time_rate) == (0, 1, None, None)


def test_rates_per_area_and_year(tiny_engine: Engine) -> None:
    rows = _by_key(metrics.rates(tiny_engine.store, by=("area", "year")))
    assert rows[("A1", 2023)].received == 2
    assert rows[("A1", 2023)].median_days_late == 5.0
    assert rows[("A2", 2023)].median_days_late == 10.0
    assert rows[("A1", 2024)].late == 3
    assert rows[("A1", 2024)].median_days_late == 2.0
    assert rows[("A2", 2024)].received == 1
    assert rows[("D1", 2024)].expected == 0


def test_rates_of_a_year_without_tasks_are_zero(tiny_engine: Engine) -> None:
    (row,) = metrics.rates(tiny_engine.store, years=[2030], by=())
    assert (row.tasks, row.expected, row.reporting_rate, row.median_days_late) == (0, 0, None, None)
    assert metrics.rates(tiny_engine.store, years=[2030], by=("agency",)) == []


def test_unknown_dimension(tiny_engine: Engine) -> None:
    with pytest.raises(ValueError, match="unknown dimension") as caught:
        metrics.rates(tiny_engine.store, by=("district",))
    assert "district" in str(caught.value)


def test_each_figure_is_one_sql_aggregation(
    tiny_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = tiny_engine.store
    statements: list[str] = []
    query = conn.query

    def counted(sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        statements.append(sql)
        return query(sql, params)

    monkeypatch.setattr(conn, "query", counted)
    metrics.rates(conn, by=("agency", "year"))
    metrics.rates(conn, by=("agency", "year"), as_of=D(2024, 12, 5))
    assert len(statements) == 2  # the counts and the medians together, now or on a day
    statements.clear()
    metrics.state_counts(conn, tiny_engine.plan.workflow, by=("area",))
    metrics.overdue_by_agency(conn, tiny_engine.plan.workflow, D(2025, 1, 1))
    metrics.agency_year_grid(conn, D(2025, 1, 1))
    assert len(statements) == 3


def test_state_counts(tiny_engine: Engine) -> None:
    wf = tiny_engine.plan.workflow
    conn = tiny_engine.store
    assert metrics.state_counts(conn, wf, years=[2023])[()] == {
        "assigned": 1,
        "in_progress": 1,
        "reported": 0,
        "consolidated": 3,
        "evaluated": 1,
    }
    per_area = metrics.state_counts(conn, wf, years=[2024], by=("area",))
    assert per_area[("A2",)] == {
        "assigned": 1,
        "in_progress": 1,
        "reported": 0,
        "consolidated": 0,
        "evaluated": 0,
    }
    assert list(per_area) == [("A1",), ("A2",), ("D1",)]
    assert metrics.state_counts(conn, wf, years=[2030])[()] == dict.fromkeys(wf.states, 0)


def test_overdue_as_of_a_date(tiny_engine: Engine) -> None:
    wf = tiny_engine.plan.workflow
    conn = tiny_engine.store
    assert metrics.overdue(conn, wf, D(2024, 11, 30), years=[2024]) == []  # the due date itself
    found = metrics.overdue(conn, wf, D(2024, 12, 1), years=[2024])
    assert [(o.task_id, o.days_late, o.state) for o in found] == [
        ("2024/A1/so-dao-tao", 1, "assigned"),  # reported on 12-30: not yet on 12-01
        ("2024/A1/so-du-lich", 1, "assigned"),  # reported on 12-02
        ("2024/A2/so-am-nhac", 1, "assigned"),
        ("2024/A2/so-dao-tao", 1, "in_progress"),  # sent back: open again
    ]  # not 2024/A1/so-an-toan, reported during 12-01: the view is of the end of the day
    everything = metrics.overdue(conn, wf, D(2024, 12, 31))
    assert everything[0].task_id == "2023/A1/so-dao-tao"  # most days late first
    assert everything[0].days_late == (D(2024, 12, 31) - D(2023, 11, 30)).days


def test_overdue_agrees_with_the_engine(tiny_engine: Engine) -> None:
    day = D(2024, 12, 31)
    ours = {o.task_id for o in metrics.overdue(tiny_engine.store, tiny_engine.plan.workflow, day)}
    assert ours == {t.id for t in tiny_engine.overdue(day)}


def test_overdue_by_agency(tiny_engine: Engine) -> None:
    rows = metrics.overdue_by_agency(tiny_engine.store, tiny_engine.plan.workflow, D(2024, 12, 31))
    assert [(r.agency, r.tasks, r.max_days_late) for r in rows] == [
        ("so-am-nhac", 1, 31),
        ("so-dao-tao", 2, 397),
    ]


def test_agency_year_grid(tiny_engine: Engine) -> None:
    grid = metrics.agency_year_grid(tiny_engine.store, D(2024, 12, 31))
    assert grid == {
        ("so-an-toan", 2023): "on_time",
        ("so-du-lich", 2023): "late",
        ("so-dao-tao", 2023): "missing",
        ("so-am-nhac", 2023): "late",
        ("so-ld", 2023): "no_deadline",
        ("so-an-toan", 2024): "late",
        ("so-du-lich", 2024): "late",
        ("so-dao-tao", 2024): "late",  # A1 30 days late; A2 received then sent back
        ("so-am-nhac", 2024): "missing",
        ("so-ld", 2024): "no_deadline",
    }
    before_due = metrics.agency_year_grid(tiny_engine.store, D(2024, 11, 30), years=[2024])
    assert before_due[("so-am-nhac", 2024)] == "not_due"


def test_metrics_of_an_empty_store_are_zeros() -> None:
    """A database with no tasks gives zeros, not errors."""
    store = Store(None)
    (row,) = metrics.rates(store, by=())
    assert row.tasks == 0
    assert row.median_days_late is None
