"""Rules as data plus a function: a condition or benefit is a kind name and JSON-able parameters.

A :class:`RuleRegistry` maps each kind to the function that compiles its parameters once into a
callable; plugins add kinds through ``ecommerce_core_register_pricing_rules``. Compiling checks
the parameters, so a promotion with a bad rule is refused when it is created, not at checkout.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.money import Money

if TYPE_CHECKING:
    from ecommerce_core.domain.pricing.context import PricingContext
    from ecommerce_core.domain.pricing.scope import ItemFacts

__all__ = [
    "STAGES",
    "Benefit",
    "BenefitFn",
    "Condition",
    "ConditionFn",
    "Effect",
    "LineView",
    "RuleView",
    "Verdict",
]

#: When a benefit is priced: item discounts, then order discounts and gifts, then shipping, points.
STAGES = ("item", "order", "gift", "shipping", "points")


def _params(value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput("rule parameters are a mapping with text keys", field="params")
    data: dict[str, Any] = _json(value)
    return data


def _json(value: Any) -> Any:
    """Parameters as plain JSON data, so that every store keeps them exactly: Decimal as text,
    Money as ``{"amount", "currency"}``, sets as sorted lists, times in ISO 8601; floats refused."""
    if value is None or (isinstance(value, str | bool | int) and not isinstance(value, float)):
        return value
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise InvalidInput("rule parameters are a mapping with text keys", field="params")
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Money):
        return {"amount": value.amount, "currency": value.currency}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(_json(v) for v in value)
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    to_data = getattr(value, "to_data", None)  # a Scope inside a condition's parameters
    if callable(to_data):
        return _json(to_data())
    raise InvalidInput(f"a rule parameter cannot be {type(value).__name__}", field="params")


def _kind(value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > 40:
        raise InvalidInput("a rule kind is a short name such as 'min_subtotal'", field="kind")
    return value


def _children(value: object) -> tuple[Condition, ...]:
    if not isinstance(value, tuple | list) or not all(isinstance(c, Condition) for c in value):
        raise InvalidInput("children are conditions", field="children")
    return tuple(value)


@attrs.frozen
class Condition:
    """``Condition("min_subtotal", {"amount": {...}})``; ``all``/``any``/``not`` combine children."""

    kind: str = attrs.field(converter=_kind)
    params: dict[str, Any] = attrs.field(factory=dict, converter=_params, hash=False)
    children: tuple[Condition, ...] = attrs.field(default=(), converter=_children)

    @classmethod
    def all(cls, *children: Condition) -> Condition:
        return cls("all", {}, children)

    @classmethod
    def any(cls, *children: Condition) -> Condition:
        return cls("any", {}, children)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "params": self.params}
        if self.children:
            data["children"] = [c.to_data() for c in self.children]
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Condition:
        children = tuple(cls.from_data(c) for c in data.get("children", ()))
        return cls(data["kind"], data.get("params", {}), children)


@attrs.frozen
class Benefit:
    """``Benefit("percent_off", {"percent": "10"})``: what a rule gives when its condition holds."""

    kind: str = attrs.field(converter=_kind)
    params: dict[str, Any] = attrs.field(factory=dict, converter=_params, hash=False)

    def to_data(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": self.params}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Benefit:
        return cls(data["kind"], data.get("params", {}))


@attrs.frozen(slots=True)
class Verdict:
    """Why a condition failed: a stable reason code, and how much more spend would pass it."""

    reason: str
    shortfall: int | None = None
    details: Mapping[str, Any] = attrs.field(factory=dict, hash=False)


class LineView:
    """A cart line as a rule sees it: amounts are integer minor units of the cart's currency."""

    __slots__ = ("amount", "facts", "index", "quantity", "sku", "unit", "weight_grams")

    def __init__(
        self, index: int, facts: ItemFacts, quantity: int, unit: int, amount: int, weight: int
    ) -> None:
        self.index = index  # position in the cart (sorted by SKU): the key of an Effect's lines
        self.sku = facts.sku
        self.facts = facts
        self.quantity = quantity
        self.unit = unit  # the resolved unit price
        self.amount = amount  # what the line costs now, after the discounts already applied
        self.weight_grams = weight


class RuleView:
    """What a condition or benefit sees: the lines open to the rule, the whole cart, the context.

    ``amount`` and ``quantity`` sum the open lines; ``cart`` is every line of the cart (built on
    first use), for conditions that measure their own scope.
    """

    __slots__ = (
        "_cart",
        "_cart_lines",
        "amount",
        "context",
        "currency",
        "lines",
        "quantity",
        "shipping_fee",
        "stock",
    )

    def __init__(
        self,
        lines: Sequence[LineView],
        cart: Sequence[LineView] | Callable[[], Sequence[LineView]],
        context: PricingContext,
        shipping_fee: int = 0,
        stock: Mapping[str, int] | None = None,
    ) -> None:
        self.lines = lines
        self._cart_lines = cart
        self._cart: Sequence[LineView] | None = None
        self.context = context
        self.currency = context.currency
        amount = quantity = 0
        for line in lines:
            amount += line.amount
            quantity += line.quantity
        self.amount = amount
        self.quantity = quantity
        self.shipping_fee = shipping_fee
        self.stock = stock

    @property
    def cart(self) -> Sequence[LineView]:
        if self._cart is None:
            source = self._cart_lines
            self._cart = source() if callable(source) else source
        return self._cart


@attrs.define(slots=True)
class Effect:
    """What a benefit gives. Amounts are minor units; the engine caps and allocates them.

    :param lines: discount per line index.
    :param per_line: each line's part stands alone, so best-of-group is decided line by line.
    :param order: an amount to spread over the rule's lines by largest remainder.
    :param shipping_percent: / ``shipping_amount``: off the shipping fee.
    :param gifts: ``(sku, quantity)`` pairs added free.
    :param points_multiplier: multiplies the points the order earns.
    :param next_shortfall: spend that would unlock more of this benefit (for hints).
    :param reason: a reason code when the benefit cannot be given (``gift_out_of_stock``).
    """

    lines: Mapping[int, int] = attrs.field(factory=dict, hash=False)
    per_line: bool = False
    order: int = 0
    shipping_percent: Decimal | None = None
    shipping_amount: int = 0
    gifts: tuple[tuple[str, int], ...] = ()
    points_multiplier: Decimal | None = None
    next_shortfall: int | None = None
    reason: str = ""


ConditionFn = Callable[[RuleView], Verdict | None]
BenefitFn = Callable[[RuleView], Effect]
