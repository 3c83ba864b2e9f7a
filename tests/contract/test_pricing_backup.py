"""Backups keep promotions with their rules and counts, coupons, codes and wallets exactly, across
every backend (SQLite, PostgreSQL, MariaDB when their servers are set, memory)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ecommerce_core import Money, Principal, Shop
from ecommerce_core.domain.pricing import Benefit, Condition, Scope, StackingPolicy
from tests.contract.backends import backend_url
from tests.support import ADDRESS, open_shop, seeded_shop

KINDS = ("promotions", "coupons", "coupon_codes", "coupon_claims")


def _pricing_data(shop: Shop) -> dict[str, Any]:
    with shop._ctx.uow() as uow:
        data = uow.archive.dump()
    return {kind: data[kind] for kind in KINDS}


def test_pricing_data_round_trips_through_a_backup_on_every_backend(tmp_path: Path) -> None:
    urls = [f"sqlite:///{tmp_path / 'a.db'}"]
    for name, env in (
        ("postgres", "ECOMMERCE_TEST_POSTGRES_URL"),
        ("mysql", "ECOMMERCE_TEST_MYSQL_URL"),
    ):
        if os.environ.get(env):
            urls.append(backend_url(name, tmp_path))
    urls.append("memory://")
    with seeded_shop(urls[0]) as w:
        cny = lambda text: Money.of(text, "CNY")  # noqa: E731
        w.shop.promotions.create(
            w.admin,
            name="每满1000减100",
            benefit=Benefit(
                "amount_off_order", {"amount": cny("100"), "every": cny("1000"), "cap": cny("300")}
            ),
            condition=Condition.any(
                Condition("first_order", {}), Condition("min_quantity", {"quantity": 2})
            ),
            scope=Scope(category_ids={w.phones.id}, exclude_on_sale=True),
            stacking=StackingPolicy(group="shop", priority=5, combinable_with={"coupon"}),
            usage_limit=100,
            budget=cny("10000"),
        )
        w.shop.promotions.create_percentage(
            w.admin, name="Cables 5% off", percent="5", skus=["CABLE-1M"]
        )
        coupon = w.shop.promotions.create_coupon(
            w.admin,
            name="满3000减50",
            kind="platform",
            benefit=Benefit("amount_off_order", {"amount": cny("50")}),
            min_spend=cny("3000"),
            usage_limit=10,
            code="SAVE50",
        )
        w.shop.promotions.create_codes(w.admin, coupon.id, count=2, prefix="B")
        w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
        w.shop.checkout.place_order(
            w.customer, idempotency_key="k", shipping_address=ADDRESS, coupons=["SAVE50"]
        )
        original = _pricing_data(w.shop)
        assert [len(original[kind]) for kind in KINDS] == [2, 1, 3, 1]
        assert original["coupons"][0].used == 1
        assert {p.name: p.used for p in original["promotions"]}["每满1000减100"] == 1
        w.shop.backup.export(w.admin, tmp_path / "0.zip")
    for step, url in enumerate(urls[1:], start=1):
        shop = open_shop(url)
        try:
            shop.backup.restore(Principal.system(), tmp_path / f"{step - 1}.zip")
            assert _pricing_data(shop) == original, url
            shop.backup.export(Principal.system(), tmp_path / f"{step}.zip")
        finally:
            shop.close()
