"""The HTTP API takes the period: a plan with 6-month and annual reports (tests/rules/valid/
periods.yaml) lists its periods, filters tasks, consolidates, counts and reports one period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from web_kit import serving

from plan161_workflow import Engine, load_rules
from plan161_workflow.clock import FakeClock
from plan161_workflow.web import create_app

pytestmark = pytest.mark.slow  # a live server

RULES = Path(__file__).parents[1] / "rules" / "valid" / "periods.yaml"
CONSOLIDATOR = "so-ldtbxh"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[httpx.Client, Engine, FakeClock]]:
    clock = FakeClock(dt.datetime(2026, 6, 12, 9, 0))
    engine = Engine(load_rules(RULES), db=tmp_path / "periods.db", clock=clock)
    engine.open_cycle(2026)
    token = engine.create_token(CONSOLIDATOR)[1]
    headers = {"Authorization": f"Bearer {token}"}
    with (
        serving(create_app(engine, max_wait=0.5)) as url,
        httpx.Client(base_url=url, headers=headers) as client,
    ):
        yield client, engine, clock
    engine.close()


def test_periods_tasks_consolidation_status_and_report_of_one_period(
    api: tuple[httpx.Client, Engine, FakeClock],
) -> None:
    client, engine, clock = api
    periods = client.get("/api/cycles/2026/periods").json()
    assert {"2026S1", "2026"} <= {p["id"] for p in periods}
    page = client.get("/api/tasks", params={"year": 2026, "period": "2026S1"}).json()
    assert {t["period"] for t in page["items"]} == {"2026S1"}
    assert page["total"] == 2
    assert client.get("/api/tasks", params={"year": 2026, "period": "2026S9"}).status_code == 404
    first = page["items"][0]
    engine.fire(first["id"], "start", actor=first["agency"])
    engine.fire(first["id"], "submit", actor=first["agency"], report={"summary": "Xong"})
    clock.set(dt.datetime(2026, 6, 18, 9, 0))
    no_period = client.post("/api/cycles/2026/consolidate", json={"waive": []})
    assert no_period.status_code == 422
    assert "2026S1" in no_period.json()["detail"]
    other = page["items"][1]["agency"]
    done = client.post("/api/cycles/2026/consolidate", json={"period": "2026S1", "waive": [other]})
    assert done.status_code == 200, done.text
    assert done.json()["period"] == "2026S1"
    listed = client.get("/api/cycles/2026/consolidations", params={"period": "2026"}).json()
    assert listed == []
    status = client.get(
        "/api/cycles/2026/status", params={"period": "2026S1", "as_of": "2026-06-18"}
    ).json()
    assert status["period"]["id"] == "2026S1"
    assert (status["totals"]["expected"], status["totals"]["received"]) == (2, 1)
    report = client.get("/api/cycles/2026/report", params={"period": "2026S1", "format": "md"})
    assert report.status_code == 200
    assert "6 tháng đầu năm 2026" in report.text
    assert client.get("/api/cycles/2026/report").status_code == 422  # which period?
