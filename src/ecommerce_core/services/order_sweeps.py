"""Sweeps over many orders, run by ``ecommerce worker``: auto-complete of delivered orders."""

from __future__ import annotations

from ecommerce_core.domain.orders import Order, OrderAction, OrderStatus
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.redemptions import award_points

__all__ = ["complete_delivered"]


def complete_delivered(
    ctx: ServiceContext, principal: Principal, *, limit: int = 100
) -> list[Order]:
    """Complete the orders delivered at least ``ShopSettings.auto_complete_after`` ago.

    An order changed after its delivery (a partial refund, say) waits that long after its
    last change. Idempotent and safe from several workers at once: each order is completed
    in its own transaction under its lock, and one already moved on is skipped. Returns the
    orders it completed (none when the setting is None).
    """
    require(principal, Permission.ORDER_MANAGE)
    batch = max(1, min(limit if isinstance(limit, int) else 100, 1000))
    delay = ctx.settings.auto_complete_after
    if delay is None:
        return []
    now = ctx.clock.now()
    cutoff = now - delay
    with ctx.uow() as uow:
        due = uow.orders.in_status(OrderStatus.DELIVERED, updated_before=cutoff, limit=batch)
    completed: list[Order] = []
    for candidate in due:
        with ctx.uow() as uow:
            order = uow.orders.get(candidate.id, for_update=True)
            if (
                order is None
                or order.status is not OrderStatus.DELIVERED
                or order.updated_at > cutoff
                or ctx.order_flow.refusal(order, OrderAction.COMPLETE) is not None
            ):
                continue  # moved on meanwhile, or a plugin's guard holds it
            done, events = ctx.order_flow.apply(
                order,
                OrderAction.COMPLETE,
                now,
                f"completed automatically {delay} after delivery",
                actor=principal.id,
            )
            award_points(uow, ctx, order)  # the points the order earned, exactly once
            uow.orders.update(done)
            uow.outbox.add(events)
            uow.commit()
        completed.append(done)
    return completed
