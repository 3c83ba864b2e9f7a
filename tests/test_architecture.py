"""The hexagon holds: the core imports no technology and no adapter, and the domain stays pure."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import ecommerce_core

CORE = Path(ecommerce_core.__file__).parent
DOMAIN = CORE / "domain"

# technology libraries that belong to adapters, never to the core
TECHNOLOGY = {
    "sqlalchemy",
    "alembic",
    "pymongo",
    "bson",
    "psycopg",
    "psycopg2",
    "pymysql",
    "redis",
    "httpx",
    "requests",
    "typer",
    "click",
    "rich",
    "argon2",
    "cryptography",
}
# what a pure domain never touches: clocks, randomness, I/O, processes, threads
IMPURE = {"random", "secrets", "uuid", "time", "os", "socket", "subprocess", "threading", "io"}


def _is_forbidden(module: str) -> bool:
    top = module.split(".")[0]
    return top in TECHNOLOGY or (top.startswith("ecommerce_") and top != "ecommerce_core")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", ""))
            in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-c", code],  # -I: no cwd, no PYTHON* variables on the path
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_importing_every_module_of_the_core_loads_no_technology_and_no_adapter(
    tmp_path: Path,
) -> None:
    code = """
import importlib, json, pkgutil, sys
import ecommerce_core
names = [m.name for m in pkgutil.walk_packages(ecommerce_core.__path__, "ecommerce_core.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": sorted(sys.modules), "walked": names}))
"""
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert "ecommerce_core.shop" in loaded["walked"]
    assert "ecommerce_core.domain.money" in loaded["walked"]
    offenders = sorted(m for m in loaded["modules"] if _is_forbidden(m))
    assert offenders == []


def test_importing_the_package_alone_creates_no_plugin_manager(tmp_path: Path) -> None:
    code = """
import gc, pluggy, ecommerce_core
print(sum(isinstance(o, pluggy.PluginManager) for o in gc.get_objects()))
"""
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"


@pytest.mark.parametrize(
    "path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(CORE.parent))
)
def test_no_core_module_imports_a_technology_or_an_adapter(path: Path) -> None:
    offenders = sorted(m for m in _imports(path) if _is_forbidden(m))
    assert offenders == []


@pytest.mark.parametrize(
    "path", sorted(DOMAIN.rglob("*.py")), ids=lambda p: str(p.relative_to(CORE.parent))
)
def test_the_domain_reads_no_clock_no_randomness_and_does_no_io(path: Path) -> None:
    imported = {m.split(".")[0] for m in _imports(path)}
    assert imported & IMPURE == set()
    clock_reads = [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Attribute)
        and node.attr in {"now", "utcnow", "today"}
        # a method *named* now on a port is fine; calling datetime's is not
        and isinstance(node.value, ast.Name)
        and node.value.id in {"datetime", "date"}
    ]
    assert clock_reads == []
    assert not any(
        node.id in {"open", "print", "input"}
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Name)
    )


def test_the_static_check_does_see_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import sqlalchemy.orm\nfrom ecommerce_memory import x\n"
        "import importlib\nimportlib.import_module('httpx')\nfrom . import sibling\n"
    )
    assert sorted(m for m in _imports(sample) if _is_forbidden(m)) == [
        "ecommerce_memory",
        "httpx",
        "sqlalchemy.orm",
    ]


@pytest.mark.parametrize("name", ["adapters", "plugins"])
def test_the_source_roots_are_not_packages(name: str, tmp_path: Path) -> None:
    result = _run(f"import {name}", tmp_path)
    assert result.returncode != 0
    assert "ModuleNotFoundError" in result.stderr
    # nor from the test process itself (pytest puts the repository root on the path)
    with pytest.raises(ModuleNotFoundError):
        __import__(name)


@pytest.mark.parametrize(
    "name",
    [
        "ecommerce_memory",
        "ecommerce_sqlalchemy",
        "ecommerce_crypto",
        "ecommerce_cli",
        "ecommerce_sandboxpay",
        "ecommerce_sandboxship",
    ],
)
def test_each_adapter_and_plugin_is_its_own_top_level_package(name: str, tmp_path: Path) -> None:
    result = _run(f"import {name}; print({name}.__name__)", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == name
