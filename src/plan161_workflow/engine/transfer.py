"""Moving a database between backends: ``copy_database`` (``plan161 copy``)."""

from __future__ import annotations

import os

from plan161_workflow import inputs
from plan161_workflow.store.copy import CopyReport, copy_store, open_store
from plan161_workflow.store.postgres import redact

__all__ = ["CopyReport", "copy_database", "redact"]


def copy_database(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> CopyReport:
    """Copy the plan161 database ``source`` into ``target``, each a SQLite file path or a
    PostgreSQL URL (``postgresql://...``), either way.

    The source is read as one snapshot (writers may go on) and never written; the target, a new
    file or an empty database or schema, gets every row in one transaction, then must verify
    intact with the source's head (``CopyReport.head``), or nothing is kept.

    Raises:
        StoreError: the source is not a plan161 database, the target holds one already, a write
            failed, or the copy does not verify.
        PayloadError: ``source`` or ``target`` is not a path or URL.
    """
    source = inputs.path(source, "source")
    target = inputs.path(target, "target")
    created = not str(target).startswith(("postgresql://", "postgres://")) and not os.path.exists(
        target
    )
    src = open_store(source, create=False, read_only=True)
    try:
        dest = open_store(target)
        try:
            return copy_store(src, dest)
        finally:
            dest.close()
    except BaseException:
        if created:  # a new file that did not receive a whole, verified copy is not kept
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(f"{os.fspath(target)}{suffix}"):
                    os.remove(f"{os.fspath(target)}{suffix}")
        raise
    finally:
        src.close()
