"""Anchoring the head: ``plan161 head`` prints HEAD:COUNT to keep elsewhere; ``verify
--expect-head HEAD:COUNT`` (or ``--expect-count``) catches events cut from the end; the chain's
starting value is never a valid head. On each backend: a SQLite file and a PostgreSQL schema
(``--db URL``)."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from pathlib import Path

import psycopg
import pytest
from durable_kit import clock

from plan161_workflow import database_head
from plan161_workflow.cli import main
from plan161_workflow.engine import Engine
from plan161_workflow.errors import PayloadError, StoreError
from plan161_workflow.model.plan import Plan
from plan161_workflow.store.chain import GENESIS

TASK = "2024/II.1/so-tttt"


@pytest.fixture
def db(plan: Plan, file_db: str | Path) -> str | Path:
    """A database holding the Hà Tĩnh rules and the 2024 cycle (35 tasks, 36 events), on each
    backend (this module's ``db``)."""
    with Engine(plan, db=file_db, clock=clock()) as eng:
        eng.open_cycle(2024)
    return file_db


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out = capsys.readouterr()
    assert "internal error" not in out.err
    return status, out.out.strip(), out.err


def _anchor(db: str | Path, capsys: pytest.CaptureFixture[str]) -> str:
    status, out, _ = _run(capsys, "head", "--db", str(db))
    assert status == 0
    return out


def _refuse_last(db: str | Path) -> None:
    with Engine.open(db, clock=clock()) as eng, contextlib.suppress(Exception):
        eng.fire(TASK, "evaluate", actor="so-tttt", rating="hoan-thanh")  # a refused attempt


def _delete_last(db: str | Path) -> None:
    statement = "DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)"
    if isinstance(db, str):
        with psycopg.connect(db, autocommit=True) as pg:
            pg.execute(statement)
        return
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute(statement)


def test_head_prints_the_anchor_that_verify_takes_back(
    db: str | Path, capsys: pytest.CaptureFixture[str]
) -> None:
    anchor = _anchor(db, capsys)
    assert re.fullmatch(r"[0-9a-f]{64}:36", anchor)
    with Engine.open(db, read_only=True) as eng:
        assert str(eng.head()) == anchor == str(database_head(db))
        assert eng.head().head == eng.verify().head
    assert _run(capsys, "verify", "--db", str(db), "--expect-head", anchor)[0] == 0
    status, out, _ = _run(capsys, "head", "--db", str(db), "--json")
    assert status == 0
    document = json.loads(out)
    assert f"{document['head']}:{document['events']}" == anchor
    assert document["at"].startswith("2024-03-01T")


def test_events_appended_later_keep_the_anchor_valid(
    db: str | Path, capsys: pytest.CaptureFixture[str]
) -> None:
    anchor = _anchor(db, capsys)
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "start", actor="so-tttt")
    assert _run(capsys, "verify", "--db", str(db), "--expect-head", anchor)[0] == 0
    count = anchor.split(":")[1]
    assert _run(capsys, "verify", "--db", str(db), "--expect-count", count)[0] == 0


def test_a_refused_attempt_cut_from_the_end_is_caught_against_the_anchor(
    db: str | Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _refuse_last(db)
    anchor = _anchor(db, capsys)
    head, count = anchor.split(":")
    _delete_last(db)
    assert _run(capsys, "verify", "--db", str(db))[0] == 0  # the chain alone cannot tell
    for args in (
        ["--expect-head", anchor],
        ["--expect-count", count],
        ["--expect-head", head[:16], "--expect-count", count],
    ):
        status, out, _ = _run(capsys, "verify", "--db", str(db), *args)
        assert status == 1, args
        assert "events were removed from its end" in out


def test_a_rewritten_history_of_the_same_length_is_caught(
    db: str | Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _refuse_last(db)
    anchor = _anchor(db, capsys)
    _delete_last(db)  # and a different event in its place, with a right hash
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "comment", actor="so-tttt", text="khác")
    assert _run(capsys, "verify", "--db", str(db))[0] == 0
    status, out, _ = _run(capsys, "verify", "--db", str(db), "--expect-head", anchor)
    assert status == 1
    assert "history was rewritten" in out


@pytest.mark.parametrize("kept", ["0" * 16, "0" * 64, "0" * 64 + ":1", "0" * 20])
def test_the_starting_value_is_never_a_valid_head(
    db: str | Path, capsys: pytest.CaptureFixture[str], kept: str
) -> None:
    status, out, err = _run(capsys, "verify", "--db", str(db), "--expect-head", kept)
    assert status == 2
    assert "starting value" in err
    assert "intact" not in out
    with Engine.open(db, read_only=True) as eng, pytest.raises(PayloadError):
        eng.verify(expect_head=kept)


@pytest.mark.parametrize(
    "kept", ["ab" * 8 + ":0", "ab" * 8 + ":x", "ab" * 8 + ":", "ab" * 8 + ":-1"]
)
def test_a_malformed_count_is_a_usage_error(
    db: str | Path, capsys: pytest.CaptureFixture[str], kept: str
) -> None:
    status, _out, err = _run(capsys, "verify", "--db", str(db), "--expect-head", kept)
    assert status == 2
    assert "number of events" in err


def test_two_different_counts_are_refused(db: str | Path) -> None:
    with Engine.open(db, read_only=True) as eng, pytest.raises(PayloadError, match="one count"):
        eng.verify(expect_head="ab" * 8 + ":3", expect_count=4)


def test_a_database_without_events_has_no_head(
    file_db: str | Path, plan: Plan, capsys: pytest.CaptureFixture[str]
) -> None:
    db = file_db
    Engine(plan, db=db, clock=clock()).close()
    status, _out, err = _run(capsys, "head", "--db", str(db))
    assert status == 1
    assert "no events yet" in err
    assert GENESIS not in err
    with pytest.raises(StoreError, match="no events yet"):
        database_head(db)


def test_head_of_a_file_that_is_not_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "x.db"
    other.write_text("hello")
    status, _out, err = _run(capsys, "head", "--db", str(other))
    assert status == 1
    assert "NOT A PLAN161 DATABASE" in err


def test_a_postgresql_schema_without_plan161_tables_is_not_a_plan161_database(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _err = _run(capsys, "verify", "--db", pg_url)
    assert status == 4
    assert out.startswith("NOT A PLAN161 DATABASE: ")
    status, _out, err = _run(capsys, "head", "--db", pg_url)
    assert status == 1
    assert "NOT A PLAN161 DATABASE" in err


def test_a_postgresql_server_that_cannot_be_reached_gives_no_verdict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2"
    status, out, err = _run(capsys, "verify", "--db", url)
    assert status == 5
    assert out == ""
    assert "cannot connect" in err
    with pytest.raises(StoreError, match="cannot connect"):
        database_head(url)
