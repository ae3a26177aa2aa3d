"""Every label of every chart of the report fits inside its chart, measured in a real browser
(Chromium lays the text out in the fonts it has; the chart only estimates widths).

The 2025 report once clipped "V.2-summary Tham mưu cho Ủy ban nhân dân tỉnh..." at the left
edge of its status chart. Skipped when ``chromium`` is not installed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from plan161_workflow import Engine
from plan161_workflow.reporting.render_html import render_html
from plan161_workflow.reporting.report import build_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

_MEASURE = """<script>
window.addEventListener("load", () => {
  const out = [];
  document.querySelectorAll("svg.chart").forEach((svg, chart) => {
    const box = svg.getBoundingClientRect();
    svg.querySelectorAll("text").forEach((text) => {
      const r = text.getBoundingClientRect();
      out.push({chart, text: text.textContent, left: r.left - box.left,
                right: box.right - r.right, width: r.width});
    });
  });
  const pre = document.createElement("pre");
  pre.id = "measured";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _measure(html: Path, profile: Path) -> list[dict[str, object]]:
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            f"--user-data-dir={profile}",
            "--window-size=1280,2400",
            "--dump-dom",
            html.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, "the page did not run its measuring script"
    text = found[1].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return list(json.loads(text))


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.parametrize(("year", "lang"), [(2025, "vi"), (2024, "en")])
def test_every_chart_label_fits_inside_its_chart(
    ha_tinh_db: Path, tmp_path: Path, year: int, lang: str
) -> None:
    with Engine.open(ha_tinh_db) as engine:
        report = build_report(engine, year, on=dt.date(year, 12, 20), lang=lang)
    page = render_html(report).replace("</body>", _MEASURE + "</body>")
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    texts = _measure(html, tmp_path / "profile")
    assert len({t["chart"] for t in texts}) == 3
    if year == 2025:
        assert any(str(t["text"]).startswith("V.2-summary") for t in texts)
    clipped = [t for t in texts if float(str(t["left"])) < -0.5 or float(str(t["right"])) < -0.5]
    assert clipped == []
