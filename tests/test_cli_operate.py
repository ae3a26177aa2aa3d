"""The operator's commands run a whole reporting cycle on a real database file, and every
mistake gets a message (what, where, how to fix), an exit status and no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from plan161_workflow import Engine, load_rules
from plan161_workflow.cli import main

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "ha-tinh-161.yaml"
YEAR = "2024"


class Cli:
    """Runs ``plan161`` in this process on one database file."""

    def __init__(self, capsys: pytest.CaptureFixture[str], db: Path) -> None:
        self.capsys = capsys
        self.db = str(db)

    def __call__(self, *args: str, status: int = 0) -> str:
        code = main(list(args))
        out = self.capsys.readouterr()
        assert "Traceback" not in out.err
        assert code == status, (args, out.out, out.err)
        return out.out if status == 0 else out.err

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json"))


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(capsys, tmp_path / "work" / "plan.db")  # init creates the missing folder
    run("init", "--rules", str(RULES), "--db", run.db)
    return run


@pytest.mark.slow
def test_a_whole_cycle_runs_through_the_commands_alone(cli: Cli) -> None:
    roles = load_rules(RULES).roles
    db = ("--db", cli.db)
    assert "35 tasks" in cli("open-cycle", *db, "--year", YEAR)
    tasks = cli.json("tasks", *db, "--year", YEAR)
    assert len(tasks) == 35
    assert {t["state"] for t in tasks} == {"assigned"}
    first, *_others = tasks
    for n, task in enumerate(tasks):
        who = ("--as", task["agency"])
        cli("fire", task["id"], "start", *db, *who)
        cli(
            "fire", task["id"], "submit", *db, *who, "--summary", f"Báo cáo số {n}",
            "--indicator", "so-hoi-nghi=3", "--attach", f"cv-{n}.pdf",
            "--request-id", f"submit-{n}",
        )  # fmt: skip
    # Sent back with a reason, submitted again with the same request id: nothing repeats.
    cli(
        "fire",
        first["id"],
        "send_back",
        *db,
        "--as",
        roles.consolidator,
        "--reason",
        "Thiếu số liệu",
    )
    again = ("--as", first["agency"], "--summary", "Đã bổ sung", "--request-id", "resubmit")
    after = cli.json("fire", first["id"], "submit", *db, *again)
    assert cli.json("fire", first["id"], "submit", *db, *again) == after
    assert after["state"] == "reported"
    assert after["report"]["summary"] == "Đã bổ sung"

    record = cli.json("consolidate", *db, "--year", YEAR, "--as", roles.consolidator)
    assert sorted(record["tasks"]) == sorted(t["id"] for t in tasks)
    assert record["missing"] == []
    assert record["waived"] == []
    assert "evaluated 35 tasks" in cli(
        "evaluate", *db, "--year", YEAR, "--as", roles.evaluator, "--rating", "hoan-thanh"
    )
    cli("close-cycle", *db, "--year", YEAR, "--as", roles.evaluator)

    final = cli.json("tasks", *db, "--year", YEAR)
    assert {t["state"] for t in final} == {"evaluated"}
    assert {t["rating"] for t in final} == {"hoan-thanh"}
    submitted = [e for e in cli.json("history", first["id"], *db) if e["trigger"] == "submit"]
    assert [e["payload"]["report"]["summary"] for e in submitted] == ["Báo cáo số 0", "Đã bổ sung"]
    cycle = [e["trigger"] for e in cli.json("history", f"cycle/{YEAR}", *db)]
    assert cycle == ["open_cycle", "consolidate_cycle", "close_cycle"]
    assert "intact" in cli("verify", *db)
    # The same record the library reads, nothing kept aside by the commands.
    with Engine.open(cli.db, read_only=True) as eng:
        assert [t.state for t in eng.tasks(year=int(YEAR))] == ["evaluated"] * 35
        assert eng.cycles()[0].closed_at is not None
    # A closed cycle refuses any change, with the reason.
    err = cli("fire", first["id"], "comment", *db, "--as", first["agency"], "--text", "x", status=1)
    assert "closed" in err


@pytest.mark.slow
def test_consolidation_with_reports_missing_names_them_and_how_to_waive(cli: Cli) -> None:
    roles = load_rules(RULES).roles
    db = ("--db", cli.db)
    cli("open-cycle", *db, "--year", YEAR)
    tasks = cli.json("tasks", *db, "--year", YEAR, "--agency", "so-yt")
    assert tasks
    assert {t["agency"] for t in tasks} == {"so-yt"}
    for task in tasks:
        cli("fire", task["id"], "submit", *db, "--as", "so-yt", "--summary", "Xong")
    err = cli("consolidate", *db, "--year", YEAR, "--as", roles.consolidator, status=1)
    assert "--waive so-tttt" in err
    assert "--waive so-yt" not in err
    assert "nothing was consolidated" in err
    assert {t["state"] for t in cli.json("tasks", *db, "--state", "consolidated")} == set()
    record = cli.json(
        "consolidate", *db, "--year", YEAR, "--as", roles.consolidator, "--waive-missing"
    )
    assert sorted(record["tasks"]) == sorted(t["id"] for t in tasks)
    assert "so-tttt" in record["waived"]
    assert "so-yt" not in record["waived"]


@pytest.mark.slow
def test_refusals_are_clear_recorded_and_change_nothing(cli: Cli) -> None:
    db = ("--db", cli.db)
    cli("open-cycle", *db, "--year", YEAR)
    task = cli.json("tasks", *db, "--agency", "so-yt")[0]
    err = cli("fire", task["id"], "start", *db, "--as", "so-tttt", status=1)
    assert "so-tttt" in err
    assert "may not" in err
    assert task["id"] in err
    assert cli.json("tasks", *db, "--agency", "so-yt")[0]["version"] == task["version"]
    assert cli.json("history", task["id"], *db)[-1]["outcome"] == "refused"
    err = cli("fire", "2024/no-such", "start", *db, "--as", "so-yt", status=1)
    assert "2024/no-such" in err
    err = cli("fire", task["id"], "submit", *db, "--as", "so-yt", "--indicator", "x", status=2)
    assert "NAME=VALUE" in err
    err = cli(
        "fire", task["id"], "submit", *db, "--as", "so-yt", "--summary", "a",
        "--indicator", "k=1", "--indicator", "k=2", status=2,
    )  # fmt: skip
    assert "k given more than once" in err
    err = cli(
        "fire", task["id"], "start", *db, "--as", "so-yt", "--expected-version", "7", status=1
    )
    assert "version" in err
    err = cli("evaluate", *db, "--year", YEAR, "--as", "ubnd-tinh", "--rating", "x", status=1)
    assert "consolidate first" in err
    err = cli("open-cycle", *db, "--year", "abc", status=2)
    assert "'abc' is not a year" in err
    assert "integer range" not in err
    err = cli("init", "--rules", str(RULES), *db, status=1)
    assert "exists" in err
    assert "left as it is" in err
    err = cli("history", "2024/none", *db, status=1)
    assert "2024/none" in err


def test_a_missing_database_points_to_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = Cli(capsys, tmp_path / "none.db")
    for command in (["tasks"], ["open-cycle", "--year", YEAR], ["history", "x"]):
        err = run(*command, "--db", run.db, status=1)
        assert f"plan161 init --rules RULES --db {run.db}" in err
    assert not Path(run.db).exists()


def test_init_leaves_nothing_behind_when_the_rules_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan: [\n", encoding="utf-8")
    run = Cli(capsys, tmp_path / "x.db")
    err = run("init", "--rules", str(bad), "--db", run.db, status=1)
    assert "bad.yaml" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


@pytest.mark.slow
def test_the_installed_command_runs_a_step_without_traceback(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    plan161 = [sys.executable, "-m", "plan161_workflow.cli"]
    done = subprocess.run(
        [*plan161, "init", "--rules", str(RULES), "--db", db], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert f"plan161 open-cycle --db {db} --year 2023" in done.stdout
    done = subprocess.run(
        [*plan161, "fire", "2023/I.1/so-yt", "start", "--db", db, "--as", "so-yt"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "2023/I.1/so-yt" in done.stderr
