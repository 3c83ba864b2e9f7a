"""Cart use cases: one open cart per customer, priced live on every read."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ecommerce_core.domain.cart import Cart
from ecommerce_core.domain.catalog import Product
from ecommerce_core.domain.errors import CurrencyMismatch, UnknownSku
from ecommerce_core.domain.pricing import PriceBreakdown
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.quotes import price_for
from ecommerce_core.services.retry import retry_on_contention

__all__ = ["CartService", "CartView"]


@attrs.frozen
class CartView:
    """The cart with its live prices and the display name of each SKU."""

    cart: Cart
    pricing: PriceBreakdown
    names: Mapping[str, str]

    @property
    def id(self) -> str:
        return self.cart.id


def _customer(principal: Principal) -> str:
    require(principal, Permission.CART_USE)
    assert principal.id is not None  # a principal with CART_USE is a customer
    return principal.id


class CartService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def view(self, principal: Principal, locale: str = "en") -> CartView:
        """The customer's cart (an empty one when there is none yet)."""
        customer_id = _customer(principal)
        with self._ctx.uow() as uow:
            return self._view(uow, self._load(uow, customer_id, lock=False), locale)

    @retry_on_contention
    def add_item(
        self, principal: Principal, sku: str, quantity: int = 1, locale: str = "en"
    ) -> CartView:
        customer_id = _customer(principal)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            cart = self._load(uow, customer_id)
            updated = cart.with_item(sku, quantity, now)
            code = updated.lines[-1].sku  # the SKU added, as the cart normalised it
            # the products of the whole cart, read once: to check the new one and to price all
            products = uow.products.get_by_skus(line.sku for line in updated.lines)
            product = products.get(code)
            if product is None or not product.active:
                raise UnknownSku(f"no product has the SKU {code}", sku=code)
            if product.currency != cart.currency:
                raise CurrencyMismatch(
                    f"this shop sells in {cart.currency}; that item is priced in {product.currency}"
                )
            view = self._view(uow, updated, locale, products)
            uow.carts.save(updated)
            uow.commit()
        return view

    @retry_on_contention
    def set_quantity(
        self, principal: Principal, sku: str, quantity: int, locale: str = "en"
    ) -> CartView:
        customer_id = _customer(principal)
        with self._ctx.uow() as uow:
            updated = self._load(uow, customer_id).with_quantity(
                sku, quantity, self._ctx.clock.now()
            )
            view = self._view(uow, updated, locale)
            uow.carts.save(updated)
            uow.commit()
        return view

    @retry_on_contention
    def remove_item(self, principal: Principal, sku: str, locale: str = "en") -> CartView:
        customer_id = _customer(principal)
        with self._ctx.uow() as uow:
            updated = self._load(uow, customer_id).without(sku, self._ctx.clock.now())
            view = self._view(uow, updated, locale)
            uow.carts.save(updated)
            uow.commit()
        return view

    # -- helpers ----------------------------------------------------------------------------
    def _load(self, uow: UnitOfWork, customer_id: str, *, lock: bool = True) -> Cart:
        # a change locks the cart: two changes of one cart at once (two tabs) run one after the
        # other, so that neither writes the cart back without the other's line, nor refills a
        # cart a checkout emptied meanwhile with the lines it had before
        cart = uow.carts.get_for_customer(customer_id, for_update=lock)
        if cart is None:
            cart = Cart(
                id=self._ctx.ids.new_id("cart"),
                customer_id=customer_id,
                currency=self._ctx.settings.currency,
                updated_at=self._ctx.clock.now(),
            )
        return cart

    def _view(
        self,
        uow: UnitOfWork,
        cart: Cart,
        locale: str,
        products: dict[str, Product] | None = None,
    ) -> CartView:
        # an item withdrawn since it was added is priced out of the cart, not silently kept
        # live prices for display: a tax service that is down never fails the cart (the quote
        # and the order apply the shop's tax fallback)
        pricing, products, *_ = price_for(
            self._ctx, uow, cart, cart.customer_id, products=products, lenient_tax=True
        )
        names = {line.sku: products[line.sku].label(line.sku, locale) for line in pricing.lines}
        return CartView(cart, pricing, names)
