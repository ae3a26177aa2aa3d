"""A year's report follows the rules its cycle follows, not the rules the engine was opened with.

Each cycle records the rules version it was opened (or last amended) with. Loading newer rules
into the same database (``Engine(newer, db=same_file)``) must leave the report of an earlier year
exactly as it was: its areas and duties and their titles, its workflow's states and their labels,
its rating names, agency names, title and recipients. The year opened under the newer rules
reports with them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import pytest

from plan161_workflow.cli import main
from plan161_workflow.clock import FakeClock
from plan161_workflow.engine import Engine
from plan161_workflow.model.plan import (
    Plan,
    StateLabel,
    Workflow,
    WorkflowAction,
    WorkflowTransition,
)
from plan161_workflow.reporting.output import render_report
from plan161_workflow.reporting.report import build_report, default_report_date
from plan161_workflow.reporting.status import status_data
from plan161_workflow.workflow.definition import DEFAULT_WORKFLOW

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
HA_TINH = ROOT / "rules" / "ha-tinh-161.yaml"
REPORT_DAY = D(2025, 1, 5)  # the day 2024 is consolidated
FORMATS = ("json", "md", "html")

CUSTOM = Workflow(
    states=("giao", "dang_lam", "da_bao_cao", "da_tong_hop", "da_danh_gia"),
    initial="giao",
    final="da_danh_gia",
    reported_state="da_bao_cao",
    consolidated_state="da_tong_hop",
    transitions=(
        WorkflowTransition("bat_dau", ("giao",), "dang_lam", "responsible"),
        WorkflowTransition("nop", ("giao", "dang_lam"), "da_bao_cao", "responsible", "report"),
        WorkflowTransition("tra_lai", ("da_bao_cao",), "dang_lam", "consolidator", "reason"),
        WorkflowTransition("consolidate", ("da_bao_cao",), "da_tong_hop", "consolidator"),
        WorkflowTransition("danh_gia", ("da_tong_hop",), "da_danh_gia", "evaluator", "rating"),
    ),
    actions=(
        WorkflowAction("gop_y", "coordinating", "text"),
        WorkflowAction("y_kien", "participant", "text"),
        WorkflowAction("reassign", "consolidator", "agency"),
    ),
    labels=(
        StateLabel("giao", "Mới giao", "Just given"),
        StateLabel("dang_lam", "Đang làm", "Being done"),
        StateLabel("da_bao_cao", "Đã nộp", "Handed in"),
        StateLabel("da_tong_hop", "Đã gộp", "Merged"),
        StateLabel("da_danh_gia", "Đã chấm", "Graded"),
    ),
)
"""Custom state names (``giao``, ``dang_lam``...), labels and trigger names."""


def _steps(wf: Workflow) -> dict[str, str]:
    """The trigger of each step the year below takes, in ``wf``."""
    if wf == CUSTOM:
        return {"start": "bat_dau", "submit": "nop", "evaluate": "danh_gia", "comment": "y_kien"}
    return {"start": "start", "submit": "submit", "evaluate": "evaluate", "comment": "comment"}


def run_2024(plan: Plan, path: Path) -> None:
    """Open 2024 under ``plan`` on the file ``path``: reports on time, late (II.2 among them) and
    missing, a comment, a consolidation with waivers and one rated task."""
    clock = FakeClock(D(2024, 3, 1))
    step = _steps(plan.workflow)
    with Engine(plan, db=path, clock=clock) as eng:
        tasks = [t for t in eng.open_cycle(2024) if t.due is not None]
        assert any(t.unit == "II.2" for t in tasks)
        for i, task in enumerate(tasks):
            assert task.due is not None
            clock.set(D(2024, 6, 1))
            late = task.unit == "II.2" or i % 5 == 2  # II.2 arrives late
            if i % 5 == 4 and not late:
                continue  # never started, missing
            eng.fire(task.id, step["start"], actor=task.agency)
            if i % 5 == 3 and not late:
                continue  # started, missing
            clock.set(task.due + dt.timedelta(days=6) if late else task.due - dt.timedelta(days=3))
            eng.fire(task.id, step["submit"], actor=task.agency, report={"summary": f"Xong {i}."})
        clock.set(D(2024, 12, 20))
        eng.fire("2024/II.3/so-tnmt", step["comment"], actor="ubmttq-tinh", text="Cần bổ sung.")
        clock.set(REPORT_DAY)
        missing = sorted({t.agency for t in eng.tasks(year=2024) if t.reported_at is None})
        eng.consolidate(2024, actor="so-ldtbxh", waive=missing)
        rated = eng.tasks(year=2024, state=plan.workflow.consolidated_state)[0]
        clock.set(D(2025, 1, 10))
        eng.fire(rated.id, step["evaluate"], actor="ubnd-tinh", rating="hoan-thanh-tot")


def reports(eng: Engine, year: int, on: dt.date = REPORT_DAY) -> dict[str, str]:
    """The report of ``year`` in every format and both languages."""
    return {
        f"{lang}.{fmt}": render_report(build_report(eng, year, on=on, lang=lang), fmt)
        for lang in ("vi", "en")
        for fmt in FORMATS
    }


def reopen_with(plan: Plan, path: Path) -> Engine:
    """The database under ``plan`` (newer rules, not an amendment), with 2025 opened."""
    eng = Engine(plan, db=path, clock=FakeClock(D(2025, 3, 1)))
    eng.open_cycle(2025)
    return eng


def cli_json(path: Path, year: int, capsys: pytest.CaptureFixture[str]) -> str:
    """What ``plan161 report --db FILE --year YEAR --format json -o -`` prints."""
    capsys.readouterr()
    code = main(["report", "--db", str(path), "--year", str(year), "--format", "json", "-o", "-"])
    assert code == 0
    return capsys.readouterr().out


def test_custom_states_of_2024_survive_default_rules_loaded_later(
    plan: Plan, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "custom.db"
    custom = attrs.evolve(plan, workflow=CUSTOM)
    run_2024(custom, path)
    with Engine.open(path) as eng:
        before = reports(eng, 2024)
        cli_before = render_report(
            build_report(eng, 2024, on=default_report_date(eng, 2024, D(2030, 1, 1))), "json"
        )
    data = json.loads(before["vi.json"])
    assert data["charts"]["states"] == list(CUSTOM.states)
    assert data["charts"]["state_names"] == ["Mới giao", "Đang làm", "Đã nộp", "Đã gộp", "Đã chấm"]
    assert sum(sum(counts) for _, counts in data["charts"]["by_unit"]) == 35
    assert sum(sum(u["states"].values()) for u in data["units"]) == 35
    assert all(set(u["states"]) == set(CUSTOM.states) for u in data["units"])
    assert "Hoàn thành tốt nhiệm vụ" in {t["rating"] for u in data["units"] for t in u["tasks"]}

    with reopen_with(plan, path) as eng:  # the default workflow from now on
        assert eng.plan.workflow == DEFAULT_WORKFLOW
        assert reports(eng, 2024) == before
        after_2025 = json.loads(render_report(build_report(eng, 2025, on=D(2025, 3, 2)), "json"))
    assert cli_json(path, 2024, capsys) == cli_before

    assert after_2025["charts"]["states"] == list(DEFAULT_WORKFLOW.states)
    assert after_2025["charts"]["state_names"][0] == "Đã giao"
    assert sum(u["states"]["assigned"] for u in after_2025["units"]) == 37
    assert {t["state"] for u in after_2025["units"] for t in u["tasks"]} == {"Đã giao"}


def test_remarks_are_the_comments_of_the_cycles_workflow(plan: Plan, tmp_path: Path) -> None:
    """Section III lists what overseers said with the comment action of the cycle's workflow
    (``y_kien`` here), before and after the default workflow is loaded."""
    path = tmp_path / "remarks.db"
    run_2024(attrs.evolve(plan, workflow=CUSTOM), path)
    with Engine.open(path) as eng:
        before = build_report(eng, 2024, on=REPORT_DAY)
    with reopen_with(plan, path) as eng:
        after = build_report(eng, 2024, on=REPORT_DAY)
    for report in (before, after):
        assert [(m.agency, m.task_id, m.text) for m in report.remarks] == [
            ("ubmttq-tinh", "2024/II.3/so-tnmt", "Cần bổ sung.")
        ]
        assert report.proposals[-1].startswith("Đề nghị các cơ quan liên quan tiếp thu")


def test_area_dropped_by_newer_rules_stays_in_the_2024_report(
    plan: Plan, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "no-ii2.db"
    run_2024(plan, path)
    with Engine.open(path) as eng:
        before = reports(eng, 2024)
        cli_before = render_report(build_report(eng, 2024, on=REPORT_DAY), "json")
    data = json.loads(before["vi.json"])
    title = next(a.title for a in plan.areas if a.id == "II.2")
    assert "II.2" in [u["id"] for u in data["units"]]
    late = data["late"] + data["own_late"]  # II.2 is the consolidator's own (DOLISA leads it)
    assert ("II.2", title) in {(s["unit"], s["unit_title"]) for s in late}

    without_ii2 = attrs.evolve(plan, areas=tuple(a for a in plan.areas if a.id != "II.2"))
    with reopen_with(without_ii2, path) as eng:
        after = reports(eng, 2024)
        new = build_report(eng, 2025, on=D(2025, 3, 2))
    assert after == before
    assert cli_json(path, 2024, capsys) == cli_before
    assert "#### II.2. " + title in after["vi.md"]
    assert "II.2. II.2" not in after["vi.md"]
    assert [u.id for u in new.units] == [u.id for u in without_ii2.units()]
    assert "II.2" not in {u for u, _ in new.charts.by_unit}


def test_names_titles_ratings_and_recipients_come_from_the_cycle(
    plan: Plan, tmp_path: Path
) -> None:
    path = tmp_path / "renamed.db"
    run_2024(plan, path)
    with Engine.open(path) as eng:
        before = reports(eng, 2024)
        draft_before = reports(eng, 2025 - 1, on=D(2024, 12, 1))
        status_before = status_data(eng, 2024, D(2024, 12, 20))

    def rename(name: str) -> str:
        return f"{name} (mới)"

    renamed = attrs.evolve(
        plan,
        info=attrs.evolve(plan.info, title=rename(plan.info.title), place="Nơi khác"),
        agencies=tuple(attrs.evolve(a, name=rename(a.name)) for a in plan.agencies),
        areas=tuple(attrs.evolve(a, title=rename(a.title)) for a in plan.areas),
        duties=tuple(attrs.evolve(d, title=rename(d.title)) for d in plan.duties),
        rating_scale=tuple(attrs.evolve(r, name=rename(r.name)) for r in plan.rating_scale),
        roles=attrs.evolve(plan.roles, recipients=("ubnd-tinh",)),
        workflow=attrs.evolve(
            DEFAULT_WORKFLOW, labels=(StateLabel("evaluated", "Đã xếp loại", "Graded"),)
        ),
    )
    with reopen_with(renamed, path) as eng:
        assert reports(eng, 2024) == before
        assert reports(eng, 2024, on=D(2024, 12, 1)) == draft_before
        assert status_data(eng, 2024, D(2024, 12, 20)) == status_before  # status too
        new = build_report(eng, 2025, on=D(2025, 3, 2))
    assert "(mới)" not in "".join(before.values())
    assert new.subject.endswith("(mới)")
    assert new.place_date.startswith("Nơi khác")
    assert all(u.title.endswith("(mới)") for u in new.units)
    assert all(t.agency_name.endswith("(mới)") for u in new.units for t in u.tasks)
    assert new.issuing_body.endswith("(MỚI)")
    assert new.recipients[:-1] == (rename("Ủy ban nhân dân tỉnh Hà Tĩnh") + ";",)


def test_a_reported_task_an_amendment_keeps_stays_in_the_report(plan: Plan, tmp_path: Path) -> None:
    """An amendment applied to the open 2024 cycle makes its rules the cycle's; it never
    withdraws a task whose report arrived, so II.2's task stays, and so does its area in the
    report (after those the amended rules name), with every task counted once."""
    path = tmp_path / "amended.db"
    run_2024(plan, path)
    without_ii2 = attrs.evolve(plan, areas=tuple(a for a in plan.areas if a.id != "II.2"))
    with Engine(plan, db=path, clock=FakeClock(D(2025, 1, 20))) as eng:
        before = [u.id for u in build_report(eng, 2024, on=REPORT_DAY).units]
        eng.amend(without_ii2, scope="open", dry_run=False)
        assert eng.cycle_book(2024).plan == without_ii2
        report = build_report(eng, 2024, on=REPORT_DAY)
    assert before[:3] == ["II.1", "II.2", "II.3"]
    assert [u.id for u in report.units] == [u for u in before if u != "II.2"] + ["II.2"]
    assert [t.task_id for t in report.units[-1].tasks] == ["2024/II.2/so-ldtbxh"]
    assert sum(len(u.tasks) for u in report.units) == report.totals.tasks == 35
