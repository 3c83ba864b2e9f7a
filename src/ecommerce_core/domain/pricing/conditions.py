"""The built-in condition kinds: spend, quantity, time, customer, channel and region.

Spend and quantity are measured on the lines the rule concerns (its scope), at the price they
have when the rule's stage is priced, unless the condition names its own ``scope``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.pricing import params as p
from ecommerce_core.domain.pricing.registry import RuleRegistry
from ecommerce_core.domain.pricing.rules import (
    ConditionFn,
    LineView,
    RuleView,
    Verdict,
)
from ecommerce_core.domain.pricing.scope import Scope

__all__ = ["register_conditions"]


def _measured(scope: Scope | None, view: RuleView) -> list[LineView]:
    if scope is None:
        return list(view.lines)
    return [line for line in view.cart if scope.matches(line.facts)]


def min_subtotal(params: Mapping[str, Any]) -> ConditionFn:
    threshold = p.money(params, "amount")
    assert threshold is not None
    scope = p.scope(params)

    def check(view: RuleView) -> Verdict | None:
        if threshold.currency != view.currency:
            return Verdict("currency_mismatch")
        # the view's amount is what its lines cost now
        spent = view.amount if scope is None else sum(ln.amount for ln in _measured(scope, view))
        if spent >= threshold.amount:
            return None
        return Verdict(
            "min_spend_not_met", threshold.amount - spent, {"threshold": threshold.amount}
        )

    return check


def min_quantity(params: Mapping[str, Any]) -> ConditionFn:
    needed = p.count(params, "quantity")
    scope = p.scope(params)

    def check(view: RuleView) -> Verdict | None:
        units = sum(line.quantity for line in _measured(scope, view))
        if units >= needed:
            return None
        return Verdict("min_quantity_not_met", details={"missing": needed - units})

    return check


def time_window(params: Mapping[str, Any]) -> ConditionFn:
    starts, ends = p.moment(params, "starts_at"), p.moment(params, "ends_at")
    weekdays = frozenset(params.get("weekdays", ()))
    if not weekdays <= frozenset(range(7)):
        raise InvalidInput("weekdays are 0 (Monday) to 6 (Sunday)", field="weekdays")
    hours = params.get("hours")
    if hours is not None and (
        not isinstance(hours, list | tuple) or len(hours) != 2 or not 0 <= hours[0] < hours[1] <= 24
    ):
        raise InvalidInput("hours is [first hour, hour after the last]", field="hours")

    def check(view: RuleView) -> Verdict | None:
        now = view.context.now
        if starts is not None and now < starts:
            return Verdict("not_started")
        if ends is not None and now >= ends:
            return Verdict("expired")
        if weekdays and now.weekday() not in weekdays:
            return Verdict("not_today")
        if hours is not None and not hours[0] <= now.hour < hours[1]:
            return Verdict("not_now")
        return None

    return check


def customer_group(params: Mapping[str, Any]) -> ConditionFn:
    groups = p.names(params, "groups")

    def check(view: RuleView) -> Verdict | None:
        if groups.isdisjoint(view.context.buyer.groups):
            return Verdict("customer_not_eligible")
        return None

    return check


def member_tier(params: Mapping[str, Any]) -> ConditionFn:
    tiers = p.names(params, "tiers")

    def check(view: RuleView) -> Verdict | None:
        return None if view.context.buyer.tier in tiers else Verdict("customer_not_eligible")

    return check


def first_order(params: Mapping[str, Any]) -> ConditionFn:
    def check(view: RuleView) -> Verdict | None:
        return None if view.context.buyer.first_order else Verdict("not_first_order")

    return check


def channel(params: Mapping[str, Any]) -> ConditionFn:
    channels = p.names(params, "channels")

    def check(view: RuleView) -> Verdict | None:
        return None if view.context.channel in channels else Verdict("channel_not_eligible")

    return check


def region(params: Mapping[str, Any]) -> ConditionFn:
    regions = frozenset(r.upper() for r in p.names(params, "regions"))

    def check(view: RuleView) -> Verdict | None:
        return None if view.context.in_region(regions) else Verdict("region_not_eligible")

    return check


def always(params: Mapping[str, Any]) -> ConditionFn:
    def check(view: RuleView) -> Verdict | None:
        return None

    return check


def register_conditions(registry: RuleRegistry) -> None:
    add = registry.add_condition
    add("always", always, "always true")
    add("min_subtotal", min_subtotal, "spend in scope of at least amount (min_spend_not_met)")
    add("min_quantity", min_quantity, "at least quantity units in scope (min_quantity_not_met)")
    add("time_window", time_window, "between starts_at and ends_at, on weekdays, within hours")
    add("customer_group", customer_group, "the buyer is in one of groups")
    add("member_tier", member_tier, "the buyer's member tier is one of tiers")
    add("first_order", first_order, "the buyer has placed no order yet")
    add("channel", channel, "the sales channel is one of channels")
    add("region", region, "the destination lies in one of regions")
