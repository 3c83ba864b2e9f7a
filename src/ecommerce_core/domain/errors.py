"""The one error tree of ecommerce-core: every error has a stable ``code`` and a message a shop can show.

::

    EcommerceError                      code
    ├── InvalidInput                    invalid_input
    │   ├── InvalidMoney                invalid_money
    │   ├── CurrencyMismatch            currency_mismatch
    │   ├── UnknownCurrency             unknown_currency
    │   └── WeakPassword                weak_password
    ├── NotFound                        not_found
    │   └── UnknownSku                  unknown_sku
    ├── AuthenticationFailed            authentication_failed
    ├── PermissionDenied                permission_denied
    ├── Conflict                        conflict
    │   ├── AlreadyExists               already_exists
    │   ├── IdempotencyConflict         idempotency_conflict
    │   ├── IdempotencyInProgress       idempotency_in_progress
    │   ├── Contention                  contention
    │   ├── GroupBuyClosed              group_buy_closed
    │   ├── GroupBuyFull                group_buy_full
    │   ├── GroupBuyPending             group_buy_pending
    │   └── PreorderNotReleased         preorder_not_released
    ├── OutOfStock                      out_of_stock
    ├── ReservationExpired              reservation_expired
    ├── InvalidTransition               illegal_transition
    │   └── TransitionRefused           transition_refused
    ├── EmptyCart                       empty_cart
    ├── PaymentError                    payment_error
    │   ├── PaymentDeclined             payment_declined
    │   ├── RefundExceedsCaptured       refund_exceeds_captured
    │   ├── RefundExceedsSold           refund_exceeds_sold
    │   └── InvalidSignature            invalid_signature
    ├── ShippingError                   shipping_error
    ├── PluginError                     plugin_error
    │   ├── UnknownBackend              unknown_backend
    │   ├── OrderFlowInvalid            order_flow_invalid
    │   └── TaxUnavailable              tax_unavailable
    └── StorageError                    storage_error
        ├── StorageUnavailable          storage_unavailable
        └── CorruptData                 corrupt_data

A service call that raises one of these has changed nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "AlreadyExists",
    "AuthenticationFailed",
    "Conflict",
    "Contention",
    "CorruptData",
    "CurrencyMismatch",
    "EcommerceError",
    "EmptyCart",
    "GroupBuyClosed",
    "GroupBuyFull",
    "GroupBuyPending",
    "IdempotencyConflict",
    "IdempotencyInProgress",
    "InvalidInput",
    "InvalidMoney",
    "InvalidSignature",
    "InvalidTransition",
    "NotFound",
    "OrderFlowInvalid",
    "OutOfStock",
    "PaymentDeclined",
    "PaymentError",
    "PermissionDenied",
    "PluginError",
    "PreorderNotReleased",
    "RefundExceedsCaptured",
    "RefundExceedsSold",
    "ReservationExpired",
    "ShippingError",
    "StorageError",
    "StorageUnavailable",
    "TaxUnavailable",
    "TransitionRefused",
    "UnknownBackend",
    "UnknownCurrency",
    "UnknownSku",
    "WeakPassword",
]


class EcommerceError(Exception):
    """Root of every error the library raises on purpose.

    :param message: a sentence a shop could show to the person who caused it.
    :param details: machine-readable context (field names, SKUs); never secrets.
    """

    code: ClassVar[str] = "ecommerce_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: Mapping[str, Any] = details

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """The error as plain data, e.g. for a JSON response body."""
        return {"code": self.code, "message": self.message, "details": dict(self.details)}


class InvalidInput(EcommerceError):
    code = "invalid_input"


class InvalidMoney(InvalidInput):
    code = "invalid_money"


class CurrencyMismatch(InvalidInput):
    code = "currency_mismatch"


class UnknownCurrency(InvalidInput):
    code = "unknown_currency"


class WeakPassword(InvalidInput):
    code = "weak_password"


class NotFound(EcommerceError):
    code = "not_found"


class UnknownSku(NotFound):
    code = "unknown_sku"


class AuthenticationFailed(EcommerceError):
    code = "authentication_failed"


class PermissionDenied(EcommerceError):
    code = "permission_denied"


class Conflict(EcommerceError):
    code = "conflict"


class AlreadyExists(Conflict):
    code = "already_exists"


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"


class IdempotencyInProgress(Conflict):
    """The first request with this idempotency key has not finished yet."""

    code = "idempotency_in_progress"


class Contention(Conflict):
    """A lock could not be taken in time, or the database kept reporting deadlocks: try again."""

    code = "contention"


class OutOfStock(EcommerceError):
    code = "out_of_stock"


class ReservationExpired(EcommerceError):
    code = "reservation_expired"


class InvalidTransition(EcommerceError):
    code = "illegal_transition"


class TransitionRefused(InvalidTransition):
    """A declared transition that a guard (a plugin's risk review, an approval step) refused."""

    code = "transition_refused"


class EmptyCart(EcommerceError):
    code = "empty_cart"


class PaymentError(EcommerceError):
    code = "payment_error"


class PaymentDeclined(PaymentError):
    code = "payment_declined"


class RefundExceedsCaptured(PaymentError):
    code = "refund_exceeds_captured"


class RefundExceedsSold(PaymentError):
    """More units of an order line, or its shipping, than were sold and not refunded yet."""

    code = "refund_exceeds_sold"


class InvalidSignature(PaymentError):
    code = "invalid_signature"


class ShippingError(EcommerceError):
    code = "shipping_error"


class PluginError(EcommerceError):
    code = "plugin_error"


class UnknownBackend(PluginError):
    code = "unknown_backend"


class TaxUnavailable(PluginError):
    """The external tax calculator failed and the shop's fallback is ``refuse``."""

    code = "tax_unavailable"


class OrderFlowInvalid(PluginError):
    """The order state machine, as the plugins composed it, is inconsistent (names the problem)."""

    code = "order_flow_invalid"


class StorageError(EcommerceError):
    code = "storage_error"


class StorageUnavailable(StorageError):
    code = "storage_unavailable"


class CorruptData(StorageError):
    """A stored row is in a state the domain forbids; it is reported, never silently fixed."""

    code = "corrupt_data"


class GroupBuyClosed(Conflict):
    """The group-buy campaign takes no joins now (not started, past its deadline, or failed)."""

    code = "group_buy_closed"


class GroupBuyFull(Conflict):
    """The group-buy campaign's last place was taken (its ``max_buyers`` joined)."""

    code = "group_buy_full"


class GroupBuyPending(Conflict):
    """The order joined a group-buy that has not succeeded: it does not ship until it does."""

    code = "group_buy_pending"


class PreorderNotReleased(Conflict):
    """A preorder's units cannot ship before their release (the level's ``available_from``)."""

    code = "preorder_not_released"
