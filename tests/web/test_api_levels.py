"""The HTTP API takes the consolidation level: the level's consolidator consolidates its
members' reports, the province's may not; status and the report of one level."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest
from web_kit import serving

from plan161_workflow import Engine, load_rules
from plan161_workflow.clock import FakeClock
from plan161_workflow.web import create_app

pytestmark = pytest.mark.slow  # a live server

RULES = Path(__file__).parents[1] / "rules" / "valid" / "levels.yaml"


def test_a_level_is_consolidated_counted_and_reported_over_http(tmp_path: Path) -> None:
    clock = FakeClock(dt.datetime(2026, 6, 12, 9, 0))
    engine = Engine(load_rules(RULES), db=tmp_path / "levels.db", clock=clock)
    engine.open_cycle(2026)
    for commune in ("ubnd-xa-a", "ubnd-xa-b"):
        task = f"2026S1/II.1/{commune}"
        engine.fire(task, "start", actor=commune)
        engine.fire(task, "submit", actor=commune, report={"summary": "Đã làm"})
    clock.set(dt.datetime(2026, 6, 16, 9, 0))
    level = {"Authorization": f"Bearer {engine.create_token('so-nv')[1]}"}
    province = {"Authorization": f"Bearer {engine.create_token('so-ldtbxh')[1]}"}
    body = {"period": "2026S1", "level": "cap-xa"}
    with serving(create_app(engine, max_wait=0.5)) as url, httpx.Client(base_url=url) as client:
        refused = client.post("/api/cycles/2026/consolidate", json=body, headers=province)
        assert refused.status_code == 403
        done = client.post("/api/cycles/2026/consolidate", json=body, headers=level)
        assert done.status_code == 200, done.text
        assert (done.json()["level"], len(done.json()["tasks"])) == ("cap-xa", 2)
        params = {"period": "2026S1", "level": "cap-xa", "as_of": "2026-06-16"}
        status = client.get("/api/cycles/2026/status", params=params, headers=level).json()
        assert status["level"]["id"] == "cap-xa"
        assert status["totals"]["tasks"] == 2
        report = client.get(
            "/api/cycles/2026/report",
            params={"period": "2026S1", "level": "cap-xa", "format": "md"},
            headers=level,
        )
        assert report.status_code == 200
        assert "SỞ NỘI VỤ" in report.text
        unknown = client.get("/api/cycles/2026/status", params={"level": "cap-xx"}, headers=level)
        assert unknown.status_code == 404
    engine.close()
