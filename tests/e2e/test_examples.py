"""The examples do what the docs say: the template carrier ships an order, the WSGI shop sells one."""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import tomllib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest

from ecommerce_core import Principal, Shop, ShopSettings
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.orders import OrderStatus
from tests.support import ADDRESS, PASSWORD, World, plugin_manager, seed, seeded_shop

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TEMPLATE = EXAMPLES / "plugin_template"


# -- the third-party carrier template ---------------------------------------------------------
@pytest.fixture
def examplepost(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The template's plugin module, imported from its source folder: nothing is installed."""
    monkeypatch.syspath_prepend(str(TEMPLATE / "src"))
    return importlib.import_module("ecommerce_examplepost.plugin")


def test_the_template_declares_its_plugin_module_in_the_ecommerce_core_group() -> None:
    project = tomllib.loads((TEMPLATE / "pyproject.toml").read_text())
    target = project["project"]["entry-points"]["ecommerce_core"]["examplepost"]
    assert target == "ecommerce_examplepost.plugin"
    assert (TEMPLATE / "src" / Path(*target.split("."))).with_suffix(".py").is_file()


def test_an_order_ships_and_arrives_through_the_template_carrier(examplepost: ModuleType) -> None:
    clock = FixedClock()
    pm = plugin_manager(examplepost)
    shop = Shop.open(
        "memory://",
        settings=ShopSettings(password_hasher="argon2-floor"),
        plugin_manager=pm,
        clock=clock,
    )
    with shop:
        assert "examplepost" in shop.registry.names("carrier")
        world = seed(shop, clock)
        order = world.buy()
        shop.payments.pay(
            world.customer, order.id, payment_method="tok_visa", idempotency_key="pay-1"
        )
        shipment = shop.shipping.ship(world.admin, order.id, carrier="examplepost")
        assert shipment.carrier == "examplepost"
        assert shipment.tracking_number.startswith("EXP")

        clock.advance(timedelta(hours=30))
        (tracked,) = shop.shipping.track(world.customer, order.id)
        assert tracked.events[-1].status.value == "in_transit"
        assert shop.orders.get(world.customer, order.id).status is OrderStatus.SHIPPED

        clock.advance(timedelta(hours=19))
        (tracked,) = shop.shipping.track(world.customer, order.id)
        assert tracked.delivered
        assert shop.orders.complete(world.admin, order.id).status is OrderStatus.COMPLETED


# -- the WSGI shop ----------------------------------------------------------------------------
def _load_wsgi_shop() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wsgi_shop_example", EXAMPLES / "wsgi_shop.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Client:
    """Calls a WSGI app in-process, the way a server would, and decodes its JSON answers."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.token = ""

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
        raw = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "CONTENT_LENGTH": str(len(raw)),
            "wsgi.input": io.BytesIO(raw),
        }
        if self.token:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
        setup_testing_defaults(environ)
        seen: list[str] = []
        chunks = self.app(environ, lambda status, _headers: seen.append(status))
        return int(seen[0].split()[0]), json.loads(b"".join(chunks))


@pytest.fixture
def shop_world() -> Iterator[World]:
    with seeded_shop() as world:
        yield world


@pytest.fixture
def client(shop_world: World) -> Client:
    return Client(_load_wsgi_shop().WsgiShop(shop_world.shop))


def test_a_customer_buys_a_phone_through_the_wsgi_shop(client: Client) -> None:
    status, products = client.call("GET", "/products")
    assert status == 200
    assert "PX-128-BLK" in {v["sku"] for p in products for v in p["variants"]}

    status, body = client.call("POST", "/login", {"email": "li@example.com", "password": PASSWORD})
    assert status == 200
    client.token = body["token"]

    status, cart = client.call("POST", "/cart/items", {"sku": "PX-128-BLK", "quantity": 2})
    assert (status, cart["total"]["amount"]) == (200, 2 * 399900)

    status, order = client.call(
        "POST", "/orders", {"shipping_address": ADDRESS}, idempotency_key="web-1"
    )
    assert (status, order["status"]) == (201, "pending_payment")
    _, replay = client.call(
        "POST", "/orders", {"shipping_address": ADDRESS}, idempotency_key="web-1"
    )
    assert replay["id"] == order["id"]

    status, payment = client.call(
        "POST", f"/orders/{order['id']}/pay", {"payment_method": "tok_visa"}
    )
    assert (status, payment["status"]) == (200, "captured")
    status, paid = client.call("GET", f"/orders/{order['id']}")
    assert (status, paid["status"]) == (200, "paid")


def test_the_wsgi_shop_maps_error_codes_to_http_statuses(client: Client) -> None:
    status, body = client.call("POST", "/cart/items", {"sku": "PX-128-BLK"})
    assert (status, body["error"]["code"]) == (401, "permission_denied")

    status, body = client.call("POST", "/login", {"email": "li@example.com", "password": "nope"})
    assert (status, body["error"]["code"]) == (401, "authentication_failed")

    client.token = client.call("POST", "/login", {"email": "li@example.com", "password": PASSWORD})[
        1
    ]["token"]
    status, body = client.call("POST", "/cart/items", {"sku": "NO-SUCH-SKU"})
    assert (status, body["error"]["code"]) == (404, "unknown_sku")

    status, body = client.call(
        "POST", "/orders", {"shipping_address": ADDRESS}, idempotency_key="e"
    )
    assert (status, body["error"]["code"]) == (409, "empty_cart")

    client.call("POST", "/cart/items", {"sku": "PX-128-BLK", "quantity": 11})
    status, body = client.call(
        "POST", "/orders", {"shipping_address": ADDRESS}, idempotency_key="o"
    )
    assert (status, body["error"]["code"]) == (409, "out_of_stock")

    status, body = client.call("POST", "/cart/items", {"sku": "PX-128-BLK", "quantity": 0})
    assert (status, body["error"]["code"]) == (422, "invalid_input")

    status, body = client.call("POST", "/cart/items", b"{not json")
    assert (status, body["error"]["code"]) == (400, "invalid_json")

    status, body = client.call("GET", "/nowhere")
    assert status == 404


def test_the_wsgi_shop_seeds_an_empty_shop_once() -> None:
    module = _load_wsgi_shop()
    with Shop.open(
        "memory://",
        settings=ShopSettings(password_hasher="argon2-floor"),
        plugin_manager=plugin_manager(),
    ) as shop:
        module.seed_if_empty(shop)
        module.seed_if_empty(shop)
        products = shop.catalog.list_products(Principal.anonymous())
    assert sorted(p.slug for p in products) == ["case", "phone"]
