"""``plan161 validate``: one ``file:line:col: message`` line per problem, exit status 1 for an
invalid file and 0 for a valid one, and never a traceback, whatever the file holds."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rules_support import HA_TINH, INVALID, expectation

from plan161_workflow.cli import main

LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<rest>.+)$")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["validate", *args])
    out, err = capsys.readouterr()
    return status, out + err


@pytest.mark.parametrize("path", INVALID[:6] + [p for p in INVALID if p.stem == "not-utf8"])
def test_invalid_file_prints_file_line_col_message(
    capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    status, output = run(capsys, str(path))
    line, expected = expectation(path)
    assert status == 1
    parsed = [LINE.match(row) for row in output.splitlines()]
    assert all(parsed), output
    assert any(
        m["file"] == str(path) and int(m["line"]) == line and expected in m["rest"]
        for m in parsed
        if m
    ), output
    assert "Traceback" not in output


def test_valid_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, output = run(capsys, str(HA_TINH))
    assert status == 0
    assert "valid" in output


def test_a_missing_file_is_named_without_a_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nonexistent.yaml"
    status, output = run(capsys, str(missing), str(HA_TINH))
    assert status == 1
    assert output.splitlines()[0] == f"{missing}: no such file; check the path"
    assert output.splitlines()[1].startswith(f"{HA_TINH}: valid: ")


@pytest.mark.slow
def test_the_installed_command(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan: [\n", encoding="utf-8")
    script = Path(sys.executable).parent / "plan161"
    if not script.exists():
        pytest.skip("the plan161 script is not installed next to this Python")
    command = [str(script), "validate", str(bad)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert re.match(rf"^{re.escape(str(bad))}:2:1: YAML syntax error", done.stdout)
    assert "Traceback" not in done.stdout + done.stderr


def _truncations() -> list[int]:
    size = len(HA_TINH.read_bytes())
    rng = random.Random(161)
    return sorted({1, 2, size // 2, *(rng.randrange(size) for _ in range(12))})


@pytest.mark.parametrize("cut", _truncations())
def test_truncated_file_never_shows_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cut: int
) -> None:
    path = tmp_path / "cut.yaml"
    path.write_bytes(HA_TINH.read_bytes()[:cut])  # may cut a UTF-8 sequence in two
    status, output = run(capsys, str(path))
    assert status == 1
    assert "Traceback" not in output
    assert "internal error" not in output
    assert all(LINE.match(row) for row in output.splitlines()), output


@pytest.mark.parametrize(
    "content",
    [b"", b"\n\n", b"\x00\x01\x02\xff\xfe", b"\xef\xbb\xbf", bytes(range(256)), b"plan: !!x 1"],
    ids=["empty", "blank", "binary", "bom-only", "all-bytes", "unknown-tag"],
)
def test_odd_files_never_show_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "odd.yaml"
    path.write_bytes(content)
    status, output = run(capsys, str(path))
    assert status == 1
    assert "Traceback" not in output
    assert "internal error" not in output
    assert all(LINE.match(row) for row in output.splitlines()), output
