"""The read models agree across backends: the three Hà Tĩnh cycles, copied into PostgreSQL, give
the same status, report, overdue lists, notices, views as of a day and metrics as on SQLite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from plan161_workflow import copy_database
from plan161_workflow.engine import Engine
from plan161_workflow.reporting import metrics
from plan161_workflow.reporting.report import build_report, report_json
from plan161_workflow.reporting.status import status_data

DAYS = [dt.date(2023, 6, 1), dt.date(2024, 11, 23), dt.date(2024, 12, 5), dt.date(2025, 12, 31)]


def test_every_view_is_the_same_on_postgresql(ha_tinh_db: Path, pg_url: str) -> None:
    copy_database(ha_tinh_db, pg_url)
    with Engine.open(ha_tinh_db, read_only=True) as lite, Engine.open(pg_url) as pg:
        assert pg.verify().head == lite.verify().head
        assert pg.tasks() == lite.tasks()
        for day in DAYS:
            assert pg.overdue(day) == lite.overdue(day)
            assert pg.notices(day) == lite.notices(day)
            assert pg.tasks_as_of(day) == lite.tasks_as_of(day)
            assert pg.due_soon(day, 10) == lite.due_soon(day, 10)
            for by in ((), ("year",), ("agency",), ("agency_now", "area")):
                assert metrics.rates(pg.store, by=by, as_of=day) == metrics.rates(
                    lite.store, by=by, as_of=day
                )
            assert metrics.agency_year_grid(pg.store, day) == metrics.agency_year_grid(
                lite.store, day
            )
        for year in (2023, 2024, 2025):
            assert pg.counts(year) == lite.counts(year)
            assert pg.consolidations(year) == lite.consolidations(year)
            for day in DAYS:
                assert status_data(pg, year, day) == status_data(lite, year, day)
            on = dt.date(year, 12, 20)
            assert report_json(build_report(pg, year, on=on)) == report_json(
                build_report(lite, year, on=on)
            )
