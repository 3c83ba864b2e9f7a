"""Stocktakes on every backend: counts keep what the books said, applying books each variance
on top of what moved since, through the ledger, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ecommerce_core.domain.errors import (
    InvalidTransition,
    NotFound,
    OutOfStock,
    PermissionDenied,
)
from ecommerce_core.domain.stock_control import Stocktake, StocktakeCount, StocktakeStatus
from tests.support import World


def _level(w: World, sku: str = "PX-128-BLK") -> tuple[int, int]:
    (lv,) = w.shop.inventory.levels(w.admin, sku)
    return lv.on_hand, lv.reserved


def test_a_count_s_variance_is_booked_on_top_of_what_moved_since(shop_world: World) -> None:
    w = shop_world
    take = w.shop.stocktakes.open(w.admin, warehouse_id="sz", note="aisle 4")
    w.shop.stocktakes.count(w.admin, take.id, sku="PX-128-BLK", counted=9)
    w.shop.stocktakes.count(w.admin, take.id, sku="px-128-blk", counted=8)  # a recount replaces
    w.shop.stocktakes.count(w.admin, take.id, sku="CABLE-1M", counted=10)
    # two phones sell and ship while the count goes on
    order = w.buy(PX_128_BLK=2)
    w.shop.payments.pay(w.customer, order.id, payment_method="tok_visa", idempotency_key="p")
    w.shop.shipping.ship(w.admin, order.id)
    review = {x.sku: x for x in w.shop.stocktakes.review(w.admin, take.id)}
    phone = review["PX-128-BLK"]
    assert (phone.counted, phone.expected, phone.on_hand_now, phone.moved) == (8, 10, 8, -2)
    assert phone.variance == -2 and review["CABLE-1M"].variance == 0
    applied = w.shop.stocktakes.apply(w.admin, take.id)
    assert applied.status is StocktakeStatus.APPLIED and applied.closed_at is not None
    assert _level(w) == (6, 0)  # 10 - 2 shipped - 2 missing
    (entry,) = w.shop.inventory.ledger(w.admin, "PX-128-BLK", limit=1)
    assert (entry.kind, entry.on_hand_delta, entry.reference, entry.reason) == (
        "stocktake", -2, take.id, "aisle 4",
    )  # fmt: skip
    assert [e.kind for e in w.shop.inventory.ledger(w.admin, "CABLE-1M", limit=1)] == ["receipt"]
    assert w.shop.inventory.audit(w.admin) == []
    with pytest.raises(InvalidTransition):
        w.shop.stocktakes.count(w.admin, take.id, sku="CABLE-1M", counted=1)
    assert w.shop.stocktakes.get(w.admin, take.id) == applied
    assert w.shop.stocktakes.list(w.admin) == [applied]


def test_a_variance_that_would_take_promised_units_refuses_the_whole_apply(
    shop_world: World,
) -> None:
    w = shop_world
    take = w.shop.stocktakes.open(w.admin, warehouse_id="sz")
    w.shop.stocktakes.count(w.admin, take.id, sku="CABLE-1M", counted=12)
    w.shop.stocktakes.count(w.admin, take.id, sku="PX-128-BLK", counted=1)
    w.buy(PX_128_BLK=3)
    with pytest.raises(OutOfStock) as caught:
        w.shop.stocktakes.apply(w.admin, take.id)
    assert caught.value.details["skus"] == ["PX-128-BLK"]
    assert _level(w) == (10, 3) and _level(w, "CABLE-1M") == (10, 0)
    assert w.shop.stocktakes.get(w.admin, take.id).status is StocktakeStatus.OPEN
    cancelled = w.shop.stocktakes.cancel(w.admin, take.id)
    assert cancelled.status is StocktakeStatus.CANCELLED
    with pytest.raises(InvalidTransition):
        w.shop.stocktakes.apply(w.admin, take.id)


def test_stocktakes_are_staff_only_and_need_a_warehouse(shop_world: World) -> None:
    w = shop_world
    with pytest.raises(PermissionDenied):
        w.shop.stocktakes.open(w.customer, warehouse_id="sz")
    with pytest.raises(NotFound):
        w.shop.stocktakes.open(w.admin, warehouse_id="nowhere")
    with pytest.raises(NotFound):
        w.shop.stocktakes.review(w.admin, "stk_missing")


def test_a_stocktake_comes_back_exactly_as_stored(storage: object) -> None:
    from ecommerce_core.domain.inventory import Warehouse

    at = datetime(2026, 4, 1, 9, 30, 0, 123456, tzinfo=UTC)
    take = Stocktake(
        "stk_1", "sz", at, "adm_1", "aisle 4", StocktakeStatus.OPEN,
        (StocktakeCount("A-1", 3, 5, at, "adm_2"), StocktakeCount("B-2", 0, 0, at, "adm_1")),
    )  # fmt: skip
    with storage.unit_of_work() as uow:  # type: ignore[attr-defined]
        uow.warehouses.add(Warehouse("sz", "Shenzhen"))
        uow.stocktakes.add(take)
        uow.commit()
    with storage.unit_of_work() as uow:  # type: ignore[attr-defined]
        assert uow.stocktakes.get("stk_1") == take
        closed = take.closed(StocktakeStatus.APPLIED, at)
        uow.stocktakes.update(closed)
        uow.commit()
    with storage.unit_of_work() as uow:  # type: ignore[attr-defined]
        assert uow.stocktakes.list() == [closed]
