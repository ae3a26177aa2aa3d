"""A head hash kept elsewhere is given back as printed: whole or its first 16 or more hex digits,
in either case. A value that is not a head hash is a usage error, never a report of tampering."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from durable_kit import clock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plan161_workflow.cli import main
from plan161_workflow.engine import Engine
from plan161_workflow.errors import PayloadError
from plan161_workflow.model.plan import Plan
from plan161_workflow.store.verify import HEAD_MIN_DIGITS, head_prefix

TASK = "2024/II.1/so-tttt"
HEX = "0123456789abcdef"


@pytest.fixture(scope="module")
def short_history_engine(plan: Plan) -> Iterator[Engine]:
    """An short_history_engine in memory with a short history (read only by these tests)."""
    eng = Engine(plan, clock=clock())
    eng.open_cycle(2024)
    eng.fire(TASK, "start", actor="so-tttt")
    eng.fire(TASK, "submit", actor="so-tttt", report={"summary": "Đã tổ chức"})
    yield eng
    eng.close()


def _hashes(eng: Engine) -> list[str]:
    return [str(r[0]) for r in eng.store.conn.execute("SELECT hash FROM events ORDER BY seq")]


def test_the_printed_head_is_accepted(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--db", str(db)]) == 0
    printed = capsys.readouterr().out.strip().rsplit(" ", 1)[1]
    assert len(printed) == HEAD_MIN_DIGITS
    with Engine.open(db, read_only=True) as eng:
        whole = eng.verify().head
    for kept in (printed, printed.upper(), whole, whole.upper(), f" {printed}\n"):
        assert main(["verify", "--db", str(db), "--expect-head", kept]) == 0
        assert capsys.readouterr().out.startswith("intact: ")


@pytest.mark.parametrize(
    "kept",
    ["", "   ", "deadbeef", "29f199592bfe223", "g" * 16, "29f1-9592bfe223f0", "a" * 65, "ｆ" * 16],
    ids=["empty", "blank", "8-digits", "15-digits", "not-hex", "dash", "65-digits", "fullwidth"],
)
def test_a_value_that_is_not_a_head_hash_is_a_usage_error(
    db: Path, capsys: pytest.CaptureFixture[str], kept: str
) -> None:
    status = main(["verify", "--db", str(db), "--expect-head", kept])
    out = capsys.readouterr()
    assert status == 2
    assert "TAMPERED" not in out.out + out.err
    assert "--expect-head" in out.err
    assert "16 to 64 hex digits" in out.err


def test_a_head_hash_not_in_the_chain_is_still_a_rewritten_history(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "--db", str(db), "--expect-head", "ef" * 8]) == 1
    assert "history was rewritten" in capsys.readouterr().out


@pytest.mark.slow
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_prefix_of_16_or_more_digits_of_any_event_in_either_case_holds(
    short_history_engine: Engine, data: st.DataObject
) -> None:
    hashes = _hashes(short_history_engine)
    chosen = data.draw(st.sampled_from(hashes))
    length = data.draw(st.integers(HEAD_MIN_DIGITS, 64))
    upper = data.draw(st.lists(st.booleans(), min_size=length, max_size=length))
    kept = "".join(c.upper() if u else c for c, u in zip(chosen[:length], upper, strict=True))
    assert short_history_engine.verify(expect_head=kept).ok


@pytest.mark.slow
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kept=st.text(max_size=70) | st.text(HEX + HEX.upper(), max_size=70) | st.none(),
    data=st.data(),
)
def test_any_text_is_refused_as_input_or_judged_against_the_chain(
    short_history_engine: Engine, kept: str | None, data: st.DataObject
) -> None:
    if kept is None:  # a real event hash, cut anywhere and perhaps altered: both verdicts occur
        real = data.draw(st.sampled_from(_hashes(short_history_engine)))
        kept = real[: data.draw(st.integers(0, 64))] + data.draw(st.text(HEX, max_size=3))
    text = kept.strip()
    if ":" in text or set(text) == {"0"}:  # an anchor HEAD:COUNT; the chain's starting value
        return
    if not (HEAD_MIN_DIGITS <= len(text) <= 64 and set(text.lower()) <= set(HEX)):
        with pytest.raises(PayloadError) as caught:
            short_history_engine.verify(expect_head=kept)
        assert "16 to 64 hex digits" in str(caught.value)
        return
    report = short_history_engine.verify(expect_head=kept)
    prefix = head_prefix(kept)
    assert report.ok == any(h.startswith(prefix) for h in _hashes(short_history_engine))
    if not report.ok:
        assert "history was rewritten" in report.chain_problem


def test_a_prefix_of_two_events_is_refused_as_ambiguous(db: Path) -> None:
    prefix = "ab" * 8
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute(
            "UPDATE events SET hash = ? || substr(hash, 17) WHERE seq IN (1, 2)", (prefix,)
        )
    with Engine.open(db, read_only=True) as eng, pytest.raises(PayloadError) as caught:
        eng.verify(expect_head=prefix)
    assert "matches events 1 and 2; give more digits" in str(caught.value)
