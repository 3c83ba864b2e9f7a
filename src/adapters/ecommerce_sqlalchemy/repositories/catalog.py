"""Categories and products."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

import sqlalchemy as sa

from ecommerce_core.domain.catalog import Category, Product
from ecommerce_core.domain.errors import NotFound
from ecommerce_sqlalchemy import mapping as m
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.memo import RowMemo, frozen
from ecommerce_sqlalchemy.pricing import bump_catalogue
from ecommerce_sqlalchemy.repositories._base import (
    _Joined,
    _many,
    _param,
    _Repo,
)
from ecommerce_sqlalchemy.statements import Statements

# -- catalog ---------------------------------------------------------------------------------
_CATEGORY_INSERT = sa.insert(t.categories)
_CATEGORY_BY_ID = sa.select(t.categories).where(t.categories.c.id == _param("id"))
_CATEGORIES = sa.select(t.categories).order_by(t.categories.c.id)
_CATEGORY_UPDATE = (
    sa.update(t.categories)
    .where(t.categories.c.id == _param("key"))
    .values(slug=_param("slug"), names=_param("names"), parent_id=_param("parent_id"))
)


def _lineage() -> sa.Select[Any]:
    """The categories named and all their ancestors, in one recursive statement (``UNION``, not
    ``UNION ALL``: a row met twice ends the walk, so even a cycle terminates)."""
    c = t.categories
    up = (
        sa.select(c.c.id, c.c.parent_id)
        .where(c.c.id.in_(_many("ids")))
        .cte("lineage", recursive=True)
    )
    parent = c.alias("parent")
    up = up.union(
        sa.select(parent.c.id, parent.c.parent_id).join(up, parent.c.id == up.c.parent_id)
    )
    return sa.select(c).where(c.c.id.in_(sa.select(up.c.id)))


_CATEGORY_LINEAGE = _lineage()


_JSON = (dict, list)


def _key(row: Mapping[Any, Any]) -> tuple[Any, ...]:
    return tuple([frozen(v) if isinstance(v, _JSON) else v for v in row.values()])


class SqlCategories(_Repo):
    def __init__(self, conn: Statements, locking: bool, memo: RowMemo | None = None) -> None:
        super().__init__(conn, locking)
        self._memo = memo if memo is not None else RowMemo(0)

    def add(self, category: Category) -> None:
        self._c.execute(_CATEGORY_INSERT, m.category_to_row(category))
        bump_catalogue(self._c)  # pricing caches the tree under the catalogue version

    def update(self, category: Category) -> None:
        row = m.category_to_row(category)
        row["key"] = row.pop("id")
        if self._c.execute(_CATEGORY_UPDATE, row).rowcount != 1:
            raise NotFound("no such category", id=category.id)
        bump_catalogue(self._c)

    def get(self, category_id: str) -> Category | None:
        row = self._c.execute(_CATEGORY_BY_ID, {"id": category_id}).mappings().first()
        return None if row is None else m.category_from_row(row)

    def lineage(self, category_ids: Iterable[str]) -> list[Category]:
        wanted = sorted(set(category_ids))
        if not wanted:
            return []
        rows = self._c.execute(_CATEGORY_LINEAGE, {"ids": wanted}).mappings()
        # pricing reads the same branches again and again: built once per row content
        return [
            self._memo.get(("category", _key(r)), partial(m.category_from_row, r)) for r in rows
        ]

    def list(self) -> list[Category]:
        return [m.category_from_row(r) for r in self._c.execute(_CATEGORIES).mappings()]


_PRODUCT_INSERT = sa.insert(t.products)
_VARIANT_INSERT = sa.insert(t.variants)
_PRODUCTS = _Joined(
    t.products,
    t.variants,
    t.variants.c.product_id == t.products.c.id,
    t.products.c.id,
    t.variants.c.position,
)
_SKU = t.variants.alias("sku_of")
_PRODUCT_BY_ID = _PRODUCTS.query.where(t.products.c.id == _param("id"))
_PRODUCTS_BY_SKUS = _PRODUCTS.query.where(
    t.products.c.id.in_(sa.select(_SKU.c.product_id).where(_SKU.c.sku.in_(_many("skus"))))
)
#: the pricing read of products also brings the promotion catalogue version (one round trip
#: less per pricing: the shop's caches ask for it next, see services/catalogue_cache.py)
_VERSION = "ec_catalogue_version"
_PRICING_BY_SKUS = _PRODUCTS_BY_SKUS.add_columns(
    sa.select(t.promotion_catalogue.c.version)
    .where(t.promotion_catalogue.c.id == 1)
    .scalar_subquery()
    .label(_VERSION)
)
_PRODUCTS_IN = _PRODUCTS.query.where(t.products.c.category_id.in_(_many("categories")))


class SqlProducts(_Repo):
    def __init__(self, conn: Statements, locking: bool, memo: RowMemo | None = None) -> None:
        super().__init__(conn, locking)
        self._memo = memo if memo is not None else RowMemo(0)

    def add(self, product: Product) -> None:
        head, variants = m.product_to_rows(product)
        self._c.execute(_PRODUCT_INSERT, head)
        self._c.execute(_VARIANT_INSERT, variants)

    def _load(
        self, statement: Any, params: Mapping[str, Any] | None = None, memo: bool = False
    ) -> list[Product]:
        rows: Any = self._c.execute(statement, params).mappings()
        if memo:
            rows = self._seeing_version(rows)
        groups = _PRODUCTS.group(rows)
        if not memo:
            return [m.product_from_rows(head, variants) for head, variants in groups]
        return [
            self._memo.get(
                # the head row is the first joined row: it holds the first variant already
                ("product", _key(head), *(_key(v) for v in variants[1:])),
                partial(m.product_from_rows, head, variants),
            )
            for head, variants in groups
        ]

    def _seeing_version(self, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The rows without the catalogue version they carry, which the transaction keeps."""
        plain = []
        for row in rows:
            head = dict(row)
            version = head.pop(_VERSION)
            if version is not None and self._c.catalogue_version is None:
                self._c.catalogue_version = int(version)
            plain.append(head)
        return plain

    def get(self, product_id: str) -> Product | None:
        found = self._load(_PRODUCT_BY_ID, {"id": product_id})
        return found[0] if found else None

    def get_by_sku(self, sku: str) -> Product | None:
        # what an application asks for is built afresh (it may hold on to it)
        return self._by_skus([sku], memo=False).get(sku)

    def get_by_skus(self, skus: Iterable[str]) -> dict[str, Product]:
        # the pricing read of every cart change, quote and order: built once per row content
        return self._by_skus(skus, memo=True)

    def _by_skus(self, skus: Iterable[str], memo: bool) -> dict[str, Product]:
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        statement = _PRICING_BY_SKUS if memo else _PRODUCTS_BY_SKUS
        products = self._load(statement, {"skus": wanted}, memo=memo)
        chosen = set(wanted)
        return {v.sku: p for p in products for v in p.variants if v.sku in chosen}

    def list(self, category_ids: Iterable[str] | None = None) -> list[Product]:
        if category_ids is None:
            return self._load(_PRODUCTS.query)
        wanted = sorted(set(category_ids))
        return self._load(_PRODUCTS_IN, {"categories": wanted}) if wanted else []
