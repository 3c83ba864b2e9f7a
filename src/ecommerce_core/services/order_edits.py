"""Changes to an order before it is paid: its address, a line's quantity, removing a line.

Each edit prices the order again through the checkout's own pricing path (current catalogue
prices, the promotions running now, the coupons the order applied) and swaps its stock hold for
a new one, in one unit of work: the old hold is released and the new one taken under the same
locks, so that an edit that cannot be priced or held changes nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.cart import Cart, CartLine
from ecommerce_core.domain.catalog import Product
from ecommerce_core.domain.errors import Conflict, InvalidInput, InvalidTransition, UnknownSku
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import Address, Order, OrderAction, OrderLine
from ecommerce_core.domain.payments import PaymentStatus
from ecommerce_core.domain.pricing import PriceBreakdown, Promotion, RedemptionKind
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.order_holds import (
    load_visible_order,
    release_reservation,
    reserve_stock,
)
from ecommerce_core.services.quotes import gift_lines, gifts_in_stock, price_for, refuse_unapplied

__all__ = ["Edit", "change_address", "change_quantity", "edit_order", "remove_line"]

#: what an edit does to the order before it is priced: (bought quantities, address) -> same
Edit = Callable[[dict[str, int], Address | None], tuple[dict[str, int], Address | None]]

_IN_FLIGHT = (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED)


def edit_order(
    ctx: ServiceContext, principal: Principal, order_id: str, edit: Edit, note: str
) -> Order:
    """Apply ``edit`` to the order, price it again and hold its stock afresh, all or nothing.

    :raises NotFound: no such order, or another customer's.
    :raises InvalidTransition: the order is not awaiting payment, or a payment is under way.
    :raises OutOfStock: the new quantities cannot be held (the old hold is kept).
    :raises UnknownSku: a product of the order is no longer sold.
    :raises InvalidInput: a coupon of the order no longer applies to what it would become.
    """
    require(principal, Permission.ORDER_READ_OWN)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        order = load_visible_order(uow, principal, order_id, for_update=True)
        if order.customer_id != principal.id:
            require(principal, Permission.ORDER_MANAGE)
        refusal = ctx.order_flow.refusal(order, OrderAction.EDIT)
        if refusal is not None:
            raise InvalidTransition(refusal, order_id=order.id, status=str(order.status))
        if any(p.status in _IN_FLIGHT for p in uow.payments.list_for_order(order.id)):
            raise InvalidTransition(
                "a payment of this order is under way; wait for its outcome", order_id=order.id
            )
        bought = {ln.sku: ln.quantity for ln in order.lines if not ln.gift}
        quantities, address = edit(dict(bought), order.shipping_address)
        edited = _priced(ctx, uow, order, quantities, address, now)
        moved, events = ctx.order_flow.apply(
            edited, OrderAction.EDIT, now, note, actor=principal.id
        )
        uow.orders.update(moved)
        uow.outbox.add(events)
        uow.commit()
    return moved


def _priced(
    ctx: ServiceContext,
    uow: UnitOfWork,
    order: Order,
    quantities: Mapping[str, int],
    address: Address | None,
    now: datetime,
) -> Order:
    """The order priced anew for ``quantities`` and ``address``, its stock held afresh."""
    products = uow.products.get_by_skus(quantities)
    gone = sorted(s for s in quantities if s not in products or not products[s].active)
    if gone:
        raise UnknownSku("an item of the order is no longer sold", skus=gone)
    cart = Cart(
        id=f"edit-{order.id}",
        customer_id=order.customer_id,
        currency=order.currency,
        updated_at=now,
        lines=tuple(CartLine(sku, n) for sku, n in sorted(quantities.items())),
    )
    codes = list(order.coupon_codes)
    priced = price_for(
        ctx,
        uow,
        cart,
        order.customer_id,
        codes=codes,
        address=address,
        products=products,
        held_codes=codes,
        editing=order.id,
    )
    pricing = priced.breakdown
    refuse_unapplied(pricing, codes)
    _refuse_changed_redemptions(uow, order, pricing, priced.promotions)
    gifts = uow.products.get_by_skus(g.sku for g in pricing.gifts) if pricing.gifts else {}
    # every SKU the old hold or the new one touches, locked once, in one order (INV-4)
    held = uow.reservations.get(order.reservation_id) if order.reservation_id else None
    old = {ln.sku for ln in held.lines} if held is not None else set()
    uow.stock.for_skus(sorted(old | set(quantities) | set(gifts)), for_update=True)
    actor = order.customer_id
    release_reservation(uow, order, now, actor=actor)
    demand = dict(quantities)
    levels = uow.stock.for_skus(sorted({*demand, *gifts}), for_update=True)
    given = gifts_in_stock(pricing, demand, levels)
    for sku, n in given.items():
        demand[sku] = demand.get(sku, 0) + n  # INV-3: summed per SKU
    reservation_id = ctx.ids.new_id("res")
    ttl = ctx.settings.reservation_ttl
    if held is not None:
        # the new hold keeps the old one's deadline: editing again and again never holds the
        # stock (nor leaves the order unpaid) for longer than one placement would
        ttl = min(ttl, max(held.expires_at - now, timedelta(0)))
    _, reserved = reserve_stock(
        uow,
        demand,
        levels,
        priced.catalogue.warehouses(),
        reservation_id,
        order.id,
        now,
        ttl,
        actor=actor,
        destination=address,
        strategy=ctx.allocation,
        strategy_name=ctx.settings.allocation_strategy,
    )
    uow.outbox.add([reserved])
    return attrs.evolve(
        order,
        lines=_lines(pricing, products) + gift_lines(given, gifts, pricing.currency),
        subtotal=pricing.subtotal,
        discount=pricing.discount,
        shipping=pricing.shipping,
        tax=pricing.tax,
        total=pricing.total,
        shipping_address=address,
        reservation_id=reservation_id,
        coupon_codes=tuple(pricing.coupons),
    )


def _refuse_changed_redemptions(
    uow: UnitOfWork,
    order: Order,
    pricing: PriceBreakdown,
    promotions: Mapping[str, Promotion],
) -> None:
    """What the order took when placed (points spent, points to earn, uses of limited
    promotions with the discount they gave) is recorded once and given back or credited exactly
    once; an edit that would change any of it is refused rather than leave it wrong."""
    held = [r for r in uow.redemptions.for_order(order.id) if r.settled_at is None]
    reasons: dict[str, str] = {}
    if any(r.kind is RedemptionKind.POINTS for r in held) or pricing.points_redeemed:
        reasons["points"] = "points_redeemed"
    earned = sum(r.points for r in held if r.kind is RedemptionKind.EARN)
    if earned != pricing.points_earned:
        reasons["points_earned"] = "points_earned_would_change"
    for r in held:
        if r.kind is RedemptionKind.GROUP_BUY:  # its price is the campaign's, not the shop's
            reasons[r.source_id] = "group_buy_order"
    given: dict[str, int] = {}
    for line in pricing.lines:
        for adj in line.adjustments:
            if adj.source == "promotion":
                given[adj.source_id] = given.get(adj.source_id, 0) + adj.amount.amount
    for adj in pricing.shipping_adjustments:
        if adj.source == "promotion":
            given[adj.source_id] = given.get(adj.source_id, 0) + adj.amount.amount
    was = {r.source_id: r.amount.amount for r in held if r.kind is RedemptionKind.PROMOTION}
    for pid in sorted(set(given) | set(was)):
        promotion = promotions.get(pid)
        limited = pid in was or (
            promotion is not None
            and (promotion.usage_limit is not None or promotion.budget is not None)
        )
        if limited and given.get(pid, 0) != was.get(pid, 0):
            reasons[pid] = "limited_promotion_would_change"
    if reasons:
        raise Conflict(
            "this edit would change the points or limited promotions the order used; "
            "cancel the order and place a new one",
            order_id=order.id,
            reasons=reasons,
        )


def _lines(pricing: PriceBreakdown, products: Mapping[str, Product]) -> tuple[OrderLine, ...]:
    zero = Money.zero(pricing.currency)
    return tuple(
        OrderLine(
            sku=line.sku,
            product_id=products[line.sku].id,
            name=products[line.sku].label(line.sku),
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            total=line.total,
            tax=zero if pricing.tax_inclusive else line.tax,
        )
        for line in pricing.lines
    )


def change_address(
    ctx: ServiceContext, principal: Principal, order_id: str, address: Address
) -> Order:
    def edit(q: dict[str, int], _: Address | None) -> tuple[dict[str, int], Address | None]:
        return q, address

    return edit_order(ctx, principal, order_id, edit, "shipping address changed")


def change_quantity(
    ctx: ServiceContext, principal: Principal, order_id: str, sku: str, quantity: int
) -> Order:
    code, n = v.sku(sku), v.quantity(quantity)

    def edit(q: dict[str, int], a: Address | None) -> tuple[dict[str, int], Address | None]:
        if code not in q:
            raise InvalidInput(f"the order has no line of {code} to change", field="sku")
        return {**q, code: n}, a

    return edit_order(ctx, principal, order_id, edit, f"{code}: quantity set to {n}")


def remove_line(ctx: ServiceContext, principal: Principal, order_id: str, sku: str) -> Order:
    code = v.sku(sku)

    def edit(q: dict[str, int], a: Address | None) -> tuple[dict[str, int], Address | None]:
        if code not in q:
            raise InvalidInput(f"the order has no line of {code} to remove", field="sku")
        if len(q) == 1:
            raise InvalidInput("an order keeps at least one line: cancel it instead", field="sku")
        return {s: n for s, n in q.items() if s != code}, a

    return edit_order(ctx, principal, order_id, edit, f"{code}: line removed")
