"""The plugin system: misspelt hooks fail loudly, inline plugins work like installed ones,
names are unique, unknown backends are typed errors, and every hook is documented."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest

from ecommerce_core import Shop, ShopSettings, hookimpl, hookspecs
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.errors import PluginError, UnknownBackend
from ecommerce_core.domain.payments import PaymentStatus
from ecommerce_core.plugins import ENTRY_POINT_GROUP, Registry, build_registry, get_plugin_manager
from ecommerce_sandboxpay import SandboxGateway
from tests.support import BUILTINS, plugin_manager, seed

DOCS = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"
HOOKS = sorted(
    name
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, f"{hookspecs.PROJECT}_spec")
)
BUILTIN_ENTRY_POINTS = {"memory", "sqlalchemy", "crypto", "sandboxpay", "sandboxship"}


class TestPayPlugin:
    """A third party's gateway, written inline as a test plugin."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self) -> None:
        self.gateway = SandboxGateway()
        self.opened_with: list[dict[str, Any]] = []

    @hookimpl
    def ecommerce_core_register_gateways(self, registry: Registry) -> None:
        registry.add_gateway("testpay", self._open, description="a gateway from a test")

    def _open(self, settings: Any) -> SandboxGateway:
        self.opened_with.append(dict(settings))
        return self.gateway


@pytest.fixture
def testpay() -> Iterator[tuple[pluggy.PluginManager, TestPayPlugin]]:
    pm = plugin_manager()
    plugin = TestPayPlugin()
    pm.register(plugin, name="ecommerce-testpay")
    yield pm, plugin
    pm.unregister(name="ecommerce-testpay")
    assert not pm.has_plugin("ecommerce-testpay")


def test_hook_names_carry_the_project_prefix_and_a_rest_docstring() -> None:
    assert HOOKS, "no hook specifications found"
    for name in HOOKS:
        assert name.startswith("ecommerce_core_")
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert ":param registry:" in doc, name


def test_a_misspelt_hook_fails_loudly() -> None:
    class Misspelt:
        @hookimpl
        def ecommerce_core_register_gateway(self, registry: Registry) -> None:  # no trailing s
            raise AssertionError("never called")

    with pytest.raises(PluginError) as caught:
        get_plugin_manager(load_entrypoints=False, plugins=[Misspelt()])
    assert caught.value.code == "plugin_error"
    assert "ecommerce_core_register_gateway" in caught.value.message


def test_a_hook_with_a_wrong_argument_name_fails_loudly() -> None:
    class WrongArgument:
        @hookimpl
        def ecommerce_core_register_gateways(self, registry: Registry, extra: int) -> None:
            raise AssertionError("never called")

    with pytest.raises(PluginError):
        get_plugin_manager(load_entrypoints=False, plugins=[WrongArgument()])


def test_an_inline_plugin_gateway_is_usable_from_shop_open_and_listed_with_its_name(
    testpay: tuple[pluggy.PluginManager, TestPayPlugin],
) -> None:
    pm, plugin = testpay
    clock = FixedClock()
    settings = ShopSettings(
        password_hasher="argon2-floor",
        default_gateway="testpay",
        gateways={"testpay": {"merchant": "m-1"}},
    )
    with Shop.open("memory://", settings=settings, plugin_manager=pm, clock=clock) as shop:
        offer = shop.registry.get("gateway", "testpay")
        assert (offer.plugin, offer.description) == ("ecommerce-testpay", "a gateway from a test")
        assert "testpay" in shop.registry.names("gateway")
        world = seed(shop, clock)
        order = world.buy()
        payment = shop.payments.pay(
            world.customer, order.id, payment_method="tok_visa", idempotency_key="p"
        )
    assert (payment.gateway, payment.status) == ("testpay", PaymentStatus.CAPTURED)
    assert plugin.gateway.calls == [("authorize", f"{payment.id}:authorize")]
    assert plugin.opened_with == [{"merchant": "m-1"}]  # its own settings, once


def test_the_built_in_plugins_are_listed_under_their_module_names() -> None:
    registry = build_registry(plugin_manager())
    plugins = {(o.kind, o.name): o.plugin for o in registry.offers}
    assert plugins[("storage", "memory")] == "ecommerce_memory.plugin"
    assert plugins[("gateway", "sandbox")] == "ecommerce_sandboxpay.plugin"
    assert plugins[("carrier", "sandbox")] == "ecommerce_sandboxship.plugin"
    assert plugins[("password_hasher", "argon2")] == "ecommerce_crypto.plugin"


def test_two_plugins_offering_one_name_is_a_plugin_error() -> None:
    class Impostor:
        @hookimpl
        def ecommerce_core_register_gateways(self, registry: Registry) -> None:
            registry.add_gateway("sandbox", SandboxGateway)

    pm = plugin_manager()
    pm.register(Impostor(), name="impostor")
    with pytest.raises(PluginError) as caught:
        Shop.open("memory://", plugin_manager=pm)
    assert "ecommerce_sandboxpay.plugin" in caught.value.message
    assert "impostor" in caught.value.message


def test_a_factory_that_is_not_callable_is_a_plugin_error() -> None:
    class Broken:
        @hookimpl
        def ecommerce_core_register_carriers(self, registry: Registry) -> None:
            registry.add_carrier("broken", "not a factory")  # type: ignore[arg-type]

    pm = plugin_manager()
    pm.register(Broken(), name="broken")
    with pytest.raises(PluginError):
        build_registry(pm)


def test_every_hook_is_asked_when_the_registry_is_built() -> None:
    asked: list[str] = []

    class Everything:
        pass

    for name in HOOKS:

        def impl(self: object, registry: Registry, _name: str = name) -> None:
            asked.append(_name)

        impl.__name__ = name
        setattr(Everything, name, hookimpl(impl))
    pm = get_plugin_manager(load_entrypoints=False, plugins=[Everything()])
    build_registry(pm)
    assert sorted(asked) == HOOKS


@pytest.mark.parametrize(
    "url", ["nosuch://x", "mongodb+srv://cluster/shop", "memory", "", "shop.db", None]
)
def test_an_unknown_storage_scheme_is_unknown_backend(url: Any) -> None:
    with pytest.raises(UnknownBackend) as caught:
        Shop.open(url, plugin_manager=plugin_manager())
    assert caught.value.code == "unknown_backend"


def test_an_unknown_password_hasher_is_unknown_backend() -> None:
    with pytest.raises(UnknownBackend) as caught:
        Shop.open(
            "memory://",
            settings=ShopSettings(password_hasher="md5"),
            plugin_manager=plugin_manager(),
        )
    assert "argon2" in caught.value.message  # says what is installed


def test_the_entry_point_group_loads_every_built_in_plugin() -> None:
    pm = get_plugin_manager()  # load_entrypoints=True: what a real installation does
    names = {name for name, _ in pm.list_name_plugin()}
    assert names >= BUILTIN_ENTRY_POINTS
    assert ENTRY_POINT_GROUP == "ecommerce_core"
    registry = build_registry(pm)
    assert {"memory", "sqlite"} <= set(registry.names("storage"))
    assert "sandbox" in registry.names("gateway")


def test_the_test_helpers_register_exactly_the_built_ins() -> None:
    registered = {plugin for _, plugin in plugin_manager().list_name_plugin()}
    assert set(BUILTINS) <= registered


def test_every_hook_is_documented_by_its_exact_name() -> None:
    assert DOCS.is_file(), "docs/plugins.md documents the hooks"
    text = DOCS.read_text("utf-8")
    missing = [name for name in HOOKS if f"`{name}" not in text]
    assert missing == []
