"""The ports: Protocols the core needs, implemented by adapters and plugins."""

from ecommerce_core.ports.gateways import (
    Carrier,
    GatewayOutcome,
    GatewayResult,
    PaymentGateway,
    PaymentRequest,
    ShipmentLabel,
    ShipmentRequest,
)
from ecommerce_core.ports.services import Clock, IdGenerator, PasswordHasher
from ecommerce_core.ports.storage import Storage, UnitOfWork

__all__ = [
    "Carrier",
    "Clock",
    "GatewayOutcome",
    "GatewayResult",
    "IdGenerator",
    "PasswordHasher",
    "PaymentGateway",
    "PaymentRequest",
    "ShipmentLabel",
    "ShipmentRequest",
    "Storage",
    "UnitOfWork",
]
