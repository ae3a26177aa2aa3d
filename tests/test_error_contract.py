"""One error contract (issue 13, point 7): whatever arguments a caller passes to a public
function or method, only ``Plan161Error`` subclasses leave it; a wrong argument is also a
``ValueError`` (``PayloadError``, ``RulesError``). Random values of every type (with real codes,
ids and years among them, to reach deep) go into every public method of ``Engine`` and every
public function of the package, and random documents into the rules parser."""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import plan161_workflow as public
from plan161_workflow import Engine, FakeClock, Plan161Error, load_rules, parse_rules

pytestmark = pytest.mark.slow  # many examples for each of about forty entry points

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "ha-tinh-161.yaml"
TASK = "2024/II.1/so-tttt"
REAL = st.sampled_from(
    [TASK, "so-tttt", "so-ldtbxh", "ubnd-tp-ha-tinh", 2024, 2025, "2024", "start", "submit",
     "consolidator", "evaluator", "II.1", "annual", "open", "reported", dt.date(2024, 12, 5),
     {"summary": "Báo cáo"}, ["so-tttt"], "A", 0, 1, -1]
)  # fmt: skip
ANY = st.one_of(
    REAL,
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**20) | st.integers(max_value=-(10**20)),
    st.floats(),
    st.text(max_size=12),
    st.binary(max_size=8),
    st.lists(st.text(max_size=4) | st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.text(max_size=4) | st.integers(), max_size=3),
    st.dates(),
    st.datetimes(),
    st.just(object()),
    st.just(float("nan")),
    st.just(Path(".")),
)
SKIPPED = {
    "close": "ends the engine: every later call is a StoreError by design",
    "wait_for_changes": "a valid timeout waits that long (its arguments are checked below)",
}


def _safe_path(value: object) -> object:
    """A path argument kept inside the test's folder: a random absolute text could name a
    system file, and a backup or a copy would write there."""
    if isinstance(value, str | bytes | os.PathLike):
        text = os.fsdecode(value)
        return "x" + text.replace("/", "_").replace("\0", "") if text else text
    return value


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.chdir(tmp_path)
    eng = Engine(load_rules(RULES), clock=FakeClock(dt.date(2024, 11, 20)))
    eng.open_cycle(2024)
    yield eng
    eng.close()


def _methods() -> list[str]:
    names = [n for n in dir(Engine) if not n.startswith("_") and callable(getattr(Engine, n))]
    return [n for n in names if n not in SKIPPED]


def _call(target: Any, draw: st.DrawFn, paths: bool) -> None:
    """Call ``target`` with a random value for each of its parameters (keyword ones left out
    at random)."""
    args: list[object] = []
    kwargs: dict[str, object] = {}
    for p in inspect.signature(target).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.default is not p.empty and draw(st.booleans()):
            continue
        value = draw(ANY)
        if paths:
            value = _safe_path(value)
        if p.kind == p.KEYWORD_ONLY:
            kwargs[p.name] = value
        else:
            args.append(value)
    with contextlib.suppress(Plan161Error):
        target(*args, **kwargs)


@pytest.mark.parametrize("name", _methods())
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_engine_methods_raise_only_project_errors(
    engine: Engine, name: str, data: st.DataObject
) -> None:
    _call(getattr(engine, name), data.draw, paths=name in ("backup", "open"))


def test_wait_for_changes_checks_its_arguments(engine: Engine) -> None:
    for bad in (None, "x", -1, float("nan"), float("inf"), object(), 10**20):
        with pytest.raises(public.PayloadError):
            engine.wait_for_changes(timeout=bad)  # type: ignore[arg-type]
        with pytest.raises(public.PayloadError):
            engine.wait_for_changes(after=bad, timeout=0)  # type: ignore[arg-type]


FUNCTIONS = sorted(
    n
    for n in public.__all__
    if inspect.isfunction(getattr(public, n)) and n not in ("system_clock",)
)


@pytest.mark.parametrize("name", FUNCTIONS)
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_public_functions_raise_only_project_errors(
    name: str, data: st.DataObject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _call(getattr(public, name), data.draw, paths=True)


DOCUMENTS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(max_size=10)
            | st.sampled_from(
                ["plan", "agencies", "areas", "roles", "periods", "deadlines", "workflow", "amends"]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(doc=DOCUMENTS)
def test_random_rules_documents_are_rules_errors(doc: object) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    with pytest.raises(public.RulesError):
        parse_rules(text.encode("utf-8"), "random.yaml")


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=200))
def test_random_bytes_are_rules_errors(raw: bytes) -> None:
    with pytest.raises(public.RulesError):
        parse_rules(raw, "random.yaml")
