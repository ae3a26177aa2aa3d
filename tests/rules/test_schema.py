"""The JSON Schema in rules/ is the one the model generates, and every valid rules file passes
it; it catches the shape mistakes an editor can show while typing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rules_support import HA_TINH, INVALID, SCHEMA, VALID, plain

from plan161_workflow.rules.schema import build_schema, schema_text
from plan161_workflow.rules.source import read_document


@pytest.fixture(scope="module")
def rules_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _document(path: Path) -> Any:
    return plain(read_document(path.read_text(encoding="utf-8")).data)


def test_committed_schema_is_the_generated_one() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        "rules/plan161.schema.json is stale: run "
        "python -m plan161_workflow.rules.schema > rules/plan161.schema.json"
    )


@pytest.mark.slow
def test_module_prints_the_schema() -> None:
    command = [sys.executable, "-m", "plan161_workflow.rules.schema"]
    done = subprocess.run(command, capture_output=True, timeout=60, check=True)
    assert done.stdout.decode("utf-8") == schema_text()


@pytest.mark.parametrize("path", [HA_TINH, *VALID], ids=lambda p: p.stem)
def test_valid_files_pass_the_schema(
    rules_validator: jsonschema.Draft202012Validator, path: Path
) -> None:
    errors = [f"{e.json_path}: {e.message}" for e in rules_validator.iter_errors(_document(path))]
    assert not errors


SHAPE_MISTAKES = [
    "unknown-key-typo",
    "unknown-key-nested",
    "text-where-number",
    "missing-required-field",
    "list-where-text",
    "text-where-list",
    "area-without-lead",
    "rating-scale-empty",
    "workflow-unknown-role",
    "workflow-trigger-not-identifier",
    "unknown-literal",
    "empty-text",
]


@pytest.mark.parametrize("name", SHAPE_MISTAKES)
def test_shape_mistakes_fail_the_schema(
    rules_validator: jsonschema.Draft202012Validator, name: str
) -> None:
    (path,) = [p for p in INVALID if p.stem == name]
    assert list(rules_validator.iter_errors(_document(path)))


def test_schema_shape() -> None:
    schema = build_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"plan", "agencies", "areas", "roles", "rating_scale"}
    assert schema["properties"]["plan"] == {
        "$ref": "#/$defs/PlanInfo",
        "description": "Identity, years, legal basis.",
    }
    agency = schema["$defs"]["Agency"]
    assert agency["additionalProperties"] is False
    assert agency["properties"]["valid_to"]["anyOf"][0] == {"type": "string", "format": "date"}
    assert "provincial_peoples_committee" in agency["properties"]["kind"]["enum"]
    assert agency["properties"]["code"]["description"] == "Stable ASCII code, e.g. `so-ldtbxh`."
    rating = schema["$defs"]["Rating"]
    assert rating["required"] == ["code", "name", "name_en", "source"]
    recurrence = schema["$defs"]["Recurrence"]["oneOf"]
    assert recurrence[0] == {"const": "yearly"}
    assert recurrence[1]["required"] == ["once"]


AMENDMENT_SCHEMA = SCHEMA.with_name("plan161-amendment.schema.json")
REORGANISATION = HA_TINH.with_name("ha-tinh-161-sap-xep-2025.yaml")


def test_committed_amendment_schema_is_the_generated_one() -> None:
    assert AMENDMENT_SCHEMA.read_text(encoding="utf-8") == schema_text(amendment=True), (
        "rules/plan161-amendment.schema.json is stale: run python -m "
        "plan161_workflow.rules.schema --amendment > rules/plan161-amendment.schema.json"
    )


def test_amendment_files_pass_the_amendment_schema_and_mistakes_do_not() -> None:
    schema = json.loads(AMENDMENT_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    check = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    document = _document(REORGANISATION)
    assert not [e.message for e in check.iter_errors(document)]
    assert list(check.iter_errors({**document, "agencys": []}))  # a mistyped section
    assert list(check.iter_errors({**document, "agencies": [{"name": "Sở mới"}]}))  # no code
    assert list(check.iter_errors({"agencies": []}))  # no amends
    assert not list(check.iter_errors({"amends": "base.yaml", "roles": {"evaluator": "x"}}))
