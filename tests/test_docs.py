"""The documentation keeps up with the code: every environment variable, every method, every API field."""

import ast
import re

import pytest
import yaml
from django.core.management import call_command

from config import env
from indicators import stats
from indicators.catalog.validation import METHODS
from tests.conftest import ROOT

ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_list", "redis_url", "env_float"}


def _names_in_source() -> set[str]:
    """Literal first arguments of the env helpers anywhere in config/ (also the branches not taken here)."""
    names = set()
    for path in (ROOT / "config").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in ENV_HELPERS
                    and node.args and isinstance(node.args[0], ast.Constant)):
                names.add(node.args[0].value)
    return names


def _environment_variables() -> set[str]:
    # settings were imported at Django setup: env.py recorded every name they asked for.
    names = set(env.requested_names()) | _names_in_source()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DEBUG"} <= names, names
    return names


def _readme_configuration_table() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, re.M))


def test_every_environment_variable_is_in_env_example():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert sorted(_environment_variables() - documented) == []


def test_every_environment_variable_is_in_the_readme_configuration_table():
    assert sorted(_environment_variables() - _readme_configuration_table()) == []


def test_the_readme_documents_no_variable_the_settings_do_not_read():
    assert sorted(_readme_configuration_table() - _environment_variables()) == []


def test_env_helpers_record_the_names_they_are_asked_for(monkeypatch):
    monkeypatch.setenv("ATLAS_DOCS_TEST_FLAG", "1")
    assert env.env_bool("ATLAS_DOCS_TEST_FLAG") is True
    assert "ATLAS_DOCS_TEST_FLAG" in env.requested_names()


# --- methods ----------------------------------------------------------------------------------------------

METHOD_PAGES = sorted((ROOT / "docs" / "methods").glob("*.md"))


def _pages_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in METHOD_PAGES)


def _named_on_pages() -> set[str]:
    """Names written as code on the pages: `crude_rate`, `indicators.stats.dsr`, `population_weights(...)`."""
    return {name.rsplit(".", 1)[-1] for name in re.findall(r"`([\w.]+)[`(]", _pages_text())}


def _stats_functions() -> list[str]:
    return sorted(name for name, obj in vars(stats).items()
                  if callable(obj) and not isinstance(obj, type) and not name.startswith("_"))


@pytest.mark.parametrize("name", _stats_functions())
def test_every_statistical_function_is_named_on_a_method_page(name):
    assert name in _named_on_pages(), f"indicators.stats.{name} has no page in docs/methods/"


@pytest.mark.parametrize("module", sorted(p.stem for p in (ROOT / "indicators" / "stats").glob("[!_]*.py")))
def test_every_stats_module_is_the_code_of_a_method_page(module):
    assert f"indicators/stats/{module}.py" in _pages_text(), f"indicators/stats/{module}.py has no page"


def _catalog_method_lines() -> dict[str, str]:
    """Catalog method -> page, from each page's "Catalog method(s): `a`, `b` (compute: `fn`)" line."""
    found = {}
    for page in METHOD_PAGES:
        for line in re.findall(r"^Catalog methods?: (.*)$", page.read_text(encoding="utf-8"), re.M):
            found.update({name: page.name for name in re.findall(r"`(\w+)`", line.split("(compute:")[0])})
    return found


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_catalog_method_has_a_page(method):
    pages = _catalog_method_lines()
    assert method in pages, f"catalog method {method} has no 'Catalog method' line in docs/methods/"


def _compute_method_functions() -> list[str]:
    tree = ast.parse((ROOT / "indicators" / "compute" / "methods.py").read_text(encoding="utf-8"))
    # empty_result is the shared result frame, not a method.
    return sorted(n.name for n in tree.body if isinstance(n, ast.FunctionDef)
                  and not n.name.startswith("_") and n.name != "empty_result")


@pytest.mark.parametrize("function", _compute_method_functions())
def test_every_compute_method_is_named_on_its_page(function):
    lines = [line for page in METHOD_PAGES for line in re.findall(r"^Catalog methods?: .*$", page.read_text(), re.M)]
    named = {n for line in lines if "(compute:" in line for n in re.findall(r"`(\w+)`", line.split("(compute:", 1)[1])}
    assert function in named, f"indicators/compute/methods.py {function} is named on no method page"


# --- API schema -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker, tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--file", str(path))
    return yaml.safe_load(path.read_text())


def _undescribed(schema: dict) -> list[str]:
    """Every property of every response schema (components included, nested ones too) lacking a description."""
    missing = []

    def walk(node, where):
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            return  # the component itself is checked where it is defined
        for name, prop in (node.get("properties") or {}).items():
            if not (prop.get("description") or (prop.get("$ref") is None and prop.get("allOf")
                                                 and any(p.get("description") for p in prop["allOf"]))):
                missing.append(f"{where}.{name}")
            walk(prop, f"{where}.{name}")
        for key in ("items", "additionalProperties"):
            walk(node.get(key), f"{where}[]")
        for key in ("allOf", "oneOf", "anyOf"):
            for i, part in enumerate(node.get(key) or []):
                walk(part, f"{where}.{key}{i}")

    for name, component in schema.get("components", {}).get("schemas", {}).items():
        walk(component, name)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in (operation.get("responses") or {}).items():
                for media, content in (response.get("content") or {}).items():
                    walk(content.get("schema"), f"{method.upper()} {path} {status} {media}")
    return missing


def test_every_field_of_every_api_response_has_a_description(schema):
    assert _undescribed(schema) == []


def test_the_description_check_finds_a_bare_field():
    bare = {"components": {"schemas": {"X": {"type": "object", "properties": {"a": {"type": "string"}}}}},
            "paths": {}}
    assert _undescribed(bare) == ["X.a"]
