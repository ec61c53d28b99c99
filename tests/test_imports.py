"""Imports flow one way: the foundation imports no feature, no circle among the package's
modules (lazy imports included), and writing an event does not load the delivery stack."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
DELIVERY_STACK = (
    "recruitiq.webhooks.dispatcher",
    "recruitiq.webhooks.store",
    "recruitiq.webhooks.client",
    "recruitiq.webhooks.delivery",
    "recruitiq.webhooks.metrics",
    "prometheus_client",
    "httptools",
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / "recruitiq").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(SRC).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imported(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every module of the package that ``module`` imports, at its top or in a function
    (a lazy import hides a circle, it does not remove it); ``TYPE_CHECKING`` blocks aside."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    targets: set[str] = set()
    nodes: list[ast.AST] = list(ast.parse(path.read_text()).body)
    while nodes:
        node = nodes.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
        nodes.extend(ast.iter_child_nodes(node))
    return {t for t in targets if t in known and t != module}


# The foundation every feature builds on imports no feature.
FOUNDATION = ("recruitiq.kit", "recruitiq.models", "recruitiq.config", "recruitiq.db",
              "recruitiq.errors")


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {module: _imported(module, path, known) for module, path in known.items()}


def _in(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in packages)


def test_the_foundation_imports_no_feature() -> None:
    wrong = {
        module: sorted(t for t in targets if t != "recruitiq" and not _in(t, FOUNDATION))
        for module, targets in _graph().items()
        if _in(module, FOUNDATION)
    }
    assert not {m: t for m, t in wrong.items() if t}


def test_the_import_graph_has_no_circle() -> None:
    graph = _graph()
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        pytest.fail(f"import circle: {' -> '.join(exc.args[1])}")


def _loaded_by(module: str) -> set[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


def test_emitting_an_event_loads_none_of_the_delivery_stack() -> None:
    loaded = _loaded_by("recruitiq.events.emit")
    assert "recruitiq.webhooks.fanout" in loaded  # the subscription match is part of emitting
    assert loaded.isdisjoint(DELIVERY_STACK), sorted(loaded & set(DELIVERY_STACK))
