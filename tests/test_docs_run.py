"""Documentation that runs: every Python and shell block of README.md and docs/*.md runs as
written, in a fresh folder holding a copy of the repository's rules, and prints what its
``# prints:`` comments say.

Shell blocks call ``.venv/bin/plan161`` and ``python`` as a newcomer would; here they are this
interpreter's. The README's install-and-run command is the main job (``test_simulate.py`` runs
its ``plan161`` part), and its test command is this suite: both are marked and not re-run here,
except that the main command's ``plan161`` part runs first, for the examples that read its
database.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
_BLOCK = re.compile(r"(<!-- [a-z-]+ -->\n)?^```([a-z]*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)
_PRINTS = re.compile(r"# prints: (.*)$", re.MULTILINE)
_DEVELOPING = re.compile(r"pip install|-m pytest|bin/ruff |bin/mypy |bin/lint-imports")
"""Lines about developing this repository (install, tests, linters): .ci/run runs them on the
repository itself; run here they would install into, or test, the suite that runs them."""


def blocks(kind: str) -> list[tuple[str, str, str]]:
    """(file, marker, code) of every ``kind`` block, in order."""
    out = []
    for doc in DOCS:
        for marker, lang, code in _BLOCK.findall(doc.read_text(encoding="utf-8")):
            if lang == kind:
                out.append((doc.name, marker.strip(), code))
    return out


def main_command() -> str:
    """The ``plan161 ...`` part of the README's main command, as written."""
    ((_, _, code),) = [b for b in blocks("sh") if b[1] == "<!-- main-command -->"]
    return next(s.strip() for s in code.split("&&") if "plan161 " in s)


@pytest.fixture
def newcomer(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A folder as a newcomer's clone looks to the examples: rules/, and .venv/bin/plan161 and
    python on the PATH being this interpreter's."""
    shutil.copytree(REPO / "rules", tmp_path / "rules")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    python = shlex.quote(sys.executable)
    for name, command in (("plan161", f"{python} -m plan161_workflow.cli"), ("python", python)):
        shim = bin_dir / name
        shim.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
        shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return tmp_path, env


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_the_docs_hold_blocks_to_run() -> None:
    assert len(blocks("python")) >= 1
    assert any(b[0] == "README.md" and b[1] == "" for b in blocks("sh"))
    # What is left to .ci/run is what it runs: the README's test command and the linters.
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    for _name, _marker, code in blocks("sh"):
        for line in code.strip().splitlines():
            if _DEVELOPING.search(line) and "pytest" not in line and "pip install" not in line:
                assert line in ci, line


@pytest.mark.slow
@pytest.mark.parametrize(
    "block", blocks("python"), ids=lambda b: f"{b[0]}:{blocks('python').index(b)}"
)
def test_every_python_block_runs_and_prints_what_it_says(
    block: tuple[str, str, str], newcomer: tuple[Path, dict[str, str]]
) -> None:
    folder, env = newcomer
    name, _marker, code = block
    done = _run([sys.executable, "-c", code], folder, env)
    assert done.returncode == 0, f"{name}:\n{code}\n{done.stderr}"
    assert done.stdout.splitlines() == _PRINTS.findall(code)


@pytest.mark.slow
def test_every_shell_block_runs_as_written(newcomer: tuple[Path, dict[str, str]]) -> None:
    folder, env = newcomer
    first = _run(["bash", "-ec", main_command()], folder, env)
    assert first.returncode == 0, first.stderr
    runnable = [b for b in blocks("sh") if not b[1]]
    assert runnable
    for name, _marker, code in runnable:
        for line in code.strip().splitlines():
            if _DEVELOPING.search(line):
                continue
            done = _run(["bash", "-ec", line], folder, env)
            assert done.returncode == 0, f"{name}: {line}\n{done.stderr}"
            assert "Traceback" not in done.stderr
    # A block marked as a script (a server started, used, then stopped) runs whole, bounded.
    for name, _marker, code in [b for b in blocks("sh") if b[1] == "<!-- script -->"]:
        script = subprocess.run(
            ["bash", "-ec", f"timeout 120 bash -ec {shlex.quote(code)}"],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert script.returncode == 0, f"{name}:\n{code}\n{script.stderr}"
        assert "Traceback" not in script.stderr
    # What the examples wrote is there, and the repository's rules were not written over.
    assert (folder / "out" / "bao-cao-2024.html").stat().st_size > 0
    assert (folder / "out" / "so-yt.ics").read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")
    for rules in (folder / "rules").iterdir():
        if rules.is_file():
            assert rules.read_bytes() == (REPO / "rules" / rules.name).read_bytes(), rules.name
