"""Hand changes of stock: reason codes of manual adjustments, and stocktakes (cycle counts).

An adjustment says why on-hand stock changed outside the order flow; its code is kept on the
ledger entry (``reason`` = ``"<code>: <note>"``) so that shrinkage can be reported by cause.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from ecommerce_core.domain.errors import InvalidInput, InvalidTransition

__all__ = [
    "AdjustmentReason",
    "Stocktake",
    "StocktakeCount",
    "StocktakeStatus",
    "adjustment_reason",
]


class AdjustmentReason(StrEnum):
    DAMAGED = "damaged"  # broken in the warehouse, written off
    LOST = "lost"  # missing, theft
    EXPIRED = "expired"  # past its date, written off
    FOUND = "found"  # turned up again
    SUPPLIER_RETURN = "supplier_return"  # sent back to the supplier
    SAMPLE = "sample"  # taken for marketing or quality control
    CORRECTION = "correction"  # a booking error put right
    OTHER = "other"  # say why in the note


def adjustment_reason(value: object) -> AdjustmentReason:
    try:
        return AdjustmentReason(str(value)) if isinstance(value, str) else AdjustmentReason("")
    except ValueError:
        known = ", ".join(r.value for r in AdjustmentReason)
        raise InvalidInput(
            f"an adjustment's reason is one of {known}", field="reason", value=str(value)[:40]
        ) from None


class StocktakeStatus(StrEnum):
    OPEN = "open"
    APPLIED = "applied"
    CANCELLED = "cancelled"


@attrs.frozen
class StocktakeCount:
    """One SKU counted: ``counted`` units found, when the books said ``expected`` (on hand at
    the moment of the count). Its variance, ``counted - expected``, is what the count found."""

    sku: str
    counted: int
    expected: int
    counted_at: datetime
    counted_by: str

    @property
    def variance(self) -> int:
        return self.counted - self.expected


@attrs.frozen
class Stocktake:
    """A count of (some of) one warehouse's SKUs: open, counted SKU by SKU, reviewed, applied.

    Stock may move while the count goes on (orders ship, goods arrive). Each count therefore keeps
    what the books said at that moment, and applying a stocktake adds each SKU's variance to
    on hand as it is *then*: the movements since the count are kept, the count's finding too.
    """

    id: str
    warehouse_id: str
    opened_at: datetime
    opened_by: str
    note: str = ""
    status: StocktakeStatus = StocktakeStatus.OPEN
    counts: tuple[StocktakeCount, ...] = ()
    closed_at: datetime | None = None

    def ensure_open(self) -> None:
        """:raises InvalidTransition: it was applied or cancelled already."""
        if self.status is not StocktakeStatus.OPEN:
            raise InvalidTransition(f"the stocktake is {self.status}", stocktake_id=self.id)

    def counted(self, count: StocktakeCount) -> Stocktake:
        """With ``count`` (a recount of a SKU replaces its earlier count)."""
        self.ensure_open()
        if count.counted < 0:
            raise InvalidInput("a count is a whole number of at least 0", field="counted")
        kept = tuple(c for c in self.counts if c.sku != count.sku)
        return attrs.evolve(self, counts=tuple(sorted((*kept, count), key=lambda c: c.sku)))

    def closed(self, status: StocktakeStatus, at: datetime) -> Stocktake:
        self.ensure_open()
        return attrs.evolve(self, status=status, closed_at=at)
