"""``plan161 diagram``: the workflow as Mermaid (through transitions) and as a self-drawn SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from reporting_data import HA_TINH_RULES

from plan161_workflow.cli import main
from plan161_workflow.model.plan import Workflow, WorkflowAction, WorkflowTransition
from plan161_workflow.reporting.diagram import mermaid, svg
from plan161_workflow.workflow.definition import DEFAULT_WORKFLOW

SVG_NS = "{http://www.w3.org/2000/svg}"

ODD = Workflow(
    states=("mới giao", "2nd-step", "xong"),
    initial="mới giao",
    final="xong",
    transitions=(
        WorkflowTransition("go", ("mới giao",), "2nd-step", "responsible"),
        WorkflowTransition("consolidate", ("2nd-step",), "xong", "consolidator"),
        WorkflowTransition("skip", ("mới giao",), "xong", "consolidator"),
    ),
    actions=(WorkflowAction("comment", "participant", requires="text"),),
    reported_state="2nd-step",
    consolidated_state="xong",
)


def test_mermaid_default_workflow() -> None:
    text = mermaid(DEFAULT_WORKFLOW, "Quy trình")
    assert text.startswith('---\ntitle: "Quy trình"\n---\nstateDiagram-v2\n')
    for edge in (
        "assigned --> in_progress: start (responsible)",
        "assigned --> reported: submit (responsible)",
        "in_progress --> reported: submit (responsible)",
        "reported --> in_progress: send_back (consolidator)",
        "reported --> consolidated: consolidate (consolidator)",
        "consolidated --> evaluated: evaluate (evaluator)",
        "[*] --> assigned",
        "evaluated --> [*]",
    ):
        assert f"  {edge}\n" in text, edge
    assert "s_active\n" not in text.split("classDef s_previous")[1]  # no state marked current
    assert "comment (participant)" in text


def test_mermaid_ids_are_safe_and_labels_kept() -> None:
    text = mermaid(ODD)
    assert 'state "mới giao" as m_i_giao' in text
    assert 'state "2nd-step" as s1_2nd_step' in text
    assert "m_i_giao --> xong: skip (consolidator)" in text
    assert "[*] --> m_i_giao" in text


def _svg_texts(text: str) -> list[str]:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{SVG_NS}svg"
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def test_svg_default_workflow() -> None:
    text = svg(DEFAULT_WORKFLOW, "Workflow")
    texts = _svg_texts(text)
    for state in DEFAULT_WORKFLOW.states:
        assert state in texts
    for label in ("start (responsible)", "send_back (consolidator)", "evaluate (evaluator)"):
        assert label in texts
    assert texts.count("submit (responsible)") == 2  # from assigned and from in_progress
    assert "https://" not in text
    assert "<script" not in text


def test_svg_odd_workflow_with_a_long_jump() -> None:
    texts = _svg_texts(svg(ODD))
    assert {"mới giao", "2nd-step", "xong", "skip (consolidator)"} <= set(texts)


@pytest.mark.parametrize(("fmt", "marker"), [("mermaid", "stateDiagram-v2"), ("svg", "<svg")])
def test_cli_diagram(
    fmt: str, marker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diagram", "--format", fmt]) == 0
    assert marker in capsys.readouterr().out
    out = tmp_path / f"wf.{fmt}"
    assert main(["diagram", str(HA_TINH_RULES), "--format", fmt, "-o", str(out)]) == 0
    assert "Đề án 161" in out.read_text(encoding="utf-8")
