"""The integration feed: ``engine.changes(after, limit)`` and ``plan161 changes --json`` give every
committed change once, in commit order, as documented JSON (docs/change-feed.schema.json)."""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
from durable_kit import Writer, clock

from plan161_workflow.cli import main
from plan161_workflow.engine import Engine
from plan161_workflow.errors import PayloadError, WorkflowError
from plan161_workflow.store.feed import Change

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "change-feed.schema.json"
CONSOLIDATOR = "so-ldtbxh"


@pytest.fixture(scope="module")
def feed_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.fixture
def busy(db: Path) -> Path:
    """The 2024 database after every kind of change: random fires (refusals among them),
    reassignments, a bulk consolidation, evaluations, another cycle opened and closed."""
    with Engine.open(db, clock=clock()) as eng:
        writer = Writer(eng, seed=7)
        for _ in range(300):
            writer.step()
        for t in eng.tasks(year=2024, state="in_progress"):
            eng.fire(t.id, "submit", actor=t.agency, report={"summary": "Báo cáo"})
        missing = {t.agency for t in eng.tasks(year=2024) if t.state in ("assigned",)}
        eng.consolidate(2024, actor=CONSOLIDATOR, waive=missing)
        rng = random.Random(1)
        for t in eng.tasks(year=2024, state="consolidated"):
            eng.fire(t.id, "evaluate", actor="ubnd-tinh", rating=rng.choice(eng.book.ratings))
        eng.open_cycle(2023)
        eng.close_cycle(2023, actor=CONSOLIDATOR)
        with contextlib.suppress(WorkflowError):
            eng.fire("2023/II.1/so-tttt", "start", actor="so-tttt")  # refused: closed
    return db


def _unstructured(changes: list[Change]) -> list[dict[str, Any]]:
    return [c.to_json() for c in changes]


def test_every_entry_matches_the_documented_schema(
    busy: Path, feed_validator: jsonschema.Draft202012Validator
) -> None:
    with Engine.open(busy) as eng:
        entries = _unstructured(eng.changes(limit=100_000))
    triggers = {e["trigger"] for e in entries}
    assert triggers >= {
        "open_cycle",
        "create",
        "start",
        "submit",
        "send_back",
        "consolidate",
        "consolidate_cycle",
        "evaluate",
        "comment",
        "contribute",
        "reassign",
        "close_cycle",
    }
    for entry in entries:
        errors = [e.message for e in feed_validator.iter_errors(entry)]
        assert errors == [], (entry, errors)
        assert entry == json.loads(json.dumps(entry))  # plain JSON values only
    assert list(feed_validator.iter_errors({**entries[-1], "extra": 1}))  # closed: no other keys
    assert list(feed_validator.iter_errors({**entries[-1], "seq": "12"}))
    # The schema names exactly the fields of Change (a new field needs a new schema).
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert set(schema["properties"]) == set(schema["required"])
    assert set(schema["properties"]) == {f.name for f in attrs.fields(Change)}


def test_the_feed_lists_every_applied_change_once_in_commit_order(busy: Path) -> None:
    with Engine.open(busy) as eng:
        everything = eng.changes(limit=100_000)
        seqs = [c.seq for c in everything]
        assert seqs == sorted(set(seqs))  # strictly increasing
        with contextlib.closing(sqlite3.connect(busy)) as conn:
            rows = conn.execute("SELECT seq, outcome FROM events ORDER BY seq").fetchall()
        applied = [seq for seq, outcome in rows if outcome == "applied"]
        refused = len(rows) - len(applied)
        assert seqs == applied
        assert refused > 0  # refusals are history, not changes

        # Polling page by page from any cursor gives the same entries, none missed or repeated.
        for limit in (1, 7, 100):
            cursor, polled = 0, []
            while page := eng.changes(after=cursor, limit=limit):
                assert len(page) <= limit
                polled += page
                cursor = page[-1].seq
            assert polled == everything
        middle = everything[len(everything) // 2].seq
        assert eng.changes(after=middle, limit=100_000) == [c for c in everything if c.seq > middle]
        assert eng.changes(after=seqs[-1]) == []
        assert len(eng.changes()) == min(100, len(everything))  # the default limit
        for bad in ({"limit": 0}, {"limit": 2**64}, {"after": 10**20}, {"after": -1}):
            with pytest.raises(PayloadError, match=next(iter(bad))):
                eng.changes(**bad)

        # A change made after the last poll is the next thing the poller gets.
        eng.open_cycle(2025)
        done = eng.fire("2025/II.1/so-tttt", "comment", actor="so-tttt", text="mới")
        *created, new = eng.changes(after=seqs[-1], limit=1000)
        assert [c.trigger for c in created[:2]] == ["open_cycle", "create"]
        assert (new.task_id, new.version, new.trigger) == (done.id, done.version, "comment")


def test_the_cli_prints_the_same_entries_one_json_object_per_line(
    busy: Path, capsys: pytest.CaptureFixture[str], feed_validator: jsonschema.Draft202012Validator
) -> None:
    with Engine.open(busy) as eng:
        expected = _unstructured(eng.changes(after=40, limit=25))
    assert main(["changes", "--db", str(busy), "--after", "40", "--limit", "25", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 25
    assert [json.loads(line) for line in lines] == expected
    for line in lines:
        assert list(feed_validator.iter_errors(json.loads(line))) == []
    # Resume from the last cursor printed.
    last = json.loads(lines[-1])["seq"]
    assert main(["changes", "--db", str(busy), "--after", str(last), "--json"]) == 0
    rest = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rest
    assert rest[0]["seq"] > last
    # Without --json: one readable line per change.
    assert main(["changes", "--db", str(busy), "--limit", "3"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
