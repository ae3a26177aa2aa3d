"""The commands treat alike what looks alike: every file a command writes may go into a folder
not yet made (as ``--db`` always could), every output defaults to standard output, numbers say
what to write, and replacing a database leaves nothing beside it."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

from plan161_workflow import Engine, FakeClock, load_rules
from plan161_workflow.cli import main
from plan161_workflow.store.schema import check_replaceable

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "ha-tinh-161.yaml"


def _run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return status, out.out, out.err


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("small") / "plan.db"
    clock = FakeClock(dt.date(2024, 11, 20))
    with Engine(load_rules(RULES), db=db, clock=clock) as eng:
        eng.open_cycle(2024)
    return db


def test_every_output_goes_into_a_folder_not_yet_made(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = {
        "report": ["report", "--db", small_db, "--year", "2024", "--format", "md", "-o"],
        "calendar": ["calendar", RULES, "--agency", "so-yt", "--years", "2024", "-o"],
        "diagram": ["diagram", "--format", "mermaid", "-o"],
        "backup": ["backup", "--db", small_db, "--to"],
    }
    for name, args in outputs.items():
        target = tmp_path / name / "deeper" / f"{name}.out"
        status, _out, err = _run(capsys, *args, target)
        assert status == 0, (name, err)
        assert target.stat().st_size > 0, name
    # A folder's place taken by a file is refused, naming it, before anything is done.
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    status, _out, err = _run(capsys, *outputs["report"], tmp_path / "taken" / "r.md")
    assert status == 2
    assert "taken is not a folder" in err


@pytest.mark.slow
def test_simulate_puts_its_database_and_report_into_new_folders(tmp_path: Path) -> None:
    db, report = tmp_path / "a" / "x.db", tmp_path / "b" / "r.html"
    done = subprocess.run(
        [sys.executable, "-m", "plan161_workflow.cli", "simulate", str(RULES), "--db", str(db),
         "--years", "2024", "--report", str(report)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert db.is_file()
    assert report.is_file()


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--year", "2024", "--format", "md"],
        ["calendar", str(RULES), "--agency", "so-yt", "--years", "2024"],
        ["diagram", "--format", "mermaid"],
    ],
)
def test_every_output_defaults_to_standard_output(
    small_db: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    if args[0] == "report":
        args = [*args, "--db", str(small_db)]
    status, out, err = _run(capsys, *args)
    assert status == 0, err
    assert len(out) > 100


def test_numbers_say_what_to_write(small_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = _run(capsys, "changes", "--db", small_db, "--limit", "0")
    assert status == 2
    assert "write 1 or more" in err
    assert "9223372036854775807" not in err
    status, _out, err = _run(capsys, "status", "--db", small_db, "--year", "abc")
    assert status == 2
    assert "'abc' is not a year: write from 1901 to 2099" in err
    assert "integer range" not in err
    for command in ("changes", "status", "report", "tasks", "open-cycle"):
        _status, help_text, _err = _run(capsys, command, "--help")
        assert "9223372036854775807" not in help_text
        assert not re.search(r"\d<=x<=", help_text), command


def test_checking_a_database_before_replacing_it_leaves_nothing_beside_it(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    with Engine(load_rules(RULES), db=db) as eng:
        eng.open_cycle(2024)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert before == ["x.db"]
    check_replaceable(db)  # simulate --replace calls it, then simulates for a while
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.slow
def test_another_province_says_what_its_deadlines_do() -> None:
    """The example's dates never move in its years (14/11 is a working day in 2024 and 2025); it
    says a last day moves only if it falls on a day off."""
    path = ROOT / "examples" / "another_province.py"
    doc = path.read_text(encoding="utf-8")
    assert "(moved to the next working day)" not in doc
    assert "if it fell on a day off" in doc
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True)
    first_plan = done.stdout.split("\n\n", 1)[0]  # then the 2026-2030 plan, with its periods
    assert set(re.findall(r"due (\S+)", first_plan)) == {"14/11/2024"}
    assert "2027 opened on 02/01/2027" in done.stdout
