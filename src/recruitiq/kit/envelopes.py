"""The response envelopes' schemas, for the OpenAPI document.

Endpoints answer the dicts they build directly (kit/routing.py); these models only tell the
document, and so the clients generated from it and the fuzzer checking it, what those dicts
hold: ``{"success": true, "<resource>": {...}}`` and
``{"success": true, "<resources>": [...], "count": n, "nextCursor": "…" | null}``
(kit/pagination.py's ``list_body``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from recruitiq.kit.schema import CamelModel


def _field(model: Any, key: str) -> tuple[Any, Any]:
    return (model, Field(alias=key))


def envelope(name: str, key: str, model: Any, **more: tuple[Any, Any]) -> type[BaseModel]:
    """``{"success": true, key: model}``, plus any ``more`` fields (name: (type, Field))."""
    fields: dict[str, Any] = {"success": (Literal[True], ...), "resource": _field(model, key),
                              **more}
    made: type[BaseModel] = create_model(name, __base__=CamelModel, **fields)
    return made


def page_envelope(name: str, key: str, model: Any) -> type[BaseModel]:
    """A list: ``{"success": true, key: [model], "count": n, "nextCursor": …}``."""
    return envelope(
        name, key, list[model],
        count=(int, Field(description="Items on this page")),
        next_cursor=(str | None, Field(
            description="Pass as `cursor` for the next page; null on the last page")),
    )
