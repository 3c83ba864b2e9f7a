"""The composition root: the one place that turns a URL and settings into a working shop."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import attrs
import pluggy

from ecommerce_core.defaults import RandomIds, SystemClock
from ecommerce_core.domain.errors import UnknownBackend
from ecommerce_core.domain.pricing import PricingEngine
from ecommerce_core.plugins import (
    Registry,
    allocation_strategy,
    build_registry,
    get_plugin_manager,
    order_flow,
    pricing_rules,
    tax_calculator,
)
from ecommerce_core.ports.events import EventPublisher
from ecommerce_core.ports.services import Clock, IdGenerator
from ecommerce_core.ports.storage import Storage
from ecommerce_core.services.accounts import AccountService
from ecommerce_core.services.aftersales import AfterSalesService
from ecommerce_core.services.backup import BackupService
from ecommerce_core.services.carts import CartService
from ecommerce_core.services.catalog import CatalogService
from ecommerce_core.services.checkout import CheckoutService
from ecommerce_core.services.complaints import ComplaintService
from ecommerce_core.services.context import ServiceContext, ShopSettings, carrier_rates
from ecommerce_core.services.events import EventService
from ecommerce_core.services.group_buy import GroupBuyService
from ecommerce_core.services.inventory import InventoryService
from ecommerce_core.services.loyalty import LoyaltyService
from ecommerce_core.services.orders import OrderService
from ecommerce_core.services.payments import PaymentService
from ecommerce_core.services.promotions import PromotionService
from ecommerce_core.services.shipping import ShippingService
from ecommerce_core.services.stocktakes import StocktakeService

__all__ = ["Shop"]


def _scheme(url: str) -> str:
    if not isinstance(url, str) or "://" not in url:
        raise UnknownBackend("a shop URL looks like sqlite:///shop.db or memory://", url=str(url))
    return url.split("://", 1)[0].split("+", 1)[0].lower()


class Shop:
    """A shop: its services, over one storage backend, with the installed plugins.

    ``Shop.open("sqlite:///shop.db")``; use it as a context manager, or call :meth:`close`.
    """

    def __init__(self, storage: Storage, ctx: ServiceContext, registry: Registry) -> None:
        self.storage = storage
        self.registry = registry
        self.settings = ctx.settings
        self.clock = ctx.clock
        self.catalog = CatalogService(ctx)
        self.inventory = InventoryService(ctx)
        self.stocktakes = StocktakeService(ctx)
        self.promotions = PromotionService(ctx)
        self.group_buys = GroupBuyService(ctx)
        self.carts = CartService(ctx)
        self.checkout = CheckoutService(ctx)
        self.orders = OrderService(ctx)
        self.payments = PaymentService(ctx)
        self.shipping = ShippingService(ctx)
        self.aftersales = AfterSalesService(ctx)
        self.complaints = ComplaintService(ctx)
        self.accounts = AccountService(ctx)
        self.loyalty = LoyaltyService(ctx)
        self.events = EventService(ctx)
        self.backup = BackupService(ctx)
        self._ctx = ctx

    @classmethod
    def open(
        cls,
        url: str,
        *,
        settings: ShopSettings | None = None,
        plugin_manager: pluggy.PluginManager | None = None,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        migrate: bool = True,
    ) -> Shop:
        """Open the shop stored at ``url``; the URL's scheme picks the storage plugin.

        :param url: ``sqlite:///shop.db``, ``postgresql+psycopg://...``, ``mysql+pymysql://...``,
            ``memory://``, or any scheme an installed plugin offers.
        :param settings: currency, reservation time to live, gateway and carrier settings.
        :param plugin_manager: defaults to every plugin installed in the ``ecommerce_core`` group.
        :param clock: defaults to the system clock (UTC).
        :param ids: defaults to random ids from the operating system's CSPRNG.
        :param migrate: bring the schema up to date before returning (default).
        """
        settings = settings or ShopSettings()
        pm = plugin_manager or get_plugin_manager()
        registry = build_registry(pm)
        flow = order_flow(registry)  # refused before any storage is opened
        policy = settings.pricing
        if settings.tax_calculator is not None:  # an external tax service replaces the rates
            calculator = tax_calculator(registry, settings.tax_calculator, settings.tax_calculators)
            policy = attrs.evolve(policy, tax=attrs.evolve(policy.tax, calculator=calculator))
        rating = settings.shipping_rates
        if rating is not None:  # a carrier's quotes are the shipping fees
            registry.get("carrier", rating)  # an unknown carrier is refused now
            policy = attrs.evolve(
                policy,
                shipping=carrier_rates(rating, lambda: ctx.carrier(rating), policy.shipping),
            )
        for name in sorted(settings.notifiers):  # an unknown notifier is refused now, not later
            registry.get("notifier", name)
        storage_offer = registry.get("storage", _scheme(url))
        hasher = registry.get("password_hasher", settings.password_hasher).factory()
        allocation = allocation_strategy(registry, settings.allocation_strategy)
        storage: Storage = storage_offer.factory(url, dict(settings.storage_options))
        try:
            if migrate:
                storage.migrate()
        except BaseException:
            storage.close()
            raise
        ctx = ServiceContext(
            storage=storage,
            clock=clock or SystemClock(),
            ids=ids or RandomIds(),
            hasher=hasher,
            settings=settings,
            pricing=PricingEngine(pricing_rules(registry), policy),
            gateway_factories={o.name: o.factory for o in registry.offers if o.kind == "gateway"},
            carrier_factories={o.name: o.factory for o in registry.offers if o.kind == "carrier"},
            order_flow=flow,
            allocation=allocation,
            notifier_factories={o.name: o.factory for o in registry.offers if o.kind == "notifier"},
        )
        return cls(storage, ctx, registry)

    def open_publisher(self, url: str) -> EventPublisher:
        """An event publisher for the outbox relay, from an installed plugin: ``redis://...``."""
        return self.registry.get("publisher", _scheme(url)).factory(url)  # type: ignore[no-any-return]

    def close(self) -> None:
        self.storage.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
