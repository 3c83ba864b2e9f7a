"""Group-buy (团购) use cases: staff create campaigns; a customer joins one by placing an order
with ``group_buy=`` (see :mod:`ecommerce_core.services.checkout`), which prices the campaign's
SKU at the group price and counts the join by a conditional update in the order's transaction;
the sweep fails the campaigns whose deadline passed short of their minimum, cancelling their
unpaid orders and refunding their paid ones in full."""

from __future__ import annotations

import builtins
from datetime import datetime

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import (
    EcommerceError,
    GroupBuyClosed,
    GroupBuyFull,
    GroupBuyPending,
    InvalidInput,
    NotFound,
)
from ecommerce_core.domain.group_buy import GroupBuy, GroupBuyStatus
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import Order, OrderAction, PaymentState
from ecommerce_core.domain.payments import PaymentStatus
from ecommerce_core.domain.pricing import Benefit, Promotion, Redemption, RedemptionKind
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.orders import OrderService
from ecommerce_core.services.payments import PaymentService

__all__ = [
    "GroupBuyService",
    "group_price",
    "join_group",
    "open_campaign",
    "refuse_unsettled_group",
]


class GroupBuyService:
    """``shop.group_buys``."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def create(
        self,
        principal: Principal,
        *,
        sku: str,
        price: Money,
        min_buyers: int,
        deadline: datetime,
        starts_at: datetime | None = None,
        max_buyers: int | None = None,
        per_buyer_limit: int | None = None,
    ) -> GroupBuy:
        """A campaign selling ``sku`` at ``price`` per unit (in the shop's currency) to every
        order that joins from ``starts_at`` (default: now) until ``deadline``; it succeeds
        when ``min_buyers`` orders joined, and takes at most ``max_buyers``."""
        require(principal, Permission.PROMOTION_WRITE)
        campaign = GroupBuy(
            id=self._ctx.ids.new_id("gb"),
            sku=sku,
            price=price,
            min_buyers=min_buyers,
            max_buyers=max_buyers,
            per_buyer_limit=per_buyer_limit,
            starts_at=self._ctx.clock.now() if starts_at is None else starts_at,
            deadline=deadline,
        )
        if campaign.price.currency != self._ctx.settings.currency:
            raise InvalidInput("the group price is in the shop's currency", field="price")
        with self._ctx.uow() as uow:
            product = uow.products.get_by_skus([campaign.sku]).get(campaign.sku)
            if product is None:
                raise NotFound("no product has that SKU", sku=campaign.sku)
            uow.group_buys.add(campaign)
            uow.commit()
        return campaign

    def get(self, principal: Principal, campaign_id: str) -> GroupBuy:
        """A campaign (anyone who may see the catalog: it is public, like a price)."""
        require(principal, Permission.CATALOG_READ)
        with self._ctx.uow() as uow:
            found = uow.group_buys.get(str(campaign_id))
        if found is None:
            raise NotFound("no such group-buy campaign", id=campaign_id)
        return found

    def list(self, principal: Principal) -> builtins.list[GroupBuy]:
        require(principal, Permission.CATALOG_READ)
        with self._ctx.uow() as uow:
            return uow.group_buys.list()

    def settle_expired(self, principal: Principal, *, limit: int = 100) -> builtins.list[GroupBuy]:
        """Fail up to ``limit`` campaigns whose deadline passed short of their minimum: each
        joined order still unpaid is cancelled (its stock released and its join given back
        through the ordinary cancel), each paid one is refunded in full (the ordinary refund,
        keyed per payment so a retry never refunds twice), then the campaign is marked failed
        (``group_buy.failed``). Idempotent: a second run finds nothing left to do. A campaign
        with an order whose payment is still in flight, or whose cancel or refund was refused,
        stays open (taking no joins: its deadline passed) and is tried again by the next run.
        The campaigns failed by this run."""
        require(principal, Permission.ORDER_MANAGE)
        require(principal, Permission.PAYMENT_REFUND)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            due = uow.group_buys.due(now, limit)
        failed = []
        orders, payments = OrderService(self._ctx), PaymentService(self._ctx)
        for campaign in due:
            with self._ctx.uow() as uow:
                order_ids = uow.group_buys.order_ids(campaign.id)
            if campaign.joined < campaign.min_buyers:
                undone = [
                    _undo_order(
                        self._ctx, _order(self._ctx, oid), orders, payments, principal, campaign
                    )
                    for oid in order_ids
                ]
                if not all(undone):
                    continue  # a payment is in flight: the next run tries again; none joins
            with self._ctx.uow() as uow:
                current = uow.group_buys.get(campaign.id)
                if current is None:
                    continue
                reached = current.joined >= current.min_buyers
                status = GroupBuyStatus.SUCCEEDED if reached else GroupBuyStatus.FAILED
                if not uow.group_buys.settle(campaign.id, status, now):
                    continue
                event_type = ev.GroupBuySucceeded if reached else ev.GroupBuyFailed
                uow.outbox.add(
                    [
                        event_type(
                            occurred_at=now,
                            campaign_id=current.id,
                            sku=current.sku,
                            joined=current.joined,
                        )
                    ]
                )
                uow.commit()
            if not reached:
                failed.append(_campaign(self._ctx, campaign.id))
        return failed


def _order(ctx: ServiceContext, order_id: str) -> Order | None:
    with ctx.uow() as uow:
        return uow.orders.get(order_id)


def _campaign(ctx: ServiceContext, campaign_id: str) -> GroupBuy:
    with ctx.uow() as uow:
        found = uow.group_buys.get(campaign_id)
    if found is None:
        raise NotFound("no such group-buy campaign", id=campaign_id)
    return found


def _undo_order(
    ctx: ServiceContext,
    order: Order | None,
    orders: OrderService,
    payments: PaymentService,
    principal: Principal,
    campaign: GroupBuy,
) -> bool:
    """Cancel the unpaid order, or refund every payment of the paid one in full; nothing when
    that was done already (the refund's key makes a retry answer with the first refund).
    False when it cannot be done now: a payment of the order is still in flight (pending or
    authorized, its outcome unknown) or the cancel or refund was refused."""
    if order is None:
        return True
    note = f"group-buy {campaign.id} failed"
    with ctx.uow() as uow:
        paid = uow.payments.list_for_order(order.id)
    if any(p.status in (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED) for p in paid):
        return False
    try:
        if order.payment_status is PaymentState.UNPAID:
            if ctx.order_flow.can(order, OrderAction.CANCEL):
                orders.cancel(principal, order.id, note)
            return True
        for payment in paid:
            left = payment.refundable
            if left.amount <= 0:
                continue
            payments.refund(
                principal,
                payment.id,
                amount=left,
                idempotency_key=f"group-buy-failed-{payment.id}",
                reason=note,
            )
    except EcommerceError:
        return False
    return True


# -- checkout's side ------------------------------------------------------------------------
def open_campaign(uow: UnitOfWork, campaign_id: str, now: datetime) -> GroupBuy:
    """The campaign an order wants to join, refused with a typed error unless it takes joins."""
    if not isinstance(campaign_id, str) or not campaign_id:
        raise InvalidInput("group_buy is a campaign id", field="group_buy")
    campaign = uow.group_buys.get(campaign_id)
    if campaign is None:
        raise NotFound("no such group-buy campaign", id=campaign_id)
    if not campaign.open_at(now):
        raise GroupBuyClosed("the group-buy takes no orders now", id=campaign_id)
    if campaign.full:
        raise GroupBuyFull("the group-buy is full", id=campaign_id)
    return campaign


def group_price(campaign: GroupBuy) -> Promotion:
    """The group price as the pricing engine sees it: a fixed unit price on the SKU, whose
    adjustments carry the campaign's id as ``source_id`` (so refunds per line stay exact)."""
    return Promotion(
        id=campaign.id,
        name=f"group-buy {campaign.sku}",
        benefit=Benefit("fixed_unit_price", {"amount": campaign.price}),
        skus=[campaign.sku],
    )


def join_group(
    uow: UnitOfWork,
    campaign: GroupBuy,
    order: Order,
    discount: Money,
) -> tuple[Redemption, list[ev.DomainEvent]]:
    """Count the order's join (one conditional update: of two orders racing for the last
    place one gets it, the other raises :class:`GroupBuyFull` and rolls back); the join's
    record, and ``group_buy.succeeded`` when this join reached the minimum."""
    if not uow.group_buys.take_join(campaign.id):
        raise GroupBuyFull("the group-buy's last place was taken", id=campaign.id)
    record = Redemption(
        order.id,
        RedemptionKind.GROUP_BUY,
        campaign.id,
        order.customer_id,
        order.placed_at,
        discount,
    )
    events: list[ev.DomainEvent] = []
    current = uow.group_buys.get(campaign.id)  # our own update holds the row: this is exact
    if (
        current is not None
        and current.joined >= current.min_buyers
        and uow.group_buys.settle(campaign.id, GroupBuyStatus.SUCCEEDED, order.placed_at)
    ):
        events.append(
            ev.GroupBuySucceeded(
                occurred_at=order.placed_at,
                campaign_id=campaign.id,
                sku=campaign.sku,
                joined=current.joined,
            )
        )
    return record, events


def refuse_unsettled_group(uow: UnitOfWork, order: Order) -> None:
    """An order that joined a group-buy ships only once the group succeeded."""
    for r in uow.redemptions.for_order(order.id):
        if r.kind is not RedemptionKind.GROUP_BUY:
            continue
        campaign = uow.group_buys.get(r.source_id)
        if campaign is None or campaign.status is not GroupBuyStatus.SUCCEEDED:
            raise GroupBuyPending(
                "the order's group-buy has not succeeded: it ships once it does",
                order_id=order.id,
                campaign_id=r.source_id,
                status="missing" if campaign is None else campaign.status.value,
            )
