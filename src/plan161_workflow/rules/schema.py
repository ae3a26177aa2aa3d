"""The JSON Schema (draft 2020-12) of rules files, generated from the model's attrs classes, so
that editors can check a rules file as it is typed. The field docstrings become descriptions.

The schema checks shapes (keys, types, allowed words, required keys); the loader checks
everything else (references, dates, cycles, the workflow, succession). Regenerate the committed
copies with ``python -m plan161_workflow.rules.schema > rules/plan161.schema.json`` and
``python -m plan161_workflow.rules.schema --amendment > rules/plan161-amendment.schema.json``.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import json
import sys
import types
import typing
from typing import Any, Literal

import attrs

from plan161_workflow.model import period as period_model
from plan161_workflow.model import plan as model
from plan161_workflow.model.codec import CONVERTER
from plan161_workflow.model.period import SERIES_ID, Recurrence
from plan161_workflow.model.plan import Plan
from plan161_workflow.rules.amend import KEYED, MERGED, REMOVABLE
from plan161_workflow.rules.checks.workflow import NAME

DRAFT = "https://json-schema.org/draft/2020-12/schema"

_CODE = {"pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$"}
_REFINE: dict[tuple[str, str], dict[str, Any]] = {
    ("Agency", "code"): _CODE,
    ("AgencyGroup", "code"): _CODE,
    ("AgencyGroup", "members"): {"minItems": 1},
    ("Area", "items"): {"minItems": 1},
    ("Area", "lead"): {"minItems": 1},
    ("Duty", "lead"): {"minItems": 1},
    ("Plan", "rating_scale"): {"minItems": 1},
    ("Deadline", "day"): {"pattern": "^[0-9]{1,2}/[0-9]{1,2}$"},
    ("Period", "id"): {"pattern": f"^{SERIES_ID.pattern}$"},
    ("Period", "cutoff_day"): {"minimum": 1, "maximum": 31},
    ("QuarterOfYear", "quarter"): {"minimum": 1, "maximum": 4},
    ("WorkflowTransition", "trigger"): {"pattern": NAME.pattern},
    ("WorkflowAction", "trigger"): {"pattern": NAME.pattern},
    ("Workflow", "states"): {"items": {"type": "string", "pattern": NAME.pattern}},
}
"""Constraints on single fields that types do not express (the loader checks them too)."""

_PLAIN: dict[Any, dict[str, Any]] = {
    str: {"type": "string", "pattern": "\\S"},  # not blank, as the loader checks
    int: {"type": "integer"},
    bool: {"type": "boolean"},
    float: {"type": "number"},
    dt.date: {"type": "string", "format": "date"},
}


def build_schema() -> dict[str, Any]:
    """The schema of a rules file, as plain JSON values."""
    defs: dict[str, Any] = {"Recurrence": _recurrence()}
    top = _object(Plan, defs, _field_docs())
    top["required"] = [k for k in top["required"] if k != "workflow"]
    return {
        "$schema": DRAFT,
        "title": "plan161-workflow rules file",
        "description": (
            "A plan for plan161-workflow: agencies, content areas, duties, deadlines, roles. "
            "Generated from the model by plan161_workflow.rules.schema; do not edit."
        ),
        **top,
        "$defs": defs,
    }


def build_amendment_schema() -> dict[str, Any]:
    """The schema of an amendment file (``amends:``): every section of a plan, where an entry
    of a keyed list needs only its key and a mapping section any of its keys (see rules.amend)."""
    plan = build_schema()
    defs = dict(plan["$defs"])
    properties: dict[str, Any] = {
        "amends": {
            "type": "string",
            "pattern": "\\S",
            "description": "The rules file this one amends, relative to this file.",
        },
        "amendment": {
            "type": "object",
            "description": "What the amendment is: title, English title, legal basis, source.",
            "properties": {k: {"type": "string"} for k in ("title", "title_en", "basis", "source")},
            "additionalProperties": False,
        },
        "remove": {
            "type": "object",
            "description": "Areas and duties of the base to drop, by id.",
            "properties": {k: {"type": "array", "items": {"type": "string"}} for k in REMOVABLE},
            "additionalProperties": False,
        },
    }
    for section, prop in plan["properties"].items():
        ref = prop.get("$ref") or prop.get("items", {}).get("$ref")
        name = ref.rsplit("/", 1)[1] if ref else ""
        if section in KEYED or section in MERGED:
            patch = f"{name}Patch"
            defs[patch] = {**defs[name], "required": [KEYED[section]] if section in KEYED else []}
            target = {"$ref": f"#/$defs/{patch}"}
            properties[section] = (
                {**prop, "items": target} if section in KEYED else {**prop, **target}
            )
        else:
            properties[section] = prop
    return {
        "$schema": DRAFT,
        "title": "plan161-workflow amendment file",
        "description": (
            "Changes to another rules file (amends:), merged entry by entry. Generated from the "
            "model by plan161_workflow.rules.schema; do not edit."
        ),
        "type": "object",
        "properties": properties,
        "required": ["amends"],
        "additionalProperties": False,
        "$defs": defs,
    }


def schema_text(amendment: bool = False) -> str:
    """A schema as the committed file holds it: sorted keys, two-space indent, final newline."""
    schema = build_amendment_schema() if amendment else build_schema()
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _object(cls: type, defs: dict[str, Any], docs: dict[tuple[str, str], str]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in attrs.fields(cls):
        key = "plan" if (cls is Plan and field.name == "info") else field.name
        prop = {**_type(hints[field.name], defs, docs), **_REFINE.get((cls.__name__, key), {})}
        if field.default == "":
            prop.pop("pattern", None)  # empty text is the default: allowed
        doc = docs.get((cls.__name__, field.name))
        if doc:
            prop["description"] = doc
        if field.default is attrs.NOTHING:
            required.append(key)
        else:
            prop["default"] = CONVERTER.unstructure(field.default)
        properties[key] = prop
    return {
        "type": "object",
        "description": _doc(cls),
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _type(tp: Any, defs: dict[str, Any], docs: dict[tuple[str, str], str]) -> dict[str, Any]:
    if tp in _PLAIN:
        return dict(_PLAIN[tp])
    if tp is Recurrence:
        return {"$ref": "#/$defs/Recurrence"}
    if attrs.has(tp):
        if tp.__name__ not in defs:
            defs[tp.__name__] = {}  # a placeholder first: a class may refer to itself
            defs[tp.__name__] = _object(tp, defs, docs)
        return {"$ref": f"#/$defs/{tp.__name__}"}
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        return {"type": "string", "enum": list(args)}
    if origin is tuple:
        return {"type": "array", "items": _type(args[0], defs, docs)}
    if origin in (typing.Union, types.UnionType):
        options = [_type(a, defs, docs) for a in args if a is not type(None)]
        return {"anyOf": [*options, {"type": "null"}]}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _recurrence() -> dict[str, Any]:
    def keyed(properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }

    year = {"type": "integer", "description": "A year."}
    return {
        "description": _doc(Recurrence)
        + " Write `yearly`, `{once: YEAR}`, `{years: [YEAR, ...]}` or `{every: N, from: YEAR}`.",
        "oneOf": [
            {"const": "yearly"},
            keyed({"once": year}),
            keyed({"years": {"type": "array", "items": year, "minItems": 1}}),
            keyed({"every": {"type": "integer", "minimum": 1}, "from": year}),
        ],
    }


def _doc(cls: type) -> str:
    return _plain(inspect.getdoc(cls) or cls.__name__)


def _plain(text: str) -> str:
    return " ".join(text.replace("``", "`").split())


def _field_docs() -> dict[tuple[str, str], str]:
    """(class, field) -> the string literal written under the field in the model's source."""
    out: dict[tuple[str, str], str] = {}
    nodes = [n for m in (model, period_model) for n in ast.parse(inspect.getsource(m)).body]
    for node in nodes:
        if not isinstance(node, ast.ClassDef):
            continue
        for first, second in zip(node.body, node.body[1:], strict=False):
            if (
                isinstance(first, ast.AnnAssign)
                and isinstance(first.target, ast.Name)
                and isinstance(second, ast.Expr)
                and isinstance(second.value, ast.Constant)
                and isinstance(second.value.value, str)
            ):
                out[(node.name, first.target.id)] = _plain(second.value.value)
    return out


if __name__ == "__main__":
    print(schema_text(amendment="--amendment" in sys.argv), end="")
