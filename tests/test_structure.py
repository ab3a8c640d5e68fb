"""Dependencies point one way (docs/steps.md, "The shape of the code").

Pages, forms and sockets call actions; the read side (circle/read/) reads and
never imports an action; the method imports nothing of Kring's but itself;
and nothing imports the socket module (circle/live.py) but the application
factory, which registers it. Checked on the source, so a new import that
breaks the rule fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CIRCLE = Path(__file__).resolve().parent.parent / "circle"
#: The write side: the modules whose functions are the actions.
ACTIONS = {"circle.actions", "circle.circles", "circle.meetings", "circle.proposals", "circle.corrections",
           "circle.between", "circle.deadlines"}
ACTIONS |= {"circle.agenda", "circle.tasks"}  # between meetings: the agenda put forward and shaped; tasks
ACTIONS |= {"circle.facilitation"}  # the facilitator's tools: speaking time, ready check, who steers
ACTIONS |= {"circle.roles", "circle.subcircles"}  # roles held for a term; circles within circles
ACTIONS |= {"circle.elections"}  # an election written, and in a meeting a person proposed for the role


def module_name(path: Path) -> str:
    parts = path.relative_to(CIRCLE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every circle module a file imports, also inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("circle"):
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("circle")}
    return found


SOURCES = {module_name(p): imports(p) for p in CIRCLE.rglob("*.py") if "migrations" not in p.parts}


def test_the_scan_sees_the_code():
    assert len(SOURCES) > 30 and "circle.read.minutes" in SOURCES and "circle.live" in SOURCES


@pytest.mark.parametrize("module", sorted(m for m in SOURCES if m.startswith("circle.read")))
def test_the_read_side_imports_no_action(module):
    assert SOURCES[module] & ACTIONS == set()


@pytest.mark.parametrize("module", sorted(m for m in SOURCES if m.startswith("circle.method")))
def test_the_method_is_plain_python(module):
    others = {name for name in SOURCES[module] if not name.startswith("circle.method")}
    assert others == set(), "the method imports nothing of Kring's but itself"
    source = (CIRCLE / Path(*module.split(".")[1:])).with_suffix(".py")
    if not source.exists():
        source = CIRCLE / Path(*module.split(".")[1:]) / "__init__.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    top = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
           for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])}
    assert top <= {"__future__", "datetime", "collections", "dataclasses", "enum", "functools", "typing", "circle"}, top


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_only_the_factory_imports_the_socket_module(module):
    if module in ("circle", "circle.live"):
        return
    assert not any(name == "circle.live" or name.startswith("circle.live.") for name in SOURCES[module])


@pytest.mark.parametrize("module", sorted(m for m in SOURCES if m.startswith("circle.views") or m == "circle.forms"))
def test_pages_and_forms_reach_the_room_through_broadcast_not_the_sockets(module):
    assert "circle.live" not in SOURCES[module]
