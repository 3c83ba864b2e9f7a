"""A sandbox carrier for ecommerce-core: tracking numbers and a scripted journey to the door."""

from ecommerce_sandboxship.carrier import SandboxCarrier

__all__ = ["SandboxCarrier"]
