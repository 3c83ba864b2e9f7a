"""The wheel: every package installed under its own name, typed, discoverable, and nothing else.

Builds the wheel, installs it (``--no-deps``) into a fresh virtual environment that borrows its
dependencies from the development one through a ``.pth`` file (no network needed), and imports
everything from there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PROMISED = {
    "ecommerce_core",
    "ecommerce_memory",
    "ecommerce_sqlalchemy",
    "ecommerce_crypto",
    "ecommerce_cli",
    "ecommerce_sandboxpay",
    "ecommerce_sandboxship",
}


def _project() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def _packages() -> set[str]:
    """Every top-level package the wheel is configured to ship (at least the promised ones)."""
    wheel = _project()["tool"]["hatch"]["build"]["targets"]["wheel"]  # type: ignore[index]
    return {Path(p).name for p in wheel["only-include"]}


def _run(*args: str | Path, cwd: Path, timeout: int = 120) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--wheel", "--outdir", out, ROOT, cwd=ROOT)
    (built,) = out.glob("ecommerce_core-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv")
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv)
    python = venv / "bin" / "python"
    _run(
        sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel,
        cwd=venv,
    )  # fmt: skip
    site = Path(
        _run(
            python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=venv
        ).strip()
    )
    # the dependencies (attrs, pluggy, SQLAlchemy...) come from the development environment;
    # a path line in a .pth is appended after the venv's own site-packages, so the wheel wins
    (site / "_dev_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return python


def test_the_wheel_holds_exactly_the_configured_packages_and_no_source_roots(wheel: Path) -> None:
    assert _packages() >= PROMISED
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == _packages()
    assert not any(name.startswith(("adapters/", "plugins/", "src/", "tests/")) for name in names)
    assert "ecommerce_core/py.typed" in names
    assert "ecommerce_core/domain/common_passwords.txt" in names


def test_every_package_imports_from_the_fresh_environment(fresh_python: Path) -> None:
    venv = fresh_python.parent.parent
    code = """
import importlib, json, sys
found = {}
for name in sys.argv[1:]:
    module = importlib.import_module(name)
    found[name] = module.__file__
print(json.dumps(found))
"""
    found = json.loads(_run(fresh_python, "-c", code, *sorted(_packages()), cwd=venv))
    assert set(found) == _packages()
    for name, file in found.items():
        assert Path(file).resolve().is_relative_to(venv.resolve()), (name, file)


@pytest.mark.parametrize("name", ["adapters", "plugins"])
def test_the_source_roots_are_not_importable_from_the_fresh_environment(
    fresh_python: Path, name: str
) -> None:
    venv = fresh_python.parent.parent
    code = f"import importlib.util; print(importlib.util.find_spec({name!r}) is None)"
    assert _run(fresh_python, "-c", code, cwd=venv).strip() == "True"


def test_the_installed_core_is_typed(fresh_python: Path) -> None:
    venv = fresh_python.parent.parent
    code = "import ecommerce_core, pathlib; print(pathlib.Path(ecommerce_core.__file__).with_name('py.typed').is_file())"
    assert _run(fresh_python, "-c", code, cwd=venv).strip() == "True"


def test_the_entry_point_group_lists_the_built_in_plugins(fresh_python: Path) -> None:
    venv = fresh_python.parent.parent
    code = """
import json
from importlib.metadata import distribution, entry_points
from ecommerce_core import Shop
points = {ep.name: ep.value for ep in entry_points(group="ecommerce_core")}
metadata = str(distribution("ecommerce-core").locate_file(""))
with Shop.open("memory://") as shop:  # load_entrypoints=True, as a real installation does
    offers = sorted({(o.kind, o.name) for o in shop.registry.offers})
print(json.dumps({"points": points, "offers": offers, "metadata": metadata}))
"""
    answer = json.loads(_run(fresh_python, "-c", code, cwd=venv))
    assert Path(answer["metadata"]).resolve().is_relative_to(venv.resolve())
    declared = _project()["project"]["entry-points"]["ecommerce_core"]  # type: ignore[index]
    assert answer["points"] == declared
    assert {
        "memory": "ecommerce_memory.plugin",
        "sqlalchemy": "ecommerce_sqlalchemy.plugin",
        "crypto": "ecommerce_crypto.plugin",
        "sandboxpay": "ecommerce_sandboxpay.plugin",
        "sandboxship": "ecommerce_sandboxship.plugin",
    }.items() <= answer["points"].items()
    offers = {tuple(pair) for pair in answer["offers"]}
    assert {("storage", "memory"), ("gateway", "sandbox"), ("carrier", "sandbox")} <= offers
    assert ("password_hasher", "argon2") in offers
