"""The chaos suite (bench/chaos.py, docs/reliability.md): its checks catch each kind of
failure, and a short run on PostgreSQL, workers killed with SIGKILL against the flaky
receiver, loses nothing and explains every duplicate. Correctness only, never speed."""

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

from suites.chaos_checks import (  # noqa: E402
    HANG,
    Attempt,
    Delivery,
    Kill,
    Receipt,
    Subscription,
    verify,
)

ORG = "org_1"
EVENTS = [("evt_1", ORG, "job.created"), ("evt_2", ORG, "job.updated")]
TIMEOUT = 2.0


def subscription(total: int = 3, ok: int = 2, failed: int = 1) -> Subscription:
    return Subscription("wh_1", ORG, total, ok, failed, True, None)


def clean_run() -> dict:
    """evt_1 delivered at once; evt_2 answered 500, then 200."""
    deliveries = [Delivery("dlv_1", "wh_1", "evt_1", "delivered", 1, None),
                  Delivery("dlv_2", "wh_1", "evt_2", "delivered", 2, None)]
    attempts = [Attempt("dlv_1", 1, 100.0, 200, None),
                Attempt("dlv_2", 1, 100.0, 500, "HTTP 500"),
                Attempt("dlv_2", 2, 102.0, 204, None)]
    receipts = [Receipt("wh_1", "evt_1", 100.01, 200, 5001),
                Receipt("wh_1", "evt_2", 100.01, 500, 5002),
                Receipt("wh_1", "evt_2", 102.01, 204, 5003)]
    return {"events": EVENTS, "subscriptions": [subscription()], "deliveries": deliveries,
            "attempts": attempts, "receipts": receipts, "kills": [], "timeout_seconds": TIMEOUT}


def test_a_clean_run_passes():
    report = verify(**clean_run())
    assert report.ok, report.problems()
    assert (report.duplicates, report.unrecorded, report.lost) == (0, 0, [])


def test_a_delivery_the_receiver_never_answered_2xx_is_lost():
    run = clean_run()
    run["receipts"] = run["receipts"][1:]  # evt_1's 200 never reached the receiver
    report = verify(**run)
    assert report.lost == [("wh_1", "evt_1")] and not report.ok
    assert report.unseen_successes == ["dlv_1"]  # the database claims a success nobody saw


def test_an_event_without_a_delivery_row_is_caught():
    run = clean_run()
    run["deliveries"] = run["deliveries"][:1]
    run["attempts"] = run["attempts"][:1]
    run["subscriptions"] = [subscription(1, 1, 0)]
    report = verify(**run)
    assert report.fanout_missing == [("wh_1", "evt_2")] and not report.ok


def test_counters_that_differ_from_the_attempt_rows_are_a_mismatch():
    run = clean_run()
    run["subscriptions"] = [subscription(total=3, ok=3, failed=0)]
    report = verify(**run)
    assert len(report.counter_mismatches) == 1 and not report.ok


def test_a_duplicate_sent_by_a_worker_killed_before_recording_is_explained():
    run = clean_run()
    # Worker A's 200 for evt_1 at 95 s was never recorded: A was killed (holding that
    # connection) at 95.5 s; after its lease, B sent it again at 100 s (the recorded row).
    run["receipts"].append(Receipt("wh_1", "evt_1", 95.0, 200, 4000))
    run["kills"] = [Kill(95.5, frozenset({4000, 4001}))]
    report = verify(**run)
    assert report.ok, report.problems()
    assert (report.duplicates, report.duplicates_explained) == (1, 1)


def test_an_unrecorded_request_no_kill_explains_is_a_defect():
    run = clean_run()
    run["receipts"].append(Receipt("wh_1", "evt_1", 95.0, 200, 4000))
    for kills in ([], [Kill(95.5, frozenset({4001}))], [Kill(90.0, frozenset({4000}))]):
        run["kills"] = kills  # none, another process's connection, before the request
        report = verify(**run)
        assert not report.ok and len(report.unexplained) == 1, kills


def test_two_success_rows_for_one_delivery_are_a_defect():
    run = clean_run()
    run["attempts"].append(Attempt("dlv_1", 2, 101.0, 200, None))
    run["receipts"].append(Receipt("wh_1", "evt_1", 101.01, 200, 5004))
    run["subscriptions"] = [subscription(4, 3, 1)]
    report = verify(**run)
    assert report.success_rows_wrong == [("dlv_1", 2)] and not report.ok


def test_a_request_held_past_the_timeout_matches_its_timed_out_row():
    run = clean_run()
    run["attempts"][1] = Attempt("dlv_2", 1, 100.0, None, "timed out after 2 s")
    run["receipts"][1] = Receipt("wh_1", "evt_2", 100.01, HANG, 5002)
    assert verify(**run).ok


def test_a_disabled_subscription_fails_the_run():
    run = clean_run()
    run["subscriptions"] = [Subscription("wh_1", ORG, 3, 2, 1, False, "10 consecutive failed")]
    assert not verify(**run).ok


def test_operator_events_are_owed_where_the_fan_out_put_them():
    run = clean_run()
    run["events"] = [*EVENTS, ("evt_3", ORG, "webhook.endpoint_failing")]
    # It went to no subscription here (it is never sent to the failing one): nothing owed.
    assert verify(**run).ok
    run["deliveries"].append(Delivery("dlv_3", "wh_1", "evt_3", "delivered", 1, None))
    run["attempts"].append(Attempt("dlv_3", 1, 103.0, 200, None))
    run["subscriptions"] = [subscription(4, 3, 1)]
    report = verify(**run)
    assert report.lost == [("wh_1", "evt_3")]  # its row exists: it must reach the receiver


def test_a_short_chaos_run_on_postgresql_loses_nothing(tmp_path):
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP_REASON)
    summary = tmp_path / "chaos.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "chaos.py"), "--events", "150", "--orgs", "1",
         "--subscriptions", "2", "--workers", "2", "--kill-every", "1,3", "--tail", "1",
         "--min-kills", "1", "--pg", base, "--json", str(summary)],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(summary.read_text())
    assert result["ok"] and result["problems"] == []
    report = result["report"]
    assert report["lost"] == 0 and report["not_delivered"] == 0
    assert report["counter_mismatches"] == 0 and report["unexplained"] == 0
    assert report["expected"] == (report["events"] - result["operator_events"]) * 2  # 2 subscriptions
    assert result["kills"] >= 2 and result["kills_with_connections"] >= 1
    assert report["duplicates"] == report["duplicates_explained"]
