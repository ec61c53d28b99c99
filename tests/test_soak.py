"""The soak suite (bench/soak.py, docs/reliability.md): its memory-growth flag, and a short
run on PostgreSQL with API clients reading and writing while the workers deliver: every
delivery delivered and received, counters equal to attempt rows, no 5xx but 503, each
process's memory reported. Correctness only, never speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ENV, PG_SKIP_REASON

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from suites.processes import MemorySeries  # noqa: E402


def series(values: list[float]) -> MemorySeries:
    """RSS samples of one process, as the soak's watcher takes them."""
    return MemorySeries([(float(n), {"worker 0": mb}) for n, mb in enumerate(values)])


def test_memory_that_settles_is_not_growth():
    report = series([80, 120, 150, 152, 151, 153, 150, 152]).growth()["worker 0"]
    assert not report["growth"] and report["max_mb"] == 153


def test_memory_that_keeps_climbing_is_flagged():
    report = series([100, 110, 120, 140, 160, 180, 200, 220]).growth()["worker 0"]
    assert report["growth"] and report["end_mb"] > report["warm_mb"]


def test_a_short_soak_on_postgresql_delivers_everything_and_reports_memory(tmp_path):
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP_REASON)
    out = tmp_path / "soak.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "soak.py"), "--minutes", "0.2", "--rate", "100",
         "--orgs", "1", "--subscriptions", "5", "--read-rate", "2", "--api-processes", "1",
         "--workers", "2", "--sample-seconds", "3", "--no-fail-on-growth",
         "--pg", base, "--json", str(out)],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["ok"] and result["problems"] == []
    assert result["delivered"] > 0
    assert result["deliveries_by_status"] == {"delivered": result["delivered"]}
    assert result["received"]["unique"] == result["delivered"]
    assert {"serve", "worker 0", "worker 1"} <= set(result["memory"])
    assert all(m["samples"] >= 2 for m in result["memory"].values())
    writes = [r for name, r in result["routes"].items() if not name.startswith("GET")]
    assert writes and all(r["ok"] > 0 for r in writes)


def test_a_stretch_without_deliveries_while_some_are_due_is_a_stall():
    import soak

    def window(rate: float, pending: int, oldest: float) -> dict:
        return {"deliveries_per_s": rate, "pending": pending, "oldest_due_s": oldest}

    windows = [window(900, 10, 0.5), window(0, 500, 12), window(0, 900, 22),
               window(0, 1300, 32), window(800, 0, 0), window(0, 0, 0)]
    assert soak.longest_stall(windows, 10) == 30  # an idle queue at the end is no stall
