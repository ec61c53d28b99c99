"""Pydantic bases and types: camelCase on the wire, snake_case in Python, and input refused
at the edge (a 422 naming the field) rather than by the database (a 500)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Optional, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    GetJsonSchemaHandler,
    PlainSerializer,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from recruitiq.kit.clock import isoformat_z

T = TypeVar("T")

UTCTimestamp = Annotated[datetime, PlainSerializer(isoformat_z, return_type=str, when_used="json")]

# A day's margin inside datetime's range: an offset or a duration added later (an
# interview's end) cannot overflow.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)
OUT_OF_RANGE = "must be between 0001-01-02T00:00:00Z and 9999-12-30T23:59:59Z"


def in_utc(value: datetime) -> datetime:
    """An aware moment in UTC, or ValueError when it is outside the range the API stores."""
    try:
        moment = value.astimezone(UTC)
    except OverflowError as exc:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise ValueError(OUT_OF_RANGE) from exc
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(OUT_OF_RANGE)
    return moment


# Every datetime the API accepts (bodies and query parameters): with an offset, in range,
# converted to UTC.
Timestamp = Annotated[AwareDatetime, AfterValidator(in_utc)]


def refuse_nul(value: Any) -> Any:
    """PostgreSQL cannot store U+0000 in text; refused everywhere so both databases agree."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL (U+0000) characters")
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            refuse_nul(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key)
            refuse_nul(item)
    return value


def _refuse_null(value: T | None) -> T:
    if value is None:
        raise ValueError("cannot be null; leave the field out to keep its value")
    return value


class _NotNullInSchema:
    """The document says what the validator does: the field may be absent, never null."""

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        options = [o for o in json_schema.get("anyOf", []) if o != {"type": "null"}]
        if "anyOf" in json_schema and len(options) == 1:
            del json_schema["anyOf"]
            json_schema.update(options[0])
        json_schema.pop("default", None)
        return json_schema


# A PATCH field whose column cannot be empty: absent means unchanged, null is a 422.
# (A nullable column keeps ``X | None``, where null clears it.)
Patch = Annotated[Optional[T], AfterValidator(_refuse_null), _NotNullInSchema()]  # noqa: UP045


class CamelModel(BaseModel):
    """Response and shared models: camelCase aliases, built from ORM objects."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, from_attributes=True
    )

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


# More unknown keys than this are one error, not one each: pydantic's 170,000 errors for a
# 2 MB body of unknown keys took seconds to list, even though only 20 are shown.
MANY_UNKNOWN_FIELDS = 20


class CamelInput(BaseModel):
    """Request bodies: camelCase aliases and unknown fields refused, so typos are loud;
    no NUL character in any string."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )

    _no_nul = field_validator("*")(refuse_nul)

    @model_validator(mode="before")
    @classmethod
    def _not_many_unknown_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and len(data) > len(cls.model_fields) + MANY_UNKNOWN_FIELDS:
            known = {n for name, f in cls.model_fields.items() for n in (name, f.alias)}
            unknown = [key for key in data if key not in known]
            first = ", ".join(repr(key) for key in unknown[:5])
            raise ValueError(f"{len(unknown)} unknown fields ({first}, …)")
        return data
