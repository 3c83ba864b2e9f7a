"""Operator commands: backup, restore and the outbox relay. The operator holds the database URL,
so these act as the shop itself (the system principal)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from ecommerce_cli import errors
from ecommerce_core import Principal, Shop, ShopSettings

__all__ = ["register"]


def backup(
    archive: Annotated[Path, typer.Argument(help="The archive to write (a .zip).")],
    url: Annotated[str, typer.Option(help="The shop's URL, e.g. sqlite:///shop.db.")],
) -> None:
    """Write the whole shop to a portable archive (JSON lines, manifest, checksums)."""
    with errors.reported(), Shop.open(url) as shop:
        manifest = shop.backup.export(Principal.system(), archive)
    typer.echo(f"{manifest.total} records written to {archive}")


def restore(
    archive: Annotated[Path, typer.Argument(help="An archive written by `ecommerce backup`.")],
    url: Annotated[str, typer.Option(help="The shop's URL, e.g. sqlite:///shop.db.")],
    replace: Annotated[
        bool, typer.Option(help="Replace the data of a shop that is not empty.")
    ] = False,
) -> None:
    """Load an archive into a shop, all or nothing; a shop holding data is refused unless --replace."""
    with errors.reported(), Shop.open(url) as shop:
        manifest = shop.backup.restore(Principal.system(), archive, replace=replace)
    typer.echo(f"{manifest.total} records restored from {archive} ({manifest.source} backup)")


def relay(
    url: Annotated[str, typer.Option(help="The shop's URL, e.g. sqlite:///shop.db.")],
    to: Annotated[str, typer.Option(help="The broker, e.g. redis://127.0.0.1:6379/0.")],
    consumer: Annotated[str, typer.Option(help="The consumer these deliveries are for.")],
    follow: Annotated[bool, typer.Option(help="Keep relaying new events until stopped.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between polls with --follow.")] = 1.0,
    max_seconds: Annotated[
        float | None, typer.Option(help="With --follow, stop after this many seconds.")
    ] = None,
    prune_older_than: Annotated[
        float | None,
        typer.Option(
            help="After relaying, delete events older than this many days that every "
            "consumer has received (with their delivery records).",
            min=0,
        ),
    ] = None,
) -> None:
    """Publish committed events the consumer has not received (at least once, in order)."""
    started = time.monotonic()
    with errors.reported(), Shop.open(url) as shop:
        publisher = shop.open_publisher(to)
        try:
            while True:
                sent = shop.events.relay_all(
                    Principal.system(), consumer=consumer, publisher=publisher
                )
                typer.echo(f"{sent} events relayed to {consumer}")
                if prune_older_than is not None:
                    pruned = shop.events.prune(
                        Principal.system(), older_than=timedelta(days=prune_older_than)
                    )
                    typer.echo(f"{pruned} delivered events pruned")
                if not follow or (
                    max_seconds is not None and time.monotonic() - started >= max_seconds
                ):
                    break
                time.sleep(max(0.05, interval))
        finally:
            publisher.close()


def worker(
    url: Annotated[str, typer.Option(help="The shop's URL, e.g. sqlite:///shop.db.")],
    once: Annotated[bool, typer.Option(help="Run one sweep and exit.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between sweeps.")] = 30.0,
    max_seconds: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    notifier: Annotated[
        list[str] | None,
        typer.Option(help="Deliver events to this notifier (repeatable), e.g. log."),
    ] = None,
) -> None:
    """Cancel unpaid orders whose stock hold expired, giving the stock back, complete orders
    delivered long enough ago, fail the group-buys whose deadline passed short of their minimum
    (cancelling or refunding their orders; all idempotent), and deliver events to the notifiers
    named by --notifier (low-stock alerts; ``log`` writes them to standard error)."""
    started = time.monotonic()
    settings = ShopSettings(notifiers={name: {} for name in notifier or ()})
    with errors.reported(), Shop.open(url, settings=settings) as shop:
        while True:
            cancelled = shop.orders.expire_unpaid(Principal.system(), limit=1000)
            typer.echo(f"{len(cancelled)} unpaid orders cancelled")
            completed = shop.orders.complete_delivered(Principal.system(), limit=1000)
            typer.echo(f"{len(completed)} delivered orders completed")
            failed = shop.group_buys.settle_expired(Principal.system(), limit=1000)
            typer.echo(f"{len(failed)} group-buys failed")
            for name, count in shop.events.notify(Principal.system()).items():
                typer.echo(f"{count} notifications delivered to {name}")
            if once or (max_seconds is not None and time.monotonic() - started >= max_seconds):
                break
            time.sleep(max(0.05, interval))


def register(app: typer.Typer) -> None:
    app.command()(worker)
    app.command()(backup)
    app.command()(restore)
    app.command()(relay)
