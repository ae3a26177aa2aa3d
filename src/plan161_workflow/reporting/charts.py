"""The report's charts as inline SVG, drawn in Python: no script, no download, no network.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies); every colour
comes with a legend, and the grid also marks each cell with a symbol so that a grey print reads.
Inline SVG in HTML needs no namespace declaration, so the markup holds no URL at all.
"""

from __future__ import annotations

from html import escape

from plan161_workflow.reporting.document import Charts
from plan161_workflow.reporting.labels import GRID_NAMES, Lang, percent

FONT = "'Noto Sans', 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif"
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#CC79A7", "#F0E442", "#D55E00")
STATE_COLOURS = {
    "assigned": "#BBBBBB",
    "in_progress": "#E69F00",
    "reported": "#56B4E9",
    "consolidated": "#0072B2",
    "evaluated": "#009E73",
}
DARK_FILLS = frozenset({"#0072B2", "#009E73", "#D55E00", "#CC79A7"})
GRID_STYLE = {  # status -> (fill, symbol)
    "on_time": ("#009E73", "✓"),
    "late": ("#E69F00", "!"),
    "missing": ("#D55E00", "✗"),
    "not_due": ("#56B4E9", "…"),
    "no_deadline": ("#E5E5E5", "–"),
    "none": ("#FFFFFF", ""),
}
CHAR_WIDTH = 7.0  # average advance of a 13px sans-serif glyph, for layout estimates
LABEL_MAX = 46  # characters of a row label before it is shortened
_NARROW = frozenset(" .,:;'!|()[]/-ijlrtfI")
_WIDE = frozenset("mwMW…—")


def _label(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_width(text: str) -> float:
    """A generous estimate of ``text``'s width in pixels at 13px in the chart's fonts: narrow
    glyphs 4.5, wide ones and capitals 10, the others 8 (DejaVu Sans, the widest of them,
    averages 7.2-7.5 on Vietnamese and English labels), so that a right-aligned label is never
    cut at the chart's left edge (the browser test measures it)."""
    return sum(4.5 if c in _NARROW else 10.0 if c in _WIDE or c.isupper() else 8.0 for c in text)


def _label_width(labels: list[str]) -> int:
    widest = max((text_width(_label(t)) for t in labels), default=8 * CHAR_WIDTH)
    return int(max(widest, 8 * CHAR_WIDTH)) + 16


def state_colours(states: tuple[str, ...]) -> list[str]:
    """A colour per state: fixed ones for the default workflow, the palette for others."""
    spare = iter(c for c in OKABE_ITO if c not in STATE_COLOURS.values())
    out = []
    for i, state in enumerate(states):
        out.append(STATE_COLOURS.get(state) or next(spare, OKABE_ITO[i % len(OKABE_ITO)]))
    return out


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" font-family="{escape(FONT)}" font-size="13">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, **attrs: str | float) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


def _legend(items: list[tuple[str, str, str]], x: int, y: int, width: int) -> tuple[list[str], int]:
    """Legend boxes (fill, symbol, label) wrapped to ``width``; returns elements and height."""
    out: list[str] = []
    cx, cy = x, y
    for fill, symbol, label in items:
        w = 22 + text_width(label) + 18
        if cx + w > x + width and cx > x:
            cx, cy = x, cy + 22
        out.append(
            f'<rect x="{cx}" y="{cy}" width="16" height="16" rx="2" fill="{fill}"'
            ' stroke="#555" stroke-width="0.6"/>'
        )
        if symbol:
            colour = "#FFFFFF" if fill in DARK_FILLS else "#000000"
            out.append(_text(cx + 8, cy + 12.5, symbol, text_anchor="middle", fill=colour))
        out.append(_text(cx + 22, cy + 13, label, fill="#222"))
        cx += int(w)
    return out, cy - y + 22


def states_by_unit(charts: Charts, titles: dict[str, str], title: str) -> str:
    """100 % stacked bars: the share of each unit's tasks in each state, the count in each part."""
    rows = charts.by_unit
    colours = state_colours(charts.states)
    labels = [f"{u} {titles.get(u, '')}".strip() for u, _ in rows]
    left = _label_width(labels)
    bar_w, row_h, bar_h = 420, 30, 20
    width = left + bar_w + 70
    legend, legend_h = _legend(
        [(c, "", n) for c, n in zip(colours, charts.state_names, strict=True)], 8, 8, width - 16
    )
    top = 8 + legend_h + 8
    body = list(legend)
    for i, ((_, counts), label) in enumerate(zip(rows, labels, strict=True)):
        y = top + i * row_h
        total = sum(counts)
        body.append(
            f"<g><title>{escape(label)}</title>"
            + _text(left - 8, y + 15, _label(label), text_anchor="end", fill="#222")
            + "</g>"
        )
        x = float(left)
        for count, colour, name in zip(counts, colours, charts.state_names, strict=True):
            if not count:
                continue
            w = bar_w * count / total
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"'
                f' stroke="#FFFFFF" stroke-width="1"><title>{escape(name)}: {count}</title></rect>'
            )
            if w >= 18:
                ink = "#FFFFFF" if colour in DARK_FILLS else "#000000"
                body.append(
                    _text(
                        x + w / 2,
                        y + 14.5,
                        str(count),
                        text_anchor="middle",
                        fill=ink,
                        font_weight="bold",
                    )
                )
            x += w
        body.append(_text(left + bar_w + 8, y + 15, f"n = {total}", fill="#222"))
    height = top + len(rows) * row_h + 4
    return _svg(width, height, title, body)


def on_time_by_agency(charts: Charts, title: str, lang: Lang, legend: tuple[str, str]) -> str:
    """Horizontal bars: each agency's on-time rate (dark) over its reporting rate (light), with
    ``on time/expected`` beside them. ``legend`` names the two bars."""
    rows = charts.on_time
    left = _label_width([r.name for r in rows])
    bar_w, row_h = 320, 24
    width = left + bar_w + 150
    body, legend_h = _legend(
        [("#0072B2", "", legend[0]), ("#A6D3F0", "", legend[1])], left, 6, width - left
    )
    top = 6 + legend_h + 22
    body += [
        _text(
            left + x * bar_w,
            top - 8,
            f"{int(x * 100)}%",
            text_anchor="middle",
            fill="#555",
            font_size=11,
        )
        for x in (0, 0.5, 1)
    ]
    for i, row in enumerate(rows):
        y = top + i * row_h
        rate = row.on_time / row.expected
        received = row.received / row.expected
        body.append(
            f"<g><title>{escape(row.name)}</title>"
            + _text(left - 8, y + 14, _label(row.name), text_anchor="end", fill="#222")
            + "</g>"
        )
        body.append(f'<rect x="{left}" y="{y + 3}" width="{bar_w}" height="15" fill="#F0F0F0"/>')
        for share, fill in ((received, "#A6D3F0"), (rate, "#0072B2")):
            if share:
                body.append(
                    f'<rect x="{left}" y="{y + 3}" width="{bar_w * share:.1f}" height="15"'
                    f' fill="{fill}"/>'
                )
        body.append(
            _text(
                left + bar_w + 8,
                y + 14,
                f"{percent(rate, lang)} ({row.on_time}/{row.expected})",
                fill="#222",
            )
        )
    body += [
        f'<line x1="{left + x * bar_w:.1f}" y1="{top - 4}" x2="{left + x * bar_w:.1f}"'
        f' y2="{top + len(rows) * row_h}" stroke="#888888" stroke-dasharray="3 3"/>'
        for x in (0.5, 1)
    ]
    height = top + len(rows) * row_h + 6
    return _svg(width, height, title, body)


def agency_year_grid(charts: Charts, title: str, lang: Lang) -> str:
    """A heatmap: one row per agency, one column per year, colour and symbol per status."""
    names = GRID_NAMES[lang]
    left = _label_width([name for _, name, _ in charts.grid])
    cell_w, cell_h = 78, 22
    width = max(left + cell_w * len(charts.years) + 20, 560)
    top = 28
    body = [
        _text(
            left + i * cell_w + cell_w / 2,
            18,
            str(y),
            text_anchor="middle",
            fill="#222",
            font_weight="bold",
        )
        for i, y in enumerate(charts.years)
    ]
    for r, (_, name, cells) in enumerate(charts.grid):
        y = top + r * cell_h
        body.append(
            f"<g><title>{escape(name)}</title>"
            + _text(left - 8, y + 15, _label(name), text_anchor="end", fill="#222")
            + "</g>"
        )
        for c, status in enumerate(cells):
            fill, symbol = GRID_STYLE[status]
            x = left + c * cell_w
            body.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}"'
                f' fill="{fill}" stroke="#999999" stroke-width="0.5">'
                f"<title>{escape(name)}, {charts.years[c]}: {escape(names[status])}</title></rect>"
            )
            if symbol:
                ink = "#FFFFFF" if fill in DARK_FILLS else "#000000"
                body.append(
                    _text(
                        x + cell_w / 2,
                        y + 16,
                        symbol,
                        text_anchor="middle",
                        fill=ink,
                        font_weight="bold",
                    )
                )
    grid_bottom = top + len(charts.grid) * cell_h + 12
    legend, legend_h = _legend(
        [(GRID_STYLE[s][0], GRID_STYLE[s][1], names[s]) for s in GRID_STYLE],
        8,
        grid_bottom,
        width - 16,
    )
    body += legend
    return _svg(width, grid_bottom + legend_h + 4, title, body)
