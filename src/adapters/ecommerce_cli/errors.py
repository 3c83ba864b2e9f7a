"""How the CLI reports a library error: one line on stderr and an exit status chosen by its code.

The status is picked by the error's ``code``; an error class a plugin adds is mapped through its
nearest ancestor in the tree of ``ecommerce_core.domain.errors``, so every error has a status.

======  ========================================================================================
status  codes
======  ========================================================================================
0       success
1       an unexpected failure (a bug: the traceback is printed)
2       usage error (a bad option, or a demo directory that is not empty)
3       ``invalid_input``, ``invalid_money``, ``currency_mismatch``, ``unknown_currency``,
        ``weak_password``
4       ``not_found``, ``unknown_sku``
5       ``authentication_failed``, ``permission_denied``
6       ``conflict``, ``already_exists``, ``idempotency_conflict``, ``idempotency_in_progress``,
        ``contention``, ``group_buy_closed``, ``group_buy_full``, ``group_buy_pending``,
        ``preorder_not_released``
7       ``out_of_stock``, ``reservation_expired``, ``illegal_transition``, ``empty_cart``,
        ``transition_refused``
8       ``payment_error``, ``payment_declined``, ``refund_exceeds_captured``,
        ``refund_exceeds_sold``, ``invalid_signature``
9       ``shipping_error``
10      ``plugin_error``, ``unknown_backend``, ``order_flow_invalid``,
        ``tax_unavailable``
11      ``storage_error``, ``storage_unavailable``, ``corrupt_data``
12      ``ecommerce_error`` (the root, raised by a plugin with its own code)
======  ========================================================================================
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import typer

from ecommerce_core.domain.errors import EcommerceError

__all__ = ["EXIT_STATUS", "USAGE", "exit_status", "fail", "one_line", "reported"]

USAGE = 2

EXIT_STATUS: dict[str, int] = {
    "invalid_input": 3,
    "invalid_money": 3,
    "currency_mismatch": 3,
    "unknown_currency": 3,
    "weak_password": 3,
    "not_found": 4,
    "unknown_sku": 4,
    "authentication_failed": 5,
    "permission_denied": 5,
    "conflict": 6,
    "already_exists": 6,
    "idempotency_conflict": 6,
    "idempotency_in_progress": 6,
    "contention": 6,
    "group_buy_closed": 6,
    "group_buy_full": 6,
    "group_buy_pending": 6,
    "preorder_not_released": 6,
    "out_of_stock": 7,
    "reservation_expired": 7,
    "illegal_transition": 7,
    "empty_cart": 7,
    "transition_refused": 7,
    "payment_error": 8,
    "payment_declined": 8,
    "refund_exceeds_captured": 8,
    "refund_exceeds_sold": 8,
    "invalid_signature": 8,
    "shipping_error": 9,
    "plugin_error": 10,
    "unknown_backend": 10,
    "order_flow_invalid": 10,
    "tax_unavailable": 10,
    "storage_error": 11,
    "storage_unavailable": 11,
    "corrupt_data": 11,
    "ecommerce_error": 12,
}


def exit_status(error: EcommerceError) -> int:
    """The status for ``error``: by its own code, else by the nearest ancestor's code."""
    for cls in type(error).__mro__:
        code = getattr(cls, "code", None)
        if isinstance(code, str) and code in EXIT_STATUS:
            return EXIT_STATUS[code]
    return EXIT_STATUS["ecommerce_error"]


def one_line(error: EcommerceError) -> str:
    """``ecommerce: [code] message`` on a single line, whatever the message holds."""
    message = " ".join(str(error.message).split())
    return f"ecommerce: [{error.code}] {message}"


def fail(message: str, status: int = USAGE, stream: TextIO | None = None) -> typer.Exit:
    """Print ``ecommerce: message`` on stderr; the caller raises the returned ``typer.Exit``."""
    print(f"ecommerce: {' '.join(message.split())}", file=stream or sys.stderr)
    return typer.Exit(status)


@contextmanager
def reported() -> Iterator[None]:
    """Turn an :class:`EcommerceError` raised inside into its line on stderr and exit status."""
    try:
        yield
    except EcommerceError as error:
        print(one_line(error), file=sys.stderr)
        raise typer.Exit(exit_status(error)) from None
