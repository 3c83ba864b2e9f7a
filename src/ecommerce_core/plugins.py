"""The plugin manager, built on demand, and the registry that registration hooks fill."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs
import pluggy

from ecommerce_core import hookspecs
from ecommerce_core.domain.allocation import AllocationStrategy, regional_allocation
from ecommerce_core.domain.errors import (
    InvalidInput,
    OrderFlowInvalid,
    PluginError,
    UnknownBackend,
)
from ecommerce_core.domain.order_flow import FlowBuilder, Guard, OrderFlow, Transition
from ecommerce_core.domain.orders import FulfilmentStatus, PaymentState
from ecommerce_core.domain.pricing import RuleRegistry, default_registry
from ecommerce_core.domain.pricing.registry import BenefitCompiler, ConditionCompiler
from ecommerce_core.domain.pricing.rules import STAGES
from ecommerce_core.domain.pricing.tax import TaxCalculator
from ecommerce_core.ports.events import EventPublisher
from ecommerce_core.ports.gateways import Carrier, PaymentGateway
from ecommerce_core.ports.notifications import Notifier
from ecommerce_core.ports.services import PasswordHasher
from ecommerce_core.ports.storage import Storage

__all__ = [
    "BUILTIN_ALLOCATION",
    "ENTRY_POINT_GROUP",
    "Offer",
    "Registry",
    "allocation_strategy",
    "build_registry",
    "get_plugin_manager",
    "order_flow",
    "pricing_rules",
    "tax_calculator",
]

ENTRY_POINT_GROUP = hookspecs.PROJECT

StorageFactory = Callable[[str, Mapping[str, Any]], Storage]
GatewayFactory = Callable[[Mapping[str, Any]], PaymentGateway]
CarrierFactory = Callable[[Mapping[str, Any]], Carrier]
HasherFactory = Callable[[], PasswordHasher]
PublisherFactory = Callable[[str], EventPublisher]
NotifierFactory = Callable[[Mapping[str, Any]], Notifier]
BUILTIN_ALLOCATION = "regional"
TaxCalculatorFactory = Callable[[Mapping[str, Any]], TaxCalculator]


@attrs.frozen
class Offer:
    """One thing a plugin provides: its kind, name, factory and which plugin offered it."""

    kind: str
    name: str
    factory: Callable[..., Any]
    plugin: str
    description: str = ""


@attrs.define
class Registry:
    """Filled by the registration hooks; the composition root reads it."""

    offers: list[Offer] = attrs.field(factory=list)
    current_plugin: str = "<unknown>"
    benefit_stages: dict[str, str] = attrs.field(factory=dict)
    #: the order state machine: the built-in table plus what plugins declared (built at open)
    order_flow_builder: FlowBuilder = attrs.field(factory=FlowBuilder)

    def _add(self, kind: str, name: str, factory: Callable[..., Any], description: str) -> None:
        if not callable(factory):
            raise PluginError(
                f"{self.current_plugin} offers a {kind} {name!r} that is not callable"
            )
        for offer in self.offers:
            if offer.kind == kind and offer.name == name:
                raise PluginError(
                    f"{kind} {name!r} is offered by both {offer.plugin} and {self.current_plugin}"
                )
        self.offers.append(Offer(kind, name, factory, self.current_plugin, description))

    def add_storage(
        self, schemes: Sequence[str], factory: StorageFactory, *, description: str = ""
    ) -> None:
        for scheme in schemes:
            self._add("storage", scheme, factory, description)

    def add_gateway(self, name: str, factory: GatewayFactory, *, description: str = "") -> None:
        self._add("gateway", name, factory, description)

    def add_carrier(self, name: str, factory: CarrierFactory, *, description: str = "") -> None:
        self._add("carrier", name, factory, description)

    def add_password_hasher(
        self, name: str, factory: HasherFactory, *, description: str = ""
    ) -> None:
        self._add("password_hasher", name, factory, description)

    def add_publisher(
        self, schemes: Sequence[str], factory: PublisherFactory, *, description: str = ""
    ) -> None:
        for scheme in schemes:
            self._add("publisher", scheme, factory, description)

    def add_tax_calculator(
        self, name: str, factory: TaxCalculatorFactory, *, description: str = ""
    ) -> None:
        """An external tax service: ``factory(settings)`` returns a
        :class:`ecommerce_core.domain.pricing.TaxCalculator`; a shop uses it when
        ``ShopSettings.tax_calculator`` names it (settings from ``ShopSettings.tax_calculators``)."""
        self._add("tax_calculator", name, factory, description)

    def add_pricing_condition(
        self, name: str, compile: ConditionCompiler, *, description: str = ""
    ) -> None:
        """A condition kind for promotions and coupons: ``compile(params)`` checks the parameters
        and returns ``check(view) -> Verdict | None`` (see :mod:`ecommerce_core.domain.pricing`)."""
        self._add("pricing_condition", name, compile, description)

    def add_pricing_benefit(
        self, name: str, compile: BenefitCompiler, *, stage: str, description: str = ""
    ) -> None:
        """A benefit kind: ``compile(params)`` returns ``give(view) -> Effect``; ``stage`` is one of
        ``item``, ``order``, ``gift``, ``shipping``, ``points``."""
        if stage not in STAGES:
            raise PluginError(
                f"{self.current_plugin} offers a benefit {name!r} for no stage {stage!r}"
            )
        self._add("pricing_benefit", name, compile, description)
        self.benefit_stages[name] = stage

    def add_order_state(self, name: str, *, terminal: bool = False) -> None:
        """A state orders can be in (a lower-case identifier); ``terminal`` ones have no way out."""
        with self._order_flow_part():
            self.order_flow_builder.add_state(name, terminal=terminal)

    def add_order_transition(
        self,
        source: str,
        action: str,
        target: str,
        *,
        payment: PaymentState | str | None = None,
        fulfilment: FulfilmentStatus | str | None = None,
        replace: bool = False,
    ) -> None:
        """``action`` moves an order from ``source`` to ``target`` (setting the payment or
        fulfilment status given); ``replace=True`` redirects a pair that is already declared."""
        with self._order_flow_part():
            try:
                pay = None if payment is None else PaymentState(payment)
                ful = None if fulfilment is None else FulfilmentStatus(fulfilment)
            except ValueError as exc:
                raise OrderFlowInvalid(f"no such sub-status: {exc}") from exc
            transition = Transition(str(source), str(action), str(target), pay, ful)
            self.order_flow_builder.add_transition(transition, replace=replace)

    def add_order_guard(self, action: str, guard: Guard, *, source: str | None = None) -> None:
        """``guard(order, transition)`` returns a reason to refuse ``action`` (from ``source``,
        or from any state), or None to allow it."""
        with self._order_flow_part():
            self.order_flow_builder.add_guard(action, guard, source=source)

    @contextlib.contextmanager
    def _order_flow_part(self) -> Iterator[None]:
        try:
            yield
        except OrderFlowInvalid as exc:
            raise OrderFlowInvalid(
                f"{self.current_plugin}: {exc.message}", plugin=self.current_plugin, **exc.details
            ) from exc

    def add_notifier(self, name: str, factory: NotifierFactory, *, description: str = "") -> None:
        """A notifier: ``factory(settings)`` returns a
        :class:`~ecommerce_core.ports.notifications.Notifier`."""
        self._add("notifier", name, factory, description)

    def add_allocation_strategy(
        self, name: str, strategy: AllocationStrategy, *, description: str = ""
    ) -> None:
        """A stock allocation strategy; ``regional`` is the built-in one's name."""
        if name == BUILTIN_ALLOCATION:
            raise PluginError(
                f"{self.current_plugin} offers an allocation strategy named {name!r}, "
                "the built-in one's name"
            )
        self._add("allocation_strategy", name, strategy, description)

    def names(self, kind: str) -> list[str]:
        return sorted(o.name for o in self.offers if o.kind == kind)

    def get(self, kind: str, name: str) -> Offer:
        for offer in self.offers:
            if offer.kind == kind and offer.name == name:
                return offer
        known = ", ".join(self.names(kind)) or "none"
        raise UnknownBackend(
            f"no installed plugin offers the {kind} {name!r} (installed: {known})",
            kind=kind,
            name=name,
        )


def get_plugin_manager(
    load_entrypoints: bool = True, plugins: Iterable[object] = ()
) -> pluggy.PluginManager:
    """A new plugin manager with the hook specs, ``plugins`` and (by default) every installed plugin.

    A plugin that implements a hook no spec declares (a misspelt name) fails here, loudly.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    try:
        # register() itself refuses a known hook taking arguments its spec does not declare
        for plugin in plugins:
            pm.register(plugin)
        if load_entrypoints:
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc)) from exc
    return pm


_REGISTRATION_HOOKS = (
    "ecommerce_core_register_storage",
    "ecommerce_core_register_gateways",
    "ecommerce_core_register_carriers",
    "ecommerce_core_register_security",
    "ecommerce_core_register_publishers",
    "ecommerce_core_register_pricing_rules",
    "ecommerce_core_register_order_flow",
    "ecommerce_core_register_notifiers",
    "ecommerce_core_register_allocation",
    "ecommerce_core_register_tax",
)


def pricing_rules(registry: Registry) -> RuleRegistry:
    """The built-in condition and benefit kinds and those the plugins offer.

    :raises PluginError: a plugin offers a kind whose name a built-in kind has.
    """
    rules = default_registry()
    try:
        for offer in registry.offers:
            if offer.kind == "pricing_condition":
                rules.add_condition(offer.name, offer.factory, offer.description)
            elif offer.kind == "pricing_benefit":
                stage = registry.benefit_stages[offer.name]
                rules.add_benefit(offer.name, offer.factory, stage, offer.description)
    except InvalidInput as exc:
        raise PluginError(
            f"a plugin's pricing rule clashes with a built-in one: {exc.message}"
        ) from exc
    return rules


def tax_calculator(
    registry: Registry, name: str, settings: Mapping[str, Mapping[str, Any]]
) -> TaxCalculator:
    """The tax calculator ``name`` a plugin offers, built with ``settings[name]``.

    :raises UnknownBackend: no plugin offers it. :raises PluginError: it cannot be set up.
    """
    offer = registry.get("tax_calculator", name)
    try:
        calculator: TaxCalculator = offer.factory(settings.get(name, {}))
    except (PluginError, InvalidInput):
        raise
    except Exception as exc:
        raise PluginError(f"the tax calculator {name!r} could not be set up: {exc}") from exc
    if not callable(getattr(calculator, "calculate", None)):
        raise PluginError(f"the tax calculator {name!r} has no calculate(query)", name=name)
    return calculator


def order_flow(registry: Registry) -> OrderFlow:
    """The order state machine with every plugin's states, transitions and guards, validated.

    :raises OrderFlowInvalid: names the problem (an unreachable state, a state that can never
        finish, a transition out of a terminal state, an unknown state).
    """
    return registry.order_flow_builder.build()


def allocation_strategy(registry: Registry, name: str) -> AllocationStrategy:
    """The strategy named ``name``: the built-in ``regional`` or one a plugin offers."""
    if name == BUILTIN_ALLOCATION:
        return regional_allocation
    strategy: AllocationStrategy = registry.get("allocation_strategy", name).factory
    return strategy


def build_registry(pm: pluggy.PluginManager) -> Registry:
    """Ask every registered plugin what it offers, remembering which plugin offered what."""
    registry = Registry()
    for hook_name in _REGISTRATION_HOOKS:
        caller = getattr(pm.hook, hook_name)
        for impl in caller.get_hookimpls():
            registry.current_plugin = impl.plugin_name
            impl.function(registry=registry)
    registry.current_plugin = "<unknown>"
    return registry
