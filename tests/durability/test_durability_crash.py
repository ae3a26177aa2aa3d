"""Crashes: a writer killed with SIGKILL at random moments leaves only whole changes."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from durable_kit import KIT, check_whole

ROUNDS = 15


@pytest.mark.slow
def test_a_writer_killed_at_random_moments_leaves_only_whole_changes(db: Path) -> None:
    """15 times: start a writer that fires changes in a loop (small ones, and now and then a whole
    cycle or a bulk consolidation in one transaction), SIGKILL it 50-400 ms after it started
    writing, then open the database: it verifies and holds only whole changes."""
    rng = random.Random(161)
    counts = check_whole(db)
    for round_ in range(ROUNDS):
        child = subprocess.Popen(
            [sys.executable, str(KIT), "crash", str(db), str(round_)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            assert child.stdout.readline() == "ready\n", child.stderr and child.stderr.read()
            time.sleep(rng.uniform(0.05, 0.4))
        finally:
            child.send_signal(signal.SIGKILL)
            _, stderr = child.communicate(timeout=10)
        assert child.returncode == -signal.SIGKILL, stderr  # it was still writing
        after = check_whole(db)
        assert after["events"] > counts["events"], f"round {round_}: the writer wrote nothing"
        counts = after
    # The large transactions happened too, and were whole when the kills came.
    assert counts["tasks"] > 35
