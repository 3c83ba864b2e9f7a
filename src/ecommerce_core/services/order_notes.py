"""Staff notes on an order's timeline."""

from __future__ import annotations

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.orders import Order, StatusChange
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.order_holds import load_visible_order

__all__ = ["add_note"]


def add_note(
    ctx: ServiceContext, principal: Principal, order_id: str, note: str, *, internal: bool = True
) -> Order:
    """A staff note on the order's timeline; ``internal`` ones are never shown to the
    customer. The order's statuses do not change."""
    require(principal, Permission.ORDER_MANAGE)
    text = v.text(note, "note", max_length=500)
    if not isinstance(internal, bool):
        raise InvalidInput("internal is true or false", field="internal")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        order = load_visible_order(uow, principal, order_id, for_update=True)
        # a note is not a change of the order: updated_at (and so auto-complete) stays
        noted = attrs.evolve(
            order,
            history=(
                *order.history,
                StatusChange(order.status, now, text, "note", principal.id or "", internal),
            ),
        )
        uow.orders.update(noted)
        uow.commit()
    return noted
