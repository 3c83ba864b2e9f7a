"""What after-sales does to stock and parcels: returned goods back on hand, replacement goods
taken from stock and shipped."""

from __future__ import annotations

from datetime import datetime

import attrs

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.aftersales import AfterSalesRequest
from ecommerce_core.domain.errors import NotFound
from ecommerce_core.domain.inventory import Reservation, sum_by_sku
from ecommerce_core.domain.shipping import Shipment, ShipmentLine
from ecommerce_core.domain.stock_ledger import MovementKind
from ecommerce_core.ports.gateways import Carrier, ShipmentRequest
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.order_holds import reserve_stock
from ecommerce_core.services.stock_moves import (
    move,
    post_return,
    returned_quantities,
    shipped_quantities,
)

__all__ = ["restock_returned", "ship_replacement", "take_replacement"]


def _demand(request: AfterSalesRequest) -> dict[str, int]:
    return sum_by_sku((line.sku, line.quantity) for line in request.lines)


def restock_returned(
    uow: UnitOfWork, request: AfterSalesRequest, warehouse_id: str, at: datetime, actor: str
) -> list[ev.DomainEvent]:
    """Put the request's units back on hand in ``warehouse_id``, through the stock ledger
    (``return`` entries referencing the request).

    Units of the order's own parcels come back as the order's (no more than it shipped and has
    not returned yet); units beyond those are replacements an exchange sent, which never
    counted among the order's shipped units, and come back under the request alone.
    """
    demand = _demand(request)
    shipped = shipped_quantities(uow, request.order_id)
    back = returned_quantities(uow, request.order_id)
    why = f"{request.kind.value}: {request.reason.value}"
    for sku, quantity in sorted(demand.items()):
        own = sum(n for (s, _), n in shipped.items() if s == sku) - sum(
            n for (s, _), n in back.items() if s == sku
        )
        ordered = min(quantity, max(own, 0))
        for count, order_id in ((ordered, request.order_id), (quantity - ordered, "")):
            if count:
                post_return(
                    uow, sku=sku, warehouse_id=warehouse_id, quantity=count, at=at,
                    actor=actor, reference=request.id, order_id=order_id,
                    reason=why if order_id else f"{why} (replacement of order {request.order_id})",
                )  # fmt: skip
    return [
        ev.StockReceived(occurred_at=at, sku=sku, warehouse_id=warehouse_id, quantity=quantity)
        for sku, quantity in sorted(demand.items())
    ]


def take_replacement(
    ctx: ServiceContext, uow: UnitOfWork, request: AfterSalesRequest, at: datetime, actor: str
) -> tuple[Reservation, list[ev.DomainEvent]]:
    """Promise the replacement units of an exchange to the order (all or none,
    :class:`OutOfStock` otherwise): a hold of its own, committed at once (nothing is owed)."""
    demand = _demand(request)
    levels = uow.stock.for_skus(sorted(demand), for_update=True)
    hold, reserved = reserve_stock(
        uow,
        demand,
        levels,
        ctx.catalogue.read(uow).warehouses(),
        ctx.ids.new_id("res"),
        request.order_id,
        at,
        ctx.settings.reservation_ttl,
        actor=actor,
    )
    kept = {lv.key: lv for lv in uow.stock.for_skus(sorted(demand), for_update=True)}
    keys = sorted((ln.sku, ln.warehouse_id) for ln in hold.lines)
    move(
        uow, [(kept[k], kept[k]) for k in keys], MovementKind.COMMIT, at=at, actor=actor,
        reference=hold.id, order_id=request.order_id, reason=f"exchange {request.id}",
    )  # fmt: skip
    committed = hold.committed()
    uow.reservations.update(committed)
    done = ev.StockCommitted(occurred_at=at, reservation_id=hold.id, order_id=request.order_id)
    return committed, [reserved, done]


def _ship_held(
    uow: UnitOfWork, hold: Reservation, shipment_id: str, at: datetime, actor: str, rma: str
) -> list[ShipmentLine]:
    """The replacement parcel leaves: its units leave on hand and reserved. The entries name
    no order: the order's shipped units (which its partial shipments count) are its own
    parcels', and the replacement is the request's."""
    keys = sorted((ln.sku, ln.warehouse_id) for ln in hold.lines)
    count = {(ln.sku, ln.warehouse_id): ln.quantity for ln in hold.lines}
    levels = {lv.key: lv for lv in uow.stock.for_skus({k[0] for k in keys}, for_update=True)}
    move(
        uow, [(levels[k], levels[k].ship(count[k], at)) for k in keys], MovementKind.SHIPMENT,
        at=at, actor=actor, reference=shipment_id,
        reason=f"exchange {rma}: replacement for order {hold.order_id}",
    )  # fmt: skip
    return [ShipmentLine(sku, warehouse, count[(sku, warehouse)]) for sku, warehouse in keys]


def ship_replacement(
    ctx: ServiceContext,
    carrier: Carrier,
    carrier_name: str,
    request: AfterSalesRequest,
    actor: str,
) -> AfterSalesRequest:
    """Book the parcel of an exchange's replacement (outside any transaction), then record it
    as a shipment of the request (its ``order_id`` is the request's id, so that it never counts
    among the order's own parcels) and on the request."""
    with ctx.uow() as uow:
        order = uow.orders.get(request.order_id)
        products = uow.products.get_by_skus(line.sku for line in request.lines)
    if order is None:
        raise NotFound("the request's order is gone", order_id=request.order_id)
    address = order.shipping_address
    shipment_id = ctx.ids.new_id("shp")
    label = carrier.create_shipment(
        ShipmentRequest(
            shipment_id=shipment_id,
            order_number=order.number,
            recipient=address.name if address else "",
            city=address.city if address else "",
            country=address.country if address else "",
            weight_grams=sum(
                products[ln.sku].variant(ln.sku).weight_grams * ln.quantity
                for ln in request.lines
                if ln.sku in products
            ),
            created_at=ctx.clock.now(),
        )
    )
    now = ctx.clock.now()
    with ctx.uow() as uow:
        current = uow.aftersales.get(request.id, for_update=True)
        if current is None:
            raise NotFound("no such after-sales request", request_id=request.id)
        if current.shipment_id is not None:
            return current  # another call booked it meanwhile
        shipped = attrs.evolve(current, shipment_id=shipment_id, updated_at=now)
        hold = uow.reservations.get(current.replacement_id or "", for_update=True)
        if hold is None:
            raise NotFound("the exchange holds no replacement", request_id=request.id)
        lines = _ship_held(uow, hold, shipment_id, now, actor, request.id)
        parcel = Shipment(
            shipment_id, request.id, carrier_name, label.tracking_number, now, lines=tuple(lines)
        )
        uow.shipments.add(parcel)
        uow.aftersales.update(shipped)
        uow.outbox.add(
            [
                ev.ShipmentCreated(
                    occurred_at=now,
                    shipment_id=shipment_id,
                    order_id=order.id,
                    carrier=carrier_name,
                    tracking_number=label.tracking_number,
                    lines=tuple((ln.sku, ln.warehouse_id, ln.quantity) for ln in lines),
                )
            ]
        )
        uow.commit()
    return shipped
