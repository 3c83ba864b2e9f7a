"""Group-buy (团购) through the public API on every storage backend: staff create a campaign,
customers join it at checkout at the group price, the join is counted once (and given back
once when an unpaid order is cancelled), the group succeeds at its minimum and its orders ship
only then; a campaign whose deadline passes short of its minimum fails, its unpaid orders are
cancelled and its paid ones refunded in full, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from ecommerce_core import Money, Principal
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.errors import (
    Conflict,
    GroupBuyClosed,
    GroupBuyFull,
    GroupBuyPending,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from ecommerce_core.domain.group_buy import GroupBuy, GroupBuyStatus
from ecommerce_core.domain.orders import OrderStatus, PaymentState
from ecommerce_core.domain.pricing import RedemptionKind
from tests.support import ADDRESS, World, open_shop, seed


@pytest.fixture
def w(url: str) -> Iterator[World]:
    clock = FixedClock()
    shop = open_shop(url, clock)
    try:
        yield seed(shop, clock)
    finally:
        shop.close()


def _campaign(w: World, **kw: object) -> GroupBuy:
    values: dict[str, object] = {
        "sku": "CABLE-1M",
        "price": Money(2990, "CNY"),
        "min_buyers": 2,
        "deadline": w.clock.now() + timedelta(days=1),
    }
    values.update(kw)
    return w.shop.group_buys.create(w.admin, **values)  # type: ignore[arg-type]


def _join(w: World, campaign: GroupBuy, key: str, who: Principal | None = None, n: int = 2):  # type: ignore[no-untyped-def]
    buyer = who or w.customer
    w.shop.carts.add_item(buyer, "CABLE-1M", n)
    return w.shop.checkout.place_order(
        buyer, idempotency_key=key, shipping_address=ADDRESS, group_buy=campaign.id
    )


def _joined(w: World, campaign: GroupBuy) -> GroupBuy:
    return w.shop.group_buys.get(w.customer, campaign.id)


def _events(w: World, name: str) -> list[object]:
    with w.shop._ctx.uow() as uow:
        return [e for _, e in uow.outbox.list(0, limit=10_000) if e.name == name]


def test_campaigns_are_validated_and_only_staff_create_them(w: World) -> None:
    with pytest.raises(PermissionDenied):
        w.shop.group_buys.create(
            w.customer, sku="CABLE-1M", price=Money(1, "CNY"), min_buyers=1,
            deadline=w.clock.now() + timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(InvalidInput):
        _campaign(w, min_buyers=0)
    with pytest.raises(InvalidInput):
        _campaign(w, min_buyers=5, max_buyers=4)
    with pytest.raises(InvalidInput):
        _campaign(w, price=Money(0, "CNY"))
    with pytest.raises(InvalidInput):
        _campaign(w, price=Money(100, "USD"))
    with pytest.raises(InvalidInput):
        _campaign(w, deadline=w.clock.now() - timedelta(seconds=1))
    with pytest.raises(NotFound):
        _campaign(w, sku="NOPE-1")
    assert w.shop.group_buys.list(w.admin) == []
    campaign = _campaign(w, max_buyers=3, per_buyer_limit=2)
    assert w.shop.group_buys.list(w.customer) == [campaign]
    assert (campaign.status, campaign.joined) == (GroupBuyStatus.OPEN, 0)


def test_joining_prices_the_line_at_the_group_price_and_the_group_succeeds_then_ships(
    w: World,
) -> None:
    campaign = _campaign(w)
    w.shop.carts.add_item(w.customer, "CABLE-1M", 2)
    quote = w.shop.checkout.quote(w.customer, group_buy=campaign.id)
    assert quote.line("CABLE-1M").total == Money(5980, "CNY")  # type: ignore[union-attr]
    assert _joined(w, campaign).joined == 0  # a quote counts nothing
    w.shop.carts.remove_item(w.customer, "CABLE-1M")
    first = _join(w, campaign, "gb-1")
    line = first.lines[0]
    # 49.90 listed, 29.90 in the group: 2 x 29.90 exactly
    assert (line.sku, line.unit_price, line.total) == (
        "CABLE-1M", Money(4990, "CNY"), Money(5980, "CNY")
    )  # fmt: skip
    assert line.discount == Money(4000, "CNY")
    with w.shop._ctx.uow() as uow:
        records = [r for r in uow.redemptions.for_order(first.id)]
    assert [(r.kind, r.source_id, r.amount) for r in records] == [
        (RedemptionKind.GROUP_BUY, campaign.id, Money(4000, "CNY"))
    ]
    assert _joined(w, campaign).joined == 1
    # an edit would price it afresh without the campaign: refused, nothing changed
    with pytest.raises(Conflict):
        w.shop.orders.change_quantity(w.customer, first.id, "CABLE-1M", 1)
    assert w.shop.orders.get(w.customer, first.id).total == first.total
    w.shop.payments.pay(w.customer, first.id, payment_method="tok_visa", idempotency_key="p1")
    # paid, but the group has not succeeded: it does not ship yet
    with pytest.raises(GroupBuyPending):
        w.shop.shipping.ship(w.admin, first.id)
    assert _events(w, "group_buy.succeeded") == []
    _join(w, campaign, "gb-2", who=w.other, n=1)
    done = _joined(w, campaign)
    assert (done.status, done.joined) == (GroupBuyStatus.SUCCEEDED, 2)
    assert len(_events(w, "group_buy.succeeded")) == 1
    # a group that succeeded still takes orders until its deadline (no maximum here)
    third = _join(w, campaign, "gb-3", n=1)
    assert third.lines[0].total == Money(2990, "CNY")
    assert len(_events(w, "group_buy.succeeded")) == 1
    w.shop.shipping.ship(w.admin, first.id)
    assert w.shop.orders.get(w.admin, first.id).status == OrderStatus.SHIPPED


def test_bad_joins_are_refused_and_change_nothing(w: World) -> None:
    campaign = _campaign(w, per_buyer_limit=2, starts_at=w.clock.now() + timedelta(hours=1))
    w.shop.carts.add_item(w.customer, "CABLE-1M", 3)
    with pytest.raises(GroupBuyClosed):
        w.shop.checkout.place_order(
            w.customer, idempotency_key="k", shipping_address=ADDRESS, group_buy=campaign.id
        )
    w.clock.advance(timedelta(hours=1))
    with pytest.raises(InvalidInput):  # 3 units, at most 2 per order
        w.shop.checkout.place_order(
            w.customer, idempotency_key="k", shipping_address=ADDRESS, group_buy=campaign.id
        )
    with pytest.raises(NotFound):
        w.shop.checkout.place_order(
            w.customer, idempotency_key="k", shipping_address=ADDRESS, group_buy="gb_nope"
        )
    w.shop.carts.add_item(w.other, "PX-128-BLK", 1)
    with pytest.raises(InvalidInput):  # the campaign's SKU is not in the cart
        w.shop.checkout.place_order(
            w.other, idempotency_key="k", shipping_address=ADDRESS, group_buy=campaign.id
        )
    assert _joined(w, campaign).joined == 0
    with w.shop._ctx.uow() as uow:
        assert [lv.reserved for lv in uow.stock.for_skus(["CABLE-1M", "PX-128-BLK"])] == [0, 0]
    w.clock.advance(timedelta(days=1))
    with pytest.raises(GroupBuyClosed):  # past the deadline
        w.shop.checkout.place_order(
            w.customer, idempotency_key="k", shipping_address=ADDRESS, group_buy=campaign.id
        )


def test_a_full_campaign_refuses_the_next_join_and_a_cancel_gives_the_place_back_once(
    w: World,
) -> None:
    campaign = _campaign(w, min_buyers=1, max_buyers=1)
    first = _join(w, campaign, "a")
    with pytest.raises(GroupBuyFull):
        _join(w, campaign, "b", who=w.other, n=1)
    assert _joined(w, campaign).joined == 1
    w.shop.orders.cancel(w.customer, first.id)
    with pytest.raises(InvalidTransition):
        w.shop.orders.cancel(w.customer, first.id)
    assert _joined(w, campaign).joined == 0
    second = w.shop.checkout.place_order(
        w.other, idempotency_key="b", shipping_address=ADDRESS, group_buy=campaign.id
    )
    assert second.lines[0].total == Money(2990, "CNY")
    assert _joined(w, campaign).joined == 1


def test_a_failed_group_cancels_unpaid_orders_and_refunds_paid_ones_once(w: World) -> None:
    campaign = _campaign(w, min_buyers=3)
    paid = _join(w, campaign, "paid")
    payment = w.shop.payments.pay(
        w.customer, paid.id, payment_method="tok_visa", idempotency_key="p"
    )
    unpaid = _join(w, campaign, "unpaid", who=w.other, n=1)
    assert _joined(w, campaign).joined == 2
    sweeper = Principal.system()
    assert w.shop.group_buys.settle_expired(sweeper) == []  # not due yet
    w.clock.advance(timedelta(days=1))
    (failed,) = w.shop.group_buys.settle_expired(sweeper)
    assert (failed.id, failed.status) == (campaign.id, GroupBuyStatus.FAILED)
    assert w.shop.orders.get(w.admin, unpaid.id).status == OrderStatus.CANCELLED
    refunded = w.shop.orders.get(w.admin, paid.id)
    assert refunded.payment_status is PaymentState.REFUNDED
    with w.shop._ctx.uow() as uow:
        after = uow.payments.get(payment.id)
        stock = {lv.sku: lv for lv in uow.stock.for_skus(["CABLE-1M"])}
    assert after is not None
    assert [r.amount for r in after.refunds] == [paid.total]
    assert stock["CABLE-1M"].reserved == 0
    # the unpaid order's join came back once; the paid one stays counted
    assert _joined(w, campaign).joined == 1
    assert len(_events(w, "group_buy.failed")) == 1
    # a second run changes nothing
    assert w.shop.group_buys.settle_expired(sweeper) == []
    with w.shop._ctx.uow() as uow:
        again = uow.payments.get(payment.id)
    assert again is not None and len(again.refunds) == 1
    assert _joined(w, campaign).joined == 1
    assert len(_events(w, "group_buy.failed")) == 1
    with pytest.raises(GroupBuyClosed):
        _join(w, campaign, "late", n=1)
    with pytest.raises(PermissionDenied):
        w.shop.group_buys.settle_expired(w.customer)


def test_a_payment_in_flight_holds_the_failure_until_its_outcome_is_known(w: World) -> None:
    campaign = _campaign(w, min_buyers=3)
    order = _join(w, campaign, "pending")
    payment = w.shop.payments.pay(
        w.customer, order.id, payment_method="tok_pending", idempotency_key="p"
    )
    w.clock.advance(timedelta(days=1))
    # the money may still arrive: the campaign is not failed yet, and takes no joins
    assert w.shop.group_buys.settle_expired(Principal.system()) == []
    assert _joined(w, campaign).status is GroupBuyStatus.OPEN
    with pytest.raises(GroupBuyClosed):
        _join(w, campaign, "late", who=w.other, n=1)
    with w.shop._ctx.uow() as uow:
        stored = uow.payments.get(payment.id)
    assert stored is not None and stored.refunds == ()
