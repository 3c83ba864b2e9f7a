"""The ``ecommerce`` command line: a thin driving adapter over the composition root.

Each command opens the shop through :meth:`ecommerce_core.Shop.open`, calls services with an
explicit principal, and turns an :class:`~ecommerce_core.EcommerceError` into one line on stderr
and an exit status (see :mod:`ecommerce_cli.errors`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ecommerce_cli import errors, operations, render
from ecommerce_cli.demo import DirectoryRefused, default_url, prepare_directory, run_demo
from ecommerce_cli.plugin_info import describe_plugins
from ecommerce_core import Principal, Shop
from ecommerce_core.plugins import build_registry, get_plugin_manager

__all__ = ["app", "main"]

app = typer.Typer(
    name="ecommerce",
    help="Run and inspect ecommerce-core shops.",
    no_args_is_help=True,
    add_completion=False,
    # a crash must never print local variables: they may hold a password read from stdin
    pretty_exceptions_show_locals=False,
)


def _read_password(stream: typer.FileText | None = None) -> str:
    source = stream or sys.stdin
    line = source.readline()
    password = line.removesuffix("\n").removesuffix("\r")
    if not password:
        raise errors.fail("--admin-password-stdin expects the password on the first line of stdin")
    return password


@app.command()
def init(
    url: Annotated[str, typer.Option(help="The shop's URL, e.g. sqlite:///shop.db.")],
    admin_email: Annotated[
        str | None, typer.Option(help="Also create this first admin account.")
    ] = None,
    admin_password_stdin: Annotated[
        bool, typer.Option(help="Read the admin's password from the first line of stdin.")
    ] = False,
) -> None:
    """Create or migrate the shop at URL, and optionally its first admin."""
    if admin_email is None and admin_password_stdin:
        raise errors.fail("--admin-password-stdin needs --admin-email")
    if admin_email is not None and not admin_password_stdin:
        raise errors.fail(
            "--admin-email needs --admin-password-stdin (a password is never read from arguments)"
        )
    password = _read_password() if admin_email is not None else ""
    with errors.reported(), Shop.open(url) as shop:
        if admin_email is not None:
            account = shop.accounts.create_admin(
                Principal.system(), email=admin_email, password=password
            )
            typer.echo(f"admin {account.email} created ({account.id})")
        typer.echo(f"shop ready at {url}")


@app.command()
def plugins(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the installed plugins and what each provides."""
    with errors.reported():
        pm = get_plugin_manager()
        found = describe_plugins(pm, build_registry(pm))
    if as_json:
        typer.echo(json.dumps({"plugins": found}, indent=2, ensure_ascii=False))
    else:
        Console().print(render.plugins_table(found))


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Option(help="Where the demo shop lives (created if missing).")
    ] = Path(".demo-shop"),
    fresh: Annotated[
        bool, typer.Option(help="Delete a demo shop already in DIRECTORY first.")
    ] = False,
    url: Annotated[
        str | None, typer.Option(help="Store the shop here instead of DIRECTORY/shop.db.")
    ] = None,
) -> None:
    """Seed a demo electronics shop and walk a customer's order from browsing to completion."""
    try:
        prepare_directory(directory, fresh=fresh)
    except DirectoryRefused as refused:
        raise errors.fail(str(refused)) from None
    with errors.reported():
        run_demo(url or default_url(directory), Console())


operations.register(app)


def main() -> None:
    app(prog_name="ecommerce")
