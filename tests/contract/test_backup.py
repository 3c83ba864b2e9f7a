"""Backup and restore: a shop's archive round-trips SQLite -> PostgreSQL -> MariaDB (-> MongoDB)
-> memory with nothing lost or changed; damaged archives and non-empty targets are refused."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from ecommerce_core import Money, Principal, Shop
from ecommerce_core.domain.errors import Conflict, CorruptData, PermissionDenied
from tests.contract.backends import backend_url, server_marks
from tests.contract.test_outbox_relay import RecordingPublisher
from tests.support import World, open_shop, seeded_shop


def _busy_shop(w: World) -> None:
    """A shop with something of everything: orders in every state, refunds, parcels, events."""
    paid = w.buy(PX_128_BLK=2, CABLE_1M=1, key="a")
    w.shop.payments.pay(w.customer, paid.id, payment_method="tok_visa", idempotency_key="pa")
    w.shop.shipping.ship(w.admin, paid.id)
    w.clock.advance(timedelta(hours=31))
    w.shop.shipping.track(w.customer, paid.id)
    w.shop.payments.refund_lines(
        w.admin, paid.id, {"CABLE-1M": 1}, include_shipping=True, idempotency_key="lines"
    )
    rma = w.shop.aftersales.open(
        w.customer, paid.id, kind="return", lines={"PX-128-BLK": 1}, reason="damaged",
        description="cracked", photos=["rma/1.jpg"],
    )  # fmt: skip
    w.shop.aftersales.approve(w.admin, rma.id, note="ok")
    w.shop.complaints.open(w.customer, subject="Slow", message="Too slow", order_id=paid.id)
    refunded = w.buy(PX_256_WHT=1, key="b")
    pay = w.shop.payments.pay(
        w.customer, refunded.id, payment_method="tok_visa", idempotency_key="pb"
    )
    w.shop.payments.refund(
        w.admin, pay.id, amount=Money(100, "CNY"), idempotency_key="r1", reason="scratch"
    )
    w.buy(principal=w.other, CABLE_1M=4, key="c")
    w.shop.carts.add_item(w.customer, "CABLE-1M", 2)
    w.shop.promotions.create_percentage(
        w.admin, name="Phones 12.5% off", percent="12.5", category_ids=[w.phones.id]
    )
    w.shop.group_buys.create(
        w.admin, sku="CABLE-1M", price=Money(2990, "CNY"), min_buyers=3, max_buyers=9,
        per_buyer_limit=2, deadline=w.clock.now() + timedelta(days=2),
    )  # fmt: skip
    w.shop.inventory.configure_stock(
        w.admin, sku="PX-128-BLK", warehouse_id="sz", safety_stock=1, backorder_limit=3,
        available_from=w.clock.now() - timedelta(days=1),
    )  # fmt: skip
    take = w.shop.stocktakes.open(w.admin, warehouse_id="sz", note="year end")
    w.shop.stocktakes.count(w.admin, take.id, sku="PX-256-WHT", counted=9)
    w.shop.events.relay_all(Principal.system(), consumer="crm", publisher=RecordingPublisher())


def _snapshot(shop: Shop) -> dict[str, Any]:
    with shop._ctx.uow() as uow:
        data = uow.archive.dump()
    # outbox ids may be renumbered by a restore; their order and every event may not change
    order = {old: i for i, (old, _) in enumerate(data["outbox"])}
    data["outbox"] = [event for _, event in data["outbox"]]
    data["deliveries"] = sorted((c, order[i]) for c, i in data["deliveries"])
    # so may the stock ledger's ids; their order and every entry may not change
    data["stock_ledger"] = [attrs.evolve(e, id=0) for e in data["stock_ledger"]]
    return data


def _chain(tmp_path: Path, *legs: str) -> list[str]:
    chain = [f"sqlite:///{tmp_path / 'a.db'}"]
    for name, env in (
        ("postgres", "ECOMMERCE_TEST_POSTGRES_URL"),
        ("mysql", "ECOMMERCE_TEST_MYSQL_URL"),
    ):
        if os.environ.get(env):
            chain.append(backend_url(name, tmp_path))
    return [*chain, *legs, "memory://", f"sqlite:///{tmp_path / 'z.db'}"]


@pytest.mark.parametrize(
    "leg",
    [
        pytest.param(None, id="sql-memory"),
        # skipped, loudly, without ECOMMERCE_TEST_MONGODB_URL (tests/contract/backends.py)
        pytest.param("mongo", marks=server_marks("mongo"), id="mongo"),
    ],
)
def test_an_archive_round_trips_across_every_backend_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, leg: str | None
) -> None:
    legs = [] if leg is None else [backend_url(leg, tmp_path, monkeypatch)]
    urls = _chain(tmp_path, *legs)
    with seeded_shop(urls[0]) as w:
        _busy_shop(w)
        original = _snapshot(w.shop)
        manifest = w.shop.backup.export(w.admin, tmp_path / "0.zip")
    assert manifest.counts["orders"] == 3
    assert manifest.counts["group_buys"] == 1
    assert [
        (lv.backorder_limit, lv.available_from is not None)
        for lv in original["stock"]
        if lv.sku == "PX-128-BLK"
    ] == [(3, True)]
    assert manifest.counts["outbox"] == len(original["outbox"]) > 10
    assert manifest.counts["stock_ledger"] == len(original["stock_ledger"]) > 10
    for step, url in enumerate(urls[1:], start=1):
        shop = open_shop(url)
        try:
            shop.backup.restore(Principal.system(), tmp_path / f"{step - 1}.zip")
            assert _snapshot(shop) == original, url
            shop.backup.export(Principal.system(), tmp_path / f"{step}.zip")
        finally:
            shop.close()


def test_restoring_into_a_shop_with_data_is_refused_unless_asked(
    world: World, tmp_path: Path
) -> None:
    archive = tmp_path / "b.zip"
    world.shop.backup.export(world.admin, archive)
    before = _snapshot(world.shop)
    with pytest.raises(Conflict):
        world.shop.backup.restore(world.admin, archive)
    world.buy()
    world.shop.backup.restore(world.admin, archive, replace=True)
    assert _snapshot(world.shop) == before


def test_a_damaged_archive_is_refused_whole(world: World, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    world.shop.backup.export(world.admin, good)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "products.jsonl":
                body = body.replace(b"399900", b"1")
            dst.writestr(item.filename, body)
    target = open_shop()
    try:
        with pytest.raises(CorruptData):
            target.backup.restore(Principal.system(), bad)
        with target._ctx.uow() as uow:
            assert uow.archive.is_empty()
    finally:
        target.close()


def test_customers_cannot_export_the_shop(world: World, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        world.shop.backup.export(world.customer, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def _as_older_version_wrote_it(good: Path, old: Path, missing: set[str]) -> None:
    """``good`` rewritten as a library that did not know the ``missing`` kinds would have
    written it: neither their files nor their lines in the manifest."""
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(old, "w") as dst:
        for item in src.infolist():
            if item.filename.removesuffix(".jsonl") in missing:
                continue
            body = src.read(item.filename)
            if item.filename == "manifest.json":
                manifest = json.loads(body)
                for part in ("counts", "checksums"):
                    manifest[part] = {k: v for k, v in manifest[part].items() if k not in missing}
                body = json.dumps(manifest).encode()
            dst.writestr(item.filename, body)


def test_an_archive_from_before_the_stock_ledger_restores_with_opening_balances(
    world: World, tmp_path: Path
) -> None:
    good, old = tmp_path / "good.zip", tmp_path / "old.zip"
    world.buy(PX_128_BLK=2)
    world.shop.backup.export(world.admin, good)
    _as_older_version_wrote_it(good, old, {"stock_ledger", "stocktakes", "memberships"})
    target = open_shop()
    try:
        manifest = target.backup.restore(Principal.system(), old)
        assert "stock_ledger" not in manifest.kinds and "orders" in manifest.kinds
        levels = target.inventory.levels(world.admin)
        assert levels == world.shop.inventory.levels(world.admin)
        assert target.inventory.audit(world.admin) == []  # every level is its ledger's sum
        (opening,) = target.inventory.ledger(world.admin, "PX-128-BLK")
        assert (opening.kind, opening.on_hand_delta, opening.reserved_delta) == ("opening", 10, 2)
    finally:
        target.close()


def test_an_archive_missing_a_file_its_manifest_names_is_refused(
    world: World, tmp_path: Path
) -> None:
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    world.shop.backup.export(world.admin, good)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            if item.filename != "stock_ledger.jsonl":
                dst.writestr(item.filename, src.read(item.filename))
    target = open_shop()
    try:
        with pytest.raises(CorruptData):
            target.backup.restore(Principal.system(), bad)
    finally:
        target.close()


def test_an_sql_export_reads_each_kind_once_however_many_orders(tmp_path: Path) -> None:
    import sqlalchemy as sa

    with seeded_shop(f"sqlite:///{tmp_path / 'a.db'}") as w:
        _busy_shop(w)
        sent: list[str] = []
        engine = w.shop.storage.engine  # type: ignore[attr-defined]
        sa.event.listen(engine, "before_cursor_execute", lambda _c, _k, s, *_: sent.append(s))
        _snapshot(w.shop)
        before = len(sent)
        for i in range(4):
            paid = w.buy(PX_256_WHT=1, key=f"more-{i}")
            w.shop.payments.pay(
                w.customer, paid.id, payment_method="tok_visa", idempotency_key=f"p-{i}"
            )
            w.shop.shipping.ship(w.admin, paid.id)
        sent.clear()
        data = _snapshot(w.shop)
        assert len(data["orders"]) == 7 and len(data["payments"]) == 6
        assert len(data["shipments"]) == 5 and len(data["reservations"]) == 7
        assert len(sent) == before
