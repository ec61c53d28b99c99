"""uv.lock still describes pyproject.toml: a dependency edited without `make lock` fails here.

The first check needs nothing but the two files: the lock records the project's own
requirements (``requires-dist`` of the root package) as uv read them, so they must be the
ones pyproject.toml declares now. The second asks uv itself, offline, when it is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))

# Markers are compared by what they select, since uv rewrites them (order, parentheses):
# on each of these platforms, interpreters and Python versions, with and without an extra.
PLATFORMS = [
    {"sys_platform": "linux", "os_name": "posix", "platform_system": "Linux",
     "platform_machine": "x86_64"},
    {"sys_platform": "linux", "os_name": "posix", "platform_system": "Linux",
     "platform_machine": "aarch64"},
    {"sys_platform": "darwin", "os_name": "posix", "platform_system": "Darwin",
     "platform_machine": "arm64"},
    {"sys_platform": "win32", "os_name": "nt", "platform_system": "Windows",
     "platform_machine": "AMD64"},
]
IMPLEMENTATIONS = [
    {"implementation_name": "cpython", "platform_python_implementation": "CPython"},
    {"implementation_name": "pypy", "platform_python_implementation": "PyPy"},
]
EXTRAS = ["", *PROJECT["project"].get("optional-dependencies", {})]
ENVIRONMENTS = [
    {**platform, **implementation, "python_version": f"3.{minor}",
     "python_full_version": f"3.{minor}.1", "implementation_version": f"3.{minor}.1",
     "extra": extra}
    for platform in PLATFORMS for implementation in IMPLEMENTATIONS
    for minor in range(11, 16) for extra in EXTRAS
]

Key = tuple[str, tuple[str, ...], SpecifierSet]


def _selects(marker: Marker | None, extra: str | None) -> tuple[bool, ...]:
    return tuple(
        (extra is None or env["extra"] == extra) and (marker is None or marker.evaluate(env))
        for env in ENVIRONMENTS
    )


def _declared() -> dict[Key, set[tuple[bool, ...]]]:
    found: dict[Key, set[tuple[bool, ...]]] = {}
    groups: list[tuple[str | None, list[str]]] = [(None, PROJECT["project"]["dependencies"])]
    groups += list(PROJECT["project"].get("optional-dependencies", {}).items())
    for extra, requirements in groups:
        for line in requirements:
            req = Requirement(line)
            key = (canonicalize_name(req.name), tuple(sorted(req.extras)), req.specifier)
            found.setdefault(key, set()).add(_selects(req.marker, extra))
    return found


def _root_package() -> dict[str, Any]:
    name = canonicalize_name(PROJECT["project"]["name"])
    roots = [p for p in LOCK["package"] if p["name"] == name]
    assert len(roots) == 1, f"uv.lock has no package {name!r}: run `make lock`"
    return roots[0]


def _locked() -> dict[Key, set[tuple[bool, ...]]]:
    found: dict[Key, set[tuple[bool, ...]]] = {}
    for entry in _root_package()["metadata"]["requires-dist"]:
        key = (canonicalize_name(entry["name"]), tuple(sorted(entry.get("extras", []))),
               SpecifierSet(entry.get("specifier", "")))
        marker = Marker(entry["marker"]) if entry.get("marker") else None
        found.setdefault(key, set()).add(_selects(marker, None))
    return found


def _show(requirements: dict[Key, set[tuple[bool, ...]]]) -> list[str]:
    return sorted(f"{name}{list(extras) if extras else ''}{spec}" for name, extras, spec in
                  requirements)


def test_the_lock_records_the_dependencies_pyproject_declares():
    declared, locked = _declared(), _locked()
    only_declared = {k: v for k, v in declared.items() if locked.get(k) != v}
    only_locked = {k: v for k, v in locked.items() if declared.get(k) != v}
    assert not only_declared and not only_locked, (
        "pyproject.toml and uv.lock disagree; run `make lock` and commit uv.lock. "
        f"In pyproject.toml only (or with another marker): {_show(only_declared)}; "
        f"in uv.lock only: {_show(only_locked)}"
    )


def test_the_lock_matches_the_rest_of_the_project_metadata():
    root = _root_package()
    assert root["source"] == {"editable": "."}
    assert LOCK["requires-python"] == PROJECT["project"]["requires-python"]
    assert sorted(root["metadata"].get("provides-extras", [])) == sorted(
        PROJECT["project"].get("optional-dependencies", {})
    )
    # The pinned build backend of the editable install.
    pinned = PROJECT.get("tool", {}).get("uv", {}).get("build-constraint-dependencies", [])
    recorded = LOCK.get("manifest", {}).get("build-constraints", [])
    assert {(canonicalize_name(Requirement(r).name), str(Requirement(r).specifier))
            for r in pinned} == {(e["name"], e.get("specifier", "")) for e in recorded}


def test_uv_itself_is_pinned_to_one_release_by_hash():
    text = (ROOT / "tools" / "requirements.txt").read_text(encoding="utf-8")
    requirements = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.MULTILINE)
    assert [name for name, _version in requirements] == ["uv"]
    assert len(re.findall(r"--hash=sha256:[0-9a-f]{64}", text)) >= 2


def _uv() -> str | None:
    installed = ROOT / ".venv-tools" / "bin" / "uv"
    return str(installed) if installed.exists() else shutil.which("uv")


def test_uv_agrees_that_the_lock_is_up_to_date():
    uv = _uv()
    if uv is None:
        pytest.skip("uv is not installed (`make install` puts it in .venv-tools/); "
                    "the requires-dist comparison above still ran")
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
    # Offline: a lock that matches pyproject.toml is checked without resolving anything; one
    # that does not would need the index, and fails either way.
    result = subprocess.run(
        [uv, "lock", "--check", "--offline", "--python", sys.executable],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, (
        "uv lock --check: uv.lock does not match pyproject.toml; run `make lock`\n"
        + result.stdout + result.stderr
    )
