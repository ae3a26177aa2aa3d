"""Reading YAML: plain values with positions, YAML 1.2 only, no object ever constructed, every
scalar either read or reported (never an exception of another kind)."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

import pytest

from plan161_workflow.rules.source import (
    MAX_NODES,
    SourceError,
    format_path,
    read_document,
)


def _issue(text: str) -> tuple[int, int, str]:
    with pytest.raises(SourceError) as info:
        read_document(text)
    first = info.value.issues[0]
    return first.line, first.column, first.message


def test_plain_values_and_positions() -> None:
    doc = read_document("a:\n  - 1\n  - x: 2024-02-29\n    y: true\n    z: null\n    f: 1.5\n")
    assert doc.data == {"a": [1, {"x": dt.date(2024, 2, 29), "y": True, "z": None, "f": 1.5}]}
    assert doc.values[("a", 1, "x")] == (3, 8)
    assert doc.keys[("a", 1, "y")] == (4, 5)
    assert doc.position(("a", 1, "missing"), key=True) == (3, 5)


@pytest.mark.parametrize(
    ("text", "value"),
    [("0o17", 15), ("0x1F", 31), ("-12", -12), ("1_000", 1000), ("017", 17)],
)
def test_whole_numbers(text: str, value: int) -> None:
    assert read_document(f"n: {text}").data == {"n": value}


def test_special_floats() -> None:
    data = read_document("a: .inf\nb: -.inf\nc: .nan").data
    assert data["a"] == math.inf
    assert data["b"] == -math.inf
    assert math.isnan(data["c"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("n: !!int abc", "expected a whole number, found 'abc'"),
        ("n: !!float abc", "expected a number, found 'abc'"),
        ("n: !!bool maybe", "expected true or false, found 'maybe'"),
        ("n: " + "9" * 5000, "expected a whole number, found '9999"),
        ("d: 2025-02-31", "impossible date '2025-02-31': no such day"),
        ("d: 2025-01-01 10:00:00", "expected a date YYYY-MM-DD, found '2025-01-01 10:00:00'"),
        ("x: !!python/name:os.system", "YAML tag '!!python/name:os.system' is not allowed"),
        ("x: !!python/object:os.Foo {}", "YAML tag '!!python/object:os.Foo' is not allowed"),
        ("x: !!set {a, b}", "YAML tag '!!set' is not allowed"),
        ("x: !!binary aGk=", "YAML tag '!!binary' is not allowed"),
        ("x: !local 1", "YAML tag '!local' is not allowed"),
        ("a: 1\na: 2", "duplicate key 'a' (first at line 1); keep one"),
        ("1: a", "keys must be plain text; found '1'"),
        ("? [a]\n: 1", "keys must be plain text; found a list used as a key"),
        ("x: &d {a: 1}\ny:\n  <<: *d", "merge keys ('<<') are not supported"),
    ],
)
def test_local_problems_keep_the_rest_of_the_document(text: str, message: str) -> None:
    with pytest.raises(SourceError) as info:
        read_document(text)
    assert message in info.value.issues[0].message
    assert info.value.document is not None


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("a: [1, 2\n", (2, 1), "YAML syntax error"),
        ("a: 1\n---\nb: 2\n", (2, 1), "expected a single document"),
        ("%YAML 1.1\n---\na: yes\n", (1, 1), "rules files are YAML 1.2, found '%YAML 1.1'"),
        ("a: 1\nb: x\x07y\n", (2, 5), "control character U+0007"),
        ("", (1, 1), "the file is empty"),
        ("# only a comment\n", (1, 1), "the file is empty"),
        ("a:\tb\n", (1, 3), "YAML syntax error"),
    ],
)
def test_unreadable_text(text: str, where: tuple[int, int], message: str) -> None:
    line, column, found = _issue(text)
    assert (line, column) == where
    assert message in found


INDENTATION = (
    "check the indentation of this line and the one above "
    "(items of one list or mapping must line up)"
)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            "a:\n\tb: 1\n",
            (2, 1),
            "a tab character, which YAML does not allow here; indent with spaces, not tabs",
        ),
        (
            "a:\tb\n",
            (1, 3),
            "a tab character, which YAML does not allow here; indent with spaces, not tabs",
        ),
        (
            "- code: so-yt\n    name: Sở Y tế\n",
            (2, 9),
            f"mapping values are not allowed here; {INDENTATION}",
        ),
        (
            "items:\n  - code: so-yt\n    name: x\n  kind: y\n",
            (4, 3),
            "while parsing a block collection expected <block end>, but found '?'; " + INDENTATION,
        ),
        (
            "- name: Sở Y tế: Quảng Bình  # the seat\n",
            (1, 16),
            "mapping values are not allowed here; a value that holds ': ' must be quoted "
            '(name: "Sở Y tế: Quảng Bình")',
        ),
        (
            "lead: [so-yt\ncoordinating: [so-tc]\n",
            (2, 13),
            "while parsing a flow sequence expected ',' or ']', but got ':'; "
            "close the '[' opened at line 1, column 7 with ']'",
        ),
        (
            "a: 'x\nb: 1\n",
            (3, 1),
            "found unexpected end of stream; close the quote opened at line 1, column 4",
        ),
        (
            'a: "x" y\n',
            (1, 8),
            "text follows a closing quote: put the whole value inside the quotes",
        ),
    ],
)
def test_syntax_errors_say_how_to_fix_them(text: str, where: tuple[int, int], message: str) -> None:
    line, column, found = _issue(text)
    assert (line, column) == where
    assert found.startswith("YAML syntax error: ")
    assert found.endswith(message)


def test_aliases_cannot_expand_without_bound() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    line, column, message = _issue("\n".join(lines))
    assert f"more than {MAX_NODES} nodes" in message
    assert (line, column) == (1, 1)


def test_text_and_keys_are_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "tế")
    data = read_document(f"{nfd}: {nfd}\nx: [{nfd}]").data
    assert data == {"tế": "tế", "x": ["tế"]}


def test_format_path() -> None:
    assert format_path(("areas", 2, "lead", 0)) == "areas[2].lead[0]"
    assert format_path(()) == ""
    assert format_path((3,)) == "[3]"
