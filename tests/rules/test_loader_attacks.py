"""The rules loader against hostile or careless files (issue 13, point 5): every case is refused
at once with a RulesError that says what and where, and nothing outside the rules is read or
echoed."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from plan161_workflow import RulesError, load_rules, parse_rules
from plan161_workflow.hints import suggest, suggestion_budget
from plan161_workflow.rules.source import MAX_DEPTH

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "tests" / "rules" / "valid" / "minimal.yaml"


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail (rather than hang the suite) when a test blocks for 10 s."""
    if threading.current_thread() is not threading.main_thread():  # pragma: no cover
        yield
        return

    def expired(*_: object) -> None:
        raise AssertionError("blocked: the loader waited on a file that never ends")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(10)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _refused(text: str, name: str = "r.yaml") -> RulesError:
    with pytest.raises(RulesError) as info:
        parse_rules(text, name)
    return info.value


# --- recursion and depth --------------------------------------------------------------------


def test_recursive_alias_is_refused() -> None:
    """The issue: ``x: &a [*a]`` raised RecursionError."""
    error = _refused("x: &a [*a]\n")
    assert "recursive alias" in str(error)
    assert error.problems[0].line == 1


def test_recursive_alias_in_a_mapping_is_refused() -> None:
    error = _refused("x: &a {y: *a}\n")
    assert "recursive alias" in str(error)


@pytest.mark.parametrize(
    "text",
    [
        "x: " + "[" * 5000 + "]" * 5000 + "\n",
        "x: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
        "- " * 3000 + "x\n",
        "x:\n" + "".join(" " * i + "- \n" for i in range(2000)),
    ],
    ids=["flow-seq", "flow-map", "block-seq-inline", "block-seq"],
)
def test_deep_nesting_is_refused(text: str) -> None:
    """The issue: deep nesting raised RecursionError."""
    error = _refused(text)
    assert f"nested more than {MAX_DEPTH} deep" in str(error)


def test_nesting_at_the_bound_is_read() -> None:
    """The bound is stated and exact: MAX_DEPTH levels are read, one more is refused."""
    inside = "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)
    error = _refused(f"x: {inside}\n")  # read, then refused as an unknown section, not as deep
    assert "nested" not in str(error)
    deeper = "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH
    assert "nested" in str(_refused(f"x: {deeper}\n"))


# --- control characters ---------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\\0", "\\e", "\\r", "\\a", "\\x9b", "\\u202e", "\\n"])
def test_control_characters_in_names_are_refused(char: str) -> None:
    """The issue: NUL, ESC, CR and BEL were accepted in names although the docs refuse them."""
    text = MINIMAL.read_text(encoding="utf-8").replace("name: Sở Y tế", f'name: "Sở{char}Y tế"', 1)
    error = _refused(text)
    assert len(error.problems) == 1
    problem = error.problems[0]
    assert problem.path == "agencies[2].name"
    assert problem.line > 0
    assert "line break" in problem.message or "control character" in problem.message


def test_control_characters_in_keys_are_refused() -> None:
    text = MINIMAL.read_text(encoding="utf-8") + '"x\\ey": 1\n'
    error = _refused(text)
    assert any("control character" in p.message for p in error.problems)


def test_line_breaks_stay_allowed_in_multiline_fields() -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace(
        "      - Nội dung thứ nhất.", '      - "Nội dung\\nthứ nhất."', 1
    )
    plan = parse_rules(text, "r.yaml")
    assert plan.areas[0].items[0] == "Nội dung\nthứ nhất."


def test_a_cr_is_refused_even_in_multiline_fields() -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace(
        "      - Nội dung thứ nhất.", '      - "Nội dung\\rthứ nhất."', 1
    )
    assert "U+000D" in str(_refused(text))


# --- non-regular files ----------------------------------------------------------------------


@pytest.mark.usefixtures("deadline")
def test_a_fifo_as_rules_file_is_refused_at_once(tmp_path: Path) -> None:
    """The issue: a FIFO as rules file hung forever."""
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    with pytest.raises(RulesError, match="not a regular file"):
        load_rules(fifo)


@pytest.mark.usefixtures("deadline")
def test_a_fifo_as_base_is_refused_at_once(tmp_path: Path) -> None:
    """The issue: a FIFO named by ``amends:`` hung forever."""
    os.mkfifo(tmp_path / "base.yaml")
    amendment = tmp_path / "a.yaml"
    amendment.write_text("amends: base.yaml\n", encoding="utf-8")
    with pytest.raises(RulesError, match="not a regular file") as info:
        load_rules(amendment)
    assert info.value.problems[0].path == "amends"


@pytest.mark.usefixtures("deadline")
def test_a_device_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="not a regular file"):
        load_rules("/dev/zero")


# --- amends: confined, and never echoing --------------------------------------------------


@pytest.mark.parametrize("base", ["/etc/passwd", "../../../../../../etc/passwd", "../outside.yaml"])
def test_amends_outside_the_folder_is_refused_unread(tmp_path: Path, base: str) -> None:
    """The issue: ``amends:`` naming the password file raised a raw ValueError; it read any
    readable file and echoed its key names."""
    (tmp_path / "outside.yaml").write_text("secret-key: secret-value\n", encoding="utf-8")
    folder = tmp_path / "rules"
    folder.mkdir()
    amendment = folder / "a.yaml"
    amendment.write_text(f"amends: {base}\n", encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(amendment)
    message = str(info.value)
    assert "outside the folder" in message
    assert "root:" not in message
    assert "secret" not in message
    assert info.value.problems[0].path == "amends"


def test_amends_through_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text("secret-key: 1\n", encoding="utf-8")
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "base.yaml").symlink_to(tmp_path / "outside.yaml")
    (folder / "a.yaml").write_text("amends: base.yaml\n", encoding="utf-8")
    with pytest.raises(RulesError, match="outside the folder") as info:
        load_rules(folder / "a.yaml")
    assert "secret" not in str(info.value)


def test_a_folder_the_caller_allows_may_hold_the_base(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "base.yaml").write_text(MINIMAL.read_text(encoding="utf-8"), encoding="utf-8")
    folder = tmp_path / "rules"
    folder.mkdir()
    amendment = folder / "a.yaml"
    amendment.write_text(
        "amends: ../shared/base.yaml\namendment: {title: Sửa đổi, basis: thử, source: x}\n",
        encoding="utf-8",
    )
    with pytest.raises(RulesError, match="outside the folder"):
        load_rules(amendment)
    plan = load_rules(amendment, allow=[shared])
    assert plan.info.title == "Kế hoạch thử nghiệm"


@pytest.mark.parametrize(
    "content",
    [
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n",
        "password-of-the-db: hunter2\ntoken: abc\n",
        "- hunter2\n- abc\n",
        "a: [unclosed hunter2\n",
    ],
    ids=["passwd", "other-yaml", "a-list", "bad-yaml"],
)
def test_a_base_that_is_not_rules_is_never_echoed(tmp_path: Path, content: str) -> None:
    (tmp_path / "base.yaml").write_text(content, encoding="utf-8")
    (tmp_path / "a.yaml").write_text("amends: base.yaml\n", encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(tmp_path / "a.yaml")
    message = str(info.value)
    for secret in ("root:x", "hunter2", "password-of-the-db", "token", "daemon"):
        assert secret not in message
    assert info.value.problems[0].file == str(tmp_path / "a.yaml")


# --- linear validation ----------------------------------------------------------------------


def test_suggestions_have_a_budget() -> None:
    """Suggestions stop, mistakes are still reported, once a file spent its comparisons."""
    known = [f"so-agency-{i:04d}" for i in range(100)]
    with suggestion_budget(250):
        found = [suggest(f"so-agnecy-{i:04d}", known) for i in range(5)]
    assert [bool(f) for f in found] == [True, True, False, False, False]
    assert suggest("so-agnecy-0001", known)  # outside a load: no budget


@pytest.mark.slow  # loads a rules file of 300 more agencies and 300 areas: ~1.2 s; CI runs it
def test_many_misspelt_references_are_all_reported(tmp_path: Path) -> None:
    """Every misspelt reference is reported; the first ones with a suggestion (the figure of
    the time it takes is in benchmarks/bench_load.py)."""
    text = misspelt_rules(300)
    error = _refused(text)
    unknown = [p for p in error.problems if "unknown agency or group" in p.message]
    assert len(unknown) == 300
    assert "did you mean 'so-agency-00000'" in unknown[0].message


def misspelt_rules(count: int) -> str:
    """The minimal plan with ``count`` more agencies and ``count`` areas whose lead is misspelt."""
    base = MINIMAL.read_text(encoding="utf-8")
    head, _, rest = base.partition("groups:")
    agencies = "".join(
        f"  - code: so-agency-{i:05d}\n    name: Sở số {i}\n    name_en: Department {i}\n"
        "    kind: department\n    parent: ubnd-tinh\n    source: II.1.b\n"
        for i in range(count)
    )
    before, _, after = rest.partition("areas:\n")
    areas = "".join(
        f"  - id: X.{i}\n    title: Lĩnh vực {i}\n    title_en: Area {i}\n    items: [Nội dung.]\n"
        f"    lead: [so-agnecy-{i:05d}]\n    deadline: annual-report\n    source: II.1\n"
        for i in range(count)
    )
    return head + agencies + "groups:" + before + "areas:\n" + areas + after
