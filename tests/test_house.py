"""House rules checked on the source tree: no dead helpers or unused dependencies, no file I/O in pure code."""

import ast
import importlib
import re

import pytest

from tests.conftest import ROOT

DEAD = [
    ("indicators.stats._core", "ci_columns"),
    ("indicators.importing.codes", "band_bounds"),
    ("indicators.importing.codes", "is_finite"),
    ("indicators.compute.geography", "comparators"),
    ("geo.selectors", "territory_set_list"),
]


def test_the_deprecated_xlrd_dependency_is_not_declared():
    # The one legacy .xls file (CNAM ALD) is read with pandas' calamine engine: pandas 3 deprecates xlrd.
    for name in ("pyproject.toml", "requirements.lock"):
        assert not re.search(r"^\s*\"?xlrd\b", (ROOT / name).read_text(), re.M), f"xlrd still in {name}"


@pytest.mark.parametrize(("module", "name"), DEAD)
def test_dead_helpers_are_gone(module, name):
    assert not hasattr(importlib.import_module(module), name), f"{module}.{name} is unused: delete it"


# What pure computation must not call: it gets frames and Series, never paths.
FILE_IO_CALLS = {"open", "read_excel", "read_csv", "read_parquet", "read_json", "read_table", "read_text",
                 "read_bytes", "write_text", "write_bytes", "load_workbook", "to_csv", "to_excel", "loadtxt",
                 "genfromtxt", "savetxt", "iterdir", "glob"}
FILE_IO_MODULES = {"pathlib", "openpyxl", "io", "os", "shutil", "csv", "yaml", "django"}


def _pure_modules():
    for package in ("stats", "compute"):
        yield from sorted((ROOT / "indicators" / package).glob("*.py"))


@pytest.mark.parametrize("path", list(_pure_modules()), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pure_computation_modules_do_no_file_io(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in FILE_IO_CALLS:
                found.append(f"line {node.lineno}: {name}()")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found += [f"line {node.lineno}: import {n}" for n in names if n.split(".")[0] in FILE_IO_MODULES]
    assert not found, f"{path.relative_to(ROOT)} does file I/O: " + "; ".join(found)
