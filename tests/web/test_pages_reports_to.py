"""The pages follow ``roles.reports_to``: the PPC is offered the review of the consolidator's own
reports (and finds them on its home page), the consolidator is not; the dashboard lists the
consolidator's own overdue reports apart, never among the agencies it urges."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from web_kit import CONSOLIDATOR, serving

from plan161_workflow import Engine, Plan
from plan161_workflow.clock import FakeClock
from plan161_workflow.web import create_app
from plan161_workflow.web.auth import COOKIE
from plan161_workflow.web.i18n import WORDS
from plan161_workflow.web.triggers import allowed_triggers, answered_to

OWN = "2024/II.2/so-ldtbxh"  # DOLISA consolidates and leads II.2
OTHER = "2024/II.1/so-gddt"
PPC = "ubnd-tinh"
REPORT = {"summary": "Báo cáo năm"}
DAY = dt.date(2024, 11, 20)


@pytest.fixture
def engine(plan: Plan, tmp_path: Path) -> Iterator[Engine]:
    """2024 open on 20/11/2024; DOLISA's own II.2 and Sở GD&ĐT's II.1 reported."""
    eng = Engine(plan, db=tmp_path / "served.db", clock=FakeClock(DAY))
    eng.open_cycle(2024)
    for task_id in (OWN, OTHER):
        eng.fire(task_id, "submit", actor=eng.task(task_id).agency, report=REPORT)
    yield eng
    eng.close()


def offered(eng: Engine, task_id: str, agency: str) -> set[str]:
    return {o.trigger for o in allowed_triggers(eng, eng.task(task_id), agency, DAY)}


def test_the_review_of_the_consolidator_s_own_report_is_offered_to_the_ppc(engine: Engine) -> None:
    assert "send_back" in offered(engine, OWN, PPC)
    assert "send_back" not in offered(engine, OWN, CONSOLIDATOR)
    assert "send_back" in offered(engine, OTHER, CONSOLIDATOR)
    assert "send_back" not in offered(engine, OTHER, PPC)


def test_the_ppc_finds_the_tasks_it_reviews(engine: Engine) -> None:
    own = {t.id for t in engine.tasks(year=2024, agency=CONSOLIDATOR)}
    assert OWN in own
    assert {t.id for t in answered_to(engine, PPC, DAY, [2024])} == own
    assert answered_to(engine, CONSOLIDATOR, DAY, [2024]) == []  # it has its dashboard
    assert answered_to(engine, "so-gddt", DAY, [2024]) == []


@pytest.mark.slow  # a live server
def test_the_pages_follow_reports_to(engine: Engine) -> None:
    tokens = {a: engine.create_token(a)[1] for a in (PPC, CONSOLIDATOR)}
    with serving(create_app(engine, max_wait=0.5)) as url:

        def client(agency: str) -> httpx.Client:
            return httpx.Client(base_url=url, cookies={COOKIE: tokens[agency]})

        with client(PPC) as ppc, client(CONSOLIDATOR) as boss:
            home = ppc.get("/")
            assert home.status_code == 200, home.text
            assert OWN in home.text
            assert OTHER not in home.text
            assert 'value="send_back"' in ppc.get(f"/tasks/{OWN}").text
            assert 'value="send_back"' not in boss.get(f"/tasks/{OWN}").text
            assert 'value="send_back"' in boss.get(f"/tasks/{OTHER}").text
            assert OWN not in boss.get("/").text.split("<h2>", 1)[-1]  # no review list

            assert isinstance(engine.clock, FakeClock)
            engine.clock.set(dt.date(2024, 12, 10))  # everything else is overdue now
            page = boss.get("/cycles/2024").text
            before, own = page.split("<h2>3. ", 1)
            overdue = before.split(f"<h2>{WORDS['vi']['overdue']}</h2>", 1)[1]
            assert "Nhiệm vụ do Sở Lao động" in own.split("</h2>", 1)[0]
            assert "Ủy ban nhân dân tỉnh Hà Tĩnh" in own.split("</h2>", 1)[0]
            assert re.search(r"<td>Sở Lao động[^<]*</td><td>II\.1\.", own)
            assert "Sở Lao động" not in overdue  # never among those it urges
            assert "Sở Y tế" in overdue
