"""The rows of the report and of ``status``: a task passed to another agency names both, every
column has a heading, and a percentage is rounded once from its counts."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from ha_tinh_plan import DISTRICTS
from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.reporting.document import Report
from plan161_workflow.reporting.labels import agency_name
from plan161_workflow.reporting.render_html import render_html
from plan161_workflow.reporting.render_md import render_md
from plan161_workflow.reporting.report import build_report
from plan161_workflow.reporting.status import status_text
from plan161_workflow.rules import load_rules

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
REORGANISED = ROOT / "rules" / "ha-tinh-161-sap-xep-2025.yaml"
LATE = ("2025/II.1/ubnd-h-can-loc", "2025/II.1/ubnd-h-vu-quang")
"""District tasks that Sở Nội vụ reports late, after taking them over on 01/07/2025."""


@pytest.fixture(scope="module")
def reorganised_2025_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The 2025 cycle of the reorganised plan: district tasks passed to Sở Nội vụ on 01/07/2025,
    two of them reported late by it, one on time by a district before it ceased."""
    clock = FakeClock(D(2025, 1, 2))
    path = tmp_path_factory.mktemp("reorganised") / "plan.db"
    with Engine(load_rules(REORGANISED), db=path, clock=clock) as eng:
        eng.open_cycle(2025)
        clock.set(D(2025, 6, 2))
        eng.fire(
            "2025/II.1/ubnd-h-duc-tho", "submit", actor="ubnd-h-duc-tho", report={"summary": "Xong"}
        )
        clock.set(D(2025, 7, 2))
        assert {t.original_agency for t in eng.apply_succession()} >= set(DISTRICTS) - {
            "ubnd-h-duc-tho"
        }
        clock.set(D(2025, 12, 10))
        for task_id in LATE:
            eng.fire(task_id, "submit", actor="so-nv", report={"summary": "Báo cáo thay"})
    engine = Engine.open(path, read_only=True)
    yield engine
    engine.close()


def _report(engine: Engine, lang: str) -> Report:
    return build_report(engine, 2025, on=D(2025, 12, 31), lang=lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_task_passed_to_another_agency_names_the_one_it_replaces(
    reorganised_2025_engine: Engine, lang: str
) -> None:
    plan = reorganised_2025_engine.plan
    tasks = {t.id: t for t in reorganised_2025_engine.tasks(year=2025)}
    report = _report(reorganised_2025_engine, lang)
    rows = [r for u in report.units for r in u.tasks]
    assert len(rows) == len(tasks)
    for row in rows:
        task = tasks[row.task_id]
        assert row.agency_name == agency_name(plan, task.agency, lang)
        if task.agency == task.original_agency:
            assert row.in_place_of is None
        else:
            assert row.in_place_of == agency_name(plan, task.original_agency, lang)
    moved = [r for r in rows if r.in_place_of is not None]
    assert {tasks[r.task_id].original_agency for r in moved} >= set(DISTRICTS) - {"ubnd-h-duc-tho"}
    # Section II names whom Sở Nội vụ reported late for, too.
    replaced = {tasks[t].original_agency for t in LATE}
    # Sở Nội vụ consolidates: what it reported late in place of others is its own, told apart
    # (a consolidator never lists itself among the agencies it urges).
    assert sorted(s.in_place_of for s in report.own_late) == sorted(
        agency_name(plan, code, lang) for code in replaced
    )
    assert len(report.own_late) == len(LATE)
    assert all(s.agency != "so-nv" for s in (*report.late, *report.missing))


def _agency_cells(markdown: str, heading: str) -> list[str]:
    """The first cells of the table under ``heading`` (a line starting with it)."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    table = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("| ") and not line.startswith("|---"):
            table.append(line.split(" | ")[0].removeprefix("| "))
    return table[1:]  # without the heading row


def test_the_district_rows_of_sections_i_2_and_ii_are_told_apart(
    reorganised_2025_engine: Engine,
) -> None:
    markdown = render_md(_report(reorganised_2025_engine, "vi"))
    rows = _agency_cells(markdown, "#### II.1.")
    moved = [r for r in rows if r.startswith("Sở Nội vụ (thay ")]
    assert "Sở Nội vụ (thay Ủy ban nhân dân huyện Can Lộc)" in moved
    assert len(moved) == len(set(moved)) >= 12  # no two rows read the same
    assert "Ủy ban nhân dân huyện Đức Thọ" in rows  # reported before it ceased: its own row
    assert _agency_cells(markdown, "### 1. Báo cáo chậm") == []
    late = _agency_cells(markdown, "### 3. Nhiệm vụ do Sở Nội vụ chủ trì thực hiện")
    assert {
        "Sở Nội vụ (thay Ủy ban nhân dân huyện Can Lộc)",
        "Sở Nội vụ (thay Ủy ban nhân dân huyện Vũ Quang)",
    } <= set(late)
    english = render_md(_report(reorganised_2025_engine, "en"))
    assert "Department of Home Affairs (in place of Can Lộc District People's Committee)" in english
    html = render_html(_report(reorganised_2025_engine, "vi"))
    assert "<td>Sở Nội vụ (thay Ủy ban nhân dân huyện Can Lộc)</td>" in html


def _md_heads(markdown: str) -> list[list[str]]:
    lines = markdown.splitlines()
    return [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line, below in itertools.pairwise(lines)
        if below.startswith("|---")
    ]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_column_of_every_table_has_a_heading(
    tiny_engine: Engine, reorganised_2025_engine: Engine, lang: str
) -> None:
    waived = build_report(tiny_engine, 2023, on=D(2024, 1, 5), lang=lang)
    assert any(s.waived for s in waived.missing)
    assert waived.late
    for report in (waived, _report(reorganised_2025_engine, lang)):
        heads = _md_heads(render_md(report))
        assert heads
        assert all(all(cell for cell in row) for row in heads), heads
        html = render_html(report)
        assert re.search(r"<th>\s*</th>", html) is None
    note = "Ghi chú" if lang == "vi" else "Note"
    shortfalls = [h for h in _md_heads(render_md(waived)) if len(h) in (4, 5) and h[-1] == note]
    assert len(shortfalls) == 1  # the missing reports (one waived), not the late ones
    assert ("được miễn khi tổng hợp" if lang == "vi" else "waived at consolidation") in render_md(
        waived
    )


def _status(received: int, on_time: int, expected: int) -> dict[str, object]:
    figures = {
        "expected": expected,
        "received": received,
        "on_time": on_time,
        "late": received - on_time,
        "no_deadline": 0,
        "reporting_rate": round(received / expected, 4),  # as status_data gives them
        "on_time_rate": round(on_time / expected, 4),
        "median_days_late": None,
    }
    return {
        "year": 2024,
        "as_of": "2024-12-05",
        "cycle": {"closed_at": None, "consolidations": 0},
        "states": {"assigned": expected},
        "totals": figures,
        "agencies": [{"name": "Sở Y tế", **figures}],
        "areas": [{"area": "II.1", **figures}],
        "overdue": [],
    }


def _rounded_once(part: int, whole: int) -> str:
    """The percentage to one decimal, half up, computed exactly from the counts."""
    tenths = Fraction(part * 1000, whole)
    return f"{int(tenths + Fraction(1, 2)) / 10:.1f}%"


@pytest.mark.parametrize(("received", "on_time", "expected"), [(28, 25, 31), (2, 1, 3), (7, 5, 9)])
def test_status_percentages_are_rounded_once_from_the_counts(
    received: int, on_time: int, expected: int
) -> None:
    text = status_text(_status(received, on_time, expected))
    assert f"on time: {_rounded_once(on_time, expected)} ({on_time}/{expected})" in text
    assert f"reporting rate: {_rounded_once(received, expected)} " in text
    for line in text.splitlines():
        if line.startswith(("Sở Y tế", "II.1")):
            cells = line.split()
            assert cells[-3:-1] == [
                _rounded_once(received, expected),
                _rounded_once(on_time, expected),
            ]
