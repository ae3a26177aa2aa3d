"""Consolidation levels (issue 12, point 4), on the constructed two-level plan
(tests/rules/valid/levels.yaml): the communes report to their level (Sở Nội vụ), which sends
back and consolidates its own units' reports only, then reports upward as its own task on a
deadline counted from theirs; the province consolidates the rest once the level has reported."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from plan161_workflow import (
    ConsolidationError,
    Engine,
    NotFound,
    PermissionDenied,
    RulesError,
    load_rules,
    parse_rules,
)
from plan161_workflow.cli import main
from plan161_workflow.clock import FakeClock
from plan161_workflow.reporting.report import build_report, report_json
from plan161_workflow.reporting.status import status_data

RULES = Path(__file__).parent / "rules" / "valid" / "levels.yaml"
PROVINCE = "so-ldtbxh"
LEVEL = "so-nv"
S1 = "2026S1"


def _report(eng: Engine, task_id: str, summary: str = "Đã thực hiện") -> None:
    task = eng.task(task_id)
    eng.fire(task_id, "start", actor=task.agency)
    eng.fire(task_id, "submit", actor=task.agency, report={"summary": summary})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 6, 1, 9, 0))


@pytest.fixture
def eng(clock: FakeClock) -> Engine:
    engine = Engine(load_rules(RULES), clock=clock)
    engine.open_cycle(2026)
    return engine


def test_each_level_reports_upward_once_a_period_counted_from_its_members(eng: Engine) -> None:
    tasks = {t.id: t for t in eng.tasks(period=S1)}
    assert sorted(tasks) == [
        "2026S1/II.1/so-yt",
        "2026S1/II.1/ubnd-xa-a",
        "2026S1/II.1/ubnd-xa-b",
        "2026S1/cap-xa/so-nv",
    ]
    upward = tasks["2026S1/cap-xa/so-nv"]
    assert upward.agency == LEVEL
    assert tasks["2026S1/II.1/ubnd-xa-a"].due == dt.date(2026, 6, 15)
    assert upward.due == dt.date(2026, 6, 22)  # 5 working days after the communes' deadline


def test_a_communes_report_is_sent_back_by_its_own_level_only(eng: Engine) -> None:
    commune = "2026S1/II.1/ubnd-xa-a"
    _report(eng, commune)
    with pytest.raises(PermissionDenied, match="so-nv"):
        eng.fire(commune, "send_back", actor=PROVINCE, reason="Thiếu số liệu")
    eng.fire(commune, "send_back", actor=LEVEL, reason="Thiếu số liệu")
    assert eng.task(commune).state == "in_progress"
    department = "2026S1/II.1/so-yt"
    _report(eng, department)
    with pytest.raises(PermissionDenied):
        eng.fire(department, "send_back", actor=LEVEL, reason="Không thuộc cấp xã")
    eng.fire(department, "send_back", actor=PROVINCE, reason="Bổ sung")


def test_the_province_consolidates_only_after_the_level_below_submitted(
    eng: Engine, clock: FakeClock
) -> None:
    clock.set(dt.datetime(2026, 6, 12, 9, 0))
    for task_id in ("2026S1/II.1/so-yt", "2026S1/II.1/ubnd-xa-a", "2026S1/II.1/ubnd-xa-b"):
        _report(eng, task_id)
    clock.set(dt.datetime(2026, 6, 23, 9, 0))  # every deadline of the period has passed
    with pytest.raises(ConsolidationError) as refused:
        eng.consolidate(2026, period=S1, actor=PROVINCE)
    assert refused.value.missing == (("2026S1/cap-xa/so-nv", LEVEL),)
    with pytest.raises(PermissionDenied, match="so-nv"):
        eng.consolidate(2026, period=S1, level="cap-xa", actor=PROVINCE)
    with pytest.raises(NotFound, match="cap-xaa"):
        eng.consolidate(2026, period=S1, level="cap-xaa", actor=LEVEL)

    communes = eng.consolidate(2026, period=S1, level="cap-xa", actor=LEVEL)
    assert communes.level == "cap-xa"
    assert sorted(communes.tasks) == ["2026S1/II.1/ubnd-xa-a", "2026S1/II.1/ubnd-xa-b"]
    assert communes.recipients == (PROVINCE,)
    _report(eng, "2026S1/cap-xa/so-nv", "Tổng hợp báo cáo của các xã")
    province = eng.consolidate(2026, period=S1, actor=PROVINCE)
    assert province.level is None
    assert sorted(province.tasks) == ["2026S1/II.1/so-yt", "2026S1/cap-xa/so-nv"]
    assert province.recipients == ("ubnd-tinh",)
    assert [c.level for c in eng.consolidations(2026, S1)] == ["cap-xa", None]
    assert {t.state for t in eng.tasks(period=S1)} == {"consolidated"}
    assert eng.verify().ok


def test_a_level_consolidates_its_own_units_only_and_needs_their_reports(
    eng: Engine, clock: FakeClock
) -> None:
    clock.set(dt.datetime(2026, 6, 12, 9, 0))
    _report(eng, "2026S1/II.1/ubnd-xa-a")
    _report(eng, "2026S1/II.1/so-yt")
    clock.set(dt.datetime(2026, 6, 16, 9, 0))
    with pytest.raises(ConsolidationError) as refused:
        eng.consolidate(2026, period=S1, level="cap-xa", actor=LEVEL)
    assert refused.value.missing == (("2026S1/II.1/ubnd-xa-b", "ubnd-xa-b"),)
    done = eng.consolidate(2026, period=S1, level="cap-xa", actor=LEVEL, waive=["ubnd-xa-b"])
    assert done.tasks == ("2026S1/II.1/ubnd-xa-a",)
    assert eng.task("2026S1/II.1/so-yt").state == "reported"  # the province's, not the level's
    ready, missing = eng.consolidation_candidates(2026, S1, level="cap-xa")
    assert (ready, missing) == ([], [eng.task("2026S1/II.1/ubnd-xa-b")])


def test_a_level_whose_consolidator_ceases_passes_to_its_successor() -> None:
    text = RULES.read_text(encoding="utf-8")
    text = text.replace(
        "    name_en: Department of Home Affairs\n",
        "    name_en: Department of Home Affairs\n    valid_to: 2026-06-30\n"
        "    successors:\n      - {agency: so-nv-moi, effective: 2026-07-01, basis: 01/2026/QĐ,\n"
        '         source: "added: a test successor"}\n',
        1,
    ).replace(
        "  - code: so-yt\n",
        "  - code: so-nv-moi\n    name: Sở Nội vụ (mới)\n    name_en: New Home Affairs\n"
        "    kind: department\n    valid_from: 2026-07-01\n"
        '    source: "added: a test successor"\n  - code: so-yt\n',
        1,
    )
    clock = FakeClock(dt.datetime(2026, 12, 16, 9, 0))
    eng = Engine(parse_rules(text, str(RULES)), clock=clock)
    eng.open_cycle(2026)
    for task_id in ("2026/II.1/ubnd-xa-a", "2026/II.1/ubnd-xa-b"):
        _report(eng, task_id)
    with pytest.raises(PermissionDenied, match="so-nv-moi"):
        eng.consolidate(2026, period="2026", level="cap-xa", actor=LEVEL)
    done = eng.consolidate(2026, period="2026", level="cap-xa", actor="so-nv-moi")
    assert len(done.tasks) == 2
    assert eng.task("2026/cap-xa/so-nv").agency == "so-nv-moi"  # its upward report too


def test_status_of_a_level_counts_its_members_only(eng: Engine, clock: FakeClock) -> None:
    clock.set(dt.datetime(2026, 6, 12, 9, 0))
    _report(eng, "2026S1/II.1/ubnd-xa-a")
    data = status_data(eng, 2026, dt.date(2026, 6, 20), S1, level="cap-xa")
    assert data["level"] == {"id": "cap-xa", "name": "Cấp xã", "consolidator": LEVEL}
    assert (data["totals"]["tasks"], data["totals"]["received"]) == (2, 1)
    province = status_data(eng, 2026, dt.date(2026, 6, 20), S1)
    assert province["totals"]["tasks"] == 4  # the whole period, every level


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    members: [ubnd-cap-xa]\n", "    members: [ubnd-cap-xx]\n", "unknown agency or group"),
        ("    consolidator: so-nv\n", "    consolidator: ubnd-xa-a\n", "cannot consolidate it"),
        ("  - id: cap-xa\n", "  - id: II.1\n", "is also an area or duty id"),
        ("    deadline: xa-len-tinh\n", "    deadline: xa-len\n", "unknown deadline 'xa-len'"),
        ("    members: [ubnd-cap-xa]\n", "    members: [ubnd-tinh]\n", "leads an area or duty"),
    ],
)
def test_the_rules_refuse_inconsistent_levels(old: str, new: str, message: str) -> None:
    text = RULES.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(RulesError, match=message):
        parse_rules(text.replace(old, new, 1), str(RULES))


def test_a_level_report_is_its_consolidators_to_the_province(eng: Engine, clock: FakeClock) -> None:
    clock.set(dt.datetime(2026, 6, 12, 9, 0))
    for task_id in ("2026S1/II.1/ubnd-xa-a", "2026S1/II.1/ubnd-xa-b", "2026S1/II.1/so-yt"):
        _report(eng, task_id, f"Báo cáo của {task_id.rsplit('/', 1)[1]}")
    clock.set(dt.datetime(2026, 6, 16, 9, 0))
    eng.consolidate(2026, period=S1, level="cap-xa", actor=LEVEL)
    level = report_json(build_report(eng, 2026, on=dt.date(2026, 6, 16), period=S1, level="cap-xa"))
    assert level["issuing_body"] == "SỞ NỘI VỤ"
    assert level["number"].startswith("Số: 1/")  # its own consolidation
    assert level["totals"]["tasks"] == 2
    shown = {t["task_id"] for u in level["units"] for t in u["tasks"]}
    assert shown == {"2026S1/II.1/ubnd-xa-a", "2026S1/II.1/ubnd-xa-b"}
    assert level["recipients"][0] == "Sở Lao động - Thương binh và Xã hội;"
    province = report_json(build_report(eng, 2026, on=dt.date(2026, 6, 16), period=S1))
    assert province["draft"]  # the province has not consolidated yet
    assert province["totals"]["tasks"] == 4


def test_the_cli_consolidates_and_reports_a_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "levels.db")
    assert main(["init", "--rules", str(RULES), "--db", db]) == 0
    assert main(["open-cycle", "--db", db, "--year", "2026"]) == 0
    for commune in ("ubnd-xa-a", "ubnd-xa-b"):
        task = f"2026S1/II.1/{commune}"
        assert main(["fire", task, "start", "--db", db, "--as", commune]) == 0
        args = ["fire", task, "submit", "--db", db, "--as", commune, "--summary", "Đã làm"]
        assert main(args) == 0
    capsys.readouterr()
    consolidate = ["consolidate", "--db", db, "--year", "2026", "--period", S1]
    assert main([*consolidate, "--level", "cap-xa", "--as", PROVINCE]) == 1
    assert "so-nv" in capsys.readouterr().err
    assert main([*consolidate, "--level", "cap-xa", "--as", LEVEL, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["level"], len(record["tasks"])) == ("cap-xa", 2)
    status = ["status", "--db", db, "--year", "2026", "--period", S1, "--level", "cap-xa"]
    assert main([*status, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"]["received"] == 2
    out = tmp_path / "cap-xa.md"
    report = ["report", "--db", db, "--year", "2026", "--period", S1, "--level", "cap-xa"]
    assert main([*report, "--format", "md", "-o", str(out)]) == 0
    assert "SỞ NỘI VỤ" in out.read_text(encoding="utf-8")
    assert main([*status[:-2], "--level", "cap-xx"]) == 1  # status without its --level
    assert "cap-xa" in capsys.readouterr().err  # did you mean
