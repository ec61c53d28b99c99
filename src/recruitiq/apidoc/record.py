"""``python -m recruitiq.apidoc.record``: re-record the API examples into examples.json.

Runs the scenario against a throw-away SQLite database in a temporary directory.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any


def record_examples(pdf: bytes) -> dict[str, dict[str, Any]]:
    from fastapi.testclient import TestClient

    from recruitiq import migrate
    from recruitiq.apidoc.document import build_document
    from recruitiq.apidoc.scenario import record
    from recruitiq.app import create_app
    from recruitiq.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'examples.db'}"
        migrate.upgrade(url)
        app = create_app(Settings(database_url=url, data_dir=Path(tmp)), run_worker=False)
        with TestClient(app) as client:
            examples = record(client, build_document(app), pdf)
        app.state.engine.dispose()
    return examples


def sample_pdf() -> bytes:
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


if __name__ == "__main__":
    from recruitiq.apidoc.document import EXAMPLES_FILE
    from recruitiq.apidoc.scenario import dumps

    EXAMPLES_FILE.write_text(dumps(record_examples(sample_pdf())), encoding="utf-8")
    print(f"wrote {EXAMPLES_FILE.name}")
