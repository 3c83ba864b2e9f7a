"""The stacking policy: which rules may apply together, declared as data and testable alone.

* **Groups.** Rules in one stacking ``group`` compete: no unit gets two discounts from one group;
  the larger discount wins (per line for line-by-line benefits), ties to the higher ``priority``,
  then the smaller id. The loser may still apply to the lines the winner left.
* **Units.** Across groups rules stack, each on the price the earlier ones left, but a line
  already discounted takes another discount only when both rules are ``stackable``.
* **Combinable-with.** A rule with a ``combinable_with`` list applies only beside rules named in
  it, by id, group or source (``promotion``, ``coupon``); both sides must agree.
* **Exclusive.** An exclusive rule applies alone. The engine prices the cart with it alone and
  with everything else, and keeps the lower total.
* **Priority.** Higher priority is priced earlier within its stage; stages run item, order, gift,
  shipping, points, promotions before coupons.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput

__all__ = ["StackingPolicy", "combinable"]


def _group(value: object) -> str:
    if value == "":
        return ""
    return v.identifier(value, "group")


def _allowed(value: object) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidInput(
            "combinable_with is a list of ids, groups or sources", field="combinable_with"
        )
    return frozenset(v.identifier(x, "combinable_with") for x in value)


def _priority(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -1000 <= value <= 1000:
        raise InvalidInput("priority is a whole number from -1000 to 1000", field="priority")
    return value


@attrs.frozen
class StackingPolicy:
    """How one rule combines with others. An empty ``group`` takes its kind's default group."""

    group: str = attrs.field(default="", converter=_group)
    exclusive: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    stackable: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))
    combinable_with: frozenset[str] | None = attrs.field(default=None, converter=_allowed)
    priority: int = attrs.field(default=0, converter=_priority)

    def to_data(self) -> dict[str, object]:
        return {
            "group": self.group,
            "exclusive": self.exclusive,
            "stackable": self.stackable,
            "combinable_with": None
            if self.combinable_with is None
            else sorted(self.combinable_with),
            "priority": self.priority,
        }

    @classmethod
    def from_data(cls, data: dict[str, object] | None) -> StackingPolicy:
        return cls(**data) if data else cls()  # type: ignore[arg-type]


class _Names(Protocol):
    """The names a rule answers to in ``combinable_with``: its id, its group and its source."""

    @property
    def id(self) -> str: ...

    @property
    def group(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def stacking(self) -> StackingPolicy: ...


def _welcomes(a: _Names, b: _Names) -> bool:
    allowed = a.stacking.combinable_with
    return allowed is None or bool({b.id, b.group, b.source} & allowed)


def combinable(a: _Names, b: _Names) -> bool:
    """Whether two rules may both apply to one order (neither exclusive, each welcoming the other)."""
    if a.stacking.exclusive or b.stacking.exclusive:
        return False
    return _welcomes(a, b) and _welcomes(b, a)
