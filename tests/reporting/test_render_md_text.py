"""Text that agencies typed shows as text in the Markdown report, never as markup."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.reporting.render_md import render_md
from plan161_workflow.reporting.report import build_report
from plan161_workflow.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]
TYPED = "<script>alert(1)</script> | <b>đậm</b>\nA & B"


def test_typed_text_is_escaped() -> None:
    plan = load_rules(ROOT / "rules" / "ha-tinh-161.yaml")
    with Engine(plan, clock=FakeClock(dt.date(2024, 11, 1))) as eng:
        eng.open_cycle(2024)
        task = eng.tasks(year=2024, agency="so-yt")[0]
        eng.fire(task.id, "submit", actor="so-yt", report={"summary": TYPED})
        eng.fire(task.id, "comment", actor="so-yt", text=TYPED)
        md = render_md(build_report(eng, 2024, on=dt.date(2024, 12, 20)))
    assert "<script>" not in md
    assert "<b>" not in md
    assert (
        md.count("&lt;script&gt;alert(1)&lt;/script&gt; \\| &lt;b&gt;đậm&lt;/b&gt; A &amp; B") >= 2
    )
