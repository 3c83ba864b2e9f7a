"""Shipping use cases: hand a paid order to a carrier, and follow its parcels to the door."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput, InvalidTransition, NotFound
from ecommerce_core.domain.inventory import sum_by_sku
from ecommerce_core.domain.orders import Order, OrderAction
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.domain.shipping import Shipment, ShipmentLine, TrackingStatus, unshipped
from ecommerce_core.ports.gateways import ShipmentRequest
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.group_buy import refuse_unsettled_group
from ecommerce_core.services.order_holds import load_visible_order
from ecommerce_core.services.stock_moves import post_shipment

__all__ = ["ShippingService"]


class ShippingService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def ship(
        self,
        principal: Principal,
        order_id: str,
        lines: Mapping[str, int] | None = None,
        *,
        warehouse_id: str | None = None,
        carrier: str | None = None,
    ) -> Shipment:
        """Book one parcel of a paid order with ``carrier`` and send its units on their way.

        :param lines: units per SKU in this parcel; None ships everything not shipped yet (from
            ``warehouse_id`` when given).
        :param warehouse_id: the parcel leaves from this warehouse only.
        :returns: the parcel, with its own tracking number and lines (SKU, warehouse, units).

        The order is ``partially_shipped`` until every unit it sold has left, then ``shipped``.
        The units leave the warehouse through the stock ledger in the same transaction.

        :raises InvalidInput: more of a SKU than the order has left to ship (from that
            warehouse), a SKU the order does not have, or nothing left to ship.
        :raises InvalidTransition: the order is not paid (or a plugin's state holds it).
        :raises GroupBuyPending: the order joined a group-buy that has not succeeded (yet).
        """
        require(principal, Permission.SHIPPING_MANAGE)
        wanted = _parcel_lines(lines)
        where = None if warehouse_id is None else v.identifier(warehouse_id, "warehouse_id")
        carrier_name = carrier or self._ctx.settings.default_carrier
        provider = self._ctx.carrier(carrier_name)
        flow = self._ctx.order_flow
        with self._ctx.uow() as uow:
            order = load_visible_order(uow, principal, order_id)
            products = uow.products.get_by_skus(line.sku for line in order.lines)
            if flow.refusal(order, OrderAction.SHIP) is not None:
                refusal = flow.refusal(order, OrderAction.SHIP_PARTIALLY)
                if refusal is not None:
                    raise InvalidTransition(refusal, order_id=order.id, status=str(order.status))
            refuse_unsettled_group(uow, order)
            parcel = _planned(order, uow.shipments.list_for_order(order.id), wanted)
        # the exact warehouse split is checked again, under the stock locks, by post_shipment
        weight = sum(
            products[sku].variant(sku).weight_grams * n
            for sku, n in parcel.items()
            if sku in products
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
        try:
            return self._record(
                principal, order_id, wanted, where, shipment_id, carrier_name, label.tracking_number
            )
        except BaseException as exc:
            _void(provider, label.tracking_number, exc)
            raise

    def _record(
        self,
        principal: Principal,
        order_id: str,
        wanted: Mapping[str, int] | None,
        where: str | None,
        shipment_id: str,
        carrier_name: str,
        tracking_number: str,
    ) -> Shipment:
        """The booked parcel recorded: its units leave stock and the order moves, all or nothing."""
        flow = self._ctx.order_flow
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            current = load_visible_order(uow, principal, order_id, for_update=True)
            before = uow.shipments.list_for_order(current.id)
            _planned(current, before, wanted)  # nothing shipped meanwhile that makes it too much
            # the parcel's units leave on-hand stock (and their promise to the order) now
            entries = post_shipment(
                uow,
                current,
                now,
                actor=principal.id or "system",
                reference=shipment_id,
                items=wanted,
                warehouse_id=where,
            )
            shipment = Shipment(
                shipment_id,
                current.id,
                carrier_name,
                tracking_number,
                now,
                lines=tuple(ShipmentLine(e.sku, e.warehouse_id, -e.on_hand_delta) for e in entries),
            )
            left = unshipped(_ordered(current), [*before, shipment])
            action = OrderAction.SHIP_PARTIALLY if left else OrderAction.SHIP
            shipped, events = flow.apply(
                current,
                action,
                now,
                f"{carrier_name} {tracking_number}",
                actor=principal.id,
                data={"tracking_number": tracking_number},
            )
            uow.shipments.add(shipment)
            uow.orders.update(shipped)
            events.append(
                ev.ShipmentCreated(
                    occurred_at=now,
                    shipment_id=shipment.id,
                    order_id=current.id,
                    carrier=carrier_name,
                    tracking_number=tracking_number,
                    lines=tuple((ln.sku, ln.warehouse_id, ln.quantity) for ln in shipment.lines),
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


def _parcel_lines(lines: object) -> dict[str, int] | None:
    if lines is None:
        return None
    if not isinstance(lines, Mapping) or not lines:
        raise InvalidInput("a parcel's lines are {sku: units}, at least one", field="lines")
    return {v.sku(sku): v.quantity(n) for sku, n in lines.items()}


def _ordered(order: Order) -> dict[str, int]:
    return sum_by_sku((line.sku, line.quantity) for line in order.lines)


def _planned(
    order: Order, parcels: Sequence[Shipment], wanted: Mapping[str, int] | None
) -> dict[str, int]:
    """The units per SKU the next parcel carries; refused when more than is left to ship."""
    left = unshipped(_ordered(order), parcels)
    if wanted is None:
        if not left:
            raise InvalidInput("nothing of the order is left to ship", order_id=order.id)
        return left
    for sku, n in wanted.items():
        if n > left.get(sku, 0):
            raise InvalidInput(
                f"the order has {left.get(sku, 0)} of {sku} left to ship, not {n}",
                field="lines",
                sku=sku,
                order_id=order.id,
            )
    return dict(wanted)


def _void(provider: object, tracking_number: str, error: BaseException) -> None:
    """Cancel a label booked for a parcel that could not be recorded; the caller's ``error``
    says what happened to it when that is not possible."""
    void = getattr(provider, "void_shipment", None)
    if void is None:
        error.add_note(f"the label {tracking_number} was booked and is left at the carrier")
        return
    try:
        void(tracking_number)
    except Exception as exc:  # the parcel's own error is what the caller must see
        error.add_note(f"the label {tracking_number} could not be voided: {exc}")
