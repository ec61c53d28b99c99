"""Encoders for streamed exports: CSV, a JSON document, NDJSON. Each turns a batch of row
dicts (the API's camelCase JSON) into one text chunk, so memory stays one batch deep."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from pydantic import BaseModel

ExportFormat = Literal["csv", "json", "ndjson"]

MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "ndjson": "application/x-ndjson",
}

# OWASP "CSV injection": a spreadsheet evaluates a cell that starts with one of these as a
# formula. Full-width forms are included because some spreadsheet apps normalise them.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_safe(text: str) -> str:
    """Prefix a would-be formula with a single quote, so it is shown as text."""
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def columns(schema: type[BaseModel], prefix: str = "") -> list[str]:
    """CSV header from the output schema (so an empty export still has one): camelCase
    field names, nested objects flattened with dots (``salaryRange.min``)."""
    names: list[str] = []
    for name, field in schema.model_fields.items():
        key = prefix + (field.alias or name)
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            names += columns(nested, key + ".")
        else:
            names.append(key)
    names += [prefix + (f.alias or n) for n, f in schema.model_computed_fields.items()]
    return names


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return csv_safe(value)
    if isinstance(value, list):
        return csv_safe("; ".join("" if v is None else str(v) for v in value))
    if isinstance(value, dict):
        return csv_safe(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return str(value)


def _lookup(row: dict[str, Any], column: str) -> Any:
    value: Any = row
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _dumps(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def encode_csv(header: list[str], batches: Iterable[list[dict[str, Any]]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for batch in batches:
        for row in batch:
            writer.writerow([_cell(_lookup(row, column)) for column in header])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def encode_ndjson(batches: Iterable[list[dict[str, Any]]]) -> Iterator[str]:
    for batch in batches:
        if batch:
            yield "".join(_dumps(row) + "\n" for row in batch)


def encode_json(key: str, batches: Iterable[list[dict[str, Any]]]) -> Iterator[str]:
    """``{"success":true,"<key>":[...],"count":n}``, written as it is read."""
    yield f'{{"success":true,"{key}":['
    count = 0
    for batch in batches:
        if batch:
            yield ("," if count else "") + ",".join(_dumps(row) for row in batch)
            count += len(batch)
    yield f'],"count":{count}}}'
