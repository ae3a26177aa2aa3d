"""docs/rules-format.md documents every key of the format, and its workflow example is the one
the tests load."""

from __future__ import annotations

import re

import attrs
import pytest
from rules_support import DOCS, MINIMAL

from plan161_workflow.model import plan as model
from plan161_workflow.rules.source import read_document

CLASSES = [cls for cls in vars(model).values() if isinstance(cls, type) and attrs.has(cls)]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_key_is_documented(cls: type) -> None:
    text = DOCS.read_text(encoding="utf-8")
    for field in attrs.fields(cls):
        if cls is model.Recurrence or (cls, field.name) == (model.Plan, "info"):
            continue  # written `plan:`; `yearly` or `{once: YEAR}`
        assert f"`{field.name}`" in text, f"{cls.__name__}.{field.name} is not documented"


def test_every_allowed_word_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    words = model.AGENCY_KINDS + model.SHIFTS + model.DEADLINE_KINDS + model.DAY_UNITS + model.ROLES
    missing = [w for w in (*words, *model.REQUIREMENTS) if f"`{w}`" not in text]
    assert not missing


def test_the_verified_workflow_example_is_the_tested_fixture() -> None:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"<!-- example: verified-workflow -->\n```yaml\n(.*?)```", text, re.DOTALL)
    assert match, "the example block is missing from docs/rules-format.md"
    documented = read_document(match[1]).data["workflow"]
    fixture = MINIMAL.parent / "verified-workflow.yaml"
    assert documented == read_document(fixture.read_text(encoding="utf-8")).data["workflow"]
    assert match[1] in fixture.read_text(encoding="utf-8")
