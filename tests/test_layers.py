"""The floor plan, kept from the code itself (an `ast` walk over every module).

A module imports only modules on its own floor or below; the layer-specific bans of DESIGN.md
hold; and there is no import circle anywhere, counting imports inside functions. The only
arrows allowed to run back up are the assembly point's: `tracker/__init__.create_app` builds
the web and CLI layers, and the CLI entry point calls `create_app`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tracker.config import REPO_ROOT

# Floors from the ground up. A module not listed here fails the test: place it when you add it.
FLOORS: dict[str, int] = {
    # 0 ground floor: plain values and rules, no SQL, no Flask (i18n reads Flask's request)
    **{m: 0 for m in (
        "tracker.config", "tracker.errors", "tracker.vocab", "tracker.rules", "tracker.fields",
        "tracker.params", "tracker.dates", "tracker.text", "tracker.formatting", "tracker.geo",
        "tracker.i18n", "tracker.gcpause", "tracker.urls", "tracker.timezone",
        "tracker.symbology", "tracker.collation", "tracker.periods")},
    # 1 storage
    **{m: 1 for m in ("tracker.db", "tracker.models", "tracker.limits", "tracker.checks",
                      "tracker.state")},
    # 2 reading, file formats, changing data
    "tracker.queries": 2, "tracker.formats": 2, "tracker.services": 2, "tracker.auth": 2,
    "tracker.audit": 2, "tracker.throttle": 2,
    # 3 use cases over a selection
    "tracker.exports": 3, "tracker.reports": 3,
    # 4 the HTTP API without Flask
    "tracker.api": 4,
    # 5 the doors: Flask, the command line, the map builders (which import only the ground)
    "tracker.web": 5, "tracker.cli": 5, "maps": 5,
    # the assembly point
    "tracker": 6,
}
ASSEMBLY = {("tracker", "tracker.web"), ("tracker", "tracker.cli"),
            ("tracker.cli", "tracker")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, ast.Module]:
    out = {}
    for root in ("tracker", "maps"):
        for path in sorted((REPO_ROOT / root).rglob("*.py")):
            out[module_name(path)] = ast.parse(path.read_text(), filename=str(path))
    return out


def imports(tree: ast.Module) -> set[str]:
    """Every module named by an import anywhere in the file (functions included)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from tracker import vocab` names the module tracker.vocab, not the package
            for a in node.names:
                full = f"{node.module}.{a.name}"
                found.add(full if full in MODULE_NAMES else node.module)
    return found


def own(name: str, known: dict[str, ast.Module]) -> str | None:
    """The project module an import name refers to (a module, or the module of a name)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def floor(name: str) -> int:
    while name not in FLOORS:
        name = name.rpartition(".")[0]
        if not name:
            raise KeyError
    return FLOORS[name]


MODULES = modules()
MODULE_NAMES = set(MODULES)
GRAPH = {m: {t for i in imports(tree) if (t := own(i, MODULES)) and t != m}
         for m, tree in MODULES.items()}


def test_every_module_has_a_floor():
    unplaced = []
    for m in MODULES:
        try:
            floor(m)
        except KeyError:
            unplaced.append(m)
    assert not unplaced, f"place these modules in FLOORS: {unplaced}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_arrow_runs_up(module):
    up = [t for t in GRAPH[module]
          if floor(t) > floor(module) and (module, t) not in ASSEMBLY]
    assert not up, f"{module} (floor {floor(module)}) imports higher floors: {up}"


BANS = {
    # queries/features.py caches features encoded by formats/geojson: that arrow is allowed
    "tracker.queries": ("flask", "tracker.web", "tracker.api", "tracker.exports",
                        "tracker.services"),
    "tracker.services": ("flask", "tracker.web", "tracker.api"),
    "tracker.formats": ("sqlalchemy.orm", "tracker.models", "tracker.queries", "tracker.db",
                        "tracker.services", "flask"),
    "tracker.api": ("flask", "werkzeug"),
    "maps": ("tracker.models", "tracker.queries", "tracker.db", "tracker.web", "flask"),
}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_layer_bans(module):
    rules = [b for prefix, bans in BANS.items()
             if module == prefix or module.startswith(prefix + ".") for b in bans]
    found = imports(MODULES[module])
    broken = sorted(i for i in found for b in rules if i == b or i.startswith(b + "."))
    assert not broken, f"{module} must not import {broken}"


def test_maps_import_only_the_ground_floor():
    for m in (m for m in MODULES if m.startswith("maps")):
        above = [t for t in GRAPH[m] if t.startswith("tracker") and floor(t) > 0]
        assert not above, f"{m} imports {above}"


def test_no_import_circle():
    """Depth-first search for a cycle in the module graph, assembly arrows excepted."""
    graph = {m: {t for t in ts if (m, t) not in ASSEMBLY} for m, ts in GRAPH.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                return stack[stack.index(t):] + [t]
            if t not in state and (cycle := visit(t)):
                return cycle
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            cycle = visit(m)
            assert cycle is None, " -> ".join(cycle)


def test_the_graph_is_real():
    """The walk sees the arrows we know exist (a test of the test)."""
    assert "tracker.queries.filter" in GRAPH["tracker.queries.select"]
    assert "tracker.api.http" in GRAPH["tracker.api.v1"]
    assert floor("tracker.queries.select") == 2 and floor("maps.styles") == 5
