"""Hand changes of stock: reason codes of manual adjustments.

An adjustment says why on-hand stock changed outside the order flow; its code is kept on the
ledger entry (``reason`` = ``"<code>: <note>"``) so that shrinkage can be reported by cause.
"""

from __future__ import annotations

from enum import StrEnum

from ecommerce_core.domain.errors import InvalidInput

__all__ = ["AdjustmentReason", "adjustment_reason"]


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
