"""The project's converter: structuring the unstructured form of a loaded plan gives an equal
plan, directly and through JSON; wrong shapes are refused with messages that say what was found."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from rules_support import HA_TINH, VALID

from plan161_workflow import Plan, load_rules
from plan161_workflow.model.codec import CONVERTER, ShapeError, field_names, required_names
from plan161_workflow.model.plan import Agency, Duty, Recurrence
from plan161_workflow.workflow.definition import DEFAULT_WORKFLOW

PLANS = [HA_TINH, *VALID]


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_round_trip(path: Path) -> None:
    plan = load_rules(path)
    assert CONVERTER.structure(CONVERTER.unstructure(plan), Plan) == plan


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_json_round_trip(path: Path) -> None:
    plan = load_rules(path)
    text = json.dumps(CONVERTER.unstructure(plan), ensure_ascii=False)
    assert CONVERTER.structure(json.loads(text), Plan) == plan


def test_unstructured_form_uses_the_rules_file_keys() -> None:
    data = CONVERTER.unstructure(load_rules(HA_TINH))
    assert "plan" in data
    assert "info" not in data
    assert data["plan"]["legal_basis"][0]["date"] == "2016-01-25"
    once = {d["id"]: d["recurrence"] for d in data["duties"]}
    assert once["V.1-final-evaluation"] == {"once": 2025}
    assert once["V.3"] == "yearly"
    assert data["workflow"] == CONVERTER.unstructure(DEFAULT_WORKFLOW)


def _agency(**changes: Any) -> dict[str, Any]:
    data = {"code": "x", "name": "X", "name_en": "X", "kind": "other", "source": "s"}
    return {**data, **changes}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": 5}, "expected text, found int 5; quote it if it is text"),
        ({"name": True}, "expected text, found a yes/no value (True)"),
        ({"kind": "departmnet"}, "did you mean 'department'?"),
        ({"valid_to": "31/12/2025"}, "expected a date written YYYY-MM-DD"),
        ({"valid_to": dt.datetime(2025, 1, 1)}, "expected a date written YYYY-MM-DD"),
        ({"successors": "y"}, "expected a list, found str 'y'"),
        ({"successors": [5]}, "expected a mapping with keys agency, effective"),
    ],
)
def test_wrong_shapes_say_what_was_found(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ExceptionGroup) as info:
        CONVERTER.structure(_agency(**changes), Agency)
    assert any(message in text for text in _leaves(info.value))


def _leaves(exc: BaseException) -> list[str]:
    if isinstance(exc, BaseExceptionGroup):
        return [text for sub in exc.exceptions for text in _leaves(sub)]
    return [str(exc)]


def test_whole_numbers_are_not_yes_no_values() -> None:
    with pytest.raises(ShapeError, match="expected a whole number"):
        CONVERTER.structure(True, int)


def test_text_is_normalised_to_nfc() -> None:
    agency = CONVERTER.structure(_agency(name="Sở Y te\u0302\u0301"), Agency)
    assert agency.name == "Sở Y tế"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yearly", Recurrence("yearly")),
        ({"once": 2025}, Recurrence("once", 2025)),
        ({"years": [2026, 2028]}, Recurrence("years", years=(2026, 2028))),
        ({"every": 2, "from": 2026}, Recurrence("every", 2026, every=2)),
    ],
)
def test_recurrence(value: object, expected: Recurrence) -> None:
    assert CONVERTER.structure(value, Recurrence) == expected
    assert CONVERTER.unstructure(expected) == value


_SHAPES = "'yearly', {once: YEAR}, {years: [YEAR, ...]} or {every: N, from: YEAR}"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("every year", f"expected {_SHAPES}, found str 'every year'"),
        ({"once": 2025, "x": 1}, f"expected {_SHAPES}, found a mapping"),
        (5, f"expected {_SHAPES}, found int 5"),
        ({"once": "2025"}, "expected a whole number, found str '2025'; remove the quotes"),
        ({"once": "next year"}, "expected a whole number, found str 'next year'"),
    ],
)
def test_recurrence_refuses_other_shapes(value: object, message: str) -> None:
    with pytest.raises(ShapeError) as info:
        CONVERTER.structure(value, Recurrence)
    assert str(info.value) == message
    assert info.value.key == ("once" if isinstance(value, dict) and len(value) == 1 else None)


def test_field_names_and_required_names() -> None:
    assert next(iter(field_names(Plan))) == "plan"
    assert "plan" in required_names(Plan)
    assert "workflow" in required_names(Plan)  # the loader supplies the default workflow
    assert required_names(Duty) == {"id", "title", "title_en", "lead", "recurrence", "source"}
