"""How a feature declares an event type: name, description, typed data, realistic sample.

Each feature lists its event types in ``<feature>/events.py`` as ``SPECS``; the catalog
(``events/catalog.py``) gathers them, serves them, and the tests check that every emitted
event's ``data`` validates against its schema.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class EventSpec:
    type: str
    description: str
    data_model: builtins.type[BaseModel]
    sample: dict[str, Any]

    def json_schema(self) -> dict[str, Any]:
        return self.data_model.model_json_schema(by_alias=True)
