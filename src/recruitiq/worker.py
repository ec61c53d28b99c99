"""Background work that runs inside ``recruitiq serve`` or as ``recruitiq worker``."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI


async def start_embedded(app: FastAPI) -> list[asyncio.Task[None]]:
    """Start the background loops inside the API process; returns their tasks."""
    return []
