"""API tokens: the CLI prints one once, stores only its hash, lists and revokes; a version-2
database (the previous release) migrates to the tokens table."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from plan161_workflow import Engine, NotFound, Plan
from plan161_workflow.cli import cli
from plan161_workflow.clock import FakeClock
from plan161_workflow.store import schema


def make_db(plan: Plan, path: Path) -> Path:
    Engine(plan, db=path, clock=FakeClock(dt.date(2024, 3, 1))).close()
    return path


def test_tokens_create_prints_the_token_alone_last_and_stores_its_hash(
    plan: Plan, tmp_path: Path
) -> None:
    db = str(make_db(plan, tmp_path / "t.db"))
    run = CliRunner().invoke(cli, ["tokens", "create", "--db", db, "--agency", "so-tttt"])
    assert run.exit_code == 0, run.output
    token = run.output.strip().splitlines()[-1]
    assert token.startswith("p161_")
    assert " " not in token
    assert len(token) > 40
    with contextlib.closing(sqlite3.connect(db)) as conn:
        dump = "\n".join(conn.iterdump())
    assert token not in dump
    assert hashlib.sha256(token.encode()).hexdigest() in dump
    with Engine.open(db) as eng:
        info = eng.token_info(token)
        assert info is not None
        assert (info.agency, info.read_only) == ("so-tttt", False)
        assert eng.token_info(token + "x") is None
    listed = CliRunner().invoke(cli, ["tokens", "list", "--db", db])
    assert info.id in listed.output
    assert "so-tttt" in listed.output
    assert token not in listed.output
    revoked = CliRunner().invoke(cli, ["tokens", "revoke", "--db", db, info.id])
    assert revoked.exit_code == 0, revoked.output
    with Engine.open(db) as eng:
        assert eng.token_info(token) is None
        assert eng.tokens()[0].revoked_at is not None


def test_read_only_tokens_and_refused_agencies(plan: Plan, tmp_path: Path) -> None:
    db = str(make_db(plan, tmp_path / "t.db"))
    run = CliRunner().invoke(
        cli, ["tokens", "create", "--db", db, "--agency", "so-tttt", "--read-only"]
    )
    with Engine.open(db) as eng:
        info = eng.token_info(run.output.strip().splitlines()[-1])
        assert info is not None
        assert info.read_only
        with pytest.raises(NotFound, match="so-ttt"):
            eng.create_token("so-ttt")
        with pytest.raises(NotFound, match="token"):
            eng.revoke_token("00000000")
    bad = CliRunner().invoke(cli, ["tokens", "create", "--db", db, "--agency", "so-ttt"])
    assert bad.exit_code != 0


def test_a_version_2_database_migrates_to_tokens(plan: Plan, tmp_path: Path) -> None:
    db = make_db(plan, tmp_path / "v2.db")
    with Engine(plan, db=db, clock=FakeClock(dt.date(2024, 3, 1))) as eng:
        task = eng.open_cycle(2024)[0]
        eng.fire(task.id, "start", actor=task.agency)
        head = eng.verify().head
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("DROP TABLE tokens")  # what the release before tokens (version 2) wrote
        for table in ("tasks", "consolidations"):  # nor periods (version 4)
            conn.execute(f"DROP INDEX {table}_period")
            conn.execute(f"ALTER TABLE {table} DROP COLUMN period")
        conn.execute("PRAGMA user_version = 2")
    with Engine.open(db) as eng:
        assert eng.verify().ok
        assert eng.verify().head == head
        _, token = eng.create_token("so-tttt")
        assert eng.token_info(token) is not None
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION == 4
