"""What a rule concerns: the items it targets (by SKU, product, category, brand, tag or merchant)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput

__all__ = ["ItemFacts", "Scope"]


def _codes(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidInput("scope is a collection of identifiers", field="scope")
    return frozenset(v.identifier(x, "scope") for x in value)


def _skus(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidInput("scope is a collection of SKUs", field="scope")
    return frozenset(v.sku(x) for x in value)


def _texts(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidInput("scope is a collection of names", field="scope")
    return frozenset(v.text(x, "scope") for x in value)


@attrs.frozen(slots=True)
class ItemFacts:
    """What scopes and conditions may ask about a cart line (categories include every ancestor)."""

    sku: str
    product_id: str = ""
    category_ids: frozenset[str] = frozenset()
    brand: str = ""
    tags: frozenset[str] = frozenset()
    merchant_id: str = ""
    on_sale: bool = False


@attrs.frozen
class Scope:
    """Items a rule concerns. Empty inclusion sets mean every item; exclusions always win.

    Categories match their sub-categories too, because a line carries all its category ancestors.
    ``exclude_on_sale`` leaves out items already at a sale price (不与限时折扣同享).
    """

    skus: frozenset[str] = attrs.field(factory=frozenset, converter=_skus)
    product_ids: frozenset[str] = attrs.field(factory=frozenset, converter=_codes)
    category_ids: frozenset[str] = attrs.field(factory=frozenset, converter=_codes)
    brands: frozenset[str] = attrs.field(factory=frozenset, converter=_texts)
    tags: frozenset[str] = attrs.field(factory=frozenset, converter=_codes)
    merchant_ids: frozenset[str] = attrs.field(factory=frozenset, converter=_codes)
    exclude_skus: frozenset[str] = attrs.field(factory=frozenset, converter=_skus)
    exclude_category_ids: frozenset[str] = attrs.field(factory=frozenset, converter=_codes)
    exclude_tags: frozenset[str] = attrs.field(factory=frozenset, converter=_codes)
    exclude_on_sale: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))

    @property
    def everything(self) -> bool:
        """True when no inclusion set narrows the scope (exclusions may still apply)."""
        return not (
            self.skus
            or self.product_ids
            or self.category_ids
            or self.brands
            or self.tags
            or self.merchant_ids
        )

    @property
    def has_exclusions(self) -> bool:
        return bool(
            self.exclude_on_sale
            or self.exclude_skus
            or self.exclude_category_ids
            or self.exclude_tags
        )

    def includes(self, item: ItemFacts) -> bool:
        """Whether ``item`` is named by an inclusion set (or the scope is everything)."""
        return (
            self.everything
            or item.sku in self.skus
            or item.product_id in self.product_ids
            or not self.category_ids.isdisjoint(item.category_ids)
            or item.brand in self.brands
            or not self.tags.isdisjoint(item.tags)
            or item.merchant_id in self.merchant_ids
        )

    def excludes(self, item: ItemFacts) -> bool:
        return (
            (self.exclude_on_sale and item.on_sale)
            or item.sku in self.exclude_skus
            or not self.exclude_category_ids.isdisjoint(item.category_ids)
            or not self.exclude_tags.isdisjoint(item.tags)
        )

    def matches(self, item: ItemFacts) -> bool:
        return self.includes(item) and not self.excludes(item)

    def index_keys(self) -> list[tuple[str, str]]:
        """The keys under which an index files this scope (none when it is everything)."""
        keys = [("sku", x) for x in self.skus]
        keys += [("product", x) for x in self.product_ids]
        keys += [("category", x) for x in self.category_ids]
        keys += [("brand", x) for x in self.brands]
        keys += [("tag", x) for x in self.tags]
        keys += [("merchant", x) for x in self.merchant_ids]
        return sorted(keys)

    def union(self, other: Scope) -> Scope:
        return Scope(
            **{
                f.name: _merge(getattr(self, f.name), getattr(other, f.name))
                for f in attrs.fields(Scope)
            }
        )

    def to_data(self) -> dict[str, Any]:
        """Plain data (sorted lists), for storage."""
        return {
            f.name: (sorted(value) if isinstance(value, frozenset) else value)
            for f in attrs.fields(Scope)
            if (value := getattr(self, f.name))
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> Scope:
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise InvalidInput(
                "a scope is a mapping such as {'category_ids': [...]}", field="scope"
            )
        known = {f.name for f in attrs.fields(Scope)}
        unknown = set(data) - known
        if unknown:
            raise InvalidInput(f"unknown scope fields: {', '.join(sorted(unknown))}", field="scope")
        return cls(**data)


def _merge(a: Any, b: Any) -> Any:
    return a | b if isinstance(a, frozenset) else a or b


def item_keys(item: ItemFacts) -> list[tuple[str, str]]:
    """The index keys of an item: every scope that could include it is filed under one of them."""
    keys = [("sku", item.sku)]
    if item.product_id:
        keys.append(("product", item.product_id))
    keys += [("category", c) for c in item.category_ids]
    if item.brand:
        keys.append(("brand", item.brand))
    keys += [("tag", t) for t in item.tags]
    if item.merchant_id:
        keys.append(("merchant", item.merchant_id))
    return keys
