"""What an order took from the shop's limited offers, recorded per order in the order's own
transaction: each coupon use, each counted promotion use, the points it redeemed, and the points
it will earn once completed. ``settled_at`` is set exactly once: when the use is given back (the
order was cancelled or expired unpaid) or, for earned points, when they are credited."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.money import Money

__all__ = ["Redemption", "RedemptionKind"]


class RedemptionKind(StrEnum):
    COUPON = "coupon"  # one use of a coupon (and of the customer's allowance), with its discount
    PROMOTION = "promotion"  # one use of a limited promotion, with the budget it spent
    POINTS = "points"  # points redeemed as payment (积分抵扣)
    EARN = "earn"  # points the order earns when it is completed
    GROUP_BUY = "group_buy"  # the order's join of a group-buy campaign (团购), with its discount


@attrs.frozen
class Redemption:
    order_id: str = attrs.field(converter=v.identifier)
    kind: RedemptionKind = attrs.field(converter=RedemptionKind)
    #: the coupon's, promotion's or group-buy campaign's id; ``points`` for points
    source_id: str = attrs.field(converter=v.identifier)
    customer_id: str = attrs.field(converter=v.identifier)
    at: datetime
    #: the discount it gave (for points redeemed: their money value; zero for points earned)
    amount: Money
    code: str = ""
    points: int = 0
    settled_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.order_id, self.kind.value, self.source_id)
