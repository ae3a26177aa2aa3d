"""A consolidator is not its own subordinate: the tasks it leads answer to ``roles.reports_to``
(the PPC), its report never urges or proposes against itself, and the last year's report does not
speak of coming cycles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from plan161_workflow import Engine, Plan
from plan161_workflow.clock import FakeClock
from plan161_workflow.errors import PermissionDenied, RulesError
from plan161_workflow.reporting.report import build_report
from plan161_workflow.rules import load_rules

D = dt.date
OWN = "2024/II.2/so-ldtbxh"  # DOLISA consolidates and leads II.2
OTHER = "2024/II.1/so-gddt"
REPORT = {"summary": "Báo cáo năm"}


def test_the_rules_name_whom_the_consolidator_reports_to(plan: Plan) -> None:
    assert plan.roles.reports_to == "ubnd-tinh"
    assert plan.reports_to == "ubnd-tinh"


def test_only_the_agency_above_sends_back_the_consolidator_s_own_report(plan: Plan) -> None:
    clock = FakeClock(D(2024, 11, 1))
    eng = Engine(plan, clock=clock)
    eng.open_cycle(2024)
    eng.fire(OWN, "submit", actor="so-ldtbxh", report=REPORT)
    with pytest.raises(PermissionDenied) as info:
        eng.fire(OWN, "send_back", actor="so-ldtbxh", reason="Thiếu số liệu")
    assert "ubnd-tinh" in str(info.value)
    assert eng.fire(OWN, "send_back", actor="ubnd-tinh", reason="Thiếu số liệu").state == (
        "in_progress"
    )
    eng.fire(OTHER, "submit", actor="so-gddt", report=REPORT)
    with pytest.raises(PermissionDenied):
        eng.fire(OTHER, "send_back", actor="ubnd-tinh", reason="x")
    assert eng.fire(OTHER, "send_back", actor="so-ldtbxh", reason="x").state == "in_progress"
    day = D(2024, 11, 2)
    assert eng.holder("consolidator", day, task=eng.task(OWN)) == "ubnd-tinh"
    assert eng.holder("consolidator", day, task=eng.task(OTHER)) == "so-ldtbxh"
    assert eng.holder("reports_to", day) == "ubnd-tinh"


def _late_year(plan: Plan, year: int) -> Engine:
    """A cycle where DOLISA and Sở GD&ĐT report late and the rest on time, consolidated."""
    clock = FakeClock(D(year, 11, 1))
    eng = Engine(plan, clock=clock)
    eng.open_cycle(year)
    late = {f"{year}/II.2/so-ldtbxh", f"{year}/II.1/so-gddt"}
    for t in eng.tasks(year=year):
        if t.id not in late:
            eng.fire(t.id, "submit", actor=t.agency, report=REPORT)
    clock.set(D(year, 12, 5))
    for task_id in sorted(late):
        eng.fire(task_id, "submit", actor=task_id.split("/")[2], report=REPORT)
    clock.set(D(year, 12, 10))
    missing = {t.agency for t in eng.consolidation_candidates(year)[1]}
    eng.consolidate(year, actor=eng.holder("consolidator", D(year, 12, 10)), waive=missing)
    return eng


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_report_does_not_urge_its_own_issuer(plan: Plan, lang: str) -> None:
    eng = _late_year(plan, 2024)
    report = build_report(eng, 2024, on=D(2024, 12, 10), lang=lang)
    dolisa = plan.agency("so-ldtbxh")
    name = dolisa.name if lang == "vi" else dolisa.name_en
    assert "so-ldtbxh" not in {s.agency for s in (*report.late, *report.missing)}
    assert {s.agency for s in report.late} == {"so-gddt"}
    assert [s.unit for s in report.own_late] == ["II.2"]
    assert name in report.own_heading
    assert all(name not in p for p in report.proposals)
    assert any("so-gddt" in s.agency for s in report.late)
    coming = "các kỳ tiếp theo" if lang == "vi" else "coming cycles"
    assert any(coming in p for p in report.proposals)  # 2024 is not the plan's last year


def test_the_last_year_s_report_speaks_of_no_coming_cycles(plan: Plan) -> None:
    assert plan.info.last_year == 2025
    for lang, coming in (("vi", "các kỳ tiếp theo"), ("en", "coming cycles")):
        report = build_report(_late_year(plan, 2025), 2025, on=D(2025, 12, 10), lang=lang)
        assert report.late
        assert all(coming not in p for p in report.proposals)


def test_a_consolidator_answering_to_itself_is_refused(rules_path: Path, tmp_path: Path) -> None:
    text = rules_path.read_text(encoding="utf-8")
    bad = tmp_path / "self.yaml"
    bad.write_text(text.replace("reports_to: ubnd-tinh", "reports_to: so-ldtbxh"), "utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(bad)
    message = str(info.value)
    assert "reports_to" in message
    assert "II.2" in message
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(text.replace("reports_to: ubnd-tinh", "reports_to: ubnd-tinhh"), "utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(unknown)
    assert "ubnd-tinhh" in str(info.value)
