"""Catalog use cases: categories, products and their variants."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.catalog import Category, Product, Variant, descendants_of
from ecommerce_core.domain.errors import AlreadyExists, InvalidInput, NotFound, UnknownSku
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.services.context import ServiceContext

__all__ = ["CatalogService"]


def _variant(value: Variant | Mapping[str, Any]) -> Variant:
    if isinstance(value, Variant):
        return value
    if not isinstance(value, Mapping):
        raise InvalidInput("a variant is a Variant or a mapping with sku and price")
    unknown = set(value) - {"sku", "price", "attributes", "weight_grams"}
    if unknown:
        raise InvalidInput(f"unknown variant fields: {', '.join(sorted(unknown))}")
    if "sku" not in value or "price" not in value:
        raise InvalidInput("a variant needs a sku and a price", field="variants")
    return Variant(
        sku=value["sku"],
        price=value["price"],
        attributes=value.get("attributes") or {},
        weight_grams=value.get("weight_grams", 0),
    )


class CatalogService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def create_category(
        self,
        principal: Principal,
        *,
        slug: str,
        names: str | Mapping[str, str],
        parent_id: str | None = None,
    ) -> Category:
        require(principal, Permission.CATALOG_WRITE)
        category = Category(self._ctx.ids.new_id("cat"), slug, names, parent_id)
        with self._ctx.uow() as uow:
            if parent_id is not None and uow.categories.get(parent_id) is None:
                raise NotFound("the parent category does not exist", parent_id=parent_id)
            if any(c.slug == category.slug for c in uow.categories.list()):
                raise AlreadyExists("a category with that slug exists", slug=category.slug)
            uow.categories.add(category)
            uow.commit()
        return category

    def move_category(
        self, principal: Principal, category_id: str, *, parent_id: str | None
    ) -> Category:
        """Hang a category (with everything below it) under another parent, or make it a root
        (``parent_id=None``). Promotions scoped to a category apply to what is below it from the
        next pricing on, in every process (the catalogue version moves on with the change).
        :raises NotFound: no such category or parent. :raises InvalidInput: the parent is the
        category itself or one of its descendants (the tree would have a cycle)."""
        require(principal, Permission.CATALOG_WRITE)
        with self._ctx.uow() as uow:
            categories = uow.categories.list()
            found = next((c for c in categories if c.id == category_id), None)
            if found is None:
                raise NotFound("no such category", category_id=str(category_id)[:64])
            if parent_id is not None:
                if not any(c.id == parent_id for c in categories):
                    raise NotFound("the parent category does not exist", parent_id=parent_id)
                if parent_id in descendants_of(category_id, categories):
                    raise InvalidInput(
                        "a category cannot be moved under itself or a category below it",
                        field="parent_id",
                    )
            moved = attrs.evolve(found, parent_id=parent_id)
            if moved != found:
                uow.categories.update(moved)
                uow.commit()
        return moved

    def create_product(
        self,
        principal: Principal,
        *,
        slug: str,
        names: str | Mapping[str, str],
        category_id: str,
        variants: Iterable[Variant | Mapping[str, Any]],
        brand: str = "",
        description: str = "",
    ) -> Product:
        """Create a product with its variants. A SKU already sold by another product is refused."""
        require(principal, Permission.CATALOG_WRITE)
        if isinstance(variants, str | bytes | Mapping) or not isinstance(variants, Iterable):
            raise InvalidInput("variants must be a list", field="variants")
        product = Product(
            id=self._ctx.ids.new_id("prd"),
            slug=slug,
            names=names,
            category_id=category_id,
            variants=tuple(_variant(x) for x in variants),
            brand=brand,
            description=description,
        )
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            if uow.categories.get(category_id) is None:
                raise NotFound("that category does not exist", category_id=category_id)
            taken = uow.products.get_by_skus(x.sku for x in product.variants)
            if taken:
                raise AlreadyExists("a SKU is already in the catalog", skus=sorted(taken))
            uow.products.add(product)
            uow.outbox.add(
                [
                    ev.ProductCreated(
                        occurred_at=now,
                        product_id=product.id,
                        skus=tuple(x.sku for x in product.variants),
                    )
                ]
            )
            uow.commit()
        return product

    def get_product(self, principal: Principal, product_id: str) -> Product:
        require(principal, Permission.CATALOG_READ)
        with self._ctx.uow() as uow:
            product = uow.products.get(product_id)
        if product is None or (not product.active and not principal.is_staff):
            raise NotFound("no such product", product_id=product_id)
        return product

    def get_by_sku(self, principal: Principal, sku: str) -> Product:
        require(principal, Permission.CATALOG_READ)
        code = v.sku(sku)
        with self._ctx.uow() as uow:
            product = uow.products.get_by_sku(code)
        if product is None or (not product.active and not principal.is_staff):
            raise UnknownSku(f"no product has the SKU {code}", sku=code)
        return product

    def list_categories(self, principal: Principal) -> list[Category]:
        require(principal, Permission.CATALOG_READ)
        with self._ctx.uow() as uow:
            return sorted(uow.categories.list(), key=lambda c: (c.parent_id or "", c.slug))

    def list_products(
        self, principal: Principal, *, category_id: str | None = None
    ) -> list[Product]:
        """Products of a category and all its sub-categories (all products when none is given)."""
        require(principal, Permission.CATALOG_READ)
        with self._ctx.uow() as uow:
            scope = None
            if category_id is not None:
                # the shop's cached tree: one read of the catalogue version while it is unchanged
                tree = self._ctx.catalogue.read(uow).categories()
                if not isinstance(category_id, str) or category_id not in tree:
                    raise NotFound("that category does not exist", category_id=category_id)
                scope = descendants_of(category_id, tree.values())
            products = uow.products.list(scope)
        return [p for p in products if p.active or principal.is_staff]
