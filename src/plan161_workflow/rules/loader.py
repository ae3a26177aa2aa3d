"""``load_rules``: a rules file in, a validated ``Plan`` out, or one ``RulesError`` listing every
problem with file, line, column and path.

Three passes, all problems of a file reported together: reading (YAML syntax, tags, duplicate
keys, dates), structuring (keys and types, by the project's cattrs converter) and checking
(references, dates, cycles, workflow, succession). When reading or structuring finds wrong
values, the checks still run, on stand-ins for those values (see ``rules.repair``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Collection, Iterable
from typing import Any

from cattrs.errors import BaseValidationError

from plan161_workflow.errors import Problem, RulesError
from plan161_workflow.hints import suggest, suggestion_budget
from plan161_workflow.model.codec import CONVERTER, field_names
from plan161_workflow.model.plan import Plan
from plan161_workflow.rules.amend import HEADER, is_amendment, merge
from plan161_workflow.rules.checks import check_plan
from plan161_workflow.rules.repair import consequence_of, repaired
from plan161_workflow.rules.shape import Finding, shape_findings
from plan161_workflow.rules.source import (
    Document,
    Path,
    SourceError,
    SourceIssue,
    format_path,
    read_document,
)
from plan161_workflow.workflow.definition import DEFAULT_WORKFLOW

MAX_BYTES = 5_000_000
"""A rules file larger than this is refused before parsing."""


Folders = Iterable[str | os.PathLike[str]]


def load_rules(path: str | os.PathLike[str], *, allow: Folders = ()) -> Plan:
    """Read, validate and return the plan in a rules file.

    An amendment's ``amends:`` may name a file in the folder of the file that names it (or below
    it), or in one of the folders ``allow`` lists; any other path is refused unread.

    Raises:
        RulesError: the file cannot be read, or holds one or more problems (all are listed); a
            ``path`` or ``allow`` that is not a path.
    """
    try:
        name = os.fsdecode(path)
    except TypeError:
        message = f"the rules file must be a path (text or os.PathLike), not {type(path).__name__}"
        raise RulesError([Problem("<rules>", 0, 0, "", message)]) from None
    return parse_rules(_read_bytes(name), name, allow=allow)


def _folders(allow: object, name: str) -> tuple[str, ...]:
    """The real paths of the folders ``allow`` names: one path, or several.

    Raises:
        RulesError: ``allow`` is neither a path nor an iterable of paths.
    """
    items = [allow] if isinstance(allow, str | bytes | os.PathLike) else allow
    try:
        return tuple(_real(os.fsdecode(f)) for f in items)  # type: ignore[attr-defined]
    except TypeError:
        message = f"allow= must name folders (paths), not {allow!r}"
        raise RulesError([Problem(name, 0, 0, "", message)]) from None


def _read_bytes(name: str) -> bytes:
    """The file's bytes; only a regular file is opened (a FIFO or a device would block or
    never end), without blocking, and it is checked again once open."""
    try:
        if not stat.S_ISREG(os.stat(name).st_mode) and not os.path.isdir(name):
            raise RulesError([Problem(name, 0, 0, "", _NOT_REGULAR)])
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        with os.fdopen(os.open(name, flags), "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise RulesError([Problem(name, 0, 0, "", _NOT_REGULAR)])
            raw = file.read(MAX_BYTES + 1)
    except RulesError:
        raise
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise RulesError([Problem(name, 0, 0, "", _unreadable(exc))]) from exc
    if len(raw) > MAX_BYTES:
        message = f"the file is larger than {MAX_BYTES} bytes; is it the rules file?"
        raise RulesError([Problem(name, 0, 0, "", message)])
    return raw


_NOT_REGULAR = (
    "is not a regular file (a pipe, device or socket); give the path of a rules file (.yaml)"
)


def _unreadable(exc: OSError | ValueError) -> str:
    if not isinstance(exc, OSError):
        return "the path holds a NUL character; check the path"
    if isinstance(exc, FileNotFoundError):
        return "no such file; check the path"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a file; give the path of a rules file (.yaml)"
    if isinstance(exc, PermissionError):
        return "cannot read the file: permission denied; check its permissions"
    return f"cannot read the file: {exc.strerror or exc}"


def parse_rules(raw: bytes | str, name: str = "<rules>", *, allow: Folders = ()) -> Plan:
    """Validate rules given as bytes (UTF-8) or text; ``name`` is used in messages, and its
    folder (the working folder for ``<rules>``) confines ``amends:`` as in ``load_rules``.

    Raises:
        RulesError: one or more problems (all are listed).
    """
    if not isinstance(raw, bytes | str):
        message = f"expected the rules as bytes or text, not {type(raw).__name__}"
        raise RulesError([Problem(str(name), 0, 0, "", message)])
    if not isinstance(name, str):
        name = repr(name)
    folders = _folders(allow, name)
    with suggestion_budget():
        return _parse(raw, name, folders)


def _parse(raw: bytes | str, name: str, allow: tuple[str, ...]) -> Plan:
    if isinstance(raw, bytes):
        if len(raw) > MAX_BYTES:
            message = f"the rules are larger than {MAX_BYTES} bytes; is it the rules file?"
            raise RulesError([Problem(name, 0, 0, "", message)])
        text = _decode(raw, name)
    else:
        text = raw
    if len(text) > MAX_BYTES:
        message = f"the rules are longer than {MAX_BYTES} characters; is it the rules file?"
        raise RulesError([Problem(name, 0, 0, "", message)])
    try:
        doc = read_document(text)
    except SourceError as exc:
        if exc.document is None:
            raise RulesError(_problem(name, i) for i in exc.issues) from exc
        if is_amendment(exc.document):
            raise RulesError(_problem(name, i) for i in exc.issues) from exc
        return plan_from_document(exc.document, name, exc.issues)
    if is_amendment(doc):
        merged, origin = _amended(doc, name, (os.path.abspath(name),), allow)
        return plan_from_document(merged, name, origin=origin)
    return plan_from_document(doc, name)


Origin = Callable[[Path], str]
"""Which file the value at a path of a (merged) document came from."""


def _real(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return os.path.abspath(path)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _read_base(doc: Document, name: str, base_name: str, allow: tuple[str, ...]) -> Document:
    """The base an amendment names: confined to the amendment's folder (or ``allow``), and
    never quoted in a message (it may be any file: its content is not the user's to see)."""
    line, column = doc.position(("amends",))
    folder = _real(os.path.dirname(os.path.abspath(name)))
    if "\x00" in base_name or not any(_inside(_real(base_name), f) for f in (folder, *allow)):
        message = (
            f"the base {doc.data['amends']!r} is outside the folder of this file ({folder}); "
            "put the base beside the amendment, or allow its folder (load_rules(..., allow=[...]))"
        )
        raise RulesError([Problem(name, line, column, "amends", message)])
    try:
        raw = _read_bytes(base_name)
    except RulesError as exc:
        raise RulesError(
            Problem(name, line, column, "amends", f"the base {base_name}: {p.message}")
            for p in exc.problems
        ) from exc
    try:
        base = read_document(_decode(raw, base_name))
    except (SourceError, RulesError) as exc:
        if isinstance(exc, SourceError) and exc.document is not None:
            base = exc.document  # local problems: the loader reports them in the base
            if isinstance(base.data, dict):
                raise RulesError(_problem(base_name, i) for i in exc.issues) from exc
        message = (
            f"the base {base_name} cannot be read as a rules file; check it with "
            f"`plan161 validate {base_name}`"
        )
        raise RulesError([Problem(name, line, column, "amends", message)]) from exc
    if not isinstance(base.data, dict) or not set(base.data) & {*field_names(Plan), *HEADER}:
        message = (
            f"the base {base_name} is not a rules file (expected a mapping of sections: "
            f"{', '.join(field_names(Plan))})"
        )
        raise RulesError([Problem(name, line, column, "amends", message)])
    return base


def _amended(
    doc: Document, name: str, seen: tuple[str, ...], allow: tuple[str, ...]
) -> tuple[Document, Origin]:
    """The base of amendment ``doc`` with the amendment merged in (bases may amend in turn)."""
    problems = _header_problems(doc, name)
    if problems:
        raise RulesError(problems)
    base_name = os.path.join(os.path.dirname(name), doc.data["amends"])
    if os.path.abspath(base_name) in seen:
        line, column = doc.position(("amends",))
        chain = " -> ".join([*seen, os.path.abspath(base_name)])
        raise RulesError(
            [Problem(name, line, column, "amends", f"amendments form a loop: {chain}")]
        )
    base = _read_base(doc, name, base_name, allow)
    base_origin: Origin = lambda _path: base_name  # noqa: E731
    if is_amendment(base):
        base, base_origin = _amended(base, base_name, (*seen, os.path.abspath(base_name)), allow)
    merged = merge(base, base_name, doc, name)
    if merged.problems:
        raise RulesError(
            Problem(file, *doc.position(path), format_path(path), message)
            for file, path, message in merged.problems
        )

    def origin(path: Path) -> str:
        found = merged.file_of(path, "")
        return base_origin(path) if found in ("", base_name) else found

    return merged.document, origin


def _header_problems(doc: Document, name: str) -> list[Problem]:
    data = doc.data
    out = []
    if not isinstance(data.get("amends"), str) or not data["amends"].strip():
        out.append(
            Problem(
                name,
                *doc.position(("amends",)),
                "amends",
                "expected the path of the rules file this one amends",
            )
        )
    header = data.get("amendment", {})
    allowed = ("title", "title_en", "basis", "source")
    if not isinstance(header, dict):
        out.append(
            Problem(
                name,
                *doc.position(("amendment",)),
                "amendment",
                f"expected a mapping with {', '.join(allowed)}",
            )
        )
    else:
        for key in sorted(set(header) - set(allowed)):
            out.append(
                Problem(
                    name,
                    *doc.position(("amendment", key), key=True),
                    f"amendment.{key}",
                    f"unknown key {key!r}{suggest(key, allowed)}",
                )
            )
    sections = {*field_names(Plan), *HEADER}
    for key in sorted(set(data) - sections):
        out.append(
            Problem(
                name,
                *doc.position((key,), key=True),
                key,
                f"unknown section {key!r}{suggest(key, sections)}",
            )
        )
    return out


def plan_from_document(
    doc: Document,
    name: str,
    issues: Collection[SourceIssue] = (),
    origin: Origin | None = None,
) -> Plan:
    """Structure and check an already-read document; ``issues`` are problems found reading it,
    ``origin`` tells which file each value came from (for merged amendments).

    Raises:
        RulesError: one or more problems (all are listed).
    """
    if not isinstance(doc.data, dict):
        sections = ", ".join(field_names(Plan))
        message = f"expected a mapping of sections ({sections}) at the top of the file"
        raise RulesError([Problem(name, *doc.position(()), "", message)])
    replaced = [i.path for i in issues if i.replaced]
    data: dict[str, Any] = dict(doc.data)
    data.setdefault("workflow", CONVERTER.unstructure(DEFAULT_WORKFLOW))
    plan, found = _structure(data)
    found = [f for f in found if not _under(f.path, replaced)]
    if plan is None:
        bad = [*replaced, *(f.path for f in found), *_typo_targets(found)]
        fixed = repaired(data, bad)
        checked = _structure(fixed)[0] if fixed is not None else None
        found += _checks(checked, bad) if checked is not None else []
    else:
        found += _checks(plan, replaced)
    if plan is not None and not found and not issues:
        return plan
    problems = [_problem(name, i) for i in issues]
    problems += [_locate(doc, origin(f.path) if origin else name, f) for f in found]
    raise RulesError(problems)


def _structure(data: dict[str, Any]) -> tuple[Plan | None, list[Finding]]:
    try:
        return CONVERTER.structure(data, Plan), []
    except (BaseValidationError, ValueError, TypeError) as exc:
        return None, shape_findings(exc)


def _checks(plan: Plan, bad: Collection[Path]) -> list[Finding]:
    return [Finding(p, m) for p, m in check_plan(plan) if not consequence_of(p, bad)]


def _typo_targets(found: Iterable[Finding]) -> list[Path]:
    return [(*f.path[:-1], f.means) for f in found if f.means]


def _under(path: Path, roots: Iterable[Path]) -> bool:
    return any(path[: len(r)] == r for r in roots)


def _problem(name: str, issue: SourceIssue) -> Problem:
    return Problem(name, issue.line, issue.column, format_path(issue.path), issue.message)


def _locate(doc: Document, name: str, found: Finding) -> Problem:
    line, column = doc.position(found.path, key=found.at_key)
    return Problem(name, line, column, format_path(found.path), found.message)


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        message = (
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at byte {exc.start}); "
            "save it as UTF-8"
        )
        raise RulesError([Problem(name, line, column, "", message)]) from exc
