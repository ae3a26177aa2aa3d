"""Time to load and validate the Hà Tĩnh rules against the time to parse the same YAML alone.

The baseline is ruamel.yaml's safe loader turning the same text into plain Python values; the
loader adds positions, NFC, cattrs structuring and every semantic check on top.

A second measure: a file with N misspelt references (N more agencies, N areas each naming its
lead with a typo). Checking must stay linear in the file's size: the figure printed is the time
per reference at N and at 4 N, and their ratio against parsing the same YAML (a ratio that stays
flat from N to 4 N is linear; before the fix 1,000 took 26 s and 4,000 took 376 s).

Run: python benchmarks/bench_load.py [--repeat N] [--misspelt N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from ruamel.yaml import YAML

from plan161_workflow import RulesError, parse_rules

RULES = Path(__file__).resolve().parents[1] / "rules" / "ha-tinh-161.yaml"
MINIMAL = Path(__file__).resolve().parents[1] / "tests" / "rules" / "valid" / "minimal.yaml"


def misspelt_rules(count: int) -> str:
    """The minimal plan with ``count`` more agencies and ``count`` areas whose lead is misspelt."""
    base = MINIMAL.read_text(encoding="utf-8")
    head, _, rest = base.partition("groups:")
    agencies = "".join(
        f"  - code: so-agency-{i:05d}\n    name: Sở số {i}\n    name_en: Department {i}\n"
        "    kind: department\n    parent: ubnd-tinh\n    source: II.1.b\n"
        for i in range(count)
    )
    before, _, after = rest.partition("areas:\n")
    areas = "".join(
        f"  - id: X.{i}\n    title: Lĩnh vực {i}\n    title_en: Area {i}\n    items: [Nội dung.]\n"
        f"    lead: [so-agnecy-{i:05d}]\n    deadline: annual-report\n    source: II.1\n"
        for i in range(count)
    )
    return head + agencies + "groups:" + before + "areas:\n" + areas + after


def refused(text: str) -> None:
    try:
        parse_rules(text, "misspelt.yaml")
    except RulesError:
        return
    raise AssertionError("the misspelt file was accepted")


def misspelt(count: int) -> None:
    """Time to check ``count`` and ``4 * count`` misspelt references, against parsing."""
    yaml = YAML(typ="safe", pure=True)
    print(f"{'misspelt references':<22}{'KiB':>7}{'load s':>9}{'parse s':>9}{'ratio':>7}")
    for n in (count, 4 * count):
        text = misspelt_rules(n)
        parse = best_of(lambda: yaml.load(text), 1)  # noqa: B023
        load = best_of(lambda: refused(text), 1)  # noqa: B023
        size = len(text.encode()) / 1024
        print(f"{n:<22}{size:>7.0f}{load:>9.2f}{parse:>9.2f}{load / parse:>7.2f}")


def best_of(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--misspelt", type=int, default=1000, help="N for the second measure")
    args = parser.parse_args()
    text = RULES.read_text(encoding="utf-8")
    yaml = YAML(typ="safe", pure=True)
    parse_rules(text, str(RULES))  # warm up: imports, the holidays tables
    parse = best_of(lambda: yaml.load(text), args.repeat)
    load = best_of(lambda: parse_rules(text, str(RULES)), args.repeat)
    print(f"{'step':<28}{'median ms':>10}")
    print(f"{'parse YAML (ruamel safe)':<28}{parse * 1000:>10.1f}")
    print(f"{'load_rules (all checks)':<28}{load * 1000:>10.1f}")
    print(f"ratio load / parse: {load / parse:.2f}")
    print()
    misspelt(args.misspelt)


if __name__ == "__main__":
    main()
