"""No blank text: every text field of the plan says something (the workflow's names are
checked with the workflow)."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from plan161_workflow.model.plan import Plan
from plan161_workflow.rules.checks.common import Found
from plan161_workflow.rules.source import Path


def blank_text_problems(plan: Plan) -> Iterator[Found]:
    """A problem for each empty or blank text, except fields whose default is empty text."""
    for field in attrs.fields(Plan):
        if field.name != "workflow":
            key = "plan" if field.name == "info" else field.name
            yield from _walk(getattr(plan, field.name), (key,), may_be_empty=False)


def _walk(value: object, path: Path, *, may_be_empty: bool) -> Iterator[Found]:
    if isinstance(value, str):
        if not value.strip() and not may_be_empty:
            yield path, "empty text; write something or remove the key"
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from _walk(item, (*path, i), may_be_empty=False)
    elif attrs.has(cls := type(value)):
        for field in attrs.fields(cls):
            empty_ok = field.default == ""
            yield from _walk(getattr(value, field.name), (*path, field.name), may_be_empty=empty_ok)
