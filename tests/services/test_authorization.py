"""Default deny: forbidden calls are refused and change nothing; another's order is not found."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest

from ecommerce_core import Money, Principal, Role
from ecommerce_core.domain.errors import NotFound, PermissionDenied
from ecommerce_core.domain.orders import OrderStatus
from tests.services.harness import refused
from tests.support import ADDRESS, PASSWORD, World

Call = Callable[[Any, Any], object]

STAFF_ONLY: dict[str, Call] = {
    "create a category": lambda w, p: w.shop.catalog.create_category(p, slug="new", names="New"),
    "move a category": lambda w, p: w.shop.catalog.move_category(p, w.phones.id, parent_id=None),
    "create a product": lambda w, p: w.shop.catalog.create_product(
        p,
        slug="cheap",
        names="Cheap",
        category_id=w.phones.id,
        variants=[{"sku": "CHEAP-1", "price": Money(1, "CNY")}],
    ),
    "add a warehouse": lambda w, p: w.shop.inventory.add_warehouse(p, id="bj", name="Beijing"),
    "receive stock": lambda w, p: w.shop.inventory.receive(
        p, sku="PX-128-BLK", warehouse_id="sz", quantity=100
    ),
    "read stock levels": lambda w, p: w.shop.inventory.levels(p),
    "create a promotion": lambda w, p: w.shop.promotions.create_percentage(
        p, name="All free", percent=100
    ),
    "refund": lambda w, p: w.shop.payments.refund(
        p, w.payment_id, amount=Money(399900, "CNY"), idempotency_key="r"
    ),
    "ship": lambda w, p: w.shop.shipping.ship(p, w.paid_id),
    "complete": lambda w, p: w.shop.orders.complete(p, w.paid_id),
    "create an admin": lambda w, p: w.shop.accounts.create_admin(
        p, email="mallory@example.com", password=PASSWORD
    ),
}

CUSTOMER_ONLY: dict[str, Call] = {
    "view a cart": lambda w, p: w.shop.carts.view(p),
    "add to a cart": lambda w, p: w.shop.carts.add_item(p, "PX-128-BLK", 1),
    "quote": lambda w, p: w.shop.checkout.quote(p),
    "place an order": lambda w, p: w.shop.checkout.place_order(
        p, idempotency_key="k", shipping_address=ADDRESS
    ),
    "pay": lambda w, p: w.shop.payments.pay(
        p, w.pending_id, payment_method="tok_visa", idempotency_key="p"
    ),
    "list orders": lambda w, p: w.shop.orders.list(p),
    "cancel": lambda w, p: w.shop.orders.cancel(p, w.pending_id),
    "track": lambda w, p: w.shop.shipping.track(p, w.paid_id),
}

ANYONE: dict[str, Call] = {
    "browse products": lambda w, p: w.shop.catalog.list_products(p),
    "register": lambda w, p: w.shop.accounts.register(
        p, email="eve@example.com", password=PASSWORD
    ),
}


class NotAPrincipal:
    """Looks like a principal and claims everything; the core must not be fooled by the shape."""

    id = "system"
    role = Role.SYSTEM
    is_staff = True

    def can(self, permission: object) -> bool:
        return True


IMPOSTORS = [None, "admin", {"id": "system", "role": "system"}, NotAPrincipal()]


@attrs.define
class Shopfront(World):
    """The world with a paid order (and its payment) and an order awaiting payment."""

    paid_id: str = ""
    payment_id: str = ""
    pending_id: str = ""


@pytest.fixture
def w(world: World) -> Shopfront:
    paid = world.buy(key="paid", PX_128_BLK=1)
    payment = world.shop.payments.pay(
        world.customer, paid.id, payment_method="tok_visa", idempotency_key="pay"
    )
    pending = world.buy(key="pending", CABLE_1M=1)
    return Shopfront(
        **attrs.asdict(world, recurse=False),
        paid_id=paid.id,
        payment_id=payment.id,
        pending_id=pending.id,
    )


@pytest.mark.parametrize("action", sorted(STAFF_ONLY))
def test_a_customer_cannot_do_what_only_staff_may(w: Shopfront, action: str) -> None:
    refused(w, PermissionDenied, "permission_denied", lambda: STAFF_ONLY[action](w, w.customer))


@pytest.mark.parametrize("action", sorted(STAFF_ONLY) + sorted(CUSTOMER_ONLY))
def test_an_anonymous_visitor_cannot_shop_or_manage(w: Shopfront, action: str) -> None:
    call = {**STAFF_ONLY, **CUSTOMER_ONLY}[action]
    refused(w, PermissionDenied, "permission_denied", lambda: call(w, Principal.anonymous()))


@pytest.mark.parametrize("impostor", IMPOSTORS, ids=repr)
@pytest.mark.parametrize("action", sorted(STAFF_ONLY) + sorted(CUSTOMER_ONLY) + sorted(ANYONE))
def test_anything_but_a_principal_is_refused_everywhere(
    w: World, action: str, impostor: object
) -> None:
    call = {**STAFF_ONLY, **CUSTOMER_ONLY, **ANYONE}[action]
    refused(w, PermissionDenied, "permission_denied", lambda: call(w, impostor))


def test_a_customer_cannot_cancel_a_paid_order_even_their_own(w: Shopfront) -> None:
    refused(
        w,
        PermissionDenied,
        "permission_denied",
        lambda: w.shop.orders.cancel(w.customer, w.paid_id),
    )


# -- another customer's order is not found ---------------------------------------------------
PEEKS: dict[str, Callable[[Any, str, str], object]] = {
    "get": lambda w, oid, number: w.shop.orders.get(w.other, oid),
    "get by number": lambda w, oid, number: w.shop.orders.get_by_number(w.other, number),
    "pay": lambda w, oid, number: w.shop.payments.pay(
        w.other, oid, payment_method="tok_visa", idempotency_key="steal"
    ),
    "track": lambda w, oid, number: w.shop.shipping.track(w.other, oid),
    "shipments": lambda w, oid, number: w.shop.shipping.shipments(w.other, oid),
    "payments": lambda w, oid, number: w.shop.payments.list_for_order(w.other, oid),
    "cancel": lambda w, oid, number: w.shop.orders.cancel(w.other, oid),
}


@pytest.mark.parametrize("action", sorted(PEEKS))
@pytest.mark.parametrize("which", ["pending", "paid"])
def test_another_customers_order_is_simply_not_found(w: Shopfront, action: str, which: str) -> None:
    order = w.shop.orders.get(w.customer, getattr(w, f"{which}_id"))
    error = refused(w, NotFound, "not_found", lambda: PEEKS[action](w, order.id, order.number))
    # the answer is the one for an order that does not exist at all
    missing = refused(w, NotFound, "not_found", lambda: PEEKS[action](w, "ord_nope", "2026-NOPE"))
    assert error.message == missing.message


def test_each_customer_lists_only_their_own_orders_and_staff_list_all(w: Shopfront) -> None:
    theirs = w.buy(w.other, key="theirs", CABLE_1M=1)
    mine = {o.id for o in w.shop.orders.list(w.customer)}
    assert mine == {w.paid_id, w.pending_id}
    assert {o.id for o in w.shop.orders.list(w.other)} == {theirs.id}
    assert {o.id for o in w.shop.orders.list(w.admin)} == mine | {theirs.id}


def test_staff_see_any_order(w: Shopfront) -> None:
    assert w.shop.orders.get(w.admin, w.pending_id).status is OrderStatus.PENDING_PAYMENT


def test_another_customers_account_is_not_found(w: Shopfront) -> None:
    refused(w, NotFound, "not_found", lambda: w.shop.accounts.get(w.customer, w.other.id))
    assert w.shop.accounts.get(w.customer, w.customer.id).email == "li@example.com"
