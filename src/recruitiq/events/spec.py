"""How a feature declares an event type: name, description, typed data, realistic sample.

Each feature names its event types in ``<feature>/events.py`` and lists them as ``SPECS``;
the catalog (``events/catalog.py``) gathers them, serves them, and the tests check that every
emitted event's ``data`` validates against its schema. A spec is also the handle a service
emits with: ``emit(session, org, JOB_CREATED, data)`` takes only ``JOB_CREATED``'s data model,
so strict mypy refuses a mistyped event or the wrong data.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

DataT = TypeVar("DataT", bound=BaseModel)


@dataclass(frozen=True)
class EventSpec(Generic[DataT]):
    type: str
    description: str
    data_model: builtins.type[DataT]
    sample: dict[str, Any]

    def json_schema(self) -> dict[str, Any]:
        return self.data_model.model_json_schema(by_alias=True)
