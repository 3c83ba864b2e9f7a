"""The stock ledger: one append-only entry per movement of stock, and the balance it adds up to.

A :class:`~ecommerce_core.domain.inventory.StockLevel` is the materialised balance of its entries:
``on_hand`` is the sum of their ``on_hand`` deltas and ``reserved`` the sum of their ``reserved``
deltas. Entries are never changed or removed; a mistake is corrected by another entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.inventory import StockLevel

__all__ = ["LedgerEntry", "MovementKind", "balances", "entry_between", "opening_entries"]


class MovementKind(StrEnum):
    """Why stock moved. The deltas each kind writes are documented in docs/inventory.md."""

    OPENING = "opening"  # the balance a level had before the ledger existed
    RECEIPT = "receipt"
    RESERVATION = "reservation"
    COMMIT = "commit"
    RELEASE = "release"
    SHIPMENT = "shipment"
    RETURN = "return"
    ADJUSTMENT = "adjustment"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    STOCKTAKE = "stocktake"


def _short(value: object) -> str:
    return v.text(value, "reason", max_length=500, allow_empty=True)


@attrs.frozen
class LedgerEntry:
    """One movement of one SKU in one warehouse.

    :param id: given by the storage when the entry is written (0 before); grows with time.
    :param actor: who moved it: a principal's id, or ``system``.
    :param reference: what caused it: a reservation, shipment, return, transfer or stocktake id.
    :param order_id: the order it belongs to, or ``""``.
    """

    sku: str = attrs.field(converter=v.sku)
    warehouse_id: str = attrs.field(converter=v.identifier)
    kind: MovementKind = attrs.field(converter=MovementKind)
    on_hand_delta: int
    reserved_delta: int
    actor: str
    reason: str = attrs.field(converter=_short)
    reference: str
    order_id: str
    at: datetime
    id: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.sku, self.warehouse_id)


def entry_between(
    before: StockLevel | None,
    after: StockLevel,
    kind: MovementKind,
    *,
    actor: str,
    reason: str,
    reference: str,
    order_id: str,
    at: datetime,
) -> LedgerEntry:
    """The entry that takes a level from ``before`` (None: it did not exist) to ``after``."""
    on_hand = after.on_hand - (before.on_hand if before else 0)
    reserved = after.reserved - (before.reserved if before else 0)
    return LedgerEntry(
        after.sku, after.warehouse_id, kind, on_hand, reserved, actor, reason, reference,
        order_id, at,
    )  # fmt: skip


def balances(entries: Iterable[LedgerEntry]) -> dict[tuple[str, str], tuple[int, int]]:
    """``(on hand, reserved)`` per (SKU, warehouse): what the levels must equal."""
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for e in entries:
        on_hand, reserved = totals.get(e.key, (0, 0))
        totals[e.key] = (on_hand + e.on_hand_delta, reserved + e.reserved_delta)
    return totals


def opening_entries(levels: Iterable[StockLevel], at: datetime) -> list[LedgerEntry]:
    """One ``opening`` entry per level, carrying its balance: the ledger of stock that was
    counted before the ledger existed (an older backup), so that every level is again the sum
    of its entries."""
    ordered = sorted(levels, key=lambda level: level.key)
    return [
        LedgerEntry(
            sku=level.sku,
            warehouse_id=level.warehouse_id,
            kind=MovementKind.OPENING,
            on_hand_delta=level.on_hand,
            reserved_delta=level.reserved,
            actor="system",
            reason="balance before the ledger",
            reference="",
            order_id="",
            at=at,
            id=n,
        )
        for n, level in enumerate(ordered, start=1)
    ]
