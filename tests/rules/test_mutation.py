"""Any mutation of a valid rules document either loads or raises RulesError: never another
exception. The mutations are those people make: a key dropped or renamed, a value of another
type, a reference pointed elsewhere, a garbage key, a list cut short or with an item twice, two
values swapped, garbage typed into the text.

Each mutated document is written out as JSON (which is YAML) or, for the small documents one time
in four, as block YAML with real dates, and read back with ``parse_rules``.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from rules_support import HA_TINH, MINIMAL, VALID

from plan161_workflow import Plan, RulesError, parse_rules
from plan161_workflow.rules.source import Path, read_document
from strategies import SHORT_TEXT

Mutation = Callable[[Any, Any, st.DataObject], None]
"""(original document, copy to change, hypothesis data): changes the copy in place."""


def _read(path: FsPath) -> dict[str, Any]:
    data: dict[str, Any] = read_document(path.read_text(encoding="utf-8")).data
    return data


HA_TINH_DOC = _read(HA_TINH)
SMALL_DOCS = [_read(p) for p in VALID]
CODES = [a["code"] for a in HA_TINH_DOC["agencies"]] + [g["code"] for g in HA_TINH_DOC["groups"]]

VALUES = st.one_of(
    st.integers(-(10**12), 10**12),
    SHORT_TEXT,
    st.lists(st.one_of(SHORT_TEXT, st.integers()), max_size=3),
    st.dictionaries(SHORT_TEXT, st.one_of(SHORT_TEXT, st.integers()), max_size=2),
    st.none(),
    st.booleans(),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.floats(allow_nan=False),
    st.sampled_from(CODES),
)


def _paths(node: Any, path: Path = ()) -> list[Path]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*path, i))
    return out


def _at(doc: Any, path: Path) -> Any:
    for step in path:
        doc = doc[step]
    return doc


_NODES: dict[int, list[tuple[Path, Any]]] = {}


def _pick(data: st.DataObject, doc: Any, keep: Callable[[Path, Any], bool]) -> Path:
    """A path of ``doc`` (an unchanged original) whose node passes ``keep``."""
    nodes = _NODES.get(id(doc)) or _NODES.setdefault(
        id(doc), [(p, _at(doc, p)) for p in _paths(doc)]
    )
    return data.draw(st.sampled_from([p for p, v in nodes if keep(p, v)]))


def _set(doc: Any, path: Path, value: Any) -> None:
    _at(doc, path[:-1])[path[-1]] = value


def drop(orig: Any, doc: Any, data: st.DataObject) -> None:
    path = _pick(data, orig, lambda p, _: bool(p))
    del _at(doc, path[:-1])[path[-1]]


def rename(orig: Any, doc: Any, data: st.DataObject) -> None:
    path = _pick(data, orig, lambda p, _: bool(p) and isinstance(p[-1], str))
    old = str(path[-1])
    new = data.draw(
        st.one_of(SHORT_TEXT, st.just(old + "s"), st.just(old[:-1]), st.just(old.upper()))
    )
    parent = _at(doc, path[:-1])
    parent[new] = parent.pop(old)


def retype(orig: Any, doc: Any, data: st.DataObject) -> None:
    _set(doc, _pick(data, orig, lambda p, _: bool(p)), data.draw(VALUES))


def repoint(orig: Any, doc: Any, data: st.DataObject) -> None:
    path = _pick(data, orig, lambda p, v: bool(p) and isinstance(v, str))
    _set(doc, path, data.draw(st.one_of(st.sampled_from(CODES), SHORT_TEXT)))


def garbage_key(orig: Any, doc: Any, data: st.DataObject) -> None:
    path = _pick(data, orig, lambda _, v: isinstance(v, dict))
    _at(doc, path)[data.draw(SHORT_TEXT)] = data.draw(VALUES)


def truncate(orig: Any, doc: Any, data: st.DataObject) -> None:
    items = _at(doc, _pick(data, orig, lambda _, v: isinstance(v, list)))
    del items[data.draw(st.integers(0, len(items))) :]


def duplicate(orig: Any, doc: Any, data: st.DataObject) -> None:
    items = _at(doc, _pick(data, orig, lambda _, v: isinstance(v, list) and bool(v)))
    items.append(copy.deepcopy(data.draw(st.sampled_from(items))))


def swap(orig: Any, doc: Any, data: st.DataObject) -> None:
    first = _pick(data, orig, lambda p, _: bool(p))
    second = _pick(data, orig, lambda p, _: bool(p))
    if first[: len(second)] == second or second[: len(first)] == first:
        return  # one holds the other
    a, b = _at(doc, first), _at(doc, second)
    _set(doc, first, b)
    _set(doc, second, a)


MUTATIONS: list[Mutation] = [drop, rename, retype, repoint, garbage_key, truncate, duplicate, swap]


def _mutated(orig: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    doc = copy.deepcopy(orig)
    for mutate in data.draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=2)):
        # An earlier mutation may have removed or replaced what this one aims at.
        with contextlib.suppress(KeyError, IndexError, TypeError, AttributeError):
            mutate(orig, doc, data)
    return doc


def _text(doc: Any, *, as_yaml: bool) -> str:
    if as_yaml:
        out = io.StringIO()
        YAML(typ="safe", pure=True).dump(doc, out)
        return out.getvalue()
    return json.dumps(doc, ensure_ascii=False, default=dt.date.isoformat)


def _outcome(text: str) -> Plan | RulesError:
    try:
        return parse_rules(text, "mutated.yaml")
    except RulesError as exc:
        return exc


def _loads_or_rules_error(text: str) -> None:
    result = _outcome(text)  # any other exception fails the test
    if isinstance(result, RulesError):
        assert result.problems
        assert all(p.line >= 0 and p.column >= 0 and p.message for p in result.problems)
    else:
        assert isinstance(result, Plan)


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_mutated_ha_tinh_document_loads_or_raises_rules_error(data: st.DataObject) -> None:
    """JSON only: reading 25 kB of YAML back costs most of each example."""
    _loads_or_rules_error(_text(_mutated(HA_TINH_DOC, data), as_yaml=False))


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.data())
def test_a_mutated_small_document_loads_or_raises_rules_error(data: st.DataObject) -> None:
    """The small valid fixtures: a custom workflow and a succession to mutate too."""
    doc = _mutated(data.draw(st.sampled_from(SMALL_DOCS)), data)
    as_yaml = data.draw(st.integers(0, 3), label="yaml one time in four") == 0
    _loads_or_rules_error(_text(doc, as_yaml=as_yaml))


GARBAGE = st.one_of(
    SHORT_TEXT,
    st.sampled_from(["\t", ":", "- ", "{", "]", "&a", "*a", "!!", "%", "'", '"', "\n  "]),
)


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.data())
def test_garbage_typed_into_the_text_loads_or_raises_rules_error(data: st.DataObject) -> None:
    text = MINIMAL.read_text(encoding="utf-8")
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 8))
    _loads_or_rules_error(text[:at] + data.draw(GARBAGE) + text[at + cut :])


@pytest.mark.parametrize("as_yaml", [False, True], ids=["json", "yaml"])
def test_the_unmutated_documents_load(as_yaml: bool) -> None:
    for doc in [HA_TINH_DOC, *SMALL_DOCS]:
        assert isinstance(parse_rules(_text(doc, as_yaml=as_yaml)), Plan)
