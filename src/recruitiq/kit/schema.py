"""Pydantic bases: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel

from recruitiq.kit.clock import isoformat_z

UTCTimestamp = Annotated[datetime, PlainSerializer(isoformat_z, return_type=str, when_used="json")]


class CamelModel(BaseModel):
    """Response and shared models: camelCase aliases, built from ORM objects."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, from_attributes=True
    )

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class CamelInput(BaseModel):
    """Request bodies: camelCase aliases and unknown fields refused, so typos are loud."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )
