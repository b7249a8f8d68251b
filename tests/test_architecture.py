"""The layers of docs/architecture.md, enforced: what each part of cx may import.

Every import counts, at module level or inside a function (a lazy import that climbs
up a layer is still a dependency), except those under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cx"

#: Part of cx → the parts it may import (besides itself). A part is a subpackage
#: (``data``) or a top-level module (``guards``). The import of the ``cx`` package
#: itself counts as ``api`` (it re-exports the API).
ALLOWED: dict[str, set[str]] = {
    "_version": set(),
    "errors": set(),
    "io": {"errors"},
    "models": {"errors"},
    "guards": {"errors", "models"},
    "schema": {"models"},
    "loader": {"errors", "models", "guards"},
    "validate": {"errors", "models", "loader", "guards"},
    "check": {"errors", "models", "loader", "guards", "validate"},
    "data": {"_version", "errors", "io", "models"},
    "staffing": {"errors", "models"},
    "replay": {"errors", "models", "guards", "data", "staffing"},
    "inspect": {"errors", "io", "models", "data"},
    "generate": {"errors", "io", "models", "api_checks"},
    "api_checks": {"errors", "models", "data"},
    "onboard": {"errors", "io", "models", "loader", "data"},
    "caveats": {"models", "data", "staffing", "replay"},
    "api": {
        "_version", "errors", "io", "models", "loader", "data", "replay", "inspect", "api_checks",
        "onboard", "caveats",
    },
    "render": {"errors", "models", "guards", "validate", "check"},
    "report": {
        "_version", "errors", "io", "models", "data", "staffing", "replay", "render", "api",
        "api_checks", "caveats",
    },
    "cli": set(),  # the top: anything
    "__main__": {"cli"},
}


def _part(module: str) -> str:
    """``cx.data.scan`` → ``data``; ``cx.guards`` → ``guards``; ``cx`` → ``api``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "api"


def _module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    names = list(relative.parts)
    if names[-1] == "__init__":
        names.pop()
    return ".".join(names)


def _imports(path: Path) -> set[str]:
    """Every cx module ``path`` imports, outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else None
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "cx")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = (package or _module_name(path)).split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module.split(".")[0] == "cx":
                found.add(module)
                # `from cx.data import cube` imports the module cx.data.cube
                found.update(
                    f"{module}.{a.name}"
                    for a in node.names
                    if (PACKAGE.parent / f"{module}.{a.name}".replace(".", "/")).with_suffix(
                        ".py"
                    ).exists()
                )
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


@functools.cache
def _graph() -> dict[str, set[str]]:
    """Every module of cx → the cx modules it imports (read once per run)."""
    return {_module_name(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def test_every_part_of_cx_has_a_layer() -> None:
    parts = {_part(module) for module in _graph() if module != "cx"}
    assert parts <= set(ALLOWED), f"parts missing from ALLOWED: {parts - set(ALLOWED)}"


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_part_imports_only_the_layers_below_it(part: str) -> None:
    if part == "cli":
        return
    offending = sorted(
        f"{module} imports {imported}"
        for module, imports in _graph().items()
        if module != "cx" and _part(module) == part
        for imported in imports
        if _part(imported) != part and _part(imported) not in ALLOWED[part]
    )
    assert offending == [], "\n".join(offending)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph``, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_no_import_cycle_between_parts() -> None:
    parts: dict[str, set[str]] = {}
    for module, imports in _graph().items():
        source = _part(module)
        if module == "cx":
            continue
        parts.setdefault(source, set()).update(
            _part(i) for i in imports if _part(i) != source and i != "cx"
        )
    assert _cycle(parts) is None, " -> ".join(_cycle(parts) or [])


@pytest.mark.parametrize(
    "package", ["cli", "data", "loader", "replay", "staffing", "render", "report"]
)
def test_no_import_cycle_inside_a_package(package: str) -> None:
    prefix = f"cx.{package}."
    inside = {
        module: {i for i in imports if i.startswith(prefix)}
        for module, imports in _graph().items()
        if module.startswith(prefix)
    }
    assert _cycle(inside) is None, " -> ".join(_cycle(inside) or [])


def test_the_checks_catch_a_cycle_and_a_climb() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    assert "data" not in ALLOWED["staffing"] and "replay" not in ALLOWED["staffing"]
