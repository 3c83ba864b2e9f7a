"""A shop prices from its cached promotions while the catalogue version is unchanged, and never
from stale ones: what another process adds, switches off or uses up is seen by the next quote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecommerce_core import Money, Principal
from ecommerce_core.domain.pricing import Benefit, Scope
from tests.support import ADDRESS, World


def _cny(text: str) -> Money:
    return Money.of(text, "CNY")


def _count_lists(w: World, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    with w.shop._ctx.uow() as uow:
        cls: Any = type(uow.promotions)
    calls: list[int] = []
    original = cls.list

    def counted(self: Any) -> Any:
        calls.append(1)
        return original(self)

    monkeypatch.setattr(cls, "list", counted)
    return calls


def _phones_off(w: World, amount: str = "100", **limits: Any) -> str:
    return w.shop.promotions.create(
        w.admin,
        name=f"Phones {amount} off",
        benefit=Benefit("amount_off_order", {"amount": _cny(amount)}),
        scope=Scope(category_ids={w.phones.id}),
        **limits,
    ).id


def test_a_quote_with_unchanged_promotions_does_not_read_them_all(
    shop_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = shop_world
    _phones_off(w)
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    calls = _count_lists(w, monkeypatch)
    first = w.shop.checkout.quote(w.customer)
    read = len(calls)
    assert read <= 1
    for _ in range(3):
        assert w.shop.checkout.quote(w.customer) == first
    assert len(calls) == read  # answered from the cache
    assert str(first.discount) == "100.00 CNY"
    # a change through the shop's own service moves the version: read once more, then cached
    _phones_off(w, "200")
    second = w.shop.checkout.quote(w.customer)
    assert str(second.discount) == "200.00 CNY"
    assert len(calls) == read + 1
    w.shop.checkout.quote(w.customer)
    assert len(calls) == read + 1


def test_promotions_added_or_switched_off_by_another_process_apply_at_the_next_quote(
    shop_world: World,
) -> None:
    w = shop_world
    promotion_id = _phones_off(w)
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    assert str(w.shop.checkout.quote(w.customer).discount) == "100.00 CNY"
    # another process writes to the same storage: this shop's cache is not told
    storage = w.shop._ctx.storage
    with storage.unit_of_work() as uow:
        uow.promotions.set_active(promotion_id, False)
        uow.commit()
    assert str(w.shop.checkout.quote(w.customer).discount) == "0.00 CNY"
    with storage.unit_of_work() as uow:
        uow.promotions.set_active(promotion_id, True)
        uow.commit()
    assert str(w.shop.checkout.quote(w.customer).discount) == "100.00 CNY"


def test_a_promotion_used_up_elsewhere_is_not_quoted_and_not_given(shop_world: World) -> None:
    w = shop_world
    limited = _phones_off(w, "100", usage_limit=2)
    budgeted = _phones_off(w, "30", budget=_cny("60"))
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    assert str(w.shop.checkout.quote(w.customer).discount) == "100.00 CNY"
    storage = w.shop._ctx.storage
    with storage.unit_of_work() as uow:  # other orders, in another unit of work
        assert uow.promotions.take_use(limited, 10000)
        assert uow.promotions.take_use(limited, 10000)
        uow.commit()
    quote = w.shop.checkout.quote(w.customer)
    assert {r.source_id: r.reason for r in quote.rejected}[limited] == "usage_limit_reached"
    assert str(quote.discount) == "30.00 CNY"
    with storage.unit_of_work() as uow:
        assert uow.promotions.take_use(budgeted, 6000)
        uow.commit()
    quote = w.shop.checkout.quote(w.customer)
    reasons = {r.source_id: r.reason for r in quote.rejected}
    assert reasons[limited] == "usage_limit_reached"
    assert reasons[budgeted] == "budget_exhausted"
    assert str(quote.discount) == "0.00 CNY"
    order = w.shop.checkout.place_order(w.customer, idempotency_key="o1", shipping_address=ADDRESS)
    assert str(order.discount) == "0.00 CNY"
    with storage.unit_of_work() as uow:
        assert uow.promotions.usage([limited, budgeted]) == {
            limited: (2, 20000),
            budgeted: (1, 6000),
        }
        # another process cancels one of those orders: the promotion applies again
        assert uow.promotions.give_back(limited, 10000)
        uow.commit()
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    assert str(w.shop.checkout.quote(w.customer).discount) == "100.00 CNY"


def test_a_restored_shop_is_not_priced_from_the_promotions_before_it(
    shop_world: World, tmp_path: Path
) -> None:
    w = shop_world
    w.shop.backup.export(w.admin, tmp_path / "without.zip")
    _phones_off(w)
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    assert str(w.shop.checkout.quote(w.customer).discount) == "100.00 CNY"
    w.shop.backup.restore(Principal.system(), tmp_path / "without.zip", replace=True)
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    assert str(w.shop.checkout.quote(w.customer).discount) == "0.00 CNY"
