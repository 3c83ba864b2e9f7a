"""Edits before payment: re-priced at current prices and re-held in one unit of work, all or
nothing; only the order's customer or staff, only while it awaits payment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ecommerce_core import Money
from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OutOfStock,
)
from ecommerce_core.domain.pricing import Benefit, Condition
from tests.services.harness import snapshot
from tests.support import ADDRESS, World


def _cny(text: str) -> Money:
    return Money.of(text, "CNY")


def _reserved(w: World, sku: str) -> int:
    return sum(lv.reserved for lv in w.shop.inventory.levels(w.admin, sku))


def _events(w: World, kind: type[ev.DomainEvent]) -> list[Any]:
    with w.shop.storage.unit_of_work() as uow:
        return [e for _, e in uow.outbox.list(limit=10_000) if isinstance(e, kind)]


def test_changing_a_quantity_reprices_and_swaps_the_hold(world: World) -> None:
    w = world
    order = w.buy(PX_128_BLK=1, CABLE_1M=1)
    assert _reserved(w, "PX-128-BLK") == 1
    edited = w.shop.orders.change_quantity(w.customer, order.id, "px-128-blk", 3)
    line = next(ln for ln in edited.lines if ln.sku == "PX-128-BLK")
    assert line.quantity == 3 and line.total == _cny("11997.00")
    assert edited.total == _cny("11997.00") + _cny("49.90") + edited.shipping + edited.tax
    assert _reserved(w, "PX-128-BLK") == 3 and _reserved(w, "CABLE-1M") == 1
    assert edited.reservation_id != order.reservation_id
    assert [e.reservation_id for e in _events(w, ev.StockReleased)] == [order.reservation_id]
    assert edited.history[-1].action == "edit" and edited.history[-1].actor == w.customer.id
    assert "PX-128-BLK" in edited.history[-1].note
    (changed,) = _events(w, ev.OrderStatusChanged)
    assert (changed.action, changed.target) == ("edit", "pending_payment")
    assert w.shop.orders.get(w.customer, order.id) == edited


def test_removing_a_line_gives_its_stock_back(world: World) -> None:
    w = world
    order = w.buy(PX_128_BLK=1, CABLE_1M=2)
    edited = w.shop.orders.remove_line(w.customer, order.id, "CABLE-1M")
    assert [ln.sku for ln in edited.lines] == ["PX-128-BLK"]
    assert edited.subtotal == _cny("3999.00")
    assert _reserved(w, "CABLE-1M") == 0 and _reserved(w, "PX-128-BLK") == 1


def test_an_edit_charges_current_prices_not_those_at_placement(world: World) -> None:
    w = world
    order = w.buy(PX_128_BLK=2)
    assert order.subtotal == _cny("7998.00")
    # a promotion starts after the order was placed: the edit prices the order as of now
    w.shop.promotions.create(
        w.admin, name="100 off", benefit=Benefit("amount_off_order", {"amount": _cny("100")})
    )
    edited = w.shop.orders.change_quantity(w.customer, order.id, "PX-128-BLK", 1)
    assert edited.subtotal == _cny("3999.00") and edited.discount == _cny("100.00")


def test_the_order_keeps_its_coupon_through_an_edit(world: World) -> None:
    w = world
    w.shop.promotions.create_coupon(
        w.admin,
        name="满3000减50",
        kind="platform",
        benefit=Benefit("amount_off_order", {"amount": _cny("50")}),
        min_spend=_cny("3000"),
        code="SAVE50",
    )
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    order = w.shop.checkout.place_order(
        w.customer, idempotency_key="c", shipping_address=ADDRESS, coupons=["SAVE50"]
    )
    assert order.coupon_codes == ("SAVE50",) and order.discount == _cny("50.00")
    # below the coupon's minimum spend the edit is refused, and nothing changes
    before = snapshot(w)
    with pytest.raises(InvalidInput):
        w.shop.orders.remove_line(w.customer, order.id, "PX-128-BLK")
    assert snapshot(w) == before
    edited = w.shop.orders.remove_line(w.customer, order.id, "CABLE-1M")
    assert edited.coupon_codes == ("SAVE50",) and edited.discount == _cny("50.00")
    assert w.shop.promotions.list_coupons(w.admin)[0].used == 1  # not taken a second time


def test_a_hold_that_cannot_be_taken_leaves_everything_as_it_was(world: World) -> None:
    w = world
    order = w.buy(PX_128_BLK=2)
    before = snapshot(w)
    with pytest.raises(OutOfStock):
        w.shop.orders.change_quantity(w.customer, order.id, "PX-128-BLK", 11)
    assert snapshot(w) == before
    assert _reserved(w, "PX-128-BLK") == 2


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda w, oid: w.shop.orders.remove_line(w.customer, oid, "PX-128-BLK"), InvalidInput),
        (lambda w, oid: w.shop.orders.remove_line(w.customer, oid, "CABLE-1M"), InvalidInput),
        (
            lambda w, oid: w.shop.orders.change_quantity(w.customer, oid, "PX-128-BLK", 0),
            InvalidInput,
        ),
        (lambda w, oid: w.shop.orders.change_address(w.customer, oid, {"name": "x"}), InvalidInput),
        (lambda w, oid: w.shop.orders.change_quantity(w.other, oid, "PX-128-BLK", 2), NotFound),
    ],
    ids=["last line", "no such line", "zero", "incomplete address", "another customer"],
)
def test_a_refused_edit_changes_nothing(world: World, call: Any, error: type) -> None:
    order = world.buy(PX_128_BLK=1)
    before = snapshot(world)
    with pytest.raises(error):
        call(world, order.id)
    assert snapshot(world) == before


def test_staff_may_edit_and_an_address_change_prices_like_a_quote(world: World) -> None:
    w = world
    order = w.buy(PX_128_BLK=1)
    elsewhere = {**ADDRESS, "city": "Shanghai", "postal_code": "200000", "region": "SH"}
    moved = w.shop.orders.change_address(w.admin, order.id, elsewhere)
    assert moved.shipping_address is not None and moved.shipping_address.city == "Shanghai"
    assert moved.history[-1].actor == w.admin.id
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    quote = w.shop.checkout.quote(w.customer, shipping_address=elsewhere)
    assert (moved.total, moved.shipping, moved.tax) == (quote.total, quote.shipping, quote.tax)


def test_a_paid_order_or_one_being_paid_cannot_be_edited(world: World) -> None:
    w = world
    order = w.buy(PX_128_BLK=1)
    w.shop.payments.pay(w.customer, order.id, payment_method="tok_pending", idempotency_key="p")
    with pytest.raises(InvalidTransition):
        w.shop.orders.change_quantity(w.customer, order.id, "PX-128-BLK", 2)
    paid = w.buy(key="o2", PX_128_BLK=1)
    w.shop.payments.pay(w.customer, paid.id, payment_method="tok_visa", idempotency_key="q")
    before = snapshot(w)
    with pytest.raises(InvalidTransition):
        w.shop.orders.change_quantity(w.customer, paid.id, "PX-128-BLK", 2)
    assert snapshot(w) == before


def test_an_edit_that_would_change_a_limited_promotion_is_refused(world: World) -> None:
    w = world
    w.shop.promotions.create(
        w.admin,
        name="10% off, 100 orders",
        benefit=Benefit("percent_off", {"percent": "10"}),
        usage_limit=100,
    )
    order = w.buy(PX_128_BLK=2)
    assert order.discount == _cny("799.80")
    before = snapshot(w)
    with pytest.raises(Conflict) as caught:
        w.shop.orders.change_quantity(w.customer, order.id, "PX-128-BLK", 1)
    assert list(caught.value.details["reasons"].values()) == ["limited_promotion_would_change"]
    assert snapshot(w) == before
    # an edit that leaves the promotion's discount as it was goes through
    moved = w.shop.orders.change_address(w.customer, order.id, {**ADDRESS, "phone": "123"})
    assert moved.discount == order.discount


def test_an_edit_keeps_the_hold_s_deadline_so_edits_never_extend_it(world: World) -> None:
    w = world
    order = w.buy(PX_128_BLK=1)
    with w.shop.storage.unit_of_work() as uow:
        first = uow.reservations.get(order.reservation_id)  # type: ignore[arg-type]
    assert first is not None
    w.clock.advance(first.expires_at - w.clock.now() - timedelta(minutes=1))
    edited = w.shop.orders.change_quantity(w.customer, order.id, "PX-128-BLK", 2)
    w.clock.advance(timedelta(minutes=1))
    edited = w.shop.orders.change_quantity(w.customer, edited.id, "PX-128-BLK", 3)
    with w.shop.storage.unit_of_work() as uow:
        hold = uow.reservations.get(edited.reservation_id)  # type: ignore[arg-type]
    assert hold is not None and hold.expires_at == first.expires_at
    expired = w.shop.orders.expire_unpaid(w.admin)
    assert [o.id for o in expired] == [order.id]
    assert _reserved(w, "PX-128-BLK") == 0


def test_a_first_order_promotion_stays_through_an_edit_of_that_first_order(world: World) -> None:
    w = world
    w.shop.promotions.create(
        w.admin,
        name="first order 10% off",
        benefit=Benefit("percent_off", {"percent": "10"}),
        condition=Condition("first_order", {}),
    )
    order = w.buy(PX_128_BLK=2)
    assert order.discount == _cny("799.80")
    edited = w.shop.orders.change_quantity(w.customer, order.id, "PX-128-BLK", 1)
    assert edited.discount == _cny("399.90")  # still the customer's first order
    second = w.buy(key="order-2", PX_128_BLK=1)
    assert second.discount == _cny("0.00")
    assert w.shop.orders.change_address(w.customer, second.id, ADDRESS).discount == _cny("0.00")
