"""The baseline for bench/api.py: a bare FastAPI app served as ``recruitiq serve`` is.

    python bench/bare_api.py PORT SQLITE_FILE

``GET /ping`` answers a constant (async: the fastest route FastAPI has); ``POST /jobs``
validates the same job body with a pydantic model and inserts it into a SQLite table (one
connection per thread, WAL, one commit per request): what a framework costs before any of
RecruitIQ's own work.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
import uuid
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
_local = threading.local()
DATABASE = sys.argv[2] if len(sys.argv) > 2 else ":memory:"


class JobIn(BaseModel):
    title: str
    department: str | None = None
    location: str | None = None
    description: str | None = None


def connection() -> sqlite3.Connection:
    conn: sqlite3.Connection | None = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DATABASE, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, title TEXT, "
                     "department TEXT, location TEXT, description TEXT)")
        _local.conn = conn
    return conn


@app.get("/ping")
async def ping() -> dict[str, Any]:
    return {"success": True, "status": "ok"}


@app.post("/jobs", status_code=201)
def create_job(job: JobIn) -> dict[str, Any]:
    row = {"id": uuid.uuid4().hex, **job.model_dump()}
    conn = connection()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO jobs VALUES (:id, :title, :department, :location, :description)",
                 row)
    conn.execute("COMMIT")
    return {"success": True, "job": row}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
