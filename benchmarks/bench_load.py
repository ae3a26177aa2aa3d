"""Time to load and validate the Hà Tĩnh rules against the time to parse the same YAML alone.

The baseline is ruamel.yaml's safe loader turning the same text into plain Python values; the
loader adds positions, NFC, cattrs structuring and every semantic check on top.

Run: python benchmarks/bench_load.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from ruamel.yaml import YAML

from plan161_workflow import parse_rules

RULES = Path(__file__).resolve().parents[1] / "rules" / "ha-tinh-161.yaml"


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


if __name__ == "__main__":
    main()
