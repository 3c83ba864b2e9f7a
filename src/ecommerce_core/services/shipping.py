"""Shipping use cases: hand a paid order to a carrier, and follow its parcels to the door."""

from __future__ import annotations

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import InvalidTransition, NotFound
from ecommerce_core.domain.orders import OrderAction
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.domain.shipping import Shipment, TrackingStatus
from ecommerce_core.ports.gateways import ShipmentRequest
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.orders import load_visible_order
from ecommerce_core.services.stock_moves import post_shipment

__all__ = ["ShippingService"]


class ShippingService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def ship(self, principal: Principal, order_id: str, *, carrier: str | None = None) -> Shipment:
        """Book the parcel with ``carrier`` and mark the paid order shipped."""
        require(principal, Permission.SHIPPING_MANAGE)
        carrier_name = carrier or self._ctx.settings.default_carrier
        provider = self._ctx.carrier(carrier_name)
        with self._ctx.uow() as uow:
            order = load_visible_order(uow, principal, order_id)
            products = uow.products.get_by_skus(line.sku for line in order.lines)
        refusal = self._ctx.order_flow.refusal(order, OrderAction.SHIP)
        if refusal is not None:
            raise InvalidTransition(refusal, order_id=order.id, status=str(order.status))
        weight = sum(
            products[ln.sku].variant(ln.sku).weight_grams * ln.quantity
            for ln in order.lines
            if ln.sku in products
        )
        address = order.shipping_address
        shipment_id = self._ctx.ids.new_id("shp")
        label = provider.create_shipment(
            ShipmentRequest(
                shipment_id=shipment_id,
                order_number=order.number,
                recipient=address.name if address else "",
                city=address.city if address else "",
                country=address.country if address else "",
                weight_grams=weight,
                created_at=self._ctx.clock.now(),
            )
        )
        now = self._ctx.clock.now()
        shipment = Shipment(shipment_id, order.id, carrier_name, label.tracking_number, now)
        with self._ctx.uow() as uow:
            current = load_visible_order(uow, principal, order_id, for_update=True)
            shipped, events = self._ctx.order_flow.apply(
                current,
                OrderAction.SHIP,
                now,
                f"{carrier_name} {label.tracking_number}",
                actor=principal.id,
                data={"tracking_number": label.tracking_number},
            )
            uow.shipments.add(shipment)
            # the parcel's units leave on-hand stock (and their promise to the order) now
            post_shipment(uow, current, now, actor=principal.id or "system", reference=shipment.id)
            uow.orders.update(shipped)
            events.append(
                ev.ShipmentCreated(
                    occurred_at=now,
                    shipment_id=shipment.id,
                    order_id=order.id,
                    carrier=carrier_name,
                    tracking_number=label.tracking_number,
                )
            )
            uow.outbox.add(events)
            uow.commit()
        return shipment

    def track(self, principal: Principal, order_id: str) -> list[Shipment]:
        """Ask the carriers for news of the order's parcels; all delivered delivers the order."""
        require(principal, Permission.SHIPPING_TRACK_OWN)
        with self._ctx.uow() as uow:
            order = load_visible_order(uow, principal, order_id)
            shipments = uow.shipments.list_for_order(order.id)
        now = self._ctx.clock.now()
        news = {s.id: self._ctx.carrier(s.carrier).track(s.tracking_number, now) for s in shipments}
        with self._ctx.uow() as uow:
            updated = []
            for shipment in uow.shipments.list_for_order(order.id):
                refreshed = shipment.with_events(news.get(shipment.id, ()))
                if refreshed != shipment:
                    uow.shipments.update(refreshed)
                updated.append(refreshed)
            order = load_visible_order(uow, principal, order_id, for_update=True)
            if (
                updated
                and all(s.delivered for s in updated)
                and self._ctx.order_flow.find(order.status, OrderAction.DELIVER) is not None
            ):
                # the order was delivered when the last parcel was, not when the shop asked
                at = max(
                    e.at for s in updated for e in s.events if e.status is TrackingStatus.DELIVERED
                )
                delivered, events = self._ctx.order_flow.apply(
                    order, OrderAction.DELIVER, at, "delivered", check_guards=False
                )
                uow.orders.update(delivered)
                uow.outbox.add(events)
            uow.commit()
        return updated

    def shipments(self, principal: Principal, order_id: str) -> list[Shipment]:
        require(principal, Permission.SHIPPING_TRACK_OWN)
        with self._ctx.uow() as uow:
            order = load_visible_order(uow, principal, order_id)
            found = uow.shipments.list_for_order(order.id)
        if not found:
            raise NotFound("the order has no shipment yet", order_id=order.id)
        return found
