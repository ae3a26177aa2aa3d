"""The public surface is exactly ``plan161_workflow.__all__``, and it is honest: every exported
name exists and is documented, every public name is exported, and every type a public method of
``Engine`` takes or returns (and every type inside those records) can be imported from the
package (as httpx's ``test_exported_members`` checks its own ``__all__``)."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import inspect
import types
import typing
from collections.abc import Iterator
from pathlib import Path

import attrs

import plan161_workflow
from plan161_workflow import Engine

EXPORTED = set(plan161_workflow.__all__)


def test_every_exported_name_exists_and_is_documented() -> None:
    assert len(EXPORTED) == len(plan161_workflow.__all__), "a name listed twice"
    for name in EXPORTED:
        assert hasattr(plan161_workflow, name), name
        if name.startswith("__"):
            continue
        member = getattr(plan161_workflow, name)
        assert inspect.getdoc(member), f"{name} has no docstring"
        if inspect.isclass(member) and member.__module__.startswith("plan161_workflow"):
            assert member.__doc__ not in (None, object.__doc__), name


def test_every_public_name_of_the_package_is_exported() -> None:
    public = {
        name
        for name, member in vars(plan161_workflow).items()
        if not name.startswith("_") and not isinstance(member, types.ModuleType)
    }
    assert public - EXPORTED == set()


def test_the_version_is_the_installed_distributions() -> None:
    assert plan161_workflow.__version__ == importlib.metadata.version("plan161-workflow")


def _public_methods(cls: type) -> Iterator[tuple[str, typing.Any]]:
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") and name != "__init__":
            continue
        if inspect.isfunction(member) or inspect.ismethod(member):
            yield name, member


def _classes(hint: object) -> Iterator[type]:
    """The classes named in a type hint (inside unions, generics and literals)."""
    if isinstance(hint, type) and not typing.get_args(hint):
        yield hint
        return
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return
    if isinstance(origin, type):
        yield origin
    for arg in typing.get_args(hint):
        if arg is not Ellipsis and not isinstance(arg, list):
            yield from _classes(arg)
        elif isinstance(arg, list):
            for item in arg:
                yield from _classes(item)


def _ours(cls: type) -> bool:
    return cls.__module__.split(".")[0] == "plan161_workflow"


def test_every_type_in_a_public_signature_of_engine_is_exported() -> None:
    seen: set[type] = set()
    todo: list[type] = []
    for name, method in _public_methods(Engine):
        hints = typing.get_type_hints(method)
        assert hints, f"Engine.{name} has no annotations"
        for hint in hints.values():
            todo += _classes(hint)
    while todo:  # the records returned, and the records inside them
        cls = todo.pop()
        if cls in seen or not _ours(cls):
            continue
        seen.add(cls)
        if attrs.has(cls):
            for hint in typing.get_type_hints(cls).values():
                todo += _classes(hint)
    missing = sorted(
        c.__qualname__ for c in seen if getattr(plan161_workflow, c.__name__, None) is not c
    )
    assert missing == []
    named = {"Change", "VerifyReport", "Amendment", "TaskChange", "Rulebook", "Cycle",
             "Consolidation", "Task", "Event", "Notice", "Plan", "Clock"}  # fmt: skip
    assert named <= {c.__name__ for c in seen}
    assert {*named, "FakeClock", "load_rules", "__version__"} <= EXPORTED


def test_no_public_method_returns_a_bare_dict_record() -> None:
    records = ("cycles", "consolidate", "consolidations", "cycle_as_of")
    for name in records:
        hint = typing.get_type_hints(getattr(Engine, name))["return"]
        assert dict not in set(_classes(hint)), name


def test_records_are_frozen_and_typed() -> None:
    from plan161_workflow import Consolidation, Cycle, FakeClock, MissingReport, load_rules

    clock = FakeClock(dt.date(2024, 11, 1))
    eng = Engine(
        load_rules(Path(__file__).resolve().parents[1] / "rules" / "ha-tinh-161.yaml"), clock=clock
    )
    eng.open_cycle(2024)
    (cycle,) = eng.cycles()
    assert isinstance(cycle, Cycle)
    assert cycle.year == 2024
    assert not cycle.closed
    assert cycle.opened_at == clock()
    assert eng.cycle_as_of(2024, dt.date(2024, 11, 1)) == cycle
    assert eng.cycle_as_of(2024, dt.date(2024, 10, 31)) is None
    clock.set(dt.datetime(2024, 12, 20, 9, 0))  # every report due: all of them missing
    missing = sorted({t.agency for t in eng.tasks(year=2024)})
    record = eng.consolidate(2024, actor=eng.plan.roles.consolidator, waive=missing)
    assert isinstance(record, Consolidation)
    assert record.tasks == ()
    assert all(isinstance(m, MissingReport) for m in record.missing)
    assert {m.agency for m in record.missing} == set(record.waived) == set(missing)
    assert eng.consolidations(2024) == [record]
    assert record.to_json()["missing"][0] == {
        "task": record.missing[0].task_id,
        "agency": record.missing[0].agency,
    }
    try:
        record.year = 2025  # type: ignore[misc]
    except attrs.exceptions.FrozenInstanceError:
        pass
    else:  # pragma: no cover
        raise AssertionError("a record can be changed")
