"""Read a rules file into plain Python values, remembering the line and column of every node.

The YAML is composed into nodes (never constructed into objects) and converted here, so that a tag
that would build an object (``!!python/object``) can only ever be refused, duplicate keys are
caught, and every value's position is known. All text is normalised to NFC.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import attrs
from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scanner import Scanner

Path = tuple[str | int, ...]
"""A path inside the document: ``("areas", 2, "lead", 0)``."""

MAX_NODES = 200_000
"""A larger document is refused (aliases can make a small file expand without bound)."""
MAX_DEPTH = 24
"""Lists and mappings nested deeper than this are refused (the format needs at most 6 levels)."""
MULTILINE = frozenset({"summary", "items", "source", "basis", "related"})
"""Text fields that may hold line breaks; every other text is one line."""
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_FORBIDDEN_MULTILINE = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)

_TAG = "tag:yaml.org,2002:"
_TIMESTAMP = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def format_path(path: Path) -> str:
    """``("areas", 2, "lead", 0)`` -> ``areas[2].lead[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@attrs.frozen
class SourceIssue:
    """A problem found while reading: position (1-based) and message."""

    line: int
    column: int
    path: Path
    message: str
    replaced: bool = False
    """True when the value at ``path`` was read as ``None`` in its place (a forbidden tag, an
    unreadable number or date): what the loader then finds at that path is a consequence."""


@attrs.define
class Document:
    """A rules file as plain values, with the position of every node."""

    data: Any
    """Plain dicts, lists, strings, ints, floats, bools, dates and None."""
    values: dict[Path, tuple[int, int]] = attrs.field(factory=dict)
    """Path -> (line, column) of the value node, 1-based."""
    keys: dict[Path, tuple[int, int]] = attrs.field(factory=dict)
    """Path -> (line, column) of the key that introduces it, 1-based."""

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Position of ``path``, or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        for n in range(len(path), -1, -1):
            found = table.get(path[:n]) or self.values.get(path[:n])
            if found:
                return found
        return (1, 1)


class SourceError(Exception):
    """The text cannot be read as a YAML document, or holds values that cannot be read.

    ``document`` is the document read anyway when the problems are local (a forbidden tag, a
    duplicate key, an impossible date: the value reads as ``None``, the first key wins), so that
    the loader can check the rest of the file; it is ``None`` when nothing could be read.
    """

    def __init__(self, issues: list[SourceIssue], document: Document | None = None) -> None:
        self.issues = issues
        self.document = document
        super().__init__("; ".join(i.message for i in issues))


def read_document(text: str) -> Document:
    """Parse YAML 1.2 text into a ``Document``.

    Raises:
        SourceError: syntax errors, several documents, a YAML version other than 1.2, forbidden
            tags, duplicate keys, unreadable numbers, impossible dates, or a document too large.
    """
    root = _compose(text)
    doc = Document(data=None)
    issues: list[SourceIssue] = []
    counter = iter(range(MAX_NODES))
    try:
        doc.data = _convert(root, (), doc, issues, _Walk(counter))
    except _TooLargeError as exc:
        issue = SourceIssue(1, 1, (), f"the document has more than {MAX_NODES} nodes; refusing it")
        raise SourceError([issue]) from exc
    except _NestingError as exc:
        raise SourceError([SourceIssue(*exc.at, exc.path, exc.message)]) from exc
    if issues:
        raise SourceError(issues, doc)
    return doc


class _DepthError(Exception):
    def __init__(self, line: int, column: int) -> None:
        self.line, self.column = line, column
        super().__init__(f"nested more than {MAX_DEPTH} deep")


class _BoundedComposer(Composer):
    """ruamel's composer, refusing nesting beyond ``MAX_DEPTH`` as it reads (its recursion
    would otherwise run out of stack, slowly, on a few kilobytes of brackets)."""

    nesting = 0  # not ``depth``: ruamel's composer keeps its own

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.nesting += 1
        try:
            if self.nesting > MAX_DEPTH + 1:
                mark = self.parser.peek_event().start_mark
                raise _DepthError(mark.line + 1, mark.column + 1)
            return super().compose_node(parent, index)
        finally:
            self.nesting -= 1


class _BoundedScanner(Scanner):
    """ruamel's scanner, refusing flow brackets nested beyond ``MAX_DEPTH`` (it looks at every
    open bracket for each new one: a long run of ``[`` would take quadratic time)."""

    def fetch_flow_collection_start(self, token_class: Any, to_push: str) -> None:
        if self.flow_level >= MAX_DEPTH:
            mark = self.reader.get_mark()
            raise _DepthError(mark.line + 1, mark.column + 1)
        super().fetch_flow_collection_start(token_class, to_push)


_NESTED = f"lists or mappings nested more than {MAX_DEPTH} deep; refusing the document"


def _compose(text: str) -> Node:
    yaml = YAML(typ="safe", pure=True)
    yaml.Composer = _BoundedComposer
    yaml.Scanner = _BoundedScanner
    try:
        root: Node | None = yaml.compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"YAML syntax error: {_syntax_message(text, exc, line, col)}"
        raise SourceError([SourceIssue(line, col, (), message)]) from exc
    except ReaderError as exc:
        raise SourceError([_reader_issue(text, exc)]) from exc
    except YAMLError as exc:
        raise SourceError([SourceIssue(1, 1, (), f"YAML error: {exc}")]) from exc
    except _DepthError as exc:
        raise SourceError([SourceIssue(exc.line, exc.column, (), _NESTED)]) from exc
    if yaml.resolver.processing_version != (1, 2):
        line = next((n for n, t in enumerate(text.splitlines(), 1) if t.startswith("%YAML")), 1)
        version = ".".join(map(str, yaml.resolver.processing_version))
        message = f"rules files are YAML 1.2, found '%YAML {version}'; remove the directive"
        raise SourceError([SourceIssue(line, 1, (), message)])
    if root is None:
        raise SourceError([SourceIssue(1, 1, (), "the file is empty; expected a mapping")])
    return root


_INDENTATION = (
    "check the indentation of this line and the one above "
    "(items of one list or mapping must line up)"
)


def _syntax_message(text: str, exc: MarkedYAMLError, line: int, col: int) -> str:
    """The parser's words, with a hint in plain words for the usual mistakes."""
    problem = str(exc.problem or "")
    what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
    rows = text.splitlines()
    here = rows[line - 1][: col - 1] if 0 < line <= len(rows) else ""
    start = exc.context_mark
    opened = f"line {start.line + 1}, column {start.column + 1}" if start else "above"
    if "'\\t'" in problem or "\t" in problem or "tab character" in problem:
        return "a tab character, which YAML does not allow here; indent with spaces, not tabs"
    if "mapping values are not allowed" in problem and ": " in here:
        return f"{what}; {_quote_hint(rows[line - 1])}"
    if "'<scalar>'" in problem and here.rstrip().endswith(('"', "'")):
        return f"{what}; text follows a closing quote: put the whole value inside the quotes"
    if "mapping values are not allowed" in problem or "expected <block end>" in problem:
        return f"{what}; {_INDENTATION}"
    if "could not find expected ':'" in problem:
        return f"{what}; a key at {opened} has no ':' after it: add one, or {_INDENTATION}"
    if "flow sequence" in str(exc.context) or "flow mapping" in str(exc.context):
        bracket = "[" if "sequence" in str(exc.context) else "{"
        closing = "]" if bracket == "[" else "}"
        return f"{what}; close the {bracket!r} opened at {opened} with {closing!r}"
    if "quoted scalar" in str(exc.context):
        return f"{what}; close the quote opened at {opened}"
    return what


def _quote_hint(row: str) -> str:
    key, _, value = row.strip().removeprefix("- ").partition(": ")
    value = value.split(" #")[0].strip()
    example = f' ({key}: "{value}")' if value and '"' not in value else ""
    return f"a value that holds ': ' must be quoted{example}"


def _reader_issue(text: str, exc: ReaderError) -> SourceIssue:
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
    return SourceIssue(
        line,
        column,
        (),
        f"the file holds the control character U+{char:04X}, which YAML does not allow; remove it",
    )


class _TooLargeError(Exception):
    pass


class _NestingError(Exception):
    def __init__(self, at: tuple[int, int], path: Path, message: str) -> None:
        self.at, self.path, self.message = at, path, message
        super().__init__(message)


@attrs.define
class _Walk:
    """The state of one conversion: nodes left to read and the nodes being read (an alias that
    refers to one of them is recursive)."""

    counter: Iterator[int]
    open: list[int] = attrs.field(factory=list)


def _control_issue(node: Node, path: Path, text: str, *, key: bool = False) -> SourceIssue | None:
    """An issue for a control character (or a line break where one line is expected)."""
    multiline = not key and any(isinstance(p, str) and p in MULTILINE for p in path[-2:])
    found = (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN).search(text)
    if found is None:
        return None
    char = ord(found.group())
    what = "a line break" if found.group() in "\r\n" else "a control character"
    fix = "write it on one line" if what == "a line break" else "remove it"
    if multiline and found.group() == "\r":
        fix = "write line breaks as \\n only"
    where = "key" if key else "text"
    return SourceIssue(
        *_pos(node),
        path,
        f"the {where} holds {what} (U+{char:04X}) at character {found.start() + 1}; {fix}",
    )


def _pos(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: Node, path: Path, doc: Document, issues: list[SourceIssue], walk: _Walk) -> Any:
    if next(walk.counter, None) is None:
        raise _TooLargeError
    doc.values[path] = _pos(node)
    if isinstance(node, MappingNode | SequenceNode):
        if id(node) in walk.open:
            message = "a recursive alias (an anchor used inside its own value); write the value out"
            raise _NestingError(_pos(node), path, message)
        if len(walk.open) >= MAX_DEPTH:
            raise _NestingError(_pos(node), path, _NESTED)
        walk.open.append(id(node))
        try:
            return _collection(node, path, doc, issues, walk)
        finally:
            walk.open.pop()
    return _scalar(node, path, str(node.tag or ""), issues)


def _collection(
    node: MappingNode | SequenceNode,
    path: Path,
    doc: Document,
    issues: list[SourceIssue],
    walk: _Walk,
) -> Any:
    tag = str(node.tag or "")
    if isinstance(node, MappingNode):
        if tag != _TAG + "map":
            return _bad_tag(node, path, tag, issues)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or str(key_node.tag) != _TAG + "str":
                issues.append(SourceIssue(*_pos(key_node), path, _key_message(key_node)))
                continue
            key = unicodedata.normalize("NFC", str(key_node.value))
            child = (*path, key)
            bad = _control_issue(key_node, child, key, key=True)
            if bad is not None:
                issues.append(bad)
                continue
            if key in out:
                first = doc.keys[child]
                issues.append(
                    SourceIssue(
                        *_pos(key_node),
                        child,
                        f"duplicate key {key!r} (first at line {first[0]}); keep one",
                    )
                )
                continue
            doc.keys[child] = _pos(key_node)
            out[key] = _convert(value_node, child, doc, issues, walk)
        return out
    if tag != _TAG + "seq":
        return _bad_tag(node, path, tag, issues)
    return [_convert(item, (*path, i), doc, issues, walk) for i, item in enumerate(node.value)]


def _key_message(node: Node) -> str:
    if isinstance(node, ScalarNode) and str(node.tag) == _TAG + "merge":
        return "merge keys ('<<') are not supported; write the keys out"
    if isinstance(node, ScalarNode):
        return f"keys must be plain text; found {node.value!r}; quote it or rename it"
    kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
    return f"keys must be plain text; found {kind} used as a key"


def _bad_tag(node: Node, path: Path, tag: str, issues: list[SourceIssue]) -> None:
    shown = tag.replace(_TAG, "!!")
    issues.append(
        SourceIssue(
            *_pos(node),
            path,
            f"YAML tag {shown!r} is not allowed: rules files hold plain text, numbers, dates, "
            "lists and mappings only; remove the tag",
            replaced=True,
        )
    )


def _scalar(node: Node, path: Path, tag: str, issues: list[SourceIssue]) -> Any:
    text = str(node.value)
    kind = tag.removeprefix(_TAG) if tag.startswith(_TAG) else None
    if kind == "str":
        bad = _control_issue(node, path, text)
        if bad is not None:
            issues.append(bad)
        return unicodedata.normalize("NFC", text)
    if kind == "null":
        return None
    reader = _READERS.get(kind or "")
    if reader is None:
        return _bad_tag(node, path, tag, issues)
    try:
        return reader(text)
    except ValueError as exc:
        issues.append(SourceIssue(*_pos(node), path, str(exc), replaced=True))
        return None


def _read_bool(text: str) -> bool:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise ValueError(f"expected true or false, found {text!r}")


def _read_int(text: str) -> int:
    plain = text.replace("_", "")
    try:
        return int(plain, 0) if re.fullmatch(r"[-+]?0[box].*", plain, re.I) else int(plain)
    except ValueError:
        raise ValueError(f"expected a whole number, found {text!r}") from None


def _read_float(text: str) -> float:
    low = text.lower().lstrip("+-")
    if low in (".inf", ".nan"):
        sign = -1.0 if text.startswith("-") else 1.0
        return sign * math.inf if low == ".inf" else math.nan
    try:
        return float(text.replace("_", ""))
    except ValueError:
        raise ValueError(f"expected a number, found {text!r}") from None


def _read_date(text: str) -> dt.date:
    match = _TIMESTAMP.match(text)
    if not match:
        raise ValueError(f"expected a date YYYY-MM-DD, found {text!r}")
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise ValueError(f"impossible date {text!r}: no such day") from None


_READERS: dict[str, Callable[[str], Any]] = {
    "bool": _read_bool,
    "int": _read_int,
    "float": _read_float,
    "timestamp": _read_date,
}
