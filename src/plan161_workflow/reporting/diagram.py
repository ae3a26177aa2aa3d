"""The workflow as a state diagram: Mermaid text, or a self-drawn SVG.

Mermaid comes from ``transitions``' ``GraphMachine(graph_engine="mermaid")``, reached through
``workflow.machine.mermaid_source`` (the one module importing ``transitions``), given the
workflow's names only, no callbacks, so it needs no graphviz. The SVG is drawn here: states in a
row in workflow order, forward steps as arrows between neighbours, longer forward jumps as arcs
above, backward steps as arcs below; each edge is labelled with its trigger and the role that
fires it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from html import escape

from plan161_workflow.model.plan import Workflow
from plan161_workflow.reporting.escape import one_line
from plan161_workflow.workflow.machine import mermaid_source

CHAR_WIDTH = 7.0  # average advance of a 12-13px sans-serif glyph, for layout
FONT = "'Noto Sans', 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif"


def _edge_label(trigger: str, role: str) -> str:
    return one_line(f"{trigger} ({role})")


def _mermaid_ids(states: tuple[str, ...]) -> dict[str, str]:
    """A Mermaid-safe id per state (names with other characters are replaced, kept unique)."""
    out: dict[str, str] = {}
    for i, state in enumerate(states):
        safe = re.sub(r"\W", "_", state, flags=re.ASCII) or f"s{i}"
        if safe[0].isdigit() or safe in out.values():
            safe = f"s{i}_{safe}"
        out[state] = safe
    return out


def mermaid(workflow: Workflow, title: str = "Workflow") -> str:
    """The workflow as a Mermaid ``stateDiagram-v2``: edges labelled ``trigger (role)``, the final
    state marked, and the recorded actions (no state change) in a note."""
    ids = _mermaid_ids(workflow.states)
    source = mermaid_source(
        states=[ids[s] for s in workflow.states],
        edges=[
            (t.trigger, [ids[s] for s in t.source], ids[t.dest], _edge_label(t.trigger, t.role))
            for t in workflow.transitions
        ],
        initial=ids[workflow.initial],
        title=f'title: "{_quoted(title)}"',
    )
    names = {v: k for k, v in ids.items()}
    lines = []
    for line in source.splitlines():
        match = re.fullmatch(r'(\s*)state "([^"]*)" as (\S+)', line)
        if match and match[3] in names:
            line = f'{match[1]}state "{_quoted(names[match[3]])}" as {match[3]}'
        lines.append(line.rstrip())
    lines.append(f"  {ids[workflow.final]} --> [*]")
    if workflow.actions:
        listed = ", ".join(_edge_label(a.trigger, a.role) for a in workflow.actions)
        lines += [
            f"  note right of {ids[workflow.final]}",
            "    Actions without a change of state (any state but the final one):",
            f"    {listed}",
            "  end note",
        ]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    """Text inside a Mermaid ``"..."``: one line, no double quote (it would end the string)."""
    return one_line(text).replace('"', "'")


def _text(x: float, y: float, text: str, anchor: str = "middle", **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(one_line(v))}"' for k, v in attrs.items())
    shown = escape(one_line(text))
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{shown}</text>'


def svg(workflow: Workflow, title: str = "Workflow") -> str:
    """The workflow as a standalone SVG document (no script, no external reference)."""
    states = workflow.states
    index = {s: i for i, s in enumerate(states)}
    edges: dict[tuple[int, int], list[str]] = defaultdict(list)
    for t in workflow.transitions:
        for src in t.source:
            edges[(index[src], index[t.dest])].append(_edge_label(t.trigger, t.role))
    box_h = 46
    box_w = [max(120.0, len(s) * 8.5 + 28) for s in states]
    gaps = []
    for i in range(len(states) - 1):
        labels = edges.get((i, i + 1), [])
        gaps.append(max(90.0, max((len(x) for x in labels), default=0) * CHAR_WIDTH + 24))
    above = sorted((k for k in edges if k[1] > k[0] + 1 or k[0] == k[1]), key=lambda k: k[1] - k[0])
    below = sorted((k for k in edges if k[1] < k[0]), key=lambda k: k[0] - k[1])
    lift = {k: 40 + 34 * n for n, k in enumerate(above)}
    drop = {k: 40 + 34 * n for n, k in enumerate(below)}
    top_room = max(lift.values(), default=0) + 16 * max((len(edges[k]) for k in above), default=0)
    left_pad = 60.0
    x = [left_pad]
    for i in range(len(states) - 1):
        x.append(x[i] + box_w[i] + gaps[i])
    width = x[-1] + box_w[-1] + 40
    y0 = 56 + top_room
    bottom_room = max(drop.values(), default=0) + 16 * max(
        (len(edges[k]) for k in below), default=0
    )
    actions_y = y0 + box_h + bottom_room + 36
    height = actions_y + (30 if workflow.actions else 0)
    cx = [x[i] + box_w[i] / 2 for i in range(len(states))]
    cy = y0 + box_h / 2
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}"'
        f' width="{width:.0f}" height="{height:.0f}" font-family="{escape(FONT)}"'
        f' font-size="13" role="img" aria-label="{escape(one_line(title))}">',
        f"<title>{escape(one_line(title))}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8"'
        ' markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"'
        ' fill="#333"/></marker></defs>',
        '<rect width="100%" height="100%" fill="#FFFFFF"/>',
        _text(20, 28, title, anchor="start", font_size="16", font_weight="bold"),
    ]
    stroke = 'fill="none" stroke="#333" stroke-width="1.4" marker-end="url(#arrow)"'
    # initial marker
    out.append(f'<circle cx="{x[0] - 36}" cy="{cy}" r="8" fill="#333"/>')
    out.append(f'<path d="M{x[0] - 28},{cy} L{x[0] - 2},{cy}" {stroke}/>')
    for (i, j), labels in sorted(edges.items()):
        if j == i + 1:
            x1, x2 = x[i] + box_w[i], x[j]
            out.append(f'<path d="M{x1:.1f},{cy - 6} L{x2 - 2:.1f},{cy - 6}" {stroke}/>')
            for n, label in enumerate(reversed(labels)):
                out.append(_text((x1 + x2) / 2, cy - 12 - 15 * n, label, fill="#111"))
        elif j > i or i == j:
            h = lift[(i, j)]
            sx, ex = (cx[i] - 20, cx[i] + 20) if i == j else (cx[i] + 14, cx[j] - 14)
            out.append(
                f'<path d="M{sx:.1f},{y0} Q{(sx + ex) / 2:.1f},{y0 - 2 * h} {ex:.1f},{y0 - 2}"'
                f" {stroke}/>"
            )
            for n, label in enumerate(reversed(labels)):
                out.append(_text((sx + ex) / 2, y0 - h - 6 - 15 * n, label, fill="#111"))
        else:
            h = drop[(i, j)]
            sx, ex = cx[i] - 14, cx[j] + 14
            bottom = y0 + box_h
            out.append(
                f'<path d="M{sx:.1f},{bottom} Q{(sx + ex) / 2:.1f},{bottom + 2 * h}'
                f' {ex:.1f},{bottom + 2}" {stroke} stroke-dasharray="5 3"/>'
            )
            for n, label in enumerate(labels):
                out.append(_text((sx + ex) / 2, bottom + h + 16 + 15 * n, label, fill="#111"))
    for i, state in enumerate(states):
        final = state == workflow.final
        fill = "#E8F4EC" if final else ("#EAF2FA" if state == workflow.initial else "#F7F7F7")
        out.append(
            f'<rect x="{x[i]:.1f}" y="{y0}" width="{box_w[i]:.1f}" height="{box_h}" rx="10"'
            f' fill="{fill}" stroke="#333" stroke-width="{2.4 if final else 1.4}"/>'
        )
        if final:
            out.append(
                f'<rect x="{x[i] + 4:.1f}" y="{y0 + 4}" width="{box_w[i] - 8:.1f}"'
                f' height="{box_h - 8}" rx="7" fill="none" stroke="#333" stroke-width="1"/>'
            )
        out.append(_text(cx[i], cy + 5, state, font_weight="bold", font_size="14"))
    if workflow.actions:
        listed = ", ".join(_edge_label(a.trigger, a.role) for a in workflow.actions)
        out.append(
            _text(
                20,
                actions_y,
                f"Actions without a change of state: {listed}",
                anchor="start",
                fill="#333",
            )
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"
