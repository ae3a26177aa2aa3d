"""``load_rules``: a rules file in, a validated ``Plan`` out, or one ``RulesError`` listing every
problem with file, line, column and path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path as FsPath
from typing import Any

import attrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)

from plan161_workflow.errors import Problem, RulesError
from plan161_workflow.model.plan import Plan
from plan161_workflow.rules.checks import check_plan, suggest
from plan161_workflow.rules.convert import CONVERTER, field_names
from plan161_workflow.rules.source import Document, Path, SourceError, format_path, read_document
from plan161_workflow.workflow.definition import DEFAULT_WORKFLOW

MAX_BYTES = 5_000_000
"""A rules file larger than this is refused before parsing."""


def load_rules(path: str | os.PathLike[str]) -> Plan:
    """Read, validate and return the plan in a rules file.

    Raises:
        RulesError: the file cannot be read, or holds one or more problems (all are listed).
    """
    name = os.fspath(path)
    try:
        raw = FsPath(name).read_bytes()[: MAX_BYTES + 1]
    except OSError as exc:
        raise RulesError(
            [Problem(name, 0, 0, "", f"cannot read the file: {exc.strerror}")]
        ) from exc
    if len(raw) > MAX_BYTES:
        raise RulesError([Problem(name, 0, 0, "", f"the file is larger than {MAX_BYTES} bytes")])
    return parse_rules(raw, name)


def parse_rules(raw: bytes | str, name: str = "<rules>") -> Plan:
    """Validate rules given as bytes or text; ``name`` is used in messages.

    Raises:
        RulesError: one or more problems (all are listed).
    """
    text = _decode(raw, name) if isinstance(raw, bytes) else raw
    try:
        doc = read_document(text)
    except SourceError as exc:
        raise RulesError(
            Problem(name, i.line, i.column, format_path(i.path), i.message) for i in exc.issues
        ) from exc
    return plan_from_document(doc, name)


def plan_from_document(doc: Document, name: str) -> Plan:
    """Structure and check an already-read document.

    Raises:
        RulesError: one or more problems (all are listed).
    """
    if not isinstance(doc.data, dict):
        raise RulesError(
            [
                Problem(
                    name,
                    1,
                    1,
                    "",
                    "expected a mapping of sections "
                    f"({', '.join(field_names(Plan))}) at the top of the file",
                )
            ]
        )
    data: dict[str, Any] = dict(doc.data)
    data.setdefault("workflow", CONVERTER.unstructure(DEFAULT_WORKFLOW))
    try:
        plan = CONVERTER.structure(data, Plan)
    except (ClassValidationError, IterableValidationError, ForbiddenExtraKeysError) as exc:
        raise RulesError(_problems(exc, (), doc, name)) from exc
    found = check_plan(plan)
    if found:
        raise RulesError(_at(doc, name, path, msg) for path, msg in found)
    return plan


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise RulesError(
            [
                Problem(
                    name,
                    line,
                    column,
                    "",
                    f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                )
            ]
        ) from exc


def _at(doc: Document, name: str, path: Path, message: str, *, key: bool = False) -> Problem:
    line, column = doc.position(path, key=key)
    return Problem(name, line, column, format_path(path), message)


def _note_step(exc: BaseException, cls: type | None) -> str | int | None:
    for note in getattr(exc, "__notes__", ()):
        if isinstance(note, AttributeValidationNote):
            return "plan" if (cls is Plan and note.name == "info") else note.name
        if isinstance(note, IterableValidationNote):
            return int(note.index)
    return None


def _problems(exc: BaseException, path: Path, doc: Document, name: str) -> Iterator[Problem]:
    if isinstance(exc, ForbiddenExtraKeysError):
        known = field_names(exc.cl)
        for key in sorted(exc.extra_fields):
            hint = suggest(key, known) or f"; expected keys: {', '.join(known)}"
            yield _at(doc, name, (*path, key), f"unknown key {key!r}{hint}", key=True)
        return
    if isinstance(exc, ClassValidationError | IterableValidationError):
        cls = getattr(exc, "cl", None)
        for sub in exc.exceptions:
            step = _note_step(sub, cls if isinstance(cls, type) and attrs.has(cls) else None)
            yield from _problems(sub, path if step is None else (*path, step), doc, name)
        return
    if isinstance(exc, KeyError):
        parent = path[:-1]
        yield _at(doc, name, parent, f"missing required key {path[-1]!r}", key=True)
        return
    yield _at(doc, name, path, str(exc))
