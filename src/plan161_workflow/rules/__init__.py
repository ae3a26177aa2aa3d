"""Rules files: read (``source``: YAML with positions), structure (``convert``, ``shape``),
check (``checks``: references, dates, cycles, workflow, succession), all problems at once
(``repair``), and the JSON Schema editors use (``schema``)."""

from plan161_workflow.rules.loader import load_rules, parse_rules

__all__ = ["load_rules", "parse_rules"]
