"""Claims the code makes about its own layout stay true: the one-way layers of pyproject.toml's
import-linter contracts (also run by .ci/run), which modules import ``transitions``, where cycle
ids are built."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

from plan161_workflow.model.task import CYCLE_ID_PREFIX, cycle_id

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "plan161_workflow"


def test_the_import_contracts_hold(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An import that points up a layer (or from the CLI into the store, the workflow core, the
    calendar or the codec, or from anywhere but ``workflow.machine`` into ``transitions``) fails
    here, not only in CI: see docs/developing.md, "Layers"."""
    monkeypatch.chdir(ROOT)
    status = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert status == 0, out
    assert "0 broken" in out


def _imports(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_only_the_machine_imports_transitions() -> None:
    """Every module of the package, new ones too (the import-linter contract lists them by
    name); the diagram gets its Mermaid text from ``machine.mermaid_source``."""
    importing = {
        str(p.relative_to(PACKAGE))
        for p in sorted(PACKAGE.rglob("*.py"))
        if "transitions" in (text := p.read_text(encoding="utf-8"))  # parse only the candidates
        and any(
            m == "transitions" or m.startswith("transitions.") for m in _imports(ast.parse(text))
        )
    }
    assert importing == {"workflow/machine.py"}


def test_cycle_ids_are_built_by_cycle_id_alone() -> None:
    by_hand = re.compile(r"""f["']cycle[/:]\{""")
    found = [
        f"{p.relative_to(PACKAGE)}:{n}"
        for p in sorted(PACKAGE.rglob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line) and p.name != "task.py"  # model/task.py: cycle_id itself
    ]
    assert found == []
    assert cycle_id(2024) == "cycle/2024"
    assert cycle_id(2026, "2026S1") == "cycle/2026/2026S1"
    assert cycle_id(2024).startswith(CYCLE_ID_PREFIX)
    assert not "2024/II.1/so-gddt".startswith(CYCLE_ID_PREFIX)
