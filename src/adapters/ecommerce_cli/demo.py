"""``ecommerce demo``: a throw-away shop in a directory, seeded and walked through end to end."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from ecommerce_cli import render
from ecommerce_cli.journey import Journey
from ecommerce_cli.seed import ADMIN_EMAIL, CUSTOMER_EMAIL, DEMO_PASSWORD, DemoShop, seed
from ecommerce_core import Shop, ShopSettings
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.orders import Order

__all__ = ["MARKER", "DirectoryRefused", "default_url", "prepare_directory", "run_demo"]

# Written into every demo directory: --fresh deletes only a directory that carries it.
MARKER = ".ecommerce-demo"


class DirectoryRefused(Exception):
    """The demo directory holds something the demo will not overwrite or delete."""


def default_url(directory: Path) -> str:
    return f"sqlite:///{directory.resolve() / 'shop.db'}"


def prepare_directory(directory: Path, *, fresh: bool) -> None:
    """Make ``directory`` an empty demo directory, or refuse to touch what is in it."""
    if directory.exists() and not directory.is_dir():
        raise DirectoryRefused(f"{directory} exists and is not a directory")
    if directory.is_dir() and any(directory.iterdir()):
        if not fresh:
            raise DirectoryRefused(
                f"{directory} is not empty; pass --fresh to replace the demo shop in it, "
                "or choose another --directory"
            )
        if not (directory / MARKER).is_file():
            raise DirectoryRefused(
                f"{directory} is not empty and was not made by `ecommerce demo`; "
                "refusing to delete it even with --fresh"
            )
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("made by `ecommerce demo`; safe to delete\n", "utf-8")


def _introduce(console: Console, url: str) -> None:
    console.print(
        Panel(
            f"A demo shop at [bold]{escape(url)}[/]\n"
            f"admin    {ADMIN_EMAIL}\n"
            f"customer {CUSTOMER_EMAIL}\n"
            f"password {DEMO_PASSWORD}   [yellow](demo-only: never use it for a real shop)[/]\n"
            "Payments go to the sandbox gateway and parcels to the sandbox carrier: "
            "no money moves, nothing is posted.",
            title="ecommerce demo",
            expand=False,
        )
    )


def _back_office(console: Console, shop: Shop, demo: DemoShop, order: Order) -> None:
    console.print()
    console.rule("[bold]8. The admin's view / 后台[/]", align="left")
    admin = demo.admin
    seen = shop.orders.get(admin, order.id)
    console.print(render.order_table(seen))
    console.print(render.timeline_table(seen))
    console.print(render.payments_table(shop.payments.list_for_order(admin, order.id)))
    console.print(
        render.stock_table(shop.inventory.levels(admin), shop.inventory.list_warehouses(admin))
    )


def run_demo(url: str, console: Console) -> Order:
    """Open the shop at ``url``, seed it, and narrate a purchase from browsing to completion.

    The clock is a :class:`FixedClock` started at the real time, so the carrier's 30-hour journey
    passes in an instant and the dates shown are today's.
    """
    clock = FixedClock(datetime.now(UTC))
    with Shop.open(url, settings=ShopSettings(), clock=clock) as shop:
        _introduce(console, url)
        demo = seed(shop)
        order = Journey(shop, clock, demo, console).run()
        _back_office(console, shop, demo, order)
    console.print()
    console.print(f"[bold green]Order {order.number} is {order.status}.[/]")
    return order
