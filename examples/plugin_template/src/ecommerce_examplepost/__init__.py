"""Example Post: a template carrier plugin for ecommerce-core (parcels arrive in two days)."""

from ecommerce_examplepost.carrier import ExamplePostCarrier
from ecommerce_examplepost.settings import ExamplePostSettings

__all__ = ["ExamplePostCarrier", "ExamplePostSettings"]
