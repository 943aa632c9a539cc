"""The engine's modules import in one direction: services never import the Celery tasks, no import circle,
and no test-only hook in production code."""

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "indicators"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every indicators.* module the file imports, at top level or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name.startswith("indicators")}


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    return {name: {i for i in _imports(path) if i in files and i != name} for name, path in files.items()}


def test_no_module_imports_the_celery_tasks():
    importers = sorted(name for name, deps in _graph().items() if "indicators.tasks" in deps)
    assert importers == []


def test_the_services_have_no_import_circle():
    graph = {n: {d for d in deps if d.startswith("indicators.services")}
             for n, deps in _graph().items() if n.startswith("indicators.services")}

    def reaches(start, target, seen):
        for dep in graph.get(start, ()):
            if dep == target or (dep not in seen and reaches(dep, target, seen | {dep})):
                return True
        return False

    circles = sorted(name for name in graph if reaches(name, name, {name}))
    assert circles == []


def test_production_code_has_no_test_only_hook():
    hooked = sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                    if "ATLAS_TEST_" in p.read_text(encoding="utf-8"))
    assert hooked == []
