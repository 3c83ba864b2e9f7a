"""What every use case needs, built once by the composition root and shared by the services."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, TypeVar

import attrs

from ecommerce_core.domain.allocation import AllocationStrategy, regional_allocation
from ecommerce_core.domain.catalog import Product
from ecommerce_core.domain.errors import EcommerceError, PluginError, ShippingError, UnknownBackend
from ecommerce_core.domain.money import exponent_of
from ecommerce_core.domain.order_flow import DEFAULT_FLOW, OrderFlow
from ecommerce_core.domain.pricing import (
    CarrierRates,
    PriceableItem,
    PricingEngine,
    PricingPolicy,
    RateQuote,
    RateRequest,
    ShippingFees,
    ShippingTable,
)
from ecommerce_core.ports.gateways import Carrier, PaymentGateway
from ecommerce_core.ports.notifications import Notifier
from ecommerce_core.ports.services import Clock, IdGenerator, PasswordHasher
from ecommerce_core.ports.storage import Storage, UnitOfWork
from ecommerce_core.services.catalogue_cache import Catalogue, CatalogueCache

__all__ = ["ServiceContext", "ShopSettings", "carrier_rates", "priceable_items"]

T = TypeVar("T")


def _currency(value: str) -> str:
    exponent_of(value.upper())
    return value.upper()


@attrs.frozen
class ShopSettings:
    """How a shop behaves. Secrets in ``gateways`` and ``carriers`` are never printed."""

    currency: str = attrs.field(default="CNY", converter=_currency)
    reservation_ttl: timedelta = timedelta(minutes=30)
    #: a delivered order is completed this long after delivery (after its last change, if later)
    #: by ``shop.orders.complete_delivered`` (run by ``ecommerce worker``); None: never automatically
    auto_complete_after: timedelta | None = timedelta(days=7)
    default_gateway: str = "sandbox"
    default_carrier: str = "sandbox"
    contention_retries: int = 3
    password_hasher: str = "argon2"  # noqa: S105 (a name, not a secret)
    gateways: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict, repr=False)
    carriers: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict, repr=False)
    storage_options: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    #: the notifiers to deliver events to, by name, with each one's settings (docs/inventory.md)
    notifiers: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict, repr=False)
    #: which warehouses give an order's stock: the built-in ``regional`` or a plugin's strategy
    allocation_strategy: str = "regional"
    #: price lists, tax rates, the shipping fee table, points and the coupon limit
    pricing: PricingPolicy = attrs.field(factory=PricingPolicy)
    #: an external tax service a plugin offers (``registry.add_tax_calculator``), replacing the
    #: rates of ``pricing.tax``; ``pricing.tax.fallback`` says what happens when it fails
    tax_calculator: str | None = None
    #: a carrier whose rate quotes are the shipping fees (``None``: the ``pricing.shipping``
    #: table, which also prices a parcel the carrier cannot quote)
    shipping_rates: str | None = None
    tax_calculators: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict, repr=False)


@attrs.define
class ServiceContext:
    storage: Storage
    clock: Clock
    ids: IdGenerator
    hasher: PasswordHasher
    settings: ShopSettings
    pricing: PricingEngine
    gateway_factories: Mapping[str, Callable[[Mapping[str, Any]], PaymentGateway]]
    carrier_factories: Mapping[str, Callable[[Mapping[str, Any]], Carrier]]
    #: the order state machine: the built-in table plus what plugins declared, validated
    order_flow: OrderFlow = DEFAULT_FLOW
    allocation: AllocationStrategy = regional_allocation
    notifier_factories: Mapping[str, Callable[[Mapping[str, Any]], Notifier]] = attrs.field(
        factory=dict
    )
    #: this shop's promotions and their index, category tree and warehouses, under the storage's
    #: catalogue version (services/catalogue_cache.py)
    catalogue: CatalogueCache = attrs.field(factory=CatalogueCache)
    _gateways: dict[str, PaymentGateway] = attrs.field(factory=dict)
    _notifiers: dict[str, Notifier] = attrs.field(factory=dict)
    _carriers: dict[str, Carrier] = attrs.field(factory=dict)

    def uow(self) -> UnitOfWork:
        return self.storage.unit_of_work()

    def gateway(self, name: str) -> PaymentGateway:
        if name not in self._gateways:
            if name not in self.gateway_factories:
                raise UnknownBackend(f"no payment gateway named {name!r} is installed", name=name)
            self._gateways[name] = _build(
                "payment gateway", name, self.gateway_factories[name], self.settings.gateways
            )
        return self._gateways[name]

    def notifier(self, name: str) -> Notifier:
        if name not in self._notifiers:
            if name not in self.notifier_factories:
                raise UnknownBackend(f"no notifier named {name!r} is installed", name=name)
            self._notifiers[name] = _build(
                "notifier", name, self.notifier_factories[name], self.settings.notifiers
            )
        return self._notifiers[name]

    def carrier(self, name: str) -> Carrier:
        if name not in self._carriers:
            if name not in self.carrier_factories:
                raise UnknownBackend(f"no carrier named {name!r} is installed", name=name)
            self._carriers[name] = _build(
                "carrier", name, self.carrier_factories[name], self.settings.carriers
            )
        return self._carriers[name]


def _build(
    kind: str,
    name: str,
    factory: Callable[[Mapping[str, Any]], T],
    settings: Mapping[str, Mapping[str, Any]],
) -> T:
    """A plugin's object from its settings; a plugin's own complaint becomes a PluginError."""
    try:
        return factory(settings.get(name, {}))
    except EcommerceError:
        raise
    except Exception as exc:
        raise PluginError(f"the {kind} {name!r} could not be set up: {exc}", name=name) from exc


def carrier_rates(
    name: str, carrier: Callable[[], Carrier], fallback: ShippingFees
) -> CarrierRates:
    """Shipping fees from the carrier ``name``'s rate quotes (built on first use); the shop's
    table prices what it cannot quote, and its ``free_over`` thresholds are not used."""

    def quote(request: RateRequest) -> RateQuote:
        rate = getattr(carrier(), "rate", None)
        if rate is None:
            raise ShippingError(f"the carrier {name!r} does not quote rates")
        answer: RateQuote = rate(request)
        return answer

    table = fallback if isinstance(fallback, ShippingTable) else ShippingTable()
    return CarrierRates(name, quote, table)


def priceable_items(
    catalogue: Catalogue, quantities: Mapping[str, int], products: Mapping[str, Product]
) -> list[PriceableItem]:
    """Cart quantities joined with list prices and category ancestry, ready for the engine (the
    ancestry from the shop's cached category tree, read only when the catalogue changed)."""
    ancestry = catalogue.ancestries({products[sku].category_id for sku in quantities})
    items = []
    for sku, quantity in quantities.items():
        product = products[sku]
        items.append(
            PriceableItem(
                sku=sku,
                quantity=quantity,
                unit_price=product.variant(sku).price,
                category_ids=ancestry[product.category_id],
                product_id=product.id,
                brand=product.brand,
                weight_grams=product.variant(sku).weight_grams,
            )
        )
    return items
