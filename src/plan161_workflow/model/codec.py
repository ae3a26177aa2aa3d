"""The project's cattrs Converter: plain values <-> the frozen plan model.

Strict on purpose: text must be text (no ``5`` silently becoming ``"5"``), whole numbers must be
whole numbers (not ``true``), lists must be lists (not a string split into characters).
Dates unstructure to ISO text and structure from a ``date`` or ISO text, so that
``structure(unstructure(plan)) == plan``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import types
import typing
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, Literal

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from plan161_workflow.hints import suggest
from plan161_workflow.model.period import Period, Recurrence
from plan161_workflow.model.plan import Area, Duty, Plan, Workflow


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a yes/no value ({value})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date):
        return f"a date ({value.isoformat()})"
    return f"{type(value).__name__} {value!r}"


class ShapeError(ValueError):
    """A value of the wrong shape; the message says what was found and what was expected."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        """The key, inside the mapping being structured, that holds the wrong value (``once``
        of ``{once: YEAR}``), when the hook of the mapping as a whole found it."""


def _text(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise ShapeError(f"expected text, found {_describe(value)}; quote it if it is text")
    return unicodedata.normalize("NFC", value)


def _whole(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        quoted = isinstance(value, str) and value.lstrip("+-").isdigit()
        unquote = "; remove the quotes" if quoted else ""
        raise ShapeError(f"expected a whole number, found {_describe(value)}{unquote}")
    return value


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value: object, _: type) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ShapeError(f"expected a date written YYYY-MM-DD, found {_describe(value)}")


_RECURRENCE = "'yearly', {once: YEAR}, {years: [YEAR, ...]} or {every: N, from: YEAR}"


def _recurrence(value: object, _: type) -> Recurrence:
    if value == "yearly":
        return Recurrence("yearly")
    if isinstance(value, dict) and set(value) == {"once"}:
        return Recurrence("once", _keyed_whole(value, "once"))
    if isinstance(value, dict) and set(value) == {"years"}:
        years = value["years"]
        if not isinstance(years, list) or not years:
            raise ShapeError(f"expected a list of years, found {_describe(years)}", key="years")
        return Recurrence("years", years=tuple(_keyed_whole(value, "years", y) for y in years))
    if isinstance(value, dict) and set(value) == {"every", "from"}:
        every = _keyed_whole(value, "every")
        if every < 1:
            raise ShapeError(f"every {every} years: expected 1 or more", key="every")
        return Recurrence("every", year=_keyed_whole(value, "from"), every=every)
    raise ShapeError(f"expected {_RECURRENCE}, found {_describe(value)}")


def _keyed_whole(value: dict[str, object], key: str, item: object = None) -> int:
    try:
        return _whole(value[key] if item is None else item, int)
    except ShapeError as exc:
        raise ShapeError(str(exc), key=key) from None


def _unstructure_recurrence(value: Recurrence) -> object:
    if value.kind == "once":
        return {"once": value.year}
    if value.kind == "years":
        return {"years": list(value.years)}
    if value.kind == "every":
        return {"every": value.every, "from": value.year}
    return "yearly"


def _is_literal(tp: Any) -> bool:
    return typing.get_origin(tp) is Literal


def _literal_hook(tp: Any) -> Callable[[object, type], object]:
    allowed = typing.get_args(tp)

    def hook(value: object, _: type) -> object:
        if isinstance(value, str):
            value = unicodedata.normalize("NFC", value)
        if value not in allowed:
            hint = suggest(value, map(str, allowed)) if isinstance(value, str) else ""
            raise ShapeError(
                f"found {_describe(value)}; expected one of: {', '.join(map(str, allowed))}{hint}"
            )
        return value

    return hook


def _mapping_only(cls: type, structure: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``structure``, refusing anything but a mapping with a message that names the keys."""

    def hook(value: object, tp: Any) -> Any:
        if not isinstance(value, dict):
            keys = ", ".join(field_names(cls))
            raise ShapeError(f"expected a mapping with keys {keys}; found {_describe(value)}")
        return structure(value, tp)

    return hook


def _is_homogeneous_tuple(tp: Any) -> bool:
    args = typing.get_args(tp)
    return typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def make_converter() -> cattrs.Converter:
    """A fresh converter with the project's strict hooks and key names."""
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(str, _text)
    conv.register_structure_hook(int, _whole)
    conv.register_structure_hook(dt.date, _date)
    conv.register_unstructure_hook(dt.date, lambda d: d.isoformat())
    conv.register_structure_hook(Recurrence, _recurrence)
    conv.register_unstructure_hook(Recurrence, _unstructure_recurrence)
    conv.register_structure_hook_factory(_is_literal, _literal_hook)

    def tuple_hook(tp: Any) -> Callable[[object, type], tuple[Any, ...]]:
        item_type = typing.get_args(tp)[0]
        base = conv.get_structure_hook(list[item_type])  # type: ignore[valid-type]

        def hook(value: object, _: type) -> tuple[Any, ...]:
            if not isinstance(value, list | tuple):
                raise ShapeError(f"expected a list, found {_describe(value)}")
            return tuple(base(value, list[item_type]))  # type: ignore[valid-type]

        return hook

    conv.register_structure_hook_factory(_is_homogeneous_tuple, tuple_hook)
    conv.register_structure_hook_factory(
        attrs.has, lambda cls: _mapping_only(cls, make_dict_structure_fn(cls, conv))
    )
    # Left out when empty, so that rules written before labels existed keep their digest.
    conv.register_unstructure_hook(
        Workflow, make_dict_unstructure_fn(Workflow, conv, labels=override(omit_if_default=True))
    )
    # Fields added with periods are left out when default, so that earlier rules keep their
    # digest (a database's cycles name the rules they were opened with by digest).
    for cls in (Area, Duty):
        conv.register_unstructure_hook(
            cls,
            make_dict_unstructure_fn(
                cls,
                conv,
                periods=override(omit_if_default=True),
                recurrence=override(omit_if_default=cls is Area),
            ),
        )
    conv.register_unstructure_hook(
        Period, make_dict_unstructure_fn(Period, conv, _cattrs_omit_if_default=True)
    )
    # In a rules file the plan's identity sits under ``plan:``.
    plan_fn = make_dict_structure_fn(Plan, conv, info=override(rename="plan"))
    conv.register_structure_hook(Plan, _mapping_only(Plan, plan_fn))
    conv.register_unstructure_hook(
        Plan,
        make_dict_unstructure_fn(
            Plan, conv, info=override(rename="plan"), periods=override(omit_if_default=True)
        ),
    )
    return conv


CONVERTER = make_converter()
"""The converter used by the loader, the store and the JSON exports."""


@functools.cache
def field_names(cls: type) -> Mapping[str, Any]:
    """Key name -> type for an attrs class, as written in a rules file, in field order."""
    names: dict[str, Any] = {}
    hints = typing.get_type_hints(cls)
    for f in attrs.fields(cls):
        key = "plan" if (cls is Plan and f.name == "info") else f.name
        names[key] = hints[f.name]
    return types.MappingProxyType(names)


@functools.cache
def required_names(cls: type) -> frozenset[str]:
    """Keys an attrs class needs (no default)."""
    out = set()
    for f in attrs.fields(cls):
        if f.default is attrs.NOTHING:
            out.add("plan" if (cls is Plan and f.name == "info") else f.name)
    return frozenset(out)
