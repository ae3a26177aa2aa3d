"""Workflows the tests share: a "verified" step between reported and consolidated."""

from __future__ import annotations

from pathlib import Path

from plan161_workflow.model.plan import Workflow, WorkflowTransition
from plan161_workflow.workflow.definition import DEFAULT_WORKFLOW

TESTS = Path(__file__).resolve().parent
VERIFIED_RULES = TESTS / "rules" / "valid" / "verified-workflow.yaml"
"""A minimal plan with the workflow below (the example of docs/rules-format.md)."""
REORGANISED_RULES = TESTS.parent / "rules" / "ha-tinh-161-sap-xep-2025.yaml"
"""The Hà Tĩnh plan with the 2025 reorganisation of agencies."""

VERIFIED = Workflow(
    states=("assigned", "in_progress", "reported", "verified", "consolidated", "evaluated"),
    initial="assigned",
    final="evaluated",
    transitions=(
        WorkflowTransition("start", ("assigned",), "in_progress", "responsible"),
        WorkflowTransition(
            "submit", ("assigned", "in_progress"), "reported", "responsible", requires="report"
        ),
        WorkflowTransition("verify", ("reported",), "verified", "consolidator"),
        WorkflowTransition(
            "send_back", ("reported", "verified"), "in_progress", "consolidator", "reason"
        ),
        WorkflowTransition("consolidate", ("verified",), "consolidated", "consolidator"),
        WorkflowTransition("evaluate", ("consolidated",), "evaluated", "evaluator", "rating"),
    ),
    actions=DEFAULT_WORKFLOW.actions,
)
"""The consolidator verifies each report before it is consolidated."""
