"""Shipments with their tracking events."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ecommerce_core.domain.shipping import Shipment
from ecommerce_sqlalchemy import mapping as m
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.repositories._base import (
    _Joined,
    _param,
    _Repo,
)

# -- shipping ---------------------------------------------------------------------------------
_SHIPMENT_INSERT = sa.insert(t.shipments)
_EVENTS_DELETE = sa.delete(t.tracking_events).where(t.tracking_events.c.shipment_id == _param("id"))
_EVENTS_INSERT = sa.insert(t.tracking_events)
_SHIPMENTS = _Joined(
    t.shipments,
    t.tracking_events,
    t.tracking_events.c.shipment_id == t.shipments.c.id,
    t.shipments.c.created_at,
    t.shipments.c.id,
    t.tracking_events.c.position,
)
_SHIPMENT_BY_ID = _SHIPMENTS.query.where(t.shipments.c.id == _param("a"))
_SHIPMENTS_OF_ORDER = _SHIPMENTS.query.where(t.shipments.c.order_id == _param("a"))


class SqlShipments(_Repo):
    def add(self, shipment: Shipment) -> None:
        s = shipment
        self._c.execute(
            _SHIPMENT_INSERT,
            {
                "id": s.id,
                "order_id": s.order_id,
                "carrier": s.carrier,
                "tracking_number": s.tracking_number,
                "created_at": s.created_at,
                "lines": m.shipment_lines_to_json(s),
            },
        )
        self._events(s, stored=False)

    def _events(self, s: Shipment, stored: bool = True) -> None:
        if stored:
            self._c.execute(_EVENTS_DELETE, {"id": s.id})
        if s.events:
            self._c.execute(
                _EVENTS_INSERT,
                [
                    {
                        "shipment_id": s.id,
                        "position": i,
                        "at": e.at,
                        "status": e.status.value,
                        "description": e.description,
                        "location": e.location,
                    }
                    for i, e in enumerate(s.events)
                ],
            )

    def _load(self, statement: Any, a: str) -> list[Shipment]:
        found = _SHIPMENTS.group(self._c.execute(statement, {"a": a}).mappings())
        return [m.shipment_from_rows(head, events) for head, events in found]

    def get(self, shipment_id: str) -> Shipment | None:
        found = self._load(_SHIPMENT_BY_ID, shipment_id)
        return found[0] if found else None

    def list_for_order(self, order_id: str) -> list[Shipment]:
        return self._load(_SHIPMENTS_OF_ORDER, order_id)

    def update(self, shipment: Shipment) -> None:
        self._events(shipment)
