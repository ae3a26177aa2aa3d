"""A state the rules add is shown by the name the rules give it, in both languages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.reporting.labels import state_name
from plan161_workflow.reporting.render_html import render_html
from plan161_workflow.reporting.render_md import render_md
from plan161_workflow.reporting.report import build_report
from plan161_workflow.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]
VERIFIED = ROOT / "tests" / "rules" / "valid" / "verified-workflow.yaml"


@pytest.mark.parametrize(("lang", "name"), [("vi", "Đã thẩm định"), ("en", "Verified")])
def test_a_labelled_state_is_shown_by_its_label(lang: str, name: str) -> None:
    plan = load_rules(VERIFIED)
    with Engine(plan, clock=FakeClock(dt.date(2024, 11, 1))) as eng:
        eng.open_cycle(2024)
        task = eng.tasks(year=2024, agency="so-yt")[0]
        eng.fire(task.id, "submit", actor="so-yt", report={"summary": "Báo cáo"})
        eng.fire(task.id, "verify", actor="so-ldtbxh")
        report = build_report(eng, 2024, on=dt.date(2024, 12, 20), lang=lang)
    md, html = render_md(report), render_html(report)
    assert f"| {name} |" in md
    assert name in html
    assert "| verified |" not in md
    assert ">verified<" not in html


def test_unlabelled_states_keep_their_names() -> None:
    wf = load_rules(VERIFIED).workflow
    assert state_name("reported", "vi", wf) == "Đã báo cáo"
    assert state_name("in_progress", "en", wf) == "In progress"
    assert state_name("on_hold", "en", wf) == "on hold"
