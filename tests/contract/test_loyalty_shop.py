"""Member prices, contract prices and points through the public API, on every storage backend:
staff set a customer's tier, groups and contracts (never the customer), quotes and orders price
with them, points are redeemed with the order and come back when it is cancelled, and are
earned when it is completed."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from ecommerce_core import Money, Principal
from ecommerce_core.domain.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from ecommerce_core.domain.loyalty import PointsReason
from ecommerce_core.domain.orders import OrderStatus
from ecommerce_core.domain.pricing import (
    Benefit,
    PointsPolicy,
    PriceBreak,
    PriceList,
    PricingPolicy,
    RedemptionKind,
)
from tests.support import ADDRESS, World, open_shop, seed


def cny(text: str) -> Money:
    return Money.of(text, "CNY")


POLICY = PricingPolicy(
    prices=(
        __import__("ecommerce_core.domain.pricing", fromlist=["PriceBook"]).PriceBook(
            (
                PriceList("silver", "Silver 9折", "group", "CNY", percent_off=Decimal(10),
                          tiers={"silver"}),
                PriceList("b2b", "Trade 8折", "group", "CNY", percent_off=Decimal(20),
                          customer_groups={"trade"}),
                PriceList("acme", "Acme contract", "contract", "CNY",
                          prices={"PX-128-BLK": (PriceBreak(1, cny("3500")),
                                                 PriceBreak(5, cny("3300")))}),
            )
        )
    ),
    points=PointsPolicy(
        value_per_point=cny("0.01"), max_percent=Decimal(10), tier_multipliers={"silver": 2}
    ),
)  # fmt: skip


@pytest.fixture
def w(url: str) -> Iterator[World]:
    from ecommerce_core.defaults import FixedClock

    clock = FixedClock()
    shop = open_shop(url, clock, pricing=POLICY)
    try:
        yield seed(shop, clock)
    finally:
        shop.close()


def _place(w: World, key: str, who: Principal | None = None, **kw: object):  # type: ignore[no-untyped-def]
    return w.shop.checkout.place_order(
        who or w.customer,
        idempotency_key=key,
        shipping_address=ADDRESS,
        **kw,  # type: ignore[arg-type]
    )


def _complete(w: World, order_id: str) -> None:
    w.shop.payments.pay(w.customer, order_id, payment_method="tok_visa", idempotency_key=order_id)
    w.shop.shipping.ship(w.admin, order_id)
    w.clock.advance(timedelta(hours=31))
    w.shop.shipping.track(w.customer, order_id)
    w.shop.orders.complete(w.admin, order_id)


def test_a_silver_members_9折_with_满500减100_and_points_from_quote_to_completion(w: World) -> None:
    w.shop.promotions.create(
        w.admin, name="满500减100", benefit=Benefit("amount_off_order", {"amount": cny("100")})
    )
    w.shop.loyalty.set_membership(w.admin, w.customer.id, tier="silver")  # type: ignore[arg-type]
    w.shop.loyalty.adjust_points(w.admin, w.customer.id, 50_000, note="welcome")  # type: ignore[arg-type]
    w.clock.advance(timedelta(minutes=1))  # the ledger reads newest first
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    quote = w.shop.checkout.quote(w.customer, redeem_points=80_000)
    line = quote.line("PX-128-BLK")
    # 3999.00 at 9折 is 3599.10; 满500减100 leaves 3499.10; points pay at most 10 % of that:
    # 34,991 points (349.91) of the 50,000 held
    assert (str(line.unit_price), line.price_adjustment.source) == ("3599.10 CNY", "group")  # type: ignore[union-attr]
    assert quote.points_redeemed == 34_991
    assert str(quote.total) == "3149.19 CNY"
    # each whole yuan paid earns 1 point, twice for silver
    assert quote.points_earned == 3149 * 2
    # the other customer has no tier: the list price
    w.shop.carts.add_item(w.other, "PX-128-BLK", 1)
    assert str(w.shop.checkout.quote(w.other).line("PX-128-BLK").unit_price) == "3999.00 CNY"

    order = _place(w, "silver-1", redeem_points=80_000)
    assert (order.total, order.discount) == (quote.total, quote.discount)
    assert w.shop.loyalty.membership(w.customer).points == 50_000 - 34_991
    _complete(w, order.id)
    assert w.shop.loyalty.membership(w.customer).points == 50_000 - 34_991 + 6_298
    ledger = w.shop.loyalty.ledger(w.customer)
    assert [(e.delta, e.reason, e.order_id) for e in ledger] == [
        (6_298, PointsReason.EARNED, order.id),
        (-34_991, PointsReason.REDEEMED, order.id),
        (50_000, PointsReason.ADJUSTED, None),
    ]
    # completing is the only credit: the order's award is settled
    with w.shop._ctx.uow() as uow:
        earn = [r for r in uow.redemptions.for_order(order.id) if r.kind is RedemptionKind.EARN]
    assert earn[0].points == 6_298 and earn[0].settled_at is not None


def test_points_redeemed_come_back_once_when_the_order_is_cancelled(w: World) -> None:
    w.shop.loyalty.adjust_points(w.admin, w.customer.id, 1_000)  # type: ignore[arg-type]
    w.clock.advance(timedelta(minutes=1))  # the ledger reads newest first
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    order = _place(w, "pts-1", redeem_points=1_000)
    w.clock.advance(timedelta(minutes=1))
    assert order.total == cny("49.90") - cny("4.99")  # 10 % of 49.90 in points: 499 points
    assert w.shop.loyalty.membership(w.customer).points == 501
    w.shop.orders.cancel(w.customer, order.id)
    assert w.shop.loyalty.membership(w.customer).points == 1_000
    with pytest.raises(InvalidTransition):
        w.shop.orders.cancel(w.customer, order.id)
    assert w.shop.orders.expire_unpaid(w.admin) == []
    assert w.shop.loyalty.membership(w.customer).points == 1_000
    reasons = [e.reason for e in w.shop.loyalty.ledger(w.customer)]
    assert reasons == [PointsReason.RETURNED, PointsReason.REDEEMED, PointsReason.ADJUSTED]


def test_a_customer_without_points_pays_in_full_and_cannot_spend_points_twice(w: World) -> None:
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    assert w.shop.checkout.quote(w.customer, redeem_points=100).points_redeemed == 0
    with pytest.raises(InvalidInput):
        w.shop.checkout.quote(w.customer, redeem_points=-1)
    w.shop.loyalty.adjust_points(w.admin, w.customer.id, 300)  # type: ignore[arg-type]
    first = _place(w, "p-1", redeem_points=300)
    assert first.total == cny("49.90") - cny("3.00")
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    second = _place(w, "p-2", redeem_points=300)  # nothing left: priced without points
    assert second.total == cny("49.90")
    with pytest.raises(Conflict):
        w.shop.loyalty.adjust_points(w.admin, w.customer.id, -1)  # type: ignore[arg-type]


def test_contract_and_group_prices_follow_the_membership_staff_set(w: World) -> None:
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 5)
    assert str(w.shop.checkout.quote(w.customer).line("PX-128-BLK").unit_price) == "3999.00 CNY"
    w.shop.loyalty.set_membership(w.admin, w.customer.id, contracts=["acme"])  # type: ignore[arg-type]
    line = w.shop.checkout.quote(w.customer).line("PX-128-BLK")
    assert (str(line.unit_price), line.price_adjustment.source) == ("3300.00 CNY", "contract")  # type: ignore[union-attr]
    # trade customers' 8折 (3199.20) beats the contract's volume price
    w.shop.loyalty.set_membership(w.admin, w.customer.id, groups=["trade"])  # type: ignore[arg-type]
    assert w.shop.loyalty.membership(w.admin, w.customer.id).contracts == {"acme"}  # type: ignore[arg-type]
    order = _place(w, "b2b-1")
    assert order.lines[0].unit_price == cny("3199.20")
    with pytest.raises(InvalidInput):
        w.shop.loyalty.set_membership(w.admin, w.customer.id, contracts=["silver"])  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        w.shop.loyalty.set_membership(w.admin, "cus_nobody", tier="gold")


def test_customers_can_never_set_their_own_group_tier_prices_or_points(w: World) -> None:
    me = w.customer.id
    for attempt in (
        lambda: w.shop.loyalty.set_membership(w.customer, me, tier="gold"),  # type: ignore[arg-type]
        lambda: w.shop.loyalty.set_membership(w.customer, me, contracts=["acme"]),  # type: ignore[arg-type]
        lambda: w.shop.loyalty.adjust_points(w.customer, me, 1_000_000),  # type: ignore[arg-type]
        lambda: w.shop.loyalty.set_membership(Principal.anonymous(), me, tier="gold"),  # type: ignore[arg-type]
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    # no customer-facing call takes a group, tier, price, discount or points balance
    for call in (
        w.shop.accounts.register,
        w.shop.checkout.quote,
        w.shop.checkout.place_order,
        w.shop.carts.add_item,
    ):
        params = set(inspect.signature(call).parameters)
        assert not params & {"tier", "groups", "contracts", "points", "price", "discount"}
    with pytest.raises(TypeError):
        w.shop.checkout.quote(w.customer, tier="gold")  # type: ignore[call-arg]
    # another customer's membership and ledger are not found, not forbidden
    with pytest.raises(NotFound):
        w.shop.loyalty.membership(w.customer, w.other.id)
    with pytest.raises(NotFound):
        w.shop.loyalty.ledger(w.customer, w.other.id)
    assert w.shop.loyalty.membership(w.customer).tier == ""


def test_a_cancelled_or_expired_order_gives_its_coupon_and_promotion_uses_back_once(
    w: World,
) -> None:
    w.shop.promotions.create_coupon(
        w.admin,
        name="10 off",
        kind="platform",
        benefit=Benefit("amount_off_order", {"amount": cny("10")}),
        usage_limit=1,
        per_customer_limit=1,
        code="LAST10",
    )
    promo = w.shop.promotions.create(
        w.admin,
        name="5 off, 1 order",
        benefit=Benefit("amount_off_order", {"amount": cny("5")}),
        usage_limit=1,
        budget=cny("5"),
    )
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    first = _place(w, "c-1", coupons=["LAST10"])
    assert first.discount == cny("15")

    def counts() -> tuple[int, int, int, int]:
        coupon = w.shop.promotions.list_coupons(w.admin)[0]
        with w.shop._ctx.uow() as uow:
            claim = uow.coupons.claim_of(coupon.id, str(w.customer.id))
            p = uow.promotions.get(promo.id)
        assert claim is not None and p is not None
        return coupon.used, claim.used, p.used, p.discount_given

    assert counts() == (1, 1, 1, 500)
    with w.shop._ctx.uow() as uow:
        recorded = uow.redemptions.for_order(first.id)
    assert [(r.kind, r.code, r.amount, r.points) for r in recorded] == [
        (RedemptionKind.COUPON, "LAST10", cny("10"), 0),
        (RedemptionKind.EARN, "", cny("0"), 34),  # 34.90 paid: 34 points when completed
        (RedemptionKind.PROMOTION, "", cny("5"), 0),
    ]
    w.shop.orders.cancel(w.customer, first.id)
    assert counts() == (0, 0, 0, 0)
    # the same customer may use it again (the per-customer count came back too); this order
    # then expires unpaid, and the sweep gives the uses back, once
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    second = _place(w, "c-2", coupons=["LAST10"])
    assert counts() == (1, 1, 1, 500)
    w.clock.advance(timedelta(hours=1))
    assert [o.id for o in w.shop.orders.expire_unpaid(w.admin)] == [second.id]
    assert w.shop.orders.expire_unpaid(w.admin) == []
    assert counts() == (0, 0, 0, 0)
    w.shop.carts.add_item(w.other, "CABLE-1M", 1)
    third = _place(w, "c-3", who=w.other, coupons=["LAST10"])
    assert third.discount == cny("15")
    assert w.shop.orders.get(w.admin, second.id).status is OrderStatus.CANCELLED


def test_an_order_completed_automatically_earns_its_points_once(w: World) -> None:
    w.shop.loyalty.set_membership(w.admin, str(w.customer.id), tier="silver")
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    order = _place(w, "auto-1")
    w.shop.payments.pay(w.customer, order.id, payment_method="tok_visa", idempotency_key="a")
    w.shop.shipping.ship(w.admin, order.id)
    w.clock.advance(timedelta(hours=31))
    w.shop.shipping.track(w.customer, order.id)
    assert w.shop.loyalty.membership(w.customer).points == 0
    w.clock.advance(timedelta(days=8))
    assert [o.id for o in w.shop.orders.complete_delivered(Principal.system())] == [order.id]
    assert w.shop.orders.complete_delivered(Principal.system()) == []
    assert w.shop.loyalty.membership(w.customer).points == 44 * 2  # 44.91 paid (9折), silver x2


def test_a_paid_order_refunded_in_full_gives_its_points_back_and_earns_none(w: World) -> None:
    w.shop.loyalty.adjust_points(w.admin, str(w.customer.id), 1_000)
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    order = _place(w, "refund-1", redeem_points=1_000)  # 499 points: 10 % of 49.90
    payment = w.shop.payments.pay(
        w.customer, order.id, payment_method="tok_visa", idempotency_key="pay"
    )
    assert w.shop.loyalty.membership(w.customer).points == 501
    w.shop.payments.refund(
        w.admin, payment.id, amount=payment.captured_amount, idempotency_key="refund"
    )
    assert w.shop.loyalty.membership(w.customer).points == 1_000
    with w.shop._ctx.uow() as uow:
        uses = uow.redemptions.for_order(order.id)
    assert all(r.settled_at is not None for r in uses)
    assert {e.reason for e in w.shop.loyalty.ledger(w.customer)} == {
        PointsReason.ADJUSTED,
        PointsReason.REDEEMED,
        PointsReason.RETURNED,
    }
