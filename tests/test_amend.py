"""Plans change mid-course: amendment files, dry runs, and amendments applied to open cycles."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from plan161_workflow import Engine, PayloadError, Plan, RulesError, load_rules
from plan161_workflow.clock import FakeClock
from plan161_workflow.model.plan import Area

REPO = Path(__file__).resolve().parents[1]
BASE = REPO / "rules" / "ha-tinh-161.yaml"
REORG = REPO / "rules" / "ha-tinh-161-sap-xep-2025.yaml"


def _moved_deadline(plan: Plan, day: str = "15/11") -> Plan:
    deadlines = tuple(
        attrs.evolve(d, day=day) if d.id == "annual-report" else d for d in plan.deadlines
    )
    return attrs.evolve(plan, deadlines=deadlines)


@pytest.fixture
def running(plan: Plan, tmp_path: Path) -> tuple[Engine, FakeClock]:
    clock = FakeClock(dt.date(2024, 11, 1))
    eng = Engine(plan, db=tmp_path / "plan.db", clock=clock)
    eng.open_cycle(2024)
    eng.fire("2024/II.1/so-nnptnt", "submit", actor="so-nnptnt", report={"summary": "Đã báo cáo"})
    return eng, clock


def test_dry_run_lists_changes_and_changes_nothing(running: tuple[Engine, FakeClock]) -> None:
    eng, _ = running
    before = [(t.id, t.due, t.version) for t in eng.tasks(year=2024)]
    events = len(eng.changes(limit=10_000))
    result = eng.amend(_moved_deadline(eng.plan), dry_run=True, as_of=dt.date(2024, 11, 20))
    assert not result.applied
    due = {c.task_id: c for c in result.changes if c.kind == "due"}
    assert len(due) == 31  # every area task; duties have no deadline
    assert (due["2024/II.1/so-yt"].before, due["2024/II.1/so-yt"].after) == (
        "2024-11-30",
        "2024-11-14",
    )
    assert due["2024/II.1/so-yt"].becomes_overdue
    assert due["2024/II.1/so-nnptnt"].skipped  # its report arrived: never rewritten
    assert not due["2024/II.1/so-nnptnt"].becomes_overdue
    assert "so-nnptnt" not in result.overdue_agencies
    assert "so-yt" in result.overdue_agencies
    assert [(t.id, t.due, t.version) for t in eng.tasks(year=2024)] == before
    assert len(eng.changes(limit=10_000)) == events


def test_moving_a_deadline_for_the_open_cycle_only(running: tuple[Engine, FakeClock]) -> None:
    eng, clock = running
    clock.set(dt.date(2024, 11, 20))
    result = eng.amend(_moved_deadline(eng.plan), scope="open", dry_run=False)
    assert result.applied
    assert eng.task("2024/II.1/so-yt").due == dt.date(2024, 11, 14)
    assert eng.task("2024/II.1/so-nnptnt").due == dt.date(2024, 11, 30)  # finished: kept
    last = eng.history("2024/II.1/so-yt")[-1]
    assert (last.trigger, last.actor, last.payload["previous_due"], last.payload["due"]) == (
        "amend",
        "rules",
        "2024-11-30",
        "2024-11-14",
    )
    assert "2024/II.1/so-yt" in {t.id for t in eng.overdue(dt.date(2024, 11, 20))}
    # The next cycle opens with the amended rules too; the database records which rules.
    clock.set(dt.date(2025, 1, 5))
    assert eng.open_cycle(2025)[0].due == dt.date(2025, 11, 14)
    cycles = {c["year"]: c["rules_hash"] for c in eng.store.cycles()}
    assert cycles[2024] == cycles[2025] == result.rules_hash
    assert eng.verify().ok


def test_an_amendment_for_future_cycles_leaves_the_open_one(
    running: tuple[Engine, FakeClock],
) -> None:
    eng, clock = running
    old_hash = eng.rules_hash
    result = eng.amend(_moved_deadline(eng.plan), scope="future", dry_run=False)
    assert result.changes == ()
    assert eng.task("2024/II.1/so-yt").due == dt.date(2024, 11, 30)
    clock.set(dt.date(2025, 1, 5))
    assert eng.open_cycle(2025)[0].due == dt.date(2025, 11, 14)
    cycles = {c["year"]: c["rules_hash"] for c in eng.store.cycles()}
    assert cycles == {2024: old_hash, 2025: result.rules_hash}
    # 2024 still follows its own rules after a reopening of the database.
    path = eng.store.path
    eng.close()
    again = Engine.open(path, clock=clock)
    assert again.cycle_book(2024).plan.deadline("annual-report").day == "01/12"
    assert again.verify().ok


def test_a_new_lead_adds_tasks_and_a_dropped_one_withdraws(
    running: tuple[Engine, FakeClock],
) -> None:
    eng, _ = running
    plan = eng.plan
    areas = tuple(
        attrs.evolve(a, lead=("so-tnmt", "so-nnptnt"))
        if a.id == "II.3"
        else attrs.evolve(a, lead=("so-tttt",))
        if a.id == "II.5"
        else a
        for a in plan.areas
    )
    amended = attrs.evolve(plan, areas=areas)
    result = eng.amend(amended, dry_run=False, as_of=dt.date(2024, 11, 2))
    kinds = {(c.task_id, c.kind) for c in result.changes}
    assert ("2024/II.3/so-nnptnt", "new") in kinds
    assert ("2024/II.5/so-gddt", "withdrawn") in kinds
    assert eng.task("2024/II.3/so-nnptnt").state == "assigned"
    assert eng.tasks(year=2024, area="II.5") == [eng.task("2024/II.5/so-tttt")]
    assert eng.history("2024/II.5/so-gddt")[-1].trigger == "withdraw"  # history is kept
    assert eng.verify().ok


@pytest.mark.slow
def test_the_amendment_cli_dry_run(running: tuple[Engine, FakeClock], tmp_path: Path) -> None:
    eng, _ = running
    path = eng.store.path
    eng.close()
    amended = tmp_path / "amended.yaml"
    amended.write_text(
        BASE.read_text(encoding="utf-8").replace('day: "01/12"', 'day: "15/11"'), encoding="utf-8"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "plan161_workflow.cli",
            "amend",
            "--db",
            str(path),
            "--rules",
            str(amended),
            "--dry-run",
            "--as-of",
            "2024-11-20",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "31 task changes would be made" not in out  # one is skipped
    assert "30 task changes would be made in the open cycle(s) 2024" in out
    skipped = next(line for line in out.splitlines() if "2024/II.1/so-nnptnt" in line)
    assert "finished: left as it is" in skipped
    assert "agencies that would become overdue:" in out
    assert "nothing was changed (dry run)" in out


# -- amendment files -------------------------------------------------------------------------


def test_the_reorganisation_file_amends_the_plan() -> None:
    plan = load_rules(REORG)
    dolisa = plan.agency("so-ldtbxh")
    assert dolisa.valid_to == dt.date(2025, 2, 28)
    assert [s.agency for s in dolisa.successors] == ["so-nv", "so-yt"]
    assert plan.agency("so-nnmt").valid_from == dt.date(2025, 3, 1)
    assert plan.agency("ubnd-h-vu-quang").valid_to == dt.date(2025, 6, 30)
    assert plan.agency("so-ldtbxh").name == "Sở Lao động - Thương binh và Xã hội"  # kept
    assert len(plan.areas) == 5
    assert plan.roles.consolidator == "so-ldtbxh"  # until 28/02/2025; then its successor


def test_simulating_with_the_reorganisation(tmp_path: Path) -> None:
    """2025 is consolidated by Sở Nội vụ, no 2025 task stays with a ceased agency after its end,
    and 2023-2024 still show DOLISA and the district People's Committees."""
    from plan161_workflow.simulate import SimulationParams, simulate

    plan = load_rules(REORG)
    clock = FakeClock(dt.date(2023, 1, 2))
    eng = Engine(plan, db=tmp_path / "reorg.db", clock=clock)
    summaries = simulate(eng, clock, plan.info.years, SimulationParams(seed=7))
    assert [s.consolidator for s in summaries] == ["so-ldtbxh", "so-ldtbxh", "so-nv"]
    assert {c.actor for c in eng.consolidations(2025)} == {"so-nv"}
    ceased = eng.book.succession.ceased_by(dt.date(2025, 12, 31))
    conn = sqlite3.connect(eng.store.path)
    # Every 2025 task still open or handled after its agency ended is held by a successor.
    stranded = conn.execute(
        f"SELECT id FROM tasks WHERE year = 2025 AND agency IN ({','.join('?' * len(ceased))}) "
        "AND state IN ('assigned', 'in_progress')",
        sorted(ceased),
    ).fetchall()
    assert stranded == []
    for year in (2023, 2024):
        assert {c.actor for c in eng.consolidations(year)} == {"so-ldtbxh"}
        assert len(eng.tasks(year=year, agency="ubnd-h-vu-quang")) == 1
        assert eng.tasks(year=year, agency="so-nv", area="II.2") == []
    moved = [e for e in eng.history("2025/II.2/so-ldtbxh") if e.trigger == "reassign"]
    assert [(e.actor, e.payload["agency"]) for e in moved] in ([], [("rules", "so-nv")])
    assert eng.verify().ok


def test_problems_in_an_amendment_are_reported_in_the_amendment(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE.read_text(encoding="utf-8"), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "amends: base.yaml\n"
        "agencies:\n"
        "  - code: so-ldtbxh\n"
        "    valid_to: 2025-02-28\n"
        "    successors:\n"
        "      - {agency: so-noi-vu, effective: 2025-03-01, basis: x, source: y}\n",
        encoding="utf-8",
    )
    with pytest.raises(RulesError) as info:
        load_rules(bad)
    problems = info.value.problems
    assert any(
        p.file == str(bad)
        and p.line == 6
        and "so-noi-vu" in p.message
        and "did you mean 'so-nv'" in p.message
        for p in problems
    )


def test_an_amendment_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("amends: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("amends: a.yaml\n", encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(tmp_path / "a.yaml")
    assert "amendments form a loop" in str(info.value)


def test_an_amendment_with_an_unknown_section(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("amends: base.yaml\nagencys: []\n", encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(tmp_path / "bad.yaml")
    problem = info.value.problems[0]
    assert (problem.line, problem.path) == (2, "agencys")
    assert "did you mean 'agencies'" in problem.message


def test_removing_an_area_in_an_amendment(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "cut.yaml").write_text(
        "amends: base.yaml\nremove: {areas: [II.5]}\n", encoding="utf-8"
    )
    plan = load_rules(tmp_path / "cut.yaml")
    assert [a.id for a in plan.areas] == ["II.1", "II.2", "II.3", "II.4"]
    assert isinstance(plan.areas[0], Area)


def test_show_lists_the_succession_of_an_amended_plan() -> None:
    from plan161_workflow.reporting.plan_view import plan_text

    text = plan_text(load_rules(REORG))
    assert "Kế thừa / succession" in text
    assert "-> Sở Nội vụ (so-nv) từ / from 2025-03-01: II.1, II.2, V.1-final-evaluation" in text
    assert "-> Sở Y tế (so-yt) từ / from 2025-03-01: II.4 [45/2025/NĐ-CP]" in text
    assert "Kế thừa" not in plan_text(load_rules(BASE))


def test_an_amended_workflow_must_keep_the_states_tasks_are_in(plan: Plan) -> None:
    from workflows import VERIFIED

    eng = Engine(attrs.evolve(plan, workflow=VERIFIED), clock=FakeClock(dt.date(2024, 11, 1)))
    eng.open_cycle(2024)
    eng.fire("2024/II.1/so-gddt", "submit", actor="so-gddt", report={"summary": "Báo cáo"})
    eng.fire("2024/II.1/so-gddt", "verify", actor="so-ldtbxh")
    for dry_run in (True, False):
        with pytest.raises(PayloadError, match="no state 'verified'"):
            eng.amend(plan, dry_run=dry_run)
    assert eng.task("2024/II.1/so-gddt").state == "verified"
    assert eng.amend(plan, scope="future", dry_run=True).changes == ()
    assert eng.verify().ok
