"""The installed ``ecommerce`` command, run as a user runs it: in a subprocess, judged by its output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ecommerce_cli.errors import EXIT_STATUS, exit_status
from ecommerce_core.domain import errors as error_tree
from ecommerce_core.plugins import build_registry, get_plugin_manager


def _executable() -> str:
    beside = Path(sys.executable).with_name("ecommerce")
    found = str(beside) if beside.exists() else shutil.which("ecommerce")
    assert found, "the ecommerce console script is not installed (pip install -e .)"
    return found


def ecommerce(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "120"}
    return subprocess.run(
        [_executable(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
        check=False,
    )


def _has_sqlite() -> bool:
    return "sqlite" in build_registry(get_plugin_manager()).names("storage")


needs_sqlite = pytest.mark.skipif(
    not _has_sqlite(), reason="no installed plugin registers the sqlite:// scheme yet"
)


def test_the_demo_walks_an_order_from_the_catalog_to_completion_in_memory(tmp_path: Path) -> None:
    run = ecommerce("demo", "--directory", str(tmp_path / "shop"), "--url", "memory://")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "is completed." in out.splitlines()[-1]
    assert "极光 X1" in out
    assert "Aurora X1" in out
    assert "-459.90 CNY" in out  # 10 % off the 4599.00 CNY phone, from the promotion
    assert "duplicate" in out
    assert "invalid_signature" in out
    assert "demo-only" in out
    for status in ("pending_payment", "paid", "shipped", "delivered", "completed"):
        assert status in out


@needs_sqlite
def test_the_demo_keeps_its_shop_in_sqlite_by_default_and_fresh_replaces_it(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "shop"
    first = ecommerce("demo", "--directory", str(directory))
    assert first.returncode == 0, first.stderr
    assert f"sqlite:///{directory.resolve()}/shop.db" in first.stdout.replace("\n", "")
    assert (directory / "shop.db").stat().st_size > 0
    assert "is completed." in first.stdout

    again = ecommerce("demo", "--directory", str(directory))
    assert again.returncode == 2
    assert "--fresh" in again.stderr
    assert again.stdout == ""

    fresh = ecommerce("demo", "--directory", str(directory), "--fresh")
    assert fresh.returncode == 0, fresh.stderr
    assert "is completed." in fresh.stdout


def test_the_demo_never_deletes_a_directory_it_did_not_make(tmp_path: Path) -> None:
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    run = ecommerce("demo", "--directory", str(tmp_path), "--fresh", "--url", "memory://")
    assert run.returncode == 2
    assert "refusing to delete" in run.stderr
    assert keep.read_text() == "mine"


def test_plugins_json_lists_what_the_built_in_plugins_provide() -> None:
    run = ecommerce("plugins", "--json")
    assert run.returncode == 0, run.stderr
    plugins = {p["name"]: p for p in json.loads(run.stdout)["plugins"]}
    offers = {(o["kind"], o["name"]) for p in plugins.values() for o in p["offers"]}
    assert {
        ("storage", "memory"),
        ("gateway", "sandbox"),
        ("carrier", "sandbox"),
        ("password_hasher", "argon2"),
    } <= offers
    assert plugins["memory"]["distribution"]["name"] == "ecommerce-core"


def test_plugins_prints_a_table_by_default() -> None:
    run = ecommerce("plugins")
    assert run.returncode == 0, run.stderr
    assert "sandboxpay" in run.stdout
    assert "argon2" in run.stdout


@pytest.mark.parametrize("command", [["init"], ["demo", "--directory", "{tmp}"]])
def test_an_unknown_url_scheme_exits_10_with_one_line_naming_the_code(
    tmp_path: Path, command: list[str]
) -> None:
    args = [a.replace("{tmp}", str(tmp_path / "d")) for a in command]
    run = ecommerce(*args, "--url", "bogus://somewhere")
    assert run.returncode == 10
    assert run.stderr.startswith("ecommerce: [unknown_backend] ")
    assert len(run.stderr.strip().splitlines()) == 1


def test_init_reads_the_admin_password_from_stdin_and_refuses_a_weak_one() -> None:
    ok = ecommerce(
        "init",
        "--url",
        "memory://",
        "--admin-email",
        "boss@example.com",
        "--admin-password-stdin",
        stdin="a long and unusual passphrase\n",
    )
    assert ok.returncode == 0, ok.stderr
    assert "admin boss@example.com created" in ok.stdout
    weak = ecommerce(
        "init",
        "--url",
        "memory://",
        "--admin-email",
        "boss@example.com",
        "--admin-password-stdin",
        stdin="password\n",
    )
    assert weak.returncode == 3
    assert weak.stderr.startswith("ecommerce: [weak_password] ")


def test_init_will_not_take_a_password_from_the_command_line() -> None:
    run = ecommerce("init", "--url", "memory://", "--admin-email", "boss@example.com")
    assert run.returncode == 2
    assert "--admin-password-stdin" in run.stderr


@needs_sqlite
def test_init_twice_with_the_same_admin_exits_6_already_exists(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    args = ("init", "--url", url, "--admin-email", "boss@example.com", "--admin-password-stdin")
    first = ecommerce(*args, stdin="a long and unusual passphrase\n")
    assert first.returncode == 0, first.stderr
    second = ecommerce(*args, stdin="a long and unusual passphrase\n")
    assert second.returncode == 6
    assert second.stderr.startswith("ecommerce: [already_exists] ")


def test_every_error_code_of_the_tree_has_a_documented_exit_status() -> None:
    codes = {
        cls.code
        for cls in vars(error_tree).values()
        if isinstance(cls, type) and issubclass(cls, error_tree.EcommerceError)
    }
    assert codes <= set(EXIT_STATUS)


def test_a_plugins_own_error_takes_the_status_of_its_nearest_known_ancestor() -> None:
    class ParcelTooHeavy(error_tree.ShippingError):
        code = "parcel_too_heavy"

    assert exit_status(ParcelTooHeavy("too heavy")) == EXIT_STATUS["shipping_error"]
