"""A tiny JSON shop on the standard library's WSGI server, embedding ecommerce-core.

Run it with ``.venv/bin/python examples/wsgi_shop.py [--url sqlite:///wsgi-shop.db] [--port 8000]``,
then for example::

    curl localhost:8000/products
    curl -X POST localhost:8000/accounts -d '{"email": "li@example.com", "password": "a long passphrase"}'
    curl -X POST localhost:8000/login -d '{"email": "li@example.com", "password": "a long passphrase"}'
    curl -X POST localhost:8000/cart/items -H "Authorization: Bearer TOKEN" -d '{"sku": "PHONE-128", "quantity": 1}'
    curl -X POST localhost:8000/orders -H "Authorization: Bearer TOKEN" -H "Idempotency-Key: k1" \
         -d '{"shipping_address": {"name": "Li Lei", "line1": "1 Keyuan Road", "city": "Shenzhen", "postal_code": "518000", "country": "CN"}}'
    curl -X POST localhost:8000/orders/ORDER_ID/pay -H "Authorization: Bearer TOKEN" -d '{"payment_method": "tok_visa"}'

The web layer stays thin: it authenticates the request into a :class:`Principal`, calls one
service, and maps an error's ``code`` to an HTTP status (``HTTP_STATUS`` below).
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import make_server

from ecommerce_core import EcommerceError, Money, Principal, Shop
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Payment
from ecommerce_core.services.carts import CartView

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

# error code -> HTTP status; a code not listed is mapped through its parent class's code
HTTP_STATUS = {
    "invalid_input": 422,
    "not_found": 404,
    "authentication_failed": 401,
    "permission_denied": 403,
    "conflict": 409,
    "out_of_stock": 409,
    "reservation_expired": 409,
    "illegal_transition": 409,
    "empty_cart": 409,
    "payment_error": 402,
    "invalid_signature": 400,
    "shipping_error": 502,
    "plugin_error": 500,
    "storage_error": 500,
    "storage_unavailable": 503,
    "contention": 503,
}
REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Entity",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def http_status(error: EcommerceError, principal: Principal) -> int:
    if error.code == "permission_denied" and principal.id is None:
        return 401  # not logged in, rather than not allowed
    for cls in type(error).__mro__:
        if getattr(cls, "code", None) in HTTP_STATUS:
            return HTTP_STATUS[cls.code]  # type: ignore[attr-defined]
    return 500


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def money(value: Money) -> dict[str, Any]:
    return {**value.to_dict(), "display": str(value)}


def cart_json(view: CartView) -> dict[str, Any]:
    p = view.pricing
    lines = [
        {
            "sku": ln.sku,
            "name": view.names.get(ln.sku, ln.sku),
            "quantity": ln.quantity,
            "unit_price": money(ln.unit_price),
            "discount": money(ln.discount),
            "total": money(ln.total),
        }
        for ln in p.lines
    ]
    return {
        "lines": lines,
        "subtotal": money(p.subtotal),
        "discount": money(p.discount),
        "total": money(p.total),
    }


def order_json(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "status": str(order.status),
        "payment_status": order.payment_status.value,
        "fulfilment_status": order.fulfilment_status.value,
        "total": money(order.total),
        "discount": money(order.discount),
        "lines": [
            {"sku": ln.sku, "name": ln.name, "quantity": ln.quantity, "total": money(ln.total)}
            for ln in order.lines
        ],
    }


def payment_json(payment: Payment) -> dict[str, Any]:
    return {"id": payment.id, "status": payment.status.value, "amount": money(payment.amount)}


class WsgiShop:
    """The WSGI application. Sessions are bearer tokens kept in memory (one process, a demo)."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.sessions: dict[str, Principal] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        principal = self.principal(environ)
        try:
            status, body = self.route(environ, principal)
        except EcommerceError as error:
            status, body = http_status(error, principal), {"error": error.to_dict()}
        except HttpError as error:
            status, body = error.status, {"error": {"code": error.code, "message": error.message}}
        data = json.dumps(body, ensure_ascii=False, default=str).encode()
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(data))),
        ]
        start_response(f"{status} {REASONS.get(status, 'Error')}", headers)
        return [data]

    def principal(self, environ: dict[str, Any]) -> Principal:
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "bearer" and token in self.sessions:
            return self.sessions[token]
        return Principal.anonymous()

    @staticmethod
    def body(environ: dict[str, Any]) -> dict[str, Any]:
        text = environ.get("CONTENT_LENGTH") or "0"
        length = int(text) if text.isdigit() else -1
        if not 0 <= length <= 65_536:
            raise HttpError(400, "bad_length", "the body is missing its length or is too large")
        raw = environ["wsgi.input"].read(length) if length else b"{}"
        try:
            data = json.loads(raw)
        except ValueError:
            raise HttpError(400, "invalid_json", "the request body is not JSON") from None
        if not isinstance(data, dict):
            raise HttpError(400, "invalid_json", "the request body is a JSON object")
        return data

    def route(self, environ: dict[str, Any], who: Principal) -> tuple[int, Any]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        shop = self.shop
        if (method, path) == ("GET", "/products"):
            products = shop.catalog.list_products(who)
            return 200, [
                {
                    "id": p.id,
                    "names": p.names,
                    "variants": [
                        {"sku": v.sku, "attributes": v.attributes, "price": money(v.price)}
                        for v in p.variants
                    ],
                }
                for p in products
            ]
        if (method, path) == ("POST", "/accounts"):
            data = self.body(environ)
            account = shop.accounts.register(
                who, email=data.get("email"), password=data.get("password")
            )
            return 201, {"id": account.id, "email": account.email}
        if (method, path) == ("POST", "/login"):
            data = self.body(environ)
            token = secrets.token_urlsafe(32)
            self.sessions[token] = shop.accounts.login(data.get("email"), data.get("password"))
            return 200, {"token": token}
        if (method, path) == ("GET", "/cart"):
            return 200, cart_json(shop.carts.view(who))
        if (method, path) == ("POST", "/cart/items"):
            data = self.body(environ)
            view = shop.carts.add_item(who, data.get("sku"), data.get("quantity", 1))
            return 200, cart_json(view)
        if (method, path) == ("POST", "/orders"):
            data = self.body(environ)
            key = environ.get("HTTP_IDEMPOTENCY_KEY") or data.get("idempotency_key") or ""
            order = shop.checkout.place_order(
                who, idempotency_key=key, shipping_address=data.get("shipping_address") or {}
            )
            return 201, order_json(order)
        if match := re.fullmatch(r"/orders/([\w.:-]+)", path):
            if method != "GET":
                raise HttpError(405, "method_not_allowed", "use GET")
            return 200, order_json(shop.orders.get(who, match[1]))
        if match := re.fullmatch(r"/orders/([\w.:-]+)/pay", path):
            if method != "POST":
                raise HttpError(405, "method_not_allowed", "use POST")
            data = self.body(environ)
            payment = shop.payments.pay(
                who,
                match[1],
                payment_method=data.get("payment_method") or "",
                idempotency_key=environ.get("HTTP_IDEMPOTENCY_KEY") or f"pay-{match[1]}",
            )
            return 200, payment_json(payment)
        raise HttpError(404, "not_found", f"no route for {method} {path}")


def seed_if_empty(shop: Shop) -> None:
    """A two-product catalog, created by the system principal the first time the shop starts."""
    system = Principal.system()
    if shop.catalog.list_products(system):
        return
    phones = shop.catalog.create_category(
        system, slug="phones", names={"en": "Phones", "zh": "手机"}
    )
    shop.catalog.create_product(
        system,
        slug="phone",
        names={"en": "Phone", "zh": "手机"},
        category_id=phones.id,
        variants=[{"sku": "PHONE-128", "price": Money.of("2999.00", "CNY")}],
    )
    shop.catalog.create_product(
        system,
        slug="case",
        names={"en": "Phone case", "zh": "手机壳"},
        category_id=phones.id,
        variants=[{"sku": "CASE-1", "price": Money.of("59.00", "CNY")}],
    )
    shop.inventory.add_warehouse(system, id="main", name="Main warehouse")
    for sku in ("PHONE-128", "CASE-1"):
        shop.inventory.receive(system, sku=sku, warehouse_id="main", quantity=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="sqlite:///wsgi-shop.db")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    with Shop.open(args.url) as shop:
        seed_if_empty(shop)
        with make_server("127.0.0.1", args.port, WsgiShop(shop)) as server:
            print(f"serving {args.url} on http://127.0.0.1:{args.port}")
            server.serve_forever()


if __name__ == "__main__":
    main()
