"""Views and outputs take the period (issue 12, point 6), on the constructed 6-month + annual
plan (tests/rules/valid/periods.yaml): status as of a June day counts only what was due by then;
a period's status, overdue list and report hold that period's tasks, consolidations and waivers
only; the CLI's ``status`` and ``report`` take ``--period``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from plan161_workflow import Engine, PayloadError, load_rules
from plan161_workflow.cli import main
from plan161_workflow.clock import FakeClock
from plan161_workflow.reporting.report import build_report, report_json
from plan161_workflow.reporting.status import status_data

RULES = Path(__file__).parent / "rules" / "valid" / "periods.yaml"
CONSOLIDATOR = "so-ldtbxh"
JUNE = dt.date(2026, 6, 20)


def _submit(eng: Engine, task_id: str) -> None:
    task = eng.task(task_id)
    eng.fire(task_id, "start", actor=task.agency)
    eng.fire(task_id, "submit", actor=task.agency, report={"summary": "Đã thực hiện"})


@pytest.fixture
def year_2026(tmp_path: Path) -> Path:
    """A database file: 2026 with its June consolidation (one 6-month report missing, waived)
    and its annual one (every annual report in); the one-off and quarterly tasks never
    reported."""
    db = tmp_path / "periods.db"
    clock = FakeClock(dt.datetime(2026, 6, 1, 9, 0))
    with Engine(load_rules(RULES), db=db, clock=clock) as eng:
        eng.open_cycle(2026)
        first, second = eng.tasks(period="2026S1")
        clock.set(dt.datetime(2026, 6, 12, 9, 0))
        _submit(eng, first.id)
        clock.set(dt.datetime(2026, 6, 18, 9, 0))
        eng.consolidate(2026, period="2026S1", actor=CONSOLIDATOR, waive=[second.agency])
        clock.set(dt.datetime(2026, 12, 10, 9, 0))
        for task in eng.tasks(period="2026"):
            _submit(eng, task.id)
        clock.set(dt.datetime(2026, 12, 18, 9, 0))
        eng.consolidate(2026, period="2026", actor=CONSOLIDATOR)
    return db


@pytest.fixture
def eng(year_2026: Path) -> Engine:
    return Engine.open(year_2026, read_only=True)


def test_status_as_of_june_counts_only_what_was_due_by_then(eng: Engine) -> None:
    data = status_data(eng, 2026, JUNE)
    due_by_june = [t for t in eng.tasks(year=2026) if t.due is not None and t.due <= JUNE]
    later = [t for t in eng.tasks(year=2026) if t.due is not None and t.due > JUNE]
    assert {t.period for t in later} >= {"2026"}  # the annual reports are not due in June
    assert data["totals"]["expected"] == len(due_by_june)
    assert data["totals"]["not_due"] == len(later)
    assert data["totals"]["received"] == 1  # the one 6-month report in by then
    assert data["period"] is None


def test_status_of_one_period_holds_its_tasks_only(eng: Engine) -> None:
    data = status_data(eng, 2026, JUNE, period="2026S1")
    assert data["period"] == {"id": "2026S1", "label": "6 tháng đầu năm 2026"}
    assert data["totals"]["tasks"] == data["totals"]["expected"] == 2
    assert (data["totals"]["received"], data["totals"]["reporting_rate"]) == (1, 0.5)
    items = [i for a in data["overdue"] for i in a["items"]]
    assert [(i["period"], i["unit"]) for i in items] == [("2026S1", "II.1")]
    assert status_data(eng, 2026, JUNE, period="six-month") == data  # a series names it too
    december = status_data(eng, 2026, dt.date(2026, 12, 31), period="2026")
    assert december["totals"]["tasks"] == december["totals"]["received"] == 3
    assert december["overdue"] == []


def test_a_period_report_holds_that_period_and_its_own_waivers(eng: Engine) -> None:
    june = report_json(build_report(eng, 2026, on=JUNE, period="2026S1"))
    assert june["period"] == "2026S1"
    assert june["subject"].startswith("Kết quả thực hiện 6 tháng đầu năm 2026 ")
    assert june["number"].startswith("Số: 1/")  # its own consolidation
    assert june["totals"]["tasks"] == 2
    assert [m["waived"] for m in june["missing"]] == [True]
    december = report_json(build_report(eng, 2026, on=dt.date(2026, 12, 18), period="annual"))
    assert december["subject"].startswith("Kết quả thực hiện năm 2026 ")
    assert december["totals"]["tasks"] == december["totals"]["received"] == 3
    assert december["missing"] == []  # the June waiver stays in June's report
    assert "được miễn" not in json.dumps(december, ensure_ascii=False)
    english = build_report(eng, 2026, on=JUNE, period="2026S1", lang="en")
    assert english.subject.startswith("Results in H1 2026 of the ")


def test_a_report_must_name_the_period_of_a_plan_with_several(eng: Engine) -> None:
    with pytest.raises(PayloadError, match=r"needs a period.*2026S1 \(6 tháng đầu năm 2026\)"):
        build_report(eng, 2026, on=JUNE)


def test_the_cli_status_and_report_take_the_period(
    year_2026: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(year_2026)
    args = ["status", "--db", db, "--year", "2026", "--period", "2026S1", "--as-of", "2026-06-20"]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["period"]["id"] == "2026S1"
    assert data["totals"]["expected"] == 2
    assert main(args) == 0
    assert "6 tháng đầu năm 2026 (2026S1)" in capsys.readouterr().out
    for fmt in ("html", "md", "json"):
        out = tmp_path / f"june.{fmt}"
        report = ["report", "--db", db, "--year", "2026", "--period", "2026S1", "--format", fmt]
        assert main([*report, "-o", str(out)]) == 0
        assert "6 tháng đầu năm 2026" in out.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["report", "--db", db, "--year", "2026", "--format", "json"]) == 1
    err = capsys.readouterr().err
    assert "needs a period" in err
    assert "2026S1" in err
    assert "Traceback" not in err
    assert main(["status", "--db", db, "--year", "2026", "--period", "2026S2"]) == 1
    assert "2026S2" in capsys.readouterr().err


def test_the_change_feed_carries_the_period(eng: Engine) -> None:
    schema = json.loads(
        (Path(__file__).parents[1] / "docs" / "change-feed.schema.json").read_text("utf-8")
    )
    validator = jsonschema.Draft202012Validator(schema)
    periods = {t.id: t.period for t in eng.tasks(year=2026)}
    consolidated = []
    for change in eng.changes(limit=1000):
        validator.validate(change.to_json())
        if change.task_id in periods:  # a task's id starts with its period id
            assert change.task_id.split("/")[0] == periods[change.task_id]
        if change.trigger == "consolidate_cycle":
            consolidated.append(change.payload["period"])
    assert consolidated == ["2026S1", "2026"]
