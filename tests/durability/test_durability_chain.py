"""Tamper-evident history: ``engine.verify()`` and ``plan161 verify`` catch rows changed, inserted
or removed with plain sqlite3, and tasks whose stored state disagrees with their history."""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from durable_kit import clock

from plan161_workflow.cli import main
from plan161_workflow.engine import Engine
from plan161_workflow.store.chain import GENESIS, event_hash
from plan161_workflow.store.repo import EVENT_COLUMNS

CONSOLIDATOR = "so-ldtbxh"
TASK = "2024/II.1/so-tttt"
OTHER = "2024/II.1/so-gddt"


@pytest.fixture
def history(db: Path) -> Path:
    """The 2024 database with a history: changes, refusals, a closed 2023 cycle."""
    with Engine.open(db, clock=clock()) as eng:
        for tid in (TASK, OTHER):
            agency = tid.rsplit("/", 1)[1]
            eng.fire(tid, "start", actor=agency)
            eng.fire(tid, "submit", actor=agency, report={"summary": "Đã tổ chức 3 hội nghị"})
            eng.fire(tid, "send_back", actor=CONSOLIDATOR, reason="bổ sung số liệu")
            with contextlib.suppress(Exception):
                eng.fire(tid, "evaluate", actor=agency, rating="hoan-thanh")  # refused
        eng.open_cycle(2023)
        eng.close_cycle(2023, actor=CONSOLIDATOR)
        eng.fire(TASK, "submit", actor="so-tttt", report={"summary": "Bổ sung"})
    return db


def _verify(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["verify", "--db", str(db), *args])
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert len(lines) == 1, out  # one line, intact or not
    return status, lines[0]


def _sql(db: Path, *statements: str, params: tuple[object, ...] = ()) -> None:
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        for statement in statements:
            conn.execute(statement, params if "?" in statement else ())


def _seq(db: Path, where: str) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute(f"SELECT min(seq) FROM events WHERE {where}").fetchone()[0])


def test_an_intact_history_verifies(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, line = _verify(history, capsys)
    assert status == 0
    assert line.startswith("intact: ")
    with Engine.open(history) as eng:
        report = eng.verify()
    assert report.ok
    assert f"{report.events} events" in line
    assert f"{report.tasks} tasks" in line
    assert main(["verify", "--db", str(history), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def _payload(db: Path) -> tuple[int, str]:
    seq = _seq(db, "trigger = 'send_back'")
    _sql(db, f'UPDATE events SET payload = \'{{"reason":"đã đủ"}}\' WHERE seq = {seq}')
    return seq, "changed or inserted"


def _actor(db: Path) -> tuple[int, str]:
    seq = _seq(db, "trigger = 'send_back'")
    _sql(db, f"UPDATE events SET actor = 'ubnd-tinh' WHERE seq = {seq}")
    return seq, "changed or inserted"


def _time(db: Path) -> tuple[int, str]:
    seq = _seq(db, "trigger = 'submit'")
    _sql(db, f"UPDATE events SET at = '2024-01-01T08:00:00+07:00' WHERE seq = {seq}")
    return seq, "changed or inserted"


def _outcome(db: Path) -> tuple[int, str]:  # a refusal made to look applied
    seq = _seq(db, "outcome = 'refused'")
    _sql(db, f"UPDATE events SET outcome = 'applied' WHERE seq = {seq}")
    return seq, "changed or inserted"


def _delete_middle(db: Path) -> tuple[int, str]:
    seq = _seq(db, "trigger = 'send_back'")
    _sql(db, f"DELETE FROM events WHERE seq = {seq}")
    return seq, "removed"


def _insert_end(db: Path) -> tuple[int, str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        (last,) = conn.execute("SELECT max(seq) FROM events").fetchone()
    forged = (
        last + 1,
        TASK,
        "evaluate",
        "reported",
        "evaluated",
        "ubnd-tinh",
        "2024-12-01T08:00:00+07:00",
        "applied",
        '{"rating":"hoan-thanh-xuat-sac"}',
        99,
        None,
        secrets.token_hex(32),  # a random hash
    )
    _sql(
        db,
        f"INSERT INTO events({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * 12)})",
        params=forged,
    )
    return last + 1, "changed or inserted"


def _insert_first(db: Path) -> tuple[int, str]:
    row = (
        0,
        OTHER,
        "comment",
        "assigned",
        "assigned",
        "ubnd-tinh",
        "2024-01-01T08:00:00+07:00",
        "applied",
        '{"text":"x"}',
        None,
        None,
        secrets.token_hex(32),
    )
    _sql(
        db,
        f"INSERT INTO events({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * 12)})",
        params=row,
    )
    return 0, "inserted"


@pytest.mark.parametrize(
    "tamper",
    [_payload, _actor, _time, _outcome, _delete_middle, _insert_end, _insert_first],
    ids=["payload", "actor", "time", "outcome", "delete-middle", "insert-end", "insert-first"],
)
def test_an_event_changed_inserted_or_removed_is_named(
    history: Path,
    capsys: pytest.CaptureFixture[str],
    tamper: Callable[[Path], tuple[int, str]],
) -> None:
    seq, what = tamper(history)
    status, line = _verify(history, capsys)
    assert status == 1
    assert line.startswith(f"TAMPERED: event {seq}: {what}")
    with Engine.open(history) as eng:
        report = eng.verify()
    assert not report.ok
    assert report.first_bad_event == seq


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            f"UPDATE tasks SET state = 'evaluated' WHERE id = '{TASK}'",
            f"task {TASK}: state stored 'evaluated' vs replayed 'reported'",
        ),
        (
            f"UPDATE tasks SET rating = 'hoan-thanh-xuat-sac' WHERE id = '{TASK}'",
            f"task {TASK}: rating stored 'hoan-thanh-xuat-sac' vs replayed None",
        ),
        (
            f"UPDATE tasks SET agency = 'so-tc', version = version + 1 WHERE id = '{OTHER}'",
            f"task {OTHER}: version stored 5 vs replayed 4, agency stored 'so-tc'",
        ),
        (
            f"UPDATE tasks SET report = '{{\"summary\":\"x\"}}' WHERE id = '{TASK}'",
            f"task {TASK}: report differs from its history",
        ),
        (
            f"UPDATE tasks SET due = '2099-12-31' WHERE id = '{TASK}'",
            f"task {TASK}: due stored '2099-12-31' vs replayed '2024-11-30'",
        ),
        (f"DELETE FROM tasks WHERE id = '{OTHER}'", f"task {OTHER}: has history but no row"),
        (
            "UPDATE cycles SET closed_at = NULL WHERE year = 2023",
            "cycle 2023: closed_at None disagrees with its history",
        ),
        (
            "UPDATE rules SET plan = replace(plan, 'Hà Tĩnh', 'Hà Nội')",
            ": the stored plan does not match its hash",
        ),
    ],
    ids=["state", "rating", "agency", "report", "due", "task-deleted", "cycle-reopened", "rules"],
)
def test_a_row_that_disagrees_with_its_history_is_named(
    history: Path, capsys: pytest.CaptureFixture[str], statement: str, expected: str
) -> None:
    _sql(history, statement)
    status, line = _verify(history, capsys)
    assert status == 1
    assert line.startswith("TAMPERED: ")
    assert "event" not in line.split(";")[0]  # the chain itself is intact
    assert expected in line


def test_a_rewritten_history_is_caught_only_against_a_head_kept_elsewhere(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Engine.open(history, clock=clock()) as eng:
        head = eng.verify().head
        # Changes made the normal way after the head was kept elsewhere leave it valid.
        eng.fire(OTHER, "comment", actor="so-gddt", text="thêm")
        assert eng.verify(expect_head=head).ok
        assert eng.verify().head != head
    assert _verify(history, capsys, "--expect-head", head)[0] == 0
    status, line = _verify(history, capsys, "--expect-head", "ef" * 32)  # not from this chain
    assert status == 1
    assert "history was rewritten" in line
    # Forge an event and recompute every hash after it: the chain alone cannot tell, the head
    # kept elsewhere can.
    seq = _seq(history, "trigger = 'send_back'")
    with contextlib.closing(sqlite3.connect(history, isolation_level=None)) as conn:
        conn.execute(f"UPDATE events SET actor = 'ubnd-tinh' WHERE seq = {seq}")
        rows = conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY seq")
        previous = GENESIS
        for row in rows.fetchall():
            event = dict(zip(EVENT_COLUMNS, row, strict=True))
            digest = event_hash(previous, event)
            conn.execute("UPDATE events SET hash = ? WHERE seq = ?", (digest, event["seq"]))
            previous = digest
    assert _verify(history, capsys)[0] == 0
    status, line = _verify(history, capsys, "--expect-head", head)
    assert status == 1
    assert "history was rewritten" in line
    assert _verify(history, capsys, "--expect-head", previous)[0] == 0
