"""The hook specifications every ecommerce-core plugin implements a subset of.

Plugins are discovered from the ``ecommerce_core`` entry-point group; the built-in adapters and
plugins register through that same group. Each registration hook receives a
:class:`ecommerce_core.plugins.Registry` and adds factories to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from ecommerce_core.plugins import Registry

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "ecommerce_core"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def ecommerce_core_register_storage(registry: Registry) -> None:
    """Offer storage backends, each for one or more URL schemes.

    :param registry: call ``registry.add_storage(schemes, factory, description=...)`` where
        ``factory(url, options)`` returns a :class:`ecommerce_core.ports.storage.Storage`.
        ``Shop.open(url)`` picks the backend by the URL's scheme (the part before ``+``).
    """


@hookspec
def ecommerce_core_register_gateways(registry: Registry) -> None:
    """Offer payment gateways.

    :param registry: call ``registry.add_gateway(name, factory, description=...)`` where
        ``factory(settings)`` takes the gateway's settings mapping from ``ShopSettings.gateways``
        and returns a :class:`ecommerce_core.ports.gateways.PaymentGateway`.
    """


@hookspec
def ecommerce_core_register_carriers(registry: Registry) -> None:
    """Offer carriers.

    :param registry: call ``registry.add_carrier(name, factory, description=...)`` where
        ``factory(settings)`` returns a :class:`ecommerce_core.ports.gateways.Carrier`.
    """


@hookspec
def ecommerce_core_register_security(registry: Registry) -> None:
    """Offer security primitives: password hashers.

    :param registry: call ``registry.add_password_hasher(name, factory, description=...)`` where
        ``factory()`` returns a :class:`ecommerce_core.ports.services.PasswordHasher`.
    """


@hookspec
def ecommerce_core_register_publishers(registry: Registry) -> None:
    """Offer event publishers, the brokers the outbox relay can send events to.

    :param registry: call ``registry.add_publisher(schemes, factory, description=...)`` where
        ``factory(url)`` returns a :class:`ecommerce_core.ports.events.EventPublisher`;
        ``Shop.open_publisher(url)`` picks the factory by the URL's scheme.
    """


@hookspec
def ecommerce_core_register_pricing_rules(registry: Registry) -> None:
    """Offer condition and benefit kinds for promotions and coupons.

    :param registry: call ``registry.add_pricing_condition(name, compile, description=...)``
        (``compile(params)`` returns ``check(view) -> Verdict | None``) and
        ``registry.add_pricing_benefit(name, compile, stage=..., description=...)``
        (``compile(params)`` returns ``give(view) -> Effect``; ``stage`` is one of ``item``,
        ``order``, ``gift``, ``shipping``, ``points``). A name a built-in kind has is refused.
    """


@hookspec
def ecommerce_core_register_order_flow(registry: Registry) -> None:
    """Extend the order state machine: states, transitions and guards.

    :param registry: call ``registry.add_order_state(name, terminal=False)``,
        ``registry.add_order_transition(source, action, target, payment=None, fulfilment=None,
        replace=False)`` (``replace=True`` redirects a built-in pair, e.g. ``pay`` into a review
        state) and ``registry.add_order_guard(action, guard, source=None)`` where
        ``guard(order, transition)`` returns a reason to refuse, or None. The composed machine is
        validated when the shop opens; an inconsistent one is ``OrderFlowInvalid``.
    """


@hookspec
def ecommerce_core_register_notifiers(registry: Registry) -> None:
    """Offer notifiers: e-mail, SMS, chat or in-app messages about events (low stock, ...).

    :param registry: call ``registry.add_notifier(name, factory, description=...)`` where
        ``factory(settings)`` takes the notifier's settings from ``ShopSettings.notifiers`` and
        returns a :class:`ecommerce_core.ports.notifications.Notifier`. The shop delivers to the
        notifiers named in ``ShopSettings.notifiers`` (``shop.events.notify``, run by
        ``ecommerce worker``) every committed event whose name is in the notifier's ``topics``.
    """


@hookspec
def ecommerce_core_register_allocation(registry: Registry) -> None:
    """Offer stock allocation strategies: which warehouses give how many units of an order.

    :param registry: call ``registry.add_allocation_strategy(name, strategy, description=...)``
        where ``strategy(request)`` takes an
        :class:`ecommerce_core.domain.allocation.AllocationRequest` and returns
        ``ReservationLine``s. ``ShopSettings.allocation_strategy`` names the one a shop uses
        (default: the built-in ``regional``). The answer is checked before any stock is held: it
        must give exactly the demand, from levels with that much available.
    """


@hookspec
def ecommerce_core_register_tax(registry: Registry) -> None:
    """Offer tax calculators: external tax services that replace the built-in rates.

    :param registry: call ``registry.add_tax_calculator(name, factory, description=...)`` where
        ``factory(settings)`` (settings from ``ShopSettings.tax_calculators[name]``) returns a
        :class:`ecommerce_core.domain.pricing.TaxCalculator`: ``name`` and
        ``calculate(query: TaxQuery) -> TaxAnswer``. A shop uses it when
        ``ShopSettings.tax_calculator`` names it. When it raises (or answers for other lines, or
        with a negative tax), ``TaxPolicy.fallback`` decides: ``table`` prices with the shop's
        rates (``PriceBreakdown.tax_source == "table_fallback"``), ``refuse`` raises
        ``TaxUnavailable``.
    """
