"""Resume files on local disk: ``<data_dir>/resumes/<org>/<candidate>/<random>.<ext>``.

Only ids we generated and a random name form the path, never anything the client sent.
The database keeps the path relative to the data directory, so the directory can move.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path

ROOT = "resumes"


def candidate_dir(data_dir: Path, organization_id: str, candidate_id: str) -> Path:
    return data_dir / ROOT / organization_id / candidate_id


def absolute(data_dir: Path, relative_path: str) -> Path:
    path = (data_dir / relative_path).resolve()
    if not path.is_relative_to((data_dir / ROOT).resolve()):
        raise ValueError("resume path escapes the resume directory")
    return path


def write(data_dir: Path, organization_id: str, candidate_id: str, extension: str,
          data: bytes) -> str:
    """Write atomically (temp file, fsync, rename); returns the path relative to data_dir."""
    directory = candidate_dir(data_dir, organization_id, candidate_id)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{extension}"
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, directory / name)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return f"{ROOT}/{organization_id}/{candidate_id}/{name}"


def remove(data_dir: Path, relative_path: str | None) -> None:
    if relative_path:
        absolute(data_dir, relative_path).unlink(missing_ok=True)


def remove_candidate_files(data_dir: Path, organization_id: str, candidate_id: str) -> None:
    shutil.rmtree(candidate_dir(data_dir, organization_id, candidate_id), ignore_errors=True)
