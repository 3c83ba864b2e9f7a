"""The catalog: a category tree and products whose variants are the things a customer buys (SKUs)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.money import Money

__all__ = ["Category", "Product", "Variant", "ancestors_of", "descendants_of", "pick_name"]


def pick_name(names: Mapping[str, str], locale: str = "en") -> str:
    """The name in ``locale``, else in its language, else English, else any."""
    if not isinstance(locale, str):
        raise InvalidInput("a locale is text such as 'en' or 'zh-CN'", field="locale")
    if locale in names:
        return names[locale]
    language = locale.split("-")[0]
    for key, value in names.items():
        if key.split("-")[0] == language:
            return value
    return names.get("en") or next(iter(names.values()))


@attrs.frozen
class Category:
    id: str = attrs.field(converter=v.identifier)
    slug: str = attrs.field(converter=v.slug)
    names: dict[str, str] = attrs.field(converter=v.localized_names, hash=False)
    parent_id: str | None = None

    def name(self, locale: str = "en") -> str:
        return pick_name(self.names, locale)


def _price(value: object) -> Money:
    if not isinstance(value, Money):
        raise InvalidInput("a price is Money (Money.of('19.99', 'CNY'))", field="price")
    if value.amount < 0:
        raise InvalidInput("a price cannot be negative", field="price")
    return value


def _weight(value: object) -> int:
    return v.non_negative(value, "weight_grams")


def _brand(value: object) -> str:
    return v.text(value, "brand", allow_empty=True)


def _description(value: object) -> str:
    return v.text(value, "description", max_length=5000, allow_empty=True)


@attrs.frozen
class Variant:
    """One buyable thing: a SKU with its attributes (colour, capacity) and list price."""

    sku: str = attrs.field(converter=v.sku)
    price: Money = attrs.field(converter=_price)
    attributes: dict[str, str] = attrs.field(factory=dict, converter=v.attributes, hash=False)
    weight_grams: int = attrs.field(default=0, converter=_weight)


def _variants(value: object) -> tuple[Variant, ...]:
    if not isinstance(value, Iterable) or isinstance(value, str | bytes):
        raise InvalidInput("variants must be a list", field="variants")
    variants = tuple(value)
    if not variants or not all(isinstance(x, Variant) for x in variants):
        raise InvalidInput("a product needs at least one variant", field="variants")
    skus = [x.sku for x in variants]
    if len(set(skus)) != len(skus):
        raise InvalidInput("a product lists a SKU twice", field="variants")
    if len({x.price.currency for x in variants}) != 1:
        raise InvalidInput("all variants of a product are priced in one currency", field="variants")
    return variants


@attrs.frozen
class Product:
    id: str = attrs.field(converter=v.identifier)
    slug: str = attrs.field(converter=v.slug)
    names: dict[str, str] = attrs.field(converter=v.localized_names, hash=False)
    category_id: str = attrs.field(converter=v.identifier)
    variants: tuple[Variant, ...] = attrs.field(converter=_variants)
    brand: str = attrs.field(default="", converter=_brand)
    description: str = attrs.field(default="", converter=_description)
    active: bool = True

    def name(self, locale: str = "en") -> str:
        return pick_name(self.names, locale)

    @property
    def currency(self) -> str:
        return self.variants[0].price.currency

    def variant(self, sku: str) -> Variant:
        for variant in self.variants:
            if variant.sku == sku:
                return variant
        raise KeyError(sku)

    def label(self, sku: str, locale: str = "en") -> str:
        """``"Phone X (black, 128 GB)"``: the product name with the variant's attributes."""
        attributes = self.variant(sku).attributes
        suffix = ", ".join(attributes.values())
        return f"{self.name(locale)} ({suffix})" if suffix else self.name(locale)


def ancestors_of(category_id: str, categories: Mapping[str, Category]) -> list[str]:
    """``category_id`` and every parent up to the root (cycles are cut)."""
    chain: list[str] = []
    current: str | None = category_id
    while current is not None and current not in chain:
        chain.append(current)
        parent = categories.get(current)
        current = parent.parent_id if parent else None
    return chain


def descendants_of(category_id: str, categories: Iterable[Category]) -> set[str]:
    """``category_id`` and every category below it."""
    children: dict[str | None, list[str]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category.id)
    found = {category_id}
    stack = [category_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found
