"""Backups: a consistent copy taken while writers run (SQLite's online backup API) verifies."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from durable_kit import check_whole, go, results, start_writers

from plan161_workflow.cli import main
from plan161_workflow.engine import Engine


@pytest.mark.slow
def test_a_backup_taken_while_two_writers_run_verifies(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    procs = start_writers(db, 2, seconds=3.0)
    copies = []
    with Engine.open(db) as eng:
        go(procs)
        time.sleep(0.3)
        for i in range(3):
            copies.append(tmp_path / f"copy-{i}.db")
            eng.backup(copies[-1])
            time.sleep(0.2)
        copies.append(tmp_path / "copy-cli.db")
        assert main(["backup", "--db", str(db), "--to", str(copies[-1])]) == 0
        assert capsys.readouterr().out.startswith(f"backup written to {copies[-1]}: intact: ")
        running = [p.poll() is None for p in procs]
    tallies = results(procs)
    assert all(running)  # the copies were taken while both writers wrote
    assert sum(t.get("applied", 0) + t.get("refused", 0) for t in tallies) > 50

    sizes = [check_whole(copy)["events"] for copy in copies]  # each verifies, whole changes only
    assert sizes == sorted(sizes)
    assert sizes[0] > 36  # taken after the writers had begun
    assert check_whole(db)["events"] > sizes[-1]  # and before they ended
    with Engine.open(db) as eng, Engine.open(copies[-1]) as copy:
        assert copy.rules_hash == eng.rules_hash  # a whole database: it reopens with its rules
        assert copy.changes(limit=10**6) == eng.changes(limit=len(copy.changes(limit=10**6)))


def test_the_cli_refuses_to_overwrite_an_existing_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "existing.db"
    target.write_bytes(b"keep me")
    assert main(["backup", "--db", str(db), "--to", str(target)]) == 1
    assert "exists" in capsys.readouterr().err
    assert target.read_bytes() == b"keep me"
