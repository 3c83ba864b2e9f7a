"""An order's redemptions through its life, each step inside the order's own transaction:
recorded when it is placed (points spent by a conditional update), given back exactly once when
it is cancelled or expires unpaid, and its earned points credited when it is completed."""

from __future__ import annotations

from collections.abc import Sequence

from ecommerce_core.domain.errors import Conflict
from ecommerce_core.domain.loyalty import PointsReason
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.pricing import PriceBreakdown, Redemption, RedemptionKind
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.loyalty import credit_points

__all__ = ["award_points", "give_back", "record_redemptions", "return_points"]

_ALL = tuple(RedemptionKind)


def record_redemptions(
    uow: UnitOfWork,
    ctx: ServiceContext,
    order: Order,
    pricing: PriceBreakdown,
    taken: Sequence[Redemption],
) -> None:
    """Spend the points the pricing redeemed (one conditional update: of two checkouts spending
    the same points one gets them, the other raises :class:`Conflict` and rolls back), and record
    every use the order took, with the points it will earn."""
    records = list(taken)
    now, customer = order.placed_at, order.customer_id
    if pricing.points_redeemed:
        spent = credit_points(
            uow,
            ctx,
            customer,
            -pricing.points_redeemed,
            PointsReason.REDEEMED,
            order_id=order.id,
        )
        if spent is None:
            raise Conflict(
                "the points were spent meanwhile; price the cart again",
                reasons={"points": "points_insufficient"},
            )
        value = sum(
            adj.amount.amount
            for line in pricing.lines
            for adj in line.adjustments
            if adj.source == "points"
        )
        records.append(
            Redemption(
                order.id,
                RedemptionKind.POINTS,
                "points",
                customer,
                now,
                Money(value, pricing.currency),
                points=pricing.points_redeemed,
            )
        )
    if pricing.points_earned:
        records.append(
            Redemption(
                order.id,
                RedemptionKind.EARN,
                "points",
                customer,
                now,
                Money.zero(pricing.currency),
                points=pricing.points_earned,
            )
        )
    if records:
        uow.redemptions.add(records)


def give_back(uow: UnitOfWork, ctx: ServiceContext, order: Order) -> None:
    """The unpaid order was cancelled or expired: its points redeemed come back, the points it
    would have earned are voided, and its coupon, promotion and group-buy uses come back, the customer's
    count included. Each exactly once: a redemption is settled by a conditional update, so a
    second cancel, a racing expiry sweep or a retry finds nothing left to give."""
    for r in uow.redemptions.settle(order.id, _ALL, ctx.clock.now()):
        if r.kind is RedemptionKind.COUPON:
            uow.coupons.give_back(r.source_id, r.customer_id)
        elif r.kind is RedemptionKind.PROMOTION:
            uow.promotions.give_back(r.source_id, r.amount.amount)
        elif r.kind is RedemptionKind.GROUP_BUY:
            uow.group_buys.give_back(r.source_id)
        elif r.kind is RedemptionKind.POINTS:
            credit_points(
                uow, ctx, r.customer_id, r.points, PointsReason.RETURNED, order_id=order.id
            )
        # EARN: settled unawarded, so the points are never credited


def return_points(uow: UnitOfWork, ctx: ServiceContext, order: Order) -> None:
    """A paid order was refunded in full (and closed): the points it redeemed come back and the
    points it would have earned are voided, once. Its coupon and promotion uses stay taken: the
    offer was used on an order that was paid."""
    kinds = (RedemptionKind.POINTS, RedemptionKind.EARN)
    for r in uow.redemptions.settle(order.id, kinds, ctx.clock.now()):
        if r.kind is RedemptionKind.POINTS:
            credit_points(
                uow, ctx, r.customer_id, r.points, PointsReason.RETURNED, order_id=order.id
            )


def award_points(uow: UnitOfWork, ctx: ServiceContext, order: Order) -> None:
    """The order is completed: credit the points it earned (by the buyer's tier and any points
    multiplier promotion when it was placed), exactly once."""
    for r in uow.redemptions.settle(order.id, (RedemptionKind.EARN,), ctx.clock.now()):
        credit_points(uow, ctx, r.customer_id, r.points, PointsReason.EARNED, order_id=order.id)
