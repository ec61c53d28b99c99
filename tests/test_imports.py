"""Imports flow one way: writing an event does not load the delivery stack."""

from __future__ import annotations

import json
import subprocess
import sys

DELIVERY_STACK = (
    "recruitiq.webhooks.dispatcher",
    "recruitiq.webhooks.store",
    "recruitiq.webhooks.client",
    "recruitiq.webhooks.delivery",
    "recruitiq.webhooks.metrics",
    "prometheus_client",
    "httptools",
)


def _loaded_by(module: str) -> set[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


def test_emitting_an_event_loads_none_of_the_delivery_stack() -> None:
    loaded = _loaded_by("recruitiq.events.emit")
    assert "recruitiq.webhooks.fanout" in loaded  # the subscription match is part of emitting
    assert loaded.isdisjoint(DELIVERY_STACK), sorted(loaded & set(DELIVERY_STACK))
