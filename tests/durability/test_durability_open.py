"""Opening a database: only ``Engine(plan, db=...)`` creates one; ``Engine.open`` refuses a missing
or empty file and leaves it as it is; the commands that only read never write to the file, and
a database in a folder this user may not write is read, or refused with a message naming the
folder."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from durable_kit import clock, downgrade_to_v1, files_in

from plan161_workflow.cli import main
from plan161_workflow.engine import Engine
from plan161_workflow.errors import StoreError
from plan161_workflow.model.plan import Plan
from plan161_workflow.store import schema

ROOT = Path(__file__).resolve().parents[2]
AMENDED = ROOT / "rules" / "ha-tinh-161-sap-xep-2025.yaml"
TASK = "2024/II.1/so-tttt"

READERS: list[list[str]] = [
    ["status", "--year", "2024", "--as-of", "2024-12-05"],
    ["status", "--year", "2024", "--as-of", "2024-12-05", "--json"],
    ["verify"],
    ["report", "--year", "2024", "--format", "md", "-o", "-"],
    ["changes", "--limit", "3"],
    ["notices", "--as-of", "2024-11-23"],
    ["amend", "--dry-run", "--rules", str(AMENDED), "--as-of", "2024-12-01"],
]
"""Commands that only read, with the arguments they need (``backup`` is tested apart)."""
NAMES = ["status", "status-json", "verify", "report", "changes", "notices", "amend-dry-run"]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.mark.parametrize("command", READERS, ids=NAMES)
def test_a_reading_command_refuses_an_empty_file_and_leaves_it_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    empty = tmp_path / "e.db"
    empty.touch()
    status, out, err = _run(capsys, *command, "--db", str(empty))
    if command == ["verify"]:  # a verdict on any file (test_durability_verdict.py)
        assert (status, out) == (4, f"NOT A PLAN161 DATABASE: {empty} is empty (0 bytes)\n")
        assert files_in(tmp_path) == {"e.db": hashlib.sha256(b"").hexdigest()}
        return
    assert status == 1
    assert err.startswith("error: ")
    assert "is empty" in err
    assert f"plan161 init --rules RULES --db {empty}" in err  # how to create one, for a CLI user
    assert "Engine(" not in err
    assert "Traceback" not in err
    assert files_in(tmp_path) == {"e.db": hashlib.sha256(b"").hexdigest()}  # no tables, no WAL


@pytest.fixture
def old_db(db: Path) -> Path:
    """A version-1 database with a history to read: a report, a send back."""
    with Engine.open(db, clock=clock()) as eng:
        eng.fire(TASK, "submit", actor="so-tttt", report={"summary": "Đã tổ chức"})
        eng.fire(TASK, "send_back", actor="so-ldtbxh", reason="bổ sung")
    downgrade_to_v1(db)
    return db


@pytest.mark.parametrize("command", READERS, ids=NAMES)
def test_a_reading_command_writes_nothing(
    old_db: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    before = files_in(old_db.parent)
    status, out, err = _run(capsys, *command, "--db", str(old_db))
    assert status == 0, err
    assert out
    assert files_in(old_db.parent) == before  # not migrated, no -wal or -shm left beside it


def test_backup_reads_the_database_and_the_copy_without_writing_them(
    old_db: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files_in(old_db.parent)
    target = tmp_path_factory.mktemp("copies") / "copy.db"
    status, out, err = _run(capsys, "backup", "--db", str(old_db), "--to", str(target))
    assert status == 0, err
    assert "intact" in out
    assert files_in(old_db.parent) == before
    assert sorted(files_in(target.parent)) == ["copy.db"]
    with contextlib.closing(sqlite3.connect(target)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1  # the copy, as it was


def test_engine_open_never_creates_a_database(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    empty = tmp_path / "empty.db"
    empty.touch()
    header_only = tmp_path / "header-only.db"  # a SQLite file without a table
    with contextlib.closing(sqlite3.connect(header_only)) as conn:
        conn.execute("VACUUM")
    before = files_in(tmp_path)
    for path, says in (
        (missing, "does not exist"),
        (empty, "is empty"),
        (header_only, "an empty SQLite database"),
    ):
        for read_only in (False, True):
            with pytest.raises(StoreError, match=says) as caught:
                Engine.open(path, read_only=read_only)
            assert str(path) in str(caught.value)
    assert files_in(tmp_path) == before


def test_engine_creates_a_database_in_an_empty_file(tmp_path: Path, plan: Plan) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    with Engine(plan, db=empty, clock=clock()) as eng:
        assert len(eng.open_cycle(2024)) == 35
    with Engine.open(empty, read_only=True) as eng:
        assert len(eng.tasks(year=2024)) == 35


def test_a_read_only_engine_refuses_to_write_and_leaves_the_file_as_it_was(db: Path) -> None:
    before = files_in(db.parent)
    with Engine.open(db, clock=clock(), read_only=True) as eng:
        assert eng.verify().ok
        with pytest.raises(StoreError, match="opened read-only"):
            eng.fire(TASK, "start", actor="so-tttt")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            eng.store.conn.execute("DELETE FROM events")  # SQLite itself refuses a write
    assert files_in(db.parent) == before


def test_a_read_only_engine_reads_an_older_schema_without_migrating_it(old_db: Path) -> None:
    before = files_in(old_db.parent)
    with Engine.open(old_db, read_only=True) as eng:
        assert eng.verify().ok
        assert len(eng.tasks(year=2024)) == 35
    assert files_in(old_db.parent) == before  # still version 1
    with Engine.open(old_db) as eng:  # opened to write, it is migrated
        assert eng.verify().ok
    with contextlib.closing(sqlite3.connect(old_db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION


def test_replacing_an_empty_file_creates_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "e.db"
    empty.touch()
    schema.remove_database(empty)  # an empty file holds nothing to lose
    assert not empty.exists()
    other = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE foo (bar TEXT)")
    before = files_in(tmp_path)
    with pytest.raises(StoreError, match="not a plan161 database; it was left alone"):
        schema.remove_database(other)
    assert files_in(tmp_path) == before


def test_a_backup_into_a_missing_folder_says_so(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "copy.db"
    with Engine.open(db, read_only=True) as eng, pytest.raises(StoreError) as caught:
        eng.backup(target)
    assert f"the folder {target.parent} does not exist" in str(caught.value)
    assert not target.parent.exists()


# -- a folder this user may not write ---------------------------------------------------------

needs_permissions = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root writes any folder: file permissions cannot make one read-only",
)


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    mode = folder.stat().st_mode
    folder.chmod(0o555)
    try:
        yield
    finally:
        folder.chmod(mode)


@needs_permissions
@pytest.mark.parametrize("command", READERS, ids=NAMES)
def test_in_a_read_only_folder_a_reading_command_says_the_folder_must_be_writable(
    db: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    before = files_in(db.parent)
    with _read_only(db.parent):
        status, _out, err = _run(capsys, *command, "--db", str(db))
    assert status == (5 if command == ["verify"] else 1)  # verify: no verdict on the file
    assert err.startswith("error: cannot read ")
    assert f"the folder {db.parent} is not writable" in err
    assert "Traceback" not in err
    assert "unable to open database file" not in err
    assert files_in(db.parent) == before


@needs_permissions
@pytest.mark.parametrize("command", READERS, ids=NAMES)
def test_in_a_read_only_folder_a_database_in_use_can_be_read(
    db: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    with contextlib.closing(sqlite3.connect(db)) as writer:
        writer.execute("SELECT count(*) FROM events").fetchone()  # its -wal and -shm exist
        with _read_only(db.parent):
            status, out, err = _run(capsys, *command, "--db", str(db))
    assert status == 0, err
    assert out


@needs_permissions
@pytest.mark.parametrize("command", READERS, ids=NAMES)
def test_a_reader_without_write_access_changes_nothing_and_the_next_writer_is_told_why(
    db: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """A user who may not write the file reads it (``mode=ro``) without changing it. SQLite
    leaves its -wal/-shm beside it, as unwritable as the file was: the owner's next write says
    which files block it and what to do, instead of blaming a lock."""
    data = hashlib.sha256(db.read_bytes()).hexdigest()
    db.chmod(0o444)
    try:
        status, out, err = _run(capsys, *command, "--db", str(db))
    finally:
        db.chmod(0o644)
    assert status == 0, err
    assert out
    assert hashlib.sha256(db.read_bytes()).hexdigest() == data
    if not Path(f"{db}-shm").exists() or os.access(f"{db}-shm", os.W_OK):
        return  # nothing left in the way
    with Engine.open(db, clock=clock()) as eng, pytest.raises(StoreError) as caught:
        eng.fire(TASK, "comment", actor="so-tttt", text="sau khi đọc")
    assert "not writable by this user" in str(caught.value)
    assert "remove the -wal and -shm files" in str(caught.value)


@needs_permissions
def test_replacing_a_database_in_a_read_only_folder_is_refused_and_leaves_it(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files_in(db.parent)
    with _read_only(db.parent):
        status, _out, err = _run(
            capsys, "simulate", str(AMENDED), "--db", str(db), "--years", "2023", "--replace"
        )
    assert status == 1
    assert f"the folder {db.parent} is not writable" in err
    assert "is not a plan161 database" not in err
    assert files_in(db.parent) == before


@pytest.mark.slow
@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="only root skips the tests above, and only setpriv can drop its privileges here",
)
def test_as_nobody_the_folder_permission_tests_pass() -> None:
    """Run as root (as CI is), the permission tests above would never run: run them again as
    the user ``nobody``, for whom a folder's permissions hold."""
    nobody = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
    probe = [*nobody, sys.executable, "-c", f"open({__file__!r}); import plan161_workflow"]
    if subprocess.run(probe, capture_output=True, cwd=tempfile.gettempdir()).returncode:
        pytest.skip("nobody cannot read this checkout or its Python")
    done = subprocess.run(
        [
            *nobody,
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *("--rootdir", str(Path(__file__).parents[2]), __file__),
            *(
                "-k",
                "read_only_folder or replacing_a_database_in_a_read_only or without_write_access",
            ),
        ],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert " passed" in summary
    assert "skipped" not in summary
    assert "failed" not in summary
