"""Labels name a workflow's states in reports; rules without labels keep their digest."""

from __future__ import annotations

from pathlib import Path

import pytest
from rules_support import HA_TINH, HERE

from plan161_workflow import load_rules
from plan161_workflow.errors import RulesError
from plan161_workflow.model.codec import CONVERTER

VERIFIED = HERE / "valid" / "verified-workflow.yaml"


def test_a_label_names_its_state_in_nfc() -> None:
    wf = load_rules(VERIFIED).workflow
    label = wf.label("verified")
    assert label is not None
    assert (label.name, label.name_en) == ("Đã thẩm định", "Verified")
    assert wf.label("reported") is None


def test_rules_without_labels_unstructure_as_before() -> None:
    """No ``labels`` key when there are none: databases written earlier keep their rules digest."""
    assert "labels" not in CONVERTER.unstructure(load_rules(HA_TINH))["workflow"]
    assert "labels" in CONVERTER.unstructure(load_rules(VERIFIED))["workflow"]


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("{state: verifed, name: X, name_en: X}", "'verifed' is not a state of this workflow"),
        ("{state: reported, name: X, name_en: X}", "state 'reported' is labelled twice"),
    ],
)
def test_a_bad_label_is_reported_at_its_line(tmp_path: Path, label: str, message: str) -> None:
    text = VERIFIED.read_text(encoding="utf-8").replace(
        "  labels:\n", f"  labels:\n    - {{state: reported, name: Y, name_en: Y}}\n    - {label}\n"
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text(text, encoding="utf-8")
    line = text.splitlines().index(f"    - {label}") + 1
    with pytest.raises(RulesError) as info:
        load_rules(rules)
    found = [p for p in info.value.problems if message in p.message]
    assert found, str(info.value)
    assert found[0].line == line
