"""Membership and points use cases: staff set a customer's groups, member tier and contract price
lists and adjust points; a customer reads their own membership, balance and ledger. A customer
can never set any of these: every write needs ``customer:manage``."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

import attrs

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import Conflict, InvalidInput, NotFound
from ecommerce_core.domain.loyalty import (
    Membership,
    PointsEntry,
    PointsReason,
    membership_names,
)
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.retry import retry_on_contention

__all__ = ["LoyaltyService", "credit_points"]

_UNSET = object()


def credit_points(
    uow: UnitOfWork,
    ctx: ServiceContext,
    customer_id: str,
    delta: int,
    reason: PointsReason,
    *,
    order_id: str | None = None,
    note: str = "",
) -> PointsEntry | None:
    """Change a balance by ``delta`` with its ledger entry and event, in ``uow``'s transaction;
    None (nothing written) when the balance does not cover a debit."""
    now = ctx.clock.now()
    entry = PointsEntry(
        ctx.ids.new_id("pts"), customer_id, delta, reason, now, order_id=order_id, note=note
    )
    if not uow.memberships.add_points(entry):
        return None
    uow.outbox.add(
        [
            ev.PointsChanged(
                occurred_at=now,
                customer_id=customer_id,
                entry_id=entry.id,
                delta=delta,
                reason=reason.value,
                order_id=order_id,
            )
        ]
    )
    return entry


class LoyaltyService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def membership(self, principal: Principal, customer_id: str | None = None) -> Membership:
        """A customer's membership (their own, or any for staff); an empty one if never set.
        Another customer's is simply not found."""
        who = self._visible(principal, customer_id)
        with self._ctx.uow() as uow:
            return uow.memberships.get(who) or Membership(who)

    def ledger(
        self, principal: Principal, customer_id: str | None = None, *, limit: int = 50
    ) -> builtins.list[PointsEntry]:
        """The customer's points ledger, newest first."""
        who = self._visible(principal, customer_id)
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise InvalidInput("limit must be a whole number", field="limit")
        with self._ctx.uow() as uow:
            return uow.memberships.ledger(who, max(1, min(limit, 500)))

    @retry_on_contention
    def set_membership(
        self,
        principal: Principal,
        customer_id: str,
        *,
        groups: Iterable[str] | object | None = _UNSET,
        tier: str | object | None = _UNSET,
        contracts: Iterable[str] | object | None = _UNSET,
    ) -> Membership:
        """Set a customer's groups, member tier and contract price lists (staff only); what is
        not passed is kept. ``tier=""`` (or None) removes the tier.

        :param contracts: ids of ``contract`` price lists in ``ShopSettings.pricing.prices``.
        """
        require(principal, Permission.CUSTOMER_MANAGE)
        known = {pl.id for pl in self._ctx.settings.pricing.prices.lists if pl.kind == "contract"}
        with self._ctx.uow() as uow:
            account = uow.customers.get(customer_id) if isinstance(customer_id, str) else None
            if account is None:
                raise NotFound("no such account")
            current = uow.memberships.get(account.id) or Membership(account.id)
            changes: dict[str, Any] = {"updated_at": self._ctx.clock.now()}
            if groups is not _UNSET:
                changes["groups"] = membership_names(groups, "groups")
            if tier is not _UNSET:
                changes["tier"] = tier or ""
            if contracts is not _UNSET:
                named = membership_names(contracts, "contracts")
                unknown = sorted(named - known)
                if unknown:
                    raise InvalidInput(
                        "no contract price list has that id", field="contracts", ids=unknown
                    )
                changes["contracts"] = named
            updated = attrs.evolve(current, **changes)
            uow.memberships.save(updated)
            uow.outbox.add(
                [
                    ev.MembershipChanged(
                        occurred_at=self._ctx.clock.now(),
                        customer_id=account.id,
                        changed_by=str(principal.id),
                        groups=tuple(sorted(updated.groups)),
                        tier=updated.tier,
                        contracts=tuple(sorted(updated.contracts)),
                    )
                ]
            )
            uow.commit()
            return updated

    @retry_on_contention
    def adjust_points(
        self, principal: Principal, customer_id: str, delta: int, *, note: str = ""
    ) -> PointsEntry:
        """Credit (or, negative, debit) a customer's points by hand (staff only), with a note.
        :class:`Conflict` when a debit is more than the balance; nothing changes then."""
        require(principal, Permission.CUSTOMER_MANAGE)
        text = v.text(note, "note", allow_empty=True)
        with self._ctx.uow() as uow:
            account = uow.customers.get(customer_id) if isinstance(customer_id, str) else None
            if account is None:
                raise NotFound("no such account")
            entry = credit_points(
                uow, self._ctx, account.id, delta, PointsReason.ADJUSTED, note=text
            )
            if entry is None:
                raise Conflict("the balance does not cover that debit", reasons={"points": delta})
            uow.commit()
        return entry

    @staticmethod
    def _visible(principal: Principal, customer_id: str | None) -> str:
        if principal.can(Permission.CUSTOMER_MANAGE):
            if not isinstance(customer_id, str):
                raise InvalidInput("staff name the customer", field="customer_id")
            return v.identifier(customer_id, "customer_id")
        require(principal, Permission.ORDER_PLACE)  # a logged-in customer
        if customer_id is not None and customer_id != principal.id:
            raise NotFound("no such account")
        assert principal.id is not None
        return principal.id
