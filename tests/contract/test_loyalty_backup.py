"""Backups keep memberships, the points ledger and the orders' redemptions exactly, across every
backend (SQLite, PostgreSQL, MariaDB when their servers are set, memory)."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ecommerce_core import Money, Principal, Shop
from ecommerce_core.domain.pricing import Benefit, PointsPolicy, PricingPolicy
from tests.contract.backends import backend_url
from tests.support import ADDRESS, open_shop, seed

KINDS = ("memberships", "points_ledger", "redemptions")
POLICY = PricingPolicy(points=PointsPolicy(Money.of("0.01", "CNY"), max_percent=Decimal(20)))


def _loyalty_data(shop: Shop) -> dict[str, Any]:
    with shop._ctx.uow() as uow:
        data = uow.archive.dump()
    return {kind: data[kind] for kind in KINDS}


def test_loyalty_data_round_trips_through_a_backup_on_every_backend(tmp_path: Path) -> None:
    from ecommerce_core.defaults import FixedClock

    urls = [f"sqlite:///{tmp_path / 'a.db'}"]
    for name, env in (
        ("postgres", "ECOMMERCE_TEST_POSTGRES_URL"),
        ("mysql", "ECOMMERCE_TEST_MYSQL_URL"),
    ):
        if os.environ.get(env):
            urls.append(backend_url(name, tmp_path))
    urls.append("memory://")
    clock = FixedClock()
    shop = open_shop(urls[0], clock, pricing=POLICY)
    try:
        w = seed(shop, clock)
        w.shop.promotions.create_coupon(
            w.admin,
            name="5 off",
            kind="platform",
            benefit=Benefit("amount_off_order", {"amount": Money.of("5", "CNY")}),
            code="FIVE",
        )
        w.shop.loyalty.set_membership(
            w.admin,
            str(w.customer.id),
            groups=["vip", "trade"],
            tier="gold",  # no contract: the restoring shops have no price lists
        )
        w.shop.loyalty.adjust_points(w.admin, str(w.customer.id), 2_000, note="migrated")
        clock.advance(timedelta(minutes=1))
        w.shop.carts.add_item(w.customer, "CABLE-1M", 2)
        order = w.shop.checkout.place_order(
            w.customer,
            idempotency_key="k",
            shipping_address=ADDRESS,
            coupons=["FIVE"],
            redeem_points=2_000,
        )
        clock.advance(timedelta(minutes=1))
        w.shop.orders.cancel(w.customer, order.id)
        original = _loyalty_data(w.shop)
        assert [len(original[kind]) for kind in KINDS] == [1, 3, 3]
        assert original["memberships"][0].points == 2_000
        assert all(r.settled_at is not None for r in original["redemptions"])
        w.shop.backup.export(w.admin, tmp_path / "0.zip")
    finally:
        shop.close()
    for step, url in enumerate(urls[1:], start=1):
        shop = open_shop(url)
        try:
            shop.backup.restore(Principal.system(), tmp_path / f"{step - 1}.zip")
            assert _loyalty_data(shop) == original, url
            shop.backup.export(Principal.system(), tmp_path / f"{step}.zip")
        finally:
            shop.close()
