"""The consolidator's dashboard per period, over HTTP (no browser needed): a plan with 6-month
and annual reports (tests/rules/valid/periods.yaml) lists its periods, shows and consolidates
one, and downloads that period's report."""

from __future__ import annotations

import datetime as dt
import re
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
def signed_in(tmp_path: Path) -> Iterator[tuple[httpx.Client, Engine]]:
    clock = FakeClock(dt.datetime(2026, 6, 20, 9, 0))
    engine = Engine(load_rules(RULES), db=tmp_path / "periods.db", clock=clock)
    engine.open_cycle(2026)
    token = engine.create_token(CONSOLIDATOR)[1]
    with serving(create_app(engine)) as url, httpx.Client(base_url=url) as client:
        assert client.post("/login", data={"token": token}).status_code == 303
        yield client, engine
    engine.close()


def test_the_dashboard_shows_consolidates_and_reports_one_period(
    signed_in: tuple[httpx.Client, Engine],
) -> None:
    client, engine = signed_in
    page = client.get("/cycles/2026")  # 20/06: the 6-month period, cut off on 14/06
    assert page.status_code == 200
    assert "Bảng tổng hợp năm 2026: 6 tháng đầu năm 2026" in page.text
    assert 'href="/cycles/2026?period=2026"' in page.text  # the other periods, one link each
    assert 'name="period" value="2026S1"' in page.text
    annual = client.get("/cycles/2026", params={"period": "2026"})
    assert "Bảng tổng hợp năm 2026: năm 2026" in annual.text
    assert client.get("/cycles/2026", params={"period": "2026S9"}).status_code == 404

    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    missing = sorted({t.agency for t in engine.tasks(period="2026S1")})
    done = client.post(
        "/cycles/2026/consolidate",
        data={"csrf": csrf.group(1), "period": "2026S1", "waive": missing},
    )
    assert done.status_code == 303
    assert done.headers["location"].endswith("period=2026S1")
    (record,) = engine.consolidations(2026)
    assert (record.period, sorted(record.waived)) == ("2026S1", missing)
    report = client.get("/cycles/2026/report.md", params={"period": "2026S1"})
    assert report.status_code == 200
    assert "6 tháng đầu năm 2026" in report.text
