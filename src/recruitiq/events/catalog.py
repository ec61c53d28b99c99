"""Every event type RecruitIQ emits: its description, the JSON Schema of its data, a sample.

The catalog is gathered from each feature's ``<feature>/events.py`` ``SPECS``. It validates
subscriptions (unknown types are refused), serves ``GET /api/v1/webhooks/event-types``, and
``python -m recruitiq.events.catalog`` prints it as JSON so the ActivePieces piece can generate
its triggers' sample data at build time without running a server.
"""

from __future__ import annotations

import copy
import importlib
import json
import sys
from functools import cache
from typing import Any

from recruitiq.events.envelope import build_envelope
from recruitiq.events.spec import EventSpec

# Features whose events.py declares SPECS; the order is the order the catalog lists them.
FEATURE_MODULES = (
    "recruitiq.jobs.events",
    "recruitiq.candidates.events",
    "recruitiq.applications.events",
    "recruitiq.interviews.events",
    "recruitiq.offers.events",
    "recruitiq.webhooks.events",
)

WILDCARD = "*"
SAMPLE_EVENT_ID = "evt_0193a1b2c3d4e5f6a7b8c9d0"
SAMPLE_ORGANIZATION_ID = "org_0193a1b2c3d4e5f6a7b8c9d0"
SAMPLE_TIMESTAMP = "2026-11-02T09:00:00.000Z"


def _feature_specs(module_name: str) -> list[EventSpec[Any]]:
    return list(importlib.import_module(module_name).SPECS)


@cache
def all_specs() -> dict[str, EventSpec[Any]]:
    specs: dict[str, EventSpec[Any]] = {}
    for module_name in FEATURE_MODULES:
        for spec in _feature_specs(module_name):
            if spec.type in specs:
                raise RuntimeError(f"event type {spec.type!r} is declared twice")
            specs[spec.type] = spec
    return specs


def known_types() -> frozenset[str]:
    return frozenset(all_specs())


def unknown_types(requested: list[str]) -> list[str]:
    """The requested subscription types that are neither catalog types nor the wildcard."""
    known = known_types()
    return [t for t in requested if t != WILDCARD and t not in known]


def sample_envelope(spec: EventSpec[Any]) -> dict[str, Any]:
    data = spec.data_model.model_validate(spec.sample).model_dump(mode="json", by_alias=True)
    return build_envelope(
        SAMPLE_EVENT_ID, spec.type, SAMPLE_ORGANIZATION_ID, SAMPLE_TIMESTAMP, data
    )


def describe(spec: EventSpec[Any]) -> dict[str, Any]:
    return {
        "type": spec.type,
        "description": spec.description,
        "schema": spec.json_schema(),
        "sample": sample_envelope(spec),
    }


@cache
def _described() -> tuple[dict[str, Any], ...]:
    return tuple(describe(spec) for spec in all_specs().values())


def event_type_documents() -> list[dict[str, Any]]:
    """Every type as served by ``GET /api/v1/webhooks/event-types``."""
    return copy.deepcopy(list(_described()))


@cache
def event_types_response_body() -> bytes:
    """The event-types response, encoded once: the catalog never changes while running."""
    documents = _described()
    body = {"success": True, "eventTypes": documents, "count": len(documents)}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def catalog_document() -> dict[str, Any]:
    """The whole catalog as one JSON-ready document (what the piece's build step reads)."""
    return {"eventTypes": event_type_documents()}


def main() -> None:
    json.dump(catalog_document(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
