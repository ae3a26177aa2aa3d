"""The main job: simulated reporting cycles, the README's first command, and the examples."""

from __future__ import annotations

import datetime as dt
import json
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from plan161_workflow import Engine, load_rules
from plan161_workflow.clock import FakeClock
from plan161_workflow.simulate import Behaviour, SimulationParams, simulate
from workflows import REORGANISED_RULES

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "plan161_workflow.cli"]


def plan161(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, check=False)


def readme_main_command() -> list[str]:
    """The ``plan161 ...`` part of the README's first command."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- main-command -->", 1)[1].split("```sh\n", 1)[1].split("\n", 1)[0]
    step = next(s for s in block.split("&&") if "plan161 " in s)
    return shlex.split(step.strip())[1:]


@pytest.mark.slow
def test_the_readme_main_command_simulates_and_writes_a_report(tmp_path: Path) -> None:
    args = readme_main_command()
    assert args[:2] == ["simulate", "rules/ha-tinh-161-sap-xep-2025.yaml"]
    db = tmp_path / "out" / "ha-tinh.db"
    args[args.index("--db") + 1] = str(db)
    args[1] = str(REPO / args[1])
    done = plan161(*args)
    assert done.returncode == 0, done.stderr
    report = tmp_path / "out" / "ha-tinh-bao-cao-2025.html"
    assert f"report:   {report}" in done.stdout
    html = report.read_text(encoding="utf-8")
    assert "BÁO CÁO" in html
    assert "SỞ NỘI VỤ" in html  # the 2025 report comes from the successor of DOLISA
    header, *table = done.stdout.splitlines()
    assert header.split()[-3:] == ["evaluated", "refused", "consolidator"]
    lines = [line.split() for line in table[:3]]
    assert [(row[0], row[-2], row[-1]) for row in lines] == [
        ("2023", "0", "so-ldtbxh"),
        ("2024", "0", "so-ldtbxh"),
        ("2025", "0", "so-nv"),
    ]
    # Running it again replaces its own database and gives the same result.
    again = plan161(*args)
    assert again.returncode == 0, again.stderr
    assert again.stdout == done.stdout


@pytest.mark.slow
def test_the_same_seed_gives_identical_status_json(tmp_path: Path) -> None:
    rules = str(REPO / "rules" / "ha-tinh-161.yaml")
    outputs = []
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        db = str(tmp_path / f"{name}.db")
        assert plan161("simulate", rules, "--db", db, "--seed", seed).returncode == 0
        status = plan161("status", "--db", db, "--year", "2024", "--as-of", "2024-12-10", "--json")
        assert status.returncode == 0, status.stderr
        outputs.append(status.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]
    data = json.loads(outputs[0])
    assert data["year"] == 2024


def test_a_simulation_shows_every_kind_of_behaviour() -> None:
    plan = load_rules(REPO / "rules" / "ha-tinh-161.yaml")
    clock = FakeClock(dt.date(2023, 1, 2))
    eng = Engine(plan, clock=clock)
    params = SimulationParams(
        seed=11, send_back_share=0.3, default=Behaviour(late_share=0.3, no_show_share=0.1)
    )
    years = simulate(eng, clock, plan.info.years, params)
    assert [y.year for y in years] == [2023, 2024, 2025]
    assert sum(y.late for y in years) > 0
    assert sum(y.on_time for y in years) > 0
    assert sum(y.missing for y in years) > 0
    assert sum(y.sent_back for y in years) > 0
    assert all(y.refused == 0 for y in years)  # the simulation only does what is allowed
    for y in years:  # the summary counts as the report does: tasks with a due date, the rest apart
        assert y.on_time + y.late + y.missing + y.no_deadline == y.tasks
        tasks = eng.tasks(year=y.year)
        assert y.no_deadline == sum(1 for t in tasks if t.due is None) > 0
        assert y.missing == sum(1 for t in tasks if t.due and t.reported_at is None)
    for year in years:
        record = eng.consolidations(year.year)[0]
        assert record.actor == "so-ldtbxh"
        assert {m.agency for m in record.missing} <= set(record.waived)
        assert year.evaluated == len(eng.tasks(year=year.year, state="evaluated")) > 0
    triggers = {e.trigger for t in eng.tasks(year=2024) for e in eng.history(t.id)}
    assert {
        "create",
        "start",
        "submit",
        "send_back",
        "consolidate",
        "evaluate",
        "contribute",
    } <= triggers
    assert all(c.closed for c in eng.cycles())
    assert eng.verify().ok


@pytest.mark.slow
def test_simulate_refuses_to_overwrite_a_database_it_did_not_make(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    other.write_text("not a database", encoding="utf-8")
    done = plan161(
        "simulate", str(REPO / "rules" / "ha-tinh-161.yaml"), "--db", str(other), "--replace"
    )
    assert done.returncode == 1
    assert "not a SQLite database" in done.stderr
    assert "simulating" not in done.stderr  # refused before simulating
    assert other.read_text(encoding="utf-8") == "not a database"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


@pytest.mark.slow
def test_simulate_refuses_standard_output_as_the_database(tmp_path: Path) -> None:
    rules = str(REPO / "rules" / "ha-tinh-161.yaml")
    done = subprocess.run(
        [*CLI, "simulate", rules, "--db", "-"], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 2
    assert "a database cannot go to standard output" in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(p.name for p in (REPO / "examples").glob("*.py")))
def test_every_example_runs(script: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "examples" / script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert "Traceback" not in done.stderr


def _interrupt_simulation(db: Path, *extra: str) -> int:
    """Start ``simulate`` into ``db``, send it Ctrl-C while it writes, return its exit code."""
    rules = str(REORGANISED_RULES)
    partial = db.with_name(db.name + ".partial")
    proc = subprocess.Popen(
        [*CLI, "simulate", rules, "--db", str(db), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not partial.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    if proc.poll() is not None:
        pytest.skip("the simulation ended before it could be interrupted")
    proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=60)


@pytest.mark.slow
def test_an_interrupted_simulation_leaves_no_database(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    assert _interrupt_simulation(db) == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.slow
def test_an_interrupted_replace_keeps_the_old_database(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    rules = str(REPO / "rules" / "ha-tinh-161.yaml")
    assert plan161("simulate", rules, "--db", str(db), "--years", "2024").returncode == 0
    before = db.read_bytes()
    assert _interrupt_simulation(db, "--replace") == 130
    assert db.read_bytes() == before
    assert not db.with_name(db.name + ".partial").exists()
    assert plan161("verify", "--db", str(db)).returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 9))
def test_agencies_that_cease_mid_year_hand_their_work_on_without_refusals(seed: int) -> None:
    """In 2025 DOLISA and the districts cease; the simulation acts as whoever holds each task on
    the day, so nothing it does is refused and no report is lost."""
    plan = load_rules(REORGANISED_RULES)
    clock = FakeClock(dt.date(2023, 1, 2))
    eng = Engine(plan, clock=clock)
    years = simulate(eng, clock, plan.info.years, SimulationParams(seed=seed))
    assert [y.refused for y in years] == [0, 0, 0]
    assert eng.verify().ok
