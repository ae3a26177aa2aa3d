"""Rules files: read (YAML with positions), structure (cattrs), check (references, dates)."""

from plan161_workflow.rules.loader import load_rules, parse_rules

__all__ = ["load_rules", "parse_rules"]
