"""Every public call in the purchase path answers bad input with a typed error and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import pytest

from ecommerce_core import Money, Principal
from ecommerce_core.domain.errors import (
    AlreadyExists,
    EcommerceError,
    EmptyCart,
    InvalidInput,
    InvalidMoney,
    InvalidSignature,
    InvalidTransition,
    NotFound,
    RefundExceedsCaptured,
    UnknownBackend,
    UnknownSku,
    WeakPassword,
)
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Payment
from tests.services.harness import refused
from tests.support import ADDRESS, PASSWORD, World


@attrs.frozen
class Scene:
    """A customer with one paid order, one awaiting payment, and a cable in the cart."""

    w: World
    paid: Order
    payment: Payment
    pending: Order


@pytest.fixture
def scene(world: World) -> Scene:
    paid = world.buy(key="paid", PX_128_BLK=1)
    payment = world.shop.payments.pay(
        world.customer, paid.id, payment_method="tok_visa", idempotency_key="pay-paid"
    )
    pending = world.buy(key="pending", PX_256_WHT=1)
    world.shop.carts.add_item(world.customer, "CABLE-1M", 1)
    return Scene(world, paid, payment, pending)


def _address(**changes: object) -> dict[str, object]:
    return {**ADDRESS, **changes}


def _variant(**changes: object) -> dict[str, object]:
    return {"sku": "NEW-1", "price": Money.of("9.90", "CNY"), **changes}


Case = tuple[str, Callable[[Scene], Any], type[EcommerceError], str]
QUANTITIES = [0, -1, 1.5, True, "1", None, 10_000]

CASES: list[Case] = [
    # -- the cart --------------------------------------------------------------------------
    ("add unknown sku", lambda s: s.w.shop.carts.add_item(s.w.customer, "NOPE-1", 1), UnknownSku, "unknown_sku"),
    ("add malformed sku", lambda s: s.w.shop.carts.add_item(s.w.customer, "no such sku", 1), InvalidInput, "invalid_input"),
    ("add sku None", lambda s: s.w.shop.carts.add_item(s.w.customer, None, 1), InvalidInput, "invalid_input"),
    *[
        (f"add quantity {q!r}", lambda s, q=q: s.w.shop.carts.add_item(s.w.customer, "PX-128-BLK", q), InvalidInput, "invalid_input")
        for q in QUANTITIES
    ],
    ("add past the line maximum", lambda s: s.w.shop.carts.add_item(s.w.customer, "CABLE-1M", 9_999), InvalidInput, "invalid_input"),
    ("add with a locale that is not text", lambda s: s.w.shop.carts.add_item(s.w.customer, "PX-128-BLK", 1, locale=5), InvalidInput, "invalid_input"),
    *[
        (f"set quantity {q!r}", lambda s, q=q: s.w.shop.carts.set_quantity(s.w.customer, "CABLE-1M", q), InvalidInput, "invalid_input")
        for q in QUANTITIES
    ],
    ("set quantity of a sku not in the cart", lambda s: s.w.shop.carts.set_quantity(s.w.customer, "PX-128-BLK", 2), NotFound, "not_found"),
    ("remove a sku not in the cart", lambda s: s.w.shop.carts.remove_item(s.w.customer, "PX-128-BLK"), NotFound, "not_found"),
    ("remove sku None", lambda s: s.w.shop.carts.remove_item(s.w.customer, None), InvalidInput, "invalid_input"),
    # -- the catalog -------------------------------------------------------------------------
    ("get unknown sku", lambda s: s.w.shop.catalog.get_by_sku(s.w.customer, "NOPE-1"), UnknownSku, "unknown_sku"),
    ("get malformed sku", lambda s: s.w.shop.catalog.get_by_sku(s.w.customer, "a b"), InvalidInput, "invalid_input"),
    ("get unknown product", lambda s: s.w.shop.catalog.get_product(s.w.customer, "prd_nope"), NotFound, "not_found"),
    ("list an unknown category", lambda s: s.w.shop.catalog.list_products(s.w.customer, category_id="cat_nope"), NotFound, "not_found"),
    ("move an unknown category", lambda s: s.w.shop.catalog.move_category(s.w.admin, "cat_nope", parent_id=None), NotFound, "not_found"),
    ("move a category id None", lambda s: s.w.shop.catalog.move_category(s.w.admin, None, parent_id=None), NotFound, "not_found"),
    ("move a category under an unknown one", lambda s: s.w.shop.catalog.move_category(s.w.admin, s.w.phones.id, parent_id="cat_nope"), NotFound, "not_found"),
    ("move a category under itself", lambda s: s.w.shop.catalog.move_category(s.w.admin, s.w.phones.id, parent_id=s.w.phones.id), InvalidInput, "invalid_input"),
    ("move a category under one below it", lambda s: s.w.shop.catalog.move_category(s.w.admin, s.w.phones.parent_id, parent_id=s.w.phones.id), InvalidInput, "invalid_input"),
    *[
        (f"create product priced {price!r}", lambda s, price=price: s.w.shop.catalog.create_product(
            s.w.admin, slug="new", names="New", category_id=s.w.phones.id, variants=[_variant(price=price)]
        ), InvalidInput, "invalid_input")
        for price in [9.9, 990, "9.90", Decimal("9.90"), None, Money(-1, "CNY")]
    ],
    ("create product with a field no variant has", lambda s: s.w.shop.catalog.create_product(
        s.w.admin, slug="new", names="New", category_id=s.w.phones.id, variants=[_variant(stock=100)]
    ), InvalidInput, "invalid_input"),
    ("create product with variants None", lambda s: s.w.shop.catalog.create_product(
        s.w.admin, slug="new", names="New", category_id=s.w.phones.id, variants=None
    ), InvalidInput, "invalid_input"),
    ("create product with no variant", lambda s: s.w.shop.catalog.create_product(
        s.w.admin, slug="new", names="New", category_id=s.w.phones.id, variants=[]
    ), InvalidInput, "invalid_input"),
    ("create product with a sku already sold", lambda s: s.w.shop.catalog.create_product(
        s.w.admin, slug="new", names="New", category_id=s.w.phones.id, variants=[_variant(sku="CABLE-1M")]
    ), AlreadyExists, "already_exists"),
    ("create product in an unknown category", lambda s: s.w.shop.catalog.create_product(
        s.w.admin, slug="new", names="New", category_id="cat_nope", variants=[_variant()]
    ), NotFound, "not_found"),
    ("create product with a card number in its description", lambda s: s.w.shop.catalog.create_product(
        s.w.admin, slug="new", names="New", category_id=s.w.phones.id, variants=[_variant()],
        description="pay with 4111 1111 1111 1111",
    ), InvalidInput, "invalid_input"),
    # -- stock -------------------------------------------------------------------------------
    *[
        (f"receive quantity {q!r}", lambda s, q=q: s.w.shop.inventory.receive(s.w.admin, sku="PX-128-BLK", warehouse_id="sz", quantity=q), InvalidInput, "invalid_input")
        for q in QUANTITIES
    ],
    ("receive an unknown sku", lambda s: s.w.shop.inventory.receive(s.w.admin, sku="NOPE-1", warehouse_id="sz", quantity=1), UnknownSku, "unknown_sku"),
    ("receive into an unknown warehouse", lambda s: s.w.shop.inventory.receive(s.w.admin, sku="PX-128-BLK", warehouse_id="bj", quantity=1), NotFound, "not_found"),
    # -- promotions --------------------------------------------------------------------------
    ("promotion scoped to a string", lambda s: s.w.shop.promotions.create_percentage(s.w.admin, name="Sale", percent=10, skus="CABLE1M"), InvalidInput, "invalid_input"),
    ("promotion starting at an int", lambda s: s.w.shop.promotions.create_percentage(s.w.admin, name="Sale", percent=10, starts_at=5), InvalidInput, "invalid_input"),
    ("promotion of a float percent", lambda s: s.w.shop.promotions.create_percentage(s.w.admin, name="Sale", percent=9.5), InvalidInput, "invalid_input"),
    ("promotion over a hundred percent", lambda s: s.w.shop.promotions.create_percentage(s.w.admin, name="Sale", percent=150), InvalidInput, "invalid_input"),
    # -- checkout ----------------------------------------------------------------------------
    *[
        (f"place with key {key!r}", lambda s, key=key: s.w.shop.checkout.place_order(s.w.customer, idempotency_key=key, shipping_address=ADDRESS), InvalidInput, "invalid_input")
        for key in ["", "key with spaces", "k\n", None, 7, "k" * 65]
    ],
    *[
        (f"place with address {addr!r}"[:60], lambda s, addr=addr: s.w.shop.checkout.place_order(s.w.customer, idempotency_key="new", shipping_address=addr), InvalidInput, "invalid_input")
        for addr in [
            "1 Keyuan Road",
            None,
            [("name", "Li")],
            {},
            _address(city=""),
            _address(country="China"),
            _address(country=86),
            _address(is_admin=True),
            _address(line2="card 4111111111111111"),
        ]
    ],
    ("place with an empty cart", lambda s: s.w.shop.checkout.place_order(s.w.other, idempotency_key="new", shipping_address=ADDRESS), EmptyCart, "empty_cart"),
    # -- payments ----------------------------------------------------------------------------
    ("pay an unknown order", lambda s: s.w.shop.payments.pay(s.w.customer, "ord_nope", payment_method="tok_visa", idempotency_key="p"), NotFound, "not_found"),
    ("pay with method None", lambda s: s.w.shop.payments.pay(s.w.customer, s.pending.id, payment_method=None, idempotency_key="p"), InvalidInput, "invalid_input"),
    ("pay with a card number as method", lambda s: s.w.shop.payments.pay(s.w.customer, s.pending.id, payment_method="4111111111111111", idempotency_key="p"), InvalidInput, "invalid_input"),
    ("pay with a bad key", lambda s: s.w.shop.payments.pay(s.w.customer, s.pending.id, payment_method="tok_visa", idempotency_key="a b"), InvalidInput, "invalid_input"),
    ("pay through an unknown gateway", lambda s: s.w.shop.payments.pay(s.w.customer, s.pending.id, payment_method="tok_visa", idempotency_key="p", gateway="nope"), UnknownBackend, "unknown_backend"),
    ("pay an order already paid", lambda s: s.w.shop.payments.pay(s.w.customer, s.paid.id, payment_method="tok_visa", idempotency_key="again"), InvalidTransition, "illegal_transition"),
    *[
        (f"refund {amount!r}", lambda s, amount=amount: s.w.shop.payments.refund(s.w.admin, s.payment.id, amount=amount, idempotency_key="r"), InvalidInput, "invalid_input")
        for amount in [1.0, 100, "1.00", None, Money(0, "CNY"), Money(-100, "CNY"), Money(100, "JPY")]
    ],
    ("refund more than captured", lambda s: s.w.shop.payments.refund(s.w.admin, s.payment.id, amount=Money(399901, "CNY"), idempotency_key="r"), RefundExceedsCaptured, "refund_exceeds_captured"),
    ("refund an unknown payment", lambda s: s.w.shop.payments.refund(s.w.admin, "pay_nope", amount=Money(1, "CNY"), idempotency_key="r"), NotFound, "not_found"),
    ("refund with a bad key", lambda s: s.w.shop.payments.refund(s.w.admin, s.payment.id, amount=Money(1, "CNY"), idempotency_key=""), InvalidInput, "invalid_input"),
    ("notification body as text", lambda s: s.w.shop.payments.handle_notification("recorded", {}, "{}"), InvalidInput, "invalid_input"),
    ("notification without headers", lambda s: s.w.shop.payments.handle_notification("recorded", None, b"{}"), InvalidSignature, "invalid_signature"),
    ("notification with a numeric header", lambda s: s.w.shop.payments.handle_notification("recorded", {"Sandbox-Signature": 1}, b"{}"), InvalidSignature, "invalid_signature"),
    ("notification for an unknown gateway", lambda s: s.w.shop.payments.handle_notification("nope", {}, b"{}"), UnknownBackend, "unknown_backend"),
    # -- orders and shipping -----------------------------------------------------------------
    ("get an unknown order", lambda s: s.w.shop.orders.get(s.w.customer, "ord_nope"), NotFound, "not_found"),
    ("get order None", lambda s: s.w.shop.orders.get(s.w.customer, None), NotFound, "not_found"),
    ("get an unknown number", lambda s: s.w.shop.orders.get_by_number(s.w.customer, "20260101-NOPE"), NotFound, "not_found"),
    ("list with a text limit", lambda s: s.w.shop.orders.list(s.w.customer, limit="5"), InvalidInput, "invalid_input"),
    ("cancel with a reason that is not text", lambda s: s.w.shop.orders.cancel(s.w.customer, s.pending.id, reason=12345), InvalidInput, "invalid_input"),
    ("cancel with a card number as reason", lambda s: s.w.shop.orders.cancel(s.w.customer, s.pending.id, reason="refund to 4111111111111111"), InvalidInput, "invalid_input"),
    ("cancel a paid order", lambda s: s.w.shop.orders.cancel(s.w.admin, s.paid.id), InvalidTransition, "illegal_transition"),
    ("complete an unpaid order", lambda s: s.w.shop.orders.complete(s.w.admin, s.pending.id), InvalidTransition, "illegal_transition"),
    ("ship an unpaid order", lambda s: s.w.shop.shipping.ship(s.w.admin, s.pending.id), InvalidTransition, "illegal_transition"),
    ("ship with an unknown carrier", lambda s: s.w.shop.shipping.ship(s.w.admin, s.paid.id, carrier="nope"), UnknownBackend, "unknown_backend"),
    ("shipments of an order not shipped", lambda s: s.w.shop.shipping.shipments(s.w.customer, s.paid.id), NotFound, "not_found"),
    # -- accounts ----------------------------------------------------------------------------
    ("register a weak password", lambda s: s.w.shop.accounts.register(Principal.anonymous(), email="new@example.com", password="password1"), WeakPassword, "weak_password"),
    ("register a bad e-mail", lambda s: s.w.shop.accounts.register(Principal.anonymous(), email="new@", password=PASSWORD), InvalidInput, "invalid_input"),
    ("register a taken e-mail", lambda s: s.w.shop.accounts.register(Principal.anonymous(), email="LI@example.com", password=PASSWORD), AlreadyExists, "already_exists"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "call", "error", "code"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_typed_error_with_a_stable_code_and_changes_nothing(
    scene: Scene,
    name: str,
    call: Callable[[Scene], Any],
    error: type[EcommerceError],
    code: str,
) -> None:
    failure = refused(scene.w, error, code, lambda: call(scene))
    assert failure.message
    assert failure.to_dict()["code"] == code


def test_money_itself_refuses_a_float_before_any_service_sees_it() -> None:
    with pytest.raises(InvalidMoney):
        Money.of(9.9, "CNY")  # type: ignore[arg-type]


def test_an_address_object_is_as_good_as_a_mapping(world: World) -> None:
    from ecommerce_core.domain.orders import Address

    world.shop.carts.add_item(world.customer, "CABLE-1M", 1)
    order = world.shop.checkout.place_order(
        world.customer, idempotency_key="addr", shipping_address=Address(**ADDRESS)
    )
    assert order.shipping_address == Address(**ADDRESS)
