"""Export throughput and memory, on 100,000 rows by default. Prints figures; asserts nothing.

    .venv/bin/python bench/exports.py [--rows 100000] [--database-url postgresql+psycopg://…]

1. In process: each resource × format streamed through the same generators the endpoint
   uses; rows/s without tracing, then the tracemalloc peak in a second pass.
2. Over HTTP: a real uvicorn server in a child process; its peak RSS (VmHWM) after a ~10%
   export and after the full export. A flat line between the two is the point.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from recruitiq import migrate
from recruitiq.auth.service import create_api_key
from recruitiq.db import make_engine, make_session_factory
from recruitiq.kit.ids import new_id
from recruitiq.models import Application, Candidate, Job, Organization
from recruitiq.reports import export_formats as formats
from recruitiq.reports.export_specs import SPECS, ExportFilters
from recruitiq.reports.export_stream import export_batches

BASE = datetime(2026, 1, 1, tzinfo=UTC)
CHUNK = 10_000


def seed(url: str, rows: int) -> tuple[str, str, datetime]:
    """An organization with one job and ``rows`` candidates, each with one application."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    org_id, job_id = new_id("org"), new_id("job")
    with factory() as session:
        session.add(Organization(id=org_id, name="Bench"))
        session.flush()
        session.add(Job(id=job_id, organization_id=org_id, title="Engineer", status="open"))
        _, key = create_api_key(session, org_id, "bench", ["candidates:read", "applications:read"])
        session.commit()
    with engine.begin() as conn:
        for start in range(0, rows, CHUNK):
            candidates, applications = [], []
            for i in range(start, min(rows, start + CHUNK)):
                moment = BASE + timedelta(seconds=i)
                cid = new_id("cand")
                candidates.append({
                    "id": cid, "organization_id": org_id, "first_name": f"=First{i}",
                    "last_name": "Müller", "email": f"c{i}@example.com", "phone": "+41 44 000",
                    "location": "Zürich", "current_title": "Engineer", "tags": ["python", "remote"],
                    "search_text": "", "created_at": moment, "updated_at": moment,
                })
                applications.append({
                    "id": new_id("app"), "organization_id": org_id, "job_id": job_id,
                    "candidate_id": cid, "stage": "new", "status": "active", "source": "bench",
                    "stage_entered_at": moment, "created_at": moment, "updated_at": moment,
                })
            conn.execute(insert(Candidate.__table__), candidates)
            conn.execute(insert(Application.__table__), applications)
    engine.dispose()
    return org_id, key, BASE + timedelta(seconds=int(rows * 0.9))


def _body(factory, resource: str, fmt: str, org_id: str) -> Iterator[str]:  # type: ignore[no-untyped-def]
    spec = SPECS[resource]
    batches = export_batches(factory, spec, org_id, ExportFilters())
    if fmt == "csv":
        return formats.encode_csv(formats.columns(spec.schema), batches)
    if fmt == "ndjson":
        return formats.encode_ndjson(batches)
    return formats.encode_json(resource, batches)


def in_process(url: str, org_id: str, rows: int) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    print(f"\nin process, {rows:,} rows ({engine.dialect.name})")
    print(f"{'export':<22}{'rows/s':>10}{'MB':>8}{'seconds':>9}{'tracemalloc peak MB':>21}")
    for resource in ("candidates", "applications"):
        for fmt in ("csv", "json", "ndjson"):
            started = time.perf_counter()
            size = sum(len(chunk.encode()) for chunk in _body(factory, resource, fmt, org_id))
            elapsed = time.perf_counter() - started
            tracemalloc.start()
            for _chunk in _body(factory, resource, fmt, org_id):
                pass
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"{resource + '.' + fmt:<22}{rows / elapsed:>10,.0f}{size / 1e6:>8.1f}"
                  f"{elapsed:>9.2f}{peak / 1e6:>21.1f}")
    engine.dispose()


def _rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def over_http(url: str, key: str, tail_from: datetime, rows: int) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = ("import uvicorn; from recruitiq.app import create_app; "
            f"uvicorn.run(create_app(run_worker=False), host='127.0.0.1', port={port}, "
            "log_level='warning')")
    env = {**os.environ, "RECRUITIQ_DATABASE_URL": url}
    server = subprocess.Popen([sys.executable, "-c", code], env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
            for _ in range(100):
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            empty = {"format": "csv", "createdAfter": (BASE + timedelta(days=3650)).isoformat()}
            client.get("/api/v1/exports/candidates", params=empty)  # warm-up: imports, 0 rows
            print(f"\nover HTTP (uvicorn child process), baseline RSS "
                  f"{_rss_kb(server.pid, 'VmRSS') / 1024:.0f} MB")
            print(f"{'export':<40}{'rows':>9}{'MB':>8}{'rows/s':>10}{'peak RSS MB':>13}")
            for label, params, count in (
                ("applications.ndjson (last 10%)", {"createdAfter": tail_from.isoformat()},
                 rows - int(rows * 0.9) - 1),
                ("applications.ndjson (all)", {}, rows),
                ("candidates.csv (all)", {}, rows),
                ("applications.json (all)", {}, rows),
            ):
                resource, fmt = label.split()[0].split(".")
                started = time.perf_counter()
                size = 0
                with client.stream("GET", f"/api/v1/exports/{resource}",
                                   params={"format": fmt, **params}) as response:
                    response.raise_for_status()
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                elapsed = time.perf_counter() - started
                peak = _rss_kb(server.pid, "VmHWM") / 1024
                print(f"{label:<40}{count:>9,}{size / 1e6:>8.1f}{count / elapsed:>10,.0f}"
                      f"{peak:>13.0f}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        started = time.perf_counter()
        org_id, key, tail_from = seed(url, args.rows)
        print(f"seeded {args.rows:,} candidates + applications in "
              f"{time.perf_counter() - started:.1f}s")
        in_process(url, org_id, args.rows)
        over_http(url, key, tail_from, args.rows)


if __name__ == "__main__":
    main()
