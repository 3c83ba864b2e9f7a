"""The registry of rule kinds: each condition or benefit kind is a name and a compile function.

``compile(params)`` checks the parameters once and returns the callable the engine calls on every
pricing; it raises :class:`InvalidInput` for bad parameters, so a bad rule is refused when it is
created. Plugins add kinds through the ``ecommerce_core_register_pricing_rules`` hook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.pricing.rules import (
    STAGES,
    Benefit,
    BenefitFn,
    Condition,
    ConditionFn,
    RuleView,
    Verdict,
)

__all__ = ["BenefitKind", "ConditionKind", "RuleRegistry"]

ConditionCompiler = Callable[[Mapping[str, Any]], ConditionFn]
BenefitCompiler = Callable[[Mapping[str, Any]], BenefitFn]


@attrs.frozen
class ConditionKind:
    name: str
    compile: ConditionCompiler
    description: str = ""


@attrs.frozen
class BenefitKind:
    name: str
    compile: BenefitCompiler
    stage: str
    description: str = ""


@attrs.define
class RuleRegistry:
    """Condition and benefit kinds by name. Build one with :func:`default_registry`."""

    conditions: dict[str, ConditionKind] = attrs.field(factory=dict)
    benefits: dict[str, BenefitKind] = attrs.field(factory=dict)

    def add_condition(self, name: str, compile: ConditionCompiler, description: str = "") -> None:
        if name in self.conditions or name in ("all", "any", "not"):
            raise InvalidInput(f"the condition kind {name!r} is already registered", kind=name)
        self.conditions[name] = ConditionKind(name, compile, description)

    def add_benefit(
        self, name: str, compile: BenefitCompiler, stage: str, description: str = ""
    ) -> None:
        if name in self.benefits:
            raise InvalidInput(f"the benefit kind {name!r} is already registered", kind=name)
        if stage not in STAGES:
            raise InvalidInput(f"a benefit's stage is one of {', '.join(STAGES)}", stage=stage)
        self.benefits[name] = BenefitKind(name, compile, stage, description)

    def compile_condition(self, condition: Condition) -> ConditionFn:
        """The callable of ``condition``; :class:`InvalidInput` for an unknown kind or bad params."""
        if condition.kind in ("all", "any", "not"):
            parts = [self.compile_condition(c) for c in condition.children]
            if not parts or (condition.kind == "not" and len(parts) != 1):
                raise InvalidInput(
                    f"'{condition.kind}' needs conditions to combine", field="condition"
                )
            return _combine(condition.kind, parts)
        kind = self.conditions.get(condition.kind)
        if kind is None:
            raise InvalidInput(
                f"no condition kind {condition.kind!r} is registered", kind=condition.kind
            )
        return kind.compile(condition.params)

    def compile_benefit(self, benefit: Benefit) -> tuple[str, BenefitFn]:
        """The stage and callable of ``benefit``."""
        kind = self.benefits.get(benefit.kind)
        if kind is None:
            raise InvalidInput(f"no benefit kind {benefit.kind!r} is registered", kind=benefit.kind)
        return kind.stage, kind.compile(benefit.params)

    def stage_of(self, benefit_kind: str) -> str:
        kind = self.benefits.get(benefit_kind)
        return kind.stage if kind else "item"


def _combine(kind: str, parts: list[ConditionFn]) -> ConditionFn:
    if kind == "all":

        def all_of(view: RuleView) -> Verdict | None:
            for part in parts:
                verdict = part(view)
                if verdict is not None:
                    return verdict
            return None

        return all_of
    if kind == "any":

        def any_of(view: RuleView) -> Verdict | None:
            failures = []
            for part in parts:
                verdict = part(view)
                if verdict is None:
                    return None
                failures.append(verdict)
            # the nearest miss explains best: the smallest shortfall, else the first reason
            return min(failures, key=lambda v: (v.shortfall is None, v.shortfall or 0))

        return any_of
    (inner,) = parts

    def not_(view: RuleView) -> Verdict | None:
        return Verdict("condition_not_met") if inner(view) is None else None

    return not_
